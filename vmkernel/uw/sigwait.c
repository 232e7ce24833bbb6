/*
 * Waiting for signals: pause, rt_sigsuspend (sleep until a handler runs), and
 * rt_sigtimedwait (take a signal from a set without a handler: sigwaitinfo, sigtimedwait and
 * sigwait in musl).
 *
 * rt_sigtimedwait, as Linux's do_sigtimedwait: a signal of the set already pending is taken
 * at once; otherwise the set is unblocked while the thread sleeps (so a process-wide signal
 * picks this thread; the old mask is kept in sig_real_blocked, which still counts as blocking
 * for the rule that drops ignored signals) until one of the set arrives (its number and
 * siginfo), another unblocked signal interrupts (EINTR; its handler runs on the way out), or
 * the timeout passes (EAGAIN).  The thread sleeps on p->sig_wq and checks for signals under
 * its lock, which every post takes after making the signal pending: no wake-up is lost.
 */
#define LOG_TAG "signal"
#include "signal_priv.h"
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <arch/cpu.h>
#include <string.h>

/* Block until a signal is pending (pause, sigsuspend).  signal_send wakes the world. */
static void wait_for_signal(void)
{
	struct world *me = world_current();

	while (!signal_pending()) {
		irq_disable();
		me->state = WORLD_BLOCKED;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (signal_pending())
			me->state = WORLD_RUNNABLE;
		else
			schedule();
		irq_enable();
	}
}

static long sys_pause(long a0, long a1, long a2, long a3, long a4, long a5)
{
	wait_for_signal();
	return -EINTR;
}
SYSCALL_DEFINE(34, sys_pause);

static long sys_rt_sigsuspend(long umask, long size, long a2, long a3, long a4, long a5)
{
	struct uthread *ut = world_current()->ut;
	uint64_t mask;

	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&mask, (const void *)umask, 8))
		return -EFAULT;
	ut->sig_saved_mask = ut->sig_blocked;
	ut->sig_restore = true; /* signal_deliver puts it back after the handler frame */
	signal_set_blocked(mask);
	wait_for_signal();
	return -EINTR;
}
SYSCALL_DEFINE(130, sys_rt_sigsuspend);

struct kts {
	int64_t sec, nsec;
};

/* Sleep with set unblocked until a signal is deliverable or the process ends (true), or
 * until deadline passes (false; 0: no deadline). */
static bool sleep_unblocked(struct proc *p, struct uthread *ut, uint64_t set, uint64_t deadline)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);
	bool timed_out = false;

	ut->sig_real_blocked = ut->sig_blocked;
	ut->sig_blocked &= ~set;
	spin_unlock_irqrestore(&p->sig_lock, f);

	f = spin_lock_irqsave(&p->sig_wq.lock);
	while (!signal_pending() && !timed_out) {
		if (deadline)
			timed_out = waitq_wait_until(&p->sig_wq, &f, deadline);
		else
			waitq_wait(&p->sig_wq, &f);
	}
	spin_unlock_irqrestore(&p->sig_wq.lock, f);

	/* The old mask again; a process-wide signal of the set that this thread does not
	 * take now goes to another thread. */
	signal_set_blocked(ut->sig_real_blocked);
	return !timed_out;
}

static long sys_rt_sigtimedwait(long uset, long uinfo, long uts, long size, long a4, long a5)
{
	struct world *me = world_current();
	struct proc *p = me->proc;
	struct ksiginfo info;
	uint64_t set, deadline = 0;
	struct kts ts;
	bool interrupted = false;
	int sig;

	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&set, (const void *)uset, 8))
		return -EFAULT;
	if (uts && copy_from_user(&ts, (const void *)uts, sizeof(ts)))
		return -EFAULT;
	if (uts && (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC))
		return -EINVAL;
	set &= ~UNBLOCKABLE;
	sig = signal_dequeue(p, ~set, &info);
	if (!sig && (!uts || ts.sec || ts.nsec)) {
		if (uts) {
			uint64_t now = time_ns(), max = (UINT64_MAX - now) / NSEC_PER_SEC - 1;

			if ((uint64_t)ts.sec < max) /* else as good as forever */
				deadline =
					now + (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
		}
		interrupted = sleep_unblocked(p, me->ut, set, deadline);
		sig = signal_dequeue(p, ~set, &info);
	}
	if (!sig)
		return interrupted ? -EINTR : -EAGAIN;
	if (uinfo) {
		uint8_t out[128] = {0}; /* siginfo_t: the rest is zero */

		memcpy(out, &info, sizeof(info));
		if (copy_to_user((void *)uinfo, out, sizeof(out)))
			return -EFAULT; /* the signal is gone, as on Linux */
	}
	return sig;
}
SYSCALL_DEFINE(128, sys_rt_sigtimedwait);
