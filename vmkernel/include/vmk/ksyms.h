/* Kernel symbol table: address to function name, for symbolized backtraces. */
#ifndef VMK_KSYMS_H
#define VMK_KSYMS_H

#include <stdint.h>

/*
 * A table as scripts/gen-ksyms.sh lays it out: count text symbols, addr[] ascending,
 * name_off[i] the offset of symbol i's NUL-terminated name in names.
 */
struct ksyms_table {
	uint64_t count;
	const uint64_t *addr;
	const uint32_t *name_off;
	const char *names;
};

/*
 * Name of the last symbol of t whose address is <= addr (of those sharing that address, the
 * last one in the table), with *offset = addr - its address (offset may be NULL). Returns NULL,
 * leaving *offset alone, when t is empty or addr lies below the first symbol. Lock-free,
 * never sleeps, safe in panic and NMI context.
 */
const char *ksyms_lookup_in(const struct ksyms_table *t, uint64_t addr, uint64_t *offset);

/*
 * ksyms_lookup_in on the table linked into the kernel (ksyms_count, ksyms_addr,
 * ksyms_name_off, ksyms_names from gen-ksyms.sh). Kernel only (kern/ksyms_kernel.c).
 */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
