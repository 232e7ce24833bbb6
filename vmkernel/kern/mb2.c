/* Multiboot2 information parser: untrusted MBI bytes in, struct boot_info out. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmk/bootinfo.h>
#include <vmk/compiler.h>
#include <vmk/errno.h>

#define MB2_TAG_END	    0
#define MB2_TAG_CMDLINE	    1
#define MB2_TAG_LOADER	    2
#define MB2_TAG_MODULE	    3
#define MB2_TAG_MMAP	    6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_EFI32	    11
#define MB2_TAG_EFI64	    12
#define MB2_TAG_ACPI_OLD    14
#define MB2_TAG_ACPI_NEW    15

#define MB2_HDR_SIZE   8u
#define MB2_TAG_HDR    8u
#define MB2_MIN_SIZE   16u /* header + end tag */
#define MB2_MAX_SIZE   (1u << 20)
#define MB2_MMAP_ENTRY 24u /* u64 base, u64 len, u32 type, u32 reserved */
#define MB2_FB_COMMON  32u /* through the u16 reserved after type (GRUB's layout) */
#define MB2_FB_RGB     38u

/* Unaligned-safe little-endian loads; callers have bounds-checked. */
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A NUL-terminated string filling at most [s, s + max), or NULL when not terminated in it. */
static const char *mb2_string(const uint8_t *s, size_t max)
{
	if (max == 0 || strnlen((const char *)s, max) == max)
		return NULL;
	return (const char *)s;
}

static void mb2_module(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	struct boot_module *m;
	const char *cmd;
	uint32_t start, end;

	if (size < MB2_TAG_HDR + 8)
		return;
	start = rd32(tag + 8);
	end = rd32(tag + 12);
	if (end < start || bi->nmods >= BOOT_MODS_MAX)
		return;
	cmd = mb2_string(tag + 16, size - 16);
	m = &bi->mods[bi->nmods++];
	m->start = start;
	m->end = end;
	m->cmdline = cmd ? cmd : "";
}

static void mb2_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	uint32_t esize, off;

	if (size < MB2_TAG_HDR + 8)
		return;
	esize = rd32(tag + 8);
	/* entry_version (tag + 12) is ignored: later versions only append fields. */
	if (esize < MB2_MMAP_ENTRY || esize % 8 != 0)
		return;
	for (off = 16; size - off >= esize; off += esize) {
		const uint8_t *e = tag + off;
		struct mem_region *r;
		uint32_t type;

		if (bi->nmmap >= BOOT_MMAP_MAX)
			return;
		type = rd32(e + 16);
		r = &bi->mmap[bi->nmmap++];
		r->base = rd64(e);
		r->len = rd64(e + 8);
		r->type = (type >= MEM_USABLE && type <= MEM_BAD) ? type : MEM_RESERVED;
	}
}

static void mb2_framebuffer(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	struct boot_fb fb;

	if (size < MB2_FB_COMMON)
		return;
	memset(&fb, 0, sizeof(fb));
	fb.addr = rd64(tag + 8);
	fb.pitch = rd32(tag + 16);
	fb.width = rd32(tag + 20);
	fb.height = rd32(tag + 24);
	fb.bpp = tag[28];
	fb.type = tag[29];
	if (fb.type == 1) {
		if (size < MB2_FB_RGB)
			return;
		fb.red_pos = tag[32];
		fb.red_size = tag[33];
		fb.green_pos = tag[34];
		fb.green_size = tag[35];
		fb.blue_pos = tag[36];
		fb.blue_size = tag[37];
	}
	bi->fb = fb;
	bi->has_fb = true;
}

static void mb2_tag(const uint8_t *tag, uint32_t type, uint32_t size, struct boot_info *bi,
		    bool *acpi_new)
{
	const char *s;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER:
		s = mb2_string(tag + MB2_TAG_HDR, size - MB2_TAG_HDR);
		if (s && type == MB2_TAG_CMDLINE)
			bi->cmdline = s;
		else if (s)
			bi->loader = s;
		break;
	case MB2_TAG_MODULE:
		mb2_module(tag, size, bi);
		break;
	case MB2_TAG_MMAP:
		mb2_mmap(tag, size, bi);
		break;
	case MB2_TAG_FRAMEBUFFER:
		mb2_framebuffer(tag, size, bi);
		break;
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI64:
		bi->efi = true;
		break;
	case MB2_TAG_ACPI_OLD:
		/* An RSDP 1.0 is 20 bytes; never override a 2.0+ copy. */
		if (size - MB2_TAG_HDR >= 20 && !*acpi_new) {
			bi->rsdp = tag + MB2_TAG_HDR;
			bi->rsdp_len = size - MB2_TAG_HDR;
		}
		break;
	case MB2_TAG_ACPI_NEW:
		/* An RSDP 2.0+ is 36 bytes. */
		if (size - MB2_TAG_HDR >= 36 && !*acpi_new) {
			bi->rsdp = tag + MB2_TAG_HDR;
			bi->rsdp_len = size - MB2_TAG_HDR;
			*acpi_new = true;
		}
		break;
	default:
		break;
	}
}

static void mb2_reset(struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->cmdline = "";
	bi->loader = "";
}

int mb2_parse(const void *mbi, struct boot_info *bi)
{
	const uint8_t *p = mbi;
	bool acpi_new = false;
	uint32_t total, off;

	if (!bi)
		return -EINVAL;
	mb2_reset(bi);
	if (!p || ((uintptr_t)p & 7) != 0)
		return -EINVAL;
	total = rd32(p);
	if (total < MB2_MIN_SIZE || total > MB2_MAX_SIZE)
		return -EINVAL;
	bi->mbi_size = total;

	for (off = MB2_HDR_SIZE; total - off >= MB2_TAG_HDR;) {
		uint32_t type = rd32(p + off);
		uint32_t size = rd32(p + off + 4);

		if (size < MB2_TAG_HDR || size > total - off)
			break;
		if (type == MB2_TAG_END)
			return 0;
		mb2_tag(p + off, type, size, bi, &acpi_new);
		/* size <= 1 MiB, so this cannot wrap; the loop test catches running off the end. */
		off += ALIGN_UP(size, 8u);
		if (off > total)
			break;
	}
	/* A tag overran the structure, or no end tag. */
	mb2_reset(bi);
	return -EINVAL;
}
