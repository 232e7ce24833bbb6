/* Hostile: halt with interrupts off on the only vCPU.  Nothing can wake it: the VM stops. */
#include "../lib/guest.h"

int guest_main(void)
{
	gprintf("halt: halting\n");
	__asm__ volatile("cli; hlt");
	return 1;
}
