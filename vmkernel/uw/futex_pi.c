/*
 * Priority-inheritance futexes: FUTEX_LOCK_PI (LOCK_PI2), FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI,
 * with Linux 6.1's results.  The word holds the owner's tid | FUTEX_WAITERS |
 * FUTEX_OWNER_DIED; an uncontended lock or unlock is a cmpxchg in user space, so the kernel
 * sees a PI futex only when it is contended, or its word says something odd.
 *
 * Keel's scheduler has shares, not priorities: there is no priority for an owner to inherit,
 * so here "inheritance" is the ownership protocol alone.  A locker that finds the lock taken
 * sets FUTEX_WAITERS and sleeps; an unlock writes the first waiter's tid into the word
 * (| FUTEX_WAITERS) and wakes it, already the owner, so no other thread can take the lock in
 * between.  Lending a waiter's shares to the owner would need the owner's world under the
 * scheduler's controls (which keelctl also sets): not done.
 *
 * Linux keeps a pi_state per contended futex; here its waiters are that state: each PI waiter
 * records the tid the kernel holds as owner (pi_owner), checked alive when the first waiter
 * queues and moved on at each hand-over.  An owner that dies (futex_pi_exit) hands each futex
 * its waiters wait on to the first of them, with FUTEX_OWNER_DIED, as Linux does: the word
 * is written in place for a shared key (the page is held by the waiter's key) and through the
 * dying thread's address space for a private one; where neither works (a private word of
 * another process naming it) the new owner is told to write it itself.
 */
#define LOG_TAG "futex"
#include "futex_priv.h"
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/errno.h>
#include <vmk/mm.h>

#define RETRIES 100 /* owner death: a word rewritten under us this often is left to its waiter */

#define FIXUP 1 /* a waiter's result: you own it, but write your tid into the word yourself */

/* Under b's lock: q becomes the owner; the other waiters on its key now wait for it.
 * result: 0 when the word already names q, FIXUP when q must write it. */
static void hand_over(struct futex_bucket *b, struct futex_q *q, int result)
{
	for (struct futex_q *o = b->head; o; o = o->next)
		if (o != q && o->pi && futex_key_eq(&o->key, &q->key))
			o->pi_owner = q->tid;
	futex_q_wake(q, result);
}

/* The owner died where the word could not be written for us: write it in our own context,
 * as Linux's fixup_pi_state_owner does (no lock held: pages fault in). */
static long fix_word(uint64_t uaddr, int tid)
{
	uint32_t newval = (uint32_t)tid | FUTEX_WAITERS | FUTEX_OWNER_DIED, uval, cur;

	if (copy_from_user(&uval, (const void *)uaddr, 4))
		return -EFAULT;
	for (int i = 0; i < RETRIES; i++) {
		if (cmpxchg_user_u32((uint32_t *)uaddr, uval, newval, &cur))
			return -EFAULT;
		if (cur == uval)
			break;
		uval = cur;
	}
	return 0; /* the lock is ours even if user space keeps rewriting the word */
}

/* Is tid a thread that a PI locker may wait for?  (Under the bucket lock: see
 * futex_pi_exit for why the answer cannot go stale.) */
static bool owner_alive(int tid)
{
	bool dead = true;
	uint64_t robust;

	return futex_thread_lookup(tid, &dead, &robust) == 1 && !dead;
}

long futex_lock_pi(uint64_t uaddr, bool shared, uint64_t deadline, bool trylock)
{
	struct world *me = world_current();
	struct futex_key key;
	struct futex_bucket *b;
	struct futex_q q, *top;
	uint32_t uval, newval, cur;
	int owner, tries = 0;
	uint64_t f;
	long rc;

	rc = futex_key_get(me->as, uaddr, shared, true, &key);
	if (rc)
		return rc;
	futex_q_init(&q, &key, ~0u);
	q.pi = true;
	b = futex_bucket_of(&key);
retry:
	/* A word that keeps changing (only its own process can do that) retries as on Linux,
	 * but never past a signal, which also ends the process for a kill. */
	if (tries++ && signal_pending()) {
		rc = futex_restart();
		goto out;
	}
	f = futex_bucket_lock(b);
	if (futex_read_nofault(uaddr, &uval)) {
		futex_bucket_unlock(b, f);
		if (copy_from_user(&uval, (const void *)uaddr, 4)) {
			rc = -EFAULT;
			goto out;
		}
		goto retry;
	}
	if ((uval & FUTEX_TID_MASK) == (uint32_t)me->tid) {
		rc = -EDEADLK;
		goto unlock;
	}
	newval = uval;
	top = futex_top_waiter(b, &key);
	if (top) {
		/* Waiters already: the word must name the owner they wait for (or be free with
		 * OWNER_DIED: that owner is dying and will hand it over). */
		uint32_t tid = uval & FUTEX_TID_MASK;

		if (!top->pi ||
		    (tid != (uint32_t)top->pi_owner && !(!tid && (uval & FUTEX_OWNER_DIED)))) {
			rc = -EINVAL;
			goto unlock;
		}
		owner = top->pi_owner;
	} else if (!(uval & FUTEX_TID_MASK)) {
		/* Free: take it, keeping OWNER_DIED (a robust owner died; user space reports
		 * EOWNERDEAD). */
		newval = (uval & FUTEX_OWNER_DIED) | (uint32_t)me->tid;
		owner = 0;
	} else {
		newval = uval | FUTEX_WAITERS; /* the owner's unlock now comes to the kernel */
		owner = (int)(uval & FUTEX_TID_MASK);
	}
	if (!top && newval != uval) {
		rc = futex_cmpxchg_nofault(uaddr, uval, newval, &cur);
		if (rc || cur != uval) {
			futex_bucket_unlock(b, f);
			if (rc && (rc = futex_fault_in_writable(uaddr)))
				goto out;
			goto retry;
		}
		if (!owner) {
			rc = 0;
			goto unlock;
		}
	}
	if (!top && !owner_alive(owner)) {
		/* Linux's handle_exit_race: a word that changed meanwhile (the owner's robust
		 * list marked it) is looked at again; else the tid names nobody. */
		if (futex_read_nofault(uaddr, &cur) || cur != newval) {
			futex_bucket_unlock(b, f);
			goto retry;
		}
		rc = -ESRCH;
		goto unlock;
	}
	if (trylock) {
		rc = -EAGAIN; /* Linux: EWOULDBLOCK, FUTEX_WAITERS left set */
		goto unlock;
	}
	q.pi_owner = owner;
	futex_q_enqueue(b, &q);
	rc = futex_q_sleep(b, &q, deadline, f);
	if (!rc && q.result == FIXUP)
		rc = fix_word(uaddr, me->tid);
	/* Linux's -ERESTARTNOINTR: after a handler the lock goes on. */
	if (rc == -EINTR)
		rc = futex_restart();
	goto out;
unlock:
	futex_bucket_unlock(b, f);
out:
	futex_key_put(&key);
	return rc;
}

long futex_unlock_pi(uint64_t uaddr, bool shared)
{
	struct world *me = world_current();
	struct futex_key key;
	struct futex_bucket *b;
	struct futex_q *top;
	uint32_t uval, cur;
	int tries = 0;
	uint64_t f;
	long rc;

retry:
	if (tries++ && signal_pending())
		return futex_restart();
	if (copy_from_user(&uval, (const void *)uaddr, 4))
		return -EFAULT;
	if ((uval & FUTEX_TID_MASK) != (uint32_t)me->tid)
		return -EPERM; /* only the owner unlocks */
	rc = futex_key_get(me->as, uaddr, shared, true, &key);
	if (rc)
		return rc;
	b = futex_bucket_of(&key);
	f = futex_bucket_lock(b);
	top = futex_top_waiter(b, &key);
	if (top) {
		if (!top->pi || top->pi_owner != me->tid) {
			rc = -EINVAL; /* a plain waiter, or the word was changed behind the kernel
				       */
			goto unlock;
		}
		rc = futex_cmpxchg_nofault(uaddr, uval, FUTEX_WAITERS | (uint32_t)top->tid, &cur);
		if (!rc && cur != uval)
			rc = (cur & FUTEX_TID_MASK) == uval ? -EAGAIN : -EINVAL;
		if (!rc)
			hand_over(b, top, 0);
	} else {
		/* Nobody waits: free it, dropping FUTEX_WAITERS and FUTEX_OWNER_DIED. */
		rc = futex_cmpxchg_nofault(uaddr, uval, 0, &cur);
		if (!rc && cur != uval)
			rc = -EAGAIN; /* changed in user space: let it deal with that */
	}
	if (rc == -EFAULT || (top && rc == -EAGAIN)) {
		futex_bucket_unlock(b, f);
		futex_key_put(&key);
		if (rc == -EFAULT && (rc = futex_fault_in_writable(uaddr)))
			return rc;
		goto retry;
	}
unlock:
	futex_bucket_unlock(b, f);
	futex_key_put(&key);
	return rc;
}

/* Write q's tid as the owner of its futex after the owner me died.  0, -EFAULT (fault the
 * page in and try again), or -EAGAIN (a private futex of another address space, or a word
 * that keeps changing: q writes it itself). */
static int owner_died(struct world *me, struct futex_q *q)
{
	uint32_t newval = (uint32_t)q->tid | FUTEX_WAITERS | FUTEX_OWNER_DIED, uval, cur;
	int rc;

	if (!q->key.as) {
		uint32_t *w = phys_to_virt(q->key.addr);

		uval = __atomic_load_n(w, __ATOMIC_RELAXED);
		for (int i = 0; i < RETRIES; i++)
			if (__atomic_compare_exchange_n(w, &uval, newval, false, __ATOMIC_SEQ_CST,
							__ATOMIC_RELAXED))
				return 0;
		return -EAGAIN;
	}
	if (q->key.as != me->as)
		return -EAGAIN;
	for (int i = 0; i < RETRIES; i++) {
		if ((rc = futex_read_nofault(q->key.addr, &uval)) ||
		    (rc = futex_cmpxchg_nofault(q->key.addr, uval, newval, &cur)))
			return rc;
		if (cur == uval)
			return 0;
	}
	return -EAGAIN;
}

/*
 * The caller has set me->futex_dead (after its robust walk).  A locker checks that flag and
 * queues under the bucket lock, and this scan takes every bucket lock after the flag is set:
 * so a locker either queued before the scan reached its bucket (and is handed the lock here)
 * or sees the flag (and reads the word again: ESRCH, or what the robust walk wrote).
 */
void futex_pi_exit(struct world *me)
{
	for (unsigned i = 0; i < FUTEX_NBUCKETS; i++) {
		struct futex_bucket *b = &futex_buckets[i];
		int faults = 0;
		uint64_t f;
	again:
		f = futex_bucket_lock(b);
		for (struct futex_q *q = b->head, *next; q; q = next) {
			int rc;

			next = q->next;
			if (!q->pi || q->pi_owner != me->tid)
				continue;
			rc = owner_died(me, q);
			if (rc == -EFAULT && faults++ < 3) {
				uint64_t uaddr = q->key.addr;

				futex_bucket_unlock(b, f);
				futex_fault_in_writable(uaddr);
				goto again;
			}
			hand_over(b, q, rc ? FIXUP : 0);
		}
		futex_bucket_unlock(b, f);
	}
}
