/* Guest ACPI tables: RSDP, XSDT, RSDT, FADT, FACS, MADT and the DSDT, built for one VM. */
#include <stdbool.h>
#include <string.h>

#include <vmk/le.h>
#include <vmk/errno.h>
#include <hv/acpi_pm.h>
#include <hv/acpi_tables.h>

#define HDR_LEN		36 /* the standard description header */
#define RSDP_LEN	36
#define FACS_LEN	64
#define FADT_LEN	276 /* ACPI 6.0 layout, through the hypervisor vendor identity */
#define XSDT_LEN	(HDR_LEN + 2 * 8)
#define RSDT_LEN	(HDR_LEN + 2 * 4)
#define MADT_LAPIC_LEN	8
#define MADT_IOAPIC_LEN 12
#define MADT_ISO_LEN	10

#define FADT_REVISION	    6
#define FADT_MINOR_REVISION 0
#define MADT_REVISION	    4 /* ACPI 6.0: bit 1 of the local APIC flags is still reserved */

/* FADT flags. */
#define FADT_WBINVD	   (1u << 0)
#define FADT_PROC_C1	   (1u << 2)
#define FADT_SLP_BUTTON	   (1u << 5) /* 1: no fixed-feature sleep button */
#define FADT_TMR_VAL_EXT   (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)

/* Generic address structure: address space ids and access sizes. */
#define GAS_SYSTEM_IO 1
#define GAS_BYTE      1
#define GAS_WORD      2
#define GAS_DWORD     3

/* MPS INTI flags in the MADT's interrupt source overrides. */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_EDGE	 (0x1 << 2)
#define INTI_LEVEL	 (0x3 << 2)

static const char OEM_ID[6] = {'K', 'E', 'E', 'L', ' ', ' '};
static const char OEM_TABLE_ID[8] = {'K', 'E', 'E', 'L', 'V', 'M', ' ', ' '};

/* The byte that makes @len bytes at @p sum to zero, given that it is itself counted as 0. */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* Offset 9 of a description header. */
static void seal(uint8_t *t, size_t len)
{
	t[9] = 0;
	t[9] = checksum(t, len);
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, sizeof(OEM_ID));
	memcpy(t + 16, OEM_TABLE_ID, sizeof(OEM_TABLE_ID));
	put_le32(t + 24, 1); /* OEM revision */
	memcpy(t + 28, "KEEL", 4);
	put_le32(t + 32, 1); /* creator revision */
}

/* A generic address structure for an I/O port register of @len bytes. */
static void gas_io(uint8_t *p, uint16_t port, unsigned len, uint8_t access)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = (uint8_t)(8 * len);
	p[2] = 0;
	p[3] = access;
	put_le64(p + 4, port);
}

void acpi_cfg_init(struct acpi_cfg *cfg, unsigned ncpus, const uint8_t *dsdt, size_t dsdt_len)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ncpus = ncpus;
	cfg->lapic_addr = ACPI_LAPIC_ADDR;
	cfg->ioapic_id = (uint8_t)ncpus;
	cfg->ioapic_addr = ACPI_IOAPIC_ADDR;
	cfg->ioapic_gsi_base = 0;
	cfg->sci_irq = ACPI_PM_SCI_IRQ;
	cfg->pm1a_evt_port = ACPI_PM_IO_BASE + ACPI_PM_PM1_STS;
	cfg->pm1a_cnt_port = ACPI_PM_IO_BASE + ACPI_PM_PM1_CNT;
	cfg->pm_tmr_port = ACPI_PM_IO_BASE + ACPI_PM_TMR;
	cfg->reset_port = ACPI_PM_RESET_PORT;
	cfg->reset_value = ACPI_PM_RESET_VALUE;
	cfg->century = ACPI_CENTURY_CMOS;
	cfg->iapc_boot_arch = ACPI_IAPC_KEEL;
	cfg->dsdt = dsdt;
	cfg->dsdt_len = dsdt_len;
}

/* Where each table goes: offsets into the buffer. */
struct layout {
	uint64_t facs, xsdt, rsdt, fadt, madt, dsdt, end;
	uint32_t madt_len;
};

/* Place @len bytes at the first offset >= *@next whose guest address is @align-aligned. */
static uint64_t place(uint64_t base, uint64_t *next, uint64_t len, uint64_t align)
{
	uint64_t gpa = (base + *next + align - 1) & ~(align - 1);
	uint64_t off = gpa - base;

	*next = off + len;
	return off;
}

static void build_rsdp(uint8_t *p, uint64_t base, const struct layout *l)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, OEM_ID, sizeof(OEM_ID));
	p[15] = 2; /* revision: ACPI 2.0+, XSDT */
	put_le32(p + 16, (uint32_t)(base + l->rsdt));
	put_le32(p + 20, RSDP_LEN);
	put_le64(p + 24, base + l->xsdt);
	p[8] = checksum(p, 20);
	p[32] = checksum(p, RSDP_LEN);
}

static void build_facs(uint8_t *p)
{
	memcpy(p, "FACS", 4);
	put_le32(p + 4, FACS_LEN);
	p[32] = 2; /* version */
}

static void build_roots(uint8_t *buf, uint64_t base, const struct layout *l)
{
	uint8_t *x = buf + l->xsdt, *r = buf + l->rsdt;

	header(x, "XSDT", XSDT_LEN, 1);
	put_le64(x + HDR_LEN, base + l->fadt);
	put_le64(x + HDR_LEN + 8, base + l->madt);
	seal(x, XSDT_LEN);

	header(r, "RSDT", RSDT_LEN, 1);
	put_le32(r + HDR_LEN, (uint32_t)(base + l->fadt));
	put_le32(r + HDR_LEN + 4, (uint32_t)(base + l->madt));
	seal(r, RSDT_LEN);
}

static void build_fadt(uint8_t *f, const struct acpi_cfg *cfg, uint64_t base,
		       const struct layout *l)
{
	uint32_t facs = (uint32_t)(base + l->facs), dsdt = (uint32_t)(base + l->dsdt);

	header(f, "FACP", FADT_LEN, FADT_REVISION);
	put_le32(f + 36, facs);
	put_le32(f + 40, dsdt);
	f[45] = 0; /* preferred PM profile: unspecified */
	put_le16(f + 46, cfg->sci_irq);
	/* SMI_CMD 0, ACPI_ENABLE/DISABLE 0: the machine is always in ACPI mode. */
	put_le32(f + 56, cfg->pm1a_evt_port);
	put_le32(f + 64, cfg->pm1a_cnt_port);
	put_le32(f + 76, cfg->pm_tmr_port);
	f[88] = 4;		/* PM1_EVT_LEN */
	f[89] = 2;		/* PM1_CNT_LEN */
	f[91] = 4;		/* PM_TMR_LEN */
	put_le16(f + 96, 101);	/* P_LVL2_LAT > 100: no C2 */
	put_le16(f + 98, 1001); /* P_LVL3_LAT > 1000: no C3 */
	f[108] = cfg->century;
	put_le16(f + 109, cfg->iapc_boot_arch);
	put_le32(f + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_RESET_REG_SUP |
				  (cfg->pm_tmr_32bit ? FADT_TMR_VAL_EXT : 0));
	gas_io(f + 116, cfg->reset_port, 1, GAS_BYTE);
	f[128] = cfg->reset_value;
	f[131] = FADT_MINOR_REVISION;
	put_le64(f + 132, facs);
	put_le64(f + 140, dsdt);
	/* Access sizes: PM1 status and enable are 16-bit registers, the timer a 32-bit one. */
	gas_io(f + 148, cfg->pm1a_evt_port, 4, GAS_WORD);
	gas_io(f + 172, cfg->pm1a_cnt_port, 2, GAS_WORD);
	gas_io(f + 208, cfg->pm_tmr_port, 4, GAS_DWORD);
	memcpy(f + 268, "Keel\0\0\0\0", 8); /* hypervisor vendor identity */
	seal(f, FADT_LEN);
}

static void madt_iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = 2;
	p[1] = MADT_ISO_LEN;
	p[2] = 0; /* bus: ISA */
	p[3] = irq;
	put_le32(p + 4, gsi);
	put_le16(p + 8, flags);
}

static void build_madt(uint8_t *m, const struct acpi_cfg *cfg, uint32_t len)
{
	uint8_t *p = m + HDR_LEN + 8;

	header(m, "APIC", len, MADT_REVISION);
	put_le32(m + 36, cfg->lapic_addr);
	put_le32(m + 40, 1); /* PCAT_COMPAT: dual 8259s */
	for (unsigned i = 0; i < cfg->ncpus; i++, p += MADT_LAPIC_LEN) {
		p[0] = 0;
		p[1] = MADT_LAPIC_LEN;
		p[2] = (uint8_t)i;  /* ACPI processor UID */
		p[3] = (uint8_t)i;  /* APIC id */
		put_le32(p + 4, 1); /* enabled */
	}
	p[0] = 1;
	p[1] = MADT_IOAPIC_LEN;
	p[2] = cfg->ioapic_id;
	p[3] = 0;
	put_le32(p + 4, cfg->ioapic_addr);
	put_le32(p + 8, cfg->ioapic_gsi_base);
	p += MADT_IOAPIC_LEN;
	madt_iso(p, 0, cfg->ioapic_gsi_base + 2, INTI_EDGE | INTI_ACTIVE_HIGH);
	p += MADT_ISO_LEN;
	madt_iso(p, cfg->sci_irq, cfg->ioapic_gsi_base + cfg->sci_irq,
		 INTI_LEVEL | INTI_ACTIVE_HIGH);
	seal(m, len);
}

static bool cfg_ok(const struct acpi_cfg *cfg)
{
	if (cfg->ncpus < 1 || cfg->ncpus > ACPI_TABLES_MAX_CPUS || cfg->sci_irq >= 16)
		return false;
	if (!cfg->dsdt || cfg->dsdt_len < HDR_LEN || cfg->dsdt_len > UINT32_MAX)
		return false;
	return memcmp(cfg->dsdt, "DSDT", 4) == 0 && le32(cfg->dsdt + 4) == cfg->dsdt_len;
}

int acpi_tables_build(const struct acpi_cfg *cfg, uint8_t *buf, size_t cap, uint64_t base_gpa,
		      uint64_t *rsdp_gpa)
{
	struct layout l;
	uint64_t next = RSDP_LEN;

	if (!cfg || !buf || !rsdp_gpa || !cfg_ok(cfg) || (base_gpa & 15) || base_gpa > UINT32_MAX)
		return -EINVAL;

	l.madt_len = HDR_LEN + 8 + cfg->ncpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN + 2 * MADT_ISO_LEN;
	l.facs = place(base_gpa, &next, FACS_LEN, 64);
	l.xsdt = place(base_gpa, &next, XSDT_LEN, 16);
	l.rsdt = place(base_gpa, &next, RSDT_LEN, 16);
	l.fadt = place(base_gpa, &next, FADT_LEN, 16);
	l.madt = place(base_gpa, &next, l.madt_len, 16);
	l.dsdt = place(base_gpa, &next, cfg->dsdt_len, 16); /* dsdt_len < 4 GiB: no overflow */
	l.end = next;
	if (base_gpa + l.end > (uint64_t)UINT32_MAX + 1)
		return -EINVAL;
	if (l.end > cap || l.end > INT32_MAX)
		return -E2BIG;

	memset(buf, 0, l.end);
	build_rsdp(buf, base_gpa, &l);
	build_facs(buf + l.facs);
	build_roots(buf, base_gpa, &l);
	build_fadt(buf + l.fadt, cfg, base_gpa, &l);
	build_madt(buf + l.madt, cfg, l.madt_len);
	memcpy(buf + l.dsdt, cfg->dsdt, cfg->dsdt_len);
	seal(buf + l.dsdt, cfg->dsdt_len);

	*rsdp_gpa = base_gpa;
	return (int)l.end;
}
