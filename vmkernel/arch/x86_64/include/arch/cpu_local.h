/* Per-CPU data: one struct cpu per processor, its address in GS base (and at gs:0). */
#ifndef ARCH_CPU_LOCAL_H
#define ARCH_CPU_LOCAL_H

/* Offsets into struct cpu used by assembly (checked below). */
#define CPU_KERNEL_RSP 8
#define CPU_USER_RSP   16
#define CPU_WORLD      24

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

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

struct world;

struct cpu {
	struct cpu *self;    /* gs:0 — must stay first */
	uint64_t kernel_rsp; /* gs:8: top of the running world's kernel stack (syscall entry) */
	uint64_t user_rsp;   /* gs:16: user stack pointer saved at syscall entry */
	struct world *world; /* gs:24: the world running here (read in one instruction) */
	unsigned id;	     /* logical id, 0 = boot CPU */
	uint32_t apic_id;
	volatile bool online;
	uint64_t gdt[9]; /* null, kcode, kdata, ucode32, udata, ucode64, tss (2), spare */
	struct tss tss;
	uintptr_t stack_top;	     /* the kernel stack this CPU booted on */
	volatile uint64_t ticks;     /* LAPIC timer interrupts taken */
	volatile uint64_t ipi_calls; /* cross-CPU calls run */
	int in_irq;		     /* nesting depth of interrupt handlers */
	uint64_t tick_deferred;	     /* 0: the timer ticks; else its one shot's time (time_ns) */
};

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Set up GDT, TSS (with IST stacks), GS and the SYSCALL MSRs for the CPU that calls it. */
void cpu_local_init(struct cpu *c);
/* The running world's kernel stack: where interrupts and syscalls from user mode land. */
void cpu_set_kernel_stack(uintptr_t top);

_Static_assert(offsetof(struct cpu, kernel_rsp) == CPU_KERNEL_RSP, "asm offset");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_USER_RSP, "asm offset");
_Static_assert(offsetof(struct cpu, world) == CPU_WORLD, "asm offset");

#endif /* __ASSEMBLER__ */
#endif
