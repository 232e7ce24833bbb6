/* Per-CPU GDT and TSS (with IST stacks for #DF, NMI and #MC), and the GS base. */
#define LOG_TAG "cpu"
#include <arch/cpu_local.h>
#include <arch/cpu.h>
#include <vmk/mm.h>
#include <vmk/panic.h>
#include <string.h>

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS	  0x30

void syscall_entry(void);

void cpu_local_init(struct cpu *c)
{
	uint64_t tss = (uint64_t)&c->tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = {sizeof(c->gdt) - 1, (uint64_t)c->gdt};

	c->self = c;
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffff; /* kernel code 64 */
	c->gdt[2] = 0x00cf92000000ffff; /* kernel data */
	c->gdt[3] = 0x00cffa000000ffff; /* user code 32 (sysret layout) */
	c->gdt[4] = 0x00cff2000000ffff; /* user data */
	c->gdt[5] = 0x00affa000000ffff; /* user code 64 */
	c->gdt[6] = (sizeof(c->tss) - 1) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
		    ((tss >> 24) & 0xff) << 56;
	c->gdt[7] = tss >> 32;
	c->gdt[8] = 0;

	memset(&c->tss, 0, sizeof(c->tss));
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */
	for (int i = IST_DF; i <= IST_MC; i++) {
		uintptr_t top = kstack_alloc();

		if (!top)
			panic("no memory for the IST stacks of CPU %u", c->id);
		c->tss.ist[i - 1] = top;
	}

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS)
			 : "rax", "memory");
	/* fs/gs selectors stay null; GS base points at this CPU's struct. */
	__asm__ volatile("movw %w0, %%fs; movw %w0, %%gs" : : "r"(0));
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	/* SYSCALL: kernel CS 0x08 (SS 0x10); SYSRET: user CS 0x28|3, SS 0x20|3 (see gdt[]). */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0x18ull << 48) | (0x08ull << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
}

void cpu_set_kernel_stack(uintptr_t top)
{
	struct cpu *c = this_cpu();

	c->tss.rsp[0] = top;
	c->kernel_rsp = top;
}
