/* Unit tests: multiboot2 parsing (mb2.c) and memory-map sanitizing (memmap.c).
 * Kept as one file past 1,000 lines: unit.mk builds one binary per test_<name>.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/bootinfo.h>
#include <vmk/errno.h>

/* ---- multiboot2 builder ------------------------------------------------------------------ */

#define MBI_BUF 65536

struct mbi {
	uint8_t buf[MBI_BUF] __attribute__((aligned(8)));
	size_t off;
	uint8_t *copy; /* exact-size heap copy handed to the parser, so ASan sees overreads */
};

static void mbi_init(struct mbi *m)
{
	memset(m->buf, 0, sizeof(m->buf));
	m->off = 8;
	free(m->copy);
	m->copy = NULL;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Append a tag with header size 8 + @len (the declared size), padded to 8; returns its offset. */
static size_t mbi_tag_sized(struct mbi *m, uint32_t type, uint32_t size, const void *payload,
			    size_t len)
{
	size_t at = m->off;

	assert_true(at + 8 + len + 8 <= MBI_BUF);
	put32(m->buf + at, type);
	put32(m->buf + at + 4, size);
	if (len)
		memcpy(m->buf + at + 8, payload, len);
	m->off = at + ((8 + len + 7) & ~(size_t)7);
	return at;
}

static size_t mbi_tag(struct mbi *m, uint32_t type, const void *payload, size_t len)
{
	return mbi_tag_sized(m, type, (uint32_t)(8 + len), payload, len);
}

static size_t mbi_str(struct mbi *m, uint32_t type, const char *s)
{
	return mbi_tag(m, type, s, strlen(s) + 1);
}

/* Append the end tag, set total_size, and return an exact-size heap copy. */
static const void *mbi_finish(struct mbi *m)
{
	mbi_tag(m, 0, NULL, 0);
	put32(m->buf, (uint32_t)m->off);
	free(m->copy);
	m->copy = malloc(m->off);
	assert_non_null(m->copy);
	memcpy(m->copy, m->buf, m->off);
	return m->copy;
}

static const void *mbi_copy_raw(struct mbi *m, size_t len)
{
	free(m->copy);
	m->copy = malloc(len ? len : 1);
	assert_non_null(m->copy);
	memcpy(m->copy, m->buf, len);
	return m->copy;
}

static void mbi_free(struct mbi *m)
{
	free(m->copy);
	m->copy = NULL;
}

static size_t mbi_module(struct mbi *m, uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t p[256];
	size_t n = strlen(cmd) + 1;

	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, cmd, n);
	return mbi_tag(m, 3, p, 8 + n);
}

struct e820 {
	uint64_t base, len;
	uint32_t type;
};

static size_t mbi_mmap(struct mbi *m, uint32_t esize, uint32_t version, const struct e820 *e,
		       unsigned n)
{
	static uint8_t p[8 + 64 * 300];

	assert_true(esize >= 20 && n <= 300 && esize <= 64);
	memset(p, 0xee, sizeof(p));
	put32(p, esize);
	put32(p + 4, version);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *q = p + 8 + (size_t)i * esize;

		put64(q, e[i].base);
		put64(q + 8, e[i].len);
		put32(q + 16, e[i].type);
	}
	return mbi_tag(m, 6, p, 8 + (size_t)n * esize);
}

static void expect_reset(const struct boot_info *bi)
{
	assert_string_equal(bi->cmdline, "");
	assert_string_equal(bi->loader, "");
	assert_int_equal(bi->nmmap, 0);
	assert_int_equal(bi->nmods, 0);
	assert_null(bi->rsdp);
	assert_false(bi->has_fb);
	assert_false(bi->efi);
	assert_int_equal(bi->mbi_size, 0);
}

static struct mbi M;
static struct boot_info BI;

static void test_mb2_full(void **state)
{
	static const struct e820 map[] = {
		{0x0, 0x9fc00, 1},	  {0x9fc00, 0x400, 2},	    {0xf0000, 0x10000, 2},
		{0x100000, 0x7ee0000, 1}, {0x7fe0000, 0x20000, 3},  {0xfeffc000, 0x4000, 7},
		{0x100000000, 0x1000, 4}, {0x200000000, 0x1000, 5}, {0x300000000, 0x1000, 0},
	};
	uint8_t fb[30] = {0}, rsdp1[20], rsdp2[36], efi[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t t15;
	const uint8_t *mbi;

	(void)state;
	memset(rsdp1, 0x11, sizeof(rsdp1));
	memset(rsdp2, 0x22, sizeof(rsdp2));
	mbi_init(&M);
	mbi_str(&M, 1, "console=com1 keel.debug=1");
	mbi_str(&M, 2, "GRUB 2.06");
	mbi_module(&M, 0x200000, 0x280000, "initrd.cpio");
	mbi_module(&M, 0x300000, 0x300000, "");
	mbi_mmap(&M, 24, 0, map, 9);
	put64(fb, 0xfd000000);
	put32(fb + 8, 4096);
	put32(fb + 12, 1024);
	put32(fb + 16, 768);
	fb[20] = 32;
	fb[21] = 1;
	memcpy(fb + 24, (const uint8_t[]){16, 8, 8, 8, 0, 8}, 6); /* red, green, blue pos/size */
	mbi_tag(&M, 8, fb, sizeof(fb));
	mbi_tag(&M, 14, rsdp1, sizeof(rsdp1));
	t15 = mbi_tag(&M, 15, rsdp2, sizeof(rsdp2));
	mbi_tag(&M, 12, efi, sizeof(efi));
	mbi = mbi_finish(&M);

	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_string_equal(BI.cmdline, "console=com1 keel.debug=1");
	assert_ptr_equal(BI.cmdline, (const char *)mbi + 16);
	assert_string_equal(BI.loader, "GRUB 2.06");
	assert_int_equal(BI.mbi_size, M.off);

	assert_int_equal(BI.nmods, 2);
	assert_int_equal(BI.mods[0].start, 0x200000);
	assert_int_equal(BI.mods[0].end, 0x280000);
	assert_string_equal(BI.mods[0].cmdline, "initrd.cpio");
	assert_int_equal(BI.mods[1].start, 0x300000);
	assert_string_equal(BI.mods[1].cmdline, "");

	assert_int_equal(BI.nmmap, 9);
	for (unsigned i = 0; i < 9; i++) {
		assert_int_equal(BI.mmap[i].base, map[i].base);
		assert_int_equal(BI.mmap[i].len, map[i].len);
	}
	assert_int_equal(BI.mmap[0].type, MEM_USABLE);
	assert_int_equal(BI.mmap[1].type, MEM_RESERVED);
	assert_int_equal(BI.mmap[4].type, MEM_ACPI_RECLAIM);
	assert_int_equal(BI.mmap[5].type, MEM_RESERVED); /* 7 (persistent) -> reserved */
	assert_int_equal(BI.mmap[6].type, MEM_ACPI_NVS);
	assert_int_equal(BI.mmap[7].type, MEM_BAD);
	assert_int_equal(BI.mmap[8].type, MEM_RESERVED); /* 0 -> reserved */

	assert_true(BI.has_fb);
	assert_int_equal(BI.fb.addr, 0xfd000000);
	assert_int_equal(BI.fb.pitch, 4096);
	assert_int_equal(BI.fb.width, 1024);
	assert_int_equal(BI.fb.height, 768);
	assert_int_equal(BI.fb.bpp, 32);
	assert_int_equal(BI.fb.type, 1);
	assert_int_equal(BI.fb.red_pos, 16);
	assert_int_equal(BI.fb.red_size, 8);
	assert_int_equal(BI.fb.green_pos, 8);
	assert_int_equal(BI.fb.green_size, 8);
	assert_int_equal(BI.fb.blue_pos, 0);
	assert_int_equal(BI.fb.blue_size, 8);

	assert_ptr_equal(BI.rsdp, mbi + t15 + 8);
	assert_int_equal(BI.rsdp_len, 36);
	assert_true(BI.efi);
	mbi_free(&M);
}

static void test_mb2_acpi_preference(void **state)
{
	uint8_t rsdp1[20] = {1}, rsdp2[36] = {2}, short15[24] = {3};
	const uint8_t *mbi;
	size_t t14, t15;

	(void)state;
	/* 2.0 tag before 1.0 tag: still the 2.0 one. */
	mbi_init(&M);
	t15 = mbi_tag(&M, 15, rsdp2, sizeof(rsdp2));
	t14 = mbi_tag(&M, 14, rsdp1, sizeof(rsdp1));
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_ptr_equal(BI.rsdp, mbi + t15 + 8);
	assert_int_equal(BI.rsdp_len, 36);

	/* Only 1.0. */
	mbi_init(&M);
	t14 = mbi_tag(&M, 14, rsdp1, sizeof(rsdp1));
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_ptr_equal(BI.rsdp, mbi + t14 + 8);
	assert_int_equal(BI.rsdp_len, 20);

	/* A 2.0 tag too short for an RSDP 2.0 is ignored; a 1.0 tag too short as well. */
	mbi_init(&M);
	mbi_tag(&M, 15, short15, sizeof(short15));
	mbi_tag(&M, 14, rsdp1, 12);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_null(BI.rsdp);
	assert_int_equal(BI.rsdp_len, 0);

	/* The short 2.0 tag does not block a valid 1.0 tag. */
	mbi_init(&M);
	mbi_tag(&M, 15, short15, sizeof(short15));
	t14 = mbi_tag(&M, 14, rsdp1, sizeof(rsdp1));
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_ptr_equal(BI.rsdp, mbi + t14 + 8);
	mbi_free(&M);
}

static void test_mb2_minimal(void **state)
{
	const void *mbi;

	(void)state;
	mbi_init(&M);
	mbi = mbi_finish(&M);
	assert_int_equal(M.off, 16);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_string_equal(BI.cmdline, "");
	assert_string_equal(BI.loader, "");
	assert_int_equal(BI.nmmap, 0);
	assert_int_equal(BI.nmods, 0);
	assert_null(BI.rsdp);
	assert_false(BI.has_fb);
	assert_false(BI.efi);
	assert_int_equal(BI.mbi_size, 16);

	/* EFI32 tag. */
	mbi_init(&M);
	mbi_tag(&M, 11, "\1\2\3\4", 4);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_true(BI.efi);
	mbi_free(&M);
}

static void test_mb2_bad_header(void **state)
{
	uint8_t *p;
	const void *mbi;

	(void)state;
	assert_int_equal(mb2_parse(NULL, &BI), -EINVAL);
	expect_reset(&BI);

	mbi_init(&M);
	mbi_str(&M, 1, "x");
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, NULL), -EINVAL);

	/* total_size too small. */
	p = M.copy;
	put32(p, 8);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);
	expect_reset(&BI);
	put32(p, 15);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);
	/* total_size absurdly large: rejected before anything past the header is read. */
	put32(p, (1u << 20) + 8);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);
	put32(p, 0xffffffff);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);
	/* total_size shorter than the tags: the cmdline tag now overruns it. */
	put32(p, 16);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);
	expect_reset(&BI);

	/* Misaligned pointer (malloc's alignment is at least 8, so +4 is not). */
	{
		uint8_t *raw = calloc(1, 16 + 8);

		assert_non_null(raw);
		put32(raw + 4, 16);
		put32(raw + 12 + 4, 8);
		assert_int_equal(mb2_parse(raw + 4, &BI), -EINVAL);
		expect_reset(&BI);
		free(raw);
	}
	mbi_free(&M);
}

static void test_mb2_bad_tags(void **state)
{
	const void *mbi;
	uint8_t *p;
	size_t t;

	(void)state;
	/* A tag whose size runs past total_size. */
	mbi_init(&M);
	t = mbi_str(&M, 1, "hello");
	mbi_finish(&M);
	p = M.copy;
	put32(p + t + 4, 0x1000);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);
	expect_reset(&BI);
	/* Size below the 8-byte header. */
	put32(p + t + 4, 4);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);
	put32(p + t + 4, 0);
	assert_int_equal(mb2_parse(p, &BI), -EINVAL);

	/* No end tag: the structure just stops. */
	mbi_init(&M);
	mbi_str(&M, 1, "hello");
	put32(M.buf, (uint32_t)M.off);
	mbi = mbi_copy_raw(&M, M.off);
	assert_int_equal(mb2_parse(mbi, &BI), -EINVAL);

	/* The end tag itself claims more than what is left. */
	mbi_init(&M);
	mbi_str(&M, 1, "hello");
	t = mbi_tag(&M, 0, NULL, 0);
	put32(M.buf, (uint32_t)M.off);
	put32(M.buf + t + 4, 16);
	mbi = mbi_copy_raw(&M, M.off);
	assert_int_equal(mb2_parse(mbi, &BI), -EINVAL);

	/* A last tag whose size is not a multiple of 8 and whose padding runs past the end. */
	mbi_init(&M);
	t = mbi_tag(&M, 77, "abc", 3);
	put32(M.buf, (uint32_t)(t + 11));
	mbi = mbi_copy_raw(&M, t + 11);
	assert_int_equal(mb2_parse(mbi, &BI), -EINVAL);

	/* Unknown tags and reserved types are skipped. */
	mbi_init(&M);
	mbi_tag(&M, 21, "zzzzzzzzzzzz", 12);
	mbi_tag(&M, 0x7fffffff, NULL, 0);
	mbi_str(&M, 1, "after");
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_string_equal(BI.cmdline, "after");

	/* Tags after the end tag are never looked at. */
	mbi_init(&M);
	mbi_tag(&M, 0, NULL, 0);
	mbi_str(&M, 1, "ghost");
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_string_equal(BI.cmdline, "");
	mbi_free(&M);
}

static void test_mb2_strings(void **state)
{
	const void *mbi;
	uint8_t p[16];

	(void)state;
	/* Unterminated cmdline/loader strings are ignored. */
	mbi_init(&M);
	mbi_tag(&M, 1, "abcdefgh", 8);
	mbi_tag(&M, 2, "GRUB", 4);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_string_equal(BI.cmdline, "");
	assert_string_equal(BI.loader, "");

	/* An empty (size 8) string tag, and an empty string. */
	mbi_init(&M);
	mbi_tag(&M, 1, NULL, 0);
	mbi_tag(&M, 2, "", 1);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_string_equal(BI.cmdline, "");
	assert_string_equal(BI.loader, "");

	/* Modules: unterminated cmdline -> "", end < start -> dropped, too short -> dropped. */
	mbi_init(&M);
	put32(p, 0x1000);
	put32(p + 4, 0x2000);
	memcpy(p + 8, "initrdXX", 8);
	mbi_tag(&M, 3, p, 16);
	put32(p, 0x3000);
	put32(p + 4, 0x2000);
	mbi_tag(&M, 3, p, 9);
	mbi_tag(&M, 3, p, 7);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_int_equal(BI.nmods, 1);
	assert_int_equal(BI.mods[0].start, 0x1000);
	assert_int_equal(BI.mods[0].end, 0x2000);
	assert_string_equal(BI.mods[0].cmdline, "");

	/* More modules than BOOT_MODS_MAX. */
	mbi_init(&M);
	for (unsigned i = 0; i < BOOT_MODS_MAX + 5; i++)
		mbi_module(&M, i * 0x1000, i * 0x1000 + 0x800, "m");
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_int_equal(BI.nmods, BOOT_MODS_MAX);
	assert_int_equal(BI.mods[BOOT_MODS_MAX - 1].start, (BOOT_MODS_MAX - 1) * 0x1000);
	mbi_free(&M);
}

static void test_mb2_mmap(void **state)
{
	static struct e820 big[200];
	static const struct e820 two[] = {{0x1000, 0x2000, 1}, {0x8000, 0x1000, 2}};
	const void *mbi;
	uint8_t p[64];
	size_t t;

	(void)state;
	/* A larger entry_size with a newer version: stride honoured, extra bytes ignored. */
	mbi_init(&M);
	mbi_mmap(&M, 40, 1, two, 2);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_int_equal(BI.nmmap, 2);
	assert_int_equal(BI.mmap[1].base, 0x8000);
	assert_int_equal(BI.mmap[1].len, 0x1000);
	assert_int_equal(BI.mmap[1].type, MEM_RESERVED);

	/* Bad entry sizes: the tag is ignored. */
	for (uint32_t es = 0; es < 24; es += 4) {
		mbi_init(&M);
		memset(p, 0x55, sizeof(p));
		put32(p, es);
		put32(p + 4, 0);
		mbi_tag(&M, 6, p, sizeof(p));
		mbi = mbi_finish(&M);
		assert_int_equal(mb2_parse(mbi, &BI), 0);
		assert_int_equal(BI.nmmap, 0);
	}
	mbi_init(&M);
	put32(p, 28); /* not a multiple of 8 */
	mbi_tag(&M, 6, p, sizeof(p));
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_int_equal(BI.nmmap, 0);

	/* Header only; and a trailing partial entry is ignored. */
	mbi_init(&M);
	mbi_mmap(&M, 24, 0, two, 0);
	t = mbi_mmap(&M, 24, 0, two, 2);
	mbi_finish(&M);
	put32(M.copy + t + 4, 8 + 8 + 24 + 20);
	assert_int_equal(mb2_parse(M.copy, &BI), 0);
	assert_int_equal(BI.nmmap, 1);
	assert_int_equal(BI.mmap[0].base, 0x1000);

	/* A mmap tag too short for its own header. */
	mbi_init(&M);
	mbi_tag(&M, 6, p, 4);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_int_equal(BI.nmmap, 0);

	/* More entries than BOOT_MMAP_MAX: the rest are dropped. */
	for (unsigned i = 0; i < 200; i++)
		big[i] = (struct e820){(uint64_t)i << 20, 1 << 20, 1 + i % 5};
	mbi_init(&M);
	mbi_mmap(&M, 24, 0, big, 200);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_int_equal(BI.nmmap, BOOT_MMAP_MAX);
	assert_int_equal(BI.mmap[BOOT_MMAP_MAX - 1].base, (uint64_t)(BOOT_MMAP_MAX - 1) << 20);
	assert_int_equal(BI.mmap[4].type, 5);

	/* Two mmap tags append. */
	mbi_init(&M);
	mbi_mmap(&M, 24, 0, two, 1);
	mbi_mmap(&M, 24, 0, two + 1, 1);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_int_equal(BI.nmmap, 2);
	mbi_free(&M);
}

static void test_mb2_framebuffer(void **state)
{
	uint8_t fb[30] = {0};
	const void *mbi;

	(void)state;
	/* RGB but too short for the colour info: ignored. */
	put64(fb, 0xe0000000);
	fb[20] = 32;
	fb[21] = 1;
	mbi_init(&M);
	mbi_tag(&M, 8, fb, 24);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_false(BI.has_fb);

	/* EGA text needs only the common part. */
	fb[20] = 16;
	fb[21] = 2;
	put32(fb + 12, 80);
	put32(fb + 16, 25);
	mbi_init(&M);
	mbi_tag(&M, 8, fb, 24);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_true(BI.has_fb);
	assert_int_equal(BI.fb.type, 2);
	assert_int_equal(BI.fb.width, 80);
	assert_int_equal(BI.fb.height, 25);
	assert_int_equal(BI.fb.red_size, 0);

	/* Shorter than the common part. */
	mbi_init(&M);
	mbi_tag(&M, 8, fb, 20);
	mbi = mbi_finish(&M);
	assert_int_equal(mb2_parse(mbi, &BI), 0);
	assert_false(BI.has_fb);
	mbi_free(&M);
}

static uint32_t rng_state = 0x12345678;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Truncations and random corruption of a valid MBI never crash or overread. */
static void test_mb2_fuzz(void **state)
{
	static const struct e820 map[] = {{0, 0x9fc00, 1}, {0x100000, 0x1000000, 1}};
	uint8_t fb[30] = {0}, rsdp2[36] = {0};
	uint8_t base[MBI_BUF];
	size_t full;

	(void)state;
	mbi_init(&M);
	mbi_str(&M, 1, "console=com1");
	mbi_str(&M, 2, "GRUB");
	mbi_module(&M, 0x200000, 0x300000, "initrd");
	mbi_mmap(&M, 24, 0, map, 2);
	fb[21] = 1;
	mbi_tag(&M, 8, fb, sizeof(fb));
	mbi_tag(&M, 15, rsdp2, sizeof(rsdp2));
	mbi_finish(&M);
	full = M.off;
	memcpy(base, M.buf, full);

	/* Every truncation: total_size says n, only n bytes exist. */
	for (size_t n = 8; n <= full; n++) {
		int rc;

		memcpy(M.buf, base, full);
		put32(M.buf, (uint32_t)n);
		rc = mb2_parse(mbi_copy_raw(&M, n), &BI);
		assert_true(rc == 0 || rc == -EINVAL);
		if (n < full)
			assert_int_equal(rc, -EINVAL); /* the end tag is last */
	}
	/* Random byte corruption; total_size kept as the buffer length. */
	for (int iter = 0; iter < 20000; iter++) {
		int flips = 1 + rng() % 4, rc;

		memcpy(M.buf, base, full);
		for (int k = 0; k < flips; k++) {
			size_t at = 8 + rng() % (full - 8);

			M.buf[at] = (rng() & 1) ? (uint8_t)rng()
						: M.buf[at] ^ (uint8_t)(1u << (rng() % 8));
		}
		rc = mb2_parse(mbi_copy_raw(&M, full), &BI);
		assert_true(rc == 0 || rc == -EINVAL);
		if (rc == 0) {
			assert_true(BI.nmmap <= BOOT_MMAP_MAX);
			assert_true(BI.nmods <= BOOT_MODS_MAX);
			assert_true(strlen(BI.cmdline) < full);
			assert_true(strlen(BI.loader) < full);
			for (unsigned i = 0; i < BI.nmods; i++)
				assert_true(strlen(BI.mods[i].cmdline) < full);
		} else {
			expect_reset(&BI);
		}
	}
	mbi_free(&M);
}

/* ---- memmap ----------------------------------------------------------------------------- */

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define U   MEM_USABLE
#define R   MEM_RESERVED
#define AR  MEM_ACPI_RECLAIM
#define NVS MEM_ACPI_NVS
#define BAD MEM_BAD

static void expect_map(const struct mem_region *r, unsigned n, const struct mem_region *want,
		       unsigned nwant)
{
	if (n != nwant) {
		for (unsigned i = 0; i < n; i++)
			print_message("  got [%#llx, %#llx) type %u\n",
				      (unsigned long long)r[i].base,
				      (unsigned long long)(r[i].base + r[i].len), r[i].type);
	}
	assert_int_equal(n, nwant);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(r[i].base, want[i].base);
		assert_int_equal(r[i].len, want[i].len);
		assert_int_equal(r[i].type, want[i].type);
	}
}

#define SANITIZE_OK(cap, ...)                                              \
	do {                                                               \
		static const struct mem_region want_[] = {__VA_ARGS__};    \
		assert_int_equal(memmap_sanitize(r, &n, (cap)), 0);        \
		expect_map(r, n, want_, sizeof(want_) / sizeof(want_[0])); \
	} while (0)

static void test_memmap_basic(void **state)
{
	struct mem_region r[16];
	unsigned n;

	(void)state;
	/* Empty. */
	n = 0;
	assert_int_equal(memmap_sanitize(r, &n, 16), 0);
	assert_int_equal(n, 0);
	assert_int_equal(memmap_sanitize(NULL, &n, 16), -EINVAL);
	assert_int_equal(memmap_sanitize(r, NULL, 16), -EINVAL);
	n = 3;
	assert_int_equal(memmap_sanitize(r, &n, 2), -EINVAL);
	assert_int_equal(n, 3);

	/* Zero-length dropped; sorted by base. */
	n = 4;
	r[0] = (struct mem_region){0x10000, 0x1000, R};
	r[1] = (struct mem_region){0x5000, 0, U};
	r[2] = (struct mem_region){0x0, 0x2000, U};
	r[3] = (struct mem_region){0x8000, 0x1000, NVS};
	SANITIZE_OK(16, {0x0, 0x2000, U}, {0x8000, 0x1000, NVS}, {0x10000, 0x1000, R});

	/* All empty. */
	n = 2;
	r[0] = (struct mem_region){0x1000, 0, U};
	r[1] = (struct mem_region){0, 0, R};
	assert_int_equal(memmap_sanitize(r, &n, 16), 0);
	assert_int_equal(n, 0);
}

static void test_memmap_overlap(void **state)
{
	struct mem_region r[16];
	unsigned n;

	(void)state;
	/* Reserved in the middle of usable: usable split around it. */
	n = 2;
	r[0] = (struct mem_region){0, 0x10000, U};
	r[1] = (struct mem_region){0x4000, 0x2000, R};
	SANITIZE_OK(16, {0, 0x4000, U}, {0x4000, 0x2000, R}, {0x6000, 0xa000, U});

	/* Same, reserved listed first. */
	n = 2;
	r[0] = (struct mem_region){0x4000, 0x2000, R};
	r[1] = (struct mem_region){0, 0x10000, U};
	SANITIZE_OK(16, {0, 0x4000, U}, {0x4000, 0x2000, R}, {0x6000, 0xa000, U});

	/* Usable inside reserved: vanishes. */
	n = 2;
	r[0] = (struct mem_region){0, 0x10000, R};
	r[1] = (struct mem_region){0x4000, 0x2000, U};
	SANITIZE_OK(16, {0, 0x10000, R});

	/* Partial overlaps on either side. */
	n = 3;
	r[0] = (struct mem_region){0x0, 0x5000, U};
	r[1] = (struct mem_region){0x4000, 0x4000, R};
	r[2] = (struct mem_region){0x7000, 0x5000, U};
	SANITIZE_OK(16, {0x0, 0x4000, U}, {0x4000, 0x4000, R}, {0x8000, 0x4000, U});

	/* Same base, usable longer: reserved first, usable tail after. */
	n = 2;
	r[0] = (struct mem_region){0x1000, 0x8000, U};
	r[1] = (struct mem_region){0x1000, 0x2000, R};
	SANITIZE_OK(16, {0x1000, 0x2000, R}, {0x3000, 0x6000, U});

	/* Same base, same end. */
	n = 2;
	r[0] = (struct mem_region){0x1000, 0x2000, U};
	r[1] = (struct mem_region){0x1000, 0x2000, AR};
	SANITIZE_OK(16, {0x1000, 0x2000, AR});

	/* Non-usable priorities: the higher type number wins. */
	n = 2;
	r[0] = (struct mem_region){0x0, 0x10000, NVS};
	r[1] = (struct mem_region){0x4000, 0x2000, R};
	SANITIZE_OK(16, {0x0, 0x10000, NVS});
	n = 2;
	r[0] = (struct mem_region){0x0, 0x10000, R};
	r[1] = (struct mem_region){0x4000, 0x2000, NVS};
	SANITIZE_OK(16, {0x0, 0x4000, R}, {0x4000, 0x2000, NVS}, {0x6000, 0xa000, R});
	n = 2;
	r[0] = (struct mem_region){0x0, 0x8000, AR};
	r[1] = (struct mem_region){0x4000, 0x8000, BAD};
	SANITIZE_OK(16, {0x0, 0x4000, AR}, {0x4000, 0x8000, BAD});
	n = 2;
	r[0] = (struct mem_region){0x0, 0x8000, BAD};
	r[1] = (struct mem_region){0x4000, 0x8000, AR};
	SANITIZE_OK(16, {0x0, 0x8000, BAD}, {0x8000, 0x4000, AR});

	/* Unknown types (as a caller may pass) still beat usable. */
	n = 2;
	r[0] = (struct mem_region){0x0, 0x8000, U};
	r[1] = (struct mem_region){0x2000, 0x1000, 0};
	SANITIZE_OK(16, {0x0, 0x2000, U}, {0x2000, 0x1000, 0}, {0x3000, 0x5000, U});

	/* One usable region spanning many holes. */
	n = 5;
	r[0] = (struct mem_region){0x0, 0x100000, U};
	r[1] = (struct mem_region){0x10000, 0x1000, R};
	r[2] = (struct mem_region){0x20000, 0x1000, NVS};
	r[3] = (struct mem_region){0x30000, 0x1000, BAD};
	r[4] = (struct mem_region){0x30800, 0x1000, AR};
	SANITIZE_OK(16, {0x0, 0x10000, U}, {0x10000, 0x1000, R}, {0x11000, 0xf000, U},
		    {0x20000, 0x1000, NVS}, {0x21000, 0xf000, U}, {0x30000, 0x1000, BAD},
		    {0x31000, 0x800, AR}, {0x32000, 0xce000, U});

	/* Nested: usable > reserved > NVS. */
	n = 3;
	r[0] = (struct mem_region){0x0, 0x10000, U};
	r[1] = (struct mem_region){0x2000, 0x8000, R};
	r[2] = (struct mem_region){0x4000, 0x1000, NVS};
	SANITIZE_OK(16, {0x0, 0x2000, U}, {0x2000, 0x2000, R}, {0x4000, 0x1000, NVS},
		    {0x5000, 0x5000, R}, {0xa000, 0x6000, U});
}

static void test_memmap_merge_align(void **state)
{
	struct mem_region r[16];
	unsigned n;

	(void)state;
	/* Adjacent and overlapping same-type regions merge; different types do not. */
	n = 5;
	r[0] = (struct mem_region){0x0, 0x1000, U};
	r[1] = (struct mem_region){0x1000, 0x1000, U};
	r[2] = (struct mem_region){0x1800, 0x2000, U};
	r[3] = (struct mem_region){0x3800, 0x800, R};
	r[4] = (struct mem_region){0x4000, 0x1000, R};
	SANITIZE_OK(16, {0x0, 0x3000, U}, {0x3800, 0x1800, R});

	/* Merge first, then align: two unaligned halves make one page. */
	n = 2;
	r[0] = (struct mem_region){0x1800, 0x800, U};
	r[1] = (struct mem_region){0x2000, 0x1800, U};
	SANITIZE_OK(16, {0x2000, 0x1000, U});

	/* Usable shrinks inward, reserved keeps its bounds; usable smaller than a page vanishes. */
	n = 4;
	r[0] = (struct mem_region){0x1001, 0x2ffe, U};
	r[1] = (struct mem_region){0x5000, 0x123, R};
	r[2] = (struct mem_region){0x6100, 0xe00, U};
	r[3] = (struct mem_region){0x8800, 0x1000, U};
	SANITIZE_OK(16, {0x2000, 0x1000, U}, {0x5000, 0x123, R});

	/* A typical PC map (QEMU's e820 with a 128 MiB guest). */
	n = 6;
	r[0] = (struct mem_region){0x0, 0x9fc00, U};
	r[1] = (struct mem_region){0x9fc00, 0x400, R};
	r[2] = (struct mem_region){0xf0000, 0x10000, R};
	r[3] = (struct mem_region){0x100000, 0x7ee0000, U};
	r[4] = (struct mem_region){0x7fe0000, 0x20000, R};
	r[5] = (struct mem_region){0xfffc0000, 0x40000, R};
	SANITIZE_OK(16, {0x0, 0x9f000, U}, {0x9fc00, 0x400, R}, {0xf0000, 0x10000, R},
		    {0x100000, 0x7ee0000, U}, {0x7fe0000, 0x20000, R}, {0xfffc0000, 0x40000, R});
	assert_int_equal(memmap_usable_bytes(r, n), 0x9f000 + 0x7ee0000);
	assert_int_equal(memmap_usable_end(r, n), 0x7fe0000);
}

static void test_memmap_overflow(void **state)
{
	struct mem_region r[16];
	unsigned n;

	(void)state;
	/* base + len wraps: clipped at the top of the address space. */
	n = 2;
	r[0] = (struct mem_region){0xfffffffffff00000ull, 0x200000, U};
	r[1] = (struct mem_region){0xffffffffffff0000ull, UINT64_MAX, R};
	SANITIZE_OK(16, {0xfffffffffff00000ull, 0xf0000, U}, {0xffffffffffff0000ull, 0xffff, R});

	/* Usable near the top: aligning up would wrap, so it vanishes. */
	n = 1;
	r[0] = (struct mem_region){0xfffffffffffff001ull, 0xfff, U};
	assert_int_equal(memmap_sanitize(r, &n, 16), 0);
	assert_int_equal(n, 0);
	n = 1;
	r[0] = (struct mem_region){UINT64_MAX, UINT64_MAX, U};
	assert_int_equal(memmap_sanitize(r, &n, 16), 0);
	assert_int_equal(n, 0);

	/* A whole-space usable region, minus the reserved hole. */
	n = 2;
	r[0] = (struct mem_region){0, UINT64_MAX, U};
	r[1] = (struct mem_region){0x1000, 0x1000, R};
	SANITIZE_OK(16, {0, 0x1000, U}, {0x1000, 0x1000, R},
		    {0x2000, 0xfffffffffffff000ull - 0x2000, U});

	/* Usable helpers saturate / clip on unsanitized input. */
	r[0] = (struct mem_region){0, UINT64_MAX, U};
	r[1] = (struct mem_region){0x1000, UINT64_MAX, U};
	assert_int_equal(memmap_usable_bytes(r, 2), UINT64_MAX);
	assert_int_equal(memmap_usable_end(r, 2), UINT64_MAX);
	assert_int_equal(memmap_usable_bytes(NULL, 2), 0);
	assert_int_equal(memmap_usable_end(NULL, 2), 0);
	r[0] = (struct mem_region){0x1000, 0x1000, R};
	r[1] = (struct mem_region){0x5000, 0, U};
	assert_int_equal(memmap_usable_bytes(r, 2), 0);
	assert_int_equal(memmap_usable_end(r, 2), 0);
	r[1] = (struct mem_region){0x5000, 0x3000, U};
	r[2] = (struct mem_region){0x2000, 0x1000, U};
	assert_int_equal(memmap_usable_bytes(r, 3), 0x4000);
	assert_int_equal(memmap_usable_end(r, 3), 0x8000);
}

static void test_memmap_nospace(void **state)
{
	struct mem_region r[16];
	unsigned n;

	(void)state;
	/* Needs 3 entries, has room for 2: the usable tail is dropped. */
	n = 2;
	r[0] = (struct mem_region){0, 0x10000, U};
	r[1] = (struct mem_region){0x4000, 0x2000, R};
	assert_int_equal(memmap_sanitize(r, &n, 2), -ENOSPC);
	expect_map(r, n, (const struct mem_region[]){{0, 0x4000, U}, {0x4000, 0x2000, R}}, 2);

	/* Non-usable split without room: the higher type absorbs the tail, nothing turns usable. */
	n = 2;
	r[0] = (struct mem_region){0, 0x10000, R};
	r[1] = (struct mem_region){0x4000, 0x2000, NVS};
	assert_int_equal(memmap_sanitize(r, &n, 2), -ENOSPC);
	expect_map(r, n, (const struct mem_region[]){{0, 0x4000, R}, {0x4000, 0xc000, NVS}}, 2);

	/* Same inputs with room: exact. */
	n = 2;
	r[0] = (struct mem_region){0, 0x10000, R};
	r[1] = (struct mem_region){0x4000, 0x2000, NVS};
	SANITIZE_OK(3, {0, 0x4000, R}, {0x4000, 0x2000, NVS}, {0x6000, 0xa000, R});

	/* Splits that do not need room: cap == n is fine. */
	n = 2;
	r[0] = (struct mem_region){0, 0x10000, U};
	r[1] = (struct mem_region){0x8000, 0x10000, R};
	SANITIZE_OK(2, {0, 0x8000, U}, {0x8000, 0x10000, R});
}

/* Brute-force reference over a small space: one type per 1 KiB unit. */
#define REF_UNIT  0x400u
#define REF_UNITS 64u
#define REF_NONE  0xffffffffu

static uint64_t ref_rank(uint32_t t)
{
	return t == MEM_USABLE ? 0 : (uint64_t)t + 1;
}

static unsigned ref_build(const struct mem_region *in, unsigned n, struct mem_region *out,
			  uint32_t *unit)
{
	unsigned k = 0;

	for (unsigned u = 0; u < REF_UNITS; u++)
		unit[u] = REF_NONE;
	for (unsigned i = 0; i < n; i++)
		for (uint64_t a = in[i].base; a < in[i].base + in[i].len; a += REF_UNIT) {
			uint32_t *t = &unit[a / REF_UNIT];

			if (*t == REF_NONE || ref_rank(in[i].type) > ref_rank(*t))
				*t = in[i].type;
		}
	for (unsigned u = 0; u < REF_UNITS;) {
		unsigned v = u;

		while (v < REF_UNITS && unit[v] == unit[u])
			v++;
		if (unit[u] != REF_NONE) {
			uint64_t b = (uint64_t)u * REF_UNIT, e = (uint64_t)v * REF_UNIT;

			if (unit[u] == MEM_USABLE) {
				b = (b + 0xfff) & ~0xfffull;
				e &= ~0xfffull;
			}
			if (e > b)
				out[k++] = (struct mem_region){b, e - b, unit[u]};
		}
		u = v;
	}
	return k;
}

static uint32_t type_at(const struct mem_region *r, unsigned n, uint64_t a)
{
	for (unsigned i = 0; i < n; i++)
		if (a >= r[i].base && a - r[i].base < r[i].len)
			return r[i].type;
	return REF_NONE;
}

static void check_sane(const struct mem_region *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		assert_true(r[i].len > 0);
		if (r[i].type == MEM_USABLE) {
			assert_true((r[i].base & 0xfff) == 0);
			assert_true((r[i].len & 0xfff) == 0);
		}
		if (i > 0) {
			assert_true(r[i - 1].base + r[i - 1].len <= r[i].base);
			if (r[i - 1].base + r[i - 1].len == r[i].base)
				assert_true(r[i - 1].type != r[i].type);
		}
	}
}

static void test_memmap_random(void **state)
{
	static const uint32_t types[] = {U, U, U, R, AR, NVS, BAD, 0, 9};
	struct mem_region in[16], r[64], want[64];
	uint32_t unit[REF_UNITS];
	unsigned nospc = 0, exact = 0;

	(void)state;
	rng_state = 0xc0ffee;
	for (int iter = 0; iter < 50000; iter++) {
		unsigned n = rng() % 13, nwant, cap;
		int rc;

		for (unsigned i = 0; i < n; i++) {
			uint64_t a = rng() % REF_UNITS, b = rng() % (REF_UNITS + 1);

			if (b < a) {
				uint64_t t = a;

				a = b;
				b = t;
			}
			in[i] = (struct mem_region){
				a * REF_UNIT, (b - a) * REF_UNIT,
				types[rng() % (sizeof(types) / sizeof(types[0]))]};
		}
		nwant = ref_build(in, n, want, unit);

		/* Generous room: exactly the reference. */
		memcpy(r, in, n * sizeof(in[0]));
		cap = 4 * n;
		{
			unsigned m = n;

			rc = memmap_sanitize(r, &m, cap);
			assert_int_equal(rc, 0);
			expect_map(r, m, want, nwant);
		}

		/* No spare room: exact when it fits, else sane and conservative. */
		memcpy(r, in, n * sizeof(in[0]));
		{
			unsigned m = n;

			rc = memmap_sanitize(r, &m, n);
			assert_true(m <= n);
			check_sane(r, m);
			if (rc == 0) {
				expect_map(r, m, want, nwant);
				exact++;
				continue;
			}
			assert_int_equal(rc, -ENOSPC);
			nospc++;
			for (unsigned u = 0; u < REF_UNITS; u++) {
				uint32_t got = type_at(r, m, (uint64_t)u * REF_UNIT);

				/* Never usable unless the reference says so. */
				if (got == MEM_USABLE)
					assert_int_equal(unit[u], MEM_USABLE);
				/* Never loses a non-usable unit. */
				if (unit[u] != REF_NONE && unit[u] != MEM_USABLE)
					assert_true(got != REF_NONE && got != MEM_USABLE);
			}
		}
	}
	assert_true(nospc > 100);
	assert_true(exact > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mb2_full),	cmocka_unit_test(test_mb2_acpi_preference),
		cmocka_unit_test(test_mb2_minimal),	cmocka_unit_test(test_mb2_bad_header),
		cmocka_unit_test(test_mb2_bad_tags),	cmocka_unit_test(test_mb2_strings),
		cmocka_unit_test(test_mb2_mmap),	cmocka_unit_test(test_mb2_framebuffer),
		cmocka_unit_test(test_mb2_fuzz),	cmocka_unit_test(test_memmap_basic),
		cmocka_unit_test(test_memmap_overlap),	cmocka_unit_test(test_memmap_merge_align),
		cmocka_unit_test(test_memmap_overflow), cmocka_unit_test(test_memmap_nospace),
		cmocka_unit_test(test_memmap_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
