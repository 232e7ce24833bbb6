/*
 * Signals: posting, the default actions, handler frames on the user stack in Linux's
 * rt_sigframe layout (so musl's sa_restorer and ucontext readers work unchanged), and the
 * signal system calls.  Delivery happens on every return to user mode (signal_deliver).
 *
 * A signal is pending for the process (kill) or for one thread (tkill, tgkill, a fault); a
 * thread takes its own first.  A process-wide signal wakes one thread that does not block
 * it: the main thread if it can take it, else the first that can.
 *
 * Stop and continue (job control without a terminal): the default action of SIGSTOP,
 * SIGTSTP, SIGTTIN and SIGTTOU stops the process: the thread that takes it, and every other
 * thread at its next return to user mode, sleeps on p->stop_wq until SIGCONT (or SIGKILL).
 * The parent hears of both through SIGCHLD (unless SA_NOCLDSTOP) and wait4's WUNTRACED and
 * WCONTINUED, told by the stopping and the resuming thread itself, so that sending a signal
 * (under the process list's lock, for kill) never takes the process-tree lock.
 *
 * Locks, outermost first: the process list's, then p->sig_lock (pending sets, the thread
 * list for senders), then p->stop_wq's (stopped, cont_pending); the process-tree lock
 * (proc_wq's) is never taken inside sig_lock.
 */
#define LOG_TAG "signal"
#include <vmk/signal.h>
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <arch/cpu.h>
#include <string.h>

#define SIG_DFL	     0
#define SIG_IGN	     1
#define SA_NOCLDSTOP 0x00000001
#define SA_SIGINFO   0x00000004
#define SA_RESTORER  0x04000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000
#define SI_USER	     0
#define SI_KERNEL    0x80
#define BIT(s)	     (1ull << ((s)-1))
#define UNBLOCKABLE  (BIT(SIGKILL) | BIT(SIGSTOP))

struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

struct kucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct ksigcontext mc;
	uint64_t sigmask;
};

struct ksiginfo {
	int32_t signo, errno_, code, pad;
	uint64_t addr_or_pid; /* si_addr for faults; si_pid | si_uid << 32 for kill */
	uint8_t rest[128 - 24];
};

struct rt_sigframe {
	uint64_t pretcode;
	struct kucontext uc;
	struct ksiginfo info;
};

#define STOP_SIGS (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))

/* Default action: terminate, except these which are ignored (and the stop signals). */
static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == 23 /* SIGURG */ || sig == 28 /* WINCH */;
}

/* Note sig as pending for p, or for thread t of p (under p->sig_lock); false when dropped.
 * Ignored signals are dropped when sent, as on Linux: they must not even end a sleep.
 * Sending a stop signal discards a pending SIGCONT and the reverse. */
static bool post(struct proc *p, struct world *t, int sig)
{
	const struct ksigaction *sa = &p->sigact[sig - 1];

	if (BIT(sig) & STOP_SIGS) {
		p->sig_pending &= ~BIT(SIGCONT);
	} else if (sig == SIGCONT) {
		p->sig_pending &= ~STOP_SIGS;
		for (struct world *w = p->threads; w; w = w->thread_next)
			if (w->ut)
				w->ut->sig_pending &= ~STOP_SIGS;
	}
	if (sig != SIGKILL &&
	    (sa->handler == SIG_IGN || (sa->handler == SIG_DFL && default_ignored(sig))))
		return false;
	if (t)
		t->ut->sig_pending |= BIT(sig);
	else
		p->sig_pending |= BIT(sig);
	return true;
}

/* The thread to wake for a process-wide sig (under p->sig_lock): NULL if all block it. */
static struct world *taker(struct proc *p, int sig)
{
	if (p->main && p->main->proc == p && p->main->ut &&
	    (sig == SIGKILL || !(p->main->ut->sig_blocked & BIT(sig))))
		return p->main;
	for (struct world *w = p->threads; w; w = w->thread_next)
		if (w->ut && (sig == SIGKILL || !(w->ut->sig_blocked & BIT(sig))))
			return w;
	return NULL;
}

/* Post and wake (p->sig_lock held). */
/* Post and wake (p->sig_lock held).  SIGCONT resumes a stopped process even when its
 * action is to ignore it. */
static void send_locked(struct proc *p, struct world *t, int sig)
{
	struct world *wake;

	if (sig == SIGCONT) {
		uint64_t f = spin_lock_irqsave(&p->stop_wq.lock);

		if (p->stopped) {
			p->stopped = false;
			p->cont_pending = true; /* a resumed thread tells the parent */
			waitq_wake_all_locked(&p->stop_wq);
		}
		spin_unlock_irqrestore(&p->stop_wq.lock, f);
	}
	if (!post(p, t, sig))
		return;
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
		world_wake(wake); /* ends an interruptible wait; harmless otherwise */
}

static int send(struct proc *p, struct world *t, int sig)
{
	uint64_t f;

	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	f = spin_lock_irqsave(&p->sig_lock);
	send_locked(p, t, sig);
	spin_unlock_irqrestore(&p->sig_lock, f);
	return 0;
}

int signal_send(struct proc *p, int sig)
{
	return send(p, NULL, sig);
}

int signal_send_thread(struct world *t, int sig)
{
	return send(t->proc, t, sig);
}

void signal_self(int sig)
{
	signal_send(proc_current(), sig);
}

bool signal_pending(void)
{
	struct proc *p = proc_current();

	return p && (((READ_ONCE(p->sig_pending) | READ_ONCE(TMASK(p)->sig_pending)) &
		      ~READ_ONCE(TMASK(p)->sig_blocked)) ||
		     READ_ONCE(p->exiting));
}

/* Take the lowest deliverable signal, the thread's own first, or 0. */
static int dequeue(struct proc *p)
{
	struct uthread *ut = TMASK(p);
	uint64_t f = spin_lock_irqsave(&p->sig_lock);
	uint64_t mine = ut->sig_pending & ~ut->sig_blocked;
	uint64_t ready = mine ? mine : p->sig_pending & ~ut->sig_blocked;
	int sig = ready ? __builtin_ctzll(ready) + 1 : 0;

	if (sig)
		*(mine ? &ut->sig_pending : &p->sig_pending) &= ~BIT(sig);
	spin_unlock_irqrestore(&p->sig_lock, f);
	return sig;
}

static bool user_frame_ok(uint64_t sp, size_t len)
{
	return sp >= len && sp - len >= USER_BASE && sp <= USER_TOP;
}

/* Build the handler's frame on the user stack and point the registers at the handler. */
static bool setup_frame(struct proc *p, struct regs *r, int sig, const struct ksigaction *sa)
{
	struct world *w = world_current();
	uint64_t fp, sp = r->rsp - 128; /* skip the red zone */
	struct rt_sigframe fr;

	fp = ALIGN_DOWN(sp - sizeof(struct fpu_state), 64);
	sp = ALIGN_DOWN(fp - sizeof(fr), 16) - 8; /* as if called: (sp + 8) % 16 == 0 */
	if (!user_frame_ok(sp, 0))
		return false;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = sa->restorer;
	fr.uc.mc = (struct ksigcontext){
		.r8 = r->r8,
		.r9 = r->r9,
		.r10 = r->r10,
		.r11 = r->r11,
		.r12 = r->r12,
		.r13 = r->r13,
		.r14 = r->r14,
		.r15 = r->r15,
		.rdi = r->rdi,
		.rsi = r->rsi,
		.rbp = r->rbp,
		.rbx = r->rbx,
		.rdx = r->rdx,
		.rax = r->rax,
		.rcx = r->rcx,
		.rsp = r->rsp,
		.rip = r->rip,
		.eflags = r->rflags,
		.cs = 0x2b,
		.ss = 0x23,
		.err = r->error,
		.trapno = r->vector,
		.cr2 = TMASK(p)->sig_addr,
		.fpstate = fp,
	};
	fr.uc.sigmask = TMASK(p)->sig_restore ? TMASK(p)->sig_saved_mask : TMASK(p)->sig_blocked;
	TMASK(p)->sig_restore = false;
	fr.info.signo = sig;
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) {
		fr.info.code = TMASK(p)->sig_addr ? 1 : SI_USER;
		fr.info.addr_or_pid = TMASK(p)->sig_addr;
		TMASK(p)->sig_addr = 0;
	}
	fpu_save(&w->ut->fpu);
	if (copy_to_user((void *)fp, &w->ut->fpu, sizeof(struct fpu_state)) ||
	    copy_to_user((void *)sp, &fr, sizeof(fr)))
		return false;
	r->rsp = sp;
	r->rip = sa->handler;
	r->rdi = (uint64_t)sig;
	r->rsi = sp + offsetof(struct rt_sigframe, info);
	r->rdx = sp + offsetof(struct rt_sigframe, uc);
	r->rax = 0;
	r->rflags &= ~(RFLAGS_DF | RFLAGS_TF);
	return true;
}

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
	if (p->parent && !(p->parent->sigact[SIGCHLD - 1].flags & SA_NOCLDSTOP))
		signal_send(p->parent, SIGCHLD);
	waitq_wake_all_locked(&proc_wq);
	spin_unlock_irqrestore(&proc_wq.lock, f);
}

/* Sleep while the process is stopped, unless SIGKILL or exit_group ends it. */
static void stopped_wait(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->stop_wq.lock);
	bool continued;

	while (p->stopped && !READ_ONCE(p->exiting) &&
	       !((READ_ONCE(p->sig_pending) | READ_ONCE(TMASK(p)->sig_pending)) & BIT(SIGKILL)))
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
	int sig;

	if (!p || !(r->cs & 3))
		return;
	/* The common case, without the lock: nothing to do.  A signal posted just after this
	 * is taken at the next return to user mode (its sender woke us if we were asleep). */
	if (!READ_ONCE(p->stopped) && !READ_ONCE(p->exiting) && !TMASK(p)->sig_restore &&
	    !((READ_ONCE(p->sig_pending) | READ_ONCE(TMASK(p)->sig_pending)) &
	      ~TMASK(p)->sig_blocked))
		return;
	if (READ_ONCE(p->stopped)) /* another thread took a stop signal */
		stopped_wait(p);
	if (READ_ONCE(p->exiting)) /* another thread called exit_group */
		uthread_exit(0);
	while ((sig = dequeue(p))) {
		struct ksigaction sa = p->sigact[sig - 1];

		if (sig == SIGKILL || sa.handler == SIG_DFL) {
			if (sig != SIGKILL && default_ignored(sig))
				continue;
			if (BIT(sig) & STOP_SIGS) {
				stop(p, sig);
				if (READ_ONCE(p->exiting))
					uthread_exit(0);
				continue;
			}
			die(p, sig);
		}
		if (sa.handler == SIG_IGN)
			continue;
		if (!(sa.flags & SA_RESTORER) || !setup_frame(p, r, sig, &sa)) {
			log_warn("pid %d (%s): cannot deliver signal %d (bad stack or no restorer)",
				 p->pid, p->name, sig);
			die(p, SIGSEGV);
		}
		TMASK(p)->sig_blocked |= sa.mask | (sa.flags & SA_NODEFER ? 0 : BIT(sig));
		TMASK(p)->sig_blocked &= ~UNBLOCKABLE;
		if (sa.flags & SA_RESETHAND)
			p->sigact[sig - 1].handler = SIG_DFL;
		return; /* one handler frame at a time */
	}
	if (TMASK(p)->sig_restore) { /* rt_sigsuspend ended without a handler frame */
		TMASK(p)->sig_blocked = TMASK(p)->sig_saved_mask;
		TMASK(p)->sig_restore = false;
	}
}

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
	ut->sig_restore = true;
	ut->sig_blocked = mask & ~UNBLOCKABLE;
	wait_for_signal();
	return -EINTR;
}
SYSCALL_DEFINE(130, sys_rt_sigsuspend);

void proc_fault(struct regs *r, int sig, uint64_t addr, const char *what)
{
	struct proc *p = proc_current();
	struct ksigaction *sa = &p->sigact[sig - 1];

	/* A fault that cannot reach a handler (none, ignored, blocked) ends the process. */
	if (sa->handler <= SIG_IGN || (TMASK(p)->sig_blocked & BIT(sig))) {
		log_warn("pid %d (%s) killed by signal %d: %s at rip %#lx, rsp %#lx", p->pid,
			 p->name, sig, what, r->rip, r->rsp);
		proc_exit_group(sig);
	}
	TMASK(p)->sig_addr = addr;
	signal_send_thread(world_current(), sig);
	signal_deliver(r);
}

/* --- system calls --- */

static long sys_rt_sigaction(long sig, long uact, long uold, long size, long a4, long a5)
{
	struct proc *p = proc_current();
	struct ksigaction sa;

	if (size != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (uact && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (uact && copy_from_user(&sa, (const void *)uact, sizeof(sa)))
		return -EFAULT;
	if (uold && copy_to_user((void *)uold, &p->sigact[sig - 1], sizeof(sa)))
		return -EFAULT;
	if (uact) {
		sa.mask &= ~UNBLOCKABLE;
		p->sigact[sig - 1] = sa;
		if (sa.handler == SIG_IGN) /* pending ones are discarded, as on Linux */
			p->sig_pending &= ~BIT(sig), TMASK(p)->sig_pending &= ~BIT(sig);
	}
	return 0;
}
SYSCALL_DEFINE(13, sys_rt_sigaction);

static long sys_rt_sigprocmask(long how, long uset, long uold, long size, long a4, long a5)
{
	struct uthread *ut = world_current()->ut;
	uint64_t set, old = ut->sig_blocked;

	if (size != 8)
		return -EINVAL;
	if (uset && copy_from_user(&set, (const void *)uset, 8))
		return -EFAULT;
	if (uset) {
		switch (how) {
		case 0: /* SIG_BLOCK */
			ut->sig_blocked |= set;
			break;
		case 1: /* SIG_UNBLOCK */
			ut->sig_blocked &= ~set;
			break;
		case 2: /* SIG_SETMASK */
			ut->sig_blocked = set;
			break;
		default:
			return -EINVAL;
		}
		ut->sig_blocked &= ~UNBLOCKABLE;
	}
	if (uold && copy_to_user((void *)uold, &old, 8))
		return -EFAULT;
	return 0;
}
SYSCALL_DEFINE(14, sys_rt_sigprocmask);

static long sys_rt_sigreturn(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct world *w = world_current();
	struct regs *r = w->uregs;
	struct rt_sigframe fr;
	uint64_t keep = 0x40dd5; /* AC OF DF TF SF ZF AF PF CF: what user code may set */

	if (copy_from_user(&fr, (const void *)(r->rsp - 8), sizeof(fr)) ||
	    fr.uc.mc.rip >= USER_TOP ||
	    (fr.uc.mc.fpstate && copy_from_user(&w->ut->fpu, (const void *)fr.uc.mc.fpstate,
						sizeof(struct fpu_state)))) {
		log_warn("pid %d (%s): bad signal frame", w->proc->pid, w->proc->name);
		proc_exit_group(SIGSEGV);
	}
	/* Validate what FXRSTOR would fault on: MXCSR reserved bits. */
	((uint32_t *)w->ut->fpu.area)[6] &= 0xffff;
	fpu_restore(&w->ut->fpu);
	r->r8 = fr.uc.mc.r8, r->r9 = fr.uc.mc.r9, r->r10 = fr.uc.mc.r10, r->r11 = fr.uc.mc.r11;
	r->r12 = fr.uc.mc.r12, r->r13 = fr.uc.mc.r13, r->r14 = fr.uc.mc.r14;
	r->r15 = fr.uc.mc.r15, r->rdi = fr.uc.mc.rdi, r->rsi = fr.uc.mc.rsi;
	r->rbp = fr.uc.mc.rbp, r->rbx = fr.uc.mc.rbx, r->rdx = fr.uc.mc.rdx;
	r->rcx = fr.uc.mc.rcx, r->rsp = fr.uc.mc.rsp, r->rip = fr.uc.mc.rip;
	r->rflags = (fr.uc.mc.eflags & keep) | RFLAGS_IF;
	r->cs = 0x2b;
	r->ss = 0x23;
	w->ut->sig_blocked = fr.uc.sigmask & ~UNBLOCKABLE;
	return (long)fr.uc.mc.rax; /* the dispatcher stores it back in rax */
}
SYSCALL_DEFINE(15, sys_rt_sigreturn);

static long sys_rt_sigpending(long uset, long size, long a2, long a3, long a4, long a5)
{
	struct proc *p = proc_current();
	uint64_t pend = (p->sig_pending | TMASK(p)->sig_pending) & TMASK(p)->sig_blocked;

	if (size != 8)
		return -EINVAL;
	return copy_to_user((void *)uset, &pend, 8);
}
SYSCALL_DEFINE(127, sys_rt_sigpending);

struct kill_args {
	struct proc *me;
	long pid;
	int sig, found;
};

static void kill_one(struct proc *t, void *arg)
{
	struct kill_args *k = arg;
	bool hit;

	if (t->zombie)
		return;
	if (k->pid > 0)
		hit = t->pid == k->pid;
	else if (k->pid == 0)
		hit = t->pgid == k->me->pgid;
	else if (k->pid == -1)
		hit = t->pid != 1 && t != k->me;
	else
		hit = t->pgid == -k->pid;
	if (!hit)
		return;
	k->found++;
	if (k->sig)
		signal_send(t, k->sig);
}

/* kill(2): pid > 0 one process, 0 the caller's group, -1 every process but init and the
 * caller, < -1 the group -pid.  sig 0 only checks.  (The process list's lock keeps every
 * listed process alive meanwhile.) */
static long sys_kill(long pid, long sig, long a2, long a3, long a4, long a5)
{
	struct kill_args k = {proc_current(), pid, (int)sig, 0};

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	proc_foreach(kill_one, &k);
	return k.found ? 0 : -ESRCH;
}
SYSCALL_DEFINE(62, sys_kill);

struct thread_kill {
	int tgid, tid, sig, found;
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
		if (k->sig)
			send_locked(t, w, k->sig);
		break;
	}
	spin_unlock_irqrestore(&t->sig_lock, f);
}

/* tgkill/tkill: one thread, by its id (within process tgid when that is > 0). */
static long kill_thread(long tgid, long tid, long sig)
{
	struct thread_kill k = {(int)tgid, (int)tid, (int)sig, 0};

	if (sig < 0 || sig > NSIG || tid <= 0)
		return -EINVAL;
	proc_foreach(tkill_one, &k);
	return k.found ? 0 : -ESRCH;
}

static long sys_tgkill(long tgid, long tid, long sig, long a3, long a4, long a5)
{
	return tgid <= 0 ? -EINVAL : kill_thread(tgid, tid, sig);
}
SYSCALL_DEFINE(234, sys_tgkill);

static long sys_tkill(long tid, long sig, long a2, long a3, long a4, long a5)
{
	return kill_thread(0, tid, sig);
}
SYSCALL_DEFINE(200, sys_tkill);
