/* GPT reading and repair.
 *
 * A copy is a header and the entry array it points at.  Each is validated on its own
 * (gpt_check_header, then gpt_scan_array streaming the array one sector at a time, so an
 * array costs no memory however large), then the primary is used if valid, else the backup.
 * Entries are 128 * 2^n bytes and sectors 512 * 2^m, so an entry's first 128 bytes (all the
 * spec defines) never straddle a sector. */
#include <string.h>
#include <vmk/crc32.h>
#include <vmk/errno.h>
#include <vmk/gpt.h>
#include <vmk/le.h>
#include <vmk/part.h>

#define GPT_SIGNATURE "EFI PART"
#define GPT_HDR_MIN   92

static int gpt_fail(struct gpt_copy *c, int err, const char *why)
{
	c->err = err;
	c->why = why;
	return err;
}

/* Sectors an array of h's shape takes (h already checked: no overflow). */
static uint64_t gpt_array_sectors(const struct gpt_header *h, uint32_t sector_size)
{
	uint64_t bytes = (uint64_t)h->entry_count * h->entry_size;

	return (bytes + sector_size - 1) / sector_size;
}

static bool gpt_range_has(uint64_t lo, uint64_t hi, uint64_t lba)
{
	return lba >= lo && lba <= hi;
}

/* The header CRC over header_size bytes with the CRC field taken as zero. */
static uint32_t gpt_header_crc(const uint8_t *s, uint32_t size)
{
	static const uint8_t zero[4];
	uint32_t crc = crc32_le(~0u, s, 16);

	crc = crc32_le(crc, zero, 4);
	return ~crc32_le(crc, s + 20, size - 20);
}

/* Decode and check the header in sector s, read from lba. */
static int gpt_check_header(const struct part_disk *d, const uint8_t *s, uint64_t lba,
			    struct gpt_copy *c)
{
	struct gpt_header *h = &c->hdr;
	uint64_t last = d->sectors - 1, asec;

	if (memcmp(s, GPT_SIGNATURE, 8) != 0)
		return gpt_fail(c, -EINVAL, "no GPT signature");
	h->revision = le32(s + 8);
	h->header_size = le32(s + 12);
	if (h->revision >> 16 != 1)
		return gpt_fail(c, -EINVAL, "unsupported GPT revision");
	if (h->header_size < GPT_HDR_MIN || h->header_size > d->sector_size)
		return gpt_fail(c, -EINVAL, "GPT header size out of range");
	if (gpt_header_crc(s, h->header_size) != le32(s + 16))
		return gpt_fail(c, -EBADMSG, "GPT header CRC mismatch");
	h->my_lba = le64(s + 24);
	h->alternate_lba = le64(s + 32);
	h->first_usable = le64(s + 40);
	h->last_usable = le64(s + 48);
	memcpy(h->disk_guid.b, s + 56, 16);
	h->entries_lba = le64(s + 72);
	h->entry_count = le32(s + 80);
	h->entry_size = le32(s + 84);
	h->entries_crc = le32(s + 88);
	if (h->my_lba != lba)
		return gpt_fail(c, -EINVAL, "GPT header my_lba is not where it was read");
	if (h->alternate_lba == lba || h->alternate_lba == 0 || h->alternate_lba > last)
		return gpt_fail(c, -EINVAL, "GPT alternate_lba outside the disk");
	if (h->first_usable > h->last_usable || h->last_usable > last || h->first_usable == 0)
		return gpt_fail(c, -EINVAL, "GPT usable range outside the disk");
	if (gpt_range_has(h->first_usable, h->last_usable, h->my_lba) ||
	    gpt_range_has(h->first_usable, h->last_usable, h->alternate_lba))
		return gpt_fail(c, -EINVAL, "GPT usable range holds a header");
	if (h->entry_size < GPT_ENTRY_SIZE || h->entry_size > PART_SECTOR_MAX ||
	    (h->entry_size & (h->entry_size - 1)))
		return gpt_fail(c, -EINVAL, "GPT entry size not 128 * 2^n up to 4096");
	if (h->entry_count == 0 || h->entry_count > GPT_MAX_ENTRIES ||
	    (uint64_t)h->entry_count * h->entry_size > GPT_MAX_ARRAY_BYTES)
		return gpt_fail(c, -EINVAL, "GPT entry count out of range");
	asec = gpt_array_sectors(h, d->sector_size);
	if (h->entries_lba == 0 || h->entries_lba > last || asec - 1 > last - h->entries_lba)
		return gpt_fail(c, -EINVAL, "GPT entry array outside the disk");
	uint64_t alast = h->entries_lba + asec - 1;

	if (gpt_range_has(h->entries_lba, alast, h->my_lba) ||
	    gpt_range_has(h->entries_lba, alast, h->alternate_lba))
		return gpt_fail(c, -EINVAL, "GPT entry array overlaps a header");
	if (h->entries_lba <= h->last_usable && alast >= h->first_usable)
		return gpt_fail(c, -EINVAL, "GPT entry array overlaps the usable range");
	return 0;
}

static void gpt_decode_entry(const uint8_t *e, unsigned number, struct part_info *p)
{
	memset(p, 0, sizeof(*p));
	p->number = number;
	memcpy(p->type.b, e, 16);
	memcpy(p->uuid.b, e + 16, 16);
	p->start = le64(e + 32);
	p->length = le64(e + 40) - p->start + 1; /* callers checked first <= last */
	p->attrs = le64(e + 48);
	if (p->attrs & GPT_ATTR_LEGACY_BOOT)
		p->flags |= PART_F_BOOTABLE;
	gpt_name_to_utf8(e + 56, 36, p->name, sizeof(p->name));
}

/* Read c's entry array, check its CRC and every used entry; with fill, the used entries go
 * into t->part[].  Overlaps are checked on the filled list. */
static int gpt_scan_array(const struct part_disk *d, struct part_table *t, struct gpt_copy *c,
			  bool fill)
{
	const struct gpt_header *h = &c->hdr;
	uint64_t bytes = (uint64_t)h->entry_count * h->entry_size;
	uint64_t asec = gpt_array_sectors(h, d->sector_size);
	uint8_t *s = t->buf[1];
	uint32_t crc = ~0u;

	if (fill)
		t->count = t->ignored = 0;
	for (uint64_t i = 0; i < asec; i++) {
		uint64_t off0 = i * d->sector_size;
		uint32_t n =
			bytes - off0 < d->sector_size ? (uint32_t)(bytes - off0) : d->sector_size;
		int err = d->read(d->ctx, h->entries_lba + i, 1, s);

		if (err)
			return gpt_fail(c, err, "cannot read the GPT entry array");
		crc = crc32_le(crc, s, n);
		/* Entries starting in this sector (their first 128 bytes lie inside it). */
		for (uint64_t off = (off0 + h->entry_size - 1) / h->entry_size * h->entry_size;
		     off < off0 + n; off += h->entry_size) {
			const uint8_t *e = s + (off - off0);
			uint64_t first = le64(e + 32), last = le64(e + 40);
			struct guid type;
			struct part_info p;

			memcpy(type.b, e, 16);
			if (guid_is_zero(&type))
				continue;
			if (first > last || first < h->first_usable || last > h->last_usable)
				return gpt_fail(c, -EINVAL,
						"GPT partition outside the usable range");
			if (fill) {
				gpt_decode_entry(e, (unsigned)(off / h->entry_size) + 1, &p);
				part_add(t, &p);
			}
		}
	}
	if (~crc != h->entries_crc)
		return gpt_fail(c, -EBADMSG, "GPT entry array CRC mismatch");
	if (!fill)
		return 0;
	for (unsigned i = 0; i < t->count; i++) {
		for (unsigned j = i + 1; j < t->count; j++) {
			const struct part_info *a = &t->part[i], *b = &t->part[j];

			if (a->start < b->start + b->length && b->start < a->start + a->length)
				return gpt_fail(c, -EINVAL, "GPT partitions overlap");
		}
	}
	return 0;
}

/* Read and check the copy whose header is at lba. */
static int gpt_read_copy(const struct part_disk *d, struct part_table *t, struct gpt_copy *c,
			 uint64_t lba, bool fill)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->lba = lba;
	err = d->read(d->ctx, lba, 1, t->buf[0]);
	if (err)
		return gpt_fail(c, err, "cannot read the GPT header");
	err = gpt_check_header(d, t->buf[0], lba, c);
	if (err)
		return err;
	return gpt_scan_array(d, t, c, fill);
}

static bool gpt_copies_agree(const struct gpt_header *p, const struct gpt_header *b)
{
	return p->alternate_lba == b->my_lba && b->alternate_lba == p->my_lba &&
	       p->first_usable == b->first_usable && p->last_usable == b->last_usable &&
	       guid_equal(&p->disk_guid, &b->disk_guid) && p->entry_count == b->entry_count &&
	       p->entry_size == b->entry_size && p->entries_crc == b->entries_crc;
}

int gpt_read(const struct part_disk *d, struct part_table *t)
{
	uint64_t last;
	int err = part_check_disk(d, t);

	if (err)
		return err;
	last = d->sectors - 1;
	err = d->read(d->ctx, 0, 1, t->buf[0]);
	if (err) {
		t->why = "cannot read sector 0";
		return err;
	}
	if (!mbr_is_protective(t->buf[0])) {
		t->why = "no protective MBR";
		return -ENOENT;
	}
	if (d->sectors < 3) {
		t->why = "disk too small for a GPT";
		return -EINVAL;
	}
	gpt_read_copy(d, t, &t->primary, 1, true);
	/* The backup is where the primary says, else (primary bad, or moved disk) the end. */
	uint64_t blba = t->primary.err == 0 ? t->primary.hdr.alternate_lba : last;

	gpt_read_copy(d, t, &t->backup, blba, t->primary.err != 0);
	if (t->backup.err && blba != last)
		gpt_read_copy(d, t, &t->backup, last, t->primary.err != 0);

	if (t->primary.err && t->backup.err) {
		t->count = 0;
		t->why = t->primary.why;
		return t->primary.err;
	}
	const struct gpt_copy *use = t->primary.err ? &t->backup : &t->primary;

	t->disk_guid = use->hdr.disk_guid;
	t->scheme = PART_SCHEME_GPT;
	if (t->primary.err)
		t->why = "primary GPT damaged: using the backup";
	else if (t->backup.err)
		t->why = "backup GPT damaged";
	else if (!gpt_copies_agree(&t->primary.hdr, &t->backup.hdr)) {
		t->mismatch = true;
		t->why = "primary and backup GPT differ: using the primary";
	}
	return 0;
}

/* Copy asec sectors from src to dst through t->buf[1]. */
static int gpt_copy_sectors(const struct part_disk *d, struct part_table *t, uint64_t src,
			    uint64_t dst, uint64_t asec)
{
	for (uint64_t i = 0; i < asec; i++) {
		int err = d->read(d->ctx, src + i, 1, t->buf[1]);

		if (!err)
			err = d->write(d->ctx, dst + i, 1, t->buf[1]);
		if (err)
			return err;
	}
	return 0;
}

/* Rewrite the header sector in t->buf[0] (read from a valid copy) with new locations. */
static int gpt_put_header(const struct part_disk *d, struct part_table *t, uint64_t my_lba,
			  uint64_t alternate, uint64_t entries_lba)
{
	uint8_t *s = t->buf[0];
	uint32_t size = le32(s + 12);

	put_le64(s + 24, my_lba);
	put_le64(s + 32, alternate);
	put_le64(s + 72, entries_lba);
	put_le32(s + 16, gpt_header_crc(s, size));
	return d->write(d->ctx, my_lba, 1, s);
}

int gpt_repair(const struct part_disk *d, struct part_table *t)
{
	uint64_t last = d->sectors - 1;
	const struct gpt_copy *good;
	uint64_t asec;
	int err;

	if (t->scheme != PART_SCHEME_GPT || (t->primary.err && t->backup.err))
		return -EINVAL;
	if (!d->write)
		return -EINVAL;
	if (!t->primary.err && !t->backup.err && t->backup.lba == last)
		return 0;
	good = t->primary.err ? &t->backup : &t->primary;
	asec = gpt_array_sectors(&good->hdr, d->sector_size);
	if (good == &t->primary) {
		/* New backup at the last LBA, its array just before it, after the usable range. */
		if (asec + 1 > last || last - asec <= good->hdr.last_usable) {
			t->why = "no room for the backup GPT after the usable range";
			return -ENOSPC;
		}
		uint64_t bel = last - asec;

		err = gpt_copy_sectors(d, t, good->hdr.entries_lba, bel, asec);
		if (!err)
			err = d->read(d->ctx, good->lba, 1, t->buf[0]);
		if (!err)
			err = gpt_put_header(d, t, last, 1, bel);
		/* The primary must point at it: rewrite it too if the disk has grown. */
		if (!err && good->hdr.alternate_lba != last)
			err = d->read(d->ctx, 1, 1, t->buf[0]);
		if (!err && good->hdr.alternate_lba != last)
			err = gpt_put_header(d, t, 1, last, good->hdr.entries_lba);
	} else {
		/* New primary at LBA 1, its array from LBA 2, before the usable range. */
		if (2 + asec > good->hdr.first_usable) {
			t->why = "no room for the primary GPT before the usable range";
			return -ENOSPC;
		}
		err = gpt_copy_sectors(d, t, good->hdr.entries_lba, 2, asec);
		if (!err)
			err = d->read(d->ctx, good->lba, 1, t->buf[0]);
		if (!err)
			err = gpt_put_header(d, t, 1, good->lba, 2);
	}
	if (err) {
		t->why = "I/O error repairing the GPT";
		return err;
	}
	return gpt_read(d, t);
}
