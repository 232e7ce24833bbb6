/*
 * Handler frames and alternate signal stacks: the rt_sigframe Linux builds on x86_64 (so
 * musl's sa_restorer and ucontext readers work unchanged), rt_sigreturn, and sigaltstack(2).
 *
 * A frame goes below the interrupted rsp (less the 128-byte red zone), or at the top of the
 * thread's alternate stack for an SA_ONSTACK handler when the thread is not already running
 * there: the FXSAVE area (64-byte aligned), then the frame (16-byte aligned less 8, as if
 * called) holding the return address (sa_restorer), the ucontext and the siginfo.  A frame
 * that would not fit on the alternate stack is refused (the process ends with SIGSEGV), as
 * on Linux.
 *
 * Whether a thread runs on its alternate stack is worked out from its stack pointer, as Linux
 * does, so a siglongjmp out of a handler leaves it.  With SS_AUTODISARM the stack is
 * disarmed while a handler runs on it; rt_sigreturn sets it again from uc_stack (a handler
 * may change it there), unless the interrupted code was itself on the alternate stack.
 */
#define LOG_TAG "signal"
#include "signal_priv.h"
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <arch/cpu.h>
#include <string.h>

#define MINSIGSTKSZ 2048

struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

/* stack_t */
struct kstack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

struct kucontext {
	uint64_t flags, link;
	struct kstack stack;
	struct ksigcontext mc;
	uint64_t sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct kucontext uc;
	struct {
		struct ksiginfo k;
		uint8_t rest[128 - sizeof(struct ksiginfo)];
	} info; /* siginfo_t */
};
_Static_assert(sizeof(struct rt_sigframe) == 440, "Linux's x86_64 rt_sigframe");

/* Linux's __on_sig_stack and on_sig_stack (the latter false while SS_AUTODISARM is set:
 * such a stack was disarmed on entry, so the thread cannot be nested on it). */
static bool within(const struct ksigaltstack *s, uint64_t sp)
{
	return sp > s->sp && sp - s->sp <= s->size;
}

static bool on_altstack(const struct ksigaltstack *s, uint64_t sp)
{
	return !(s->flags & SS_AUTODISARM) && within(s, sp);
}

/* What sigaltstack reports in ss_flags: SS_DISABLE, SS_ONSTACK or 0 (Linux's sas_ss_flags). */
static uint32_t altstack_state(const struct ksigaltstack *s, uint64_t sp)
{
	if (!s->size)
		return SS_DISABLE;
	return on_altstack(s, sp) ? SS_ONSTACK : 0;
}

static bool user_frame_ok(uint64_t sp, size_t len)
{
	return sp >= USER_BASE && sp <= USER_TOP && USER_TOP - sp >= len;
}

bool sigframe_setup(struct regs *r, const struct ksiginfo *info, const struct ksigaction *sa)
{
	struct world *w = world_current();
	struct uthread *ut = w->ut;
	bool nested = on_altstack(&ut->sas, r->rsp), entering = false;
	uint64_t fp, sp = r->rsp - 128; /* skip the red zone */
	int sig = info->signo;
	struct rt_sigframe fr;

	if ((sa->flags & SA_ONSTACK) && altstack_state(&ut->sas, sp) == 0) {
		sp = ut->sas.sp + ut->sas.size;
		entering = true;
	}
	fp = ALIGN_DOWN(sp - sizeof(struct fpu_state), 64);
	sp = ALIGN_DOWN(fp - sizeof(fr), 16) - 8; /* as if called: (sp + 8) % 16 == 0 */
	if ((nested || entering) && !within(&ut->sas, sp)) {
		log_info("pid %d (%s): signal %d overflowed the alternate stack", w->proc->pid,
			 w->proc->name, sig);
		return false;
	}
	if (!user_frame_ok(sp, fp + sizeof(struct fpu_state) - sp))
		return false;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = sa->restorer;
	fr.uc.stack = (struct kstack){ut->sas.sp, (int32_t)ut->sas.flags, 0, ut->sas.size};
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
		.cr2 = (sig == SIGSEGV || sig == SIGBUS) && info->code > 0 && info->code < SI_KERNEL
			       ? info->fault.addr
			       : 0,
		.fpstate = fp,
	};
	fr.uc.sigmask = ut->sig_restore ? ut->sig_saved_mask : ut->sig_blocked;
	if (sa->flags & SA_SIGINFO)
		fr.info.k = *info;
	fpu_save(&ut->fpu);
	if (copy_to_user((void *)fp, &ut->fpu, sizeof(struct fpu_state)) ||
	    copy_to_user((void *)sp, &fr, sizeof(fr)))
		return false;
	ut->sig_restore = false;
	fpu_init_state(&ut->fpu); /* the handler starts with a clean FPU, as on Linux */
	fpu_restore(&ut->fpu);
	if (ut->sas.flags & SS_AUTODISARM)
		ut->sas = SIGALTSTACK_NONE;
	r->rsp = sp;
	r->rip = sa->handler;
	r->rdi = (uint64_t)sig;
	r->rsi = sp + offsetof(struct rt_sigframe, info);
	r->rdx = sp + offsetof(struct rt_sigframe, uc);
	r->rax = 0;
	r->rflags &= ~(RFLAGS_DF | RFLAGS_TF);
	return true;
}

/* Linux's do_sigaltstack, the setting half: sp is the thread's user stack pointer. */
static int altstack_set(struct uthread *ut, const struct kstack *ss, uint64_t sp)
{
	uint32_t flags = (uint32_t)ss->flags, mode = flags & ~SS_AUTODISARM;
	struct ksigaltstack s = {ss->sp, ss->size, flags};

	if (on_altstack(&ut->sas, sp))
		return -EPERM;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (ut->sas.sp == s.sp && ut->sas.size == s.size && ut->sas.flags == s.flags)
		return 0; /* no change: Linux returns before the size check */
	if (mode == SS_DISABLE) {
		s.sp = s.size = 0;
	} else if (s.size < MINSIGSTKSZ) {
		return -ENOMEM;
	}
	ut->sas = s;
	return 0;
}

static long sys_sigaltstack(long uss, long uoss, long a2, long a3, long a4, long a5)
{
	struct world *w = world_current();
	struct uthread *ut = w->ut;
	uint64_t sp = w->uregs->rsp;
	struct kstack ss, old = {ut->sas.sp, 0, 0, ut->sas.size};
	int rc = 0;

	old.flags = (int32_t)(altstack_state(&ut->sas, sp) | (ut->sas.flags & SS_AUTODISARM));
	if (uss && copy_from_user(&ss, (const void *)uss, sizeof(ss)))
		return -EFAULT;
	if (uss)
		rc = altstack_set(ut, &ss, sp);
	if (!rc && uoss && copy_to_user((void *)uoss, &old, sizeof(old)))
		rc = -EFAULT;
	return rc;
}
SYSCALL_DEFINE(131, sys_sigaltstack);

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
	signal_set_blocked(fr.uc.sigmask);
	/* uc_stack back in force, judged from the restored stack pointer; errors are ignored
	 * (EPERM when the interrupted code ran on the alternate stack), as on Linux. */
	(void)altstack_set(w->ut, &fr.uc.stack, r->rsp);
	return (long)fr.uc.mc.rax; /* the dispatcher stores it back in rax */
}
SYSCALL_DEFINE(15, sys_rt_sigreturn);
