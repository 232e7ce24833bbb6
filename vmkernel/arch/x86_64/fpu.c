/*
 * FPU/SSE state for userworlds.  The kernel itself never touches the FPU (built with
 * -mno-sse), so only worlds with a user context own a save area; it is switched eagerly
 * with FXSAVE/FXRSTOR on every context switch between such worlds.
 */
#include <arch/fpu.h>
#include <arch/cpu.h>
#include <stdbool.h>
#include <string.h>

#define CR0_MP	       (1ul << 1)
#define CR0_EM	       (1ul << 2)
#define CR0_TS	       (1ul << 3)
#define CR4_OSXMMEXCPT (1ul << 10)

static struct fpu_state fpu_initial;
static bool fpu_recorded;

void fpu_init_cpu(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (!fpu_recorded) {
		uint32_t mxcsr = 0x1f80;

		__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
		fpu_save(&fpu_initial);
		fpu_recorded = true;
	}
}

void fpu_init_state(struct fpu_state *s)
{
	memcpy(s, &fpu_initial, sizeof(*s));
}

void fpu_save(struct fpu_state *s)
{
	__asm__ volatile("fxsaveq %0" : "=m"(*s));
}

void fpu_restore(const struct fpu_state *s)
{
	__asm__ volatile("fxrstorq %0" : : "m"(*s));
}
