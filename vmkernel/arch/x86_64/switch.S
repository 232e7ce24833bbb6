/*
 * World context switch.  Only callee-saved registers need saving: switch_to is an ordinary
 * call for the compiler.  A new world's stack is laid out by world.c so that the first switch
 * to it "returns" into world_trampoline.
 *
 * struct world *switch_to(uint64_t *save_rsp, uint64_t next_rsp, struct world *prev)
 * returns, in the world switched to, the world that switched to it.
 */
	.text
	.globl switch_to
switch_to:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	movq %rdx, %rax
	ret

	.globl world_trampoline
world_trampoline:
	movq %rax, %rdi
	call world_start
	ud2
