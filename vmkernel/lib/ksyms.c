/* Kernel symbol table lookup: binary search for the symbol that covers an address. */
#include <stddef.h>
#include <stdint.h>

#include <vmk/ksyms.h>

const char *ksyms_lookup_in(const struct ksyms_table *t, uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = t->count;

	/* Find the first entry above addr; the one before it is the answer. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->addr[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (offset)
		*offset = addr - t->addr[lo - 1];
	return t->names + t->name_off[lo - 1];
}
