/* Partition tables: which parser reads a disk, and the helpers both parsers share. */
#include <string.h>
#include <vmk/errno.h>
#include <vmk/gpt.h>
#include <vmk/part.h>

int part_check_disk(const struct part_disk *d, struct part_table *t)
{
	memset(t, 0, offsetof(struct part_table, buf));
	t->scheme = PART_SCHEME_NONE;
	if (d->sector_size < PART_SECTOR_MIN || d->sector_size > PART_SECTOR_MAX ||
	    (d->sector_size & (d->sector_size - 1))) {
		t->why = "unsupported sector size";
		return -EINVAL;
	}
	if (d->sectors < 1 || !d->read) {
		t->why = "empty disk or no read callback";
		return -EINVAL;
	}
	return 0;
}

/* Append p; callers add in increasing number order.  Past PART_MAX it is counted, not kept. */
int part_add(struct part_table *t, const struct part_info *p)
{
	if (p->number > PART_MAX || t->count >= PART_MAX) {
		t->ignored++;
		return 0;
	}
	t->part[t->count++] = *p;
	return 0;
}

int part_read(const struct part_disk *d, struct part_table *t)
{
	int err = part_check_disk(d, t);

	if (err)
		return err;
	err = d->read(d->ctx, 0, 1, t->buf[0]);
	if (err) {
		t->why = "cannot read sector 0";
		return err;
	}
	if (mbr_is_protective(t->buf[0]))
		return gpt_read(d, t);
	return mbr_read(d, t);
}
