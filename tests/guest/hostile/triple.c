/* Hostile: a triple fault (no IDT, then an exception).  The VM must stop with that reason. */
#include "../lib/guest.h"

int guest_main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = {0, 0};

	gprintf("triple: going\n");
	__asm__ volatile("lidt %0; ud2" : : "m"(none));
	return 1;
}
