/*
 * Multiboot2 entry: GRUB enters _start32 in 32-bit protected mode, paging off, with the
 * multiboot2 magic in eax and the information structure's physical address in ebx.
 * We check for long mode, build boot page tables (identity 0-4 GiB, the same 4 GiB in the
 * direct map, and the kernel image at KERNEL_VMA), enter long mode and jump to the
 * higher-half kernel.  mm/vm.c replaces these tables with the final ones.
 */
#include <arch/layout.h>

#define MB2_MAGIC    0xe85250d6
#define MB2_ARCH_I386 0
#define PTE_P  0x1
#define PTE_W  0x2
#define PTE_PS 0x80

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* entry address tag: where GRUB jumps */
	.balign 8
	.short 3, 0
	.long 12
	.long _start32
	/* framebuffer tag (optional): any mode GRUB picks, text mode allowed */
	.balign 8
	.short 5, 1
	.long 20
	.long 0, 0, 0
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, %edi			/* magic: 1st argument of kmain */
	movl %ebx, %esi			/* MBI physical address: 2nd argument */

	/* Long mode present? */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	movl %edx, %ebp			/* keep ext features: bit 20 = NX */

	/* PD0..PD3: 2 MiB identity pages for 0-4 GiB */
	movl $boot_pd, %ebx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax			/* bits 32+ of (index << 21) */
	movl %eax, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	/* PDPT low: four entries -> PD0..PD3 */
	movl $boot_pdpt_low, %ebx
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, (%ebx, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jne 2b

	/* PDPT high: entry 510 (-2 GiB) -> PD0, so KERNEL_VMA + x maps physical x */
	movl $boot_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pdpt_high + 510 * 8

	/* PML4: [0] identity, [256] direct map, [511] kernel */
	movl $boot_pdpt_low, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	movl %eax, boot_pml4 + 256 * 8
	movl $boot_pdpt_high, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4 + 511 * 8

	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	orl $(1 << 8), %eax		/* LME */
	testl $(1 << 20), %ebp
	jz 3f
	orl $(1 << 11), %eax		/* NXE */
3:	wrmsr
	movl %cr0, %eax
	andl $~0x60000000, %eax		/* caches on (CD, NW clear) */
	orl $((1 << 31) | (1 << 16) | 1), %eax	/* PG | WP | PE */
	movl %eax, %cr0

	lgdt boot_gdtr
	ljmp $0x08, $start64_low

no_long_mode:
	/* Say so on COM1 and the VGA text screen, then stop. */
	movl $msg_no_lm, %esi
	movl $0xb8000, %edi
4:	lodsb
	testb %al, %al
	jz 6f
	movb %al, %bl
	movw $0x3fd, %dx
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	movb %bl, %al
	movw $0x3f8, %dx
	outb %al, %dx
	movb %bl, (%edi)
	movb $0x4f, 1(%edi)
	addl $2, %edi
	jmp 4b
6:	cli
	hlt
	jmp 6b

	.code64
start64_low:
	movabs $start64, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit kernel code */
	.quad 0x00cf92000000ffff	/* 0x10: kernel data */
boot_gdt_end:
boot_gdtr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
msg_no_lm:
	.asciz "keel: this CPU has no 64-bit long mode; Keel needs an x86_64 CPU."

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
	.skip 4096
boot_stack_top:

	/* Higher half from here on. */
	.section .text.entry, "ax"
	.code64
	.globl start64
start64:
	/* The boot GDT lives in the low identity map, which vm_init() drops: use a copy up here. */
	lgdt early_gdtr(%rip)
	pushq $0x08
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabs $bsp_stack_top, %rsp
	xorl %ebp, %ebp
	/* edi = magic, esi = MBI physical address (zero-extended by the 32-bit moves) */
	movl %edi, %edi
	movl %esi, %esi
	call kmain
7:	cli
	hlt
	jmp 7b

	.section .rodata
	.balign 16
early_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
early_gdtr:
	.short 23
	.quad early_gdt

	.section .bss
	.balign 16
	.skip 16384
	.globl bsp_stack_top
bsp_stack_top:
