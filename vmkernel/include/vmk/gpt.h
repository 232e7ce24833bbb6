/* GUID Partition Tables (UEFI 2.10 chapter 5): reading with full validation, repair of a
 * damaged copy from the good one, and writing a new table.
 *
 * Layout written: protective MBR in LBA 0; primary header in LBA 1, its entry array from
 * LBA 2; the backup array just before the backup header in the last LBA.  128 entries of 128
 * bytes (16 KiB: 32 sectors of 512 bytes, 4 of 4096), as sgdisk and Linux's tools write.
 *
 * Pure code like <vmk/part.h> (kernel, host, musl): I/O only through struct part_disk, no
 * allocation, no locks, no randomness (GUIDs come from the caller); sleeps only if the
 * callbacks do. */
#ifndef VMK_GPT_H
#define VMK_GPT_H

#include <stdint.h>
#include <vmk/guid.h>
#include <vmk/part.h>

#define GPT_ENTRY_SIZE	     128	/* entry size written; read: 128 * 2^n up to 4096 */
#define GPT_NEW_ENTRIES	     128	/* entries in a table gpt_new_init makes */
#define GPT_MAX_ENTRIES	     16384	/* most entries a table read may have */
#define GPT_MAX_ARRAY_BYTES  (1u << 20) /* largest entry array read */
#define GPT_ATTR_REQUIRED    (1ull << 0)
#define GPT_ATTR_NO_BLOCK_IO (1ull << 1)
#define GPT_ATTR_LEGACY_BOOT (1ull << 2)

/* Well-known partition types, as text for guid_parse. */
#define GPT_TYPE_EFI_SYSTEM "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define GPT_TYPE_BIOS_BOOT  "21686148-6449-6e6f-744e-656564454649"
#define GPT_TYPE_LINUX_FS   "0fc63daf-8483-4772-8e79-3d69d8477de4"
#define GPT_TYPE_MS_BASIC   "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"

/* Read the GPT of d into t.  Requires a protective (or hybrid) MBR in LBA 0, as Linux does;
 * without one: -ENOENT.  Each copy is checked: signature, revision 1.x, header size
 * 92..sector size, header CRC, my_lba, alternate_lba, usable range inside the disk and not
 * holding a header, entry size 128 * 2^n up to 4096, entry count 1..GPT_MAX_ENTRIES, array
 * at most GPT_MAX_ARRAY_BYTES, inside the disk and off the headers and the usable range,
 * array CRC, every used entry with first <= last inside the usable range, no two overlapping.
 * The primary is used when valid, else the backup; t->primary and t->backup record each
 * copy's verdict.  Returns 0 when one copy is valid (t->why warns if the other is not),
 * else the primary's error (-EBADMSG for a CRC mismatch, -EINVAL for the rest, or a read
 * error) with t->why. */
int gpt_read(const struct part_disk *d, struct part_table *t);

/* Rewrite the damaged copy of the GPT from the valid one, as found by gpt_read(d, t) just
 * before (t is its result; d needs a write callback): a new backup goes to the last LBA with
 * its array just before it, a new primary to LBA 1 with its array from LBA 2 (and the primary
 * is updated to point at a backup moved to the end of a grown disk).  Then reads the table
 * again into t.  Returns 0 (also when nothing needed repair), -EINVAL when neither copy is
 * valid, -ENOSPC when the array does not fit where it must go, or an I/O error. */
int gpt_repair(const struct part_disk *d, struct part_table *t);

/* A table being made in memory, written by gpt_write.  Tens of KiB: allocate it. */
struct gpt_new {
	uint32_t sector_size;
	uint64_t sectors;
	struct guid disk_guid;
	uint64_t first_usable;
	uint64_t last_usable;
	uint8_t ent[GPT_NEW_ENTRIES][GPT_ENTRY_SIZE]; /* the entry array as written */
	uint8_t sec[PART_SECTOR_MAX];		      /* scratch for gpt_write */
};

/* Start an empty table for a disk of sectors sectors of sector_size bytes with the disk
 * GUID given.  Returns 0, or -EINVAL for a bad sector size or a disk too small for two
 * tables and one usable sector. */
int gpt_new_init(struct gpt_new *t, uint32_t sector_size, uint64_t sectors,
		 const struct guid *disk_guid);

/* A partition to add.  first == 0: the lowest start, aligned to align sectors (0: 1 MiB),
 * where size sectors fit; else first is used as given (and must be free).  last == 0: first +
 * size - 1, or with size == 0 too the end of the free space found.  name is UTF-8 (NULL for
 * none), at most 36 UTF-16 units. */
struct gpt_new_part {
	struct guid type;
	struct guid uuid;
	uint64_t first;
	uint64_t last;
	uint64_t size;
	uint64_t align;
	const char *name;
	uint64_t attrs;
};

/* Add p in the first unused entry.  On success returns 0 and stores the partition number
 * (entry index + 1) in *number (when not NULL), and the chosen first/last LBAs in *placed
 * (when not NULL).  Errors: -EINVAL (zero type GUID, bad range, bad UTF-8), -ENOSPC (no
 * free entry or no room), -EEXIST (overlaps a partition), -ENAMETOOLONG (name). */
int gpt_new_add(struct gpt_new *t, const struct gpt_new_part *p, unsigned *number,
		struct part_info *placed);

/* Write t to d: protective MBR, both entry arrays, both headers (backup first, primary last,
 * so a torn write leaves the old primary or a complete new table).  Returns 0 or the write
 * callback's error; -EINVAL when d does not match the geometry t was made for. */
int gpt_write(struct gpt_new *t, const struct part_disk *d);

/* UTF-16LE (units units at in, stopping at a NUL unit) to NUL-terminated UTF-8 in out
 * (PART_NAME_MAX + 1 bytes for 36 units).  Unpaired surrogates become U+FFFD. */
void gpt_name_to_utf8(const uint8_t *in, unsigned units, char *out, size_t out_size);

/* UTF-8 to UTF-16LE: at most max_units units into out, the rest of out zeroed.  Returns the
 * number of units, -EINVAL for malformed UTF-8, -ENAMETOOLONG when it does not fit. */
int gpt_name_from_utf8(const char *in, uint8_t *out, unsigned max_units);

#endif
