/*
 * Entry of a test guest: Keel's ELF boot enters at _start in 64-bit mode with the first 4 GiB
 * identity-mapped and interrupts off.  Load our own GDT and IDT, run guest_main, and end
 * the VM with its return value (the number of failures) through the exit hypercall.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	leaq stack_top(%rip), %rsp
	lgdt gdt_ptr(%rip)
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	pushq $0x08
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	call guest_setup
	call guest_main
	movl %eax, %edi
	call guest_exit

	.globl guest_exit
guest_exit:
	movl %edi, %ebx
	movl $2, %eax
	vmmcall
2:	cli
	hlt
	jmp 2b

/* Interrupt and exception stubs: 16 bytes each, vector = (stub - isr_stubs) / 16. */
	.align 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rsp, %rdi		/* struct trap_frame * */
	call guest_trap
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp		/* vector, error code */
	iretq

	.section .rodata
	.align 16
gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.bss
	.align 16
	.space 16384
stack_top:
	.section .note.GNU-stack, "", @progbits
