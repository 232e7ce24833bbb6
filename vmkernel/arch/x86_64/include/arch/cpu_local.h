/* Per-CPU data: one struct cpu per processor, its address in GS base (and at gs:0). */
#ifndef ARCH_CPU_LOCAL_H
#define ARCH_CPU_LOCAL_H

#include <stdint.h>
#include <stdbool.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3 };

struct cpu {
	struct cpu *self; /* gs:0 — must stay first */
	unsigned id;	  /* logical id, 0 = boot CPU */
	uint32_t apic_id;
	volatile bool online;
	uint64_t gdt[9]; /* null, kcode, kdata, ucode32, udata, ucode64, tss (2), spare */
	struct tss tss;
	uintptr_t stack_top;	       /* the kernel stack this CPU booted on */
	volatile uint64_t ticks;       /* LAPIC timer interrupts taken */
	volatile uint64_t ipi_calls;   /* cross-CPU calls run */
	int in_irq;		       /* nesting depth of interrupt handlers */
	void (*volatile work)(void *); /* smp_run_async(): run by the idle loop, then cleared */
	void *work_arg;
};

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Set up GDT, TSS (with IST stacks) and GS for the CPU that calls it. */
void cpu_local_init(struct cpu *c);

#endif
