/* Host PCI: configuration access, enumeration, BARs, capabilities, interrupts, drivers. */
#ifndef VMK_PCI_H
#define VMK_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Overview. At boot pci_host_init() picks a configuration mechanism (ECAM from the ACPI MCFG when
 * there is one, else ports 0xCF8/0xCFC), walks every bus reachable from bus 0 through
 * PCI-to-PCI bridges (the bus numbers firmware gave them), and builds the device list: IDs,
 * class, BARs sized (decoding off while sizing), the capability list. What firmware
 * (SeaBIOS, OVMF) assigned is kept: nothing is moved. Then each registered driver is offered
 * the devices its ID table matches. The device list is built once and never shrinks; each
 * device's driver binding and interrupt state are guarded by pci_lock (a mutex).
 *
 * The scan (pci_scan.c), BAR decoding, capability walk, ID matching and the /proc formats
 * (pci_format.c) are pure code over a struct pci_cfg accessor, tested on the host with fake
 * configuration spaces, hostile ones included: a looping capability list, BARs that size to
 * nonsense and bridges whose bus numbers loop are logged and skipped, never followed.
 */

/* Configuration-space registers (type 0 and type 1 headers). */
#define PCI_VENDOR_ID	    0x00
#define PCI_DEVICE_ID	    0x02
#define PCI_COMMAND	    0x04
#define PCI_STATUS	    0x06
#define PCI_REVISION	    0x08
#define PCI_CLASS_PROG	    0x09
#define PCI_HEADER_TYPE	    0x0e
#define PCI_BAR0	    0x10
#define PCI_PRIMARY_BUS	    0x18 /* type 1 */
#define PCI_SECONDARY_BUS   0x19 /* type 1 */
#define PCI_SUBORDINATE_BUS 0x1a /* type 1 */
#define PCI_SUBSYS_VENDOR   0x2c /* type 0 */
#define PCI_SUBSYS_ID	    0x2e /* type 0 */
#define PCI_ROM_ADDRESS	    0x30 /* type 0 */
#define PCI_CAP_PTR	    0x34
#define PCI_ROM_ADDRESS1    0x38 /* type 1 */
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d

#define PCI_CMD_IO	      (1u << 0)
#define PCI_CMD_MEMORY	      (1u << 1)
#define PCI_CMD_MASTER	      (1u << 2)
#define PCI_CMD_INTX_DISABLE  (1u << 10)
#define PCI_STATUS_CAP_LIST   (1u << 4)
#define PCI_HEADER_MULTI_FUNC 0x80

#define PCI_CAP_ID_MSI	0x05
#define PCI_CAP_ID_PCIE 0x10
#define PCI_CAP_ID_MSIX 0x11

#define PCI_ANY_ID 0xffff

/*
 * Configuration accessor: @size is 1, 2 or 4 and @off is aligned to it, off < 256 (the
 * conventional space; ECAM's extended space is not used yet). A missing function reads all
 * ones. Implementations serialise themselves (mechanism #1's address/data pair is one
 * register pair for the whole machine); callable from any context.
 */
struct pci_cfg {
	uint32_t (*read)(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size);
	void (*write)(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size,
		      uint32_t val);
	void *ctx;
};

enum pci_bar_kind {
	PCI_BAR_NONE, /* not implemented, the upper half of a 64-bit BAR, or rejected */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
	PCI_BAR_ROM,
};

struct pci_bar {
	enum pci_bar_kind kind;
	uint64_t base; /* as firmware assigned it (I/O port or physical address) */
	uint64_t size; /* a power of two, 0 when kind is PCI_BAR_NONE */
	uint8_t flags; /* the BAR's low bits as read: I/O bit 0; memory type 2:1 and prefetchable
			* bit 3; the ROM's enable bit 0 (what Linux's /proc shows with the base) */
	bool prefetch;
};

#define PCI_NUM_BARS 6
#define PCI_MAX_CAPS 48 /* 256 bytes hold at most (256 - 64) / 4 capabilities */

enum pci_irq_mode { PCI_IRQ_NONE, PCI_IRQ_INTX_MODE, PCI_IRQ_MSI_MODE, PCI_IRQ_MSIX_MODE };

struct pci_driver;
struct pci_dev;

typedef void (*pci_irq_fn)(struct pci_dev *d, unsigned idx, void *arg);

/* One granted interrupt vector (pci_irq.c fills these in; the format shows them). */
struct pci_irq_vec {
	uint8_t vector; /* IDT vector */
	uint16_t cpu;	/* logical CPU it is sent to */
	int gsi;	/* INTx: the IOAPIC input; -1 otherwise */
	pci_irq_fn fn;
	void *arg;
	volatile uint64_t count; /* interrupts handled */
};

struct pci_dev {
	/* Set by the scan, read-only afterwards. */
	uint16_t segment;
	uint8_t bus, devfn; /* devfn: device << 3 | function */
	uint16_t vendor, device, subsys_vendor, subsys_device;
	uint8_t class, subclass, prog_if, revision;
	uint8_t hdr_type; /* header layout, bits 6:0 (0 device, 1 bridge, 2 CardBus) */
	uint8_t irq_pin;  /* 0 none, 1-4 INTA-INTD */
	uint8_t irq_line; /* what firmware wrote: the legacy IRQ the pin is routed to */
	uint8_t secondary, subordinate;	  /* bridges: bus numbers as firmware set them */
	struct pci_bar bar[PCI_NUM_BARS]; /* BARs 0-5 (0-1 on bridges) */
	struct pci_bar rom;		  /* expansion ROM BAR */
	unsigned ncaps;			  /* capabilities found, in list order */
	uint8_t cap_id[PCI_MAX_CAPS], cap_off[PCI_MAX_CAPS];
	bool bad_caps;	      /* the list looped or pointed out of range: cut short */
	struct pci_dev *next; /* the list, in Linux's order (a bus, then its bridges') */

	/* Guarded by pci_lock. */
	const struct pci_driver *driver; /* bound driver, NULL when none */
	void *drvdata;
	enum pci_irq_mode irq_mode;
	unsigned nvec;
	struct pci_irq_vec *vec; /* nvec entries */
	volatile uint32_t *msix_table, *msix_pba;
	volatile void *bar_va[PCI_NUM_BARS]; /* pci_map_bar's mappings (its own lock) */
};

/* ---- Pure helpers (host-tested) ---- */

/* Bus/device/function as a devfn. */
static inline uint8_t pci_devfn(unsigned dev, unsigned fn)
{
	return (uint8_t)((dev & 31) << 3 | (fn & 7));
}

/*
 * pci_bar_decode - a BAR's kind and size from what it read before and after writing all ones.
 * @orig, @mask: the low dword as read (firmware's value) and after the all-ones write;
 * @orig_hi, @mask_hi: the same for the upper dword of a 64-bit BAR (ignored otherwise);
 * @rom: an expansion ROM BAR (bits 31:11 address, bit 0 enable).
 * Fills @out. The size is the lowest address bit that stuck; the bits above it up to the
 * BAR's width must all have stuck too (16-bit I/O decoders are accepted), else the BAR sizes
 * to nonsense and -EINVAL is returned with out->kind PCI_BAR_NONE. A reserved memory type (3)
 * is -EINVAL too. Returns 0 (also for an unimplemented BAR: kind NONE, size 0).
 */
int pci_bar_decode(uint32_t orig, uint32_t mask, uint32_t orig_hi, uint32_t mask_hi, bool rom,
		   struct pci_bar *out);

/*
 * pci_cap_walk - read @d's capability list into d->cap_id/cap_off (d->ncaps).
 * Follows the list from PCI_CAP_PTR when the status register says there is one. A pointer
 * below 0x40 or past 0xfc, or one seen before (a loop), ends the walk with d->bad_caps set;
 * at most PCI_MAX_CAPS entries are read. Returns the count, or -EINVAL when the list was cut
 * short (what was found before the bad pointer is kept).
 */
int pci_cap_walk(const struct pci_cfg *cfg, struct pci_dev *d);

/* Offset of the first capability @id in @d's list, 0 when none. */
uint8_t pci_cap_find(const struct pci_dev *d, uint8_t id);

/*
 * pci_scan - enumerate segment @segment from bus @first_bus, buses up to @last_bus.
 * @alloc(@actx) returns a zeroed struct pci_dev (or NULL: the scan stops there).
 * Every device 0-31 of a bus, functions 1-7 only when function 0 is multi-function; each
 * function's header is read, its BARs sized with I/O and memory decoding off (the command
 * register is restored afterwards), its capabilities walked. A bridge whose secondary bus is
 * 0, not above its own bus, outside [first_bus, last_bus] or already scanned is logged and not
 * followed (bus-number loops end); nesting is limited to 32 levels. An IDE controller in
 * compatibility mode gets the legacy ports (0x1f0/8, 0x3f6/1, 0x170/8, 0x376/1) as BARs 0-3
 * for each channel not in native mode, as Linux records them. Devices go on *@list in
 * Linux's order: all of a bus's functions, then each bridge's buses in turn.
 * Returns the number of functions found. Not locked: boot-time, single-threaded.
 */
int pci_scan(const struct pci_cfg *cfg, uint16_t segment, uint8_t first_bus, uint8_t last_bus,
	     struct pci_dev *(*alloc)(void *actx), void *actx, struct pci_dev **list);

/* Driver ID table entry; a table ends with an all-zero entry. A vendor/device of PCI_ANY_ID
 * matches any; class (class << 16 | subclass << 8 | prog_if) is compared under class_mask. */
struct pci_device_id {
	uint16_t vendor, device;
	uint32_t class, class_mask;
};

/* The first entry of @ids that matches @d, or NULL. */
const struct pci_device_id *pci_match_id(const struct pci_device_id *ids, const struct pci_dev *d);

/*
 * pci_format_devices_line - @d's line of /proc/bus/pci/devices, exactly as Linux prints it
 * (drivers/pci/proc.c): bus and devfn "%02x%02x", TAB, vendor and device "%04x%04x", TAB, the
 * IRQ "%x" (the Interrupt Line when a pin is wired, else 0), then seven resources (BARs 0-5
 * and the ROM) as TAB "%16lx" of base | low flag bits, seven sizes the same way (a size of 1
 * prints 0: Linux prints a size only when start < end), then TAB, the
 * driver's name when bound, and a newline. ksnprintf semantics: returns the full length.
 */
int pci_format_devices_line(const struct pci_dev *d, char *buf, size_t len);

/* @d's lines of /proc/keel/pci: "DDDD:BB:DD.F vvvv:dddd (ssss:ssss) class cc.ss.pp rev rr",
 * driver, interrupt mode with vectors and CPUs, and one line per BAR. Same return. */
int pci_format_keel(const struct pci_dev *d, char *buf, size_t len);

/* ---- The running kernel ---- */

struct acpi_info;

/* Pick the config mechanism from @a (MCFG or ports), scan, log each function, probe drivers.
 * Boot CPU, after the IOAPICs are set up and the APs are online; may sleep. */
void pci_host_init(const struct acpi_info *a);

/* The device list (NULL before pci_host_init or with no PCI); walk with ->next. */
struct pci_dev *pci_devices(void);

/* The first device with @vendor:@device after @from (NULL: from the start), or NULL. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from);

/* Config space of @d (see struct pci_cfg; any context). */
uint32_t pci_read(const struct pci_dev *d, uint16_t off, unsigned size);
void pci_write(const struct pci_dev *d, uint16_t off, unsigned size, uint32_t val);

/* Turn on memory and I/O decoding for the BARs @d has, and (when @master) bus mastering. */
void pci_enable(struct pci_dev *d, bool master);

/* Map memory BAR @i of @d uncached; returns the virtual address or NULL (an I/O BAR, an
 * unassigned one, or out of mapping space). Mappings last as long as the kernel. May sleep. */
volatile void *pci_map_bar(struct pci_dev *d, unsigned i);

/*
 * Drivers. probe(d, id) runs with pci_lock held, may sleep, and returns 0 to take the device
 * (its name is then recorded in d->driver and shown in /proc) or a negative errno to leave it.
 * pci_driver_register offers every unbound matching device at once when called after
 * pci_host_init, and pci_host_init offers the devices to the drivers registered before it. @drv
 * lives as long as the kernel. Returns the number of devices bound. May sleep.
 */
struct pci_driver {
	const char *name;
	const struct pci_device_id *ids;
	int (*probe)(struct pci_dev *d, const struct pci_device_id *id);
	struct pci_driver *next; /* the registry's */
};
int pci_driver_register(struct pci_driver *drv);

/*
 * Interrupts. A handler runs in interrupt context on the CPU its vector was routed to, with
 * @idx the vector's index (0..n-1) and the @arg it was set up with; it must quiet the device
 * (INTx is level-triggered: the line must drop before the handler returns). INTx lines may
 * be shared: the handler is called for every interrupt on the line.
 */
struct pci_irq_req {
	pci_irq_fn fn;
	void *arg;
	unsigned cpu; /* logical CPU id (as in cpus[]); one not online means CPU 0 */
};

#define PCI_IRQ_ALLOW_MSIX (1u << 0)
#define PCI_IRQ_ALLOW_MSI  (1u << 1)
#define PCI_IRQ_ALLOW_INTX (1u << 2)
#define PCI_IRQ_ALLOW_ALL  7u

/*
 * pci_irq_setup - give @d up to @n vectors (req[0..n-1]), trying MSI-X, then MSI (one
 * message), then INTx through the IOAPIC, among the kinds @allow permits. Each MSI-X or MSI
 * vector gets its own IDT vector, sent to its CPU's LAPIC; INTx uses the Interrupt Line (the
 * MADT's overrides applied) as the IOAPIC input, level-triggered, active-low unless an
 * override says otherwise, to req[0].cpu. Vectors start unmasked. Returns how many vectors
 * were granted (>= 1; fewer than @n when the device or the kind offers fewer: then req[0..
 * granted-1] are the ones in use), -EBUSY when @d already has interrupts, -ENOSPC when out of
 * IDT vectors, -ENODEV when no allowed kind is possible. May sleep; takes pci_lock.
 */
int pci_irq_setup(struct pci_dev *d, unsigned n, const struct pci_irq_req *req, unsigned allow);

/* Undo pci_irq_setup: the device's MSI/MSI-X off (or INTx disabled), vectors freed. */
void pci_irq_free(struct pci_dev *d);

/* Mask or unmask vector @idx: MSI-X per-vector mask bit; MSI per-vector mask when the
 * function has it (else -EOPNOTSUPP); INTx through the command register's Interrupt Disable
 * bit (the device's own, so a shared line keeps working for the others). Any context. */
int pci_irq_mask(struct pci_dev *d, unsigned idx);
int pci_irq_unmask(struct pci_dev *d, unsigned idx);

/* MSI-X: is vector @idx's pending bit set in the PBA? false for other modes. */
bool pci_irq_pending(struct pci_dev *d, unsigned idx);

/* /proc/bus/pci/devices and /proc/keel/pci into @buf (ksnprintf semantics: returns the full
 * length). Takes pci_lock; may sleep. */
size_t pci_proc_devices(char *buf, size_t len);
size_t pci_proc_keel(char *buf, size_t len);

#endif
