/*
 * Signals: posting (each with Linux's siginfo), choosing the thread that takes a
 * process-wide signal, the default actions, and delivery on every return to user mode
 * (signal_deliver).  Handler frames and sigaltstack: sigframe.c; the system calls:
 * sys_signal.c and sigwait.c; the pending sets themselves: sigqueue.c.
 *
 * A signal is pending for the process (kill) or for one thread (tkill, tgkill, a fault); a
 * thread takes its own first.  A standard signal is pending once per set, with the siginfo
 * of its first instance; realtime ones queue every instance, up to RLIMIT_SIGPENDING entries
 * per process (at most SIG_QUEUE_MAX): past that kill(2) and the kernel still post the
 * signal without its information, sigqueue(3) and tkill get EAGAIN, as on Linux.  A signal
 * whose action is to ignore it is dropped when sent, unless the target blocks it (it may be
 * waited for with sigtimedwait, or the action may change before it is unblocked).
 *
 * Choosing a thread (Linux's complete_signal): a process-wide signal wakes the main thread
 * when it is alive and does not block the signal, else the first thread that does not.  A
 * thread that stops taking process-wide signals it may have been woken for -- it blocks them
 * (signal_set_blocked) or it exits (signal_thread_unlinked) -- wakes another thread that
 * does not block them (Linux's retarget_shared_pending), so a pending signal never waits on
 * a thread that will not take it; and a new thread looks for signals before it first
 * enters user mode (proc.c).  Threads in rt_sigtimedwait sleep on p->sig_wq, which every
 * post wakes.
 *
 * Stop and continue (job control without a terminal): the default action of SIGSTOP,
 * SIGTSTP, SIGTTIN and SIGTTOU stops the process: the thread that takes it, and every other
 * thread at its next return to user mode, sleeps on p->stop_wq until SIGCONT (or SIGKILL).
 * The parent hears of both through SIGCHLD (unless SA_NOCLDSTOP) and wait4's WUNTRACED and
 * WCONTINUED, told by the stopping and the resuming thread itself, so that sending a signal
 * (under the process list's lock, for kill) never takes the process-tree lock.
 *
 * Locks, outermost first: the process-tree lock (proc_wq's), the process list's, then
 * p->sig_lock (pending sets, sigact, masks as senders see them, the thread list for
 * senders), then p->stop_wq's (stopped, cont_pending) and p->sig_wq's; the process-tree
 * lock is never taken inside sig_lock.  Queue entries are allocated under sig_lock (the
 * heap's lock nests inside it).
 */
#define LOG_TAG "signal"
#include "signal_priv.h"
#include <vmk/aspace.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <arch/cpu.h>
#include <string.h>

#define RLIMIT_SIGPENDING 11

/* Default action: terminate, except these which are ignored (and the stop signals). */
static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == 23 /* SIGURG */ || sig == 28 /* WINCH */;
}

bool signal_ignored(const struct proc *p, int sig)
{
	const struct ksigaction *sa = &p->sigact[sig - 1];

	return sig != SIGKILL &&
	       (sa->handler == SIG_IGN || (sa->handler == SIG_DFL && default_ignored(sig)));
}

/* Does thread w block sig, counting what it blocked before an rt_sigtimedwait? */
static bool blocks(const struct world *w, int sig)
{
	return (w->ut->sig_blocked | w->ut->sig_real_blocked) & SIG_BIT(sig);
}

/* Free a chain of entries taken off p's lists (under p->sig_lock). */
static void free_entries(struct proc *p, struct sigq *q)
{
	while (q) {
		struct sigq *next = q->next;

		p->sig_queued--;
		kfree(q);
		q = next;
	}
}

void signal_flush_locked(struct proc *p, uint64_t mask)
{
	free_entries(p, sigpending_flush(&p->sig_shared, mask));
	for (struct world *w = p->threads; w; w = w->thread_next)
		if (w->ut)
			free_entries(p, sigpending_flush(&w->ut->sig_pending, mask));
}

/* Linux's prepare_signal: a stop signal discards a pending SIGCONT and the reverse; false
 * when sig is to be dropped (its action ignores it and the target does not block it; for a
 * process-wide signal the target is the main thread, as Linux checks the group leader, or
 * once that has gone any thread: Linux looks at the mask the leader left, which a C library
 * fills before the thread exits). */
static bool prepare(struct proc *p, struct world *t, int sig)
{
	struct world *target = t ? t : p->main;

	if (SIG_BIT(sig) & STOP_SIGS)
		signal_flush_locked(p, SIG_BIT(SIGCONT));
	else if (sig == SIGCONT)
		signal_flush_locked(p, STOP_SIGS);
	if (!signal_ignored(p, sig))
		return true;
	if (target)
		return target->ut && blocks(target, sig);
	for (struct world *w = t ? NULL : p->threads; w; w = w->thread_next)
		if (w->ut && blocks(w, sig))
			return true;
	return false;
}

/* Would thread w take sig now (under p->sig_lock)? */
static bool wants(const struct world *w, int sig)
{
	return w && w->ut && (sig == SIGKILL || !(w->ut->sig_blocked & SIG_BIT(sig)));
}

/* The thread to wake for a process-wide sig (under p->sig_lock): NULL if all block it.
 * p->main is NULL once the main thread has gone (thread_unlink in proc.c). */
static struct world *taker(struct proc *p, int sig)
{
	if (wants(p->main, sig))
		return p->main;
	for (struct world *w = p->threads; w; w = w->thread_next)
		if (wants(w, sig))
			return w;
	return NULL;
}

/* Wake threads other than skip that take some of the process-wide pending signals in sigs,
 * each signal one thread (under p->sig_lock). */
static void retarget_locked(struct proc *p, const struct world *skip, uint64_t sigs)
{
	sigs &= p->sig_shared.set;
	for (struct world *w = p->threads; w && sigs; w = w->thread_next) {
		uint64_t take;

		if (w == skip || !w->ut)
			continue;
		take = sigs & ~w->ut->sig_blocked;
		if (!take)
			continue;
		sigs &= ~take;
		world_wake(w); /* ends an interruptible wait; it takes them on its way out */
	}
}

static unsigned queue_limit(const struct proc *p)
{
	return (unsigned)MIN(p->rlim[RLIMIT_SIGPENDING].cur, (uint64_t)SIG_QUEUE_MAX);
}

/* Post and wake (p->sig_lock held).  SIGCONT resumes a stopped process even when its
 * action is to ignore it. */
int signal_send_locked(struct proc *p, struct world *t, const struct ksiginfo *info, bool lossy)
{
	int sig = info->signo;
	struct sigpending *sp;
	struct world *wake;
	struct sigq *q = NULL;

	if (sig == SIGCONT) {
		uint64_t f = spin_lock_irqsave(&p->stop_wq.lock);

		if (p->stopped) {
			p->stopped = false;
			p->cont_pending = true; /* a resumed thread tells the parent */
			waitq_wake_all_locked(&p->stop_wq);
		}
		spin_unlock_irqrestore(&p->stop_wq.lock, f);
	}
	if (!prepare(p, t, sig))
		return 0;
	sp = t ? &t->ut->sig_pending : &p->sig_shared;
	if (!sigpending_wants(sp, sig))
		return 0; /* a standard signal already pending keeps its first instance */
	/* SIGKILL needs no information; a standard signal may pass the limit, as on Linux
	 * (there are at most 31 per set). */
	if (sig != SIGKILL && (sig < SIGRTMIN || p->sig_queued < queue_limit(p)))
		q = kmalloc(sizeof(*q));
	if (q) {
		q->info = *info;
		p->sig_queued++;
	} else if (sig >= SIGRTMIN && !lossy) {
		return -EAGAIN;
	}
	sigpending_add(sp, sig, q);
	if (sig == SIGKILL) {
		/* A stopped thread checks for SIGKILL under stop_wq's lock before it sleeps:
		 * waking it under that lock, now that SIGKILL is pending, cannot be lost (a
		 * world_wake alone can come before it is asleep). */
		uint64_t f = spin_lock_irqsave(&p->stop_wq.lock);

		waitq_wake_all_locked(&p->stop_wq);
		spin_unlock_irqrestore(&p->stop_wq.lock, f);
	}
	wake = t ? t : taker(p, sig);
	if (wake)
		world_wake(wake);   /* ends an interruptible wait; harmless otherwise */
	waitq_wake_all(&p->sig_wq); /* rt_sigtimedwait re-checks under its lock */
	return 0;
}

int signal_send_info(struct proc *p, struct world *t, const struct ksiginfo *info, bool lossy)
{
	uint64_t f;
	int rc;

	if (info->signo < 1 || info->signo > NSIG)
		return -EINVAL;
	f = spin_lock_irqsave(&p->sig_lock);
	rc = signal_send_locked(p, t, info, lossy);
	spin_unlock_irqrestore(&p->sig_lock, f);
	return rc;
}

int signal_send(struct proc *p, int sig)
{
	struct ksiginfo info = {.signo = sig, .code = SI_KERNEL};

	return signal_send_info(p, NULL, &info, true);
}

void signal_self(int sig)
{
	struct proc *p = proc_current();
	struct ksiginfo info = {.signo = sig, .code = SI_USER};

	info.kill.pid = p->pid;
	signal_send_info(p, NULL, &info, true);
}

void signal_notify_parent(struct proc *child, int code)
{
	struct proc *parent = child->parent;
	struct ksiginfo info = {.signo = SIGCHLD, .code = code};

	if (!parent)
		return;
	if ((code == CLD_STOPPED || code == CLD_CONTINUED) &&
	    (parent->sigact[SIGCHLD - 1].flags & SA_NOCLDSTOP))
		return;
	info.chld.pid = child->pid;
	if (code == CLD_STOPPED) {
		info.chld.status = child->stop_sig;
	} else if (code == CLD_CONTINUED) {
		info.chld.status = SIGCONT;
	} else if (child->exit_status & 0x7f) {
		info.code = CLD_KILLED;
		info.chld.status = child->exit_status & 0x7f;
	} else {
		info.code = CLD_EXITED;
		info.chld.status = (child->exit_status >> 8) & 0xff;
	}
	signal_send_info(parent, NULL, &info, true);
}

bool signal_pending(void)
{
	struct proc *p = proc_current();
	struct uthread *ut;

	if (!p || !(ut = world_current()->ut)) /* none, or the last thread on its way out */
		return false;
	return ((READ_ONCE(p->sig_shared.set) | READ_ONCE(ut->sig_pending.set)) &
		~READ_ONCE(ut->sig_blocked)) ||
	       READ_ONCE(p->exiting);
}

void signal_set_blocked(uint64_t mask)
{
	struct world *me = world_current();
	struct proc *p = me->proc;
	uint64_t f = spin_lock_irqsave(&p->sig_lock), more;

	mask &= ~UNBLOCKABLE;
	more = mask & ~me->ut->sig_blocked;
	me->ut->sig_blocked = mask;
	me->ut->sig_real_blocked = 0; /* the end of an rt_sigtimedwait, if it was one */
	if (more & p->sig_shared.set)
		retarget_locked(p, me, more);
	spin_unlock_irqrestore(&p->sig_lock, f);
}

/* Also copies the signal's action, read under the lock, when sa is not NULL. */
static int dequeue(struct proc *p, uint64_t mask, struct ksiginfo *info, struct ksigaction *sa)
{
	struct uthread *ut = world_current()->ut;
	uint64_t f = spin_lock_irqsave(&p->sig_lock);
	struct sigpending *sp = &ut->sig_pending;
	struct sigq *q = NULL;
	int sig = sigpending_next(sp, mask);

	if (!sig) {
		sp = &p->sig_shared;
		sig = sigpending_next(sp, mask);
	}
	if (sig) {
		q = sigpending_take(sp, sig, info);
		if (q)
			p->sig_queued--;
		if (sa)
			*sa = p->sigact[sig - 1];
	}
	spin_unlock_irqrestore(&p->sig_lock, f);
	kfree(q);
	return sig;
}

int signal_dequeue(struct proc *p, uint64_t mask, struct ksiginfo *info)
{
	return dequeue(p, mask, info, NULL);
}

/* --- threads coming and going (proc.c) --- */

void signal_thread_unlinked(struct proc *p, struct world *t)
{
	/* All of them, not just those t did not block: one it blocked was never aimed at it,
	 * and waking a thread that takes it anyway is harmless. */
	retarget_locked(p, t, ~0ull);
}

void signal_uthread_release(struct proc *p, struct uthread *ut)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);

	free_entries(p, sigpending_flush(&ut->sig_pending, ~0ull));
	spin_unlock_irqrestore(&p->sig_lock, f);
}

void signal_proc_release(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);

	free_entries(p, sigpending_flush(&p->sig_shared, ~0ull));
	spin_unlock_irqrestore(&p->sig_lock, f);
}

void signal_exec(struct proc *p, struct uthread *ut)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);

	for (int i = 0; i < NSIG; i++) {
		struct ksigaction *sa = &p->sigact[i];

		*sa = (struct ksigaction){.handler = sa->handler == SIG_IGN ? SIG_IGN : SIG_DFL};
	}
	spin_unlock_irqrestore(&p->sig_lock, f);
	ut->sas.sp = ut->sas.size = 0;
}

/* --- default actions --- */

static void __attribute__((noreturn)) die(struct proc *p, int sig)
{
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL)
		log_warn("pid %d (%s) killed by signal %d", p->pid, p->name, sig);
	else
		log_info("pid %d (%s) ended by signal %d", p->pid, p->name, sig);
	proc_exit_group(sig);
}

/* Tell the parent that p stopped or continued: SIGCHLD (unless it asked for SA_NOCLDSTOP)
 * and a report for wait4. */
static void tell_parent(struct proc *p, int report)
{
	uint64_t f = spin_lock_irqsave(&proc_wq.lock);

	p->wait_report = report;
	signal_notify_parent(p, report == WAIT_STOPPED ? CLD_STOPPED : CLD_CONTINUED);
	waitq_wake_all_locked(&proc_wq);
	spin_unlock_irqrestore(&proc_wq.lock, f);
}

/* Sleep while the process is stopped, unless SIGKILL or exit_group ends it. */
static void stopped_wait(struct proc *p)
{
	struct uthread *ut = world_current()->ut;
	uint64_t f = spin_lock_irqsave(&p->stop_wq.lock);
	bool continued;

	while (p->stopped && !READ_ONCE(p->exiting) &&
	       !((READ_ONCE(p->sig_shared.set) | READ_ONCE(ut->sig_pending.set)) &
		 SIG_BIT(SIGKILL)))
		waitq_wait(&p->stop_wq, &f);
	continued = p->cont_pending;
	p->cont_pending = false;
	spin_unlock_irqrestore(&p->stop_wq.lock, f);
	if (continued)
		tell_parent(p, WAIT_CONTINUED);
}

/* The default action of a stop signal: stop the process, tell the parent, wait. */
static void stop(struct proc *p, int sig)
{
	uint64_t f = spin_lock_irqsave(&p->stop_wq.lock);
	bool first = !p->stopped;

	p->stopped = true;
	p->stop_sig = sig;
	spin_unlock_irqrestore(&p->stop_wq.lock, f);
	if (first) {
		log_info("pid %d (%s) stopped by signal %d", p->pid, p->name, sig);
		tell_parent(p, WAIT_STOPPED);
	}
	stopped_wait(p);
}

void signal_deliver(struct regs *r)
{
	struct proc *p = proc_current();
	struct uthread *ut;
	struct ksigaction sa;
	struct ksiginfo info;
	int sig;

	if (!p || !(r->cs & 3))
		return;
	ut = world_current()->ut;
	/* The common case, without the lock: nothing to do.  A signal posted just after this
	 * is taken at the next return to user mode (its sender woke us if we were asleep). */
	if (!READ_ONCE(p->stopped) && !READ_ONCE(p->exiting) && !ut->sig_restore &&
	    !((READ_ONCE(p->sig_shared.set) | READ_ONCE(ut->sig_pending.set)) & ~ut->sig_blocked))
		return;
	if (READ_ONCE(p->stopped)) /* another thread took a stop signal */
		stopped_wait(p);
	if (READ_ONCE(p->exiting)) /* another thread called exit_group */
		uthread_exit(0);
	while ((sig = dequeue(p, ut->sig_blocked, &info, &sa))) {
		if (sig == SIGKILL || sa.handler == SIG_DFL) {
			if (sig != SIGKILL && default_ignored(sig))
				continue;
			if (SIG_BIT(sig) & STOP_SIGS) {
				stop(p, sig);
				if (READ_ONCE(p->exiting))
					uthread_exit(0);
				continue;
			}
			die(p, sig);
		}
		if (sa.handler == SIG_IGN)
			continue;
		if (!(sa.flags & SA_RESTORER) || !sigframe_setup(r, &info, &sa)) {
			log_warn("pid %d (%s): cannot deliver signal %d (bad stack or no restorer)",
				 p->pid, p->name, sig);
			die(p, SIGSEGV);
		}
		signal_set_blocked(ut->sig_blocked | sa.mask |
				   (sa.flags & SA_NODEFER ? 0 : SIG_BIT(sig)));
		if (sa.flags & SA_RESETHAND) {
			uint64_t f = spin_lock_irqsave(&p->sig_lock);

			p->sigact[sig - 1].handler = SIG_DFL;
			spin_unlock_irqrestore(&p->sig_lock, f);
		}
		/* On to the next deliverable one: its frame goes on top of this one, so its
		 * handler runs first, as on Linux (which delivers every deliverable signal
		 * before it returns to user mode). */
	}
	if (ut->sig_restore) { /* rt_sigsuspend ended without a handler frame */
		ut->sig_restore = false;
		signal_set_blocked(ut->sig_saved_mask);
	}
}

/* --- faults --- */

/* Linux's si_code for an FPU exception: the first unmasked one that is flagged. */
static int fpu_code(unsigned vector)
{
	struct fpu_state *fpu = &world_current()->ut->fpu;
	uint16_t cw, sw;
	uint32_t mxcsr, err;

	fpu_save(fpu);
	memcpy(&cw, fpu->area, 2);
	memcpy(&sw, fpu->area + 2, 2);
	memcpy(&mxcsr, fpu->area + 24, 4);
	err = vector == 16 ? (uint32_t)(sw & ~cw) : ~(mxcsr >> 7) & mxcsr;
	if (err & 0x001)
		return 7; /* FPE_FLTINV */
	if (err & 0x004)
		return 3; /* FPE_FLTDIV */
	if (err & 0x008)
		return 4; /* FPE_FLTOVF */
	if (err & 0x012)
		return 5; /* FPE_FLTUND */
	if (err & 0x020)
		return 6; /* FPE_FLTRES */
	return 0;
}

/* The siginfo Linux gives for an exception raised in user mode. */
static void fault_info(const struct regs *r, int sig, uint64_t addr, struct ksiginfo *info)
{
	memset(info, 0, sizeof(*info));
	info->signo = sig;
	switch (r->vector) {
	case VEC_PF:
		info->code = aspace_mapped(world_current()->as, addr) ? SEGV_ACCERR : SEGV_MAPERR;
		info->fault.addr = addr;
		break;
	case 0: /* divide error */
		info->code = FPE_INTDIV;
		info->fault.addr = r->rip;
		break;
	case 6: /* invalid opcode */
		info->code = ILL_ILLOPN;
		info->fault.addr = r->rip;
		break;
	case 1: /* debug: a single step */
		info->code = TRAP_TRACE;
		info->fault.addr = r->rip;
		break;
	case 16: /* x87 */
	case 19: /* SIMD */
		info->code = fpu_code((unsigned)r->vector);
		info->fault.addr = r->rip;
		break;
	case 17: /* alignment check */
		info->code = BUS_ADRALN;
		break;
	default: /* #GP and the like, int3: the kernel's, without an address */
		info->code = SI_KERNEL;
		break;
	}
}

void proc_fault(struct regs *r, int sig, uint64_t addr, const char *what)
{
	struct proc *p = proc_current();
	struct world *me = world_current();
	struct ksigaction *sa = &p->sigact[sig - 1];
	struct ksiginfo info;

	/* A fault that cannot reach a handler (none, ignored, blocked) ends the process. */
	if (sa->handler <= SIG_IGN || (me->ut->sig_blocked & SIG_BIT(sig))) {
		log_warn("pid %d (%s) killed by signal %d: %s at rip %#lx, rsp %#lx", p->pid,
			 p->name, sig, what, r->rip, r->rsp);
		proc_exit_group(sig);
	}
	fault_info(r, sig, addr, &info);
	signal_send_info(p, me, &info, true);
	signal_deliver(r);
}
