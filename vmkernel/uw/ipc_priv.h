/*
 * System V IPC internals shared by uw/ipc.c (ids, keys, permissions, the memory budget) and
 * the three kinds (ipc_shm.c, ipc_sem.c, ipc_msg.c).
 *
 * Each kind has one table (struct ipc_ids) under a mutex: creation, lookup by key or id,
 * removal and the *ctl calls that change an object's identity run under it.  Objects begin
 * with a struct ipc_kperm.  A semaphore set or message queue also has a wait queue whose
 * spinlock guards its state (values, pending operations, messages) and on which its sleepers
 * wait; it is taken inside the table mutex, never the other way round.  User memory is never
 * touched with either held (a copy may fault, and a fault on a shared memory area takes the
 * address space's lock and then the segment's): arguments are copied in first and results
 * copied out after.
 */
#ifndef UW_IPC_PRIV_H
#define UW_IPC_PRIV_H

#include <vmk/ipc.h>
#include <vmk/world.h>

#define IPC_CHUNK      512 /* object pointers per page of a table */
#define IPC_CHUNKS     (IPC_MNI / IPC_CHUNK)
#define IPC_KEYBUCKETS 64

/* The identity and permissions of one object (kern_ipc_perm). */
struct ipc_kperm {
	int32_t key;	     /* IPC_PRIVATE once removed (or a shm segment marked SHM_DEST) */
	int id;		     /* seq * IPC_SEQ_MULT + index */
	uint32_t uid, gid;   /* owner (IPC_SET changes them) */
	uint32_t cuid, cgid; /* creator */
	uint32_t mode;	     /* the low 9 bits: permissions; shm adds SHM_DEST, SHM_LOCKED */
	uint16_t seq;
	bool deleted;		    /* removed from its table: sleepers leave with EIDRM */
	unsigned refs;		    /* its table's, plus one per caller holding it (atomic) */
	struct ipc_kperm *key_next; /* the key hash chain (table mutex) */
};

struct ipc_ids {
	struct mutex lock;
	struct ipc_idr idr;
	struct ipc_kperm **chunk[IPC_CHUNKS]; /* pages of object pointers, made as needed */
	struct ipc_kperm *keys[IPC_KEYBUCKETS];
	int limit; /* SHMMNI, SEMMNI or MSGMNI objects */
};

#define IPC_IDS_INIT(lim)                                                                  \
	{                                                                                  \
		.lock = MUTEX_INIT, .idr = {.last_idx = -1, .max_idx = -1}, .limit = (lim) \
	}

/* --- with ids->lock held --- */

/* The object with this key (not IPC_PRIVATE), or NULL. */
struct ipc_kperm *ipc_find_key(struct ipc_ids *ids, int32_t key);
/* The object at id's index; with check, only if its sequence number matches too (what every
 * call but *_STAT by index asks).  -EINVAL when there is none. */
int ipc_find_id(struct ipc_ids *ids, int id, bool check, struct ipc_kperm **out);
/* Give a new object k (zeroed but for what the kind set) an id, its key and the caller's
 * credentials, and its table reference.  The id, or -ENOSPC (table full), -ENOMEM. */
int ipc_add(struct ipc_ids *ids, struct ipc_kperm *k, int32_t key, int flags);
/* Take k out of its table (its id and key become free; k->deleted).  Drops nothing: the
 * caller drops the table's reference. */
void ipc_remove(struct ipc_ids *ids, struct ipc_kperm *k);
/* Forget k's key (a shm segment marked for destruction): later lookups by key miss it. */
void ipc_forget_key(struct ipc_ids *ids, struct ipc_kperm *k);

/* The common shape of shmget, semget, msgget (Linux's ipcget): IPC_PRIVATE creates; a key
 * finds or (IPC_CREAT) creates; IPC_CREAT | IPC_EXCL on an existing key is -EEXIST, a missing
 * key without IPC_CREAT -ENOENT.  create runs with ids->lock held and returns the new id or
 * -errno; check (may be NULL) vets an existing object (shm's size, sem's nsems).  Takes and
 * releases ids->lock; returns the id or -errno. */
int ipc_get(struct ipc_ids *ids, int32_t key, int flags, long arg,
	    int (*create)(struct ipc_ids *ids, int32_t key, int flags, long arg),
	    int (*check)(struct ipc_kperm *k, long arg));

/* --- any context that may sleep, no locks needed --- */

/* Linux's ipcperms: may the caller have the access in flag (S_IRUGO/S_IWUGO-style bits)? */
bool ipc_perm_ok(const struct ipc_kperm *k, int flag);
/* IPC_SET and IPC_RMID: the caller must be the creator, the owner or privileged.  0 or
 * -EPERM. */
int ipc_owner_ok(const struct ipc_kperm *k);
/* IPC_SET's part common to every kind: uid, gid and the permission bits.  -EINVAL for an
 * invalid uid or gid ((uid_t)-1); the caller holds what guards k. */
int ipc_perm_set(struct ipc_kperm *k, const struct ipc64_perm *in);
void ipc_perm_out(const struct ipc_kperm *k, struct ipc64_perm *out);

/* References beyond the table's: get one under ids->lock (the object cannot go meanwhile);
 * put returns true for the last, when the caller frees the object. */
void ipc_ref(struct ipc_kperm *k);
bool ipc_unref(struct ipc_kperm *k);

/* Kernel memory for semaphore sets, undo entries, queues and queued messages comes out of
 * one budget (a sixteenth of usable RAM), so a userworld cannot exhaust the heap through
 * IPC objects.  charge: false when it would pass the budget (logged once). */
bool ipc_mem_charge(size_t bytes);
void ipc_mem_uncharge(size_t bytes);
/* Usable RAM in pages (for shm's limits). */
uint64_t ipc_ram_pages(void);

/* The wall clock in seconds (otime, ctime ...). */
int64_t ipc_now(void);
/* The calling process's pid (its thread group), 0 for a kernel world. */
int ipc_pid(void);

#endif
