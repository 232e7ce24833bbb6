/* Partition tables: the common description the block layer uses, the disk access the parsers
 * go through, and the MBR reader.  GPT reading, repair and writing are in <vmk/gpt.h>.
 *
 * Pure code of the kernel, the host unit tests and the installer (musl): it touches the disk
 * only through the callbacks of struct part_disk, allocates nothing, keeps no state and takes
 * no locks.  It sleeps only if those callbacks do.  Every byte read is untrusted: a damaged or
 * hostile table gets a negative errno and a reason string (why), never an out-of-bounds
 * access; the caller logs the reason.
 *
 * Numbering is Linux's: a GPT partition is its entry index + 1 (unused entries leave gaps);
 * MBR primaries are 1-4 by slot, logical partitions 5, 6, ... in EBR-chain order. */
#ifndef VMK_PART_H
#define VMK_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmk/guid.h>

#define PART_MAX	256 /* partitions one table may describe (Linux's DISK_MAX_PARTS) */
#define PART_SECTOR_MIN 512 /* logical sector sizes handled: powers of two in between */
#define PART_SECTOR_MAX 4096
#define PART_NAME_MAX	108 /* UTF-8 bytes of a GPT name (36 UTF-16 units), without NUL */
#define PART_EBR_MAX	128 /* EBRs followed in one extended partition */

/* The disk as the parsers see it.  read/write move count whole sectors at lba into/out of
 * buf and return 0 or a negative errno; they may sleep.  write may be NULL for reading. */
struct part_disk {
	uint32_t sector_size; /* bytes: a power of two, PART_SECTOR_MIN..PART_SECTOR_MAX */
	uint64_t sectors;     /* size of the disk in sectors */
	void *ctx;	      /* passed to read and write */
	int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
	int (*write)(void *ctx, uint64_t lba, uint32_t count, const void *buf);
};

enum part_scheme {
	PART_SCHEME_NONE, /* no table found */
	PART_SCHEME_MBR,
	PART_SCHEME_GPT,
};

#define PART_F_BOOTABLE 0x1u /* MBR active flag; GPT attribute bit 2 (legacy BIOS bootable) */
#define PART_F_EXTENDED 0x2u /* MBR extended container (Linux exposes only its first 1 KiB) */

/* One partition.  start and length are in the disk's sectors; both fit inside the disk. */
struct part_info {
	unsigned number; /* Linux's partition number (sdaN, nvme0n1pN) */
	uint64_t start;
	uint64_t length;
	unsigned flags;	  /* PART_F_* */
	uint8_t mbr_type; /* MBR system id (0x83 Linux, 0x0c FAT32 LBA, ...); 0 on GPT */
	struct guid type; /* GPT partition type; zero on MBR */
	struct guid uuid; /* GPT unique partition GUID; zero on MBR (see part_table.mbr_id) */
	uint64_t attrs;	  /* GPT attribute bits; 0 on MBR */
	char name[PART_NAME_MAX + 1]; /* GPT name as UTF-8 (bad UTF-16 becomes U+FFFD); "" on MBR */
};

/* What a GPT header says, decoded (filled for each copy that passed its checks). */
struct gpt_header {
	uint32_t revision;
	uint32_t header_size;
	uint64_t my_lba;
	uint64_t alternate_lba;
	uint64_t first_usable;
	uint64_t last_usable;
	struct guid disk_guid;
	uint64_t entries_lba;
	uint32_t entry_count;
	uint32_t entry_size;
	uint32_t entries_crc;
};

/* One copy of a GPT (header + entry array): err is 0 when it passed every check, else a
 * negative errno with why saying what failed; lba is where its header was looked for. */
struct gpt_copy {
	int err;
	const char *why;
	uint64_t lba;
	struct gpt_header hdr;
};

/* A parsed table.  Large (tens of KiB): allocate it, do not put it on a kernel stack. */
struct part_table {
	enum part_scheme scheme;
	unsigned count; /* entries used in part[], sorted by number */
	struct part_info part[PART_MAX];
	const char *why;  /* the reason for a failure, or a warning on success (else NULL) */
	unsigned ignored; /* used entries past PART_MAX (Linux ignores them too) */
	uint32_t mbr_id;  /* MBR disk signature (Linux's PARTUUID is "%08x-%02x", id, number) */
	/* GPT only: */
	struct guid disk_guid;
	struct gpt_copy primary; /* header at LBA 1 */
	struct gpt_copy backup;	 /* header at the primary's alternate LBA, else the last LBA */
	bool mismatch;		 /* both copies valid but they disagree: primary used */
	/* Scratch sectors for the parsers: not a result. */
	uint8_t buf[2][PART_SECTOR_MAX];
};

/* Read the disk's partition table: GPT when sector 0 is a protective (or hybrid) MBR, else an
 * MBR.  Returns 0 with t->scheme and t->part[] filled; -ENOENT when there is no table
 * (t->scheme is PART_SCHEME_NONE); -EINVAL for an unusable disk description; -EBADMSG or
 * -EINVAL for a damaged table (t->why says what); or the read callback's error.  A GPT with
 * one damaged copy reads from the other and returns 0: t->primary.err/t->backup.err say which
 * (gpt_repair() rewrites it). */
int part_read(const struct part_disk *d, struct part_table *t);

/* Read an MBR table only (4 primaries, extended partitions and their EBR chains).  -ENOENT
 * when sector 0 has no MBR signature, a boot flag other than 0x00/0x80 (a boot sector, not a
 * table) or a protective GPT entry (type 0xEE).  Errors as part_read. */
int mbr_read(const struct part_disk *d, struct part_table *t);

/* True when the 512-byte MBR at mbr holds a partition of type 0xEE (GPT protective/hybrid)
 * and the 0x55AA signature. */
bool mbr_is_protective(const uint8_t *mbr);

/* Internal to the parsers, shared by mbr.c and gpt.c. */
int part_check_disk(const struct part_disk *d, struct part_table *t);
int part_add(struct part_table *t, const struct part_info *p);

#endif
