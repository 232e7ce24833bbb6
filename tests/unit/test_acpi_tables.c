/* Unit tests for hv/acpi_tables.h: tables parsed back by hand and by vmk/acpi.h, and dsdt.asl. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/le.h>
#include <vmk/acpi.h>
#include <vmk/errno.h>
#include <hv/acpi_pm.h>
#include <hv/acpi_tables.h>

#define BASE	   0xE0000ull
#define NCPUS_REAL 16 /* HV_MAX_VCPUS */
#define CAP	   0x10000u

/* A minimal DSDT: header and Name (\_S5, Package () {5, 5, 0, 0}); checksum left wrong on
 * purpose (the builder recomputes it). */
static const uint8_t fake_dsdt[] = {
	'D', 'S', 'D',	'T',  50,   0,	  0,	0,    2,    0x5A, 'T',	'E', 'S',
	'T', ' ', ' ',	'T',  'E',  'S',  'T',	'D',  'S',  'D',  'T',	1,   0,
	0,   0,	  'T',	'E',  'S',  'T',  1,	0,    0,    0,	  0x08, '_', 'S',
	'5', '_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00,
};

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The built image as guest memory at gpa .. gpa + len. */
struct image {
	uint8_t *buf;
	size_t len;
	uint64_t gpa;
};

/* The bytes at guest address @gpa, @len long, which must lie inside the image. */
static const uint8_t *at(const struct image *im, uint64_t gpa, size_t len)
{
	assert_true(gpa >= im->gpa);
	assert_true(gpa - im->gpa <= im->len);
	assert_true(len <= im->len - (gpa - im->gpa));
	return im->buf + (gpa - im->gpa);
}

/* A description header at @gpa: signature, length within the image, checksum; returns it. */
static const uint8_t *table(const struct image *im, uint64_t gpa, const char *sig, uint8_t rev)
{
	const uint8_t *t = at(im, gpa, 36);
	uint32_t len = le32(t + 4);

	assert_memory_equal(t, sig, 4);
	assert_true(len >= 36);
	t = at(im, gpa, len);
	assert_int_equal(sum(t, len), 0);
	assert_int_equal(t[8], rev);
	if (memcmp(sig, "DSDT", 4) != 0) /* the DSDT keeps its own OEM fields */
		assert_memory_equal(t + 10, "KEEL  ", 6);
	return t;
}

/* A generic address for an I/O port. */
static void check_gas(const uint8_t *g, uint16_t port, unsigned bits, unsigned access)
{
	assert_int_equal(g[0], 1); /* system I/O */
	assert_int_equal(g[1], bits);
	assert_int_equal(g[2], 0);
	assert_int_equal(g[3], access);
	assert_int_equal(le64(g + 4), port);
}

static int build(unsigned ncpus, const uint8_t *dsdt, size_t dsdt_len, uint8_t *buf, size_t cap,
		 uint64_t base, uint64_t *rsdp)
{
	struct acpi_cfg cfg;

	acpi_cfg_init(&cfg, ncpus, dsdt, dsdt_len);
	return acpi_tables_build(&cfg, buf, cap, base, rsdp);
}

/* Parse every table back by hand, independently of the builder's layout. */
static void check_tables(const struct image *im, uint64_t rsdp_gpa, unsigned ncpus,
			 const uint8_t *dsdt, size_t dsdt_len)
{
	const uint8_t *rsdp = at(im, rsdp_gpa, 36), *xsdt, *rsdt, *fadt = NULL, *madt = NULL, *facs;
	const uint8_t *d, *e, *end;
	unsigned nlapic = 0, nioapic = 0, niso = 0;
	uint64_t facs_gpa;

	/* RSDP: 16-byte aligned in the BIOS area, both checksums, revision 2. */
	assert_int_equal(rsdp_gpa & 15, 0);
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, 36), 0);
	assert_int_equal(rsdp[15], 2);
	assert_int_equal(le32(rsdp + 20), 36);

	/* XSDT and RSDT list the same two tables. */
	xsdt = table(im, le64(rsdp + 24), "XSDT", 1);
	rsdt = table(im, le32(rsdp + 16), "RSDT", 1);
	assert_int_equal(le32(xsdt + 4), 36 + 2 * 8);
	assert_int_equal(le32(rsdt + 4), 36 + 2 * 4);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t p = le64(xsdt + 36 + 8 * i);
		const uint8_t *t = at(im, p, 4);

		assert_int_equal(le32(rsdt + 36 + 4 * i), p);
		if (!memcmp(t, "FACP", 4))
			fadt = table(im, p, "FACP", 6);
		else
			madt = table(im, p, "APIC", 4);
	}
	assert_non_null(fadt);
	assert_non_null(madt);

	/* FADT: ACPI 6.0 size, not hardware-reduced, the PM device's ports. */
	assert_int_equal(le32(fadt + 4), 276);
	assert_int_equal(le16(fadt + 46), ACPI_PM_SCI_IRQ);
	assert_int_equal(le32(fadt + 48), 0); /* no SMI_CMD: ACPI mode always on */
	assert_int_equal(le32(fadt + 56), ACPI_PM_IO_BASE + ACPI_PM_PM1_STS);
	assert_int_equal(le32(fadt + 60), 0);
	assert_int_equal(le32(fadt + 64), ACPI_PM_IO_BASE + ACPI_PM_PM1_CNT);
	assert_int_equal(le32(fadt + 68), 0);
	assert_int_equal(le32(fadt + 76), ACPI_PM_IO_BASE + ACPI_PM_TMR);
	assert_int_equal(le32(fadt + 80), 0); /* no GPE0 */
	assert_int_equal(fadt[88], 4);
	assert_int_equal(fadt[89], 2);
	assert_int_equal(fadt[91], 4);
	assert_int_equal(fadt[92], 0);
	assert_true(le16(fadt + 96) > 100);
	assert_true(le16(fadt + 98) > 1000);
	assert_int_equal(fadt[108], 0x32);
	/* Legacy devices and no VGA; no 8042 (none emulated); the CMOS RTC is there. */
	assert_int_equal(le16(fadt + 109), 0x0005);
	/* WBINVD, PROC_C1, SLP_BUTTON, RESET_REG_SUP; PWR_BUTTON (4), TMR_VAL_EXT (8) and
	 * HW_REDUCED_ACPI (20) clear. */
	assert_int_equal(le32(fadt + 112), (1u << 0) | (1u << 2) | (1u << 5) | (1u << 10));
	check_gas(fadt + 116, 0xCF9, 8, 1);
	assert_int_equal(fadt[128], 0x06);
	check_gas(fadt + 148, 0x600, 32, 2);
	check_gas(fadt + 172, 0x604, 16, 2);
	check_gas(fadt + 208, 0x608, 32, 3);
	for (unsigned off = 160; off < 268; off += 12)
		if (off != 172 && off != 208)
			assert_int_equal(le64(fadt + off + 4), 0);

	/* FACS: both pointers agree, 64-byte aligned, 64 bytes. */
	facs_gpa = le32(fadt + 36);
	assert_int_equal(le64(fadt + 132), facs_gpa);
	assert_int_equal(facs_gpa & 63, 0);
	facs = at(im, facs_gpa, 64);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(le32(facs + 4), 64);

	/* DSDT: both pointers agree; the body is the caller's blob. */
	assert_int_equal(le64(fadt + 140), le32(fadt + 40));
	d = table(im, le32(fadt + 40), "DSDT", dsdt[8]);
	assert_int_equal(le32(d + 4), dsdt_len);
	assert_memory_equal(d + 36, dsdt + 36, dsdt_len - 36);

	/* MADT: LAPIC address, PCAT_COMPAT, and exactly these entries, tiling the table. */
	assert_int_equal(le32(madt + 36), 0xFEE00000);
	assert_int_equal(le32(madt + 40), 1);
	end = madt + le32(madt + 4);
	for (e = madt + 44; e < end; e += e[1]) {
		assert_true(e[1] >= 2);
		assert_true(e + e[1] <= end);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], nlapic); /* processor UID */
			assert_int_equal(e[3], nlapic); /* APIC id */
			assert_int_equal(le32(e + 4), 1);
			nlapic++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], ncpus);
			assert_int_equal(le32(e + 4), 0xFEC00000);
			assert_int_equal(le32(e + 8), 0);
			nioapic++;
			break;
		case 2:
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0);
			if (e[3] == 0) {
				assert_int_equal(le32(e + 4), 2);
				assert_int_equal(le16(e + 8), 0x5); /* edge, active high */
			} else {
				assert_int_equal(e[3], 9);
				assert_int_equal(le32(e + 4), 9);
				assert_int_equal(le16(e + 8), 0xD); /* level, active high */
			}
			niso++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	assert_ptr_equal(e, end);
	assert_int_equal(nlapic, ncpus);
	assert_int_equal(nioapic, 1);
	assert_int_equal(niso, 2);
}

/* acpi_map_fn over the image; NULL outside it. */
static const void *map_image(uint64_t phys, size_t len, void *ctx)
{
	const struct image *im = ctx;

	if (phys < im->gpa || phys - im->gpa > im->len || len > im->len - (phys - im->gpa))
		return NULL;
	return im->buf + (phys - im->gpa);
}

/* The host kernel's own ACPI parser as a second opinion. */
static void check_with_acpi_parse(const struct image *im, uint64_t rsdp_gpa, unsigned ncpus,
				  struct acpi_info *info)
{
	memset(info, 0xAA, sizeof(*info));
	assert_int_equal(acpi_parse(at(im, rsdp_gpa, 36), 36, map_image, (void *)im, info), 0);
	assert_int_equal(info->rsdp_revision, 2);
	assert_string_equal(info->oem_id, "KEEL  ");
	assert_int_equal(info->ntables, 2);
	assert_int_equal(info->bad_tables, 0);
	assert_true(info->has_madt);
	assert_int_equal(info->lapic_addr, 0xFEE00000);
	assert_true(info->pcat_compat);
	assert_int_equal(info->ncpus, ncpus);
	for (unsigned i = 0; i < ncpus; i++) {
		assert_int_equal(info->cpus[i].apic_id, i);
		assert_int_equal(info->cpus[i].uid, i);
		assert_true(info->cpus[i].enabled);
	}
	assert_int_equal(info->nioapics, 1);
	assert_int_equal(info->ioapics[0].id, ncpus);
	assert_int_equal(info->ioapics[0].addr, 0xFEC00000);
	assert_int_equal(info->ioapics[0].gsi_base, 0);
	assert_int_equal(info->nisos, 2);
	assert_int_equal(info->isos[0].bus_irq, 0);
	assert_int_equal(info->isos[0].gsi, 2);
	assert_int_equal(info->isos[1].bus_irq, 9);
	assert_int_equal(info->isos[1].gsi, 9);
	assert_int_equal(info->isos[1].flags, 0xD);
	assert_false(info->has_hpet);
	assert_true(info->has_fadt);
	assert_int_equal(info->iapc_boot_arch, ACPI_IAPC_KEEL);
	assert_int_equal(info->pm1a_cnt, 0x604);
	assert_int_equal(info->pm1b_cnt, 0);
	assert_int_equal(info->pm_tmr_blk, 0x608);
	assert_false(info->pm_tmr_32bit);
	assert_true(info->has_reset);
	assert_int_equal(info->reset_reg.space, 1);
	assert_int_equal(info->reset_reg.addr, 0xCF9);
	assert_int_equal(info->reset_value, 6);
	assert_true(info->has_s5);
	assert_int_equal(info->slp_typa, ACPI_PM_SLP_TYP_S5);
}

static void build_and_check(unsigned ncpus, uint64_t base)
{
	uint8_t *buf = malloc(CAP);
	uint64_t rsdp = 0;
	struct image im;
	struct acpi_info *info = malloc(sizeof(*info));
	int n;

	assert_non_null(buf);
	assert_non_null(info);
	memset(buf, 0x5C, CAP);
	n = build(ncpus, fake_dsdt, sizeof(fake_dsdt), buf, CAP, base, &rsdp);
	assert_true(n > 0);
	assert_true((size_t)n <= CAP);
	assert_int_equal(rsdp, base);
	/* Nothing past the returned length was touched. */
	for (size_t i = (size_t)n; i < CAP; i++)
		assert_int_equal(buf[i], 0x5C);
	im = (struct image){buf, (size_t)n, base};
	check_tables(&im, rsdp, ncpus, fake_dsdt, sizeof(fake_dsdt));
	check_with_acpi_parse(&im, rsdp, ncpus, info);
	free(info);
	free(buf);
}

static void test_one_cpu(void **state)
{
	(void)state;
	build_and_check(1, BASE);
}

static void test_four_cpus(void **state)
{
	(void)state;
	build_and_check(4, BASE);
}

/* Every vCPU count the MADT can describe, and bases that move the FACS alignment padding. */
static void test_cpu_counts_and_bases(void **state)
{
	static const unsigned counts[] = {2, 3, 16, 100, ACPI_TABLES_MAX_CPUS - 1};
	static const uint64_t bases[] = {0xE0010, 0xE0020, 0xE0030, 0xF0000, 0x9FC00};

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		build_and_check(counts[i], BASE);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		build_and_check(4, bases[i]);
}

/* The 255-CPU MADT: acpi_parse keeps up to ACPI_MAX_CPUS, the hand parser checks them all. */
static void test_max_cpus(void **state)
{
	uint8_t *buf = malloc(CAP);
	uint64_t rsdp;
	struct image im;
	int n;

	(void)state;
	assert_non_null(buf);
	n = build(ACPI_TABLES_MAX_CPUS, fake_dsdt, sizeof(fake_dsdt), buf, CAP, BASE, &rsdp);
	assert_true(n > 0 && n < 0x1000);
	im = (struct image){buf, (size_t)n, BASE};
	/* The I/O APIC id is 255 here: check_tables expects ncpus. */
	check_tables(&im, rsdp, ACPI_TABLES_MAX_CPUS, fake_dsdt, sizeof(fake_dsdt));
	free(buf);
}

/* A guest that ignores the XSDT (or one whose XSDT is damaged) finds the same via the RSDT. */
static void test_rsdt_fallback(void **state)
{
	uint8_t *buf = malloc(CAP);
	struct acpi_info *info = malloc(sizeof(*info));
	uint64_t rsdp;
	struct image im;
	int n;

	(void)state;
	assert_non_null(buf);
	assert_non_null(info);
	n = build(4, fake_dsdt, sizeof(fake_dsdt), buf, CAP, BASE, &rsdp);
	assert_true(n > 0);
	im = (struct image){buf, (size_t)n, BASE};
	buf[le64(buf + 24) - BASE + 9] ^= 0x55; /* break the XSDT checksum */
	assert_int_equal(acpi_parse(buf, 36, map_image, &im, info), 0);
	assert_int_equal(info->ncpus, 4);
	assert_true(info->has_fadt);
	assert_true(info->has_s5);
	free(info);
	free(buf);
}

/* A 32-bit timer (the host's, when guests read it directly) is TMR_VAL_EXT, as the host's own
 * parser reads it back; the default is 24 bits. */
static void test_pm_timer_width(void **state)
{
	uint8_t *buf = malloc(CAP);
	struct acpi_info *info = malloc(sizeof(*info));
	struct acpi_cfg cfg;
	struct image im;
	uint64_t rsdp;
	int n;

	(void)state;
	assert_non_null(buf);
	assert_non_null(info);
	for (int wide = 0; wide < 2; wide++) {
		acpi_cfg_init(&cfg, 2, fake_dsdt, sizeof(fake_dsdt));
		cfg.pm_tmr_32bit = wide;
		n = acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp);
		assert_true(n > 0);
		im = (struct image){buf, (size_t)n, BASE};
		assert_int_equal(acpi_parse(at(&im, rsdp, 36), 36, map_image, &im, info), 0);
		assert_int_equal(info->pm_tmr_blk, ACPI_PM_IO_BASE + ACPI_PM_TMR);
		assert_int_equal(info->pm_tmr_32bit, wide);
	}
	free(info);
	free(buf);
}

/* -E2BIG below the exact size, success at it, and never a byte past @cap (the buffer is
 * exactly @cap long, so ASan sees any overrun). */
static void test_capacity(void **state)
{
	uint8_t *big = malloc(CAP);
	uint64_t rsdp;
	int need;

	(void)state;
	assert_non_null(big);
	need = build(4, fake_dsdt, sizeof(fake_dsdt), big, CAP, BASE, &rsdp);
	assert_true(need > 0);
	free(big);
	for (size_t cap = 0; cap <= (size_t)need; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);
		int r = build(4, fake_dsdt, sizeof(fake_dsdt), b, cap, BASE, &rsdp);

		assert_non_null(b);
		assert_int_equal(r, cap < (size_t)need ? -E2BIG : need);
		free(b);
	}
}

/* Bad configurations and arguments. */
static void test_invalid(void **state)
{
	uint8_t *buf = malloc(CAP);
	uint8_t bad[sizeof(fake_dsdt)];
	struct acpi_cfg cfg;
	uint64_t rsdp;

	(void)state;
	assert_non_null(buf);
	acpi_cfg_init(&cfg, 0, fake_dsdt, sizeof(fake_dsdt));
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp), -EINVAL);
	acpi_cfg_init(&cfg, ACPI_TABLES_MAX_CPUS + 1, fake_dsdt, sizeof(fake_dsdt));
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp), -EINVAL);
	acpi_cfg_init(&cfg, 1, NULL, 0);
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp), -EINVAL);
	acpi_cfg_init(&cfg, 1, fake_dsdt, 35);
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp), -EINVAL);
	acpi_cfg_init(&cfg, 1, fake_dsdt, sizeof(fake_dsdt) - 1); /* length field disagrees */
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp), -EINVAL);
	memcpy(bad, fake_dsdt, sizeof(bad));
	bad[0] = 'S';
	acpi_cfg_init(&cfg, 1, bad, sizeof(bad));
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp), -EINVAL);
	acpi_cfg_init(&cfg, 1, fake_dsdt, sizeof(fake_dsdt));
	cfg.sci_irq = 16;
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, &rsdp), -EINVAL);
	acpi_cfg_init(&cfg, 1, fake_dsdt, sizeof(fake_dsdt));
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE + 8, &rsdp), -EINVAL);
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, 0xFFFFFF00, &rsdp), -EINVAL);
	assert_true(acpi_tables_build(&cfg, buf, CAP, 0xFFFFF000, &rsdp) >
		    0); /* fits below 4 GiB */
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, 1ull << 32, &rsdp), -EINVAL);
	assert_int_equal(acpi_tables_build(&cfg, buf, CAP, BASE, NULL), -EINVAL);
	assert_int_equal(acpi_tables_build(&cfg, NULL, CAP, BASE, &rsdp), -EINVAL);
	assert_int_equal(acpi_tables_build(NULL, buf, CAP, BASE, &rsdp), -EINVAL);
	free(buf);
}

/* A minimal AML reader for the compiled DSDT: only what iasl emits for dsdt.asl. */
struct aml {
	const uint8_t *p, *end;
};

static size_t aml_left(const struct aml *a)
{
	return (size_t)(a->end - a->p);
}

static uint8_t aml_byte(struct aml *a)
{
	assert_true(a->p < a->end);
	return *a->p++;
}

/* PkgLength: returns the end of the package it opens (it counts itself). */
static const uint8_t *aml_pkg_end(struct aml *a)
{
	const uint8_t *start = a->p;
	uint8_t lead = aml_byte(a);
	unsigned extra = lead >> 6;
	uint32_t len = extra ? lead & 0x0F : lead & 0x3F;

	for (unsigned i = 0; i < extra; i++)
		len |= (uint32_t)aml_byte(a) << (4 + 8 * i);
	assert_true(len <= (size_t)(a->end - start));
	return start + len;
}

static uint64_t aml_int(struct aml *a)
{
	uint8_t op = aml_byte(a);
	uint64_t v = 0;
	unsigned n = 0;

	switch (op) {
	case 0x00:
		return 0;
	case 0x01:
		return 1;
	case 0xFF:
		return UINT64_MAX;
	case 0x0A:
		n = 1;
		break;
	case 0x0B:
		n = 2;
		break;
	case 0x0C:
		n = 4;
		break;
	case 0x0E:
		n = 8;
		break;
	default:
		fail_msg("not an integer: opcode 0x%02x", op);
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)aml_byte(a) << (8 * i);
	return v;
}

/* The object after NameOp "name" (exactly one occurrence). */
static struct aml aml_find_name(const uint8_t *aml, size_t len, const char *name)
{
	const uint8_t *hit = NULL;

	for (size_t i = 0; i + 5 <= len; i++) {
		if (aml[i] == 0x08 && memcmp(aml + i + 1, name, 4) == 0) {
			assert_null(hit);
			hit = aml + i + 5;
		}
	}
	if (!hit)
		fail_msg("%s not found in the DSDT", name);
	return (struct aml){hit, aml + len};
}

/* The compiled DSDT: a valid table whose \_S5 is the PM device's, and the PCI host bridge. */
static void test_dsdt_header_s5_hid(void **state)
{
	uint8_t typa = 0xEE, typb = 0xEE;
	struct aml a;

	(void)state;
	assert_true(hv_dsdt_aml_len > 36);
	assert_memory_equal(hv_dsdt_aml, "DSDT", 4);
	assert_int_equal(le32(hv_dsdt_aml + 4), hv_dsdt_aml_len);
	assert_int_equal(sum(hv_dsdt_aml, hv_dsdt_aml_len), 0);
	assert_int_equal(hv_dsdt_aml[8], 2); /* 64-bit integers */
	assert_int_equal(acpi_find_s5(hv_dsdt_aml + 36, hv_dsdt_aml_len - 36, &typa, &typb), 0);
	assert_int_equal(typa, ACPI_PM_SLP_TYP_S5);
	assert_int_equal(typb, ACPI_PM_SLP_TYP_S5);
	/* _HID EisaId ("PNP0A03"), _UID/_BBN/_SEG 0 */
	a = aml_find_name(hv_dsdt_aml, hv_dsdt_aml_len, "_HID");
	assert_int_equal(aml_int(&a), 0x030AD041);
	a = aml_find_name(hv_dsdt_aml, hv_dsdt_aml_len, "_UID");
	assert_int_equal(aml_int(&a), 0);
	a = aml_find_name(hv_dsdt_aml, hv_dsdt_aml_len, "_BBN");
	assert_int_equal(aml_int(&a), 0);
	a = aml_find_name(hv_dsdt_aml, hv_dsdt_aml_len, "_SEG");
	assert_int_equal(aml_int(&a), 0);
	/* PCI0 is a device under \_SB. */
	assert_non_null(memmem(hv_dsdt_aml, hv_dsdt_aml_len, "_SB_", 4));
	assert_non_null(memmem(hv_dsdt_aml, hv_dsdt_aml_len, "PCI0", 4));
}

/* _CRS: bus 0-0, 0xCF8-0xCFF consumed, the I/O and MMIO windows of hv/acpi_tables.h. */
static void test_dsdt_crs(void **state)
{
	struct aml a;
	const uint8_t *end;
	unsigned nbus = 0, nio = 0, nwin_io = 0, nwin_mem = 0;
	uint64_t bufsize;
	bool tag_end = false;

	(void)state;
	a = aml_find_name(hv_dsdt_aml, hv_dsdt_aml_len, "_CRS");
	assert_int_equal(aml_byte(&a), 0x11); /* BufferOp */
	end = aml_pkg_end(&a);
	a.end = end;
	bufsize = aml_int(&a);
	assert_int_equal(bufsize, aml_left(&a));
	while (!tag_end) {
		uint8_t tag = aml_byte(&a);

		if (tag & 0x80) { /* large resource */
			uint16_t len;
			const uint8_t *d;

			len = aml_byte(&a);
			len |= (uint16_t)(aml_byte(&a) << 8);
			d = a.p;

			assert_true(len <= aml_left(&a));
			a.p += len;
			/* General flags: producer (bit 0 clear), MinFixed and MaxFixed set. */
			assert_int_equal(d[1] & 0x0D, 0x0C);
			if (tag == 0x88 && d[0] == 2) { /* WordBusNumber */
				assert_int_equal(le16(d + 5), 0);
				assert_int_equal(le16(d + 7), 0);
				assert_int_equal(le16(d + 11), 1);
				nbus++;
			} else if (tag == 0x88 && d[0] == 1) { /* WordIO window */
				uint16_t min = le16(d + 5), max = le16(d + 7);

				assert_int_equal(le16(d + 11), max - min + 1);
				if (nwin_io++ == 0) {
					assert_int_equal(min, 0);
					assert_int_equal(max, 0xCF7);
				} else {
					assert_int_equal(min, 0xD00);
					assert_int_equal(max, 0xFFFF);
					assert_true(min <= ACPI_PCI_IO_BASE);
					assert_true(max >= ACPI_PCI_IO_LIMIT);
				}
			} else if (tag == 0x87 && d[0] == 0) { /* DWordMemory */
				assert_int_equal(le32(d + 7), ACPI_PCI_MMIO_BASE);
				assert_int_equal(le32(d + 11), ACPI_PCI_MMIO_LIMIT);
				assert_int_equal(le32(d + 19),
						 ACPI_PCI_MMIO_LIMIT - ACPI_PCI_MMIO_BASE + 1);
				assert_true(ACPI_PCI_MMIO_LIMIT < ACPI_IOAPIC_ADDR);
				nwin_mem++;
			} else {
				fail_msg("unexpected large resource 0x%02x", tag);
			}
		} else {
			unsigned type = (tag >> 3) & 0xF, len = tag & 7;
			const uint8_t *d = a.p;

			assert_true(len <= aml_left(&a));
			a.p += len;
			if (type == 0x08) { /* IO */
				assert_int_equal(len, 7);
				assert_int_equal(le16(d + 1), 0xCF8);
				assert_int_equal(le16(d + 3), 0xCF8);
				assert_int_equal(d[6], 8);
				nio++;
			} else {
				assert_int_equal(type, 0x0F); /* end tag */
				tag_end = true;
			}
		}
	}
	assert_int_equal(aml_left(&a), 0);
	assert_int_equal(nbus, 1);
	assert_int_equal(nio, 1);
	assert_int_equal(nwin_io, 2);
	assert_int_equal(nwin_mem, 1);
}

/* _PRT: every slot 1..31, pin 0..3 exactly once, to ACPI_PCI_INTX_GSI, no link device. */
static void test_dsdt_prt(void **state)
{
	bool seen[32][4] = {{false}};
	struct aml a;
	unsigned n;

	(void)state;
	a = aml_find_name(hv_dsdt_aml, hv_dsdt_aml_len, "_PRT");
	assert_int_equal(aml_byte(&a), 0x12); /* PackageOp */
	a.end = aml_pkg_end(&a);
	n = aml_byte(&a);
	assert_int_equal(n, 31 * 4);
	for (unsigned i = 0; i < n; i++) {
		struct aml e = a;
		uint64_t addr, pin, src, gsi;

		assert_int_equal(aml_byte(&e), 0x12);
		e.end = aml_pkg_end(&e);
		assert_int_equal(aml_byte(&e), 4);
		addr = aml_int(&e);
		pin = aml_int(&e);
		src = aml_int(&e);
		gsi = aml_int(&e);
		assert_int_equal(aml_left(&e), 0);
		a.p = e.end;
		assert_int_equal(addr & 0xFFFF, 0xFFFF);
		assert_true((addr >> 16) >= 1 && (addr >> 16) <= 31);
		assert_true(pin <= 3);
		assert_int_equal(src, 0);
		assert_int_equal(gsi, ACPI_PCI_INTX_GSI(addr >> 16, pin));
		assert_true(gsi >= 16 && gsi < ACPI_IOAPIC_PINS);
		assert_false(seen[addr >> 16][pin]);
		seen[addr >> 16][pin] = true;
	}
	assert_int_equal(aml_left(&a), 0);
	/* The swizzle: neighbours' INTA differ, a device's four pins differ. */
	assert_int_equal(ACPI_PCI_INTX_GSI(1, 0), 17);
	assert_int_equal(ACPI_PCI_INTX_GSI(7, 0), 23);
	assert_int_equal(ACPI_PCI_INTX_GSI(8, 0), 16);
	assert_int_equal(ACPI_PCI_INTX_GSI(31, 3), 18);
}

/* The real DSDT inside the real tables, through acpi_parse. */
static void test_tables_with_real_dsdt(void **state)
{
	uint8_t *buf = malloc(ACPI_TABLES_MAX_SIZE);
	struct acpi_info *info = malloc(sizeof(*info));
	uint64_t rsdp;
	struct image im;
	int n;

	(void)state;
	assert_non_null(buf);
	assert_non_null(info);
	n = build(NCPUS_REAL, hv_dsdt_aml, hv_dsdt_aml_len, buf, ACPI_TABLES_MAX_SIZE,
		  ACPI_TABLES_GPA, &rsdp);
	assert_true(n > 0);
	im = (struct image){buf, (size_t)n, ACPI_TABLES_GPA};
	check_tables(&im, rsdp, NCPUS_REAL, hv_dsdt_aml, hv_dsdt_aml_len);
	check_with_acpi_parse(&im, rsdp, NCPUS_REAL, info);
	free(info);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_four_cpus),
		cmocka_unit_test(test_cpu_counts_and_bases),
		cmocka_unit_test(test_max_cpus),
		cmocka_unit_test(test_rsdt_fallback),
		cmocka_unit_test(test_pm_timer_width),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_dsdt_header_s5_hid),
		cmocka_unit_test(test_dsdt_crs),
		cmocka_unit_test(test_dsdt_prt),
		cmocka_unit_test(test_tables_with_real_dsdt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
