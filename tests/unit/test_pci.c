/* Unit tests for hv/pci.h: bus 0 as Linux probes it over 0xCF8/0xCFC, BARs, INTx, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <hv/pci.h>

/* ---- Fixture: a bus with a test device whose BAR callbacks record what they get ---- */

struct irq_rec {
	bool level;
	unsigned line, changes;
};

static void irq_set(void *ctx, unsigned line, bool level)
{
	struct irq_rec *r = ctx;

	r->line = line;
	r->level = level;
	r->changes++;
}

struct hooks {
	int bar;
	uint64_t off, val;
	unsigned size, reads, writes, cfg_reads, cfg_writes, last_reg, last_size;
};

static uint64_t t_bar_read(void *ctx, int bar, uint64_t off, unsigned size)
{
	struct hooks *h = ctx;

	h->bar = bar;
	h->off = off;
	h->size = size;
	h->reads++;
	return 0x1234;
}

static void t_bar_write(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val)
{
	struct hooks *h = ctx;

	h->bar = bar;
	h->off = off;
	h->size = size;
	h->val = val;
	h->writes++;
}

static void t_cfg_read(void *ctx, unsigned reg, unsigned size)
{
	struct hooks *h = ctx;

	h->cfg_reads++;
	h->last_reg = reg;
	h->last_size = size;
}

static void t_cfg_write(void *ctx, unsigned reg, unsigned size)
{
	struct hooks *h = ctx;

	h->cfg_writes++;
	h->last_reg = reg;
	h->last_size = size;
}

static const struct pci_id test_id = {
	.vendor = 0x1af4,
	.device = 0x1042,
	.subsys_vendor = 0x1af4,
	.subsys_id = 0x0002,
	.class_code = 0x010000,
	.revision = 1,
	.int_pin = 1,
};

/* A device with BAR0 mem32 16K, BAR1 I/O 32, BAR2-3 mem64 1M prefetchable, BAR5 mem32 4K. */
static void make_dev(struct pci_dev *d, struct hooks *h)
{
	pci_dev_init(d, &test_id);
	assert_int_equal(pci_dev_set_bar(d, 0, PCI_BAR_MEM32, 0x4000, false), 0);
	assert_int_equal(pci_dev_set_bar(d, 1, PCI_BAR_IO, 32, false), 0);
	assert_int_equal(pci_dev_set_bar(d, 2, PCI_BAR_MEM64, 0x100000, true), 0);
	assert_int_equal(pci_dev_set_bar(d, 5, PCI_BAR_MEM32, 0x1000, false), 0);
	d->bar_read = t_bar_read;
	d->bar_write = t_bar_write;
	d->cfg_read_hook = t_cfg_read;
	d->cfg_write_hook = t_cfg_write;
	d->ctx = h;
}

static uint32_t addr(unsigned bus, unsigned slot, unsigned fn, unsigned reg)
{
	return 0x80000000u | bus << 16 | slot << 11 | fn << 8 | (reg & 0xFC);
}

/* What Linux's pci_conf1_read does: outl(address, 0xCF8); in[bwl](0xCFC + (reg & 3)). */
static uint32_t conf_read(struct pci_bus *bus, unsigned slot, unsigned reg, unsigned size)
{
	pci_io_write(bus, 0, 4, addr(0, slot, 0, reg));
	return pci_io_read(bus, 4 + (reg & 3), size);
}

static void conf_write(struct pci_bus *bus, unsigned slot, unsigned reg, unsigned size,
		       uint32_t val)
{
	pci_io_write(bus, 0, 4, addr(0, slot, 0, reg));
	pci_io_write(bus, 4 + (reg & 3), size, val);
}

/* ---- Cases ---- */

/* Linux's pci_check_type1() and pci_sanity_check(), then the host bridge's header. */
static void test_host_bridge(void **state)
{
	struct pci_bus bus;
	uint32_t tmp;

	(void)state;
	pci_init(&bus);
	pci_io_write(&bus, 3, 1, 0x01); /* outb(0x01, 0xCFB): a byte, not the address */
	tmp = pci_io_read(&bus, 0, 4);
	assert_int_equal(tmp, 0);
	pci_io_write(&bus, 0, 4, 0x80000000);
	assert_int_equal(pci_io_read(&bus, 0, 4), 0x80000000);
	pci_io_write(&bus, 0, 4, tmp);
	/* The sanity check: a host bridge class somewhere on bus 0. */
	assert_int_equal(conf_read(&bus, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	assert_int_equal(conf_read(&bus, 0, PCI_VENDOR_ID, 4),
			 PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	assert_int_equal(conf_read(&bus, 0, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(conf_read(&bus, 0, PCI_CLASS_PROG, 1), 0);
	assert_int_equal(conf_read(&bus, 0, PCI_INTERRUPT_PIN, 1), 0);
	assert_int_equal(conf_read(&bus, 0, PCI_BAR0, 4), 0); /* no BARs */
	pci_io_write(&bus, 0, 4, addr(0, 0, 0, PCI_BAR0));
	pci_io_write(&bus, 4, 4, 0xFFFFFFFF);
	assert_int_equal(pci_io_read(&bus, 4, 4), 0);
	/* Reserved address bits read 0; byte/word accesses to 0xCF8-0xCFB leave it alone. */
	pci_io_write(&bus, 0, 4, 0xFFFFFFFF);
	assert_int_equal(pci_io_read(&bus, 0, 4), 0x80FFFFFC);
	pci_io_write(&bus, 1, 1, 0x06); /* 0xCF9, the reset control port on a chipset */
	pci_io_write(&bus, 0, 2, 0);
	assert_int_equal(pci_io_read(&bus, 0, 4), 0x80FFFFFC);
	assert_int_equal(pci_io_read(&bus, 1, 1), 0xFF);
	assert_int_equal(pci_io_read(&bus, 2, 2), 0xFFFF);
}

/* What is not there reads all ones, at every size, and ignores writes. */
static void test_absent(void **state)
{
	struct pci_bus bus;
	struct pci_dev d;
	struct hooks h = {0};

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	assert_int_equal(pci_add(&bus, 3, &d, NULL), 0);
	assert_int_equal(conf_read(&bus, 5, 0, 4), 0xFFFFFFFF);
	assert_int_equal(conf_read(&bus, 5, 2, 2), 0xFFFF);
	assert_int_equal(conf_read(&bus, 5, 1, 1), 0xFF);
	/* Function 1 of a present slot, bus 1, the enable bit clear. */
	pci_io_write(&bus, 0, 4, addr(0, 3, 1, 0));
	assert_int_equal(pci_io_read(&bus, 4, 4), 0xFFFFFFFF);
	pci_io_write(&bus, 0, 4, addr(1, 3, 0, 0));
	assert_int_equal(pci_io_read(&bus, 4, 4), 0xFFFFFFFF);
	pci_io_write(&bus, 0, 4, addr(0, 3, 0, 0) & ~0x80000000u);
	assert_int_equal(pci_io_read(&bus, 4, 4), 0xFFFFFFFF);
	pci_io_write(&bus, 4, 2, 0x0007); /* a command write that must go nowhere */
	assert_int_equal(conf_read(&bus, 3, PCI_COMMAND, 2), 0);
	/* The same device with the address right. */
	assert_int_equal(conf_read(&bus, 3, 0, 4), 0x10421af4);
	/* Accesses crossing the dword or of odd sizes. */
	pci_io_write(&bus, 0, 4, addr(0, 3, 0, 0));
	assert_int_equal(pci_io_read(&bus, 7, 2), 0xFFFF);
	assert_int_equal(pci_io_read(&bus, 5, 4), 0xFFFFFFFF);
	assert_int_equal(pci_io_read(&bus, 4, 8), 0xFFFFFFFF);
	assert_int_equal(pci_io_read(&bus, 4, 3), 0xFFFFFFFF);
	assert_int_equal(pci_io_read(&bus, 4, 0), 0xFFFFFFFF);
	assert_int_equal(pci_io_read(&bus, 8, 1), 0xFF);
	/* Byte and word lanes of the data port match the dword. */
	assert_int_equal(pci_io_read(&bus, 6, 2), 0x1042);
	assert_int_equal(pci_io_read(&bus, 5, 1), 0x1a);
	assert_int_equal(pci_io_read(&bus, 7, 1), 0x10);
}

/* The header a registered device shows, and its capability list walked as Linux does. */
static void test_header(void **state)
{
	struct pci_bus bus;
	struct pci_dev d;
	struct hooks h = {0};
	struct irq_rec rec = {0};
	struct hvdev_irq irq = {irq_set, &rec, pci_intx_gsi(3, 0)};
	uint8_t body[6] = {1, 2, 3, 4, 5, 6}, off[3];
	unsigned pos, n = 0, ttl = 48;

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pci_dev_add_cap(&d, PCI_CAP_ID_VENDOR, body, 6 - i, &off[i]), 0);
	assert_int_equal(pci_add(&bus, 3, &d, &irq), 0);
	assert_int_equal(conf_read(&bus, 3, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(conf_read(&bus, 3, PCI_DEVICE_ID, 2), 0x1042);
	assert_int_equal(conf_read(&bus, 3, PCI_REVISION_ID, 4), 0x01000001);
	assert_int_equal(conf_read(&bus, 3, PCI_SUBSYS_VENDOR, 4), 0x00021af4);
	assert_int_equal(conf_read(&bus, 3, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(conf_read(&bus, 3, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(conf_read(&bus, 3, PCI_INTERRUPT_LINE, 1), 19); /* 16 + (3 + 0) % 8 */
	assert_int_equal(conf_read(&bus, 3, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	assert_int_equal(conf_read(&bus, 3, PCI_ROM_ADDRESS, 4), 0);
	/* pci_find_capability: pos = cfg[0x34]; while (ttl--) { pos &= ~3; ... } */
	pos = conf_read(&bus, 3, PCI_CAP_PTR, 1);
	while (ttl-- && pos >= 0x40) {
		pos &= ~3u;
		assert_true(n < 3);
		assert_int_equal(pos, off[n]);
		assert_int_equal(conf_read(&bus, 3, pos, 1), PCI_CAP_ID_VENDOR);
		assert_int_equal(conf_read(&bus, 3, pos + 2, 1), 1);
		assert_int_equal(conf_read(&bus, 3, pos + 7 - n, 1), 6 - n);
		n++;
		pos = conf_read(&bus, 3, pos + 1, 1);
	}
	assert_int_equal(n, 3);
	assert_int_equal(pos, 0);
	assert_int_equal(off[0], 0x40);
	assert_int_equal(off[1], 0x48);
	assert_int_equal(off[2], 0x50); /* 0x48 + 2 + 5 = 0x4f, aligned up */
	/* The capability bytes are read-only unless the device says otherwise. */
	conf_write(&bus, 3, off[0], 4, 0);
	/* The hooks see accesses from 0x40 up, not the header. */
	assert_int_equal(h.cfg_writes, 1);
	assert_int_equal(h.last_reg, off[0]);
	assert_int_equal(h.last_size, 4);
	assert_int_equal(conf_read(&bus, 3, off[0], 1), PCI_CAP_ID_VENDOR);
	assert_int_equal(conf_read(&bus, 3, off[0] + 1, 1), off[1]);
	h.cfg_reads = 0;
	conf_read(&bus, 3, PCI_COMMAND, 2);
	conf_write(&bus, 3, PCI_COMMAND, 2, 0);
	assert_int_equal(h.cfg_reads, 0);
	assert_int_equal(h.cfg_writes, 1);
	d.wmask[off[2] + 2] = 0xF0;
	conf_write(&bus, 3, off[2] + 2, 1, 0xAB);
	assert_int_equal(conf_read(&bus, 3, off[2] + 2, 1), 0xA1);
	assert_int_equal(h.cfg_reads, 1);
	assert_int_equal(h.last_reg, off[2] + 2);
	assert_int_equal(h.last_size, 1);
}

/* Linux's __pci_read_base: decode off, save, write all ones, read the mask, restore. */
static void test_bar_sizing(void **state)
{
	struct pci_bus bus;
	struct pci_dev d;
	struct hooks h = {0};
	const uint32_t mask[6] = {0xFFFFC000, 0xFFFFFFE1, 0xFFF0000C, 0xFFFFFFFF, 0, 0xFFFFF000};
	uint32_t orig[6];

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	assert_int_equal(pci_add(&bus, 4, &d, NULL), 0);
	conf_write(&bus, 4, PCI_COMMAND, 2, 0);
	for (int b = 0; b < 6; b++) {
		unsigned reg = PCI_BAR0 + 4 * b;

		orig[b] = conf_read(&bus, 4, reg, 4);
		conf_write(&bus, 4, reg, 4, 0xFFFFFFFF);
		assert_int_equal(conf_read(&bus, 4, reg, 4), mask[b]);
		conf_write(&bus, 4, reg, 4, orig[b]);
		assert_int_equal(conf_read(&bus, 4, reg, 4), orig[b]);
	}
	/* Pre-assigned: in the windows, aligned, type bits intact. */
	assert_int_equal(orig[0], 0xC0000000);
	assert_int_equal(orig[1], PCI_IO_BASE | 1);
	assert_int_equal(orig[2], 0xC0100000 | 0xC);
	assert_int_equal(orig[3], 0);
	assert_int_equal(orig[4], 0);
	assert_int_equal(orig[5], 0xC0200000);
	assert_int_equal(pci_bar_addr(&d, 2), 0xC0100000);
	/* The expansion ROM is absent: sizing it reads 0. */
	conf_write(&bus, 4, PCI_ROM_ADDRESS, 4, 0xFFFFF800);
	assert_int_equal(conf_read(&bus, 4, PCI_ROM_ADDRESS, 4), 0);
	/* A byte write to a BAR keeps the read-only low bits. */
	conf_write(&bus, 4, PCI_BAR0 + 4, 1, 0xFF);
	assert_int_equal(conf_read(&bus, 4, PCI_BAR0 + 4, 4), (PCI_IO_BASE & 0xFF00) | 0xE1);
}

/* Two devices' pre-assigned ranges are disjoint and aligned; a BAR that does not fit is 0. */
static void test_preassign(void **state)
{
	struct pci_bus bus;
	struct pci_dev a, b, big;
	struct hooks h = {0};

	(void)state;
	pci_init(&bus);
	make_dev(&a, &h);
	make_dev(&b, &h);
	assert_int_equal(pci_add(&bus, 1, &a, NULL), 0);
	assert_int_equal(pci_add(&bus, 2, &b, NULL), 0);
	for (int i = 0; i < 6; i++) {
		uint64_t x = pci_bar_addr(&a, i), y = pci_bar_addr(&b, i), s = a.bar_size[i];

		if (!s) {
			assert_int_equal(x, 0);
			continue;
		}
		assert_int_equal(x % s, 0);
		assert_int_equal(y % s, 0);
		assert_true(x + s <= y || y + s <= x);
		if (a.bar_kind[i] == PCI_BAR_IO)
			assert_true(x >= PCI_IO_BASE && y + s - 1 <= PCI_IO_LIMIT);
		else
			assert_true(x >= PCI_MMIO_BASE && y + s - 1 <= PCI_MMIO_LIMIT);
	}
	/* 2 GiB cannot fit in 0xC0000000-0xFEBFFFFF: left for Linux to assign. */
	pci_dev_init(&big, &test_id);
	assert_int_equal(pci_dev_set_bar(&big, 0, PCI_BAR_MEM32, 0x80000000ull, false), 0);
	assert_int_equal(pci_dev_set_bar(&big, 1, PCI_BAR_MEM32, 0x1000, false), 0);
	assert_int_equal(pci_add(&bus, 9, &big, NULL), 0);
	assert_int_equal(pci_bar_addr(&big, 0), 0);
	assert_int_not_equal(pci_bar_addr(&big, 1), 0);
}

/* pci_mmio_find/pci_io_find: decoding, edges, 64-bit above 4 GiB; dispatch to the callbacks. */
static void test_find(void **state)
{
	struct pci_bus bus;
	struct pci_dev d, *got;
	struct hooks h = {0};
	uint64_t off;
	int bar;

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	assert_int_equal(pci_add(&bus, 6, &d, NULL), 0);
	conf_write(&bus, 6, PCI_BAR0, 4, 0xD0004000);
	conf_write(&bus, 6, PCI_BAR0 + 8, 4, 0x00000000);  /* BAR2 low */
	conf_write(&bus, 6, PCI_BAR0 + 12, 4, 0x00000008); /* BAR2 high: 0x8_0000_0000 */
	conf_write(&bus, 6, PCI_BAR0 + 4, 4, 0x0000E020);  /* BAR1 I/O */
	/* Decoding off: nothing. */
	assert_int_equal(pci_mmio_find(&bus, 0xD0004000, &got, &bar, &off), -ENOENT);
	assert_int_equal(pci_io_find(&bus, 0xE020, &got, &bar, &off), -ENOENT);
	conf_write(&bus, 6, PCI_COMMAND, 2, PCI_CMD_MEM);
	assert_int_equal(pci_mmio_find(&bus, 0xD0004000, &got, &bar, &off), 0);
	assert_ptr_equal(got, &d);
	assert_int_equal(bar, 0);
	assert_int_equal(off, 0);
	assert_int_equal(pci_mmio_find(&bus, 0xD0007FFF, &got, &bar, &off), 0);
	assert_int_equal(off, 0x3FFF);
	assert_int_equal(pci_mmio_find(&bus, 0xD0008000, &got, &bar, &off), -ENOENT);
	assert_int_equal(pci_mmio_find(&bus, 0xD0003FFF, &got, &bar, &off), -ENOENT);
	assert_int_equal(pci_mmio_find(&bus, 0x800000010ull, &got, &bar, &off), 0);
	assert_int_equal(bar, 2);
	assert_int_equal(off, 0x10);
	assert_int_equal(pci_mmio_find(&bus, 0x10, &got, &bar, &off), -ENOENT);
	/* Memory decoding does not open I/O BARs. */
	assert_int_equal(pci_io_find(&bus, 0xE020, &got, &bar, &off), -ENOENT);
	assert_int_equal(pci_mmio_find(&bus, 0xE020, &got, &bar, &off), -ENOENT);
	conf_write(&bus, 6, PCI_COMMAND, 2, PCI_CMD_IO);
	assert_int_equal(pci_mmio_find(&bus, 0xD0004000, &got, &bar, &off), -ENOENT);
	assert_int_equal(pci_io_find(&bus, 0xE03F, &got, &bar, &off), 0);
	assert_int_equal(bar, 1);
	assert_int_equal(off, 0x1F);
	assert_int_equal(pci_io_find(&bus, 0xE040, &got, &bar, &off), -ENOENT);
	/* Dispatch. */
	assert_int_equal(pci_bar_read(got, bar, off, 2), 0x1234);
	assert_int_equal(h.bar, 1);
	assert_int_equal(h.off, 0x1F);
	assert_int_equal(h.size, 2);
	pci_bar_write(got, 0, 8, 4, 0xCAFE);
	assert_int_equal(h.writes, 1);
	assert_int_equal(h.val, 0xCAFE);
	assert_int_equal(h.off, 8);
	/* A BAR programmed to 0 is not decoded. */
	conf_write(&bus, 6, PCI_BAR0 + 4, 4, 0);
	conf_write(&bus, 6, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
	assert_int_equal(pci_io_find(&bus, 0, &got, &bar, &off), -ENOENT);
	assert_int_equal(pci_io_find(&bus, 0x1F, &got, &bar, &off), -ENOENT);
}

/* Command bits the model keeps; the rest of the header is read-only. */
static void test_command_status(void **state)
{
	struct pci_bus bus;
	struct pci_dev d;
	struct hooks h = {0};

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	assert_int_equal(pci_add(&bus, 7, &d, NULL), 0);
	conf_write(&bus, 7, PCI_COMMAND, 4, 0xFFFFFFFF); /* command and status at once */
	assert_int_equal(conf_read(&bus, 7, PCI_COMMAND, 2), 0x0547);
	assert_int_equal(conf_read(&bus, 7, PCI_STATUS, 2), 0);
	conf_write(&bus, 7, PCI_VENDOR_ID, 4, 0);
	conf_write(&bus, 7, PCI_REVISION_ID, 4, 0);
	conf_write(&bus, 7, PCI_HEADER_TYPE, 1, 0x80);
	conf_write(&bus, 7, PCI_SUBSYS_VENDOR, 4, 0);
	conf_write(&bus, 7, PCI_INTERRUPT_PIN, 1, 4);
	assert_int_equal(conf_read(&bus, 7, PCI_VENDOR_ID, 4), 0x10421af4);
	assert_int_equal(conf_read(&bus, 7, PCI_REVISION_ID, 4), 0x01000001);
	assert_int_equal(conf_read(&bus, 7, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(conf_read(&bus, 7, PCI_SUBSYS_VENDOR, 4), 0x00021af4);
	assert_int_equal(conf_read(&bus, 7, PCI_INTERRUPT_PIN, 1), 1);
	/* Scratch registers Linux writes. */
	conf_write(&bus, 7, PCI_CACHE_LINE, 1, 0x10);
	conf_write(&bus, 7, PCI_LATENCY_TIMER, 1, 0x40);
	conf_write(&bus, 7, PCI_INTERRUPT_LINE, 1, 11);
	assert_int_equal(conf_read(&bus, 7, PCI_CACHE_LINE, 2), 0x4010);
	assert_int_equal(conf_read(&bus, 7, PCI_INTERRUPT_LINE, 1), 11);
	conf_write(&bus, 7, PCI_COMMAND, 2, 0);
	assert_int_equal(conf_read(&bus, 7, PCI_COMMAND, 2), 0);
}

/* INTx: the line follows the device unless INTx disable is set; status bit 3 always does. */
static void test_intx(void **state)
{
	struct pci_bus bus;
	struct pci_dev d;
	struct hooks h = {0};
	struct irq_rec rec = {0};
	struct hvdev_irq irq = {irq_set, &rec, pci_intx_gsi(10, 0)};

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	assert_int_equal(pci_add(&bus, 10, &d, &irq), 0);
	assert_int_equal(rec.changes, 0);
	pci_set_intx(&d, true);
	assert_true(rec.level);
	assert_int_equal(rec.line, 18); /* 16 + (10 + 0) % 8 */
	assert_int_equal(rec.changes, 1);
	assert_int_equal(conf_read(&bus, 10, PCI_STATUS, 2) & PCI_STATUS_INTX, PCI_STATUS_INTX);
	pci_set_intx(&d, true); /* no change, no call */
	assert_int_equal(rec.changes, 1);
	conf_write(&bus, 10, PCI_COMMAND, 2, PCI_CMD_INTX_DISABLE | PCI_CMD_MEM);
	assert_false(rec.level);
	assert_int_equal(rec.changes, 2);
	assert_int_equal(conf_read(&bus, 10, PCI_STATUS, 2) & PCI_STATUS_INTX, PCI_STATUS_INTX);
	pci_set_intx(&d, false);
	assert_int_equal(rec.changes, 2);
	assert_int_equal(conf_read(&bus, 10, PCI_STATUS, 2) & PCI_STATUS_INTX, 0);
	pci_set_intx(&d, true);
	assert_false(rec.level);
	conf_write(&bus, 10, PCI_COMMAND, 2, PCI_CMD_MEM); /* re-enabled while pending */
	assert_true(rec.level);
	pci_set_intx(&d, false);
	assert_false(rec.level);
	assert_int_equal(rec.changes, 4);
	/* The GSI formula of the _PRT. */
	assert_int_equal(pci_intx_gsi(0, 0), 16);
	assert_int_equal(pci_intx_gsi(7, 1), 16);
	assert_int_equal(pci_intx_gsi(31, 3), 18);
}

/* Registration and BAR description errors. */
static void test_errors(void **state)
{
	struct pci_bus bus;
	struct pci_dev d, e;
	struct hooks h = {0};
	uint8_t body[254] = {0};

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	make_dev(&e, &h);
	assert_int_equal(pci_add(&bus, 0, &d, NULL), -EINVAL);
	assert_int_equal(pci_add(&bus, 32, &d, NULL), -EINVAL);
	assert_int_equal(pci_add(&bus, 1, NULL, NULL), -EINVAL);
	assert_int_equal(pci_add(&bus, 1, &d, NULL), 0);
	assert_int_equal(pci_add(&bus, 2, &d, NULL), -EINVAL); /* already on the bus */
	assert_int_equal(pci_add(&bus, 1, &e, NULL), -EBUSY);
	pci_dev_init(&e, &test_id);
	assert_int_equal(pci_dev_set_bar(&e, 0, PCI_BAR_MEM32, 0, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 0, PCI_BAR_MEM32, 0x3000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 0, PCI_BAR_MEM32, 8, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 0, PCI_BAR_MEM32, 1ull << 32, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 0, PCI_BAR_IO, 512, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 0, PCI_BAR_IO, 16, true), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 5, PCI_BAR_MEM64, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 6, PCI_BAR_MEM32, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, -1, PCI_BAR_MEM32, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 0, (enum pci_bar_kind)9, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 1, PCI_BAR_MEM64, 0x1000, false), 0);
	assert_int_equal(pci_dev_set_bar(&e, 2, PCI_BAR_MEM32, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 1, PCI_BAR_MEM32, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 0, PCI_BAR_MEM64, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_set_bar(&e, 3, PCI_BAR_MEM32, 0x1000, false), 0);
	/* Capabilities until the space is full (0x40-0xFF holds 192 bytes). */
	assert_int_equal(pci_dev_add_cap(&e, 9, body, 150, NULL), 0); /* 0x40-0xD7 */
	assert_int_equal(pci_dev_add_cap(&e, 9, body, 100, NULL), -ENOSPC);
	assert_int_equal(pci_dev_add_cap(&e, 9, body, 30, NULL), 0); /* 0xD8-0xF7 */
	assert_int_equal(pci_dev_add_cap(&e, 9, body, 6, NULL), 0);  /* 0xF8-0xFF */
	assert_int_equal(pci_dev_add_cap(&e, 9, body, 0, NULL), -ENOSPC);
	assert_int_equal(e.cfg[0xD8 + 1], 0xF8);
	assert_int_equal(e.cfg[0xF8 + 1], 0);
}

static uint32_t rng_state = 0x12345678;

static uint32_t xorshift(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random addresses, sizes and values on every port: nothing breaks, ids stay. */
static void test_hostile(void **state)
{
	struct pci_bus bus;
	struct pci_dev d;
	struct hooks h = {0};
	static const unsigned sizes[] = {0, 1, 2, 3, 4, 8, 16};

	(void)state;
	pci_init(&bus);
	make_dev(&d, &h);
	assert_int_equal(pci_add(&bus, 31, &d, NULL), 0);
	for (int i = 0; i < 200000; i++) {
		uint32_t r = xorshift(), v = xorshift();
		unsigned off = r & 7, size = sizes[(r >> 3) % 7];

		if ((r >> 8) & 1)
			pci_io_write(&bus, off, size,
				     (r >> 9) & 1 ? v : (v | 0x80000000u) & ~0xFF0000u);
		else
			(void)pci_io_read(&bus, off, size);
		(void)pci_io_read(&bus, (r >> 12) % 12, size);
	}
	for (unsigned reg = 0; reg < 256; reg++)
		for (unsigned s = 1; s <= 4; s *= 2)
			conf_write(&bus, 31, reg, s, 0xFFFFFFFF);
	assert_int_equal(conf_read(&bus, 31, PCI_VENDOR_ID, 4), 0x10421af4);
	assert_int_equal(conf_read(&bus, 0, PCI_VENDOR_ID, 4),
			 PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	assert_int_equal(conf_read(&bus, 31, PCI_REVISION_ID, 4) >> 8, 0x010000);
	assert_int_equal(conf_read(&bus, 31, PCI_BAR0 + 4, 4) & 3, 1);
	assert_int_equal(conf_read(&bus, 31, PCI_BAR0 + 8, 4) & 0xF, 0xC);
	assert_int_equal(conf_read(&bus, 31, PCI_BAR0 + 16, 4), 0);
	/* All of config space reads without trouble at every size and alignment. */
	for (unsigned reg = 0; reg < 260; reg++)
		for (unsigned s = 0; s <= 8; s++)
			(void)pci_cfg_read(&d, reg, s);
	assert_int_equal(pci_cfg_read(&d, 256, 1), 0xFFFFFFFF);
	assert_int_equal(pci_cfg_read(&d, 2, 4), 0xFFFFFFFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_bridge),    cmocka_unit_test(test_absent),
		cmocka_unit_test(test_header),	       cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_preassign),      cmocka_unit_test(test_find),
		cmocka_unit_test(test_command_status), cmocka_unit_test(test_intx),
		cmocka_unit_test(test_errors),	       cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
