/* Boot information: the multiboot2 hand-off parsed into plain structs, and memory-map helpers. */
#ifndef VMK_BOOTINFO_H
#define VMK_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Memory region types; the numbers are those of multiboot2 (and of the E820 map). */
#define MEM_USABLE	 1
#define MEM_RESERVED	 2
#define MEM_ACPI_RECLAIM 3
#define MEM_ACPI_NVS	 4
#define MEM_BAD		 5

/* A physical address range [base, base + len). */
struct mem_region {
	uint64_t base, len;
	uint32_t type;
};

/* A boot module (e.g. the initial ramdisk): physical [start, end), and its command line. */
struct boot_module {
	uint64_t start, end;
	const char *cmdline; /* "" when absent; points into the MBI */
};

/* The framebuffer the boot loader set up (multiboot2 tag 8). */
struct boot_fb {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type; /* 0 indexed, 1 RGB, 2 EGA text */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size; /* type 1 only */
};

#define BOOT_MMAP_MAX 128
#define BOOT_MODS_MAX 16

struct boot_info {
	const char *cmdline; /* "" when absent; points into the MBI */
	const char *loader;  /* boot loader name, "" when absent */
	struct mem_region mmap[BOOT_MMAP_MAX];
	unsigned nmmap;
	struct boot_module mods[BOOT_MODS_MAX];
	unsigned nmods;
	/* The RSDP copy inside the MBI: the ACPI 2.0+ tag (15) preferred over the 1.0 tag (14);
	 * NULL if none. */
	const void *rsdp;
	size_t rsdp_len;
	bool has_fb;
	struct boot_fb fb;
	bool efi;	   /* an EFI system table tag (11 or 12) was present */
	uint32_t mbi_size; /* total_size of the MBI */
};

/*
 * mb2_parse - parse the multiboot2 information structure into @bi.
 * @mbi: readable pointer to the MBI (8-byte aligned, starting with u32 total_size, u32 reserved);
 *       the whole [mbi, mbi + total_size) must be readable once total_size has been validated.
 * @bi:  output; zero-filled first. Its strings and rsdp point into the MBI, which must therefore
 *       stay mapped for as long as @bi is used.
 *
 * Validates total_size (>= 16, <= 1 MiB) and that every tag (8-byte aligned, size >= 8) lies
 * within the structure and that an end tag (type 0) is reached. Unknown tags are skipped; a known
 * tag too short for its fields, or with a string not NUL-terminated inside it, is ignored as if
 * absent (a module with such a command line keeps cmdline ""). Memory map tag (6): entry_size
 * (a multiple of 8, >= 24) is used as the stride whatever entry_version says; entries beyond
 * BOOT_MMAP_MAX are dropped; types 1..5 are kept and any other type becomes MEM_RESERVED. The map
 * is copied as given: run memmap_sanitize() on it. Modules beyond BOOT_MODS_MAX are dropped.
 *
 * Pure function: no allocation, no side effects besides *bi. Returns 0, or -EINVAL when @mbi or
 * the tag layout is invalid (then *bi is zero-filled with cmdline and loader "").
 */
int mb2_parse(const void *mbi, struct boot_info *bi);

/*
 * memmap_sanitize - normalise a memory map in place.
 * @r:   array of *@n regions, with room for @cap.
 * @n:   in: number of regions; out: number after sanitizing.
 * @cap: capacity of @r.
 *
 * Drops zero-length regions; clips a region whose base + len overflows 2^64 to end at
 * UINT64_MAX; sorts by base; resolves overlaps (any non-usable type wins over MEM_USABLE where
 * they overlap; between two non-usable types the higher type number wins); merges adjacent or
 * overlapping regions of the same type; shrinks MEM_USABLE regions inward to 4 KiB boundaries,
 * dropping those that vanish. The result is sorted, non-overlapping, and never marks usable a
 * byte that no input region marked usable or that a non-usable input region covered.
 *
 * Splitting a region around a higher-priority one may need more entries than the input had.
 * Returns 0; -ENOSPC when @cap would have been exceeded: the array is still sorted,
 * non-overlapping and aligned as above, but conservatively lossy (a usable piece that did not fit
 * is dropped; a non-usable piece that did not fit is absorbed into the higher-priority region
 * that split it); -EINVAL when @r or @n is NULL or *@n > @cap (array untouched).
 * O(n^2) worst case; meant for maps of a few hundred entries.
 */
int memmap_sanitize(struct mem_region *r, unsigned *n, unsigned cap);

/* memmap_usable_bytes - total length of the MEM_USABLE regions (saturating at UINT64_MAX). */
uint64_t memmap_usable_bytes(const struct mem_region *r, unsigned n);

/* memmap_usable_end - end address of the highest usable region, 0 if none (UINT64_MAX when a
 * region's end overflows). Need not be sanitized. */
uint64_t memmap_usable_end(const struct mem_region *r, unsigned n);

#endif
