/* Unit tests: host PCI enumeration (pci_scan.c) and listings (pci_format.c) on fake config
 * spaces, hostile ones included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/pci.h>
#include <vmk/errno.h>
#include <vmk/log.h>

/* ---- log stub: the scan's warnings are part of what is tested ---- */

static unsigned nwarn;
static char last_warn[256];

void log_write(int level, const char *tag, const char *fmt, ...)
{
	va_list ap;

	(void)tag;
	if (level > LOG_WARN)
		return;
	nwarn++;
	va_start(ap, fmt);
	vsnprintf(last_warn, sizeof(last_warn), fmt, ap);
	va_end(ap);
}

/* ---- fake configuration space ---- */

#define MAX_FNS 32

struct fn {
	uint8_t bus, devfn;
	uint8_t cfg[256];
	/* BAR slots 0-5 and the ROM (6): stored = (written & wmask) | ro. */
	uint32_t wmask[7], ro[7];
};

struct fakebus {
	struct fn fn[MAX_FNS];
	unsigned nfn;
	unsigned bar_writes_decoding; /* BAR writes while I/O or memory decoding was on */
	unsigned reads;
};

static struct fn *find_fn(struct fakebus *b, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < b->nfn; i++)
		if (b->fn[i].bus == bus && b->fn[i].devfn == devfn)
			return &b->fn[i];
	return NULL;
}

/* Which BAR slot (0-5, 6 for the ROM) a dword offset is, or -1. */
static int bar_slot(const struct fn *f, uint16_t off)
{
	unsigned type = f->cfg[PCI_HEADER_TYPE] & 0x7f;
	unsigned nbars = type == 0 ? 6 : type == 1 ? 2 : 0;

	if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * nbars)
		return (off - PCI_BAR0) / 4;
	if ((type == 0 && off == PCI_ROM_ADDRESS) || (type == 1 && off == PCI_ROM_ADDRESS1))
		return 6;
	return -1;
}

static uint32_t fake_read(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size)
{
	struct fakebus *b = ctx;
	struct fn *f = find_fn(b, bus, devfn);
	uint32_t v = 0;

	b->reads++;
	assert_true(size == 1 || size == 2 || size == 4);
	assert_int_equal(off % size, 0);
	assert_true(off + size <= 256);
	if (!f)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	memcpy(&v, f->cfg + off, size);
	return v;
}

static void fake_write(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size,
		       uint32_t val)
{
	struct fakebus *b = ctx;
	struct fn *f = find_fn(b, bus, devfn);
	int slot;

	assert_true(size == 1 || size == 2 || size == 4);
	assert_int_equal(off % size, 0);
	if (!f)
		return;
	slot = bar_slot(f, off & ~3);
	if (slot >= 0) {
		uint16_t cmd;

		assert_int_equal(size, 4);
		memcpy(&cmd, f->cfg + PCI_COMMAND, 2);
		if (cmd & (PCI_CMD_IO | PCI_CMD_MEMORY))
			b->bar_writes_decoding++;
		val = (val & f->wmask[slot]) | f->ro[slot];
	}
	memcpy(f->cfg + off, &val, size);
}

static struct pci_cfg CFG(struct fakebus *b) {
	return (struct pci_cfg){fake_read, fake_write, b};
}

static void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static struct fn *add_fn(struct fakebus *b, uint8_t bus, unsigned dev, unsigned fnum,
			 uint16_t vendor, uint16_t device, uint32_t class, uint8_t hdr)
{
	struct fn *f;

	assert_true(b->nfn < MAX_FNS);
	f = &b->fn[b->nfn++];
	memset(f, 0, sizeof(*f));
	f->bus = bus;
	f->devfn = pci_devfn(dev, fnum);
	put16(f->cfg + PCI_VENDOR_ID, vendor);
	put16(f->cfg + PCI_DEVICE_ID, device);
	put32(f->cfg + PCI_REVISION, class << 8 | 0x02);
	f->cfg[PCI_HEADER_TYPE] = hdr;
	put16(f->cfg + PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MEMORY);
	return f;
}

/* A BAR of @size at @base; @low: the read-only type bits (I/O 1, mem64 4, prefetch 8). */
static void set_bar(struct fn *f, unsigned slot, uint64_t base, uint64_t size, uint32_t low)
{
	bool io = low & 1, is64 = !io && ((low >> 1) & 3) == 2;
	uint64_t wmask = ~(size - 1) & (io ? ~3ull : ~0xfull);

	f->wmask[slot] = (uint32_t)wmask;
	f->ro[slot] = low;
	put32(f->cfg + PCI_BAR0 + 4 * slot, (uint32_t)base | low);
	if (is64) {
		f->wmask[slot + 1] = (uint32_t)(wmask >> 32);
		put32(f->cfg + PCI_BAR0 + 4 * (slot + 1), (uint32_t)(base >> 32));
	}
}

static void set_rom(struct fn *f, uint32_t base, uint32_t size, bool enabled)
{
	unsigned type = f->cfg[PCI_HEADER_TYPE] & 0x7f;

	f->wmask[6] = (~(size - 1) & 0xfffff800u) | 1;
	put32(f->cfg + (type ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS), base | enabled);
}

/* A capability chain at the given offsets (0 ends it). */
static void set_caps(struct fn *f, const uint8_t *ids, const uint8_t *offs, unsigned n,
		     uint8_t last_next)
{
	uint16_t st = PCI_STATUS_CAP_LIST;

	put16(f->cfg + PCI_STATUS, st);
	f->cfg[PCI_CAP_PTR] = n ? offs[0] : last_next;
	for (unsigned i = 0; i < n; i++) {
		f->cfg[offs[i]] = ids[i];
		f->cfg[offs[i] + 1] = i + 1 < n ? offs[i + 1] : last_next;
	}
}

/* Devices from calloc, freed by free_list. */
static unsigned nalloc, alloc_limit;

static struct pci_dev *alloc_dev(void *ctx)
{
	(void)ctx;
	if (alloc_limit && nalloc >= alloc_limit)
		return NULL;
	nalloc++;
	return calloc(1, sizeof(struct pci_dev));
}

static void free_list(struct pci_dev *d)
{
	while (d) {
		struct pci_dev *n = d->next;

		free(d);
		d = n;
	}
	nalloc = 0;
	alloc_limit = 0;
}

static struct pci_dev *nth(struct pci_dev *d, unsigned i)
{
	while (d && i--)
		d = d->next;
	assert_non_null(d);
	return d;
}

/* ---- BAR decoding ---- */

static void test_bar_decode(void **state)
{
	struct pci_bar b;

	(void)state;
	/* I/O: 64 ports at 0xc000, 32-bit and 16-bit decoders. */
	assert_int_equal(pci_bar_decode(0xc001, 0xffffffc1, 0, 0, false, &b), 0);
	assert_int_equal(b.kind, PCI_BAR_IO);
	assert_int_equal(b.base, 0xc000);
	assert_int_equal(b.size, 0x40);
	assert_int_equal(b.flags, 1);
	assert_int_equal(pci_bar_decode(0xc041, 0x0000ffc1, 0, 0, false, &b), 0);
	assert_int_equal(b.size, 0x40);
	assert_int_equal(b.base, 0xc040);
	/* 32-bit memory, 4 KiB; prefetchable 16 MiB. */
	assert_int_equal(pci_bar_decode(0xfebf1000, 0xfffff000, 0, 0, false, &b), 0);
	assert_int_equal(b.kind, PCI_BAR_MEM32);
	assert_int_equal(b.size, 0x1000);
	assert_int_equal(b.flags, 0);
	assert_false(b.prefetch);
	assert_int_equal(pci_bar_decode(0xfd000008, 0xff000008, 0, 0, false, &b), 0);
	assert_int_equal(b.size, 0x1000000);
	assert_true(b.prefetch);
	assert_int_equal(b.flags, 8);
	/* 64-bit prefetchable, 16 KiB above 4 GiB; and 8 GiB (the size is in the upper half). */
	assert_int_equal(pci_bar_decode(0x0000000c, 0xffffc00c, 0x8, 0xffffffff, false, &b), 0);
	assert_int_equal(b.kind, PCI_BAR_MEM64);
	assert_int_equal(b.base, 0x800000000ull);
	assert_int_equal(b.size, 0x4000);
	assert_int_equal(b.flags, 0xc);
	assert_int_equal(pci_bar_decode(0x0000000c, 0x0000000c, 0x4, 0xfffffffe, false, &b), 0);
	assert_int_equal(b.size, 0x200000000ull);
	assert_int_equal(b.base, 0x400000000ull);
	/* ROM: 256 KiB, disabled and enabled. */
	assert_int_equal(pci_bar_decode(0xfeb80000, 0xfffc0000, 0, 0, true, &b), 0);
	assert_int_equal(b.kind, PCI_BAR_ROM);
	assert_int_equal(b.size, 0x40000);
	assert_int_equal(b.flags, 0);
	assert_int_equal(pci_bar_decode(0xfeb80001, 0xfffc0001, 0, 0, true, &b), 0);
	assert_int_equal(b.flags, 1);
	/* Not implemented. */
	assert_int_equal(pci_bar_decode(0, 0, 0, 0, false, &b), 0);
	assert_int_equal(b.kind, PCI_BAR_NONE);
	assert_int_equal(b.size, 0);
	assert_int_equal(pci_bar_decode(0, 0, 0, 0, true, &b), 0);
	assert_int_equal(b.size, 0);
}

static void test_bar_nonsense(void **state)
{
	struct pci_bar b;

	(void)state;
	/* A hole above the size bit. */
	assert_int_equal(pci_bar_decode(0xfe000000, 0xfff0f000, 0, 0, false, &b), -EINVAL);
	assert_int_equal(b.kind, PCI_BAR_NONE);
	assert_int_equal(b.size, 0);
	/* Reserved memory type 3. */
	assert_int_equal(pci_bar_decode(0xfe000006, 0xfffff006, 0, 0, false, &b), -EINVAL);
	/* A base not aligned to the size (real decoders cannot hold those bits). */
	assert_int_equal(pci_bar_decode(0xfe000800, 0xfffff000, 0, 0, false, &b), -EINVAL);
	/* A 64-bit BAR with a hole in the upper half. */
	assert_int_equal(pci_bar_decode(0x4, 0xfffff004, 0, 0xff00ffff, false, &b), -EINVAL);
	/* I/O with a hole; ROM with a hole. */
	assert_int_equal(pci_bar_decode(0xc001, 0xff0fffc1, 0, 0, false, &b), -EINVAL);
	assert_int_equal(pci_bar_decode(0, 0xf0fff800, 0, 0, true, &b), -EINVAL);
	/* Only the lowest bit stuck: 2 GiB at 0x80000000 is fine, 0x80000000|0x10 is not. */
	assert_int_equal(pci_bar_decode(0x80000000, 0x80000000, 0, 0, false, &b), 0);
	assert_int_equal(b.size, 0x80000000u);
	assert_int_equal(pci_bar_decode(0x80000000, 0x80000010, 0, 0, false, &b), -EINVAL);
}

/* ---- capabilities ---- */

static void walk_one(struct fakebus *b, struct pci_dev *d)
{
	struct pci_cfg c = CFG(b);

	memset(d, 0, sizeof(*d));
	d->bus = 0;
	d->devfn = pci_devfn(1, 0);
	pci_cap_walk(&c, d);
}

static void test_caps(void **state)
{
	static const uint8_t ids[] = {PCI_CAP_ID_MSIX, 0x09, PCI_CAP_ID_MSI, 0x01};
	static const uint8_t offs[] = {0x98, 0x84, 0x70, 0x40};
	struct fakebus b = {0};
	struct pci_dev d;
	struct fn *f;

	(void)state;
	f = add_fn(&b, 0, 1, 0, 0x1af4, 0x1001, 0x010000, 0);
	/* No list bit: nothing, even with a pointer. */
	f->cfg[PCI_CAP_PTR] = 0x40;
	walk_one(&b, &d);
	assert_int_equal(d.ncaps, 0);
	assert_false(d.bad_caps);

	set_caps(f, ids, offs, 4, 0);
	/* The low two bits of a pointer are reserved and ignored. */
	f->cfg[0x85] |= 2;
	nwarn = 0;
	walk_one(&b, &d);
	assert_int_equal(d.ncaps, 4);
	assert_false(d.bad_caps);
	assert_int_equal(nwarn, 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(d.cap_id[i], ids[i]);
		assert_int_equal(d.cap_off[i], offs[i]);
	}
	assert_int_equal(pci_cap_find(&d, PCI_CAP_ID_MSI), 0x70);
	assert_int_equal(pci_cap_find(&d, PCI_CAP_ID_MSIX), 0x98);
	assert_int_equal(pci_cap_find(&d, PCI_CAP_ID_PCIE), 0);
}

static void test_caps_hostile(void **state)
{
	static const uint8_t ids[] = {0x05, 0x11, 0x10};
	static const uint8_t offs[] = {0x40, 0x50, 0x60};
	struct pci_cfg c;
	struct fakebus b = {0};
	struct pci_dev d;
	struct fn *f;

	(void)state;
	f = add_fn(&b, 0, 1, 0, 0x8086, 0x1234, 0x020000, 0);
	c = CFG(&b);
	/* A loop back to the first entry. */
	set_caps(f, ids, offs, 3, 0x40);
	nwarn = 0;
	walk_one(&b, &d);
	assert_int_equal(d.ncaps, 3);
	assert_true(d.bad_caps);
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(last_warn, "capability list cut short"));
	assert_int_equal(pci_cap_walk(&c, &d), -EINVAL);
	/* A capability pointing at itself. */
	set_caps(f, ids, offs, 1, 0x40);
	walk_one(&b, &d);
	assert_int_equal(d.ncaps, 1);
	assert_true(d.bad_caps);
	/* Into the header (below 0x40), from the start and from the middle. */
	set_caps(f, ids, offs, 0, 0x20);
	walk_one(&b, &d);
	assert_int_equal(d.ncaps, 0);
	assert_true(d.bad_caps);
	set_caps(f, ids, offs, 2, 0x3c);
	walk_one(&b, &d);
	assert_int_equal(d.ncaps, 2);
	assert_true(d.bad_caps);
	/* The last dword (0xfc) is a legal place; an ID of 0xff means the function is gone. */
	{
		static const uint8_t o2[] = {0xfc, 0x44};
		static const uint8_t i2[] = {0x09, 0xff};

		set_caps(f, i2, o2, 2, 0);
		walk_one(&b, &d);
		assert_int_equal(d.ncaps, 1);
		assert_int_equal(d.cap_off[0], 0xfc);
		assert_true(d.bad_caps);
	}
	/* Every dword of the device-specific space in a chain, then a loop: at most 48 reads. */
	{
		uint8_t o3[48], i3[48];

		for (unsigned i = 0; i < 48; i++) {
			o3[i] = (uint8_t)(0xfc - 4 * i);
			i3[i] = (uint8_t)i;
		}
		set_caps(f, i3, o3, 48, 0xfc);
		b.reads = 0;
		walk_one(&b, &d);
		assert_int_equal(d.ncaps, PCI_MAX_CAPS);
		assert_true(d.bad_caps);
		assert_true(b.reads <= 2 + 2 * 48);
	}
}

/* ---- enumeration ---- */

/*
 * Bus 0: host bridge 00:00.0; a multi-function device 00:01.0-.2 (function 1 absent, so the
 * scan must not stop at a hole); 00:02.0 single-function with a stray 00:02.3 that must not
 * be seen; a bridge 00:03.0 to bus 1 (01:00.0 behind it, with a 64-bit BAR and MSI-X);
 * 00:1f.0 last. Bus 5 is not behind any bridge and must not be scanned.
 */
static void build_tree(struct fakebus *b)
{
	static const uint8_t ids[] = {PCI_CAP_ID_MSIX};
	static const uint8_t offs[] = {0x40};
	struct fn *f;

	memset(b, 0, sizeof(*b));
	add_fn(b, 0, 0, 0, 0x8086, 0x29c0, 0x060000, 0);
	f = add_fn(b, 0, 1, 0, 0x8086, 0x2918, 0x060100, PCI_HEADER_MULTI_FUNC);
	f = add_fn(b, 0, 1, 2, 0x8086, 0x2922, 0x010601, 0);
	set_bar(f, 4, 0xc040, 0x20, 1);
	set_bar(f, 5, 0xfebf0000, 0x1000, 0);
	f->cfg[PCI_INTERRUPT_PIN] = 1;
	f->cfg[PCI_INTERRUPT_LINE] = 10;
	f = add_fn(b, 0, 2, 0, 0x1234, 0x11e8, 0x00ff00, 0);
	set_bar(f, 0, 0xfea00000, 0x100000, 0);
	put16(f->cfg + PCI_SUBSYS_VENDOR, 0x1af4);
	put16(f->cfg + PCI_SUBSYS_ID, 0x1100);
	add_fn(b, 0, 2, 3, 0x1234, 0x5678, 0x000000, 0);
	f = add_fn(b, 0, 3, 0, 0x1b36, 0x0001, 0x060400, 1);
	f->cfg[PCI_PRIMARY_BUS] = 0;
	f->cfg[PCI_SECONDARY_BUS] = 1;
	f->cfg[PCI_SUBORDINATE_BUS] = 1;
	set_bar(f, 0, 0xfe800000, 0x100, 4);
	f = add_fn(b, 1, 0, 0, 0x8086, 0x100e, 0x020000, 0);
	set_bar(f, 0, 0x800000000ull, 0x20000, 0xc);
	set_bar(f, 2, 0xd000, 0x40, 1);
	set_rom(f, 0xfe840000, 0x40000, false);
	set_caps(f, ids, offs, 1, 0);
	f->cfg[PCI_INTERRUPT_PIN] = 1;
	f->cfg[PCI_INTERRUPT_LINE] = 11;
	add_fn(b, 0, 31, 0, 0x8086, 0x2930, 0x0c0500, 0);
	add_fn(b, 5, 0, 0, 0x1af4, 0x1000, 0x020000, 0);
}

static void test_scan(void **state)
{
	struct fakebus b;
	struct pci_cfg c;
	struct pci_dev *list, *d;
	uint16_t cmd;

	(void)state;
	build_tree(&b);
	c = CFG(&b);
	nwarn = 0;
	assert_int_equal(pci_scan(&c, 0, 0, 255, alloc_dev, NULL, &list), 7);
	assert_int_equal(nwarn, 0);
	assert_int_equal(b.bar_writes_decoding, 0);
	/* Decoding is back on everywhere it was, and firmware's BAR values are unchanged. */
	for (unsigned i = 0; i < b.nfn; i++) {
		memcpy(&cmd, b.fn[i].cfg + PCI_COMMAND, 2);
		assert_int_equal(cmd, PCI_CMD_IO | PCI_CMD_MEMORY);
	}
	assert_int_equal(find_fn(&b, 1, 0)->cfg[PCI_BAR0 + 4], 0x8);

	/* Linux's order: bus 0's functions, then the bridge's bus. */
	assert_int_equal(nth(list, 0)->devfn, pci_devfn(0, 0));
	assert_int_equal(nth(list, 1)->devfn, pci_devfn(1, 0));
	d = nth(list, 2);
	assert_int_equal(d->devfn, pci_devfn(1, 2));
	assert_int_equal(d->class, 0x01);
	assert_int_equal(d->subclass, 0x06);
	assert_int_equal(d->prog_if, 0x01);
	assert_int_equal(d->revision, 0x02);
	assert_int_equal(d->bar[4].kind, PCI_BAR_IO);
	assert_int_equal(d->bar[4].base, 0xc040);
	assert_int_equal(d->bar[4].size, 0x20);
	assert_int_equal(d->bar[5].size, 0x1000);
	assert_int_equal(d->irq_pin, 1);
	assert_int_equal(d->irq_line, 10);
	d = nth(list, 3);
	assert_int_equal(d->devfn, pci_devfn(2, 0));
	assert_int_equal(d->vendor, 0x1234);
	assert_int_equal(d->device, 0x11e8);
	assert_int_equal(d->subsys_vendor, 0x1af4);
	assert_int_equal(d->subsys_device, 0x1100);
	assert_int_equal(d->bar[0].size, 0x100000);
	assert_int_equal(d->irq_pin, 0);
	d = nth(list, 4);
	assert_int_equal(d->devfn, pci_devfn(3, 0));
	assert_int_equal(d->hdr_type, 1);
	assert_int_equal(d->secondary, 1);
	assert_int_equal(d->subordinate, 1);
	assert_int_equal(d->bar[0].kind, PCI_BAR_MEM64);
	assert_int_equal(d->bar[1].kind, PCI_BAR_NONE);
	assert_int_equal(nth(list, 5)->devfn, pci_devfn(31, 0));
	d = nth(list, 6);
	assert_int_equal(d->bus, 1);
	assert_int_equal(d->bar[0].kind, PCI_BAR_MEM64);
	assert_int_equal(d->bar[0].base, 0x800000000ull);
	assert_int_equal(d->bar[0].size, 0x20000);
	assert_true(d->bar[0].prefetch);
	assert_int_equal(d->bar[1].kind, PCI_BAR_NONE);
	assert_int_equal(d->bar[2].kind, PCI_BAR_IO);
	assert_int_equal(d->rom.size, 0x40000);
	assert_int_equal(d->rom.base, 0xfe840000);
	assert_int_equal(d->ncaps, 1);
	assert_int_equal(pci_cap_find(d, PCI_CAP_ID_MSIX), 0x40);
	assert_null(d->next);
	free_list(list);
}

static void test_scan_bad_bars(void **state)
{
	struct fakebus b = {0};
	struct pci_cfg c = CFG(&b);
	struct pci_dev *list;
	struct fn *f;

	(void)state;
	f = add_fn(&b, 0, 0, 0, 0x1234, 0x0001, 0x020000, 0);
	/* BAR 0: a hole in its size bits. */
	put32(f->cfg + PCI_BAR0, 0xfe000000);
	f->wmask[0] = 0xfff0f000;
	/* BAR 1: fine. BAR 5: a 64-bit BAR with no slot for its upper half. */
	set_bar(f, 1, 0xfd000000, 0x1000, 0);
	put32(f->cfg + PCI_BAR0 + 20, 0x4);
	f->ro[5] = 0x4;
	f->wmask[5] = 0xfffff000;
	nwarn = 0;
	assert_int_equal(pci_scan(&c, 0, 0, 255, alloc_dev, NULL, &list), 1);
	assert_int_equal(nwarn, 2);
	assert_int_equal(list->bar[0].kind, PCI_BAR_NONE);
	assert_int_equal(list->bar[0].size, 0);
	assert_int_equal(list->bar[1].size, 0x1000);
	assert_int_equal(list->bar[5].kind, PCI_BAR_NONE);
	assert_non_null(strstr(last_warn, "no upper half"));
	free_list(list);
}

/* Bridges whose bus numbers loop, repeat or go backwards: logged, not followed, and the scan
 * ends having seen each bus once. */
static void test_scan_bus_loops(void **state)
{
	struct fakebus b = {0};
	struct pci_cfg c = CFG(&b);
	struct pci_dev *list, *d;
	struct fn *f;
	unsigned on_bus[4] = {0};

	(void)state;
	f = add_fn(&b, 0, 1, 0, 0x1b36, 1, 0x060400, 1); /* 00:01.0 -> bus 1 */
	f->cfg[PCI_SECONDARY_BUS] = 1;
	f = add_fn(&b, 0, 2, 0, 0x1b36, 1, 0x060400, 1); /* 00:02.0 -> bus 1 again */
	f->cfg[PCI_SECONDARY_BUS] = 1;
	f = add_fn(&b, 0, 3, 0, 0x1b36, 1, 0x060400, 1); /* 00:03.0 -> bus 0 */
	f->cfg[PCI_SECONDARY_BUS] = 0;
	f = add_fn(&b, 1, 0, 0, 0x1b36, 1, 0x060400, 1); /* 01:00.0 -> bus 1: itself */
	f->cfg[PCI_SECONDARY_BUS] = 1;
	f = add_fn(&b, 1, 1, 0, 0x1b36, 1, 0x060400, 1); /* 01:01.0 -> bus 2 */
	f->cfg[PCI_SECONDARY_BUS] = 2;
	f = add_fn(&b, 2, 0, 0, 0x1b36, 1, 0x060400, 1); /* 02:00.0 -> bus 1: backwards */
	f->cfg[PCI_SECONDARY_BUS] = 1;
	f = add_fn(&b, 2, 1, 0, 0x1b36, 1, 0x060400, 1); /* 02:01.0 -> bus 3: outside */
	f->cfg[PCI_SECONDARY_BUS] = 3;
	nwarn = 0;
	assert_int_equal(pci_scan(&c, 0, 0, 2, alloc_dev, NULL, &list), 7);
	assert_int_equal(nwarn, 5);
	for (d = list; d; d = d->next)
		on_bus[d->bus]++;
	assert_int_equal(on_bus[0], 3);
	assert_int_equal(on_bus[1], 2);
	assert_int_equal(on_bus[2], 2);
	free_list(list);

	/* Out of memory part-way: what was found is kept, and the scan says so. */
	build_tree(&b);
	alloc_limit = 3;
	nwarn = 0;
	assert_int_equal(pci_scan(&c, 0, 0, 255, alloc_dev, NULL, &list), 3);
	assert_int_equal(nwarn, 1);
	free_list(list);
}

/* A bus full of bridges each to the next bus: nesting stops at 32 levels. */
static void test_scan_deep(void **state)
{
	static struct fakebus b;
	struct pci_cfg c = CFG(&b);
	struct pci_dev *list;
	struct fn *f;

	(void)state;
	memset(&b, 0, sizeof(b));
	for (unsigned i = 0; i < MAX_FNS; i++) {
		f = add_fn(&b, (uint8_t)i, 0, 0, 0x1b36, 1, 0x060400, 1);
		f->cfg[PCI_SECONDARY_BUS] = (uint8_t)(i + 1);
	}
	nwarn = 0;
	assert_int_equal(pci_scan(&c, 0, 0, 255, alloc_dev, NULL, &list), 32);
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(last_warn, "nested too deep"));
	free_list(list);
}

/* ---- listings ---- */

static void test_devices_line(void **state)
{
	static const struct pci_driver drv = {.name = "virtio-pci"};
	struct fakebus b;
	struct pci_cfg c;
	struct pci_dev *list, *d;
	char line[512];
	int n;

	(void)state;
	build_tree(&b);
	c = CFG(&b);
	assert_int_equal(pci_scan(&c, 0, 0, 255, alloc_dev, NULL, &list), 7);
	d = nth(list, 6);
	n = pci_format_devices_line(d, line, sizeof(line));
	/* As Linux 6.1 prints it: bus 01 devfn 00, 8086:100e, IRQ b, BAR0 64-bit prefetchable
	 * (flags c), BAR1 its upper half, BAR2 I/O (flag 1), the ROM, then the sizes. */
	assert_string_equal(line, "0100\t8086100e\tb"
				  "\t       80000000c\t               0\t            d001"
				  "\t               0\t               0\t               0"
				  "\t        fe840000"
				  "\t           20000\t               0\t              40"
				  "\t               0\t               0\t               0"
				  "\t           40000\t\n");
	assert_int_equal(n, (int)strlen(line));
	/* A bound driver is named at the end; a short buffer gets the full length back. */
	d->driver = &drv;
	n = pci_format_devices_line(d, line, 10);
	assert_int_equal(strlen(line), 9);
	assert_int_equal(n, 15 + 14 * 17 + 12);
	pci_format_devices_line(d, line, sizeof(line));
	assert_non_null(strstr(line, "\t           40000\tvirtio-pci\n"));
	/* No pin: IRQ 0 even when the line register holds something. */
	d = nth(list, 3);
	d->irq_line = 9;
	pci_format_devices_line(d, line, sizeof(line));
	assert_int_equal(strncmp(line, "0010\t123411e8\t0\t        fea00000\t", 33), 0);

	n = pci_format_keel(nth(list, 6), line, sizeof(line));
	assert_int_equal(n, (int)strlen(line));
	assert_non_null(strstr(line, "0000:01:00.0 8086:100e (0000:0000) class 02.00.00 rev 02 "
				     "driver virtio-pci pin A line 11 irq none\n"));
	assert_non_null(strstr(line, "  bar0 mem64 0x800000000 size 0x20000 prefetchable\n"));
	assert_non_null(strstr(line, "  bar2 io    0xd000 size 0x40\n"));
	assert_non_null(strstr(line, "  caps 11@40\n"));
	free_list(list);
}

/* PIIX IDE in compatibility mode (prog-if 0x80): the ISA ports, as Linux shows them
 * (captured from Linux 6.1 on QEMU's i440fx). */
static void test_ide_legacy(void **state)
{
	struct fakebus b = {0};
	struct pci_cfg c = CFG(&b);
	struct pci_dev *list;
	struct fn *f;
	char line[512];

	(void)state;
	f = add_fn(&b, 0, 1, 1, 0x8086, 0x7010, 0x010180, 0);
	set_bar(f, 4, 0xd120, 0x10, 1);
	f = add_fn(&b, 0, 1, 0, 0x8086, 0x7000, 0x060100, PCI_HEADER_MULTI_FUNC);
	assert_int_equal(pci_scan(&c, 0, 0, 255, alloc_dev, NULL, &list), 2);
	pci_format_devices_line(list->next, line, sizeof(line));
	assert_string_equal(line, "0009\t80867010\t0"
				  "\t             1f0\t             3f6\t             170"
				  "\t             376\t            d121\t               0"
				  "\t               0\t               8\t               0"
				  "\t               8\t               0\t              10"
				  "\t               0\t               0\t\n");
	free_list(list);
	/* Native mode on the secondary channel only (prog-if bit 2): its BARs stay as read. */
	b.fn[0].cfg[PCI_CLASS_PROG] = 0x84;
	assert_int_equal(pci_scan(&c, 0, 0, 255, alloc_dev, NULL, &list), 2);
	assert_int_equal(list->next->bar[0].base, 0x1f0);
	assert_int_equal(list->next->bar[2].size, 0);
	free_list(list);
}

static void test_match_id(void **state)
{
	static const struct pci_device_id ids[] = {
		{0x1af4, 0x1001, 0, 0},
		{PCI_ANY_ID, PCI_ANY_ID, 0x010802, 0xffffff}, /* NVMe */
		{0x8086, PCI_ANY_ID, 0x010600, 0xffff00},     /* Intel SATA, any interface */
		{0, 0, 0, 0},
	};
	struct pci_dev d = {.vendor = 0x1af4, .device = 0x1001};

	(void)state;
	assert_ptr_equal(pci_match_id(ids, &d), &ids[0]);
	d.device = 0x1000;
	assert_null(pci_match_id(ids, &d));
	d = (struct pci_dev){
		.vendor = 0x1b36, .device = 0x10, .class = 1, .subclass = 8, .prog_if = 2};
	assert_ptr_equal(pci_match_id(ids, &d), &ids[1]);
	d.prog_if = 3;
	assert_null(pci_match_id(ids, &d));
	d = (struct pci_dev){
		.vendor = 0x8086, .device = 0x2922, .class = 1, .subclass = 6, .prog_if = 1};
	assert_ptr_equal(pci_match_id(ids, &d), &ids[2]);
	d.vendor = 0x8087;
	assert_null(pci_match_id(ids, &d));
	assert_null(pci_match_id(NULL, &d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bar_decode),     cmocka_unit_test(test_bar_nonsense),
		cmocka_unit_test(test_caps),	       cmocka_unit_test(test_caps_hostile),
		cmocka_unit_test(test_scan),	       cmocka_unit_test(test_scan_bad_bars),
		cmocka_unit_test(test_scan_bus_loops), cmocka_unit_test(test_scan_deep),
		cmocka_unit_test(test_devices_line),   cmocka_unit_test(test_match_id),
		cmocka_unit_test(test_ide_legacy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
