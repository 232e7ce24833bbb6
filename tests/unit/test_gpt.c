/* GPT and MBR: Keel's tables read back and judged by sgdisk, real tools' tables read,
 * damage detected and repaired, hostile tables refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include <vmk/crc32.h>
#include <vmk/errno.h>
#include <vmk/gpt.h>
#include <vmk/le.h>
#include <vmk/part.h>

/* A disk in memory. */
struct memdisk {
	uint8_t *data;
	uint32_t ss;
	uint64_t sectors;
};

static int md_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct memdisk *m = ctx;

	assert_true(lba + count <= m->sectors); /* the parsers never read off the disk */
	memcpy(buf, m->data + lba * m->ss, (size_t)count * m->ss);
	return 0;
}

static int md_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	struct memdisk *m = ctx;

	assert_true(lba + count <= m->sectors);
	memcpy(m->data + lba * m->ss, buf, (size_t)count * m->ss);
	return 0;
}

static struct part_disk md_open(struct memdisk *m, uint32_t ss, uint64_t sectors)
{
	m->ss = ss;
	m->sectors = sectors;
	m->data = calloc(sectors, ss);
	assert_non_null(m->data);
	struct part_disk d = {ss, sectors, m, md_read, md_write};
	return d;
}

static struct guid G(const char *s) {
	struct guid g;

	assert_int_equal(guid_parse(s, &g), 0);
	return g;
}

/* Keel's layout for a test disk: ESP, two banks, the rest for a datastore; entry 4 unused. */
static void
make_table(struct part_disk *d, struct gpt_new *t)
{
	uint64_t mib = (1u << 20) / d->sector_size;
	struct gpt_new_part p[] = {
		{G(GPT_TYPE_EFI_SYSTEM), G("11111111-2222-3333-4444-555555555555"), 0, 0, 2 * mib,
		 0, "EFI system", 0},
		{G(GPT_TYPE_MS_BASIC), G("21111111-2222-3333-4444-555555555555"), 0, 0, 4 * mib, 0,
		 "bootbank-A", GPT_ATTR_LEGACY_BOOT},
		{G(GPT_TYPE_MS_BASIC), G("31111111-2222-3333-4444-555555555555"), 0, 0, 4 * mib, 0,
		 "bootbank-\xc3\xa9\xf0\x9f\x98\x80", 0},
	};
	struct guid disk = G("01234567-89ab-cdef-0123-456789abcdef");

	assert_int_equal(gpt_new_init(t, d->sector_size, d->sectors, &disk), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(gpt_new_add(t, &p[i], NULL, NULL), 0);
	/* The rest of the disk, as entry 5 (index 4): numbers follow entry indexes. */
	struct gpt_new_part rest = {G(GPT_TYPE_LINUX_FS),
				    G("51111111-2222-3333-4444-555555555555"),
				    0,
				    0,
				    0,
				    0,
				    "datastore",
				    0};
	struct gpt_new_part dummy = {G(GPT_TYPE_LINUX_FS),
				     G("41111111-2222-3333-4444-555555555555"),
				     0,
				     0,
				     8,
				     8,
				     NULL,
				     0};
	unsigned n;

	assert_int_equal(gpt_new_add(t, &dummy, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_int_equal(gpt_new_add(t, &rest, &n, NULL), 0);
	assert_int_equal(n, 5);
	memset(t->ent[3], 0, GPT_ENTRY_SIZE); /* free entry 4 again: a gap in the numbers */
	assert_int_equal(gpt_write(t, d), 0);
}

static void check_table(const struct part_table *t, uint32_t ss, uint64_t sectors)
{
	uint64_t mib = (1u << 20) / ss, asec = 16384 / ss;

	assert_int_equal(t->scheme, PART_SCHEME_GPT);
	assert_int_equal(t->count, 4);
	assert_int_equal(t->part[0].number, 1);
	assert_int_equal(t->part[0].start, mib);
	assert_int_equal(t->part[0].length, 2 * mib);
	assert_string_equal(t->part[0].name, "EFI system");
	assert_int_equal(t->part[1].number, 2);
	assert_true(t->part[1].flags & PART_F_BOOTABLE);
	assert_string_equal(t->part[2].name, "bootbank-\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(t->part[3].number, 5);
	assert_string_equal(t->part[3].name, "datastore");
	assert_int_equal(t->part[3].start + t->part[3].length - 1, sectors - 2 - asec);
	char txt[GUID_TEXT_LEN + 1];

	guid_format(&t->part[1].uuid, txt);
	assert_string_equal(txt, "21111111-2222-3333-4444-555555555555");
	guid_format(&t->disk_guid, txt);
	assert_string_equal(txt, "01234567-89ab-cdef-0123-456789abcdef");
}

static void test_guid_bytes(void **state)
{
	struct guid g = G(GPT_TYPE_EFI_SYSTEM);
	static const uint8_t disk[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
					 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b};
	char txt[GUID_TEXT_LEN + 1];

	(void)state;
	assert_memory_equal(g.b, disk, 16);
	guid_format(&g, txt);
	assert_string_equal(txt, GPT_TYPE_EFI_SYSTEM);
	assert_int_equal(guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", &g), 0);
	assert_memory_equal(g.b, disk, 16);
	assert_int_equal(guid_parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93", &g), -EINVAL);
	assert_int_equal(guid_parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93bb", &g), -EINVAL);
	assert_int_equal(guid_parse("c12a7328xf81f-11d2-ba4b-00a0c93ec93b", &g), -EINVAL);
	assert_int_equal(guid_parse("g12a7328-f81f-11d2-ba4b-00a0c93ec93b", &g), -EINVAL);
}

static void test_names(void **state)
{
	uint8_t u[72];
	char out[PART_NAME_MAX + 1];

	(void)state;
	assert_int_equal(gpt_name_from_utf8("a\xc3\xa9\xf0\x9f\x98\x80", u, 36), 4);
	assert_int_equal(le16(u + 4), 0xd83d);
	assert_int_equal(le16(u + 6), 0xde00);
	gpt_name_to_utf8(u, 36, out, sizeof(out));
	assert_string_equal(out, "a\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(gpt_name_from_utf8("\xc0\x80", u, 36), -EINVAL);     /* overlong */
	assert_int_equal(gpt_name_from_utf8("\xed\xa0\x80", u, 36), -EINVAL); /* surrogate */
	assert_int_equal(gpt_name_from_utf8("\xe2\x82", u, 36), -EINVAL);     /* truncated */
	assert_int_equal(gpt_name_from_utf8("0123456789012345678901234567890123456", u, 36),
			 -ENAMETOOLONG);
	/* An unpaired high surrogate, then 'x'. */
	memset(u, 0, sizeof(u));
	put_le16(u, 0xd800);
	put_le16(u + 2, 'x');
	gpt_name_to_utf8(u, 36, out, sizeof(out));
	assert_string_equal(out, "\xef\xbf\xbdx");
	/* 36 three-byte characters fill PART_NAME_MAX exactly. */
	for (unsigned i = 0; i < 36; i++)
		put_le16(u + 2 * i, 0x20ac);
	gpt_name_to_utf8(u, 36, out, sizeof(out));
	assert_int_equal(strlen(out), PART_NAME_MAX);
}

static void roundtrip(uint32_t ss, uint64_t sectors)
{
	struct memdisk m;
	struct part_disk d = md_open(&m, ss, sectors);
	struct gpt_new *t = malloc(sizeof(*t));
	struct part_table *pt = malloc(sizeof(*pt));

	make_table(&d, t);
	assert_int_equal(part_read(&d, pt), 0);
	assert_int_equal(pt->primary.err, 0);
	assert_int_equal(pt->backup.err, 0);
	assert_false(pt->mismatch);
	assert_null(pt->why);
	check_table(pt, ss, sectors);
	/* Not an MBR table. */
	assert_int_equal(mbr_read(&d, pt), -ENOENT);
	free(t);
	free(pt);
	free(m.data);
}

static void test_roundtrip_512(void **state)
{
	(void)state;
	roundtrip(512, 64 * 2048);
}

static void test_roundtrip_4096(void **state)
{
	(void)state;
	roundtrip(4096, 64 * 256);
}

/* sgdisk -v judges a Keel-written image; sgdisk's own view of it matches Keel's. */
static void test_sgdisk_verifies_keel(void **state)
{
	char path[] = "/tmp/keel-gpt-XXXXXX", cmd[256], line[256];
	struct memdisk m;
	struct part_disk d = md_open(&m, 512, 64 * 2048);
	struct gpt_new *t = malloc(sizeof(*t));
	int fd = mkstemp(path), ok = 0;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	make_table(&d, t);
	assert_int_equal(write(fd, m.data, 64 << 20), 64 << 20);
	close(fd);
	snprintf(cmd, sizeof(cmd), "sgdisk -v %s 2>&1", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		print_message("# sgdisk: %s", line);
		if (strstr(line, "No problems found"))
			ok = 1;
	}
	assert_int_equal(pclose(f), 0);
	assert_true(ok);
	/* sgdisk -i 5: the unique GUID and the first/last sectors Keel wrote. */
	snprintf(cmd, sizeof(cmd), "sgdisk -i 5 %s 2>&1", path);
	f = popen(cmd, "r");
	ok = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "51111111-2222-3333-4444-555555555555") ||
		    strstr(line, "First sector: 22528 ") || strstr(line, "Last sector: 131038 ") ||
		    strstr(line, "'datastore'"))
			ok++;
	pclose(f);
	assert_int_equal(ok, 4);
	unlink(path);
	free(t);
	free(m.data);
}

/* Damage one copy: the other is used, the damage reported, repair makes both valid. */
static void test_damage_and_repair(void **state)
{
	struct memdisk m;
	struct part_disk d = md_open(&m, 512, 64 * 2048);
	struct gpt_new *t = malloc(sizeof(*t));
	struct part_table *pt = malloc(sizeof(*pt));
	uint64_t last = d.sectors - 1;

	(void)state;
	make_table(&d, t);
	m.data[512 + 60] ^= 1; /* primary header: CRC mismatch */
	assert_int_equal(part_read(&d, pt), 0);
	assert_int_equal(pt->primary.err, -EBADMSG);
	assert_string_equal(pt->primary.why, "GPT header CRC mismatch");
	assert_int_equal(pt->backup.err, 0);
	assert_non_null(pt->why);
	check_table(pt, 512, d.sectors);
	assert_int_equal(gpt_repair(&d, pt), 0);
	assert_int_equal(pt->primary.err, 0);
	assert_int_equal(pt->backup.err, 0);
	check_table(pt, 512, d.sectors);

	m.data[(last - 32) * 512 + 130] ^= 0x40; /* backup array: CRC mismatch */
	assert_int_equal(part_read(&d, pt), 0);
	assert_int_equal(pt->primary.err, 0);
	assert_int_equal(pt->backup.err, -EBADMSG);
	assert_string_equal(pt->backup.why, "GPT entry array CRC mismatch");
	assert_int_equal(gpt_repair(&d, pt), 0);
	assert_int_equal(pt->backup.err, 0);

	/* Both damaged: an error, no partitions. */
	m.data[512 * 2 + 5] ^= 1;
	m.data[(last - 32) * 512 + 5] ^= 1;
	assert_int_equal(part_read(&d, pt), -EBADMSG);
	assert_int_equal(pt->count, 0);
	assert_int_equal(gpt_repair(&d, pt), -EINVAL);
	free(t);
	free(pt);
	free(m.data);
}

/* Change a primary header field, fix the CRC, and expect the named check to refuse it. */
static void bad_header(unsigned off, unsigned n, uint64_t val, const char *why)
{
	struct memdisk m;
	struct part_disk d = md_open(&m, 512, 64 * 2048);
	struct gpt_new *t = malloc(sizeof(*t));
	struct part_table *pt = malloc(sizeof(*pt));
	uint8_t *h = m.data + 512;

	make_table(&d, t);
	le_put(h + off, n, val);
	put_le32(h + 16, 0);
	put_le32(h + 16, crc32_ieee(h, le32(h + 12) <= 512 ? le32(h + 12) : 92));
	assert_int_equal(part_read(&d, pt), 0); /* the backup saves the day */
	assert_int_not_equal(pt->primary.err, 0);
	assert_string_equal(pt->primary.why, why);
	free(t);
	free(pt);
	free(m.data);
}

static void test_bad_headers(void **state)
{
	(void)state;
	bad_header(8, 4, 0x00020000, "unsupported GPT revision");
	bad_header(12, 4, 91, "GPT header size out of range");
	bad_header(12, 4, 513, "GPT header size out of range");
	bad_header(24, 8, 2, "GPT header my_lba is not where it was read");
	bad_header(32, 8, 1ull << 40, "GPT alternate_lba outside the disk");
	bad_header(40, 8, 1ull << 40, "GPT usable range outside the disk");
	bad_header(48, 8, 64 * 2048, "GPT usable range outside the disk");
	bad_header(40, 8, 1, "GPT usable range holds a header");
	bad_header(84, 4, 192, "GPT entry size not 128 * 2^n up to 4096");
	bad_header(84, 4, 8192, "GPT entry size not 128 * 2^n up to 4096");
	bad_header(80, 4, 0, "GPT entry count out of range");
	bad_header(80, 4, 0xffffffff, "GPT entry count out of range");
	bad_header(72, 8, 64 * 2048 - 5, "GPT entry array outside the disk");
	bad_header(72, 8, 1, "GPT entry array overlaps a header");
	bad_header(72, 8, 40, "GPT entry array overlaps the usable range");
	bad_header(88, 4, 0x12345678, "GPT entry array CRC mismatch");
}

/* Entries that lie, with both CRCs made right: refused. */
static void bad_entry(uint64_t first, uint64_t last, const char *why)
{
	struct memdisk m;
	struct part_disk d = md_open(&m, 512, 64 * 2048);
	struct gpt_new *t = malloc(sizeof(*t));
	struct part_table *pt = malloc(sizeof(*pt));
	uint8_t *h = m.data + 512, *e = m.data + 1024 + 128; /* entry 2 */

	make_table(&d, t);
	put_le64(e + 32, first);
	put_le64(e + 40, last);
	put_le32(h + 88, crc32_ieee(m.data + 1024, 16384));
	put_le32(h + 16, 0);
	put_le32(h + 16, crc32_ieee(h, 92));
	assert_int_equal(part_read(&d, pt), 0);
	assert_string_equal(pt->primary.why, why);
	check_table(pt, 512, d.sectors); /* from the backup */
	free(t);
	free(pt);
	free(m.data);
}

static void test_bad_entries(void **state)
{
	(void)state;
	bad_entry(5000, 4999, "GPT partition outside the usable range");
	bad_entry(33, 5000, "GPT partition outside the usable range");
	bad_entry(5000, 64 * 2048 - 2, "GPT partition outside the usable range");
	bad_entry(4000, 5000, "GPT partitions overlap");
}

static void test_writer_errors(void **state)
{
	struct gpt_new *t = malloc(sizeof(*t));
	struct guid g = G("01234567-89ab-cdef-0123-456789abcdef");
	struct gpt_new_part p = {G(GPT_TYPE_LINUX_FS), g, 2048, 4095, 0, 0, "x", 0};
	struct part_info placed;

	(void)state;
	assert_int_equal(gpt_new_init(t, 1000, 100000, &g), -EINVAL);
	assert_int_equal(gpt_new_init(t, 512, 60, &g), -EINVAL);
	assert_int_equal(gpt_new_init(t, 512, 100000, &g), 0);
	assert_int_equal(gpt_new_add(t, &p, NULL, &placed), 0);
	assert_int_equal(placed.length, 2048);
	assert_int_equal(gpt_new_add(t, &p, NULL, NULL), -EEXIST);
	p.first = 4000, p.last = 0, p.size = 10;
	assert_int_equal(gpt_new_add(t, &p, NULL, NULL), -EEXIST);
	p.first = 0, p.size = 1ull << 40;
	assert_int_equal(gpt_new_add(t, &p, NULL, NULL), -ENOSPC);
	p.size = 100, p.name = "\xff";
	assert_int_equal(gpt_new_add(t, &p, NULL, NULL), -EINVAL);
	p.name = NULL, p.type = (struct guid){{0}};
	assert_int_equal(gpt_new_add(t, &p, NULL, NULL), -EINVAL);
	free(t);
}

/* MBR: primaries, an extended partition with logicals; a loop; no table. */
static void put_mbr_entry(uint8_t *sec, unsigned i, uint8_t boot, uint8_t type, uint32_t start,
			  uint32_t size)
{
	uint8_t *e = sec + 446 + 16 * i;

	e[0] = boot;
	e[4] = type;
	put_le32(e + 8, start);
	put_le32(e + 12, size);
	sec[510] = 0x55;
	sec[511] = 0xaa;
}

static void test_mbr(void **state)
{
	struct memdisk m;
	struct part_disk d = md_open(&m, 512, 65536);
	struct part_table *pt = malloc(sizeof(*pt));

	(void)state;
	assert_int_equal(part_read(&d, pt), -ENOENT);
	put_le32(m.data + 440, 0xdeadbeef);
	put_mbr_entry(m.data, 0, 0x80, 0x83, 2048, 4096);
	put_mbr_entry(m.data, 2, 0, 0x05, 8192, 16384);
	/* EBR 1 at 8192: logical at +2048, link to 8192 + 8192; EBR 2: logical at +2048. */
	put_mbr_entry(m.data + 8192 * 512, 0, 0, 0x83, 2048, 1000);
	put_mbr_entry(m.data + 8192 * 512, 1, 0, 0x05, 8192, 4096);
	put_mbr_entry(m.data + 16384 * 512, 0, 0, 0x0c, 2048, 2048);
	assert_int_equal(part_read(&d, pt), 0);
	assert_int_equal(pt->scheme, PART_SCHEME_MBR);
	assert_int_equal(pt->mbr_id, 0xdeadbeef);
	assert_int_equal(pt->count, 4);
	assert_int_equal(pt->part[0].number, 1);
	assert_true(pt->part[0].flags & PART_F_BOOTABLE);
	assert_int_equal(pt->part[1].number, 3);
	assert_true(pt->part[1].flags & PART_F_EXTENDED);
	assert_int_equal(pt->part[2].number, 5);
	assert_int_equal(pt->part[2].start, 10240);
	assert_int_equal(pt->part[2].length, 1000);
	assert_int_equal(pt->part[3].number, 6);
	assert_int_equal(pt->part[3].start, 18432);
	assert_int_equal(pt->part[3].mbr_type, 0x0c);

	/* EBR 2 links back to EBR 1: a loop. */
	put_mbr_entry(m.data + 16384 * 512, 1, 0, 0x05, 0 + 1, 100);
	put_le32(m.data + 16384 * 512 + 446 + 16 + 8, 0); /* relative 0 = the first EBR */
	assert_int_equal(part_read(&d, pt), -EINVAL);
	put_le32(m.data + 16384 * 512 + 446 + 16 + 8, 8192); /* itself */
	assert_int_equal(part_read(&d, pt), -EINVAL);
	assert_string_equal(pt->why, "EBR chain loops");
	put_mbr_entry(m.data + 16384 * 512, 1, 0, 0, 0, 0);

	/* A primary past the end of the disk; a bad boot flag (a boot sector). */
	put_mbr_entry(m.data, 1, 0, 0x83, 60000, 10000);
	assert_int_equal(part_read(&d, pt), -EINVAL);
	assert_string_equal(pt->why, "MBR partition outside the disk");
	put_mbr_entry(m.data, 1, 0x12, 0x83, 60000, 100);
	assert_int_equal(part_read(&d, pt), -ENOENT);
	/* A protective MBR with no GPT behind it. */
	put_mbr_entry(m.data, 1, 0, 0xee, 1, 65535);
	assert_int_equal(part_read(&d, pt), -EINVAL);
	assert_string_equal(pt->why, "no GPT signature");
	free(pt);
	free(m.data);
}

/* An EBR chain longer than PART_EBR_MAX is refused, not followed forever. */
static void test_mbr_long_chain(void **state)
{
	struct memdisk m;
	struct part_disk d = md_open(&m, 512, 4096);
	struct part_table *pt = malloc(sizeof(*pt));

	(void)state;
	put_mbr_entry(m.data, 0, 0, 0x0f, 1024, 3000);
	for (unsigned k = 0; k <= PART_EBR_MAX; k++) {
		uint8_t *ebr = m.data + (1024 + 2 * k) * 512;

		put_mbr_entry(ebr, 0, 0, 0x83, 1, 1);
		put_mbr_entry(ebr, 1, 0, 0x05, 2 * (k + 1), 2);
	}
	assert_int_equal(part_read(&d, pt), -EINVAL);
	assert_string_equal(pt->why, "EBR chain longer than PART_EBR_MAX");
	free(pt);
	free(m.data);
}

/* A disk image file (made by the host's tools). */
static int fd_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	size_t n = (size_t)count * 512;

	return pread(*(int *)ctx, buf, n, (off_t)(lba * 512)) == (ssize_t)n ? 0 : -EIO;
}

/* Run sh, then read the image with Keel and compare with sfdisk --json's listing. */
static void tool_image(const char *sh, const char *expect_scheme)
{
	char path[] = "/tmp/keel-gpt-XXXXXX", cmd[1024], keel[8192] = "", tool[8192] = "";
	struct part_table *pt = malloc(sizeof(*pt));
	int fd = mkstemp(path);
	size_t at = 0;
	FILE *f;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 32 << 20), 0);
	snprintf(cmd, sizeof(cmd), "IMG=%s; %s > /dev/null", path, sh);
	assert_int_equal(system(cmd), 0);
	struct part_disk d = {512, 65536, &fd, fd_read, NULL};

	assert_int_equal(part_read(&d, pt), 0);
	assert_string_equal(pt->scheme == PART_SCHEME_GPT ? "gpt" : "dos", expect_scheme);
	assert_null(pt->why);
	for (unsigned i = 0; i < pt->count; i++) {
		const struct part_info *p = &pt->part[i];
		char type[GUID_TEXT_LEN + 1], uuid[GUID_TEXT_LEN + 1] = "-";

		if (pt->scheme == PART_SCHEME_GPT) {
			guid_format(&p->type, type);
			guid_format(&p->uuid, uuid);
		} else {
			snprintf(type, sizeof(type), "%x", p->mbr_type);
		}
		at += (size_t)snprintf(keel + at, sizeof(keel) - at, "%u %llu %llu %s %s %s\n",
				       p->number, (unsigned long long)p->start,
				       (unsigned long long)p->length, type, uuid, p->name);
	}
	snprintf(cmd, sizeof(cmd), "./sfdisk-list.sh %s", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	at = fread(tool, 1, sizeof(tool) - 1, f);
	tool[at] = '\0';
	assert_int_equal(pclose(f), 0);
	close(fd);
	unlink(path);
	print_message("# sfdisk:\n%s", tool);
	assert_string_equal(keel, tool);
	free(pt);
}

static void test_sgdisk_image(void **state)
{
	(void)state;
	tool_image("sgdisk -o -U 01234567-89ab-cdef-0123-456789abcdef"
		   " -n 1:2048:+1M -t 1:ef00 -c 1:'EFI system' -u "
		   "1:11111111-2222-3333-4444-555555555555"
		   " -n 3:0:+2M -t 3:8300 -c 3:data -A 3:set:2"
		   " -n 2:0:0 -t 2:0700 -c 2:'rest of it' $IMG",
		   "gpt");
}

static void test_sfdisk_mbr_image(void **state)
{
	(void)state;
	tool_image("printf 'label: dos\\nlabel-id: 0x1234abcd\\n"
		   "start=2048,size=4096,type=83,bootable\\nstart=8192,size=40960,type=5\\n"
		   "start=10240,size=2048,type=83\\nstart=14336,size=4096,type=c\\n"
		   "start=20480,type=82\\n' | sfdisk -q $IMG",
		   "dos");
}

static void test_sfdisk_gpt_image(void **state)
{
	(void)state;
	tool_image("printf 'label: gpt\\nstart=2048,size=2048,type=U,name=\"esp\"\\n"
		   "size=4096,type=L,name=\"b\\xc3\\xa9\"\\n' | sfdisk -q $IMG",
		   "gpt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_bytes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_roundtrip_512),
		cmocka_unit_test(test_roundtrip_4096),
		cmocka_unit_test(test_sgdisk_verifies_keel),
		cmocka_unit_test(test_damage_and_repair),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_mbr),
		cmocka_unit_test(test_mbr_long_chain),
		cmocka_unit_test(test_sgdisk_image),
		cmocka_unit_test(test_sfdisk_mbr_image),
		cmocka_unit_test(test_sfdisk_gpt_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
