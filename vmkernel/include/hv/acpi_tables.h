/* Guest ACPI tables: RSDP, XSDT, RSDT, FADT, FACS, MADT and the DSDT, built for one VM. */
#ifndef HV_ACPI_TABLES_H
#define HV_ACPI_TABLES_H

/*
 * A guest without MP tables (Linux booted directly, Firecracker-style) finds its CPUs, its
 * I/O APIC and PCI only through ACPI.  acpi_tables_build writes the static tables for the Keel
 * platform into a buffer the caller copies to guest memory:
 *
 *   RSDP  revision 2, both checksums; points at the XSDT and, for old OSes, an RSDT
 *   XSDT  FADT, MADT (the RSDT lists the same with 32-bit pointers)
 *   FADT  revision 6.0 layout (276 bytes), not HW_REDUCED: SCI on ACPI_PM_SCI_IRQ, no SMI_CMD
 *         (ACPI mode always on), PM1a_EVT/PM1a_CNT/PM_TMR blocks of hv/acpi_pm.h in both the
 *         legacy fields and the X_ generic addresses, a 24-bit PM timer (32-bit, TMR_VAL_EXT, when
 *         pm_tmr_32bit), no GPE blocks, C2/C3
 *         latencies saying "unsupported", CENTURY, RESET_REG (I/O port, byte) with RESET_VALUE,
 *         flags WBINVD | PROC_C1 | SLP_BUTTON | RESET_REG_SUP (PWR_BUTTON clear: the power
 *         button is the fixed-feature one of hv/acpi_pm.h), FACS and DSDT in both the 32-bit
 *         and the X_ fields, hypervisor vendor identity "Keel"
 *   FACS  64 bytes, 64-byte aligned (the FACS has no checksum field)
 *   MADT  local APIC address, PCAT_COMPAT; one enabled Processor Local APIC per vCPU (ACPI
 *         processor UID = APIC id = 0..ncpus-1); one I/O APIC; interrupt source overrides
 *         IRQ0 -> GSI 2 (edge, active high: the PIT on pin 2, as on every PC) and SCI IRQ ->
 *         same GSI (level, active high)
 *   DSDT  the AML blob from the caller (normally hv_dsdt_aml, compiled from dsdt.asl)
 *
 * IAPC_BOOT_ARCH (default ACPI_IAPC_KEEL): LEGACY_DEVICES (the UART, PIT, 8259s and CMOS RTC
 * are there) and VGA Not Present (no VGA is emulated: Linux then leaves the legacy VGA range
 * alone); the 8042 flag is clear because no i8042 is emulated, so Linux's i8042 driver does not
 * probe ports 0x60/0x64 and wait for timeouts; CMOS RTC Not Present is clear (CENTURY names
 * its century byte).
 *
 * Left out: DSDT processor objects (Linux brings CPUs up from the MADT alone), MCFG (PCI
 * configuration is mechanism #1 only), HPET, SRAT, local APIC NMI entries (Linux programs LINT1
 * as NMI on the boot CPU by itself), S1-S4, GPEs.
 *
 * PCI interrupt routing (dsdt.asl's _PRT, which the PCI model must follow): device slot 1..31,
 * pin INTA..INTD (0..3) is wired straight to I/O APIC input ACPI_PCI_INTX_GSI(slot, pin); Linux
 * programs those GSIs level-triggered, active low (the ACPI default for a _PRT entry with no
 * link device).  A device model asserts its line with hvdev_irq level true; the I/O APIC model
 * treats "asserted" as active whatever the programmed polarity (as QEMU and KVM do), or inverts
 * for active-low pins: the integrator picks one rule for both the SCI and PCI lines.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The platform's fixed facts (see dsdt.asl for the PCI ones). */
#define ACPI_LAPIC_ADDR		     0xFEE00000u
#define ACPI_IOAPIC_ADDR	     0xFEC00000u
#define ACPI_IOAPIC_PINS	     24
#define ACPI_CENTURY_CMOS	     0x32
#define ACPI_PCI_MMIO_BASE	     0xC0000000u /* 32-bit PCI MMIO window, inclusive limits */
#define ACPI_PCI_MMIO_LIMIT	     0xFEBFFFFFu
#define ACPI_PCI_IO_BASE	     0x1000u /* where PCI I/O BARs go (Linux: PCIBIOS_MIN_IO) */
#define ACPI_PCI_IO_LIMIT	     0xFFFFu
#define ACPI_PCI_INTX_GSI(slot, pin) (16u + (((unsigned)(slot) + (unsigned)(pin)) % 8u))

/* FADT IAPC_BOOT_ARCH bits. */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042		 (1u << 1)
#define ACPI_IAPC_NO_VGA	 (1u << 2)
#define ACPI_IAPC_NO_MSI	 (1u << 3)
#define ACPI_IAPC_NO_ASPM	 (1u << 4)
#define ACPI_IAPC_NO_CMOS_RTC	 (1u << 5)
#define ACPI_IAPC_KEEL		 (ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_NO_VGA)

/* xAPIC ids are 8 bits and 0xFF is the broadcast id. */
#define ACPI_TABLES_MAX_CPUS 255

/* The caller's area: 0xE0000 is in the BIOS range where Linux also scans for the RSDP. */
#define ACPI_TABLES_GPA	     0xE0000u
#define ACPI_TABLES_MAX_SIZE 0x10000u

struct acpi_cfg {
	unsigned ncpus;		  /* 1..ACPI_TABLES_MAX_CPUS; APIC ids 0..ncpus-1 */
	uint32_t lapic_addr;	  /* ACPI_LAPIC_ADDR */
	uint8_t ioapic_id;	  /* default ncpus, so no local APIC shares it */
	uint32_t ioapic_addr;	  /* ACPI_IOAPIC_ADDR */
	uint32_t ioapic_gsi_base; /* 0 */
	uint8_t sci_irq;	  /* ACPI_PM_SCI_IRQ (< 16, identity-mapped to its GSI) */
	uint16_t pm1a_evt_port;	  /* ACPI_PM_IO_BASE + ACPI_PM_PM1_STS, 4 bytes */
	uint16_t pm1a_cnt_port;	  /* ACPI_PM_IO_BASE + ACPI_PM_PM1_CNT, 2 bytes */
	uint16_t pm_tmr_port;	  /* ACPI_PM_IO_BASE + ACPI_PM_TMR, 4 bytes */
	bool pm_tmr_32bit;	  /* false: the timer counts 24 bits */
	uint16_t reset_port;	  /* ACPI_PM_RESET_PORT */
	uint8_t reset_value;	  /* ACPI_PM_RESET_VALUE */
	uint8_t century;	  /* ACPI_CENTURY_CMOS */
	uint16_t iapc_boot_arch;  /* ACPI_IAPC_KEEL */
	const uint8_t *dsdt;	  /* a whole DSDT: header ("DSDT", length) and AML */
	size_t dsdt_len;
};

/* The DSDT compiled from vmkernel/hv/dev/dsdt.asl by vmkernel/hv/dev/dsdt.mk. */
extern const uint8_t hv_dsdt_aml[];
extern const size_t hv_dsdt_aml_len;

/*
 * acpi_cfg_init - fill @cfg with the Keel platform's values listed above for @ncpus vCPUs and
 * the DSDT @dsdt, @dsdt_len (normally hv_dsdt_aml, hv_dsdt_aml_len).
 */
void acpi_cfg_init(struct acpi_cfg *cfg, unsigned ncpus, const uint8_t *dsdt, size_t dsdt_len);

/*
 * acpi_tables_build - write the tables for @cfg into @buf, laid out to live at guest physical
 * address @base_gpa: RSDP at @base_gpa, then the FACS (64-byte aligned in guest physical
 * terms), XSDT, RSDT, FADT, MADT and DSDT, each 16-byte aligned.  Every pointer inside is a
 * guest physical address; the bytes of @buf past the tables are not touched.
 * @cap: size of @buf.  Typically @base_gpa = ACPI_TABLES_GPA, @cap = ACPI_TABLES_MAX_SIZE.
 * @base_gpa: 16-byte aligned (where an RSDP may be found), the tables below 4 GiB.
 * @rsdp_gpa: set to the RSDP's guest physical address (for the zero page's acpi_rsdp_addr).
 *
 * The DSDT is copied and its checksum recomputed; it is only checked for its signature and a
 * length field equal to dsdt_len.  Pure function: no callbacks, no globals.
 *
 * Returns the number of bytes used at the start of @buf (copy them to @base_gpa), -E2BIG if
 * @cap is too small, -EINVAL for a bad @cfg (ncpus out of range, sci_irq >= 16, a DSDT that is
 * NULL, shorter than its header or whose header disagrees), a misaligned @base_gpa or tables
 * that would cross 4 GiB, or a NULL pointer.
 */
int acpi_tables_build(const struct acpi_cfg *cfg, uint8_t *buf, size_t cap, uint64_t base_gpa,
		      uint64_t *rsdp_gpa);

#endif
