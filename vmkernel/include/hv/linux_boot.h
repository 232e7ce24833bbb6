/* Linux x86 boot protocol loader: a bzImage and initrd put in guest memory for the 64-bit entry. */
#ifndef HV_LINUX_BOOT_H
#define HV_LINUX_BOOT_H

/*
 * What a boot loader does for Linux (Documentation/arch/x86/boot.rst), done by the VMM so that
 * a guest starts straight in the kernel, Firecracker-style, at the 64-bit entry point:
 *
 *   - checks the setup header of the bzImage: boot_flag 0xAA55, "HdrS", protocol >= 2.06 (and,
 *     since the 64-bit entry needs xloadflags, in effect >= 2.12), XLF_KERNEL_64, LOADED_HIGH,
 *     a header end (0x202 + the byte at 0x201) inside the setup sectors and struct
 *     boot_params' room for it (0x290), setup_sects (0 means 4), syssize within the file,
 *     kernel_alignment a power of two that pref_address honours;
 *   - copies the protected-mode kernel (the syssize * 16 bytes after the setup sectors; a
 *     signed image's trailing signature is left behind) to pref_address, where it runs in
 *     place: [pref_address, pref_address + init_size) must be RAM;
 *   - copies the initrd to the highest 4 KiB-aligned address that keeps it below
 *     min(initrd_addr_max + 1, RAM end, 4 GiB) and above that range;
 *   - writes the command line, the zero page (struct boot_params), page tables and a GDT in low
 *     memory (below), every one of them outside what the kernel and initrd use.
 *
 * Guest physical layout (all in the first E820 RAM range, which Linux >= 5.13 reserves whole
 * anyway; the kernel copies the zero page and command line before it reuses low memory):
 *
 *   0x00500-0x0051F  GDT: null, null, 0x10 flat 64-bit code, 0x18 flat data
 *   0x07000-0x07FFF  zero page (RSI)
 *   0x08000-0x08FFF  a scratch stack (RSP = 0x9000; the kernel sets up its own at once)
 *   0x09000-0x0EFFF  page tables (CR3 = 0x9000): PML4, PDPT, 4 page directories mapping the
 *                    first 4 GiB 1:1 with 2 MiB pages, read/write, cacheable (the kernel
 *                    replaces them before it touches MMIO)
 *   0x20000-0x2FFFF  command line, NUL-terminated (up to LINUX_BOOT_CMDLINE_MAX bytes with it)
 *   0x9FC00-0xFFFFF  E820 reserved; the ACPI tables (hv/acpi_tables.h) go here
 *
 * Zero page: all zero but for the setup header copied from the image (0x1F1 up to its end)
 * with these set: vid_mode 0xFFFF ("normal"), type_of_loader 0xFF, loadflags with KEEP_SEGMENTS
 * and CAN_USE_HEAP cleared, code32_start = load address, cmd_line_ptr, ramdisk_image/size
 * (+ ext_ at 0x0C0/0x0C4), hardware_subarch 0 (PC), setup_data 0, acpi_rsdp_addr (0x070),
 * alt_mem_k, and the E820 map (entries at 0x1E8, table at 0x2D0):
 *   RAM 0-0x9FC00, reserved 0x9FC00-0x100000, RAM 0x100000-mem_size.
 *
 * RAM is at most LINUX_BOOT_MAX_MEM (3 GiB) for now: guest memory is one range from 0, and the
 * PCI MMIO window starts at 0xC0000000 (hv/acpi_tables.h), so RAM above it would need a split
 * around the hole (RAM resuming at 4 GiB), which the VM's memory does not do yet.
 *
 * Not supported: 32-bit and real-mode entries, protocols before 2.12 in practice, setup_data
 * chains, EFI handover, loading anywhere but pref_address (a relocatable kernel would run at
 * another aligned address too; pref_address is what it prefers), command lines or initrds
 * above 4 GiB.
 *
 * The vCPU starts in long mode with paging: the entry's cr0/cr4/efer/rflags values, CS = 0x10
 * (the GDT's 64-bit code descriptor: base 0, L=1, DPL 0, execute/read), DS = ES = SS = FS = GS
 * = 0x18 (flat read/write data), GDTR from the entry, IDT limit 0, interrupts off (the kernel
 * loads its own IDT and GDT).
 */

#include <hv/dev.h>

#define LINUX_BOOT_GDT_GPA	 0x500u
#define LINUX_BOOT_ZERO_PAGE_GPA 0x7000u
#define LINUX_BOOT_STACK_TOP	 0x9000u
#define LINUX_BOOT_PGT_GPA	 0x9000u /* 6 pages */
#define LINUX_BOOT_CMDLINE_GPA	 0x20000u
#define LINUX_BOOT_CMDLINE_MAX	 0x10000u /* bytes with the NUL */
#define LINUX_BOOT_LOW_RAM_END	 0x9FC00u /* first RAM range ends; reserved to 1 MiB */
#define LINUX_BOOT_HIGH_RAM	 0x100000u
#define LINUX_BOOT_MAX_MEM	 0xC0000000ull

/* GDT selectors and descriptors: G, P, DPL 0, accessed; code L=1 exec/read, data D/B=1 r/w. */
#define LINUX_BOOT_CS	      0x10 /* __BOOT_CS */
#define LINUX_BOOT_DS	      0x18 /* __BOOT_DS */
#define LINUX_BOOT_GDT_CODE64 0x00AF9B000000FFFFull
#define LINUX_BOOT_GDT_DATA   0x00CF93000000FFFFull

/* E820 entry types. */
#define LINUX_E820_RAM	    1
#define LINUX_E820_RESERVED 2

/* A file to load, read through a callback (a boot module, a file on the host's disk).  read
 * fills @dst with @len bytes at @off (off + len <= size: the loader asks for nothing past
 * @size) and returns 0 or a negative errno, which the loader returns as is. */
struct linux_boot_src {
	uint64_t size;
	int (*read)(void *ctx, uint64_t off, void *dst, size_t len);
	void *ctx;
};

struct linux_boot_cfg {
	uint64_t
		mem_size; /* guest RAM is [0, mem_size): 1 MiB + the kernel .. LINUX_BOOT_MAX_MEM */
	uint64_t acpi_rsdp; /* the RSDP's guest physical address, 0 for none */
	/* Where the ACPI tables lie, [acpi_base, acpi_base + acpi_len): must be inside the
	 * reserved 0x9FC00-0xFFFFF and hold acpi_rsdp; acpi_len 0 when there are none. */
	uint64_t acpi_base, acpi_len;
};

/* The vCPU state to start the kernel with, and where things went. */
struct linux_boot_entry {
	uint64_t rip;  /* pref_address + 0x200: startup_64 */
	uint64_t rsi;  /* the zero page */
	uint64_t rsp;  /* LINUX_BOOT_STACK_TOP */
	uint64_t cr3;  /* LINUX_BOOT_PGT_GPA */
	uint64_t cr0;  /* PE | MP | ET | NE | WP | PG */
	uint64_t cr4;  /* PAE */
	uint64_t efer; /* LME | LMA */
	uint64_t rflags;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs, ds;
	uint16_t protocol;		   /* the image's boot protocol version, e.g. 0x020F */
	uint64_t kernel_addr, kernel_end;  /* [pref_address, pref_address + init_size) */
	uint64_t initrd_addr, initrd_size; /* 0, 0 without an initrd */
	uint64_t cmdline_addr;
};

/*
 * linux_boot_load - load @kernel (a bzImage) and @initrd into guest memory and describe the
 * vCPU state that starts it.
 * @kernel: the bzImage; untrusted: any content gives an error, never a bad access.
 * @initrd: the initial ramdisk, or NULL (or size 0) for none.
 * @cmdline: the kernel command line, NULL for an empty one.
 * @cfg: guest RAM size and ACPI placement.
 * @mem: guest memory writes (only @mem->write is used).
 * @out: filled on success.
 *
 * Copies through a 4 KiB buffer on the stack (about 4.3 KiB of stack in all), so files of any
 * size stream through.  Guest memory the loader does not write (the kernel's bss, the space
 * between the structures above) is left as it was: fresh guest memory is zero.
 *
 * Returns 0; -EINVAL for a bad argument or @cfg (mem_size below 1 MiB or above
 * LINUX_BOOT_MAX_MEM, an ACPI range outside 0x9FC00-0xFFFFF or not holding the RSDP);
 * -ENOEXEC for an image that is not a bzImage this loader can start (see the checks above,
 * and truncated files); -ENOMEM when a well-formed image does not fit: pref_address + init_size
 * beyond RAM, or no room for the initrd above the kernel; -E2BIG for a command line longer than
 * the image's cmdline_size or LINUX_BOOT_CMDLINE_MAX - 1; or the error of a read or write
 * callback.  On error guest memory may have been partly written.
 */
int linux_boot_load(const struct linux_boot_src *kernel, const struct linux_boot_src *initrd,
		    const char *cmdline, const struct linux_boot_cfg *cfg,
		    const struct hvdev_mem *mem, struct linux_boot_entry *out);

#endif
