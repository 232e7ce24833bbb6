/*
 * Signal system calls: actions (rt_sigaction), masks (rt_sigprocmask, rt_sigpending), and
 * sending: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, each with the siginfo
 * Linux gives the receiver and with Linux's order of checks (no such target, then a bad
 * signal number).  The waits (pause, rt_sigsuspend, rt_sigtimedwait) are in sigwait.c.
 */
#define LOG_TAG "signal"
#include "signal_priv.h"
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <string.h>

static long sys_rt_sigaction(long sig, long uact, long uold, long size, long a4, long a5)
{
	struct proc *p = proc_current();
	struct ksigaction sa, old;
	uint64_t f;

	if (size != 8)
		return -EINVAL;
	if (uact && copy_from_user(&sa, (const void *)uact, sizeof(sa)))
		return -EFAULT;
	if (sig < 1 || sig > NSIG || (uact && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	f = spin_lock_irqsave(&p->sig_lock);
	old = p->sigact[sig - 1];
	if (uact) {
		sa.flags &= SA_KNOWN;
		sa.mask &= ~UNBLOCKABLE;
		p->sigact[sig - 1] = sa;
		/* Pending ones are discarded, in every thread, as on Linux. */
		if (signal_ignored(p, (int)sig))
			signal_flush_locked(p, SIG_BIT(sig));
	}
	spin_unlock_irqrestore(&p->sig_lock, f);
	old.flags &= SA_KNOWN;
	if (uold && copy_to_user((void *)uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL_DEFINE(13, sys_rt_sigaction);

static long sys_rt_sigprocmask(long how, long uset, long uold, long size, long a4, long a5)
{
	struct uthread *ut = world_current()->ut;
	uint64_t set, old = ut->sig_blocked;

	if (size != 8)
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, (const void *)uset, 8))
			return -EFAULT;
		switch (how) {
		case 0: /* SIG_BLOCK */
			set |= old;
			break;
		case 1: /* SIG_UNBLOCK */
			set = old & ~set;
			break;
		case 2: /* SIG_SETMASK */
			break;
		default:
			return -EINVAL;
		}
		signal_set_blocked(set);
	}
	if (uold && copy_to_user((void *)uold, &old, 8))
		return -EFAULT;
	return 0;
}
SYSCALL_DEFINE(14, sys_rt_sigprocmask);

/* Pending and blocked, for the caller: its own and its process's.  A shorter set than 8
 * bytes gets its first bytes, as on Linux. */
static long sys_rt_sigpending(long uset, long size, long a2, long a3, long a4, long a5)
{
	struct proc *p = proc_current();
	struct uthread *ut = world_current()->ut;
	uint64_t pend =
		(READ_ONCE(p->sig_shared.set) | READ_ONCE(ut->sig_pending.set)) & ut->sig_blocked;

	if ((unsigned long)size > 8)
		return -EINVAL;
	return copy_to_user((void *)uset, &pend, (size_t)size);
}
SYSCALL_DEFINE(127, sys_rt_sigpending);

/* What kill(2) and tkill(2) tell the receiver: who sent it. */
static struct ksiginfo sender_info(int sig, int code)
{
	struct ksiginfo info = {.signo = sig, .code = code};

	info.kill.pid = proc_current()->pid;
	return info;
}

static bool sig_valid(int sig)
{
	return sig >= 0 && sig <= NSIG;
}

/* Is tid one of t's threads (under the process list's lock)? */
static bool has_thread(struct proc *t, int tid)
{
	uint64_t f = spin_lock_irqsave(&t->sig_lock);
	bool found = false;

	for (struct world *w = t->threads; w && !found; w = w->thread_next)
		found = w->tid == tid && w->ut;
	spin_unlock_irqrestore(&t->sig_lock, f);
	return found;
}

struct kill_args {
	struct proc *me;
	int pid, sig, found, rc;
	bool lossy;
	struct ksiginfo info;
};

static void kill_one(struct proc *t, void *arg)
{
	struct kill_args *k = arg;
	bool hit;
	int rc = 0;

	if (t->zombie)
		return;
	if (k->pid > 0) /* a process, or the process of a thread (as Linux finds any task) */
		hit = t->pid == k->pid || has_thread(t, k->pid);
	else if (k->pid == 0)
		hit = t->pgid == k->me->pgid;
	else if (k->pid == -1)
		hit = t->pid != 1 && t != k->me;
	else
		hit = t->pgid == -k->pid;
	if (!hit)
		return;
	k->found++;
	if (!sig_valid(k->sig))
		rc = -EINVAL;
	else if (k->sig)
		rc = signal_send_info(t, NULL, &k->info, k->lossy);
	if (rc)
		k->rc = rc;
}

/* Send to what pid names (as kill(2) reads it); -ESRCH when it names nothing.  (The
 * process list's lock keeps every listed process alive meanwhile.) */
static long kill_procs(int pid, int sig, const struct ksiginfo *info, bool lossy)
{
	struct kill_args k = {proc_current(), pid, sig, 0, 0, lossy, *info};

	if (pid == (int)0x80000000)
		return -ESRCH; /* -INT_MIN is no group */
	proc_foreach(kill_one, &k);
	return k.found ? k.rc : -ESRCH;
}

/* kill(2): pid > 0 one process, 0 the caller's group, -1 every process but init and the
 * caller, < -1 the group -pid.  sig 0 only checks. */
static long sys_kill(long pid, long sig, long a2, long a3, long a4, long a5)
{
	struct ksiginfo info = sender_info((int)sig, SI_USER);

	return kill_procs((int)pid, (int)sig, &info, true);
}
SYSCALL_DEFINE(62, sys_kill);

struct thread_kill {
	int tgid, tid, sig, found, rc;
	bool lossy;
	struct ksiginfo info;
};

static void tkill_one(struct proc *t, void *arg)
{
	struct thread_kill *k = arg;
	uint64_t f;

	if (t->zombie || (k->tgid > 0 && t->pid != k->tgid))
		return;
	f = spin_lock_irqsave(&t->sig_lock); /* the thread list cannot change meanwhile */
	for (struct world *w = t->threads; w; w = w->thread_next) {
		if (w->tid != k->tid || !w->ut)
			continue;
		k->found = 1;
		if (!sig_valid(k->sig))
			k->rc = -EINVAL;
		else if (k->sig)
			k->rc = signal_send_locked(t, w, &k->info, k->lossy);
		break;
	}
	spin_unlock_irqrestore(&t->sig_lock, f);
}

/* One thread, by its id (within process tgid when that is > 0). */
static long kill_thread(int tgid, int tid, int sig, const struct ksiginfo *info, bool lossy)
{
	struct thread_kill k = {tgid, tid, sig, 0, 0, lossy, *info};

	proc_foreach(tkill_one, &k);
	return k.found ? k.rc : -ESRCH;
}

static long sys_tgkill(long tgid, long tid, long sig, long a3, long a4, long a5)
{
	struct ksiginfo info = sender_info((int)sig, SI_TKILL);

	if ((int)tgid <= 0 || (int)tid <= 0)
		return -EINVAL;
	return kill_thread((int)tgid, (int)tid, (int)sig, &info, false);
}
SYSCALL_DEFINE(234, sys_tgkill);

static long sys_tkill(long tid, long sig, long a2, long a3, long a4, long a5)
{
	struct ksiginfo info = sender_info((int)sig, SI_TKILL);

	if ((int)tid <= 0)
		return -EINVAL;
	return kill_thread(0, (int)tid, (int)sig, &info, false);
}
SYSCALL_DEFINE(200, sys_tkill);

/* The sender's siginfo for rt_(tg)sigqueueinfo: 0 or -EFAULT. */
static int queue_info(long uinfo, int sig, struct ksiginfo *info)
{
	if (copy_from_user(info, (const void *)uinfo, sizeof(*info)))
		return -EFAULT;
	info->signo = sig;
	return 0;
}

/* Only a thread signalling itself may claim to be kill(2), tkill(2) or the kernel. */
static bool may_claim(const struct ksiginfo *info, int target)
{
	return (info->code < 0 && info->code != SI_TKILL) || target == world_current()->tid;
}

/* sigqueue(3): a signal with the caller's siginfo (si_value) to a process. */
static long sys_rt_sigqueueinfo(long pid, long sig, long uinfo, long a3, long a4, long a5)
{
	struct ksiginfo info;
	int rc = queue_info(uinfo, (int)sig, &info);

	if (rc)
		return rc;
	if (!may_claim(&info, (int)pid))
		return -EPERM;
	if ((int)pid <= 0)
		return -ESRCH; /* POSIX.1b has no process groups */
	return kill_procs((int)pid, (int)sig, &info, false);
}
SYSCALL_DEFINE(129, sys_rt_sigqueueinfo);

static long sys_rt_tgsigqueueinfo(long tgid, long tid, long sig, long uinfo, long a4, long a5)
{
	struct ksiginfo info;
	int rc = queue_info(uinfo, (int)sig, &info);

	if (rc)
		return rc;
	if ((int)tgid <= 0 || (int)tid <= 0)
		return -EINVAL;
	if (!may_claim(&info, (int)tid))
		return -EPERM;
	return kill_thread((int)tgid, (int)tid, (int)sig, &info, false);
}
SYSCALL_DEFINE(297, sys_rt_tgsigqueueinfo);
