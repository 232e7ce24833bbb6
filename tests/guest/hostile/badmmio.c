/* Hostile: MMIO by an instruction the VMM does not emulate (an x87 store to the LAPIC).  The
 * VM must stop with the reason. */
#include "../lib/guest.h"

int guest_main(void)
{
	gprintf("badmmio: going\n");
	__asm__ volatile("fninit; fldz; fstps (%0)" : : "r"(LAPIC + 0x80) : "memory");
	return 1;
}
