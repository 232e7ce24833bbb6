/* Virtual PCI bus 0: configuration mechanism #1, type-0 headers, BARs and INTx (hv/pci.h). */
#include <vmk/le.h>
#include <hv/pci.h>
#include <vmk/errno.h>
#include <string.h>

#define ADDR_ENABLE 0x80000000u
#define ADDR_MASK   0x80FFFFFCu /* bits 30:24 reserved, 1:0 read as 0 */
#define CMD_WRITABLE                                                                 \
	(PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_PARITY | PCI_CMD_SERR | \
	 PCI_CMD_INTX_DISABLE)
#define BAR_REG(b) (PCI_BAR0 + 4 * (b))

static void set_wmask(struct pci_dev *d, unsigned reg, unsigned n, uint64_t mask)
{
	le_put(d->wmask + reg, n, mask);
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

void pci_dev_init(struct pci_dev *d, const struct pci_id *id)
{
	memset(d, 0, sizeof(*d));
	le_put(d->cfg + PCI_VENDOR_ID, 2, id->vendor);
	le_put(d->cfg + PCI_DEVICE_ID, 2, id->device);
	d->cfg[PCI_REVISION_ID] = id->revision;
	le_put(d->cfg + PCI_CLASS_PROG, 3, id->class_code);
	d->cfg[PCI_HEADER_TYPE] = 0; /* type 0, single function */
	le_put(d->cfg + PCI_SUBSYS_VENDOR, 2, id->subsys_vendor);
	le_put(d->cfg + PCI_SUBSYS_ID, 2, id->subsys_id);
	d->cfg[PCI_INTERRUPT_PIN] = id->int_pin <= 4 ? id->int_pin : 0;
	d->cfg[PCI_INTERRUPT_LINE] = 0xFF;
	set_wmask(d, PCI_COMMAND, 2, CMD_WRITABLE);
	d->wmask[PCI_CACHE_LINE] = 0xFF;
	d->wmask[PCI_LATENCY_TIMER] = 0xFF;
	d->wmask[PCI_INTERRUPT_LINE] = 0xFF;
	d->cap_free = PCI_CAP_START;
}

int pci_dev_set_bar(struct pci_dev *d, int bar, enum pci_bar_kind kind, uint64_t size,
		    bool prefetch)
{
	uint32_t flags;
	uint64_t mask;

	if (bar < 0 || bar >= PCI_BARS || !is_pow2(size) || d->bar_size[bar] ||
	    d->bar_kind[bar] != PCI_BAR_UNUSED)
		return -EINVAL;
	switch (kind) {
	case PCI_BAR_MEM32:
		if (size < 16 || size > 0x80000000ull)
			return -EINVAL;
		flags = prefetch ? PCI_BAR_MEM_PREF : 0;
		break;
	case PCI_BAR_MEM64:
		if (size < 16 || size > (1ull << 62) || bar == PCI_BARS - 1 ||
		    d->bar_size[bar + 1] || d->bar_kind[bar + 1] != PCI_BAR_UNUSED)
			return -EINVAL;
		flags = PCI_BAR_MEM_64 | (prefetch ? PCI_BAR_MEM_PREF : 0);
		break;
	case PCI_BAR_IO:
		if (size < 4 || size > 256 || prefetch)
			return -EINVAL;
		flags = PCI_BAR_SPACE_IO;
		break;
	default:
		return -EINVAL;
	}
	d->bar_kind[bar] = (uint8_t)kind;
	d->bar_size[bar] = size;
	mask = ~(size - 1);
	le_put(d->cfg + BAR_REG(bar), 4, flags);
	set_wmask(d, BAR_REG(bar), 4, mask & (kind == PCI_BAR_IO ? ~3ull : ~15ull));
	if (kind == PCI_BAR_MEM64) {
		/* The upper half: an address register only, never a BAR of its own. */
		d->bar_kind[bar + 1] = PCI_BAR_MEM64;
		set_wmask(d, BAR_REG(bar + 1), 4, mask >> 32);
	}
	return 0;
}

int pci_dev_add_cap(struct pci_dev *d, uint8_t id, const void *body, size_t len, uint8_t *off)
{
	unsigned at = (d->cap_free + 3u) & ~3u;

	if (at < PCI_CAP_START || len > PCI_CFG_SIZE || at + 2 + len > PCI_CFG_SIZE)
		return -ENOSPC;
	d->cfg[at] = id;
	d->cfg[at + 1] = 0;
	memcpy(d->cfg + at + 2, body, len);
	if (d->cap_last)
		d->cfg[d->cap_last + 1] = (uint8_t)at;
	else
		d->cfg[PCI_CAP_PTR] = (uint8_t)at;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->cap_last = (uint8_t)at;
	d->cap_free = (uint8_t)(at + 2 + len == PCI_CFG_SIZE ? 0 : at + 2 + len);
	if (off)
		*off = (uint8_t)at;
	return 0;
}

void pci_init(struct pci_bus *bus)
{
	const struct pci_id host = {
		.vendor = PCI_HOST_VENDOR,
		.device = PCI_HOST_DEVICE,
		.subsys_vendor = PCI_HOST_VENDOR,
		.subsys_id = 0x1100,
		.class_code = 0x060000,
	};

	memset(bus, 0, sizeof(*bus));
	pci_dev_init(&bus->host, &host);
	bus->host.added = true;
	bus->slot[0] = &bus->host;
	bus->mmio_next = PCI_MMIO_BASE;
	bus->io_next = PCI_IO_BASE;
}

uint64_t pci_bar_addr(const struct pci_dev *d, int bar)
{
	uint64_t a;

	if (bar < 0 || bar >= PCI_BARS || !d->bar_size[bar])
		return 0;
	a = le_get(d->cfg + BAR_REG(bar), 4);
	switch (d->bar_kind[bar]) {
	case PCI_BAR_IO:
		return a & ~3ull;
	case PCI_BAR_MEM64:
		return (a & ~15ull) | (uint64_t)le_get(d->cfg + BAR_REG(bar + 1), 4) << 32;
	default:
		return a & ~15ull;
	}
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Give each BAR an address in the windows, as firmware would. */
static void preassign(struct pci_bus *bus, struct pci_dev *d)
{
	for (int b = 0; b < PCI_BARS; b++) {
		uint64_t size = d->bar_size[b], at;

		if (!size)
			continue;
		if (d->bar_kind[b] == PCI_BAR_IO) {
			at = align_up(bus->io_next, size);
			if (at + size - 1 > PCI_IO_LIMIT)
				continue;
			bus->io_next = (uint32_t)(at + size);
		} else {
			at = align_up(bus->mmio_next, size);
			if (at < bus->mmio_next || at + size - 1 > PCI_MMIO_LIMIT)
				continue;
			bus->mmio_next = at + size;
		}
		pci_cfg_write(d, BAR_REG(b), 4, (uint32_t)at);
		if (d->bar_kind[b] == PCI_BAR_MEM64)
			pci_cfg_write(d, BAR_REG(b + 1), 4, (uint32_t)(at >> 32));
	}
}

int pci_add(struct pci_bus *bus, unsigned slot, struct pci_dev *d, const struct hvdev_irq *intx)
{
	if (!d || slot == 0 || slot >= PCI_SLOTS || d->added)
		return -EINVAL;
	if (bus->slot[slot])
		return -EBUSY;
	d->added = true;
	d->slot = slot;
	d->intx_level = d->intx_out = false;
	if (intx && d->cfg[PCI_INTERRUPT_PIN]) {
		d->intx = *intx;
		d->cfg[PCI_INTERRUPT_LINE] = intx->line < 0xFF ? (uint8_t)intx->line : 0xFF;
	} else {
		memset(&d->intx, 0, sizeof(d->intx));
		d->cfg[PCI_INTERRUPT_LINE] = 0xFF;
	}
	preassign(bus, d);
	bus->slot[slot] = d;
	return 0;
}

/* Put the line where the device's level and INTx disable say. */
static void intx_update(struct pci_dev *d)
{
	bool out = d->intx_level && !(le_get(d->cfg + PCI_COMMAND, 2) & PCI_CMD_INTX_DISABLE);

	if (out != d->intx_out) {
		d->intx_out = out;
		hvdev_irq_set(&d->intx, out);
	}
}

void pci_set_intx(struct pci_dev *d, bool level)
{
	d->intx_level = level;
	if (level)
		d->cfg[PCI_STATUS] |= PCI_STATUS_INTX;
	else
		d->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTX;
	intx_update(d);
}

static bool cfg_access_ok(unsigned reg, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && reg < PCI_CFG_SIZE && (reg & 3) + size <= 4;
}

uint32_t pci_cfg_read(struct pci_dev *d, unsigned reg, unsigned size)
{
	if (!cfg_access_ok(reg, size))
		return 0xFFFFFFFFu;
	if (reg >= PCI_CAP_START && d->cfg_read_hook)
		d->cfg_read_hook(d->ctx, reg, size);
	return le_get(d->cfg + reg, size);
}

void pci_cfg_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val)
{
	if (!cfg_access_ok(reg, size))
		return;
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = d->wmask[reg + i], v = (uint8_t)(val >> (8 * i));

		d->cfg[reg + i] = (uint8_t)((d->cfg[reg + i] & ~m) | (v & m));
	}
	if (reg <= PCI_COMMAND + 1 && reg + size > PCI_COMMAND)
		intx_update(d);
	if (reg >= PCI_CAP_START && d->cfg_write_hook)
		d->cfg_write_hook(d->ctx, reg, size);
}

/* The device the address register selects, with the register; NULL for none. */
static struct pci_dev *selected(struct pci_bus *bus, unsigned off, unsigned size, unsigned *reg)
{
	uint32_t a = bus->addr;
	unsigned bus_nr = (a >> 16) & 0xFF, slot = (a >> 11) & 0x1F, fn = (a >> 8) & 7;

	if (off < 4 || off > 7 || !(a & ADDR_ENABLE) || bus_nr || fn)
		return NULL;
	*reg = (a & 0xFC) + (off - 4);
	if (!cfg_access_ok(*reg, size))
		return NULL;
	return bus->slot[slot];
}

uint32_t pci_io_read(struct pci_bus *bus, unsigned off, unsigned size)
{
	struct pci_dev *d;
	unsigned reg;

	if (off == 0 && size == 4)
		return bus->addr;
	d = selected(bus, off, size, &reg);
	if (!d)
		return size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
	return pci_cfg_read(d, reg, size);
}

void pci_io_write(struct pci_bus *bus, unsigned off, unsigned size, uint32_t val)
{
	struct pci_dev *d;
	unsigned reg;

	if (off == 0 && size == 4) {
		bus->addr = val & ADDR_MASK;
		return;
	}
	d = selected(bus, off, size, &reg);
	if (d)
		pci_cfg_write(d, reg, size, val);
}

static int find(struct pci_bus *bus, uint64_t addr, bool io, struct pci_dev **dp, int *barp,
		uint64_t *offp)
{
	for (unsigned s = 1; s < PCI_SLOTS; s++) {
		struct pci_dev *d = bus->slot[s];

		if (!d || !(le_get(d->cfg + PCI_COMMAND, 2) & (io ? PCI_CMD_IO : PCI_CMD_MEM)))
			continue;
		for (int b = 0; b < PCI_BARS; b++) {
			uint64_t base = pci_bar_addr(d, b);

			if (!base || (d->bar_kind[b] == PCI_BAR_IO) != io || addr < base ||
			    addr - base >= d->bar_size[b])
				continue;
			*dp = d;
			*barp = b;
			*offp = addr - base;
			return 0;
		}
	}
	return -ENOENT;
}

int pci_mmio_find(struct pci_bus *bus, uint64_t gpa, struct pci_dev **d, int *bar, uint64_t *off)
{
	return find(bus, gpa, false, d, bar, off);
}

int pci_io_find(struct pci_bus *bus, uint32_t port, struct pci_dev **d, int *bar, uint64_t *off)
{
	return find(bus, port, true, d, bar, off);
}

uint64_t pci_bar_read(struct pci_dev *d, int bar, uint64_t off, unsigned size)
{
	if (!d->bar_read)
		return ~0ull;
	return d->bar_read(d->ctx, bar, off, size);
}

void pci_bar_write(struct pci_dev *d, int bar, uint64_t off, unsigned size, uint64_t val)
{
	if (d->bar_write)
		d->bar_write(d->ctx, bar, off, size, val);
}
