/* PCI enumeration over a config accessor: functions, bridges, BAR sizing, capabilities. */
#define LOG_TAG "pci"
#include <vmk/pci.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <string.h>

#define PCI_MAX_NEST 32 /* bridges behind bridges; real machines have a handful */

static uint32_t rd(const struct pci_cfg *c, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size)
{
	return c->read(c->ctx, bus, devfn, off, size);
}

static void wr(const struct pci_cfg *c, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size,
	       uint32_t v)
{
	c->write(c->ctx, bus, devfn, off, size, v);
}

/* The bits above the size bit must all be decoded: a hole means the BAR makes no sense. */
static bool size_ok(uint64_t m, uint64_t size, uint64_t all)
{
	return (m | (size - 1)) == all;
}

int pci_bar_decode(uint32_t orig, uint32_t mask, uint32_t orig_hi, uint32_t mask_hi, bool rom,
		   struct pci_bar *out)
{
	uint64_t m, size, base, all = UINT32_MAX;

	memset(out, 0, sizeof(*out));
	if (rom) {
		m = mask & 0xfffff800u;
		base = orig & 0xfffff800u;
		out->flags = orig & 1;
		out->kind = PCI_BAR_ROM;
		out->prefetch = true;
	} else if (orig & 1) {
		m = mask & ~3u;
		/* A 16-bit I/O decoder reads the upper half as zeros. */
		if (m && !(m & 0xffff0000u))
			m |= 0xffff0000u;
		base = orig & ~3u;
		out->flags = orig & 3;
		out->kind = PCI_BAR_IO;
	} else {
		unsigned type = (orig >> 1) & 3;

		out->flags = orig & 0xf;
		out->prefetch = orig & 8;
		if (type == 3)
			goto bad;
		m = mask & ~0xfu;
		base = orig & ~0xfu;
		out->kind = PCI_BAR_MEM32;
		if (type == 2) {
			m |= (uint64_t)mask_hi << 32;
			base |= (uint64_t)orig_hi << 32;
			all = UINT64_MAX;
			out->kind = PCI_BAR_MEM64;
		}
	}
	if (!m) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	size = m & -m;
	if (!size_ok(m, size, all) || (base & (size - 1)))
		goto bad;
	out->base = base;
	out->size = size;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int pci_cap_walk(const struct pci_cfg *cfg, struct pci_dev *d)
{
	uint64_t seen = 0; /* one bit per dword from 0x40 */
	uint8_t ptr;

	d->ncaps = 0;
	d->bad_caps = false;
	if (!(rd(cfg, d->bus, d->devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = (uint8_t)rd(cfg, d->bus, d->devfn, d->hdr_type == 2 ? 0x14 : PCI_CAP_PTR, 1);
	for (;;) {
		uint8_t id;

		ptr &= 0xfc; /* the two low bits are reserved */
		if (!ptr)
			return (int)d->ncaps;
		if (ptr < 0x40 || (seen >> ((ptr - 0x40) / 4) & 1) || d->ncaps >= PCI_MAX_CAPS)
			break;
		seen |= 1ull << ((ptr - 0x40) / 4);
		id = (uint8_t)rd(cfg, d->bus, d->devfn, ptr, 1);
		if (id == 0xff) /* the function went away under us */
			break;
		d->cap_id[d->ncaps] = id;
		d->cap_off[d->ncaps++] = ptr;
		ptr = (uint8_t)rd(cfg, d->bus, d->devfn, ptr + 1, 1);
	}
	d->bad_caps = true;
	log_warn("%04x:%02x:%02x.%x: capability list cut short at %#x (loop or bad pointer); "
		 "kept %u",
		 d->segment, d->bus, d->devfn >> 3, d->devfn & 7, ptr, d->ncaps);
	return -EINVAL;
}

uint8_t pci_cap_find(const struct pci_dev *d, uint8_t id)
{
	for (unsigned i = 0; i < d->ncaps; i++)
		if (d->cap_id[i] == id)
			return d->cap_off[i];
	return 0;
}

const struct pci_device_id *pci_match_id(const struct pci_device_id *ids, const struct pci_dev *d)
{
	uint32_t class = (uint32_t)d->class << 16 | (uint32_t)d->subclass << 8 | d->prog_if;

	for (; ids && (ids->vendor || ids->device || ids->class_mask); ids++) {
		if (ids->vendor != PCI_ANY_ID && ids->vendor != d->vendor)
			continue;
		if (ids->device != PCI_ANY_ID && ids->device != d->device)
			continue;
		if ((class & ids->class_mask) != (ids->class & ids->class_mask))
			continue;
		return ids;
	}
	return NULL;
}

struct scan {
	const struct pci_cfg *cfg;
	uint16_t seg;
	uint8_t first, last;
	struct pci_dev *(*alloc)(void *actx);
	void *actx;
	struct pci_dev **tail;
	int count;
	bool out_of_memory;
	uint8_t visited[256 / 8];
};

/* Size one BAR (or, for a 64-bit one, the pair at @off) with decoding already off. Returns
 * how many BAR slots it used. */
static unsigned size_bar(struct scan *s, struct pci_dev *d, uint16_t off, bool rom, bool last,
			 struct pci_bar *out)
{
	const struct pci_cfg *c = s->cfg;
	uint32_t orig, mask, orig_hi = 0, mask_hi = 0;
	bool is64;

	orig = rd(c, d->bus, d->devfn, off, 4);
	wr(c, d->bus, d->devfn, off, 4, rom ? 0xfffff800u : 0xffffffffu);
	mask = rd(c, d->bus, d->devfn, off, 4);
	wr(c, d->bus, d->devfn, off, 4, orig);
	is64 = !rom && !(orig & 1) && ((orig >> 1) & 3) == 2;
	if (is64 && last) {
		log_warn("%04x:%02x:%02x.%x: 64-bit BAR at %#x has no upper half; ignored",
			 d->segment, d->bus, d->devfn >> 3, d->devfn & 7, off);
		memset(out, 0, sizeof(*out));
		return 1;
	}
	if (is64) {
		orig_hi = rd(c, d->bus, d->devfn, off + 4, 4);
		wr(c, d->bus, d->devfn, off + 4, 4, 0xffffffffu);
		mask_hi = rd(c, d->bus, d->devfn, off + 4, 4);
		wr(c, d->bus, d->devfn, off + 4, 4, orig_hi);
	}
	if (pci_bar_decode(orig, mask, orig_hi, mask_hi, rom, out))
		log_warn("%04x:%02x:%02x.%x: BAR at %#x sizes to nonsense (%#x/%#x, %#x/%#x); "
			 "ignored",
			 d->segment, d->bus, d->devfn >> 3, d->devfn & 7, off, orig, mask, orig_hi,
			 mask_hi);
	return is64 ? 2 : 1;
}

static void size_bars(struct scan *s, struct pci_dev *d)
{
	const struct pci_cfg *c = s->cfg;
	unsigned nbars = d->hdr_type == 0 ? 6 : d->hdr_type == 1 ? 2 : d->hdr_type == 2 ? 1 : 0;
	uint16_t cmd = (uint16_t)rd(c, d->bus, d->devfn, PCI_COMMAND, 2);

	if (cmd & (PCI_CMD_IO | PCI_CMD_MEMORY))
		wr(c, d->bus, d->devfn, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	for (unsigned i = 0; i < nbars;)
		i += size_bar(s, d, PCI_BAR0 + 4 * i, false, i + 1 == nbars, &d->bar[i]);
	if (d->hdr_type <= 1)
		size_bar(s, d, d->hdr_type ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS, true, false,
			 &d->rom);
	if (cmd & (PCI_CMD_IO | PCI_CMD_MEMORY))
		wr(c, d->bus, d->devfn, PCI_COMMAND, 2, cmd);
}

/* An IDE controller in compatibility mode (prog-if bit 0 primary, bit 2 secondary clear)
 * decodes the ISA ports whatever BARs 0-3 say: record those, as Linux does, with no flags. */
static void ide_legacy(struct pci_dev *d)
{
	static const struct {
		uint16_t base, size;
	} legacy[4] = {{0x1f0, 8}, {0x3f6, 1}, {0x170, 8}, {0x376, 1}};

	for (unsigned ch = 0; ch < 2; ch++) {
		if (d->prog_if & (1u << (2 * ch)))
			continue;
		for (unsigned i = 2 * ch; i < 2 * ch + 2; i++)
			d->bar[i] = (struct pci_bar){
				.kind = PCI_BAR_IO, .base = legacy[i].base, .size = legacy[i].size};
	}
}

/* Read one present function into a new device on the list; NULL when out of memory. */
static struct pci_dev *add_function(struct scan *s, uint8_t bus, uint8_t devfn, uint32_t id)
{
	const struct pci_cfg *c = s->cfg;
	struct pci_dev *d = s->alloc(s->actx);
	uint32_t cls;

	if (!d) {
		s->out_of_memory = true;
		return NULL;
	}
	d->segment = s->seg;
	d->bus = bus;
	d->devfn = devfn;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	cls = rd(c, bus, devfn, PCI_REVISION, 4);
	d->revision = cls & 0xff;
	d->prog_if = (cls >> 8) & 0xff;
	d->subclass = (cls >> 16) & 0xff;
	d->class = cls >> 24;
	d->hdr_type = rd(c, bus, devfn, PCI_HEADER_TYPE, 1) & 0x7f;
	d->irq_pin = (uint8_t)rd(c, bus, devfn, PCI_INTERRUPT_PIN, 1);
	if (d->irq_pin > 4) {
		log_warn("%04x:%02x:%02x.%x: interrupt pin %u does not exist; ignored", s->seg, bus,
			 devfn >> 3, devfn & 7, d->irq_pin);
		d->irq_pin = 0;
	}
	d->irq_line = d->irq_pin ? (uint8_t)rd(c, bus, devfn, PCI_INTERRUPT_LINE, 1) : 0;
	switch (d->hdr_type) {
	case 0:
		d->subsys_vendor = (uint16_t)rd(c, bus, devfn, PCI_SUBSYS_VENDOR, 2);
		d->subsys_device = (uint16_t)rd(c, bus, devfn, PCI_SUBSYS_ID, 2);
		break;
	case 1:
		d->secondary = (uint8_t)rd(c, bus, devfn, PCI_SECONDARY_BUS, 1);
		d->subordinate = (uint8_t)rd(c, bus, devfn, PCI_SUBORDINATE_BUS, 1);
		break;
	case 2:
		break;
	default:
		log_warn("%04x:%02x:%02x.%x: unknown header type %u: IDs only", s->seg, bus,
			 devfn >> 3, devfn & 7, d->hdr_type);
		break;
	}
	size_bars(s, d);
	if (d->class == 0x01 && d->subclass == 0x01)
		ide_legacy(d);
	pci_cap_walk(c, d);
	*s->tail = d;
	s->tail = &d->next;
	s->count++;
	return d;
}

static bool absent(uint32_t id)
{
	return id == 0xffffffffu || id == 0 || (id & 0xffff) == 0xffff || (id & 0xffff) == 0;
}

static bool is_bridge(const struct pci_dev *d)
{
	return d->hdr_type == 1 && d->class == 0x06 && d->subclass == 0x04;
}

static void scan_bus(struct scan *s, uint8_t bus, unsigned depth)
{
	struct pci_dev **first = s->tail, *d;

	s->visited[bus / 8] |= 1u << (bus % 8);
	for (unsigned dev = 0; dev < 32 && !s->out_of_memory; dev++) {
		uint32_t id = rd(s->cfg, bus, pci_devfn(dev, 0), PCI_VENDOR_ID, 4);
		unsigned nfn;

		if (absent(id))
			continue;
		nfn = rd(s->cfg, bus, pci_devfn(dev, 0), PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTI_FUNC
			      ? 8
			      : 1;
		for (unsigned fn = 0; fn < nfn && !s->out_of_memory; fn++) {
			if (fn)
				id = rd(s->cfg, bus, pci_devfn(dev, fn), PCI_VENDOR_ID, 4);
			if (!absent(id))
				add_function(s, bus, pci_devfn(dev, fn), id);
		}
	}
	/* Then the buses behind this bus's bridges, in order. This bus's functions are together
	 * on the list; what a bridge's buses add goes after them, so stop at another bus. */
	for (d = *first; d; d = d->next) {
		uint8_t sec = d->secondary;

		if (d->bus != bus)
			break;
		if (!is_bridge(d))
			continue;
		if (sec == 0 || sec <= bus || sec < s->first || sec > s->last ||
		    (s->visited[sec / 8] >> (sec % 8) & 1) || depth + 1 >= PCI_MAX_NEST) {
			log_warn("%04x:%02x:%02x.%x: bridge to bus %u not followed (%s)", s->seg,
				 bus, d->devfn >> 3, d->devfn & 7, sec,
				 sec == 0 || sec <= bus ? "not above its own bus"
				 : sec < s->first || sec > s->last
					 ? "outside the configuration window"
				 : depth + 1 >= PCI_MAX_NEST ? "nested too deep"
							     : "bus already scanned");
			continue;
		}
		scan_bus(s, sec, depth + 1);
	}
}

int pci_scan(const struct pci_cfg *cfg, uint16_t segment, uint8_t first_bus, uint8_t last_bus,
	     struct pci_dev *(*alloc)(void *actx), void *actx, struct pci_dev **list)
{
	struct scan s = {
		.cfg = cfg,
		.seg = segment,
		.first = first_bus,
		.last = last_bus,
		.alloc = alloc,
		.actx = actx,
		.tail = list,
	};

	*list = NULL;
	if (!cfg || !alloc || last_bus < first_bus)
		return 0;
	scan_bus(&s, first_bus, 0);
	if (s.out_of_memory)
		log_err("out of memory after %d PCI functions: the rest are not listed", s.count);
	return s.count;
}
