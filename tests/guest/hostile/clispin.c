/* Hostile: spin forever with interrupts off.  The host must stay responsive; the VM is
 * stopped from outside. */
#include "../lib/guest.h"

int guest_main(void)
{
	gprintf("clispin: spinning\n");
	__asm__ volatile("cli; 1: jmp 1b");
	return 1;
}
