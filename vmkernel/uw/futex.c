/*
 * futex(2): user-space locks sleep here.
 *
 * Keys (Linux's get_futex_key): an op with FUTEX_PRIVATE_FLAG, or on private memory, names
 * its futex by (address space, user address); an op without the flag on a MAP_SHARED page
 * names it by the page's physical address, so processes sharing the page (shared anonymous
 * memory over fork, a tmpfs file each maps, SysV shm) meet there.  Waiters hash by key into
 * buckets, each a spinlock and a FIFO list of struct futex_q on the waiters' stacks.  The
 * bucket lock orders a waiter's value check against wakes (no lost wake-up); the value is
 * read under it with page faults off, and a missing page is faulted in unlocked and the
 * check retried.  Each waiter sleeps on a wait queue of its own, so requeue moves it to
 * another bucket (both locks held, in address order) without waking it.
 *
 * Ops: WAIT, WAKE, their BITSET forms (a waiter is woken when the bitsets share a bit),
 * REQUEUE, CMP_REQUEUE, WAKE_OP; LOCK_PI, LOCK_PI2, UNLOCK_PI, TRYLOCK_PI in futex_pi.c.
 * WAIT_REQUEUE_PI and CMP_REQUEUE_PI (glibc's condition variables on PI mutexes; musl does
 * not use them) are not implemented: -ENOSYS.
 */
#define LOG_TAG "futex"
#include "futex_priv.h"
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/rtc.h>
#include <vmk/time.h>

#define FUTEX_WAIT	      0
#define FUTEX_WAKE	      1
#define FUTEX_REQUEUE	      3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP	      5
#define FUTEX_LOCK_PI	      6
#define FUTEX_UNLOCK_PI	      7
#define FUTEX_TRYLOCK_PI      8
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2	      13
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define BITSET_ANY	      0xffffffffu
#define SYS_FUTEX	      202

struct futex_bucket futex_buckets[FUTEX_NBUCKETS];

/* --- keys and buckets --- */

int futex_key_get(struct aspace *as, uint64_t uaddr, bool shared, bool write, struct futex_key *key)
{
	uint64_t pa;
	int rc;

	if (uaddr & 3)
		return -EINVAL;
	if (!uaccess_ok((const void *)uaddr, 4))
		return -EFAULT;
	key->as = as;
	key->addr = uaddr;
	if (!shared)
		return 0;
	rc = aspace_shared_page(as, uaddr, write, &pa);
	if (rc)
		return rc == -ENOMEM ? -ENOMEM : -EFAULT;
	if (pa) {
		key->as = NULL;
		key->addr = pa;
	}
	return 0;
}

void futex_key_put(struct futex_key *key)
{
	if (!key->as)
		frame_unref(ALIGN_DOWN(key->addr, PAGE_SIZE));
	key->as = NULL;
	key->addr = 0;
}

bool futex_key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->as == b->as && a->addr == b->addr;
}

struct futex_bucket *futex_bucket_of(const struct futex_key *key)
{
	uint64_t h = ((uintptr_t)key->as ^ key->addr) * 0x9e3779b97f4a7c15ull;

	return &futex_buckets[h >> 56];
}

uint64_t futex_bucket_lock(struct futex_bucket *b)
{
	return spin_lock_irqsave(&b->lock);
}

void futex_bucket_unlock(struct futex_bucket *b, uint64_t flags)
{
	spin_unlock_irqrestore(&b->lock, flags);
}

/* Both buckets, the lower address first (requeue, wake-op). */
static uint64_t lock_two(struct futex_bucket *b1, struct futex_bucket *b2)
{
	uint64_t f;

	if (b1 == b2)
		return spin_lock_irqsave(&b1->lock);
	f = spin_lock_irqsave(b1 < b2 ? &b1->lock : &b2->lock);
	spin_lock(b1 < b2 ? &b2->lock : &b1->lock);
	return f;
}

static void unlock_two(struct futex_bucket *b1, struct futex_bucket *b2, uint64_t f)
{
	if (b1 != b2)
		spin_unlock(&b2->lock);
	spin_unlock_irqrestore(&b1->lock, f);
}

struct futex_q *futex_top_waiter(struct futex_bucket *b, const struct futex_key *key)
{
	for (struct futex_q *q = b->head; q; q = q->next)
		if (futex_key_eq(&q->key, key))
			return q;
	return NULL;
}

/* --- waiters --- */

void futex_q_init(struct futex_q *q, const struct futex_key *key, uint32_t bitset)
{
	*q = (struct futex_q){.key = *key, .bitset = bitset, .tid = world_current()->tid};
	waitq_init(&q->wq);
}

void futex_q_enqueue(struct futex_bucket *b, struct futex_q *q)
{
	q->next = NULL;
	q->prev = b->tail;
	if (b->tail)
		b->tail->next = q;
	else
		b->head = q;
	b->tail = q;
	__atomic_store_n(&q->bucket, b, __ATOMIC_RELEASE); /* leave() reads it unlocked */
}

/* Off its bucket's list; q->bucket stays (requeue moves it on at once). */
static void list_del(struct futex_q *q)
{
	struct futex_bucket *b = q->bucket;

	if (q->prev)
		q->prev->next = q->next;
	else
		b->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		b->tail = q->prev;
	q->next = q->prev = NULL;
}

static void unlink_q(struct futex_q *q)
{
	list_del(q);
	__atomic_store_n(&q->bucket, NULL, __ATOMIC_RELEASE);
}

void futex_q_wake(struct futex_q *q, int result)
{
	unlink_q(q);
	q->result = result;
	/* The waiter leaves as soon as it sees done: after this unlock q is its stack again. */
	spin_lock(&q->wq.lock);
	q->done = true;
	waitq_wake_one_locked(&q->wq);
	spin_unlock(&q->wq.lock);
}

/* A waiter that stopped waiting (timeout, signal) takes itself off its bucket, which requeue
 * may have changed; false when a waker got there first (it then waits for the waker to finish
 * with q). */
static bool leave(struct futex_q *q)
{
	uint64_t f;
	bool done;

	for (;;) {
		struct futex_bucket *b = __atomic_load_n(&q->bucket, __ATOMIC_ACQUIRE);

		if (!b)
			break;
		f = spin_lock_irqsave(&b->lock);
		if (q->bucket == b) {
			unlink_q(q);
			spin_unlock_irqrestore(&b->lock, f);
			return true;
		}
		spin_unlock_irqrestore(&b->lock, f);
	}
	do {
		f = spin_lock_irqsave(&q->wq.lock);
		done = q->done;
		spin_unlock_irqrestore(&q->wq.lock, f);
		if (!done)
			cpu_relax();
	} while (!done);
	return false;
}

int futex_q_sleep(struct futex_bucket *b, struct futex_q *q, uint64_t deadline, uint64_t f)
{
	bool timed_out = false, woken;

	/* Hand over from the bucket's lock to q's own: a waker takes both, so it cannot run
	 * between the value check and the sleep. */
	spin_lock(&q->wq.lock);
	spin_unlock(&b->lock);
	while (!q->done && !signal_pending() && !timed_out) {
		if (deadline)
			timed_out = waitq_wait_until(&q->wq, &f, deadline);
		else
			waitq_wait(&q->wq, &f);
	}
	woken = q->done;
	spin_unlock_irqrestore(&q->wq.lock, f);
	if (woken || !leave(q))
		return 0;
	return timed_out ? -ETIMEDOUT : -EINTR;
}

/* --- user memory under a bucket lock --- */

int futex_read_nofault(uint64_t uaddr, uint32_t *val)
{
	struct world *w = world_current();
	int rc;

	w->nofault = true;
	rc = copy_from_user(val, (const void *)uaddr, 4);
	w->nofault = false;
	return rc;
}

int futex_cmpxchg_nofault(uint64_t uaddr, uint32_t old, uint32_t new, uint32_t *cur)
{
	struct world *w = world_current();
	int rc;

	w->nofault = true;
	rc = cmpxchg_user_u32((uint32_t *)uaddr, old, new, cur);
	w->nofault = false;
	return rc;
}

int futex_fault_in_writable(uint64_t uaddr)
{
	struct world *w = world_current();

	if (uaddr >= USER_TOP)
		return -EFAULT;
	/* As a write fault on a present page would: copy-on-write, or page in. */
	return aspace_fault(w->as, uaddr, 3) ? -EFAULT : 0;
}

long futex_restart(void)
{
	struct regs *r = world_current()->uregs;

	r->rip -= 2; /* back to the SYSCALL instruction; rax becomes the number again */
	return SYS_FUTEX;
}

/* --- the operations --- */

static long wait(uint64_t uaddr, bool shared, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct futex_key key;
	struct futex_bucket *b;
	struct futex_q q;
	uint32_t cur;
	uint64_t f;
	long rc;

	if (!bitset)
		return -EINVAL;
	rc = futex_key_get(world_current()->as, uaddr, shared, false, &key);
	if (rc)
		return rc;
	futex_q_init(&q, &key, bitset);
	b = futex_bucket_of(&key);
	for (;;) {
		f = futex_bucket_lock(b);
		if (!futex_read_nofault(uaddr, &cur))
			break;
		futex_bucket_unlock(b, f);
		if (copy_from_user(&cur, (const void *)uaddr, 4)) { /* faults the page in */
			rc = -EFAULT;
			goto out;
		}
	}
	if (cur != val) {
		futex_bucket_unlock(b, f);
		rc = -EAGAIN;
		goto out;
	}
	futex_q_enqueue(b, &q);
	rc = futex_q_sleep(b, &q, deadline, f);
out:
	futex_key_put(&q.key); /* requeue may have changed it */
	return rc;
}

/* Wake up to n waiters on key in b (locked) whose bitset meets bitset (n <= 0 still wakes
 * one, as Linux); -EINVAL when a PI waiter is met first (FUTEX_WAKE on a PI futex). */
static long wake_locked(struct futex_bucket *b, const struct futex_key *key, int n, uint32_t bitset)
{
	long woken = 0;

	for (struct futex_q *q = b->head, *next; q; q = next) {
		next = q->next;
		if (!futex_key_eq(&q->key, key))
			continue;
		if (q->pi)
			return -EINVAL;
		if (!(q->bitset & bitset))
			continue;
		futex_q_wake(q, 0);
		if (++woken >= n)
			break;
	}
	return woken;
}

static long wake_key(const struct futex_key *key, int n, uint32_t bitset)
{
	struct futex_bucket *b = futex_bucket_of(key);
	uint64_t f = futex_bucket_lock(b);
	long woken = wake_locked(b, key, n, bitset);

	futex_bucket_unlock(b, f);
	return woken;
}

static long wake(struct aspace *as, uint64_t uaddr, bool shared, int n, uint32_t bitset)
{
	struct futex_key key;
	long rc;

	if (!bitset)
		return -EINVAL;
	rc = futex_key_get(as, uaddr, shared, false, &key);
	if (rc)
		return rc;
	rc = wake_key(&key, n, bitset);
	futex_key_put(&key);
	return rc;
}

long futex_wake(struct aspace *as, uint64_t uaddr, int n)
{
	return wake(as, uaddr, true, n, BITSET_ANY);
}

/* The keys of a two-address op (requeue, wake-op); on failure neither is held. */
static long keys_get2(uint64_t uaddr1, uint64_t uaddr2, bool shared, bool write2,
		      struct futex_key *key1, struct futex_key *key2)
{
	struct aspace *as = world_current()->as;
	long rc = futex_key_get(as, uaddr1, shared, false, key1);

	if (rc)
		return rc;
	rc = futex_key_get(as, uaddr2, shared, write2, key2);
	if (rc)
		futex_key_put(key1);
	return rc;
}

/* Move q (queued in b1, locked with b2) to key2 in b2. */
static void requeue_q(struct futex_q *q, struct futex_bucket *b2, const struct futex_key *key2)
{
	if (q->bucket != b2) {
		list_del(q);
		futex_q_enqueue(b2, q);
	}
	if (!futex_key_eq(&q->key, key2)) {
		/* The waiter's page reference follows it; the caller holds both pages. */
		if (!key2->as)
			frame_ref(ALIGN_DOWN(key2->addr, PAGE_SIZE));
		if (!q->key.as)
			frame_unref(ALIGN_DOWN(q->key.addr, PAGE_SIZE));
		q->key = *key2;
	}
}

/* REQUEUE and CMP_REQUEUE (cmpval non-NULL): wake nr_wake waiters on uaddr1 and move up to
 * nr_requeue more to uaddr2; the count of both. */
static long requeue(uint64_t uaddr1, uint64_t uaddr2, bool shared, int nr_wake, int nr_requeue,
		    const uint32_t *cmpval)
{
	struct futex_key key1, key2;
	struct futex_bucket *b1, *b2;
	long count = 0, rc;
	uint64_t f;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	rc = keys_get2(uaddr1, uaddr2, shared, false, &key1, &key2);
	if (rc)
		return rc;
	b1 = futex_bucket_of(&key1);
	b2 = futex_bucket_of(&key2);
	for (;;) {
		uint32_t cur;

		f = lock_two(b1, b2);
		if (!cmpval || !futex_read_nofault(uaddr1, &cur)) {
			if (cmpval && cur != *cmpval)
				rc = -EAGAIN;
			break;
		}
		unlock_two(b1, b2, f);
		if (copy_from_user(&cur, (const void *)uaddr1, 4)) {
			rc = -EFAULT;
			goto out;
		}
	}
	for (struct futex_q *q = b1->head, *next; !rc && q; q = next) {
		next = q->next;
		if (count - nr_wake >= nr_requeue)
			break;
		if (!futex_key_eq(&q->key, &key1))
			continue;
		if (q->pi) {
			rc = -EINVAL; /* a PI waiter is not requeued, as on Linux */
			break;
		}
		if (++count <= nr_wake)
			futex_q_wake(q, 0);
		else
			requeue_q(q, b2, &key2);
	}
	unlock_two(b1, b2, f);
out:
	futex_key_put(&key1);
	futex_key_put(&key2);
	return rc ? rc : count;
}

static int sign_extend12(uint32_t v)
{
	return (int)(v << 20) >> 20;
}

/* FUTEX_WAKE_OP's operation on the word at uaddr (a bucket lock held): the comparison's
 * outcome (0 or 1), -ENOSYS for an unknown op or comparison, -EFAULT to fault in and retry. */
static int wake_op_apply(uint64_t uaddr, uint32_t encoded)
{
	unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int oparg = sign_extend12(encoded >> 12), cmparg = sign_extend12(encoded);
	uint32_t old, new, cur;
	int rc;

	if (encoded & (8u << 28)) { /* FUTEX_OP_OPARG_SHIFT */
		if (oparg < 0 || oparg > 31) {
			log_debug("pid %d: FUTEX_WAKE_OP shift by %d", proc_current()->pid, oparg);
			oparg &= 31;
		}
		oparg = 1 << oparg;
	}
	if (op > 4)
		return -ENOSYS;
	if ((rc = futex_read_nofault(uaddr, &old)))
		return rc;
	for (;;) {
		switch (op) {
		case 0: /* SET */
			new = (uint32_t)oparg;
			break;
		case 1: /* ADD */
			new = old + (uint32_t)oparg;
			break;
		case 2: /* OR */
			new = old | (uint32_t)oparg;
			break;
		case 3: /* ANDN */
			new = old & ~(uint32_t)oparg;
			break;
		default: /* XOR */
			new = old ^ (uint32_t)oparg;
			break;
		}
		if ((rc = futex_cmpxchg_nofault(uaddr, old, new, &cur)))
			return rc;
		if (cur == old)
			break;
		old = cur;
	}
	switch (cmp) {
	case 0:
		return (int)old == cmparg;
	case 1:
		return (int)old != cmparg;
	case 2:
		return (int)old < cmparg;
	case 3:
		return (int)old >= cmparg;
	case 4:
		return (int)old <= cmparg;
	case 5:
		return (int)old > cmparg;
	default:
		return -ENOSYS;
	}
}

/* FUTEX_WAKE_OP: change the word at uaddr2, wake nr_wake waiters on uaddr1 and, if the old
 * value of uaddr2 passed the comparison, nr_wake2 on uaddr2 (glibc's condition variables). */
static long wake_op(uint64_t uaddr1, uint64_t uaddr2, bool shared, int nr_wake, int nr_wake2,
		    uint32_t encoded)
{
	struct futex_key key1, key2;
	struct futex_bucket *b1, *b2;
	long rc, rc2;
	uint64_t f;
	int op_rc;

	rc = keys_get2(uaddr1, uaddr2, shared, true, &key1, &key2);
	if (rc)
		return rc;
	b1 = futex_bucket_of(&key1);
	b2 = futex_bucket_of(&key2);
	for (;;) {
		f = lock_two(b1, b2);
		op_rc = wake_op_apply(uaddr2, encoded);
		if (op_rc != -EFAULT)
			break;
		unlock_two(b1, b2, f);
		if ((rc = futex_fault_in_writable(uaddr2)))
			goto out;
	}
	rc = op_rc < 0 ? op_rc : wake_locked(b1, &key1, nr_wake, BITSET_ANY);
	if (op_rc > 0 && rc >= 0) { /* the comparison held: the second futex too */
		rc2 = wake_locked(b2, &key2, nr_wake2, BITSET_ANY);
		rc = rc2 < 0 ? rc2 : rc + rc2;
	}
	unlock_two(b1, b2, f);
out:
	futex_key_put(&key1);
	futex_key_put(&key2);
	return rc;
}

/* --- the system call --- */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* The timeout as a time_ns() deadline: relative for FUTEX_WAIT, else absolute on
 * CLOCK_MONOTONIC, or CLOCK_REALTIME for FUTEX_LOCK_PI and with FUTEX_CLOCK_REALTIME. */
static long deadline_of(long uts, int cmd, long op, uint64_t *deadline)
{
	struct {
		int64_t sec, nsec;
	} ts;
	uint64_t ns;

	if (copy_from_user(&ts, (const void *)uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	ns = (uint64_t)ts.sec > UINT64_MAX / NSEC_PER_SEC
		     ? UINT64_MAX
		     : add_sat((uint64_t)ts.sec * NSEC_PER_SEC, (uint64_t)ts.nsec);
	if (cmd == FUTEX_WAIT) {
		ns = add_sat(time_ns(), ns);
	} else if (cmd == FUTEX_LOCK_PI || (op & FUTEX_CLOCK_REALTIME)) {
		uint64_t now = realtime_ns();

		ns = ns <= now ? 1 : add_sat(time_ns(), ns - now);
	}
	*deadline = ns ? ns : 1; /* 0 means none */
	return 0;
}

static long sys_futex(long uaddr, long op, long val, long utimeout, long uaddr2, long val3)
{
	int cmd = (int)(op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	uint64_t a = (uint64_t)uaddr, a2 = (uint64_t)uaddr2, deadline = 0;
	uint32_t v = (uint32_t)val, v3 = (uint32_t)val3;
	int n2 = (int)(uint32_t)utimeout; /* the fourth argument as nr_requeue/nr_wake2 */
	long rc;

	if (utimeout &&
	    (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
	     cmd == FUTEX_LOCK_PI2 || cmd == FUTEX_WAIT_REQUEUE_PI) &&
	    (rc = deadline_of(utimeout, cmd, op, &deadline)))
		return rc;
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		return wait(a, shared, v, deadline, BITSET_ANY);
	case FUTEX_WAIT_BITSET:
		return wait(a, shared, v, deadline, v3);
	case FUTEX_WAKE:
		return wake(world_current()->as, a, shared, (int)v, BITSET_ANY);
	case FUTEX_WAKE_BITSET:
		return wake(world_current()->as, a, shared, (int)v, v3);
	case FUTEX_REQUEUE:
		return requeue(a, a2, shared, (int)v, n2, NULL);
	case FUTEX_CMP_REQUEUE:
		return requeue(a, a2, shared, (int)v, n2, &v3);
	case FUTEX_WAKE_OP:
		return wake_op(a, a2, shared, (int)v, n2, v3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		return futex_lock_pi(a, shared, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(a, shared, 0, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(a, shared);
	default:
		return -ENOSYS;
	}
}
SYSCALL_DEFINE(202, sys_futex);
