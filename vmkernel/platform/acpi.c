/* ACPI at boot: locate the RSDP, parse the tables (acpi_parse.c), log what was found. */
#define LOG_TAG "acpi"
#include <vmk/platform.h>
#include <vmk/bootinfo.h>
#include <vmk/mm.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <string.h>

struct acpi_info platform_acpi;

static const void *acpi_map(uint64_t phys, size_t len, void *ctx)
{
	(void)ctx;
	return vm_map_phys(phys, len, 0);
}

/* Legacy BIOS: "RSD PTR " on a 16-byte boundary in 0xe0000-0xfffff, with a good checksum
 * (a stale copy with a bad one is skipped). */
static const void *rsdp_scan(void)
{
	const uint8_t *p = phys_to_virt(0xe0000);

	for (size_t off = 0; off < 0x20000; off += 16) {
		uint8_t sum = 0;

		if (memcmp(p + off, "RSD PTR ", 8))
			continue;
		for (int i = 0; i < 20; i++)
			sum += p[off + i];
		if (!sum)
			return p + off;
	}
	return NULL;
}

void platform_init(const struct boot_info *bi)
{
	const void *rsdp = bi->rsdp;
	size_t len = bi->rsdp_len;
	struct acpi_info *a = &platform_acpi;
	int rc;

	if (!rsdp) {
		rsdp = rsdp_scan();
		len = 36;
	}
	if (!rsdp)
		panic("no ACPI RSDP: Keel needs ACPI to find CPUs and interrupt controllers");
	rc = acpi_parse(rsdp, len, acpi_map, NULL, a);
	if (rc)
		panic("ACPI tables unusable (error %d)", rc);
	if (a->bad_tables)
		log_warn("%u of %u ACPI tables failed validation and were ignored", a->bad_tables,
			 a->ntables);
	if (!a->has_madt)
		panic("no ACPI MADT: cannot find the CPUs");
	log_info("%s rev %u: %u CPUs, %u IOAPICs, HPET %s, PM1a %#x, reset %s, S5 %s", a->oem_id,
		 a->rsdp_revision, a->ncpus, a->nioapics, a->has_hpet ? "yes" : "no", a->pm1a_cnt,
		 a->has_reset ? "yes" : "no", a->has_s5 ? "yes" : "no");
}
