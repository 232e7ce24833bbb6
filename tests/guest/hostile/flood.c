/* Hostile: flood the VMM with exits (port I/O, CPUID, MSR faults, MMIO) forever. */
#include "../lib/guest.h"

static void bad_msr(void)
{
	rdmsr(0xdead);
}

int guest_main(void)
{
	uint32_t r[4];

	gprintf("flood: flooding\n");
	for (;;) {
		inb(0x80);
		cpuid(0, 0, r);
		expect_fault(bad_msr, 2);
		(void)mmio_read32(LAPIC + 0x30);
	}
	return 1;
}
