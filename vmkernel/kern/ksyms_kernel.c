/* The kernel's own symbol table, emitted by scripts/gen-ksyms.sh and linked in. */
#include <stdint.h>

#include <vmk/ksyms.h>

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	const struct ksyms_table t = {
		.count = ksyms_count,
		.addr = ksyms_addr,
		.name_off = ksyms_name_off,
		.names = ksyms_names,
	};

	return ksyms_lookup_in(&t, addr, offset);
}
