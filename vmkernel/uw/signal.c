/*
 * Signals: posting, the default actions, handler frames on the user stack in Linux's
 * rt_sigframe layout (so musl's sa_restorer and ucontext readers work unchanged), and the
 * signal system calls.  Delivery happens on every return to user mode (signal_deliver).
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

/* Default action: terminate, except these which are ignored (stop/continue are not
 * supported yet and are ignored too, with a log line). */
static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == 23 /* SIGURG */ || sig == 28 /* WINCH */;
}

int signal_send(struct proc *p, int sig)
{
	uint64_t f;

	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	f = spin_lock_irqsave(&p->sig_lock);
	/* Ignored signals are dropped when sent, as on Linux: they must not even end a sleep. */
	if (sig == SIGKILL || !(p->sigact[sig - 1].handler == SIG_IGN ||
				(p->sigact[sig - 1].handler == SIG_DFL && default_ignored(sig))))
		p->sig_pending |= BIT(sig);
	spin_unlock_irqrestore(&p->sig_lock, f);
	if (p->main && p->main->proc == p && p->main->ut &&
	    (p->sig_pending & ~p->main->ut->sig_blocked))
		world_wake(p->main); /* ends an interruptible wait; harmless otherwise */
	return 0;
}

void signal_self(int sig)
{
	signal_send(proc_current(), sig);
}

bool signal_pending(void)
{
	struct proc *p = proc_current();

	return p && ((READ_ONCE(p->sig_pending) & ~READ_ONCE(TMASK(p)->sig_blocked)) ||
		     READ_ONCE(p->exiting));
}

/* Take the lowest deliverable signal, or 0. */
static int dequeue(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);
	uint64_t ready = p->sig_pending & ~TMASK(p)->sig_blocked;
	int sig = ready ? __builtin_ctzll(ready) + 1 : 0;

	if (sig)
		p->sig_pending &= ~BIT(sig);
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
		.cr2 = p->sig_addr,
		.fpstate = fp,
	};
	fr.uc.sigmask = TMASK(p)->sig_restore ? TMASK(p)->sig_saved_mask : TMASK(p)->sig_blocked;
	TMASK(p)->sig_restore = false;
	fr.info.signo = sig;
	fr.info.code =
		(sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) && p->sig_addr
			? 1
			: SI_USER;
	fr.info.addr_or_pid = p->sig_addr;
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

void signal_deliver(struct regs *r)
{
	struct proc *p = proc_current();
	int sig;

	if (!p || !(r->cs & 3))
		return;
	if (READ_ONCE(p->exiting)) /* another thread called exit_group */
		uthread_exit(0);
	while ((sig = dequeue(p))) {
		struct ksigaction sa = p->sigact[sig - 1];

		if (sig == SIGKILL || sa.handler == SIG_DFL) {
			if (sig != SIGKILL && default_ignored(sig))
				continue;
			if (sig == SIGSTOP || sig == 20 || sig == 21 || sig == 22) {
				log_info("pid %d: stop signal %d ignored (job control is not "
					 "supported)",
					 p->pid, sig);
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
	p->sig_addr = addr;
	signal_send(p, sig);
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
			p->sig_pending &= ~BIT(sig);
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
	uint64_t pend = p->sig_pending & TMASK(p)->sig_blocked;

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

static long sys_tgkill(long tgid, long tid, long sig, long a3, long a4, long a5)
{
	if (tgid != tid)
		return -ESRCH; /* one thread per process so far: the tid is the pid */
	return sys_kill(tid, sig, 0, 0, 0, 0);
}
SYSCALL_DEFINE(234, sys_tgkill);

static long sys_tkill(long tid, long sig, long a2, long a3, long a4, long a5)
{
	return sys_kill(tid, sig, 0, 0, 0, 0);
}
SYSCALL_DEFINE(200, sys_tkill);
