/* Unit tests for hv/linux_boot.h: synthetic bzImages, hostile headers, and Debian's real kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/le.h>
#include <vmk/errno.h>
#include <hv/linux_boot.h>

#define MIB	    (1024ull * 1024)
#define MEM	    (64 * MIB)
#define PREF	    0x1000000ull
#define INIT_SIZE   (4 * MIB)
#define PAYLOAD	    (12345 * 16) /* syssize * 16 */
#define SETUP_SECT  4
#define RSDP	    0xE0000ull
#define REAL_KERNEL "../../build/linux/vmlinuz" /* tests run in tests/unit */

/* Guest memory: a host buffer of the configured size; writes outside it fail the test (the
 * loader must never try), and each write range is recorded for the "no stray writes" check. */
#define MAX_WRITES 64

struct range {
	uint64_t start, end;
};

struct guest {
	uint8_t *ram;
	uint64_t size;
	bool owned;
	uint64_t fail_at; /* a write touching this address fails with -EFAULT; 0 never */
	struct range writes[MAX_WRITES];
	unsigned nwrites;
};

static int guest_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct guest *g = ctx;

	assert_true(gpa <= g->size && len <= g->size - gpa);
	if (g->fail_at && g->fail_at >= gpa && g->fail_at - gpa < len)
		return -EFAULT;
	memcpy(g->ram + gpa, src, len);
	/* Merge with the previous write when contiguous (chunked copies). */
	if (g->nwrites && g->writes[g->nwrites - 1].end == gpa) {
		g->writes[g->nwrites - 1].end += len;
	} else {
		assert_true(g->nwrites < MAX_WRITES);
		g->writes[g->nwrites++] = (struct range){gpa, gpa + len};
	}
	return 0;
}

/* A file in host memory; reads past its size fail the test, chunks are at most 4 KiB. */
struct file {
	const uint8_t *data;
	uint64_t size;
	unsigned reads;
	unsigned fail_read; /* the Nth read (1-based) returns -EIO; 0 never */
};

static int file_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	struct file *f = ctx;

	assert_true(off <= f->size && len <= f->size - off);
	assert_true(len <= 4096);
	if (++f->reads == f->fail_read)
		return -EIO;
	memcpy(dst, f->data + off, len);
	return 0;
}

/* A synthetic bzImage shaped like a 6.1 kernel's: protocol 2.15, setup_sects 4, relocatable,
 * 64-bit entry; fields the loader must pass through carry recognisable values; bytes past the
 * header's end carry junk the loader must not copy.  Caller frees. */
static uint8_t *make_image(size_t *len)
{
	size_t setup = (SETUP_SECT + 1) * 512;
	uint8_t *img = malloc(setup + PAYLOAD);

	assert_non_null(img);
	memset(img, 0, setup);
	memset(img + 0x26C, 0xAB, 0x290 - 0x26C);
	for (size_t i = 0; i < PAYLOAD; i++)
		img[setup + i] = (uint8_t)(i * 7 + 3);
	img[0x1F1] = SETUP_SECT;
	put_le16(img + 0x1F2, 1); /* root_flags */
	put_le32(img + 0x1F4, PAYLOAD / 16);
	put_le16(img + 0x1FC, 0x0801); /* root_dev */
	put_le16(img + 0x1FE, 0xAA55);
	img[0x200] = 0xEB;
	img[0x201] = 0x6A; /* header ends at 0x26C */
	memcpy(img + 0x202, "HdrS", 4);
	put_le16(img + 0x206, 0x020F);
	put_le16(img + 0x20E, 0x1234); /* kernel_version */
	img[0x211] =
		0x01 | 0x20 | 0x40 | 0x80; /* LOADED_HIGH, QUIET, KEEP_SEGMENTS, CAN_USE_HEAP */
	put_le32(img + 0x214, 0x100000);   /* code32_start */
	put_le32(img + 0x22C, 0x7FFFFFFF); /* initrd_addr_max */
	put_le32(img + 0x230, 0x200000);   /* kernel_alignment */
	img[0x234] = 1;			   /* relocatable_kernel */
	img[0x235] = 21;		   /* min_alignment */
	put_le16(img + 0x236, 0x7F);	   /* xloadflags: KERNEL_64 and more */
	put_le32(img + 0x238, 2047);	   /* cmdline_size */
	put_le64(img + 0x250, 0xDEADBEEF); /* setup_data: the loader owns it */
	put_le64(img + 0x258, PREF);
	put_le32(img + 0x260, INIT_SIZE);
	put_le32(img + 0x264, 0x190);  /* handover_offset */
	put_le32(img + 0x268, 0x5A5A); /* kernel_info_offset */
	*len = setup + PAYLOAD;
	return img;
}

struct run {
	struct guest g;
	struct file kf, rf;
	struct linux_boot_src k, r;
	struct linux_boot_cfg cfg;
	struct hvdev_mem mem;
	struct linux_boot_entry out;
};

/* @ram: the guest's memory, or NULL for a fresh zeroed buffer that run_free frees. */
static void run_init_ram(struct run *r, const uint8_t *img, size_t len, const uint8_t *initrd,
			 size_t initrd_len, uint64_t mem_size, uint8_t *ram)
{
	memset(r, 0, sizeof(*r));
	r->g.size = mem_size;
	r->g.ram = ram ? ram : calloc(1, mem_size);
	r->g.owned = !ram;
	assert_non_null(r->g.ram);
	r->kf = (struct file){img, len, 0, 0};
	r->rf = (struct file){initrd, initrd_len, 0, 0};
	r->k = (struct linux_boot_src){len, file_read, &r->kf};
	r->r = (struct linux_boot_src){initrd_len, file_read, &r->rf};
	r->cfg = (struct linux_boot_cfg){mem_size, RSDP, 0xE0000, 0x10000};
	r->mem = (struct hvdev_mem){NULL, guest_write, &r->g};
}

static void run_init(struct run *r, const uint8_t *img, size_t len, const uint8_t *initrd,
		     size_t initrd_len, uint64_t mem_size)
{
	run_init_ram(r, img, len, initrd, initrd_len, mem_size, NULL);
}

static int run_load(struct run *r, bool with_initrd, const char *cmdline)
{
	return linux_boot_load(&r->k, with_initrd ? &r->r : NULL, cmdline, &r->cfg, &r->mem,
			       &r->out);
}

static void run_free(struct run *r)
{
	if (r->g.owned)
		free(r->g.ram);
}

/* Every guest write lies inside one of the places the loader may write. */
static void check_writes(const struct run *r, uint64_t kernel_len)
{
	const struct range ok[] = {
		{LINUX_BOOT_GDT_GPA, LINUX_BOOT_GDT_GPA + 32},
		{LINUX_BOOT_ZERO_PAGE_GPA, LINUX_BOOT_ZERO_PAGE_GPA + 4096},
		{LINUX_BOOT_PGT_GPA, LINUX_BOOT_PGT_GPA + 6 * 4096},
		{LINUX_BOOT_CMDLINE_GPA, LINUX_BOOT_CMDLINE_GPA + LINUX_BOOT_CMDLINE_MAX},
		{r->out.kernel_addr, r->out.kernel_addr + kernel_len},
		{r->out.initrd_addr, r->out.initrd_addr + r->out.initrd_size},
	};

	for (unsigned i = 0; i < r->g.nwrites; i++) {
		const struct range *w = &r->g.writes[i];
		bool inside = false;

		for (size_t j = 0; j < sizeof(ok) / sizeof(ok[0]); j++)
			inside |= w->start >= ok[j].start && w->end <= ok[j].end;
		if (!inside)
			fail_msg("stray write [%#llx, %#llx)", (unsigned long long)w->start,
				 (unsigned long long)w->end);
	}
}

/* Walk the page tables at CR3 for @va: returns the physical address or ~0 if unmapped. */
static uint64_t translate(const struct run *r, uint64_t va)
{
	const uint8_t *ram = r->g.ram;
	uint64_t pml4e = le64(ram + r->out.cr3 + 8 * ((va >> 39) & 511));
	uint64_t pdpte, pde;

	if (!(pml4e & 1))
		return ~0ull;
	pdpte = le64(ram + (pml4e & ~0xFFFull) + 8 * ((va >> 30) & 511));
	if (!(pdpte & 1) || (pdpte & 0x80))
		return ~0ull;
	pde = le64(ram + (pdpte & ~0xFFFull) + 8 * ((va >> 21) & 511));
	if (!(pde & 1) || !(pde & 0x80) || !(pde & 2))
		return ~0ull;
	return (pde & ~0x1FFFFFull) + (va & 0x1FFFFF);
}

/* The vCPU state and what every successful load leaves in low memory. */
static void check_common(const struct run *r, const uint8_t *img, uint64_t mem_size,
			 const char *cmdline)
{
	const uint8_t *zp = r->g.ram + LINUX_BOOT_ZERO_PAGE_GPA, *gdt = r->g.ram + 0x500;
	uint64_t pref = le64(img + 0x258);
	uint8_t e820_n = zp[0x1E8];

	assert_int_equal(r->out.rip, pref + 0x200);
	assert_int_equal(r->out.rsi, 0x7000);
	assert_int_equal(r->out.cr3, 0x9000);
	assert_int_equal(r->out.gdt_base, 0x500);
	assert_int_equal(r->out.gdt_limit, 31);
	assert_int_equal(r->out.cs, 0x10);
	assert_int_equal(r->out.ds, 0x18);
	assert_true(r->out.cr0 & (1ull << 31)); /* PG */
	assert_true(r->out.cr0 & 1);		/* PE */
	assert_true(r->out.cr4 & (1ull << 5));	/* PAE */
	assert_int_equal(r->out.efer & 0x500, 0x500);
	assert_int_equal(r->out.rflags & 0x200, 0); /* IF clear */
	assert_int_equal(r->out.protocol, le16(img + 0x206));
	assert_int_equal(r->out.kernel_addr, pref);
	assert_int_equal(r->out.kernel_end, pref + le32(img + 0x260));
	assert_true(r->out.kernel_end <= mem_size);

	/* GDT: null, null, 64-bit code at 0x10, data at 0x18. */
	assert_int_equal(le64(gdt), 0);
	assert_int_equal(le64(gdt + 8), 0);
	assert_int_equal(le64(gdt + 0x10), 0x00AF9B000000FFFFull);
	assert_int_equal(le64(gdt + 0x18), 0x00CF93000000FFFFull);
	assert_true((le64(gdt + 0x10) >> 53) & 1);  /* L */
	assert_false((le64(gdt + 0x10) >> 54) & 1); /* D must be 0 with L */

	/* Identity map of the first 4 GiB: everything the kernel touches early. */
	static const uint64_t vas[] = {0,	   0x7000,     0x20000,	   0x1000200,
				       0x7FFFFFFF, 0xFEC00000, 0xFEE00000, 0xFFFFFFFF};
	for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++)
		assert_int_equal(translate(r, vas[i]), vas[i]);
	assert_int_equal(translate(r, 1ull << 32), ~0ull);
	assert_int_equal(translate(r, r->out.rip), r->out.rip);

	/* Zero page: the header copied up to its end (0x202 + byte 0x201), nothing past it. */
	size_t hdr_end = 0x202 + img[0x201];
	static const struct {
		unsigned off, len;
	} set[] = {
		{0x1FA, 2}, {0x210, 1}, {0x211, 1}, {0x214, 4}, {0x218, 4},
		{0x21C, 4}, {0x228, 4}, {0x23C, 4}, {0x240, 8}, {0x250, 8},
	};
	for (size_t off = 0x1F1; off < hdr_end; off++) {
		bool loader_sets = false;

		for (size_t j = 0; j < sizeof(set) / sizeof(set[0]); j++)
			loader_sets |= off >= set[j].off && off < set[j].off + set[j].len;
		if (!loader_sets && zp[off] != img[off])
			fail_msg("zero page byte %#zx: %#x, image has %#x", off, zp[off], img[off]);
	}
	for (size_t off = hdr_end; off < 0x290; off++)
		assert_int_equal(zp[off], 0);
	assert_int_equal(zp[0x1EF], 0); /* sentinel */
	assert_int_equal(le16(zp + 0x1FA), 0xFFFF);
	assert_int_equal(zp[0x210], 0xFF);
	assert_int_equal(zp[0x211], (img[0x211] | 0x01) & ~0xC0);
	assert_int_equal(le32(zp + 0x214), pref);
	assert_int_equal(le32(zp + 0x228), 0x20000);
	assert_int_equal(le32(zp + 0x0C8), 0);
	assert_int_equal(le32(zp + 0x23C), 0);
	assert_int_equal(le64(zp + 0x250), 0);
	assert_int_equal(le64(zp + 0x070), RSDP);
	assert_int_equal(le32(zp + 0x1E0), (mem_size - MIB) / 1024);
	assert_string_equal((const char *)r->g.ram + 0x20000, cmdline);
	/* E820 */
	assert_int_equal(e820_n, 3);
	assert_int_equal(le64(zp + 0x2D0), 0);
	assert_int_equal(le64(zp + 0x2D8), 0x9FC00);
	assert_int_equal(le32(zp + 0x2E0), 1);
	assert_int_equal(le64(zp + 0x2E4), 0x9FC00);
	assert_int_equal(le64(zp + 0x2EC), 0x100000 - 0x9FC00);
	assert_int_equal(le32(zp + 0x2F4), 2);
	assert_int_equal(le64(zp + 0x2F8), 0x100000);
	assert_int_equal(le64(zp + 0x300), mem_size - 0x100000);
	assert_int_equal(le32(zp + 0x308), 1);
	assert_int_equal(le64(zp + 0x30C), 0); /* nothing after */
	/* The low structures are in E820 RAM below the reserved range, and none overlaps. */
	assert_true(LINUX_BOOT_CMDLINE_GPA + LINUX_BOOT_CMDLINE_MAX <= 0x9F000);
	assert_true(LINUX_BOOT_PGT_GPA + 6 * 4096 <= LINUX_BOOT_CMDLINE_GPA);
	assert_true(LINUX_BOOT_ZERO_PAGE_GPA + 4096 <= LINUX_BOOT_STACK_TOP - 4096);
}

/* A good image with an initrd: everything in place. */
static void test_good_image(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len), initrd[3 * 4096 + 5];
	struct run r;
	const char *cmdline = "console=ttyS0 root=/dev/vda ro";
	const uint8_t *zp;

	(void)state;
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5A);
	run_init(&r, img, len, initrd, sizeof(initrd), MEM);
	assert_int_equal(run_load(&r, true, cmdline), 0);
	check_common(&r, img, MEM, cmdline);
	check_writes(&r, PAYLOAD);
	zp = r.g.ram + LINUX_BOOT_ZERO_PAGE_GPA;

	/* The protected-mode kernel (after the setup sectors) at pref_address, and no more. */
	assert_memory_equal(r.g.ram + PREF, img + (SETUP_SECT + 1) * 512, PAYLOAD);
	assert_int_equal(r.g.ram[PREF + PAYLOAD], 0);
	assert_int_equal(r.g.ram[PREF - 1], 0);

	/* The initrd at the top of RAM, 4 KiB aligned. */
	assert_int_equal(r.out.initrd_size, sizeof(initrd));
	assert_int_equal(r.out.initrd_addr, (MEM - sizeof(initrd)) & ~0xFFFull);
	assert_memory_equal(r.g.ram + r.out.initrd_addr, initrd, sizeof(initrd));
	assert_int_equal(le32(zp + 0x218), r.out.initrd_addr);
	assert_int_equal(le32(zp + 0x21C), sizeof(initrd));
	assert_int_equal(le32(zp + 0x0C0), 0);
	assert_int_equal(le32(zp + 0x0C4), 0);
	/* Fields passed through. */
	assert_int_equal(le16(zp + 0x1FC), 0x0801);
	assert_int_equal(le16(zp + 0x20E), 0x1234);
	assert_int_equal(le32(zp + 0x264), 0x190);
	assert_int_equal(le32(zp + 0x268), 0x5A5A);
	assert_int_equal(zp[0x211], 0x21); /* LOADED_HIGH | QUIET kept */
	/* Streamed in chunks: payload/4096 + header reads, not one huge read. */
	assert_true(r.kf.reads >= PAYLOAD / 4096);
	run_free(&r);
	free(img);
}

/* No initrd, no command line: ramdisk fields 0, an empty string at cmd_line_ptr. */
static void test_no_initrd_no_cmdline(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;
	const uint8_t *zp;

	(void)state;
	run_init(&r, img, len, NULL, 0, MEM);
	memset(r.g.ram + 0x20000, 'x', 16);
	assert_int_equal(run_load(&r, false, NULL), 0);
	check_common(&r, img, MEM, "");
	zp = r.g.ram + LINUX_BOOT_ZERO_PAGE_GPA;
	assert_int_equal(le32(zp + 0x218), 0);
	assert_int_equal(le32(zp + 0x21C), 0);
	assert_int_equal(r.out.initrd_addr, 0);
	/* An initrd of size 0 is no initrd. */
	run_free(&r);
	run_init(&r, img, len, (const uint8_t *)"", 0, MEM);
	assert_int_equal(run_load(&r, true, ""), 0);
	assert_int_equal(r.out.initrd_size, 0);
	run_free(&r);
	free(img);
}

/* Protocols before 2.12 (no xloadflags, so no 64-bit entry) and before 2.06 are refused. */
static void test_old_protocol(void **state)
{
	static const uint16_t versions[] = {0x0200, 0x0204, 0x0205, 0x0206, 0x020A, 0x020B};
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		put_le16(img + 0x206, versions[i]);
		run_init(&r, img, len, NULL, 0, MEM);
		assert_int_equal(run_load(&r, false, ""), -ENOEXEC);
		assert_int_equal(r.g.nwrites, 0);
		run_free(&r);
	}
	put_le16(img + 0x206, 0x020C);
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), 0);
	assert_int_equal(r.out.protocol, 0x020C);
	run_free(&r);
	free(img);
}

/* Not a bzImage: no "HdrS", no 0xAA55, no LOADED_HIGH (a zImage). */
static void test_not_bzimage(void **state)
{
	static const struct {
		unsigned off;
		uint8_t val;
	} breaks[] = {{0x202, 'h'}, {0x205, 0}, {0x1FE, 0x54}, {0x1FF, 0}, {0x211, 0xFE}};
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		uint8_t *bad = malloc(len);

		assert_non_null(bad);
		memcpy(bad, img, len);
		bad[breaks[i].off] = breaks[i].val;
		run_init(&r, bad, len, NULL, 0, MEM);
		assert_int_equal(run_load(&r, false, ""), -ENOEXEC);
		assert_int_equal(r.g.nwrites, 0);
		run_free(&r);
		free(bad);
	}
	free(img);
}

/* 32-bit only: XLF_KERNEL_64 clear. */
static void test_32bit_only(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;

	(void)state;
	put_le16(img + 0x236, 0x7E);
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), -ENOEXEC);
	assert_int_equal(r.g.nwrites, 0);
	run_free(&r);
	free(img);
}

/* Files cut short anywhere: -ENOEXEC, and no read past the end (file_read asserts). */
static void test_truncated(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	const size_t setup = (SETUP_SECT + 1) * 512;
	const size_t cuts[] = {0,	  1,	 0x1F1,	    0x201,	0x28F,	  0x290,  0x291,
			       setup - 1, setup, setup + 1, len - 4096, len - 16, len - 1};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		uint8_t *cut = malloc(cuts[i] ? cuts[i] : 1);

		assert_non_null(cut);
		memcpy(cut, img, cuts[i]);
		run_init(&r, cut, cuts[i], NULL, 0, MEM);
		assert_int_equal(run_load(&r, false, ""), -ENOEXEC);
		assert_int_equal(r.g.nwrites, 0);
		run_free(&r);
		free(cut);
	}
	/* Trailing bytes (a signature) are fine and not loaded. */
	uint8_t *longer = calloc(1, len + 1472);
	assert_non_null(longer);
	memcpy(longer, img, len);
	memset(longer + len, 0xEE, 1472);
	run_init(&r, longer, len + 1472, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), 0);
	assert_int_equal(r.g.ram[PREF + PAYLOAD], 0);
	check_writes(&r, PAYLOAD);
	run_free(&r);
	free(longer);
	free(img);
}

/* setup_sects 0 means 4: the kernel starts at 5 * 512 then, at 2 * 512 for setup_sects 1. */
static void test_setup_sects(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;

	(void)state;
	img[0x1F1] = 0;
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), 0);
	assert_memory_equal(r.g.ram + PREF, img + 5 * 512, PAYLOAD);
	run_free(&r);

	img[0x1F1] = 1;
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), 0);
	assert_memory_equal(r.g.ram + PREF, img + 2 * 512, PAYLOAD);
	run_free(&r);

	img[0x1F1] = 0xFF; /* 128 KiB of setup: past the end of this file */
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), -ENOEXEC);
	run_free(&r);
	free(img);
}

/* init_size: beyond RAM is -ENOMEM (whatever its size), below the payload is malformed, an
 * exact fit works. */
static void test_init_size(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;

	(void)state;
	static const uint32_t too_big[] = {MEM - PREF + 1, 0x80000000u, 0xFFFFFFFFu};
	for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
		put_le32(img + 0x260, too_big[i]);
		run_init(&r, img, len, NULL, 0, MEM);
		assert_int_equal(run_load(&r, false, ""), -ENOMEM);
		assert_int_equal(r.g.nwrites, 0);
		run_free(&r);
	}
	put_le32(img + 0x260, PAYLOAD - 16);
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), -ENOEXEC);
	run_free(&r);

	put_le32(img + 0x260, MEM - PREF);
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), 0);
	assert_int_equal(r.out.kernel_end, MEM);
	run_free(&r);
	/* ...but then there is no room for an initrd. */
	run_init(&r, img, len, (const uint8_t *)"x", 1, MEM);
	assert_int_equal(run_load(&r, true, ""), -ENOMEM);
	run_free(&r);
	free(img);
}

/* Command line: up to cmdline_size bytes, and never past the loader's own buffer. */
static void test_cmdline_size(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	char *cmd = malloc(LINUX_BOOT_CMDLINE_MAX + 10);
	struct run r;

	(void)state;
	assert_non_null(cmd);
	memset(cmd, 'a', 2047);
	cmd[2047] = 0;
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, cmd), 0);
	assert_string_equal((char *)r.g.ram + 0x20000, cmd);
	run_free(&r);

	memset(cmd, 'b', 2048);
	cmd[2048] = 0;
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, cmd), -E2BIG);
	assert_int_equal(r.g.nwrites, 0);
	run_free(&r);

	/* A huge cmdline_size in the image does not let a line overrun the loader's area. */
	put_le32(img + 0x238, 0xFFFFFFFF);
	memset(cmd, 'c', LINUX_BOOT_CMDLINE_MAX - 1);
	cmd[LINUX_BOOT_CMDLINE_MAX - 1] = 0;
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, cmd), 0);
	check_writes(&r, PAYLOAD);
	run_free(&r);
	memset(cmd, 'd', LINUX_BOOT_CMDLINE_MAX + 9);
	cmd[LINUX_BOOT_CMDLINE_MAX + 9] = 0;
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, cmd), -E2BIG);
	run_free(&r);
	free(cmd);
	free(img);
}

/* Initrd: highest 4 KiB-aligned place below min(initrd_addr_max + 1, RAM end), above the
 * kernel's init_size range. */
static void test_initrd_placement(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	uint8_t *rd = malloc(2 * MIB);
	struct run r;
	const uint64_t kend = PREF + INIT_SIZE;

	(void)state;
	assert_non_null(rd);
	for (size_t i = 0; i < 2 * MIB; i++)
		rd[i] = (uint8_t)(i >> 12);
	/* RAM end not page aligned: the initrd still ends inside RAM. */
	run_init(&r, img, len, rd, MIB + 123, MEM + 0x800);
	assert_int_equal(run_load(&r, true, ""), 0);
	assert_int_equal(r.out.initrd_addr, (MEM + 0x800 - (MIB + 123)) & ~0xFFFull);
	assert_true(r.out.initrd_addr + r.out.initrd_size <= MEM + 0x800);
	assert_memory_equal(r.g.ram + r.out.initrd_addr, rd, MIB + 123);
	check_writes(&r, PAYLOAD);
	run_free(&r);

	/* initrd_addr_max below RAM end: the initrd ends at or below it. */
	put_le32(img + 0x22C, 48 * MIB - 1);
	run_init(&r, img, len, rd, 2 * MIB, MEM);
	assert_int_equal(run_load(&r, true, ""), 0);
	assert_int_equal(r.out.initrd_addr, 46 * MIB);
	run_free(&r);

	/* Exactly fits between the kernel's end and initrd_addr_max. */
	put_le32(img + 0x22C, (uint32_t)(kend + 2 * MIB - 1));
	run_init(&r, img, len, rd, 2 * MIB, MEM);
	assert_int_equal(run_load(&r, true, ""), 0);
	assert_int_equal(r.out.initrd_addr, kend);
	run_free(&r);

	/* One byte too many, or a limit inside the kernel: no room. */
	put_le32(img + 0x22C, (uint32_t)(kend + 2 * MIB - 2));
	run_init(&r, img, len, rd, 2 * MIB, MEM);
	assert_int_equal(run_load(&r, true, ""), -ENOMEM);
	run_free(&r);
	put_le32(img + 0x22C, 0x100000);
	run_init(&r, img, len, rd, 4096, MEM);
	assert_int_equal(run_load(&r, true, ""), -ENOMEM);
	run_free(&r);

	/* Bigger than all of RAM. */
	put_le32(img + 0x22C, 0x7FFFFFFF);
	run_init(&r, img, len, rd, 2 * MIB, MEM);
	r.r.size = 1ull << 40;
	r.rf.size = 1ull << 40;
	assert_int_equal(run_load(&r, true, ""), -ENOMEM);
	assert_int_equal(r.g.nwrites, 0);
	run_free(&r);
	free(rd);
	free(img);
}

/* Hostile placement fields: pref_address, kernel_alignment, header end, syssize. */
static void test_hostile_fields(void **state)
{
	static const struct {
		unsigned off, size;
		uint64_t val;
	} cases[] = {
		{0x258, 8, 0},			/* pref_address 0 */
		{0x258, 8, 0x9F000},		/* below 1 MiB */
		{0x258, 8, 0x1001000},		/* not kernel_alignment aligned */
		{0x258, 8, 1ull << 63},		/* far away */
		{0x258, 8, 0xFFFFFFFFFFE00000}, /* would wrap */
		{0x230, 4, 0},			/* kernel_alignment 0 */
		{0x230, 4, 0x300000},		/* not a power of two */
		{0x201, 1, 0xFF},		/* header past boot_params' room */
		{0x201, 1, 0x50},		/* header too short for init_size */
		{0x201, 1, 0},			/* header of 0x202 bytes */
		{0x1F4, 4, 0},			/* syssize 0 */
		{0x1F4, 4, 0xFFFFFFFF},		/* syssize past the file */
	};
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *bad = malloc(len);
		int err;

		assert_non_null(bad);
		memcpy(bad, img, len);
		for (unsigned b = 0; b < cases[i].size; b++)
			bad[cases[i].off + b] = (uint8_t)(cases[i].val >> (8 * b));
		run_init(&r, bad, len, NULL, 0, MEM);
		err = run_load(&r, false, "");
		if (err != -ENOEXEC)
			fail_msg("case %zu: %d", i, err);
		assert_int_equal(r.g.nwrites, 0);
		run_free(&r);
		free(bad);
	}
	/* A non-relocatable kernel is loaded at pref_address whatever kernel_alignment says. */
	img[0x234] = 0;
	put_le32(img + 0x230, 0x300000);
	run_init(&r, img, len, NULL, 0, MEM);
	assert_int_equal(run_load(&r, false, ""), 0);
	run_free(&r);
	free(img);
}

/* Bad arguments and configurations. */
static void test_bad_cfg(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct run r;

	(void)state;
	run_init(&r, img, len, NULL, 0, MEM);
	r.cfg.mem_size = LINUX_BOOT_MAX_MEM + 4096; /* the PCI hole would overlap RAM */
	assert_int_equal(run_load(&r, false, ""), -EINVAL);
	r.cfg.mem_size = 0x80000;
	assert_int_equal(run_load(&r, false, ""), -EINVAL);
	r.cfg.mem_size = MEM;
	r.cfg.acpi_base = 0x90000; /* ACPI tables in E820 RAM */
	assert_int_equal(run_load(&r, false, ""), -EINVAL);
	r.cfg.acpi_base = 0xF8000; /* runs past 1 MiB */
	assert_int_equal(run_load(&r, false, ""), -EINVAL);
	r.cfg.acpi_base = 0xE0000;
	r.cfg.acpi_rsdp = 0xF0000; /* RSDP outside the tables */
	assert_int_equal(run_load(&r, false, ""), -EINVAL);
	r.cfg.acpi_len = 0; /* an RSDP but no tables */
	r.cfg.acpi_rsdp = RSDP;
	assert_int_equal(run_load(&r, false, ""), -EINVAL);
	r.cfg.acpi_rsdp = 0; /* no ACPI at all is fine */
	assert_int_equal(run_load(&r, false, ""), 0);
	assert_int_equal(le64(r.g.ram + 0x7000 + 0x070), 0);
	r.cfg = (struct linux_boot_cfg){MEM, RSDP, 0xE0000, 0x10000};
	assert_int_equal(linux_boot_load(NULL, NULL, "", &r.cfg, &r.mem, &r.out), -EINVAL);
	assert_int_equal(linux_boot_load(&r.k, NULL, "", NULL, &r.mem, &r.out), -EINVAL);
	assert_int_equal(linux_boot_load(&r.k, NULL, "", &r.cfg, NULL, &r.out), -EINVAL);
	assert_int_equal(linux_boot_load(&r.k, NULL, "", &r.cfg, &r.mem, NULL), -EINVAL);
	r.r = (struct linux_boot_src){4096, NULL, NULL};
	assert_int_equal(linux_boot_load(&r.k, &r.r, "", &r.cfg, &r.mem, &r.out), -EINVAL);
	run_free(&r);
	free(img);
}

/* Read and write errors come back as they are. */
static void test_callback_errors(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len), rd[8192] = {1};
	struct run r;
	int err;

	(void)state;
	for (unsigned n = 1;; n++) {
		run_init(&r, img, len, rd, sizeof(rd), MEM);
		r.kf.fail_read = n;
		err = run_load(&r, true, "");
		run_free(&r);
		if (err == 0)
			break;
		assert_int_equal(err, -EIO);
	}
	run_init(&r, img, len, rd, sizeof(rd), MEM);
	r.rf.fail_read = 2;
	assert_int_equal(run_load(&r, true, ""), -EIO);
	run_free(&r);
	static const uint64_t fail_at[] = {PREF + 100, MEM - 1, 0x500,	0x7000,
					   0x9000,     0xC000,	0x20000};
	for (size_t i = 0; i < sizeof(fail_at) / sizeof(fail_at[0]); i++) {
		run_init(&r, img, len, rd, sizeof(rd), MEM);
		r.g.fail_at = fail_at[i];
		assert_int_equal(run_load(&r, true, ""), -EFAULT);
		run_free(&r);
	}
	free(img);
}

/* Random damage to the header: an error or a load that stays inside RAM, never a bad access
 * (file_read and guest_write assert their bounds; ASan watches the rest). */
static void test_header_fuzz(void **state)
{
	size_t len;
	uint8_t *img = make_image(&len), *bad = malloc(len), rd[5000];
	uint8_t *ram = malloc(32 * MIB); /* shared by the runs: contents are not checked here */
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	unsigned loaded = 0;

	(void)state;
	assert_non_null(bad);
	assert_non_null(ram);
	memset(rd, 0x77, sizeof(rd));
	for (unsigned iter = 0; iter < 3000; iter++) {
		struct run r;
		unsigned flips;
		int err;

		memcpy(bad, img, len);
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		flips = 1 + (unsigned)(seed >> 60) % 4;
		for (unsigned f = 0; f < flips; f++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			bad[0x1F1 + (seed >> 33) % (0x290 - 0x1F1)] = (uint8_t)(seed >> 20);
		}
		run_init_ram(&r, bad, len, rd, sizeof(rd), 32 * MIB, ram);
		err = run_load(&r, iter & 1, "console=ttyS0");
		if (err == 0) {
			loaded++;
			assert_true(r.out.kernel_end <= 32 * MIB);
			assert_true(r.out.kernel_addr >= MIB);
			assert_true(r.out.initrd_addr + r.out.initrd_size <= 32 * MIB);
			assert_true(r.out.initrd_size == 0 ||
				    r.out.initrd_addr >= r.out.kernel_end);
			check_writes(&r, le32(bad + 0x1F4) * 16ull);
		} else {
			assert_true(err == -ENOEXEC || err == -ENOMEM || err == -E2BIG);
		}
		run_free(&r);
	}
	assert_true(loaded > 0); /* the fuzz also exercised successful loads */
	free(ram);
	free(bad);
	free(img);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
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

/* Debian's real cloud kernel (build/linux/vmlinuz), when it has been downloaded. */
static void test_real_kernel(void **state)
{
	const uint64_t mem = 256 * MIB;
	uint8_t rd[10000];
	size_t len;
	uint8_t *img = slurp(REAL_KERNEL, &len);
	struct run r;
	uint64_t setup, klen;
	const char *cmdline = "console=ttyS0 panic=-1 root=/dev/vda";

	(void)state;
	if (!img) {
		/* cmocka's skip() reads "not ok ... # SKIP", which tests/summarize.sh counts
		 * as a failure: say so and pass instead. */
		print_message("%s absent: real-kernel case not run\n", REAL_KERNEL);
		return;
	}
	memset(rd, 0x42, sizeof(rd));
	setup = (uint64_t)((img[0x1F1] ? img[0x1F1] : 4) + 1) * 512;
	klen = (uint64_t)le32(img + 0x1F4) * 16;
	run_init(&r, img, len, rd, sizeof(rd), mem);
	assert_int_equal(run_load(&r, true, cmdline), 0);
	check_common(&r, img, mem, cmdline);
	check_writes(&r, klen);
	assert_true(r.out.protocol >= 0x020C);
	assert_true(le16(img + 0x236) & 1);
	assert_true(setup + klen <= len);
	assert_memory_equal(r.g.ram + r.out.kernel_addr, img + setup, klen);
	/* Placed where the header says, the initrd above the kernel's whole run range. */
	assert_int_equal(r.out.kernel_addr, le64(img + 0x258));
	assert_true(r.out.initrd_addr >= r.out.kernel_end);
	assert_true(r.out.initrd_addr + sizeof(rd) <= le32(img + 0x22C) + 1ull);
	assert_memory_equal(r.g.ram + r.out.initrd_addr, rd, sizeof(rd));
	print_message("%s: protocol %x, %zu bytes, kernel %#llx-%#llx, entry %#llx\n", REAL_KERNEL,
		      r.out.protocol, len, (unsigned long long)r.out.kernel_addr,
		      (unsigned long long)r.out.kernel_end, (unsigned long long)r.out.rip);
	run_free(&r);

	/* Too little RAM for its init_size. */
	run_init(&r, img, len, NULL, 0, le64(img + 0x258) + le32(img + 0x260) - 4096);
	assert_int_equal(run_load(&r, false, ""), -ENOMEM);
	run_free(&r);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_image),	cmocka_unit_test(test_no_initrd_no_cmdline),
		cmocka_unit_test(test_old_protocol),	cmocka_unit_test(test_not_bzimage),
		cmocka_unit_test(test_32bit_only),	cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_setup_sects),	cmocka_unit_test(test_init_size),
		cmocka_unit_test(test_cmdline_size),	cmocka_unit_test(test_initrd_placement),
		cmocka_unit_test(test_hostile_fields),	cmocka_unit_test(test_bad_cfg),
		cmocka_unit_test(test_callback_errors), cmocka_unit_test(test_header_fuzz),
		cmocka_unit_test(test_real_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
