/*
 * Guest programs for the hypervisor self-tests (kern/selftest.c), kept as data: each is
 * position-independent 64-bit code the test copies to guest physical 0x10000 and starts with
 * paging on (1:1), flat segments and RSP = 0x80000.  They report through hypercalls:
 * RAX 1 prints the byte in RBX, RAX 2 ends the VM with status RBX.
 */
	.section .rodata
	.balign 16

/* An MSR nobody has (RDMSR 0xdeadbeef) must raise #GP in the guest: its handler exits with
 * status 13; falling through exits with 1.  The guest loads its own GDT and IDT first. */
	.globl selftest_guest_gp, selftest_guest_gp_end
selftest_guest_gp:
	.code64
	lea gp_gdt(%rip), %rax
	lea gp_gdtr(%rip), %rcx
	movw $23, (%rcx)
	movq %rax, 2(%rcx)
	lgdt (%rcx)
	lea gp_idt(%rip), %rax
	lea gp_handler(%rip), %rbx
	movw %bx, 13*16(%rax)
	movw $0x08, 13*16+2(%rax)
	movw $0x8e00, 13*16+4(%rax)		/* 64-bit interrupt gate, present */
	shrq $16, %rbx
	movw %bx, 13*16+6(%rax)
	shrq $16, %rbx
	movl %ebx, 13*16+8(%rax)
	movl $0, 13*16+12(%rax)
	lea gp_idtr(%rip), %rcx
	movw $(32*16-1), (%rcx)
	movq %rax, 2(%rcx)
	lidt (%rcx)
	movl $0xdeadbeef, %ecx
	rdmsr
	movl $2, %eax
	movl $1, %ebx
	vmmcall
	hlt
gp_handler:
	movl $2, %eax
	movl $13, %ebx
	vmmcall
	hlt
	.balign 8
gp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
gp_gdtr:
	.skip 16
gp_idtr:
	.skip 16
	.balign 16
gp_idt:
	.skip 32*16
selftest_guest_gp_end:
