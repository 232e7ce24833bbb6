/*
 * Robust futexes: set_robust_list/get_robust_list, and the release of what a thread holds
 * when it dies or execs (Linux's futex_exit_release / futex_exec_release): its robust list is
 * walked (futex_robust_walk: bounded, stops at a bad pointer), each word it owns gets
 * FUTEX_OWNER_DIED and one waiter is woken; then PI futexes it owns go to their waiters
 * (futex_pi_exit).  The list is in the dying thread's own memory, read and written with
 * ordinary user copies (no lock is held, so pages may fault in); a bad list ends the walk,
 * never the kernel.
 */
#define LOG_TAG "futex"
#include "futex_priv.h"
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/log.h>

#define ROBUST_HEAD_LEN 24 /* sizeof(struct robust_list_head): the only size Linux knows */
#define DEATH_RETRIES	100

static int read_ptr(void *ctx, uint64_t uaddr, uint64_t *val)
{
	(void)ctx;
	return copy_from_user(val, (const void *)uaddr, sizeof(*val));
}

/* Linux's handle_futex_death for the calling thread. */
static int death(void *ctx, uint64_t uaddr, bool pi, bool pending)
{
	struct world *me = ctx;
	uint32_t uval, nval;

	if (uaddr & 3)
		return -1;
	for (int i = 0;; i++) {
		if (copy_from_user(&uval, (const void *)uaddr, 4))
			return -1;
		/* A pending op on a free word: its unlocker (or a woken waiter) died before the
		 * wake; wake one without marking the word. */
		if (pending && !pi && !(uval & FUTEX_TID_MASK)) {
			futex_wake(me->as, uaddr, 1);
			return 0;
		}
		if ((uval & FUTEX_TID_MASK) != (uint32_t)me->tid)
			return 0;
		if (cmpxchg_user_u32((uint32_t *)uaddr, uval,
				     (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED, &nval))
			return -1; /* not writable */
		if (nval == uval)
			break;
		if (i == DEATH_RETRIES) {
			log_warn("pid %d (%s): robust futex %#lx keeps changing; left as it is",
				 me->proc->pid, me->proc->name, uaddr);
			return -1;
		}
	}
	/* PI futexes are handed to a waiter by futex_pi_exit instead. */
	if (!pi && (uval & FUTEX_WAITERS))
		futex_wake(me->as, uaddr, 1);
	return 0;
}

static void release(struct world *me)
{
	uint64_t head = me->robust_list;

	/* Cleared first: a fault below that ends the process comes back here. */
	me->robust_list = 0;
	if (head) {
		struct robust_walk_ops ops = {read_ptr, death, me};

		futex_robust_walk(head, &ops);
	}
	__atomic_store_n(&me->futex_dead, true, __ATOMIC_RELEASE);
	futex_pi_exit(me);
}

void futex_exit_release(void)
{
	release(world_current());
}

void futex_exec_release(void)
{
	struct world *me = world_current();

	release(me);
	__atomic_store_n(&me->futex_dead, false, __ATOMIC_RELEASE); /* it lives on */
}

struct lookup {
	int tid, found;
	bool dead;
	uint64_t robust;
};

static void lookup_one(struct proc *p, void *arg)
{
	struct lookup *l = arg;
	uint64_t f;

	if (l->found == 1)
		return;
	if (p->pid == l->tid)
		l->found = 0;
	f = spin_lock_irqsave(&p->sig_lock); /* the thread list cannot change meanwhile */
	for (struct world *w = p->threads; w; w = w->thread_next) {
		if (w->tid != l->tid)
			continue;
		l->found = 1;
		l->dead = __atomic_load_n(&w->futex_dead, __ATOMIC_ACQUIRE);
		l->robust = READ_ONCE(w->robust_list);
		break;
	}
	spin_unlock_irqrestore(&p->sig_lock, f);
}

int futex_thread_lookup(int tid, bool *dead, uint64_t *robust)
{
	struct lookup l = {tid, -ESRCH, true, 0};

	if (tid <= 0)
		return -ESRCH;
	proc_foreach(lookup_one, &l);
	*dead = l.dead;
	*robust = l.robust;
	return l.found;
}

static long sys_set_robust_list(long head, long len, long a2, long a3, long a4, long a5)
{
	if (len != ROBUST_HEAD_LEN)
		return -EINVAL;
	world_current()->robust_list = (uint64_t)head; /* not checked, as on Linux: the walk is */
	return 0;
}
SYSCALL_DEFINE(273, sys_set_robust_list);

/* get_robust_list(pid, head_ptr, len_ptr): pid 0 the caller, else any thread by its id (every
 * userworld runs as root, so no permission check fails). */
static long sys_get_robust_list(long pid, long uhead, long ulen, long a3, long a4, long a5)
{
	uint64_t head, len = ROBUST_HEAD_LEN;
	bool dead;

	if (!pid) {
		head = world_current()->robust_list;
	} else {
		int rc = futex_thread_lookup((int)pid, &dead, &head);

		if (rc < 0)
			return rc;
		if (!rc)
			head = 0; /* a process whose thread has gone: Linux has the list cleared */
	}
	if (copy_to_user((void *)ulen, &len, sizeof(len)))
		return -EFAULT;
	return copy_to_user((void *)uhead, &head, sizeof(head));
}
SYSCALL_DEFINE(274, sys_get_robust_list);
