/*
 * void svm_vmrun(uint64_t vmcb_pa, struct hv_gprs *g, uint64_t host_pa): enter the guest of
 * vmcb_pa with the general registers in g (RAX and RSP are in the VMCB) until its next
 * #VMEXIT, then store them back.  The state VMRUN does not switch (FS, GS, TR, LDTR, the
 * SYSCALL and SYSENTER MSRs, KernelGSBase) goes with VMSAVE/VMLOAD through host_pa, a page of
 * the CPU's own.  Called with interrupts off.  GIF is cleared around the switch and the host's
 * IF set for the run: with V_INTR_MASKING that lets a host interrupt end the guest's run
 * (#VMEXIT), and it is taken when the caller enables interrupts again.
 */
#define G_RBX 0
#define G_RCX 8
#define G_RDX 16
#define G_RSI 24
#define G_RDI 32
#define G_RBP 40
#define G_R8  48
#define G_R9  56
#define G_R10 64
#define G_R11 72
#define G_R12 80
#define G_R13 88
#define G_R14 96
#define G_R15 104

	.text
	.globl svm_vmrun
svm_vmrun:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rsi			/* g */
	pushq %rdx			/* host area */
	clgi
	sti				/* held back by GIF = 0 until the guest runs */
	movq %rdx, %rax
	vmsave %rax
	movq %rdi, %rax
	vmload %rax
	pushq %rdi			/* 0: vmcb, 8: host area, 16: g */
	movq 16(%rsp), %rax
	movq G_RBX(%rax), %rbx
	movq G_RCX(%rax), %rcx
	movq G_RDX(%rax), %rdx
	movq G_RSI(%rax), %rsi
	movq G_RDI(%rax), %rdi
	movq G_RBP(%rax), %rbp
	movq G_R8(%rax), %r8
	movq G_R9(%rax), %r9
	movq G_R10(%rax), %r10
	movq G_R11(%rax), %r11
	movq G_R12(%rax), %r12
	movq G_R13(%rax), %r13
	movq G_R14(%rax), %r14
	movq G_R15(%rax), %r15
	movq (%rsp), %rax
	vmrun %rax
	/* #VMEXIT: RAX and RSP are the host's again, the other registers the guest's. */
	cli
	pushq %rbx			/* 0: guest rbx, 8: vmcb, 16: host area, 24: g */
	movq 24(%rsp), %rbx
	movq %rcx, G_RCX(%rbx)
	movq %rdx, G_RDX(%rbx)
	movq %rsi, G_RSI(%rbx)
	movq %rdi, G_RDI(%rbx)
	movq %rbp, G_RBP(%rbx)
	movq %r8, G_R8(%rbx)
	movq %r9, G_R9(%rbx)
	movq %r10, G_R10(%rbx)
	movq %r11, G_R11(%rbx)
	movq %r12, G_R12(%rbx)
	movq %r13, G_R13(%rbx)
	movq %r14, G_R14(%rbx)
	movq %r15, G_R15(%rbx)
	popq %rax
	movq %rax, G_RBX(%rbx)
	popq %rax			/* vmcb */
	vmsave %rax
	popq %rax			/* host area */
	vmload %rax
	stgi
	addq $8, %rsp			/* g */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
