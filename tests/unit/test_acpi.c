/* Unit tests: ACPI table parsing (acpi_parse.c) on captured QEMU/cloud tables and corrupt ones.
 * Kept as one file past 1,000 lines: unit.mk builds one binary per test_<name>.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/acpi.h>
#include <vmk/errno.h>

/*
 * Fake physical memory: segments of bytes at physical addresses. map() hands out an exact-size
 * heap copy of the requested range and frees the previous one, so ASan catches both a read past
 * what was mapped and the use of a mapping after the next map() call.
 */
#define SEG_MAX 32

struct seg {
	uint64_t phys;
	size_t len;
	uint8_t *data; /* owned */
};

struct fakemem {
	struct seg seg[SEG_MAX];
	unsigned nseg;
	void *last;
	unsigned calls;
	unsigned fail_call; /* fail the Nth call (1-based); 0 never */
	uint64_t fail_phys; /* fail any map touching this address; 0 never */
	uint8_t *rsdp;	    /* owned copy of the RSDP */
	size_t rsdp_len;
};

static const void *fake_map(uint64_t phys, size_t len, void *ctx)
{
	struct fakemem *m = ctx;
	struct seg *best = NULL;

	free(m->last);
	m->last = NULL;
	m->calls++;
	if (m->fail_call && m->calls == m->fail_call)
		return NULL;
	if (m->fail_phys && m->fail_phys >= phys && m->fail_phys - phys < len)
		return NULL;
	/* The segment starting closest below @phys wins, so a grown table may overlap others. */
	for (unsigned i = 0; i < m->nseg; i++) {
		struct seg *s = &m->seg[i];

		if (phys >= s->phys && (!best || s->phys > best->phys))
			best = s;
	}
	if (!best || len > best->len || phys - best->phys > best->len - len)
		return NULL;
	m->last = malloc(len);
	assert_non_null(m->last);
	memcpy(m->last, best->data + (phys - best->phys), len);
	return m->last;
}

static struct seg *mem_add(struct fakemem *m, uint64_t phys, const void *data, size_t len)
{
	struct seg *s;

	assert_true(m->nseg < SEG_MAX);
	s = &m->seg[m->nseg++];
	s->phys = phys;
	s->len = len;
	s->data = malloc(len ? len : 1);
	assert_non_null(s->data);
	memcpy(s->data, data, len);
	return s;
}

static struct seg *mem_find(struct fakemem *m, const char *sig)
{
	for (unsigned i = 0; i < m->nseg; i++)
		if (m->seg[i].len >= 4 && memcmp(m->seg[i].data, sig, 4) == 0)
			return &m->seg[i];
	return NULL;
}

static void mem_free(struct fakemem *m)
{
	for (unsigned i = 0; i < m->nseg; i++)
		free(m->seg[i].data);
	free(m->last);
	free(m->rsdp);
	memset(m, 0, sizeof(*m));
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (tests run from tests/unit/)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

/* Load a capture made by data/capture-qemu-acpi.sh: "KEELACPI" then {u64 phys, u32 len, bytes}. */
static void load_capture(struct fakemem *m, const char *path)
{
	size_t len, off = 8;
	uint8_t *buf = read_file(path, &len);
	bool first = true;

	memset(m, 0, sizeof(*m));
	assert_true(len >= 8 && memcmp(buf, "KEELACPI", 8) == 0);
	while (off < len) {
		uint64_t phys;
		uint32_t n;

		assert_true(len - off >= 12);
		phys = get64(buf + off);
		n = get32(buf + off + 8);
		off += 12;
		assert_true(len - off >= n);
		if (first) {
			m->rsdp = malloc(n);
			assert_non_null(m->rsdp);
			memcpy(m->rsdp, buf + off, n);
			m->rsdp_len = n;
			first = false;
		}
		mem_add(m, phys, buf + off, n);
		off += n;
	}
	free(buf);
	assert_non_null(m->rsdp);
}

/* Re-checksum a table segment after editing it. */
static void seg_fix(struct seg *s)
{
	fix_checksum(s->data, s->len, 9);
}

/* Shorten a table's declared length, keeping its checksum right over the new length. */
static void seg_set_len(struct seg *s, uint32_t len)
{
	assert_true(len <= s->len);
	put32(s->data + 4, len);
	fix_checksum(s->data, len, 9);
}

static struct acpi_info INFO;

/* ---- QEMU captures ---------------------------------------------------------------------- */

static void check_qemu_common(const struct acpi_info *a)
{
	static const struct {
		uint8_t irq;
		uint32_t gsi;
		uint16_t flags;
	} iso[] = {{0, 2, 0}, {5, 5, 0xd}, {9, 9, 0xd}, {10, 10, 0xd}, {11, 11, 0xd}};

	assert_int_equal(a->rsdp_revision, 0);
	assert_string_equal(a->oem_id, "BOCHS ");
	assert_int_equal(a->bad_tables, 0);

	assert_true(a->has_madt);
	assert_int_equal(a->lapic_addr, 0xfee00000);
	assert_true(a->pcat_compat);
	assert_int_equal(a->ncpus, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(a->cpus[i].apic_id, i);
		assert_int_equal(a->cpus[i].uid, i);
		assert_true(a->cpus[i].enabled);
		assert_false(a->cpus[i].online_capable);
	}
	assert_int_equal(a->nioapics, 1);
	assert_int_equal(a->ioapics[0].id, 0);
	assert_int_equal(a->ioapics[0].addr, 0xfec00000);
	assert_int_equal(a->ioapics[0].gsi_base, 0);
	assert_int_equal(a->nisos, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(a->isos[i].bus_irq, iso[i].irq);
		assert_int_equal(a->isos[i].gsi, iso[i].gsi);
		assert_int_equal(a->isos[i].flags, iso[i].flags);
	}

	assert_true(a->has_hpet);
	assert_int_equal(a->hpet_addr, 0xfed00000);

	assert_true(a->has_fadt);
	assert_int_equal(a->pm1a_cnt, 0x604);
	assert_int_equal(a->pm1b_cnt, 0);
	assert_int_equal(a->pm_tmr_blk, 0x608);
	assert_false(a->pm_tmr_32bit); /* QEMU's PM timer is 24-bit */
	assert_int_equal(a->dsdt_phys, 0x7fe0040);
	/* QEMU's DSDT: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
	assert_true(a->has_s5);
	assert_int_equal(a->slp_typa, 0);
	assert_int_equal(a->slp_typb, 0);
}

static void test_qemu_pc(void **state)
{
	struct fakemem m;

	(void)state;
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	check_qemu_common(&INFO);
	assert_int_equal(INFO.ntables, 4); /* FACP APIC HPET WAET */
	/* PIIX4: ACPI 1.0 FADT (116 bytes), no reset register. */
	assert_int_equal(INFO.fadt_flags, 0x80a5);
	assert_int_equal(INFO.iapc_boot_arch, 0);
	assert_false(INFO.has_reset);
	assert_false(INFO.has_mcfg); /* i440fx has no ECAM: mechanism #1 only */
	assert_int_equal(INFO.nmcfg, 0);
	mem_free(&m);
}

static void test_qemu_q35(void **state)
{
	struct fakemem m;

	(void)state;
	load_capture(&m, "data/qemu-q35-smp4.acpi");
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	check_qemu_common(&INFO);
	assert_int_equal(INFO.ntables, 5); /* FACP APIC HPET MCFG WAET */
	assert_int_equal(INFO.fadt_flags, 0x84a5);
	assert_int_equal(INFO.iapc_boot_arch, 0x2); /* 8042 present */
	/* ICH9: reset via the 0xCF9 reset control register, value 0x0F (QEMU 7.2). */
	assert_true(INFO.has_reset);
	assert_int_equal(INFO.reset_reg.space, 1);
	assert_int_equal(INFO.reset_reg.bit_width, 8);
	assert_int_equal(INFO.reset_reg.bit_offset, 0);
	assert_int_equal(INFO.reset_reg.addr, 0xcf9);
	assert_int_equal(INFO.reset_value, 0x0f);
	/* Q35's ECAM: one window for segment 0, buses 0-255, at QEMU's MCH_HOST_BRIDGE_PCIEXBAR. */
	assert_true(INFO.has_mcfg);
	assert_int_equal(INFO.nmcfg, 1);
	assert_int_equal(INFO.bad_mcfg, 0);
	assert_int_equal(INFO.mcfg[0].base, 0xb0000000);
	assert_int_equal(INFO.mcfg[0].segment, 0);
	assert_int_equal(INFO.mcfg[0].start_bus, 0);
	assert_int_equal(INFO.mcfg[0].end_bus, 255);
	mem_free(&m);
}

/* ---- cloud VM tables (no RSDP/XSDT captured: build them) -------------------------------- */

#define CLOUD_XSDT 0x7000000ull
#define CLOUD_APIC 0x7001000ull
#define CLOUD_FACP 0x7002000ull
#define CLOUD_MCFG 0x7003000ull

static void load_cloudvm(struct fakemem *m)
{
	static const struct {
		const char *file;
		uint64_t phys;
	} t[] = {
		{"data/cloudvm-APIC.dat", CLOUD_APIC},
		{"data/cloudvm-FACP.dat", CLOUD_FACP},
		{"data/cloudvm-MCFG.dat", CLOUD_MCFG},
	};
	uint8_t xsdt[36 + 3 * 8] = "XSDT", rsdp[36] = "RSD PTR ";
	const struct seg *facp;
	uint64_t dsdt;
	uint8_t *buf;
	size_t len;

	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < 3; i++) {
		buf = read_file(t[i].file, &len);
		mem_add(m, t[i].phys, buf, len);
		put64(xsdt + 36 + 8 * i, t[i].phys);
		free(buf);
	}
	/* The DSDT goes wherever the FADT says it is. */
	facp = mem_find(m, "FACP");
	dsdt = facp->len >= 148 ? get64(facp->data + 140) : 0;
	if (!dsdt)
		dsdt = get32(facp->data + 40);
	assert_true(dsdt != 0);
	buf = read_file("data/cloudvm-DSDT.dat", &len);
	mem_add(m, dsdt, buf, len);
	free(buf);

	put32(xsdt + 4, sizeof(xsdt));
	xsdt[8] = 1;
	memcpy(xsdt + 10, "KEELTS", 6);
	fix_checksum(xsdt, sizeof(xsdt), 9);
	mem_add(m, CLOUD_XSDT, xsdt, sizeof(xsdt));

	memcpy(rsdp + 9, "KEELTS", 6);
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	put64(rsdp + 24, CLOUD_XSDT);
	fix_checksum(rsdp, 20, 8);
	fix_checksum(rsdp, 36, 32);
	m->rsdp = malloc(36);
	assert_non_null(m->rsdp);
	memcpy(m->rsdp, rsdp, 36);
	m->rsdp_len = 36;
}

static void test_cloudvm(void **state)
{
	struct fakemem m;

	(void)state;
	load_cloudvm(&m);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.rsdp_revision, 2);
	assert_string_equal(INFO.oem_id, "KEELTS");
	assert_int_equal(INFO.ntables, 3);
	assert_int_equal(INFO.bad_tables, 0);

	assert_true(INFO.has_madt);
	assert_int_equal(INFO.lapic_addr, 0xfee00000);
	assert_false(INFO.pcat_compat);
	assert_int_equal(INFO.ncpus, 2);
	assert_int_equal(INFO.cpus[0].apic_id, 0);
	assert_int_equal(INFO.cpus[1].apic_id, 1);
	assert_int_equal(INFO.cpus[1].uid, 1);
	assert_true(INFO.cpus[1].enabled);
	assert_int_equal(INFO.nioapics, 1);
	assert_int_equal(INFO.ioapics[0].addr, 0xfec00000);
	assert_int_equal(INFO.ioapics[0].gsi_base, 0);
	assert_int_equal(INFO.nisos, 0);
	assert_false(INFO.has_hpet);

	/* A hardware-reduced FADT (flags bit 20): no PM1 blocks, timer or reset register. */
	assert_true(INFO.has_fadt);
	assert_int_equal(INFO.fadt_flags, 0x00100030);
	assert_int_equal(INFO.iapc_boot_arch, 0x0004);
	assert_int_equal(INFO.pm1a_cnt, 0);
	assert_int_equal(INFO.pm_tmr_blk, 0);
	assert_false(INFO.has_reset);
	assert_int_equal(INFO.dsdt_phys, 0x9fd44);
	assert_false(INFO.has_s5); /* this DSDT defines no \_S5 */
	/* Firecracker's MCFG: a single bus. */
	assert_true(INFO.has_mcfg);
	assert_int_equal(INFO.nmcfg, 1);
	assert_int_equal(INFO.mcfg[0].base, 0xeec00000);
	assert_int_equal(INFO.mcfg[0].start_bus, 0);
	assert_int_equal(INFO.mcfg[0].end_bus, 0);
	mem_free(&m);
}

/* An MCFG of crafted entries: the bad ones are dropped and counted, a partial one is not read,
 * and past ACPI_MAX_MCFG good entries the rest are counted as dropped. */
static void test_mcfg_entries(void **state)
{
	static const struct {
		uint64_t base;
		uint16_t seg;
		uint8_t start, end;
	} e[] = {
		{0xb0000000, 0, 0, 255},	  /* good */
		{0, 1, 0, 255},			  /* zero base */
		{0xc0000000, 2, 10, 9},		  /* end before start */
		{0xc0001000, 3, 0, 0},		  /* not 1 MiB aligned */
		{0xfffffffffff00000ull, 4, 0, 1}, /* window wraps past 2^64 */
		{0xe0000000, 5, 1, 1},		  /* good */
		{0xe0100000, 6, 0, 0},		  /* good */
		{0xe0200000, 7, 0, 0},		  /* good */
		{0xe0300000, 8, 0, 0},		  /* good, but one past ACPI_MAX_MCFG */
	};
	size_t n = sizeof(e) / sizeof(e[0]), len = 44 + 16 * n + 8;
	struct fakemem m;
	struct seg *s;
	uint8_t *t;

	(void)state;
	load_cloudvm(&m);
	s = mem_find(&m, "MCFG");
	t = calloc(1, len);
	assert_non_null(t);
	memcpy(t, s->data, 36);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = t + 44 + 16 * i;

		put64(p, e[i].base);
		memcpy(p + 8, &e[i].seg, 2);
		p[10] = e[i].start;
		p[11] = e[i].end;
	}
	/* 8 trailing bytes: a partial entry whose base would be good. */
	put64(t + 44 + 16 * n, 0xd0000000);
	put32(t + 4, (uint32_t)len);
	free(s->data);
	s->data = t;
	s->len = len;
	seg_fix(s);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.bad_tables, 0);
	assert_true(INFO.has_mcfg);
	assert_int_equal(INFO.nmcfg, ACPI_MAX_MCFG);
	assert_int_equal(INFO.bad_mcfg, 5);
	assert_int_equal(INFO.mcfg[0].base, 0xb0000000);
	assert_int_equal(INFO.mcfg[1].segment, 5);
	assert_int_equal(INFO.mcfg[1].start_bus, 1);
	assert_int_equal(INFO.mcfg[3].segment, 7);

	/* Shorter than its fixed part: the table counts as bad and gives no windows. */
	seg_set_len(s, 40);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.bad_tables, 1);
	assert_false(INFO.has_mcfg);
	assert_int_equal(INFO.nmcfg, 0);
	mem_free(&m);
}

/* ---- corrupt input ---------------------------------------------------------------------- */

static void test_bad_rsdp(void **state)
{
	struct fakemem m;
	uint8_t r[36];

	(void)state;
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	assert_int_equal(m.rsdp_len, 20);
	memcpy(r, m.rsdp, 20);

	assert_int_equal(acpi_parse(NULL, 20, fake_map, &m, &INFO), -EINVAL);
	assert_int_equal(acpi_parse(r, 20, NULL, &m, &INFO), -EINVAL);
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, NULL), -EINVAL);
	assert_int_equal(acpi_parse(r, 19, fake_map, &m, &INFO), -EINVAL);
	assert_false(INFO.has_madt);

	/* Checksum. */
	r[10] ^= 0x40;
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, &INFO), -EINVAL);
	assert_int_equal(INFO.ntables, 0);
	r[10] ^= 0x40;
	/* Signature, checksum kept right. */
	r[0] = 'X';
	fix_checksum(r, 20, 8);
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, &INFO), -EINVAL);
	memcpy(r, m.rsdp, 20);
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, &INFO), 0);

	/* RSDT address nowhere. */
	put32(r + 16, 0x12345000);
	fix_checksum(r, 20, 8);
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, &INFO), -EINVAL);
	put32(r + 16, 0);
	fix_checksum(r, 20, 8);
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, &INFO), -EINVAL);

	/* RSDT corrupted. */
	memcpy(r, m.rsdp, 20);
	mem_find(&m, "RSDT")->data[20] ^= 1;
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, &INFO), -EINVAL);
	mem_free(&m);
}

static void test_bad_rsdp_v2(void **state)
{
	struct fakemem m;
	uint8_t r[40];
	struct seg *x;

	(void)state;
	load_cloudvm(&m);
	memcpy(r, m.rsdp, 36);

	/* Extended checksum wrong (first 20 bytes fine). */
	r[33] = 0x5a;
	assert_int_equal(acpi_parse(r, 36, fake_map, &m, &INFO), -EINVAL);
	/* ...but not checkable when only 20 bytes are given: the RSDT is used, and it is 0. */
	assert_int_equal(acpi_parse(r, 20, fake_map, &m, &INFO), -EINVAL);
	memcpy(r, m.rsdp, 36);
	/* Length field below 36. */
	put32(r + 20, 20);
	fix_checksum(r, 20, 8);
	fix_checksum(r, 36, 32);
	assert_int_equal(acpi_parse(r, 36, fake_map, &m, &INFO), -EINVAL);
	/* Length field beyond what we have: extended checksum skipped, XSDT used. */
	memcpy(r, m.rsdp, 36);
	put32(r + 20, 4096);
	fix_checksum(r, 20, 8);
	r[32] ^= 0x77;
	assert_int_equal(acpi_parse(r, 36, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ntables, 3);

	/* XSDT corrupted, no RSDT: invalid. */
	memcpy(r, m.rsdp, 36);
	x = mem_find(&m, "XSDT");
	x->data[40] ^= 1;
	assert_int_equal(acpi_parse(r, 36, fake_map, &m, &INFO), -EINVAL);

	/* XSDT corrupted, valid RSDT present: falls back to the RSDT. */
	{
		uint8_t rsdt[36 + 4] = "RSDT";

		put32(rsdt + 4, sizeof(rsdt));
		put32(rsdt + 36, (uint32_t)CLOUD_APIC);
		fix_checksum(rsdt, sizeof(rsdt), 9);
		mem_add(&m, 0x6000000, rsdt, sizeof(rsdt));
		put32(r + 16, 0x6000000);
		fix_checksum(r, 20, 8);
		fix_checksum(r, 36, 32);
		assert_int_equal(acpi_parse(r, 36, fake_map, &m, &INFO), 0);
		assert_int_equal(INFO.ntables, 1);
		assert_true(INFO.has_madt);
		assert_false(INFO.has_fadt);
		/* Revision 0 with the same RSDP: XSDT not even considered. */
		r[15] = 0;
		fix_checksum(r, 20, 8);
		x->data[40] ^= 1;
		assert_int_equal(acpi_parse(r, 36, fake_map, &m, &INFO), 0);
		assert_int_equal(INFO.ntables, 1);
	}
	mem_free(&m);
}

static void test_bad_table_checksum(void **state)
{
	struct fakemem m;

	(void)state;
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	mem_find(&m, "APIC")->data[50] ^= 0x10;
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ntables, 4);
	assert_int_equal(INFO.bad_tables, 1);
	assert_false(INFO.has_madt);
	assert_int_equal(INFO.ncpus, 0);
	assert_true(INFO.has_fadt);
	assert_true(INFO.has_hpet);
	assert_true(INFO.has_s5);
	mem_free(&m);

	/* Bad DSDT checksum: no _S5, counted. */
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	mem_find(&m, "DSDT")->data[100] ^= 0x01;
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.bad_tables, 1);
	assert_true(INFO.has_fadt);
	assert_int_equal(INFO.dsdt_phys, 0x7fe0040);
	assert_false(INFO.has_s5);
	mem_free(&m);
}

static void test_bad_table_length(void **state)
{
	static const uint32_t lens[] = {0, 1, 35, 16u << 20 | 1, 0xffffffff, 0x1000};
	struct fakemem m;

	(void)state;
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct seg *s;

		load_capture(&m, "data/qemu-q35-smp4.acpi");
		s = mem_find(&m, "HPET");
		put32(s->data + 4, lens[i]);
		seg_fix(s);
		assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
		assert_int_equal(INFO.ntables, 5);
		assert_int_equal(INFO.bad_tables, 1);
		assert_false(INFO.has_hpet);
		assert_true(INFO.has_madt);
		mem_free(&m);
	}

	/* Tables too short for their fixed fields, with a good checksum. */
	load_capture(&m, "data/qemu-q35-smp4.acpi");
	seg_set_len(mem_find(&m, "APIC"), 40);
	seg_set_len(mem_find(&m, "FACP"), 100);
	seg_set_len(mem_find(&m, "HPET"), 50);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.bad_tables, 3);
	assert_false(INFO.has_madt);
	assert_false(INFO.has_fadt);
	assert_false(INFO.has_hpet);
	assert_false(INFO.has_s5);
	mem_free(&m);
}

/* Build a MADT from entries and install it in place of the capture's (same address). */
static void replace_madt(struct fakemem *m, const uint8_t *body, size_t body_len, uint32_t lapic,
			 uint32_t flags)
{
	struct seg *s = mem_find(m, "APIC");
	uint8_t *t = calloc(1, 44 + body_len);

	assert_non_null(t);
	memcpy(t, s->data, 36);
	put32(t + 4, (uint32_t)(44 + body_len));
	put32(t + 36, lapic);
	put32(t + 40, flags);
	memcpy(t + 44, body, body_len);
	fix_checksum(t, 44 + body_len, 9);
	free(s->data);
	s->data = t;
	s->len = 44 + body_len;
}

/* Append one MADT entry's bytes to body at o. */
#define MADT_ENTRY(body, o, ...)                      \
	do {                                          \
		const uint8_t e_[] = {__VA_ARGS__};   \
		memcpy((body) + (o), e_, sizeof(e_)); \
		(o) += sizeof(e_);                    \
	} while (0)

static void test_madt_truncated(void **state)
{
	struct fakemem m;
	uint8_t body[64];
	size_t o;

	(void)state;
	/* Entry length 0, then 1, after one good entry: the walk stops, no hang. */
	for (uint8_t bad = 0; bad < 2; bad++) {
		o = 0;
		MADT_ENTRY(body, o, 0, 8, 0, 0, 1, 0, 0, 0);
		MADT_ENTRY(body, o, 0, bad, 1, 1, 1, 0, 0, 0);
		load_capture(&m, "data/qemu-pc-smp4.acpi");
		replace_madt(&m, body, o, 0xfee00000, 0);
		assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
		assert_true(INFO.has_madt);
		assert_int_equal(INFO.ncpus, 1);
		assert_int_equal(INFO.bad_tables, 0);
		mem_free(&m);
	}

	/* Entry running past the table end (an IOAPIC claiming 12 bytes, 1..6 left). */
	o = 0;
	MADT_ENTRY(body, o, 0, 8, 0, 0, 1, 0, 0, 0);
	MADT_ENTRY(body, o, 1, 12, 0, 0, 0, 0, 0xc0, 0xfe);
	for (size_t cut = 9; cut <= 14; cut++) {
		load_capture(&m, "data/qemu-pc-smp4.acpi");
		replace_madt(&m, body, cut, 0xfee00000, 1);
		assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
		assert_int_equal(INFO.ncpus, 1);
		assert_int_equal(INFO.nioapics, 0);
		assert_true(INFO.pcat_compat);
		mem_free(&m);
	}

	/* Entries shorter than their type needs are skipped, the walk goes on. */
	o = 0;
	MADT_ENTRY(body, o, 0, 4, 0, 0);			  /* LAPIC */
	MADT_ENTRY(body, o, 1, 6, 0, 0, 0, 0);			  /* IOAPIC */
	MADT_ENTRY(body, o, 2, 8, 0, 0, 2, 0, 0, 0);		  /* ISO */
	MADT_ENTRY(body, o, 9, 12, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0); /* x2APIC */
	MADT_ENTRY(body, o, 5, 8, 0, 0, 0, 0, 0, 0);		  /* LAPIC address override */
	MADT_ENTRY(body, o, 0, 8, 0, 0, 1, 0, 0, 0);
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	replace_madt(&m, body, o, 0xfee00000, 0);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ncpus, 1);
	assert_int_equal(INFO.nioapics, 0);
	assert_int_equal(INFO.nisos, 0);
	assert_int_equal(INFO.lapic_addr, 0xfee00000);
	mem_free(&m);

	/* An empty MADT (header + fixed fields only). */
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	replace_madt(&m, body, 0, 0xfee00000, 0);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_true(INFO.has_madt);
	assert_int_equal(INFO.ncpus, 0);
	mem_free(&m);
}

static void test_madt_entries(void **state)
{
	static uint8_t body[8 * 300 + 64];
	struct fakemem m;
	size_t o = 0;

	(void)state;
	/* Enabled, disabled, online-capable only, x2APIC, LAPIC address override, others. */
	MADT_ENTRY(body, o, 0, 8, 0, 0, 1, 0, 0, 0);
	MADT_ENTRY(body, o, 0, 8, 1, 1, 0, 0, 0, 0);
	MADT_ENTRY(body, o, 0, 8, 2, 2, 2, 0, 0, 0);
	MADT_ENTRY(body, o, 9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 0x34, 0x12, 0, 0);
	MADT_ENTRY(body, o, 5, 12, 0, 0, 0, 0, 0xe0, 0xfe, 1, 0, 0, 0);
	MADT_ENTRY(body, o, 4, 6, 0xff, 0, 0, 1); /* local APIC NMI: not collected */
	MADT_ENTRY(body, o, 0x7f, 3, 0);	  /* unknown type */
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	replace_madt(&m, body, o, 0xfee00000, 0);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ncpus, 3);
	assert_true(INFO.cpus[0].enabled);
	assert_int_equal(INFO.cpus[1].apic_id, 2);
	assert_false(INFO.cpus[1].enabled);
	assert_true(INFO.cpus[1].online_capable);
	assert_int_equal(INFO.cpus[2].apic_id, 0x100);
	assert_int_equal(INFO.cpus[2].uid, 0x1234);
	assert_true(INFO.cpus[2].enabled);
	assert_int_equal(INFO.lapic_addr, 0x1fee00000ull);
	mem_free(&m);

	/* More CPUs, IOAPICs and ISOs than fit. */
	o = 0;
	for (unsigned i = 0; i < 300; i++)
		MADT_ENTRY(body, o, 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0);
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	replace_madt(&m, body, o, 0xfee00000, 0);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(INFO.cpus[255].apic_id, 255);
	mem_free(&m);
	o = 0;
	for (unsigned i = 0; i < 12; i++)
		MADT_ENTRY(body, o, 1, 12, (uint8_t)i, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0);
	for (unsigned i = 0; i < 30; i++)
		MADT_ENTRY(body, o, 2, 10, 0, (uint8_t)i, (uint8_t)i, 0, 0, 0, 5, 0);
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	replace_madt(&m, body, o, 0xfee00000, 0);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(INFO.nisos, ACPI_MAX_ISOS);
	assert_int_equal(INFO.isos[23].gsi, 23);
	assert_int_equal(INFO.isos[23].flags, 5);
	mem_free(&m);
}

static uint32_t rng_state = 0x2545f491;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random MADT bodies with valid checksums: never crash, never overread, counts in range. */
static void test_madt_fuzz(void **state)
{
	static const uint8_t types[] = {0, 1, 2, 5, 9, 4, 0x7f};
	struct fakemem m;
	uint8_t body[96];

	(void)state;
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	for (int iter = 0; iter < 5000; iter++) {
		size_t len = rng() % sizeof(body);

		for (size_t i = 0; i < len; i++)
			body[i] = (uint8_t)rng();
		/* Bias towards plausible entry headers. */
		for (size_t i = 0; i + 1 < len; i += 2 + rng() % 14) {
			body[i] = types[rng() % sizeof(types)];
			body[i + 1] = (uint8_t)(rng() % 20);
		}
		replace_madt(&m, body, len, 0xfee00000, 0);
		assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
		assert_true(INFO.has_madt);
		assert_true(INFO.ncpus <= ACPI_MAX_CPUS);
		assert_true(INFO.nioapics <= ACPI_MAX_IOAPICS);
		assert_true(INFO.nisos <= ACPI_MAX_ISOS);
	}
	mem_free(&m);
}

/* Every single map() failure, wherever it hits, is survived. */
static void test_map_null(void **state)
{
	const char *files[] = {"data/qemu-pc-smp4.acpi", "data/qemu-q35-smp4.acpi"};
	struct fakemem m;

	(void)state;
	for (unsigned f = 0; f < 2; f++) {
		unsigned total;

		load_capture(&m, files[f]);
		assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
		total = m.calls;
		assert_true(total > 10);
		for (unsigned k = 1; k <= total; k++) {
			int rc;

			m.calls = 0;
			m.fail_call = k;
			rc = acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO);
			if (k <= 2) {
				assert_int_equal(rc, -EINVAL); /* the root table itself */
			} else {
				assert_int_equal(rc, 0);
				assert_true(INFO.bad_tables >= 1);
			}
		}
		m.fail_call = 0;

		/* A map() that never works. */
		m.fail_phys = 0;
		for (unsigned i = 0; i < m.nseg; i++)
			m.seg[i].phys ^= 0x40000000; /* move all memory away */
		assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), -EINVAL);
		mem_free(&m);
	}

	/* A DSDT that cannot be mapped. */
	load_capture(&m, "data/qemu-q35-smp4.acpi");
	m.fail_phys = 0x7fe0040 + 100;
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_true(INFO.has_fadt);
	assert_false(INFO.has_s5);
	assert_int_equal(INFO.bad_tables, 1);
	mem_free(&m);
}

/* Zero and absurd addresses in the root table, duplicates, truncated root tables. */
static void test_root_entries(void **state)
{
	struct fakemem m;
	struct seg *s;
	uint32_t n;

	(void)state;
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	s = mem_find(&m, "RSDT");
	n = (uint32_t)(s->len - 36) / 4;
	assert_int_equal(n, 4);
	/* Entry 0 -> address 0, entry 1 -> the HPET twice, entry 3 -> past 4 GiB (RSDT: 32-bit). */
	put32(s->data + 36, 0);
	put32(s->data + 40, (uint32_t)mem_find(&m, "HPET")->phys);
	put32(s->data + 44, (uint32_t)mem_find(&m, "HPET")->phys);
	put32(s->data + 48, 0xfffffffc);
	seg_fix(s);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ntables, 4);
	assert_int_equal(INFO.bad_tables, 2);
	assert_true(INFO.has_hpet);
	assert_false(INFO.has_fadt);
	assert_false(INFO.has_madt);

	/* Root table length not a multiple of the entry size: the partial entry is ignored. */
	mem_free(&m);
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	s = mem_find(&m, "RSDT");
	seg_set_len(s, (uint32_t)s->len - 2);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ntables, 3);
	mem_free(&m);

	/* Duplicate MADT: the first one wins, the second is counted but ignored. */
	load_capture(&m, "data/qemu-pc-smp4.acpi");
	{
		struct seg *madt = mem_find(&m, "APIC");
		uint8_t rsdt[36 + 8];
		uint8_t *copy = malloc(madt->len);

		assert_non_null(copy);
		memcpy(copy, madt->data, madt->len);
		copy[44 + 3] = 0x42; /* first LAPIC's APIC id */
		fix_checksum(copy, madt->len, 9);
		mem_add(&m, 0x100000, copy, madt->len);
		free(copy);
		s = mem_find(&m, "RSDT");
		memcpy(rsdt, s->data, 36);
		put32(rsdt + 4, sizeof(rsdt));
		put32(rsdt + 36, (uint32_t)madt->phys);
		put32(rsdt + 40, 0x100000);
		fix_checksum(rsdt, sizeof(rsdt), 9);
		free(s->data);
		s->data = malloc(sizeof(rsdt));
		assert_non_null(s->data);
		memcpy(s->data, rsdt, sizeof(rsdt));
		s->len = sizeof(rsdt);
	}
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.ntables, 2);
	assert_int_equal(INFO.ncpus, 4);
	assert_int_equal(INFO.cpus[0].apic_id, 0);
	mem_free(&m);
}

/* FADT variants: X_ blocks in memory space, reset register without the flag. */
static void test_fadt_variants(void **state)
{
	struct fakemem m;
	struct seg *s;

	(void)state;
	load_capture(&m, "data/qemu-q35-smp4.acpi");
	s = mem_find(&m, "FACP");
	assert_int_equal(s->len, 244);
	/* X_PM1a_CNT to memory space: fall back to the 32-bit field. */
	s->data[172] = 0;
	put64(s->data + 176, 0xfe000000);
	/* X_PM_TMR port changed: X_ wins when valid I/O. */
	put64(s->data + 212, 0x1808);
	/* Reset register supported but address 0. */
	put64(s->data + 120, 0);
	/* TMR_VAL_EXT. */
	s->data[113] |= 1;
	seg_fix(s);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_int_equal(INFO.pm1a_cnt, 0x604);
	assert_int_equal(INFO.pm_tmr_blk, 0x1808);
	assert_true(INFO.pm_tmr_32bit);
	assert_false(INFO.has_reset);

	/* Reset register present but RESET_REG_SUP clear. */
	mem_free(&m);
	load_capture(&m, "data/qemu-q35-smp4.acpi");
	s = mem_find(&m, "FACP");
	s->data[113] &= (uint8_t)~0x04;
	/* 32-bit PM1a field with an impossible port and no X_ field. */
	memset(s->data + 172, 0, 12);
	put32(s->data + 64, 0x12345);
	/* X_DSDT 0: the 32-bit DSDT field is used. */
	put64(s->data + 140, 0);
	seg_fix(s);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_false(INFO.has_reset);
	assert_int_equal(INFO.pm1a_cnt, 0);
	assert_int_equal(INFO.dsdt_phys, 0x7fe0040);
	assert_true(INFO.has_s5);

	/* DSDT pointer to a non-DSDT table: bad. */
	mem_free(&m);
	load_capture(&m, "data/qemu-q35-smp4.acpi");
	s = mem_find(&m, "FACP");
	put64(s->data + 140, mem_find(&m, "APIC")->phys);
	seg_fix(s);
	assert_int_equal(acpi_parse(m.rsdp, m.rsdp_len, fake_map, &m, &INFO), 0);
	assert_false(INFO.has_s5);
	assert_int_equal(INFO.bad_tables, 1);
	mem_free(&m);
}

/* ---- acpi_find_s5 ----------------------------------------------------------------------- */

static int find_s5_exact(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, aml, len);
	rc = acpi_find_s5(copy, len, a, b);
	free(copy);
	return rc;
}

/* AML snippets as string literals; S5(x) passes the bytes without the terminating NUL. */
#define S5(x) (const uint8_t *)(x), sizeof(x) - 1

/* Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero }) */
#define AML_ROOT "\x08\\_S5_\x12\x08\x04\x0a\x05\x0a\x05\x00\x00"
/* Name (_S5, Package () { One, 0x0007 as a word }) */
#define AML_WORD "\x08_S5_\x12\x07\x02\x01\x0b\x07\x00\x00"
/* A DWord and a QWord; the package claims 0x10 bytes from its length byte: 22 in all. */
#define AML_WIDE "\x08_S5_\x12\x10\x02\x0c\x03\x00\x00\x00\x0e\x04\x00\x00\x00\x00\x00\x00\x00"
/* Two-byte PkgLength: 0x4c 0x00 = 0x0c | 0x00 << 4. */
#define AML_PKG2 "\x08_S5_\x12\x4c\x00\x02\x0a\x06\x0a\x02\x00\x00\x00\x00\x00\x00\x00\x00"
/* A decoy "_S5_" not after NameOp, then one with a bad element, then the real one. */
#define AML_DECOY                              \
	"\x70_S5_\x12\x06\x02\x0a\x09\x0a\x09" \
	"\x08_S5_\x12\x06\x02\x99\x00"         \
	"\x08_S5_\x12\x04\x02\xff\x01"
/* One element only. */
#define AML_ONE "\x08_S5_\x12\x04\x01\x0a\x05\x00"
/* Package length smaller than its elements. */
#define AML_SHORTPKG "\x08_S5_\x12\x04\x02\x0a\x05\x0a\x05"
/* Package length beyond the buffer. */
#define AML_LONGPKG "\x08_S5_\x12\x3f\x02\x0a\x05\x0a\x05"

static void test_find_s5(void **state)
{
	uint8_t a = 0xaa, b = 0xbb;

	(void)state;
	assert_int_equal(find_s5_exact(S5(AML_ROOT), &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
	assert_int_equal(find_s5_exact(S5(AML_WORD), &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 7);
	assert_int_equal(find_s5_exact(S5(AML_WIDE), &a, &b), 0);
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
	assert_int_equal(find_s5_exact(S5(AML_PKG2), &a, &b), 0);
	assert_int_equal(a, 6);
	assert_int_equal(b, 2);
	assert_int_equal(find_s5_exact(S5(AML_DECOY), &a, &b), 0);
	assert_int_equal(a, 0xff);
	assert_int_equal(b, 1);

	a = b = 0xcc;
	assert_int_equal(find_s5_exact(S5(AML_ONE), &a, &b), -ENOENT);
	assert_int_equal(find_s5_exact(S5(AML_SHORTPKG), &a, &b), -ENOENT);
	assert_int_equal(find_s5_exact(S5(AML_LONGPKG), &a, &b), -ENOENT);
	assert_int_equal(a, 0xcc);
	assert_int_equal(acpi_find_s5(NULL, 10, &a, &b), -ENOENT);
	assert_int_equal(find_s5_exact((const uint8_t *)AML_ROOT, 0, &a, &b), -ENOENT);
	assert_int_equal(find_s5_exact((const uint8_t *)AML_ROOT, 3, &a, &b), -ENOENT);

	/* Every truncation of a valid encoding: found only once the whole package is there. */
	for (size_t n = 0; n <= sizeof(AML_ROOT) - 1; n++)
		assert_int_equal(find_s5_exact((const uint8_t *)AML_ROOT, n, &a, &b),
				 n == sizeof(AML_ROOT) - 1 ? 0 : -ENOENT);
	for (size_t n = 0; n <= sizeof(AML_WIDE) - 1; n++)
		assert_int_equal(find_s5_exact((const uint8_t *)AML_WIDE, n, &a, &b),
				 n == sizeof(AML_WIDE) - 1 ? 0 : -ENOENT);
}

static void test_find_s5_fuzz(void **state)
{
	uint8_t buf[48];
	uint8_t a, b;

	(void)state;
	for (int iter = 0; iter < 100000; iter++) {
		size_t len = rng() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		if (len >= 8) {
			size_t at = rng() % (len - 7);

			memcpy(buf + at, "\x08_S5_\x12", 6);
		}
		(void)find_s5_exact(buf, len, &a, &b);
	}
}

/* The QEMU DSDTs through acpi_find_s5 directly. */
static void test_find_s5_qemu(void **state)
{
	struct fakemem m;
	struct seg *s;
	uint8_t a = 0xaa, b = 0xbb;

	(void)state;
	load_capture(&m, "data/qemu-q35-smp4.acpi");
	s = mem_find(&m, "DSDT");
	assert_int_equal(find_s5_exact(s->data + 36, s->len - 36, &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
	mem_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_pc),		 cmocka_unit_test(test_qemu_q35),
		cmocka_unit_test(test_cloudvm),		 cmocka_unit_test(test_bad_rsdp),
		cmocka_unit_test(test_bad_rsdp_v2),	 cmocka_unit_test(test_bad_table_checksum),
		cmocka_unit_test(test_bad_table_length), cmocka_unit_test(test_madt_truncated),
		cmocka_unit_test(test_madt_entries),	 cmocka_unit_test(test_madt_fuzz),
		cmocka_unit_test(test_map_null),	 cmocka_unit_test(test_root_entries),
		cmocka_unit_test(test_fadt_variants),	 cmocka_unit_test(test_find_s5),
		cmocka_unit_test(test_find_s5_fuzz),	 cmocka_unit_test(test_find_s5_qemu),
		cmocka_unit_test(test_mcfg_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
