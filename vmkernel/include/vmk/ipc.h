/*
 * System V IPC for userworlds: shared memory segments (uw/ipc_shm.c), semaphore sets
 * (uw/ipc_sem.c) and message queues (uw/ipc_msg.c) over one id/key/permission layer
 * (uw/ipc.c), with Linux 6.1's numbering, structures (x86_64, IPC_64 layouts), limits and
 * errors.
 *
 * Ids are built as Linux builds them: id = seq * IPC_SEQ_MULT + index, the index allocated
 * cyclically and the sequence number bumped whenever the allocation wraps, so a stale id
 * gives EINVAL rather than naming its successor.  The pure parts (index and sequence
 * arithmetic, semop's all-or-nothing evaluation, msgrcv's type selection) are in
 * uw/ipc_idr.c, uw/ipc_semop.c and uw/ipc_msgsel.c: they include only freestanding headers
 * and are unit-tested on the host (tests/unit/test_ipc.c).
 */
#ifndef VMK_IPC_H
#define VMK_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmk/bitmap.h>

/* --- flags and commands (Linux's values) --- */

#define IPC_PRIVATE 0
#define IPC_CREAT   00001000
#define IPC_EXCL    00002000
#define IPC_NOWAIT  00004000
#define IPC_RMID    0
#define IPC_SET	    1
#define IPC_STAT    2
#define IPC_INFO    3

#define SHM_HUGETLB   04000
#define SHM_NORESERVE 010000
#define SHM_RDONLY    010000
#define SHM_RND	      020000
#define SHM_REMAP     040000
#define SHM_EXEC      0100000
#define SHM_DEST      01000 /* in shm_perm.mode: destroyed at the last detach */
#define SHM_LOCKED    02000 /* in shm_perm.mode: SHM_LOCK (Keel never swaps anyway) */
#define SHM_LOCK      11
#define SHM_UNLOCK    12
#define SHM_STAT      13
#define SHM_INFO      14
#define SHM_STAT_ANY  15

#define SEM_UNDO     0x1000
#define GETPID	     11
#define GETVAL	     12
#define GETALL	     13
#define GETNCNT	     14
#define GETZCNT	     15
#define SETVAL	     16
#define SETALL	     17
#define SEM_STAT     18
#define SEM_INFO     19
#define SEM_STAT_ANY 20

#define MSG_NOERROR  010000
#define MSG_EXCEPT   020000
#define MSG_COPY     040000
#define MSG_STAT     11
#define MSG_INFO     12
#define MSG_STAT_ANY 13

/* --- limits: Linux's defaults (include/uapi/linux/{shm,sem,msg}.h) --- */

#define IPC_MNI	      32768 /* IPCMNI: the index space of every kind */
#define IPC_SEQ_SHIFT 15
#define IPC_SEQ_MULT  (1 << IPC_SEQ_SHIFT)
#define IPC_SEQ_MAX   (0x7fffffff >> IPC_SEQ_SHIFT)
#define IPC_MIN_CYCLE 64 /* ipc_min_cycle: indexes cycle through at least this many */

#define SHMMIN 1ul
#define SHMMAX (~0ul - (1ul << 24)) /* bytes */
#define SHMALL (~0ul - (1ul << 24)) /* pages */
#define SHMMNI 4096
#define SHMSEG SHMMNI

#define SEMMNI 32000
#define SEMMSL 32000
#define SEMMNS (SEMMNI * SEMMSL)
#define SEMOPM 500
#define SEMVMX 32767
#define SEMAEM SEMVMX
#define SEMUME SEMOPM
#define SEMMNU SEMMNS
#define SEMMAP SEMMNS
#define SEMUSZ 20

#define MSGMNI	32000
#define MSGMAX	8192
#define MSGMNB	16384
#define MSGPOOL (MSGMNI * MSGMNB / 1024)
#define MSGTQL	MSGMNB
#define MSGMAP	MSGMNB
#define MSGSSZ	16
#define MSGSEG	0xffff /* (MSGPOOL * 1024) / MSGSSZ, capped at 0xffff */

/* --- user structures, x86_64 layouts --- */

struct ipc64_perm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode;
	uint16_t seq, pad2;
	uint64_t unused1, unused2;
};

struct shmid64_ds {
	struct ipc64_perm shm_perm;
	uint64_t shm_segsz;
	int64_t shm_atime, shm_dtime, shm_ctime;
	int32_t shm_cpid, shm_lpid;
	uint64_t shm_nattch;
	uint64_t unused4, unused5;
};

struct shminfo64 {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
	uint64_t unused[4];
};

struct shm_info {
	int32_t used_ids;
	uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

struct semid64_ds {
	struct ipc64_perm sem_perm;
	int64_t sem_otime;
	uint64_t unused1;
	int64_t sem_ctime;
	uint64_t unused2;
	uint64_t sem_nsems;
	uint64_t unused3, unused4;
};

struct seminfo {
	int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

struct msqid64_ds {
	struct ipc64_perm msg_perm;
	int64_t msg_stime, msg_rtime, msg_ctime;
	uint64_t msg_cbytes, msg_qnum, msg_qbytes;
	int32_t msg_lspid, msg_lrpid;
	uint64_t unused4, unused5;
};

struct msginfo {
	int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	uint16_t msgseg;
};

struct ipc_sembuf {
	uint16_t sem_num;
	int16_t sem_op;
	int16_t sem_flg;
};

_Static_assert(sizeof(struct ipc64_perm) == 48, "ipc64_perm");
_Static_assert(sizeof(struct shmid64_ds) == 112, "shmid64_ds");
_Static_assert(sizeof(struct shminfo64) == 72, "shminfo64");
_Static_assert(sizeof(struct shm_info) == 48, "shm_info");
_Static_assert(sizeof(struct semid64_ds) == 104, "semid64_ds");
_Static_assert(sizeof(struct seminfo) == 40, "seminfo");
_Static_assert(sizeof(struct msqid64_ds) == 120, "msqid64_ds");
_Static_assert(sizeof(struct msginfo) == 32, "msginfo");
_Static_assert(sizeof(struct ipc_sembuf) == 6, "sembuf");

/* --- pure: index and sequence allocation (uw/ipc_idr.c) --- */

/* One kind's index space: Linux's idr with cyclic allocation, as ipc_addid uses it.  The
 * caller serialises access (the kind's table lock). */
struct ipc_idr {
	unsigned long used[BITMAP_WORDS(IPC_MNI)];
	int next;     /* where the next cyclic search starts (idr_next) */
	int last_idx; /* the index allocated last, -1 before the first */
	int seq;      /* the sequence number new objects get */
	int in_use;
	int max_idx; /* highest index in use, -1 when none */
};

static inline int ipc_id_idx(int id)
{
	return id & (IPC_MNI - 1);
}

static inline int ipc_id_seq(int id)
{
	return id >> IPC_SEQ_SHIFT;
}

void ipc_idr_init(struct ipc_idr *r);
/* An index for a new object, as Linux 6.1 picks it: the first free one at or after the last
 * allocated + 1, below max(in_use * 3/2, IPC_MIN_CYCLE) (capped at IPC_MNI), wrapping once
 * to 0; the sequence number goes up when the index does not.  *id gets seq * IPC_SEQ_MULT +
 * index.  Returns the index, or -ENOSPC at limit objects or with no free index. */
int ipc_idr_alloc(struct ipc_idr *r, int limit, int *id);
/* Free index idx (in use). */
void ipc_idr_remove(struct ipc_idr *r, int idx);
/* What IPC_INFO and the *_INFO commands return: the highest index in use, or 0 with none. */
int ipc_idr_info_max(const struct ipc_idr *r);

/* --- pure: semop evaluation (uw/ipc_semop.c) --- */

struct ipc_sem {
	int32_t val; /* 0..SEMVMX */
	int32_t pid; /* the process that changed it last (GETPID) */
};

#define IPC_SEM_BLOCK 1 /* ipc_sem_try: the operations must wait */

/*
 * Apply ops (every sem_num below the set's size, checked by the caller) to sems as one
 * atomic step, in order, Linux's perform_atomic_semop: all of them or none.  adj is the
 * caller's undo array for the set (needed when an op has SEM_UNDO, else may be NULL).
 * Returns 0 when applied (each touched semaphore's pid becomes pid), IPC_SEM_BLOCK when an
 * operation would wait (a decrement below 0, or a wait for zero on a non-zero value) and
 * *blocking holds its index, -EAGAIN when that operation has IPC_NOWAIT, or -ERANGE when a
 * value would pass SEMVMX or an undo value would leave [-SEMAEM - 1, SEMAEM].  On anything
 * but 0, sems and adj are as they were.
 */
int ipc_sem_try(struct ipc_sem *sems, int16_t *adj, const struct ipc_sembuf *ops, unsigned nops,
		int pid, unsigned *blocking);

/* --- pure: msgrcv's message selection (uw/ipc_msgsel.c) --- */

/* A queued message. */
struct ipc_msg {
	struct ipc_msg *next;
	long mtype; /* >= 1 */
	size_t size;
	char text[];
};

enum ipc_msg_mode {
	IPC_MSG_ANY,	   /* msgtyp 0: the first message */
	IPC_MSG_EQUAL,	   /* msgtyp > 0: the first of that type */
	IPC_MSG_NOTEQUAL,  /* msgtyp > 0 with MSG_EXCEPT: the first of another type */
	IPC_MSG_LESSEQUAL, /* msgtyp < 0: the first of the lowest type <= -msgtyp */
	IPC_MSG_NUMBER,	   /* MSG_COPY: the message at position msgtyp */
};

/* The search msgrcv's msgtyp and flags ask for; *type becomes the bound to compare with
 * (|msgtyp| for IPC_MSG_LESSEQUAL, LONG_MAX for LONG_MIN). */
enum ipc_msg_mode ipc_msg_mode(long *type, int flags);
/* Does a message of type mtype satisfy (type, mode)?  (IPC_MSG_NUMBER: any does.) */
bool ipc_msg_match(long mtype, long type, enum ipc_msg_mode mode);
/* The link (head, or a message's next) that points at the message msgrcv takes from the
 * list at *head, or NULL when none matches.  Like Linux's find_msg it may lower *type while
 * searching with IPC_MSG_LESSEQUAL (only when it finds a message). */
struct ipc_msg **ipc_msg_find(struct ipc_msg **head, long *type, enum ipc_msg_mode mode);

/* --- kernel hooks --- */

struct proc;
/* A process ends (its last thread, uw/proc.c): apply its semaphore adjustments (SEM_UNDO),
 * each clamped to [0, SEMVMX], wake whoever can now proceed, and free its undo entries.
 * Takes the semaphore table's mutex and sets' locks: call with no lock held.  May sleep. */
void ipc_sem_exit(struct proc *p);

#endif
