/*
 * Virtual PCI bus 0 behind a host bridge, reached with configuration mechanism #1.
 *
 * Emulates: the 0xCF8 address register (dword, enable bit 31) and the 0xCFC-0xCFF data
 * window (byte, word or dword at the address register's register plus the port offset); a
 * host bridge at slot 0 (vendor 1b36 device 0008, the id QEMU gives its generic host bridge,
 * chosen because Linux has no quirks for it and we emulate no chipset registers; class
 * 0x060000); up to 31 single-function type-0 devices at slots 1-31 whose 256-byte
 * configuration space the model owns: ids, command (I/O space, memory space, bus master,
 * INTx disable, plus the harmless parity/SERR bits), status (capabilities-list bit, interrupt
 * status bit), cache line size and latency timer (scratch), interrupt line (scratch) and pin,
 * a capability list the device builds, and up to six BARs (32-bit or 64-bit memory, or I/O,
 * power-of-two sizes) with the usual sizing protocol (write all ones, read back the size
 * mask).  INTx of each device goes out through a struct hvdev_irq the platform gives at
 * registration, honouring INTx disable; status bit 3 shows the device's own level.
 *
 * Leaves out: buses other than 0 and functions other than 0 (read all ones), the extended
 * (PCIe) configuration space and MCFG, bits 30:24 of the address register (read as 0),
 * expansion ROMs (the ROM BAR reads 0), error reporting (status error bits are 0 and
 * ignore writes), MSI/MSI-X, bridges, and hot plug.  Byte or word accesses to 0xCF8-0xCFB
 * read all ones and are ignored (on a real chipset 0xCF9 is the reset control register: the
 * platform intercepts that port before calling this model if it wants it).
 *
 * BAR addresses: at registration the model pre-assigns every BAR, naturally aligned, from
 * the bottom of the windows the DSDT gives Linux: memory BARs (32- and 64-bit alike) from
 * PCI_MMIO_BASE up to PCI_MMIO_LIMIT, I/O BARs from PCI_IO_BASE up (0xC000, where SeaBIOS
 * starts too, leaving the bottom of the 0x1000-0xFFFF window to fixed platform ports).  A BAR
 * that does not fit is left 0 and Linux assigns it.  Decoding stays off (command = 0) until
 * the guest enables it, as after a reset; Linux claims the pre-assigned ranges when they lie
 * in the root bridge's _CRS windows and reassigns them otherwise.  A BAR reads as
 * "programmed" when its address is not 0.
 *
 * Interrupt routing: pci_intx_gsi() is the formula the DSDT's _PRT uses (GSI 16-23, level,
 * active low at the I/O APIC).  Slots 1-8 with INTA get distinct GSIs; when two devices share
 * one the platform must OR their levels.
 *
 * Like every model (hv/dev.h): no globals, no allocation (the caller embeds the structs), not
 * thread-safe (the caller holds one lock around every call, including the BAR callbacks it
 * dispatches to).
 */
#ifndef HV_PCI_H
#define HV_PCI_H

#include <hv/dev.h>

#define PCI_SLOTS     32
#define PCI_BARS      6
#define PCI_CFG_SIZE  256
#define PCI_CAP_START 0x40 /* capabilities are placed from here up */

/* Windows for BAR pre-assignment (what the DSDT's _CRS gives the root bridge). */
#define PCI_MMIO_BASE  0xC0000000ull
#define PCI_MMIO_LIMIT 0xFEBFFFFFull
#define PCI_IO_BASE    0xC000u
#define PCI_IO_LIMIT   0xFFFFu

/* Configuration space registers. */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_REVISION_ID	   0x08
#define PCI_CLASS_PROG	   0x09
#define PCI_CLASS_DEVICE   0x0A
#define PCI_CACHE_LINE	   0x0C
#define PCI_LATENCY_TIMER  0x0D
#define PCI_HEADER_TYPE	   0x0E
#define PCI_BAR0	   0x10
#define PCI_SUBSYS_VENDOR  0x2C
#define PCI_SUBSYS_ID	   0x2E
#define PCI_ROM_ADDRESS	   0x30
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN  0x3D

#define PCI_CMD_IO	     0x0001
#define PCI_CMD_MEM	     0x0002
#define PCI_CMD_MASTER	     0x0004
#define PCI_CMD_PARITY	     0x0040
#define PCI_CMD_SERR	     0x0100
#define PCI_CMD_INTX_DISABLE 0x0400
#define PCI_STATUS_INTX	     0x0008
#define PCI_STATUS_CAP_LIST  0x0010

#define PCI_BAR_SPACE_IO  0x1 /* low bits of a BAR register */
#define PCI_BAR_MEM_64	  0x4
#define PCI_BAR_MEM_PREF  0x8
#define PCI_CAP_ID_VENDOR 0x09

#define PCI_HOST_VENDOR 0x1b36
#define PCI_HOST_DEVICE 0x0008

enum pci_bar_kind { PCI_BAR_UNUSED = 0, PCI_BAR_MEM32, PCI_BAR_MEM64, PCI_BAR_IO };

/* What a device is: written into its configuration space by pci_dev_init. */
struct pci_id {
	uint16_t vendor, device, subsys_vendor, subsys_id;
	uint32_t class_code; /* base class << 16 | subclass << 8 | programming interface */
	uint8_t revision;
	uint8_t int_pin; /* 1 = INTA ... 4 = INTD, 0 = no interrupt */
};

struct pci_dev {
	/* Set by pci_dev_init, pci_dev_set_bar and pci_dev_add_cap (the device's init). */
	uint8_t cfg[PCI_CFG_SIZE];   /* little-endian configuration space */
	uint8_t wmask[PCI_CFG_SIZE]; /* guest-writable bits of each byte */
	uint64_t bar_size[PCI_BARS]; /* 0: unused (the upper half of a 64-bit BAR too) */
	uint8_t bar_kind[PCI_BARS];  /* enum pci_bar_kind */
	uint8_t cap_last;	     /* offset of the last capability, 0 for none */
	uint8_t cap_free;	     /* where the next capability goes */

	/* Set by the device before registration; any may be NULL.  bar_read/bar_write get the
	 * offset inside the BAR and a size of 1, 2, 4 or 8; the caller dispatches to them
	 * after pci_mmio_find/pci_io_find.  cfg_read_hook runs before a configuration read at
	 * reg >= PCI_CAP_START (it may refresh d->cfg), cfg_write_hook after a configuration
	 * write there has been stored (through wmask). */
	uint64_t (*bar_read)(void *ctx, int bar, uint64_t off, unsigned size);
	void (*bar_write)(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val);
	void (*cfg_read_hook)(void *ctx, unsigned reg, unsigned size);
	void (*cfg_write_hook)(void *ctx, unsigned reg, unsigned size);
	void *ctx;

	/* Set by pci_add. */
	struct hvdev_irq intx;
	bool intx_level; /* what the device asks for */
	bool intx_out;	 /* what the line carries (level and not INTx disable) */
	bool added;
	unsigned slot;
};

struct pci_bus {
	uint32_t addr; /* 0xCF8 */
	struct pci_dev *slot[PCI_SLOTS];
	struct pci_dev host; /* slot 0 */
	uint64_t mmio_next;  /* pre-assignment cursors */
	uint32_t io_next;
};

/* The GSI the DSDT's _PRT routes a slot's interrupt pin to (pin 0 = INTA). */
static inline unsigned pci_intx_gsi(unsigned slot, unsigned pin)
{
	return 16 + (slot + pin) % 8;
}

/* An empty bus 0 with the host bridge at slot 0. */
void pci_init(struct pci_bus *bus);

/* Start a device's configuration space: zeroes d entirely, then writes the ids, header type
 * 0, interrupt pin, and the writable masks of the command, cache line, latency timer and
 * interrupt line registers.  Callbacks are set by the caller afterwards. */
void pci_dev_init(struct pci_dev *d, const struct pci_id *id);

/* Describe BAR `bar`: kind, size (a power of two: at least 16 bytes for memory, 4 for I/O,
 * at most 2 GiB for 32-bit memory and 256 bytes for I/O), prefetchable (memory only).  A
 * 64-bit BAR takes `bar` and `bar + 1`.  0, or -EINVAL (bad index, size or kind, or a slot
 * already used). */
int pci_dev_set_bar(struct pci_dev *d, int bar, enum pci_bar_kind kind, uint64_t size,
		    bool prefetch);

/* Append a capability: `id`, then `len` bytes of body (what follows the id and next
 * bytes), dword aligned from PCI_CAP_START, linked at the end of the list; sets the
 * status capabilities bit.  *off (when not NULL) gets its offset.  The body is read-only to
 * the guest unless the device sets d->wmask.  0, or -ENOSPC (no room left). */
int pci_dev_add_cap(struct pci_dev *d, uint8_t id, const void *body, size_t len, uint8_t *off);

/* Register function 0 of a device at `slot` (1-31) with its INTx output (NULL: none wired;
 * the platform computes the line with pci_intx_gsi).  Pre-assigns its BARs (see above) and
 * sets the interrupt line register to intx->line (0xFF when none).  0, or -EINVAL (bad slot,
 * a device already registered) or -EBUSY (the slot is taken). */
int pci_add(struct pci_bus *bus, unsigned slot, struct pci_dev *d, const struct hvdev_irq *intx);

/* Port I/O at 0xCF8 + off (off 0-7), size 1, 2 or 4 (anything else reads all ones and is
 * ignored).  Reads return the value in the low `size` bytes. */
uint32_t pci_io_read(struct pci_bus *bus, unsigned off, unsigned size);
void pci_io_write(struct pci_bus *bus, unsigned off, unsigned size, uint32_t val);

/* Direct configuration access to one device (what the data port does after decoding the
 * address): `size` bytes (1, 2 or 4) at `reg`, not crossing a dword; anything else reads
 * all ones and is ignored. */
uint32_t pci_cfg_read(struct pci_dev *d, unsigned reg, unsigned size);
void pci_cfg_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val);

/* The device and memory BAR holding guest physical address gpa: the BAR must be
 * programmed and the device's memory decoding enabled.  *d, *bar and *off (offset in the
 * BAR) are set on success.  0, or -ENOENT. */
int pci_mmio_find(struct pci_bus *bus, uint64_t gpa, struct pci_dev **d, int *bar, uint64_t *off);
/* The same for an I/O port and I/O BARs with I/O decoding enabled. */
int pci_io_find(struct pci_bus *bus, uint32_t port, struct pci_dev **d, int *bar, uint64_t *off);

/* The guest address a BAR is programmed with (0: not programmed or unused). */
uint64_t pci_bar_addr(const struct pci_dev *d, int bar);

/* Dispatch an access found by pci_mmio_find/pci_io_find.  A device without the callback
 * reads all ones and ignores writes. */
uint64_t pci_bar_read(struct pci_dev *d, int bar, uint64_t off, unsigned size);
void pci_bar_write(struct pci_dev *d, int bar, uint64_t off, unsigned size, uint64_t val);

/* Drive the device's INTx level.  The line carries it unless the guest set INTx disable;
 * status bit 3 shows it either way. */
void pci_set_intx(struct pci_dev *d, bool level);

#endif
