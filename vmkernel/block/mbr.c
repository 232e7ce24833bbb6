/* MBR partition tables: four primary slots in sector 0, and for each extended partition a
 * chain of EBRs, each holding one logical partition and a link to the next EBR.
 *
 * Logical starts are relative to their own EBR, links relative to the extended partition's
 * start (as Linux's parse_extended and every DOS tool read them).  The chain is followed at
 * most PART_EBR_MAX steps and an EBR seen twice is a loop: both are errors. */
#include <string.h>
#include <vmk/errno.h>
#include <vmk/le.h>
#include <vmk/part.h>

#define MBR_TABLE    446
#define MBR_ENTRY    16
#define MBR_TYPE_GPT 0xee
#define MBR_ACTIVE   0x80

struct mbr_entry {
	uint8_t boot;
	uint8_t type;
	uint32_t start;
	uint32_t size;
};

static struct mbr_entry mbr_entry(const uint8_t *sec, unsigned i)
{
	const uint8_t *e = sec + MBR_TABLE + MBR_ENTRY * i;
	struct mbr_entry m = {e[0], e[4], le32(e + 8), le32(e + 12)};

	return m;
}

static bool mbr_signed(const uint8_t *sec)
{
	return sec[510] == 0x55 && sec[511] == 0xaa;
}

static bool mbr_is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

bool mbr_is_protective(const uint8_t *mbr)
{
	if (!mbr_signed(mbr))
		return false;
	for (unsigned i = 0; i < 4; i++)
		if (mbr_entry(mbr, i).type == MBR_TYPE_GPT)
			return true;
	return false;
}

/* A partition of size sectors at start must lie inside [lo, hi]: both ends checked without
 * overflow. */
static bool mbr_inside(uint64_t start, uint64_t size, uint64_t lo, uint64_t hi)
{
	return start >= lo && start <= hi && size - 1 <= hi - start;
}

static void mbr_fill(struct part_info *p, unsigned number, uint64_t start,
		     const struct mbr_entry *e)
{
	memset(p, 0, sizeof(*p));
	p->number = number;
	p->start = start;
	p->length = e->size;
	p->mbr_type = e->type;
	if (e->boot == MBR_ACTIVE)
		p->flags |= PART_F_BOOTABLE;
	if (mbr_is_extended(e->type))
		p->flags |= PART_F_EXTENDED;
}

/* Follow the EBR chain of the extended partition [ext, ext + ext_size).  *next is the number
 * the next logical partition gets. */
static int mbr_walk_ebrs(const struct part_disk *d, struct part_table *t, uint64_t ext,
			 uint64_t ext_size, unsigned *next)
{
	uint64_t seen[PART_EBR_MAX];
	uint64_t ebr = ext, ext_last = ext + ext_size - 1;
	uint8_t *sec = t->buf[1];

	for (unsigned step = 0;; step++) {
		struct part_info p;
		bool linked = false;
		int err;

		if (step == PART_EBR_MAX) {
			t->why = "EBR chain longer than PART_EBR_MAX";
			return -EINVAL;
		}
		for (unsigned i = 0; i < step; i++) {
			if (seen[i] == ebr) {
				t->why = "EBR chain loops";
				return -EINVAL;
			}
		}
		seen[step] = ebr;
		err = d->read(d->ctx, ebr, 1, sec);
		if (err) {
			t->why = "cannot read an EBR";
			return err;
		}
		if (!mbr_signed(sec)) {
			/* An extended partition nothing was put in yet, or a broken link: Linux
			 * stops here silently; we stop and say so. */
			t->why = "EBR without signature: logical partitions end there";
			return 0;
		}
		/* The first data entry is the logical partition, the first extended entry the
		 * link; Linux ignores slots 3 and 4 unless they fit, we ignore them. */
		for (unsigned i = 0; i < 2; i++) {
			struct mbr_entry e = mbr_entry(sec, i);

			if (!e.size)
				continue;
			if (mbr_is_extended(e.type)) {
				if (linked)
					continue;
				/* The link is relative to the extended partition's start. */
				if (e.start == 0 || !mbr_inside(ext + e.start, 1, ext, ext_last)) {
					t->why = "EBR link outside the extended partition";
					return -EINVAL;
				}
				linked = true;
				continue;
			}
			if (e.start == 0 || !mbr_inside(ebr + e.start, e.size, ebr + 1, ext_last)) {
				t->why = "logical partition outside its extended partition";
				return -EINVAL;
			}
			mbr_fill(&p, (*next)++, ebr + e.start, &e);
			part_add(t, &p);
		}
		if (!linked)
			return 0;
		for (unsigned i = 0; i < 2; i++) {
			struct mbr_entry e = mbr_entry(sec, i);

			if (e.size && mbr_is_extended(e.type)) {
				ebr = ext + e.start;
				break;
			}
		}
	}
}

int mbr_read(const struct part_disk *d, struct part_table *t)
{
	struct mbr_entry e[4];
	unsigned next = 5;
	uint8_t *sec = t->buf[0];
	int err = part_check_disk(d, t);

	if (err)
		return err;
	err = d->read(d->ctx, 0, 1, sec);
	if (err) {
		t->why = "cannot read sector 0";
		return err;
	}
	if (!mbr_signed(sec)) {
		t->why = "no MBR signature";
		return -ENOENT;
	}
	for (unsigned i = 0; i < 4; i++) {
		e[i] = mbr_entry(sec, i);
		if (e[i].boot != 0 && e[i].boot != MBR_ACTIVE) {
			t->why = "MBR boot flag neither 0x00 nor 0x80: a boot sector, not a table";
			return -ENOENT;
		}
		if (e[i].type == MBR_TYPE_GPT) {
			t->why = "protective MBR: the disk is GPT";
			return -ENOENT;
		}
	}
	t->mbr_id = le32(sec + 440);
	/* Primaries first (numbers 1-4), then the logicals of each extended one (5, ...). */
	for (unsigned i = 0; i < 4; i++) {
		struct part_info p;

		if (!e[i].size)
			continue;
		if (e[i].start == 0 || !mbr_inside(e[i].start, e[i].size, 1, d->sectors - 1)) {
			t->why = "MBR partition outside the disk";
			t->count = 0;
			return -EINVAL;
		}
		mbr_fill(&p, i + 1, e[i].start, &e[i]);
		part_add(t, &p);
	}
	for (unsigned i = 0; i < 4; i++) {
		if (!e[i].size || !mbr_is_extended(e[i].type))
			continue;
		err = mbr_walk_ebrs(d, t, e[i].start, e[i].size, &next);
		if (err) {
			t->count = 0;
			return err;
		}
	}
	t->scheme = PART_SCHEME_MBR;
	return 0;
}
