/* Nested paging: every page of guest memory is its own, holds what was written, and reads
 * back after the whole range was written (no two guest pages share a frame). */
#include "lib/guest.h"

int guest_main(void)
{
	uint64_t start = 4ull << 20, end = 60ull << 20, bad = 0;

	for (uint64_t a = start; a < end; a += 4096)
		*(volatile uint64_t *)a = a ^ 0x5a5a5a5a5a5a5a5aull;
	for (uint64_t a = start; a < end; a += 4096)
		if (*(volatile uint64_t *)a != (a ^ 0x5a5a5a5a5a5a5a5aull))
			bad++;
	report(!bad, "pages-distinct", "%lu of %lu pages wrong", bad, (end - start) / 4096);
	return guest_summary();
}
