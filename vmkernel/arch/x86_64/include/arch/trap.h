/* Traps and interrupts: the saved register frame, vector assignments, handler registration. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

enum {
	VEC_NMI = 2,
	VEC_DF = 8,
	VEC_GP = 13,
	VEC_PF = 14,
	VEC_MC = 18,
	VEC_IRQ_BASE = 0x20, /* IOAPIC pins 0..23 */
	VEC_DEV_BASE = 0x40, /* device interrupts (MSI, MSI-X, routed INTx): irq_vector_alloc */
	VEC_DEV_END = 0xd0,  /* 0xd0-0xdf catch the 8259s' spurious interrupts (pic_disable) */
	VEC_TIMER = 0xef,
	VEC_CALL = 0xf0,    /* cross-CPU function call */
	VEC_RESCHED = 0xf1, /* another CPU made work for this one */
	VEC_SPURIOUS = 0xff,
};

typedef void (*irq_handler_fn)(struct regs *r);

/* Load the IDT on this CPU (the table is shared). */
void idt_init(void);
void idt_load(void);
/* Route a vector >= 32 to fn; the dispatcher sends the LAPIC EOI afterwards. */
void irq_register(unsigned vector, irq_handler_fn fn);

/* A free vector in [VEC_DEV_BASE, VEC_DEV_END) for a device interrupt, or -ENOSPC; give it
 * back with irq_vector_free (which also unregisters its handler). Any context. */
int irq_vector_alloc(void);
void irq_vector_free(unsigned vector);

/* Called from isr.S for every vector. */
void trap_dispatch(struct regs *r);

#endif
