/*
 * Guest programs for the hypervisor self-tests (kern/selftest.c), kept as data: each is
 * position-independent 64-bit code the test copies to guest physical 0x10000 and starts with
 * paging on (1:1), flat segments and RSP = 0x80000.  They report through hypercalls:
 * RAX 1 prints the byte in RBX, RAX 2 ends the VM with status RBX.  GUEST(name) opens one,
 * with the symbols selftest_guest_<name> and selftest_guest_<name>_end around it.
 */
	.section .rodata
	.code64

.macro GUEST name
	.balign 16
	.globl selftest_guest_\name, selftest_guest_\name\()_end
selftest_guest_\name\():
.endm
.macro END name
selftest_guest_\name\()_end:
.endm

.macro EXIT status
	movl $2, %eax
	movl $\status, %ebx
	vmmcall
	hlt
.endm

/* Keel's CPUID leaf, its signature printed a byte per hypercall, a mark left in guest memory
 * at 0x21000 for the host to read, then status 42. */
GUEST first
	movl $0x40000000, %eax
	xorl %ecx, %ecx
	cpuid
	movl %ebx, 0x20000
	movl %ecx, 0x20004
	movl %edx, 0x20008
	movl $0x20000, %esi
	movl $12, %ecx
1:	movzbl (%rsi), %ebx
	movl $1, %eax
	vmmcall
	incq %rsi
	decl %ecx
	jnz 1b
	movabsq $0x1234abcd5678ef01, %rax
	movq %rax, 0x21000
	EXIT 42
END first

/* UD2 without an IDT: a triple fault. */
GUEST ud2
	ud2
END ud2

/* A long spin, then status 7: the host's timer must end its runs meanwhile. */
GUEST spin
	movl $0x4000000, %ecx
1:	decl %ecx
	jnz 1b
	EXIT 7
END spin

/* An MSR nobody has (RDMSR 0xdeadbeef) must raise #GP in the guest: its handler exits with
 * status 13; falling through exits with 1.  The guest loads its own GDT and IDT first. */
GUEST gp
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
	EXIT 1
gp_handler:
	EXIT 13
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
END gp
