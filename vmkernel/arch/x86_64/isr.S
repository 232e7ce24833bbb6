/* Interrupt entry stubs: one per vector, all funnelled into trap_dispatch(struct regs *). */
#include <arch/regs.inc>


	.text
	.altmacro
	.macro stub v
	.balign 16
isr_\v:
	.if !((\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq $0
	.endif
	pushq $\v
	jmp isr_common
	.endm

	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

isr_common:
	/* From user mode (CS RPL 3, at 24(%rsp) past vector and error code): kernel GS. */
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	PUSH_GPRS
	cld
	movq %rsp, %rdi
	call trap_dispatch
	POP_GPRS
	addq $16, %rsp
	testb $3, 8(%rsp)
	jz 2f
	swapgs
2:	iretq

	/* Table of stub addresses for idt.c */
	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.macro addr v
	.quad isr_\v
	.endm
	.set i, 0
	.rept 256
	addr %i
	.set i, i + 1
	.endr

	/* probe_read64(va, out): 0, or -EFAULT through the exception table. */
	.text
	.globl probe_read64
probe_read64:
1:	movq (%rdi), %rax
	movq %rax, (%rsi)
	xorl %eax, %eax
	ret
2:	movl $-14, %eax
	ret
	.section .ex_table, "a"
	.quad 1b, 2b
	.previous

	/* probe_write64(va, val): 0, or -EFAULT through the exception table. */
	.text
	.globl probe_write64
probe_write64:
3:	movq %rsi, (%rdi)
	xorl %eax, %eax
	ret
4:	movl $-14, %eax
	ret
	.section .ex_table, "a"
	.quad 3b, 4b
	.previous
