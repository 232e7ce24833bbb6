/* Hypercalls: the console call, an unknown number, and the exit status (tested from the
 * host: this guest exits with 0 only if the two calls answered as they should). */
#include "lib/guest.h"

int guest_main(void)
{
	report(hypercall(1, 'K') == 0 && hypercall(1, '\n') == 0, "console", NULL);
	report(hypercall(99, 0) == -1, "unknown-returns-minus-one", NULL);
	return guest_summary();
}
