/*
 * User-mode boundary: the SYSCALL entry, the first entry into user mode, and the guarded
 * copies between kernel and user memory.
 *
 * A syscall builds the same struct regs frame an interrupt does (vector 0x80 marks it) and
 * calls syscall_dispatch(struct regs *) with interrupts on, so signal delivery and execve can
 * rewrite any register of the frame.  It returns with SYSRET when that restores the frame
 * exactly (RCX = RIP and R11 = RFLAGS, as SYSCALL left them; the usual selectors; a canonical
 * RIP; no TF or RF), else with IRETQ.
 */
#include <arch/regs.inc>
#include <arch/cpu_local.h>

#define USER_CS 0x2b
#define USER_SS 0x23
#define RFLAGS_TF_RF ((1 << 8) | (1 << 16))

/* Offsets in struct regs (arch/trap.h) */
#define F_R11	 32
#define F_RCX	 96
#define F_RIP	 136
#define F_CS	 144
#define F_RFLAGS 152
#define F_SS	 168

	.text
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_USER_RSP
	movq %gs:CPU_KERNEL_RSP, %rsp
	pushq $USER_SS
	pushq %gs:CPU_USER_RSP
	pushq %r11			/* user RFLAGS */
	pushq $USER_CS
	pushq %rcx			/* user RIP */
	pushq $0			/* error code */
	pushq $0x80			/* "vector": a syscall */
	PUSH_GPRS
	cld
	movq %rsp, %rdi
	sti
	call syscall_entry_c
	cli
	movq F_RIP(%rsp), %rcx
	cmpq %rcx, F_RCX(%rsp)
	jne user_return
	movq F_RFLAGS(%rsp), %r11
	cmpq %r11, F_R11(%rsp)
	jne user_return
	cmpq $USER_CS, F_CS(%rsp)
	jne user_return
	cmpq $USER_SS, F_SS(%rsp)
	jne user_return
	testq $(RFLAGS_TF_RF), %r11
	jnz user_return
	shrq $47, %rcx			/* canonical and in the lower half */
	jnz user_return
	POP_GPRS
	movq 40(%rsp), %rsp		/* the user RSP, past vector, error, RIP, CS, RFLAGS */
	swapgs
	sysretq

	/* user_return: pop a struct regs at %rsp and IRETQ to user mode. */
	.globl user_return
user_return:
	POP_GPRS
	addq $16, %rsp
	swapgs
	iretq

	/* void user_enter(struct regs *frame): start user mode from a prepared frame (never returns). */
	.globl user_enter
user_enter:
	cli
	movq %rdi, %rsp
	jmp user_return

/*
 * size_t uaccess_copy(void *dst, const void *src, size_t n): copy with user access allowed
 * (STAC/CLAC when SMAP is on); returns the bytes NOT copied (a fault stops the copy).
 * The caller has checked that the user side lies below the user limit.
 */
	.globl uaccess_copy
uaccess_copy:
	cmpb $0, smap_enabled(%rip)
	je 1f
	stac
1:	movq %rdx, %rcx
2:	rep movsb
3:	cmpb $0, smap_enabled(%rip)
	je 4f
	clac
4:	movq %rcx, %rax
	ret
	.section .ex_table, "a"
	.quad 2b, 3b
	.previous

/* size_t uaccess_strnlen(const char *s, size_t max): length of a user string, max if no NUL
 * within max bytes, or (size_t)-1 if it faults. */
	.globl uaccess_strnlen
uaccess_strnlen:
	cmpb $0, smap_enabled(%rip)
	je 1f
	stac
1:	xorl %eax, %eax
2:	cmpq %rsi, %rax
	jae 4f
5:	cmpb $0, (%rdi, %rax)
	je 4f
	incq %rax
	jmp 2b
6:	movq $-1, %rax
4:	cmpb $0, smap_enabled(%rip)
	je 7f
	clac
7:	ret
	.section .ex_table, "a"
	.quad 5b, 6b
	.previous

/* int uaccess_cmpxchg32(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *cur): LOCK
 * CMPXCHG on a user word; *cur (kernel memory) gets the value found.  0, or -EFAULT (-14)
 * if the access faulted and could not be resolved.  The caller checked the address. */
	.globl uaccess_cmpxchg32
uaccess_cmpxchg32:
	movl %esi, %eax
	xorl %r8d, %r8d
	cmpb $0, smap_enabled(%rip)
	je 2f
	stac
2:	lock cmpxchgl %edx, (%rdi)
3:	cmpb $0, smap_enabled(%rip)
	je 4f
	clac
4:	movl %eax, (%rcx)
	movl %r8d, %eax
	ret
5:	movl $-14, %r8d
	jmp 3b
	.section .ex_table, "a"
	.quad 2b, 5b
	.previous
