/* ACPI static tables: RSDP -> XSDT/RSDT -> MADT, FADT (+ DSDT's \_S5), HPET, MCFG, as facts. */
#ifndef VMK_ACPI_H
#define VMK_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Physical memory accessor: a readable pointer to [phys, phys + len), or NULL if not available.
 * The parser uses a returned pointer only until its next call to map, so an implementation may
 * reuse a single mapping window.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len, void *ctx);

/* Generic Address Structure. space: 0 system memory, 1 system I/O, ... */
struct acpi_gas {
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t addr;
};

#define ACPI_MAX_CPUS	 256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS	 24
#define ACPI_MAX_MCFG	 4

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;
	bool enabled;
	bool online_capable;
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

/* MADT interrupt source override. flags: MPS INTI flags (polarity bits 1:0, trigger bits 3:2). */
struct acpi_iso {
	uint8_t bus_irq;
	uint32_t gsi;
	uint16_t flags;
};

/* MCFG entry: one PCI segment's ECAM window, 1 MiB per bus from bus start_bus at base. */
struct acpi_mcfg {
	uint64_t base; /* physical address of bus 0's space (even when start_bus > 0) */
	uint16_t segment;
	uint8_t start_bus, end_bus;
};

struct acpi_info {
	uint8_t rsdp_revision;
	char oem_id[7]; /* RSDP OEM ID, NUL-terminated */
	/* Tables seen via the XSDT (or RSDT), and those skipped for a bad checksum/length (the DSDT
	 * named by the FADT counts in bad_tables too when it fails the same checks). */
	unsigned ntables;
	unsigned bad_tables;

	bool has_madt;
	uint64_t lapic_addr; /* the 64-bit override entry (type 5) wins over the header field */
	bool pcat_compat;    /* MADT flags bit 0: dual 8259s present */
	/* Processor local APIC (type 0) and x2APIC (type 9) entries, in table order; only entries
	 * with flags bit 0 (enabled) or bit 1 (online capable). Extra entries are dropped. */
	unsigned ncpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned nisos;
	struct acpi_iso isos[ACPI_MAX_ISOS];

	bool has_hpet;
	uint64_t hpet_addr; /* from the HPET table's GAS (memory space) */

	/* MCFG (PCI Express memory-mapped configuration): entries in table order; those with a
	 * zero or not 1 MiB-aligned base, end_bus < start_bus, or a window past 2^64 are dropped
	 * (counted in bad_mcfg); extra entries past ACPI_MAX_MCFG too. */
	bool has_mcfg;
	unsigned nmcfg, bad_mcfg;
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];

	bool has_fadt;
	uint32_t fadt_flags;
	uint16_t iapc_boot_arch;
	/* I/O ports of the PM1 control blocks (X_ GAS when valid and in I/O space, else the 32-bit
	 * fields), 0 if absent. */
	uint32_t pm1a_cnt, pm1b_cnt;
	uint32_t pm_tmr_blk; /* ACPI PM timer port, 0 if absent */
	bool pm_tmr_32bit;   /* FADT flags bit 8 TMR_VAL_EXT */
	/* FADT flags bit 10 RESET_REG_SUP and a non-zero address. */
	bool has_reset;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint64_t dsdt_phys; /* X_DSDT preferred when non-zero */
	bool has_s5;	    /* \_S5 found in the DSDT */
	uint8_t slp_typa, slp_typb;
};

/*
 * acpi_parse - collect platform facts from the ACPI static tables.
 * @rsdp, @rsdp_len: a copy of the RSDP (e.g. from the multiboot2 tag) and its length.
 * @map, @ctx: physical memory accessor for everything the RSDP points to.
 * @out: zero-filled first, then filled in.
 *
 * Validates the RSDP (signature, checksum of the first 20 bytes, and for revision >= 2 when
 * @rsdp_len holds 36 bytes: the length field (>= 36) and, when it fits in @rsdp_len, the extended
 * checksum). Uses the XSDT when revision >= 2 and its address is non-zero, else the RSDT; when
 * the XSDT fails validation (mapping, signature, length, checksum) and the RSDT address is
 * non-zero, the RSDT is used instead. Each table: its header is mapped, its length checked
 * (>= 36, <= 16 MiB), then it is mapped whole and its checksum verified; bad or unmappable
 * tables are skipped and counted. Parses the first APIC (MADT), FACP (FADT; then the DSDT it
 * names, for \_S5), HPET and MCFG (44-byte header, then 16-byte entries while they fit); later
 * duplicates are counted but ignored; a MADT, FADT or HPET too short for its fixed fields counts as
 * bad. MADT entries are walked while each one fits: a zero/short length or one running past the
 * table ends the walk.
 *
 * Pure function: all input is untrusted and every read is bounds-checked. Returns 0, or
 * -EINVAL when an argument is NULL or the RSDP or root table is invalid.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
	       struct acpi_info *out);

/*
 * acpi_find_s5 - find the \_S5 sleep type values in AML.
 * @aml, @len: AML bytes (e.g. the DSDT body after its 36-byte header).
 *
 * Scans for NameOp (0x08) [optional '\\'] "_S5_" PackageOp (0x12) PkgLength NumElements (>= 2)
 * and decodes the first two elements (ZeroOp 0x00, OneOp 0x01, OnesOp 0xFF, or BytePrefix 0x0A /
 * WordPrefix 0x0B / DWordPrefix 0x0C / QWordPrefix 0x0E followed by the value; the low byte is
 * kept). A malformed candidate is skipped and the scan goes on. Bounds-checked against @len and
 * the package length. Returns 0 with *@slp_typa, *@slp_typb set, or -ENOENT.
 */
int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

#endif
