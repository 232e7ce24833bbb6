/*
 * Application-processor start-up code.  smp.c copies [ap_tramp_start, ap_tramp_end) to a page
 * below 1 MiB and fills the data fields; the SIPI starts the AP there in real mode with
 * CS = page >> 4, IP = 0.  It goes straight to long mode on a small page table that identity-
 * maps the first 2 MiB and shares the kernel half, then calls tramp_entry(tramp_cpu).
 * Everything is addressed relative to the copy (DS = CS in real mode, RIP in long mode).
 */
	.section .rodata
	.code16
	.globl ap_tramp_start, ap_tramp_end
	.globl tramp_gdtr, tramp_farptr, tramp_cr3, tramp_efer, tramp_stack, tramp_cpu, tramp_entry
	.globl ap_tramp64, tramp_gdt
ap_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (tramp_gdtr - ap_tramp_start)
	movl %cr4, %eax
	orl $(1 << 5), %eax			/* PAE */
	movl %eax, %cr4
	movl (tramp_cr3 - ap_tramp_start), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx			/* EFER: LME, and NXE when the BSP has it */
	rdmsr
	orl (tramp_efer - ap_tramp_start), %eax
	wrmsr
	movl %cr0, %eax
	andl $~0x60000000, %eax			/* caches on: INIT left CD and NW set */
	orl $0x80010001, %eax			/* PG | WP | PE */
	movl %eax, %cr0
	ljmpl *(tramp_farptr - ap_tramp_start)

	.code64
ap_tramp64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq tramp_stack(%rip), %rsp
	xorl %ebp, %ebp
	movq tramp_cpu(%rip), %rdi
	movq tramp_entry(%rip), %rax
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
tramp_gdtr:
	.short 23
	.long 0					/* physical address of tramp_gdt */
	.balign 4
tramp_farptr:
	.long 0					/* physical address of ap_tramp64 */
	.short 0x08
	.balign 4
tramp_cr3:	.long 0
tramp_efer:	.long 0
	.balign 8
tramp_stack:	.quad 0
tramp_cpu:	.quad 0
tramp_entry:	.quad 0
ap_tramp_end:
