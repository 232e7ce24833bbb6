/* ACPI static table parser: untrusted firmware tables in, struct acpi_info facts out. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmk/acpi.h>
#include <vmk/compiler.h>
#include <vmk/errno.h>

#define ACPI_HDR_LEN	36u
#define ACPI_TABLE_MAX	(16u << 20)
#define ACPI_RSDP_V1	20u
#define ACPI_RSDP_V2	36u
#define ACPI_MADT_FIXED 44u
#define ACPI_FADT_V1	116u /* the ACPI 1.0 FADT */
#define ACPI_HPET_LEN	56u
#define ACPI_MCFG_FIXED 44u /* header + 8 reserved bytes */
#define ACPI_MCFG_ENTRY 16u
#define ACPI_IO_MAX	0xffffu

/* FADT field offsets. */
#define FADT_DSDT	   40
#define FADT_PM1A_CNT	   64
#define FADT_PM1B_CNT	   68
#define FADT_PM_TMR	   76
#define FADT_IAPC_BOOT	   109
#define FADT_FLAGS	   112
#define FADT_RESET_REG	   116
#define FADT_RESET_VALUE   128
#define FADT_X_DSDT	   140
#define FADT_X_PM1A_CNT	   172
#define FADT_X_PM1B_CNT	   184
#define FADT_X_PM_TMR	   208
#define FADT_TMR_VAL_EXT   (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)

#define GAS_LEN	      12u
#define GAS_SPACE_MEM 0
#define GAS_SPACE_IO  1

/* MADT entry types and their minimum lengths. */
#define MADT_LAPIC	    0
#define MADT_IOAPIC	    1
#define MADT_ISO	    2
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC	    9
#define MADT_CPU_ENABLED    (1u << 0)
#define MADT_CPU_ONLINE_CAP (1u << 1)

/* Bounds-checked little-endian loads from a table of @len bytes; 0 when out of range. */
static uint8_t rd8(const uint8_t *t, size_t len, size_t off)
{
	return off < len ? t[off] : 0;
}

static uint16_t rd16(const uint8_t *t, size_t len, size_t off)
{
	uint16_t v;

	if (off > len || len - off < sizeof(v))
		return 0;
	memcpy(&v, t + off, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *t, size_t len, size_t off)
{
	uint32_t v;

	if (off > len || len - off < sizeof(v))
		return 0;
	memcpy(&v, t + off, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *t, size_t len, size_t off)
{
	uint64_t v;

	if (off > len || len - off < sizeof(v))
		return 0;
	memcpy(&v, t + off, sizeof(v));
	return v;
}

/* A GAS at @off, or all zero when it does not fit. */
static struct acpi_gas rd_gas(const uint8_t *t, size_t len, size_t off)
{
	struct acpi_gas g = {0};

	if (off > len || len - off < GAS_LEN)
		return g;
	g.space = t[off];
	g.bit_width = t[off + 1];
	g.bit_offset = t[off + 2];
	g.access_size = t[off + 3];
	g.addr = rd64(t, len, off + 4);
	return g;
}

static bool acpi_checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

static const void *acpi_map(acpi_map_fn map, void *ctx, uint64_t phys, size_t len)
{
	if (phys == 0 || len == 0 || len - 1 > UINT64_MAX - phys)
		return NULL;
	return map(phys, len, ctx);
}

/*
 * Map the table at @phys whole and validate it: signature @sig (any when NULL), length in
 * [36, 16 MiB], checksum. Returns the mapping (valid until the next map call) or NULL.
 */
static const uint8_t *acpi_map_table(acpi_map_fn map, void *ctx, uint64_t phys, const char *sig,
				     uint32_t *lenp)
{
	const uint8_t *t;
	uint32_t len;

	t = acpi_map(map, ctx, phys, ACPI_HDR_LEN);
	if (!t || (sig && memcmp(t, sig, 4) != 0))
		return NULL;
	len = rd32(t, ACPI_HDR_LEN, 4);
	if (len < ACPI_HDR_LEN || len > ACPI_TABLE_MAX)
		return NULL;
	t = acpi_map(map, ctx, phys, len);
	/* Re-check what was read through the first mapping: it may not be the same memory. */
	if (!t || (sig && memcmp(t, sig, 4) != 0) || rd32(t, len, 4) != len)
		return NULL;
	if (!acpi_checksum_ok(t, len))
		return NULL;
	*lenp = len;
	return t;
}

static void acpi_add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	struct acpi_cpu *c;

	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAP)) || out->ncpus >= ACPI_MAX_CPUS)
		return;
	c = &out->cpus[out->ncpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->enabled = flags & MADT_CPU_ENABLED;
	c->online_capable = flags & MADT_CPU_ONLINE_CAP;
}

/* One MADT entry @e of @elen bytes (>= 2); entries too short for their type are ignored. */
static void acpi_madt_entry(struct acpi_info *out, const uint8_t *e, size_t elen)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (elen >= 8)
			acpi_add_cpu(out, e[3], e[2], rd32(e, elen, 4));
		break;
	case MADT_X2APIC:
		if (elen >= 16)
			acpi_add_cpu(out, rd32(e, elen, 4), rd32(e, elen, 12), rd32(e, elen, 8));
		break;
	case MADT_IOAPIC:
		if (elen >= 12 && out->nioapics < ACPI_MAX_IOAPICS) {
			struct acpi_ioapic *io = &out->ioapics[out->nioapics++];

			io->id = e[2];
			io->addr = rd32(e, elen, 4);
			io->gsi_base = rd32(e, elen, 8);
		}
		break;
	case MADT_ISO:
		if (elen >= 10 && out->nisos < ACPI_MAX_ISOS) {
			struct acpi_iso *iso = &out->isos[out->nisos++];

			/* e[2] is the bus: 0 (ISA) is the only one defined. */
			iso->bus_irq = e[3];
			iso->gsi = rd32(e, elen, 4);
			iso->flags = rd16(e, elen, 8);
		}
		break;
	case MADT_LAPIC_OVERRIDE:
		if (elen >= 12)
			out->lapic_addr = rd64(e, elen, 4);
		break;
	default:
		break;
	}
}

static bool acpi_parse_madt(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	size_t off;

	if (len < ACPI_MADT_FIXED)
		return false;
	out->has_madt = true;
	out->lapic_addr = rd32(t, len, 36);
	out->pcat_compat = rd32(t, len, 40) & 1;
	for (off = ACPI_MADT_FIXED; len - off >= 2;) {
		size_t elen = t[off + 1];

		/* A zero/short length would loop; one past the end would read out of bounds. */
		if (elen < 2 || elen > len - off)
			break;
		acpi_madt_entry(out, t + off, elen);
		off += elen;
	}
	return true;
}

static bool acpi_parse_hpet(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	struct acpi_gas g;

	if (len < ACPI_HPET_LEN)
		return false;
	g = rd_gas(t, len, 40);
	if (g.space == GAS_SPACE_MEM && g.addr != 0) {
		out->has_hpet = true;
		out->hpet_addr = g.addr;
	}
	return true;
}

/* Each entry: base (8), segment (2), start bus, end bus, 4 reserved. */
static bool acpi_parse_mcfg(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	if (len < ACPI_MCFG_FIXED)
		return false;
	out->has_mcfg = true;
	for (size_t off = ACPI_MCFG_FIXED; len - off >= ACPI_MCFG_ENTRY; off += ACPI_MCFG_ENTRY) {
		struct acpi_mcfg m = {
			.base = rd64(t, len, off),
			.segment = rd16(t, len, off + 8),
			.start_bus = rd8(t, len, off + 10),
			.end_bus = rd8(t, len, off + 11),
		};

		/* The window reaches base + (end_bus + 1) MiB: it must not wrap. */
		if (m.base == 0 || m.end_bus < m.start_bus || m.base & 0xfffff ||
		    m.base > UINT64_MAX - ((uint64_t)(m.end_bus + 1) << 20) ||
		    out->nmcfg >= ACPI_MAX_MCFG) {
			out->bad_mcfg++;
			continue;
		}
		out->mcfg[out->nmcfg++] = m;
	}
	return true;
}

/* An I/O port from the X_ GAS at @x_off when valid, else the 32-bit field at @off; 0 if none. */
static uint32_t acpi_fadt_port(const uint8_t *t, uint32_t len, size_t x_off, size_t off)
{
	struct acpi_gas g = rd_gas(t, len, x_off);
	uint32_t port;

	if (g.space == GAS_SPACE_IO && g.addr != 0 && g.addr <= ACPI_IO_MAX)
		return (uint32_t)g.addr;
	port = rd32(t, len, off);
	return port <= ACPI_IO_MAX ? port : 0;
}

/* Fills the FADT facts; the DSDT is read afterwards, once the FADT mapping is no longer used. */
static bool acpi_parse_fadt(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	uint64_t x_dsdt;

	if (len < ACPI_FADT_V1)
		return false;
	out->has_fadt = true;
	out->fadt_flags = rd32(t, len, FADT_FLAGS);
	out->iapc_boot_arch = rd16(t, len, FADT_IAPC_BOOT);
	out->pm1a_cnt = acpi_fadt_port(t, len, FADT_X_PM1A_CNT, FADT_PM1A_CNT);
	out->pm1b_cnt = acpi_fadt_port(t, len, FADT_X_PM1B_CNT, FADT_PM1B_CNT);
	out->pm_tmr_blk = acpi_fadt_port(t, len, FADT_X_PM_TMR, FADT_PM_TMR);
	out->pm_tmr_32bit = out->fadt_flags & FADT_TMR_VAL_EXT;
	if ((out->fadt_flags & FADT_RESET_REG_SUP) && len > FADT_RESET_VALUE) {
		struct acpi_gas g = rd_gas(t, len, FADT_RESET_REG);

		if (g.addr != 0) {
			out->has_reset = true;
			out->reset_reg = g;
			out->reset_value = rd8(t, len, FADT_RESET_VALUE);
		}
	}
	x_dsdt = rd64(t, len, FADT_X_DSDT);
	out->dsdt_phys = x_dsdt ? x_dsdt : rd32(t, len, FADT_DSDT);
	return true;
}

static void acpi_parse_dsdt(struct acpi_info *out, acpi_map_fn map, void *ctx)
{
	const uint8_t *t;
	uint32_t len;

	if (out->dsdt_phys == 0)
		return;
	t = acpi_map_table(map, ctx, out->dsdt_phys, "DSDT", &len);
	if (!t) {
		out->bad_tables++;
		return;
	}
	if (acpi_find_s5(t + ACPI_HDR_LEN, len - ACPI_HDR_LEN, &out->slp_typa, &out->slp_typb) == 0)
		out->has_s5 = true;
}

/* One table named by the root table: validate, then parse what we know. */
static void acpi_parse_table(struct acpi_info *out, acpi_map_fn map, void *ctx, uint64_t phys)
{
	const uint8_t *t;
	uint32_t len;
	bool ok = true;

	out->ntables++;
	t = acpi_map_table(map, ctx, phys, NULL, &len);
	if (!t) {
		out->bad_tables++;
		return;
	}
	if (memcmp(t, "APIC", 4) == 0 && !out->has_madt) {
		ok = acpi_parse_madt(out, t, len);
	} else if (memcmp(t, "HPET", 4) == 0 && !out->has_hpet) {
		ok = acpi_parse_hpet(out, t, len);
	} else if (memcmp(t, "MCFG", 4) == 0 && !out->has_mcfg) {
		ok = acpi_parse_mcfg(out, t, len);
	} else if (memcmp(t, "FACP", 4) == 0 && !out->has_fadt) {
		ok = acpi_parse_fadt(out, t, len);
		if (ok)
			acpi_parse_dsdt(out, map, ctx);
	}
	if (!ok)
		out->bad_tables++;
}

/* Walk the XSDT (@esize 8) or RSDT (@esize 4) at @phys; false if it is invalid. */
static bool acpi_parse_root(struct acpi_info *out, acpi_map_fn map, void *ctx, uint64_t phys,
			    size_t esize)
{
	const uint8_t *t;
	uint32_t len, i, n;

	t = acpi_map_table(map, ctx, phys, esize == 8 ? "XSDT" : "RSDT", &len);
	if (!t)
		return false;
	n = (len - ACPI_HDR_LEN) / esize;
	for (i = 0; i < n; i++) {
		/* Parsing a table remaps, so fetch each entry afresh. */
		const uint8_t *e =
			acpi_map(map, ctx, phys + ACPI_HDR_LEN + (uint64_t)i * esize, esize);
		uint64_t addr;

		if (!e) {
			out->ntables++;
			out->bad_tables++;
			continue;
		}
		addr = esize == 8 ? rd64(e, esize, 0) : rd32(e, esize, 0);
		acpi_parse_table(out, map, ctx, addr);
	}
	return true;
}

int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
	const uint8_t *p = rsdp;
	uint64_t xsdt = 0;
	uint32_t rsdt;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!p || !map || rsdp_len < ACPI_RSDP_V1)
		return -EINVAL;
	if (memcmp(p, "RSD PTR ", 8) != 0 || !acpi_checksum_ok(p, ACPI_RSDP_V1))
		return -EINVAL;
	out->rsdp_revision = p[15];
	memcpy(out->oem_id, p + 9, 6);
	out->oem_id[6] = '\0';
	rsdt = rd32(p, rsdp_len, 16);

	if (out->rsdp_revision >= 2 && rsdp_len >= ACPI_RSDP_V2) {
		uint32_t xlen = rd32(p, rsdp_len, 20);

		if (xlen < ACPI_RSDP_V2)
			return -EINVAL;
		if (xlen <= rsdp_len && !acpi_checksum_ok(p, xlen))
			return -EINVAL;
		xsdt = rd64(p, rsdp_len, 24);
	}

	if (xsdt && acpi_parse_root(out, map, ctx, xsdt, 8))
		return 0;
	if (rsdt && acpi_parse_root(out, map, ctx, rsdt, 4))
		return 0;
	return -EINVAL;
}

/* Decode an AML PkgLength at aml[*off]; advances *off past it. */
static bool aml_pkglen(const uint8_t *aml, size_t len, size_t *off, size_t *pkglen)
{
	size_t o = *off, nbytes, v;

	if (o >= len)
		return false;
	nbytes = aml[o] >> 6;
	if (len - o < nbytes + 1)
		return false;
	if (nbytes == 0) {
		v = aml[o] & 0x3f;
	} else {
		v = aml[o] & 0x0f;
		for (size_t k = 0; k < nbytes; k++)
			v |= (size_t)aml[o + 1 + k] << (4 + 8 * k);
	}
	*pkglen = v;
	*off = o + 1 + nbytes;
	return true;
}

/* Decode one integer package element in [*off, end); keeps its low byte. */
static bool aml_small_int(const uint8_t *aml, size_t end, size_t *off, uint8_t *val)
{
	size_t o = *off, size;

	if (o >= end)
		return false;
	switch (aml[o]) {
	case 0x00: /* ZeroOp */
	case 0x01: /* OneOp */
	case 0xff: /* OnesOp */
		*val = aml[o];
		*off = o + 1;
		return true;
	case 0x0a: /* BytePrefix */
		size = 1;
		break;
	case 0x0b: /* WordPrefix */
		size = 2;
		break;
	case 0x0c: /* DWordPrefix */
		size = 4;
		break;
	case 0x0e: /* QWordPrefix */
		size = 8;
		break;
	default:
		return false;
	}
	if (end - o - 1 < size)
		return false;
	*val = aml[o + 1];
	*off = o + 1 + size;
	return true;
}

/* The \_S5 package whose name ends at aml[i + 4]; false when malformed. */
static bool aml_s5_at(const uint8_t *aml, size_t len, size_t i, uint8_t *a, uint8_t *b)
{
	size_t off = i + 4, pkg, pkglen, end;

	if (!((i >= 1 && aml[i - 1] == 0x08) ||
	      (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08)))
		return false;
	if (off >= len || aml[off] != 0x12) /* PackageOp */
		return false;
	pkg = ++off;
	if (!aml_pkglen(aml, len, &off, &pkglen))
		return false;
	/* PkgLength counts from its own first byte. */
	if (pkglen > len - pkg || pkg + pkglen <= off)
		return false;
	end = pkg + pkglen;
	if (aml[off] < 2) /* NumElements */
		return false;
	off++;
	return aml_small_int(aml, end, &off, a) && aml_small_int(aml, end, &off, b);
}

int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	if (!aml || !slp_typa || !slp_typb)
		return -ENOENT;
	for (size_t i = 0; len >= 4 && i <= len - 4; i++) {
		uint8_t a, b;

		if (memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		if (aml_s5_at(aml, len, i, &a, &b)) {
			*slp_typa = a;
			*slp_typb = b;
			return 0;
		}
	}
	return -ENOENT;
}
