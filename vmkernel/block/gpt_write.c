/* Making a new GPT: an in-memory entry array filled by gpt_new_add, then gpt_write puts the
 * protective MBR, both arrays and both headers on the disk. */
#include <string.h>
#include <vmk/crc32.h>
#include <vmk/errno.h>
#include <vmk/gpt.h>
#include <vmk/le.h>

#define GPT_ARRAY_BYTES (GPT_NEW_ENTRIES * GPT_ENTRY_SIZE)
#define GPT_ALIGN_BYTES (1u << 20) /* default partition alignment: 1 MiB, as sgdisk and parted */

static uint64_t gpt_new_array_sectors(const struct gpt_new *t)
{
	return (GPT_ARRAY_BYTES + t->sector_size - 1) / t->sector_size;
}

int gpt_new_init(struct gpt_new *t, uint32_t sector_size, uint64_t sectors,
		 const struct guid *disk_guid)
{
	uint64_t asec;

	memset(t, 0, sizeof(*t));
	if (sector_size < PART_SECTOR_MIN || sector_size > PART_SECTOR_MAX ||
	    (sector_size & (sector_size - 1)))
		return -EINVAL;
	t->sector_size = sector_size;
	t->sectors = sectors;
	t->disk_guid = *disk_guid;
	asec = gpt_new_array_sectors(t);
	/* MBR + header + array, array + header, and one usable sector. */
	if (sectors < 2 * (asec + 1) + 2)
		return -EINVAL;
	t->first_usable = 2 + asec;
	t->last_usable = sectors - 2 - asec;
	return 0;
}

static bool gpt_new_used(const uint8_t *e)
{
	for (unsigned i = 0; i < 16; i++)
		if (e[i])
			return true;
	return false;
}

/* Does [first, last] overlap a partition already in t? */
static const uint8_t *gpt_new_clash(const struct gpt_new *t, uint64_t first, uint64_t last)
{
	for (unsigned i = 0; i < GPT_NEW_ENTRIES; i++) {
		const uint8_t *e = t->ent[i];

		if (gpt_new_used(e) && first <= le64(e + 40) && le64(e + 32) <= last)
			return e;
	}
	return NULL;
}

/* The lowest start aligned to align with size sectors free after it (size 0: any free
 * sector; *end gets the end of that free run).  0 when there is none. */
static uint64_t gpt_new_find(const struct gpt_new *t, uint64_t size, uint64_t align, uint64_t *end)
{
	uint64_t s = (t->first_usable + align - 1) / align * align;

	while (s <= t->last_usable) {
		uint64_t run_end = t->last_usable;
		const uint8_t *hit = NULL;

		/* The free run from s: up to the first partition starting at or after s. */
		for (unsigned i = 0; i < GPT_NEW_ENTRIES; i++) {
			const uint8_t *e = t->ent[i];

			if (!gpt_new_used(e))
				continue;
			if (le64(e + 32) <= s && s <= le64(e + 40)) {
				hit = e;
				break;
			}
			if (le64(e + 32) > s && le64(e + 32) - 1 < run_end)
				run_end = le64(e + 32) - 1;
		}
		if (!hit && (size == 0 || size - 1 <= run_end - s)) {
			*end = run_end;
			return s;
		}
		/* Skip past what blocks us, then realign. */
		uint64_t next = hit ? le64(hit + 40) + 1 : run_end + 1;

		if (next > t->last_usable)
			break;
		s = (next + align - 1) / align * align;
	}
	return 0;
}

int gpt_new_add(struct gpt_new *t, const struct gpt_new_part *p, unsigned *number,
		struct part_info *placed)
{
	uint64_t first = p->first, last = p->last, end = t->last_usable;
	uint64_t align = p->align ? p->align : GPT_ALIGN_BYTES / t->sector_size;
	uint8_t *e = NULL;
	unsigned idx;
	int n;

	if (guid_is_zero(&p->type))
		return -EINVAL;
	for (idx = 0; idx < GPT_NEW_ENTRIES; idx++) {
		if (!gpt_new_used(t->ent[idx])) {
			e = t->ent[idx];
			break;
		}
	}
	if (!e)
		return -ENOSPC;
	if (first == 0) {
		first = gpt_new_find(t, last ? 0 : p->size, align, &end);
		if (first == 0)
			return -ENOSPC;
	}
	if (last == 0) {
		if (p->size) {
			if (p->size - 1 > UINT64_MAX - first)
				return -EINVAL;
			last = first + p->size - 1;
		} else {
			last = end;
		}
	}
	if (first < t->first_usable || last > t->last_usable)
		return first > t->last_usable || last > t->last_usable ? -ENOSPC : -EINVAL;
	if (first > last)
		return -EINVAL;
	if (gpt_new_clash(t, first, last))
		return -EEXIST;
	n = gpt_name_from_utf8(p->name, e + 56, 36);
	if (n < 0) {
		memset(e, 0, GPT_ENTRY_SIZE);
		return n;
	}
	memcpy(e, p->type.b, 16);
	memcpy(e + 16, p->uuid.b, 16);
	put_le64(e + 32, first);
	put_le64(e + 40, last);
	put_le64(e + 48, p->attrs);
	if (number)
		*number = idx + 1;
	if (placed) {
		memset(placed, 0, sizeof(*placed));
		placed->number = idx + 1;
		placed->start = first;
		placed->length = last - first + 1;
		placed->type = p->type;
		placed->uuid = p->uuid;
		placed->attrs = p->attrs;
	}
	return 0;
}

/* The protective MBR: one partition of type 0xEE covering the disk from LBA 1 (capped at
 * 2^32 - 1 sectors), CHS fields as the UEFI spec gives them. */
static void gpt_put_pmbr(const struct gpt_new *t, uint8_t *s)
{
	uint8_t *e = s + 446;
	uint64_t size = t->sectors - 1;

	memset(s, 0, t->sector_size);
	e[1] = 0x00, e[2] = 0x02, e[3] = 0x00; /* CHS 0/0/2 = LBA 1 */
	e[4] = 0xee;
	e[5] = 0xff, e[6] = 0xff, e[7] = 0xff;
	put_le32(e + 8, 1);
	put_le32(e + 12, size > 0xffffffffu ? 0xffffffffu : (uint32_t)size);
	s[510] = 0x55;
	s[511] = 0xaa;
}

static void gpt_put_header(const struct gpt_new *t, uint8_t *s, uint64_t my_lba, uint64_t alternate,
			   uint64_t entries_lba, uint32_t array_crc)
{
	memset(s, 0, t->sector_size);
	memcpy(s, "EFI PART", 8);
	put_le32(s + 8, 0x00010000);
	put_le32(s + 12, 92);
	put_le64(s + 24, my_lba);
	put_le64(s + 32, alternate);
	put_le64(s + 40, t->first_usable);
	put_le64(s + 48, t->last_usable);
	memcpy(s + 56, t->disk_guid.b, 16);
	put_le64(s + 72, entries_lba);
	put_le32(s + 80, GPT_NEW_ENTRIES);
	put_le32(s + 84, GPT_ENTRY_SIZE);
	put_le32(s + 88, array_crc);
	put_le32(s + 16, crc32_ieee(s, 92));
}

static int gpt_put_array(struct gpt_new *t, const struct part_disk *d, uint64_t lba)
{
	const uint8_t *a = &t->ent[0][0];
	uint64_t asec = gpt_new_array_sectors(t);

	for (uint64_t i = 0; i < asec; i++) {
		uint64_t off = i * t->sector_size;
		size_t n = GPT_ARRAY_BYTES - off < t->sector_size ? GPT_ARRAY_BYTES - off
								  : t->sector_size;
		int err;

		memset(t->sec, 0, t->sector_size);
		memcpy(t->sec, a + off, n);
		err = d->write(d->ctx, lba + i, 1, t->sec);
		if (err)
			return err;
	}
	return 0;
}

int gpt_write(struct gpt_new *t, const struct part_disk *d)
{
	uint64_t last = t->sectors - 1, asec = gpt_new_array_sectors(t);
	uint32_t crc = crc32_ieee(t->ent, GPT_ARRAY_BYTES);
	int err;

	if (!d->write || d->sector_size != t->sector_size || d->sectors != t->sectors ||
	    !t->sector_size)
		return -EINVAL;
	err = gpt_put_array(t, d, last - asec);
	if (!err) {
		gpt_put_header(t, t->sec, last, 1, last - asec, crc);
		err = d->write(d->ctx, last, 1, t->sec);
	}
	if (!err)
		err = gpt_put_array(t, d, 2);
	if (!err) {
		gpt_put_pmbr(t, t->sec);
		err = d->write(d->ctx, 0, 1, t->sec);
	}
	if (!err) {
		gpt_put_header(t, t->sec, 1, last, 2, crc);
		err = d->write(d->ctx, 1, 1, t->sec);
	}
	return err;
}
