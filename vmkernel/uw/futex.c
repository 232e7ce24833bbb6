/*
 * futex(2): user-space locks sleep here.  Waiters hash by (address space, user address) into
 * buckets; each bucket is a wait queue whose lock also orders the value check against wakes,
 * so a FUTEX_WAKE between a waiter's check and its sleep is never lost.  The value is read
 * under that spinlock with page faults off (nofault); a missing page is faulted in outside
 * the lock and the check retried.
 */
#define LOG_TAG "futex"
#include <vmk/futex.h>
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/time.h>

#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define NBUCKETS	     64

struct bucket {
	struct waitq wq;
};

static struct bucket buckets[NBUCKETS];

static struct bucket *bucket_of(struct aspace *as, uint64_t uaddr)
{
	uint64_t h = ((uintptr_t)as ^ uaddr) * 0x9e3779b97f4a7c15ull;

	return &buckets[h >> 58];
}

/* Waiters remember what they wait on in their world: the key is (as, uaddr). */
struct fwait {
	struct aspace *as;
	uint64_t uaddr;
};

static int read_nofault(uint64_t uaddr, uint32_t *val)
{
	struct world *w = world_current();
	int rc;

	w->nofault = true;
	rc = copy_from_user(val, (const void *)uaddr, 4);
	w->nofault = false;
	return rc;
}

static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline)
{
	struct world *me = world_current();
	struct bucket *b = bucket_of(me->as, uaddr);
	uint32_t cur;
	uint64_t f;

	if (uaddr & 3)
		return -EINVAL;
	for (;;) {
		if (copy_from_user(&cur, (const void *)uaddr, 4)) /* faults the page in */
			return -EFAULT;
		f = spin_lock_irqsave(&b->wq.lock);
		if (!read_nofault(uaddr, &cur))
			break;
		spin_unlock_irqrestore(&b->wq.lock, f);
	}
	if (cur != val) {
		spin_unlock_irqrestore(&b->wq.lock, f);
		return -EAGAIN;
	}
	me->futex_as = me->as;
	me->futex_addr = uaddr;
	if (deadline ? waitq_wait_until(&b->wq, &f, deadline) : (waitq_wait(&b->wq, &f), false)) {
		me->futex_addr = 0;
		spin_unlock_irqrestore(&b->wq.lock, f);
		return -ETIMEDOUT;
	}
	/* Woken by futex_wake (it cleared futex_addr) or by a signal. */
	if (me->futex_addr) {
		me->futex_addr = 0;
		spin_unlock_irqrestore(&b->wq.lock, f);
		return signal_pending() ? -EINTR : 0;
	}
	spin_unlock_irqrestore(&b->wq.lock, f);
	return 0;
}

/* Wake up to n waiters on (as, uaddr); move up to n2 more to uaddr2 when requeueing. */
static long futex_wake_requeue(struct aspace *as, uint64_t uaddr, int n, uint64_t uaddr2, int n2)
{
	struct bucket *b = bucket_of(as, uaddr), *b2 = uaddr2 ? bucket_of(as, uaddr2) : NULL;
	int woken = 0, moved = 0;
	uint64_t f = spin_lock_irqsave(&b->wq.lock);
	struct world *prev = NULL, *w = b->wq.head;

	while (w) {
		struct world *next = w->wq_next;

		if (w->futex_as == as && w->futex_addr == uaddr &&
		    (woken < n || (b2 && moved < n2))) {
			/* unlink w */
			if (prev)
				prev->wq_next = next;
			else
				b->wq.head = next;
			if (b->wq.tail == w)
				b->wq.tail = prev;
			w->wq_next = NULL;
			w->waiting_on = NULL;
			if (woken < n) {
				w->futex_addr = 0;
				world_wake(w);
				woken++;
			} else {
				/* Requeue: only within one bucket (the other bucket's lock would
				 * have to be taken too); across buckets, wake instead. */
				w->futex_addr = 0;
				world_wake(w);
				moved++;
			}
		} else {
			prev = w;
		}
		w = next;
	}
	spin_unlock_irqrestore(&b->wq.lock, f);
	return woken + moved;
}

long futex_wake(struct aspace *as, uint64_t uaddr, int n)
{
	return futex_wake_requeue(as, uaddr, n, 0, 0);
}

static long sys_futex(long uaddr, long op, long val, long utimeout, long uaddr2, long val3)
{
	struct world *me = world_current();
	int cmd = (int)op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	uint64_t deadline = 0;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (utimeout) {
			struct {
				int64_t sec, nsec;
			} ts;

			if (copy_from_user(&ts, (const void *)utimeout, sizeof(ts)))
				return -EFAULT;
			if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
				return -EINVAL;
			/* WAIT takes a relative time; WAIT_BITSET an absolute CLOCK_MONOTONIC one.
			 */
			deadline = (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
			if (cmd == FUTEX_WAIT)
				deadline += time_ns();
			if (!deadline)
				deadline = 1;
		}
		return futex_wait((uint64_t)uaddr, (uint32_t)val, deadline);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(me->as, (uint64_t)uaddr, (int)val);
	case FUTEX_CMP_REQUEUE: {
		uint32_t cur;

		if (copy_from_user(&cur, (const void *)uaddr, 4))
			return -EFAULT;
		if (cur != (uint32_t)val3)
			return -EAGAIN;
	}
		/* fall through */
	case FUTEX_REQUEUE:
		/* Waking the requeued ones too is allowed (spurious wakeups are legal). */
		return futex_wake_requeue(me->as, (uint64_t)uaddr, (int)val, (uint64_t)uaddr2,
					  (int)utimeout);
	default:
		return -ENOSYS;
	}
}
SYSCALL_DEFINE(202, sys_futex);
