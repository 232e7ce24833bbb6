/* Linux x86 boot protocol loader: a bzImage and initrd put in guest memory for the 64-bit entry. */
#include <stdbool.h>
#include <string.h>

#include <vmk/le.h>
#include <vmk/errno.h>
#include <hv/linux_boot.h>

#define PAGE 4096u

/* Setup header fields: offsets in the image, which are also their offsets in the zero page. */
#define HDR_SETUP_SECTS	    0x1F1
#define HDR_SYSSIZE	    0x1F4
#define HDR_VID_MODE	    0x1FA
#define HDR_BOOT_FLAG	    0x1FE
#define HDR_JUMP	    0x200
#define HDR_MAGIC	    0x202
#define HDR_VERSION	    0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS	    0x211
#define HDR_CODE32_START    0x214
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21C
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22C
#define HDR_KERNEL_ALIGN    0x230
#define HDR_RELOCATABLE	    0x234
#define HDR_XLOADFLAGS	    0x236
#define HDR_CMDLINE_SIZE    0x238
#define HDR_HW_SUBARCH	    0x23C
#define HDR_HW_SUBARCH_DATA 0x240
#define HDR_SETUP_DATA	    0x250
#define HDR_PREF_ADDRESS    0x258
#define HDR_INIT_SIZE	    0x260
#define HDR_INIT_SIZE_END   0x264 /* the header must reach at least this far */
#define HDR_ROOM_END	    0x290 /* struct boot_params has room for the header up to here */

/* Other zero page fields. */
#define ZP_ACPI_RSDP_ADDR    0x070
#define ZP_EXT_RAMDISK_IMAGE 0x0C0
#define ZP_EXT_RAMDISK_SIZE  0x0C4
#define ZP_EXT_CMD_LINE_PTR  0x0C8
#define ZP_ALT_MEM_K	     0x1E0
#define ZP_E820_ENTRIES	     0x1E8
#define ZP_E820_TABLE	     0x2D0
#define E820_ENTRY_LEN	     20

#define BOOT_FLAG_MAGIC	 0xAA55
#define PROTO_MIN	 0x0206 /* cmdline_size */
#define PROTO_XLOADFLAGS 0x020C
#define LOADED_HIGH	 (1u << 0)
#define KEEP_SEGMENTS	 (1u << 6)
#define CAN_USE_HEAP	 (1u << 7)
#define XLF_KERNEL_64	 (1u << 0)
#define ENTRY_64_OFFSET	 0x200

#define CR0_PE	 (1ull << 0)
#define CR0_MP	 (1ull << 1)
#define CR0_ET	 (1ull << 4)
#define CR0_NE	 (1ull << 5)
#define CR0_WP	 (1ull << 16)
#define CR0_PG	 (1ull << 31)
#define CR4_PAE	 (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)

#define FOUR_GIB (1ull << 32)

/* What the loader takes from the setup header, once validated. */
struct image {
	uint16_t version;
	uint16_t hdr_end; /* offset past the header: 0x202 + the jump's displacement byte */
	uint64_t setup_size;
	uint64_t kernel_len;
	uint32_t init_size;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	uint64_t pref_address;
};

/* Where everything goes. */
struct plan {
	uint64_t kernel_end;
	uint64_t initrd_addr, initrd_size;
	size_t cmdline_len; /* without the NUL */
};

/* The first HDR_ROOM_END bytes of the image, @h, checked; fills @img. */
static int parse_header(const uint8_t *h, uint64_t file_size, struct image *img)
{
	unsigned setup_sects = h[HDR_SETUP_SECTS] ? h[HDR_SETUP_SECTS] : 4;
	unsigned hdr_end = 0x202u + h[HDR_JUMP + 1];
	uint32_t align = le32(h + HDR_KERNEL_ALIGN);

	if (le16(h + HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC || memcmp(h + HDR_MAGIC, "HdrS", 4) != 0)
		return -ENOEXEC;
	img->version = le16(h + HDR_VERSION);
	/* The 64-bit entry is announced in xloadflags, which 2.12 brought. */
	if (img->version < PROTO_MIN || img->version < PROTO_XLOADFLAGS)
		return -ENOEXEC;
	if (!(le16(h + HDR_XLOADFLAGS) & XLF_KERNEL_64) || !(h[HDR_LOADFLAGS] & LOADED_HIGH))
		return -ENOEXEC;
	/* setup_size >= 1024 > HDR_ROOM_END, so a header inside the room is inside the setup. */
	if (hdr_end < HDR_INIT_SIZE_END || hdr_end > HDR_ROOM_END)
		return -ENOEXEC;
	img->hdr_end = (uint16_t)hdr_end;

	img->setup_size = (uint64_t)(setup_sects + 1) * 512;
	img->kernel_len = (uint64_t)le32(h + HDR_SYSSIZE) * 16;
	if (img->kernel_len == 0 || img->setup_size > file_size ||
	    img->kernel_len > file_size - img->setup_size)
		return -ENOEXEC;

	img->init_size = le32(h + HDR_INIT_SIZE);
	if (img->init_size < img->kernel_len)
		return -ENOEXEC;

	img->pref_address = le64(h + HDR_PREF_ADDRESS);
	if (img->pref_address < LINUX_BOOT_HIGH_RAM || img->pref_address >= FOUR_GIB)
		return -ENOEXEC;
	/* A relocatable kernel rounds its run address up to kernel_alignment: make that a no-op,
	 * so the kernel stays inside [pref_address, + init_size). */
	if (h[HDR_RELOCATABLE] &&
	    (align == 0 || (align & (align - 1)) != 0 || (img->pref_address & (align - 1)) != 0))
		return -ENOEXEC;

	img->initrd_addr_max = le32(h + HDR_INITRD_ADDR_MAX);
	img->cmdline_size = le32(h + HDR_CMDLINE_SIZE);
	return 0;
}

static bool cfg_ok(const struct linux_boot_cfg *cfg)
{
	if (cfg->mem_size < LINUX_BOOT_HIGH_RAM || cfg->mem_size > LINUX_BOOT_MAX_MEM)
		return false;
	if (cfg->acpi_len == 0)
		return cfg->acpi_rsdp == 0;
	if (cfg->acpi_base < LINUX_BOOT_LOW_RAM_END || cfg->acpi_base >= LINUX_BOOT_HIGH_RAM ||
	    cfg->acpi_len > LINUX_BOOT_HIGH_RAM - cfg->acpi_base)
		return false;
	return cfg->acpi_rsdp == 0 || (cfg->acpi_rsdp >= cfg->acpi_base &&
				       cfg->acpi_rsdp - cfg->acpi_base < cfg->acpi_len);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Decide where the kernel's run range, the initrd and the command line go. */
static int plan_layout(const struct image *img, const struct linux_boot_src *initrd,
		       const char *cmdline, const struct linux_boot_cfg *cfg, struct plan *p)
{
	uint64_t top, floor;

	if (img->init_size > cfg->mem_size || img->pref_address > cfg->mem_size - img->init_size)
		return -ENOMEM;
	p->kernel_end = img->pref_address + img->init_size;

	p->cmdline_len = strnlen(cmdline, LINUX_BOOT_CMDLINE_MAX);
	if (p->cmdline_len >= LINUX_BOOT_CMDLINE_MAX || p->cmdline_len > img->cmdline_size)
		return -E2BIG;

	p->initrd_addr = 0;
	p->initrd_size = initrd ? initrd->size : 0;
	if (p->initrd_size == 0)
		return 0;
	top = min64(min64((uint64_t)img->initrd_addr_max + 1, cfg->mem_size), FOUR_GIB);
	floor = (p->kernel_end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	if (top < floor || p->initrd_size > top - floor)
		return -ENOMEM;
	p->initrd_addr = (top - p->initrd_size) & ~(uint64_t)(PAGE - 1);
	if (p->initrd_addr < floor)
		return -ENOMEM;
	return 0;
}

/* Copy @len bytes at @off of @src to guest @gpa through @buf (PAGE bytes). */
static int stream(const struct linux_boot_src *src, uint64_t off, uint64_t len,
		  const struct hvdev_mem *mem, uint64_t gpa, uint8_t *buf)
{
	while (len) {
		size_t n = len < PAGE ? (size_t)len : PAGE;
		int err = src->read(src->ctx, off, buf, n);

		if (err)
			return err;
		err = mem->write(mem->ctx, gpa, buf, n);
		if (err)
			return err;
		off += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

static void e820_put(uint8_t *zp, unsigned i, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t *e = zp + ZP_E820_TABLE + i * E820_ENTRY_LEN;

	put_le64(e, addr);
	put_le64(e + 8, size);
	put_le32(e + 16, type);
}

/* The zero page in @zp (PAGE bytes): the image's header, then what the loader sets. */
static int build_zero_page(uint8_t *zp, const struct linux_boot_src *kernel,
			   const struct image *img, const struct plan *p,
			   const struct linux_boot_cfg *cfg)
{
	int err;

	memset(zp, 0, PAGE);
	err = kernel->read(kernel->ctx, HDR_SETUP_SECTS, zp + HDR_SETUP_SECTS,
			   img->hdr_end - HDR_SETUP_SECTS);
	if (err)
		return err;

	put_le16(zp + HDR_VID_MODE, 0xFFFF);
	zp[HDR_TYPE_OF_LOADER] = 0xFF;
	zp[HDR_LOADFLAGS] =
		(uint8_t)((zp[HDR_LOADFLAGS] | LOADED_HIGH) & ~(KEEP_SEGMENTS | CAN_USE_HEAP));
	put_le32(zp + HDR_CODE32_START, (uint32_t)img->pref_address);
	put_le32(zp + HDR_CMD_LINE_PTR, LINUX_BOOT_CMDLINE_GPA);
	put_le32(zp + ZP_EXT_CMD_LINE_PTR, 0);
	put_le32(zp + HDR_RAMDISK_IMAGE, (uint32_t)p->initrd_addr);
	put_le32(zp + HDR_RAMDISK_SIZE, (uint32_t)p->initrd_size);
	put_le32(zp + ZP_EXT_RAMDISK_IMAGE, (uint32_t)(p->initrd_addr >> 32));
	put_le32(zp + ZP_EXT_RAMDISK_SIZE, (uint32_t)(p->initrd_size >> 32));
	put_le32(zp + HDR_HW_SUBARCH, 0);
	put_le64(zp + HDR_HW_SUBARCH_DATA, 0);
	put_le64(zp + HDR_SETUP_DATA, 0);
	put_le64(zp + ZP_ACPI_RSDP_ADDR, cfg->acpi_rsdp);
	put_le32(zp + ZP_ALT_MEM_K, (uint32_t)((cfg->mem_size - LINUX_BOOT_HIGH_RAM) / 1024));

	e820_put(zp, 0, 0, LINUX_BOOT_LOW_RAM_END, LINUX_E820_RAM);
	e820_put(zp, 1, LINUX_BOOT_LOW_RAM_END, LINUX_BOOT_HIGH_RAM - LINUX_BOOT_LOW_RAM_END,
		 LINUX_E820_RESERVED);
	zp[ZP_E820_ENTRIES] = 2;
	if (cfg->mem_size > LINUX_BOOT_HIGH_RAM) {
		e820_put(zp, 2, LINUX_BOOT_HIGH_RAM, cfg->mem_size - LINUX_BOOT_HIGH_RAM,
			 LINUX_E820_RAM);
		zp[ZP_E820_ENTRIES] = 3;
	}
	return 0;
}

/* PML4 -> PDPT -> 4 page directories of 2 MiB pages: the first 4 GiB, 1:1. */
static int build_page_tables(const struct hvdev_mem *mem, uint8_t *page)
{
	const uint64_t pml4 = LINUX_BOOT_PGT_GPA, pdpt = pml4 + PAGE, pd = pdpt + PAGE;
	int err;

	memset(page, 0, PAGE);
	put_le64(page, pdpt | PTE_P | PTE_RW);
	err = mem->write(mem->ctx, pml4, page, PAGE);
	if (err)
		return err;

	memset(page, 0, PAGE);
	for (unsigned i = 0; i < 4; i++)
		put_le64(page + 8 * i, (pd + (uint64_t)i * PAGE) | PTE_P | PTE_RW);
	err = mem->write(mem->ctx, pdpt, page, PAGE);
	if (err)
		return err;

	for (unsigned i = 0; i < 4; i++) {
		for (unsigned j = 0; j < 512; j++) {
			uint64_t addr = ((uint64_t)i << 30) | ((uint64_t)j << 21);

			put_le64(page + 8 * j, addr | PTE_P | PTE_RW | PTE_PS);
		}
		err = mem->write(mem->ctx, pd + (uint64_t)i * PAGE, page, PAGE);
		if (err)
			return err;
	}
	return 0;
}

static int write_gdt(const struct hvdev_mem *mem)
{
	uint8_t gdt[4 * 8] = {0};

	put_le64(gdt + LINUX_BOOT_CS, LINUX_BOOT_GDT_CODE64);
	put_le64(gdt + LINUX_BOOT_DS, LINUX_BOOT_GDT_DATA);
	return mem->write(mem->ctx, LINUX_BOOT_GDT_GPA, gdt, sizeof(gdt));
}

static bool src_ok(const struct linux_boot_src *src)
{
	return src && src->read;
}

int linux_boot_load(const struct linux_boot_src *kernel, const struct linux_boot_src *initrd,
		    const char *cmdline, const struct linux_boot_cfg *cfg,
		    const struct hvdev_mem *mem, struct linux_boot_entry *out)
{
	uint8_t buf[PAGE];
	struct image img;
	struct plan p;
	int err;

	if (!src_ok(kernel) || (initrd && initrd->size && !initrd->read) || !cfg || !mem ||
	    !mem->write || !out || !cfg_ok(cfg))
		return -EINVAL;
	if (!cmdline)
		cmdline = "";

	if (kernel->size < HDR_ROOM_END)
		return -ENOEXEC;
	err = kernel->read(kernel->ctx, 0, buf, HDR_ROOM_END);
	if (err)
		return err;
	err = parse_header(buf, kernel->size, &img);
	if (err)
		return err;
	err = plan_layout(&img, initrd, cmdline, cfg, &p);
	if (err)
		return err;

	err = stream(kernel, img.setup_size, img.kernel_len, mem, img.pref_address, buf);
	if (!err && p.initrd_size)
		err = stream(initrd, 0, p.initrd_size, mem, p.initrd_addr, buf);
	if (!err)
		err = mem->write(mem->ctx, LINUX_BOOT_CMDLINE_GPA, cmdline, p.cmdline_len + 1);
	if (!err)
		err = build_zero_page(buf, kernel, &img, &p, cfg);
	if (!err)
		err = mem->write(mem->ctx, LINUX_BOOT_ZERO_PAGE_GPA, buf, PAGE);
	if (!err)
		err = build_page_tables(mem, buf);
	if (!err)
		err = write_gdt(mem);
	if (err)
		return err;

	memset(out, 0, sizeof(*out));
	out->rip = img.pref_address + ENTRY_64_OFFSET;
	out->rsi = LINUX_BOOT_ZERO_PAGE_GPA;
	out->rsp = LINUX_BOOT_STACK_TOP;
	out->cr3 = LINUX_BOOT_PGT_GPA;
	out->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	out->cr4 = CR4_PAE;
	out->efer = EFER_LME | EFER_LMA;
	out->rflags = 0x2;
	out->gdt_base = LINUX_BOOT_GDT_GPA;
	out->gdt_limit = 4 * 8 - 1;
	out->cs = LINUX_BOOT_CS;
	out->ds = LINUX_BOOT_DS;
	out->protocol = img.version;
	out->kernel_addr = img.pref_address;
	out->kernel_end = p.kernel_end;
	out->initrd_addr = p.initrd_addr;
	out->initrd_size = p.initrd_size;
	out->cmdline_addr = LINUX_BOOT_CMDLINE_GPA;
	return 0;
}
