/*
 * Between uw/futex.c (keys, the hash of waiters, wait/wake/requeue), futex_pi.c and
 * futex_robust.c: not for other subsystems.
 *
 * Locks, outermost first: a bucket's lock (two at once in address order for requeue), then
 * the process list's and a process's sig_lock (PI: is the owner alive?), then a waiter's own
 * q->wq.lock and the scheduler's.  User memory is touched under a bucket lock only with
 * world.nofault set; a fault there means: unlock, fault the page in, start again.
 */
#ifndef UW_FUTEX_PRIV_H
#define UW_FUTEX_PRIV_H

#include <vmk/futex.h>
#include <vmk/world.h>

struct aspace;

/* What a futex is, for matching waiters with wakers (Linux's futex_key): private memory by
 * (address space, user address); a MAP_SHARED page by its physical address (as NULL), with a
 * frame reference held by whoever holds the key, so the page cannot be reused meanwhile. */
struct futex_key {
	struct aspace *as;
	uint64_t addr;
};

struct futex_bucket {
	struct spinlock lock;
	struct futex_q *head, *tail; /* waiters in arrival order */
};
#define FUTEX_NBUCKETS 256 /* futex_bucket_of takes the hash's top 8 bits */
extern struct futex_bucket futex_buckets[FUTEX_NBUCKETS];

/* A waiter, on its own kernel stack.  Fields under its bucket's lock unless said. */
struct futex_q {
	struct futex_q *next, *prev;
	struct futex_bucket *bucket; /* where it is queued; NULL once a waker took it off */
	struct futex_key key;	     /* changed by requeue */
	uint32_t bitset;	     /* FUTEX_WAIT_BITSET's; ~0 for FUTEX_WAIT */
	bool pi;		     /* a FUTEX_LOCK_PI waiter */
	int tid;		     /* the waiter's thread id */
	int pi_owner;		     /* PI: the tid the kernel holds as the lock's owner */
	int result;	 /* set by the waker: 0, or futex_pi.c's FIXUP (write the word yourself) */
	bool done;	 /* under wq.lock: the waker has finished with this q */
	struct waitq wq; /* the waiter sleeps here alone */
};

/* Make the key of the futex at uaddr in as (the caller's): shared (no FUTEX_PRIVATE_FLAG)
 * looks at the memory (-EFAULT as Linux); write: the op will store to the word.  -EINVAL when
 * misaligned.  May sleep.  futex_key_put releases it. */
int futex_key_get(struct aspace *as, uint64_t uaddr, bool shared, bool write,
		  struct futex_key *key);
void futex_key_put(struct futex_key *key);
struct futex_bucket *futex_bucket_of(const struct futex_key *key);
/* Lock a key's bucket (interrupts off); the flags to restore. */
uint64_t futex_bucket_lock(struct futex_bucket *b);
void futex_bucket_unlock(struct futex_bucket *b, uint64_t flags);
/* The first waiter on key in b (locked), or NULL. */
struct futex_q *futex_top_waiter(struct futex_bucket *b, const struct futex_key *key);
bool futex_key_eq(const struct futex_key *a, const struct futex_key *b);
void futex_q_init(struct futex_q *q, const struct futex_key *key, uint32_t bitset);
/* Queue q at the tail of b (locked). */
void futex_q_enqueue(struct futex_bucket *b, struct futex_q *q);
/* Take q off its bucket (locked) and wake it with result; the waker must not touch q after. */
void futex_q_wake(struct futex_q *q, int result);
/* Sleep on q, queued in b, whose lock the caller holds (flags from futex_bucket_lock); returns
 * with no lock held: 0 when a waker took q (q->result says what for), -ETIMEDOUT at deadline
 * (time_ns; 0 for none), -EINTR when a signal is pending (q is then off the queue). */
int futex_q_sleep(struct futex_bucket *b, struct futex_q *q, uint64_t deadline, uint64_t flags);

/* The word at uaddr, read / compare-exchanged with faults off (a bucket lock is held):
 * 0 or -EFAULT. */
int futex_read_nofault(uint64_t uaddr, uint32_t *val);
int futex_cmpxchg_nofault(uint64_t uaddr, uint32_t old, uint32_t new, uint32_t *cur);
/* Fault the word in for writing (no lock held): 0 or -EFAULT. */
int futex_fault_in_writable(uint64_t uaddr);
/* Have the futex system call run again after the signal is handled (Linux's
 * -ERESTARTNOINTR): the return value for sys_futex to give. */
long futex_restart(void);

/* futex_robust.c: what is known of thread tid, for PI lockers and get_robust_list; takes the
 * process list's lock and a process's sig_lock (callable under a bucket lock).  1: a listed
 * thread (*dead: its robust list is done, *robust: its list head); 0: no such thread, but a
 * process of that pid whose thread has gone (a zombie, or its main thread exited); -ESRCH. */
int futex_thread_lookup(int tid, bool *dead, uint64_t *robust);

/* futex_pi.c */
long futex_lock_pi(uint64_t uaddr, bool shared, uint64_t deadline, bool trylock);
long futex_unlock_pi(uint64_t uaddr, bool shared);
/* The dying thread me hands every PI futex it owns (as its waiters know) to the first waiter,
 * with FUTEX_OWNER_DIED, as Linux's exit_pi_state_list.  No lock held; may sleep. */
void futex_pi_exit(struct world *me);

#endif
