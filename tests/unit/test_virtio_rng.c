/*
 * Unit tests for hv/virtio_rng.h over hv/virtio.h and hv/pci.h: a fake guest probes the
 * function as Linux does, brings the device up and hands it buffers to fill; then bad rings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <hv/pci.h>
#include <hv/virtio.h>
#include <hv/virtio_rng.h>

#define GMEM_SIZE 0x40000
#define DESC	  0x1000
#define AVAIL	  0x2000
#define USED	  0x3000
#define BUF	  0x10000
#define BAR_GPA	  0xC0004000u
#define SLOT	  4
#define QSIZE	  8

static uint8_t gmem[GMEM_SIZE];

static int m_read(void *ctx, uint64_t gpa, void *dst, size_t len)
{
	(void)ctx;
	if (gpa > GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -EFAULT;
	memcpy(dst, gmem + gpa, len);
	return 0;
}

static int m_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	(void)ctx;
	if (gpa > GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -EFAULT;
	memcpy(gmem + gpa, src, len);
	return 0;
}

static const struct hvdev_mem gm = {m_read, m_write, NULL};

/* The entropy source: a counter, so what lands where can be checked. */
static struct {
	uint8_t next;
	unsigned calls, fail_after;
	size_t total;
} src;

static int t_random(void *ctx, void *dst, size_t len)
{
	uint8_t *p = dst;

	assert_ptr_equal(ctx, &src);
	if (len == 0 || len > VIRTIO_RNG_CHUNK)
		fail_msg("random() asked for %zu bytes", len);
	if (src.fail_after && src.calls >= src.fail_after)
		return -EIO;
	src.calls++;
	src.total += len;
	for (size_t i = 0; i < len; i++)
		p[i] = src.next++;
	return 0;
}

struct irq_rec {
	bool level;
	unsigned changes;
};

static void irq_set(void *ctx, unsigned line, bool level)
{
	struct irq_rec *r = ctx;

	assert_int_equal(line, pci_intx_gsi(SLOT, 0));
	r->level = level;
	r->changes++;
}

static struct {
	struct pci_bus bus;
	struct virtio_rng rng;
	struct irq_rec irq;
	uint32_t common, isr, notify;
	unsigned found;
	uint16_t avail_idx, last_used;
} F;

static uint32_t conf_read(unsigned reg, unsigned size)
{
	pci_io_write(&F.bus, 0, 4, 0x80000000u | SLOT << 11 | (reg & 0xFC));
	return pci_io_read(&F.bus, 4 + (reg & 3), size);
}

static void conf_write(unsigned reg, unsigned size, uint32_t val)
{
	pci_io_write(&F.bus, 0, 4, 0x80000000u | SLOT << 11 | (reg & 0xFC));
	pci_io_write(&F.bus, 4 + (reg & 3), size, val);
}

static uint64_t rd(uint32_t off, unsigned size)
{
	struct pci_dev *d;
	uint64_t o;
	int bar;

	if (pci_mmio_find(&F.bus, BAR_GPA + off, &d, &bar, &o))
		return ~0ull;
	return pci_bar_read(d, bar, o, size);
}

static void wr(uint32_t off, unsigned size, uint64_t val)
{
	struct pci_dev *d;
	uint64_t o;
	int bar;

	if (!pci_mmio_find(&F.bus, BAR_GPA + off, &d, &bar, &o))
		pci_bar_write(d, bar, o, size, val);
}

static uint8_t status(void)
{
	return (uint8_t)rd(F.common + VIRTIO_PCI_COMMON_STATUS, 1);
}

static void add_status(uint8_t bits)
{
	wr(F.common + VIRTIO_PCI_COMMON_STATUS, 1, status() | bits);
}

/* Power on, then Linux's probe: find the function, program BAR 0, walk the capabilities. */
static void start(void)
{
	struct hvdev_irq irq = {irq_set, &F.irq, pci_intx_gsi(SLOT, 0)};
	unsigned pos, ttl = 48;

	memset(&F, 0, sizeof(F));
	memset(&src, 0, sizeof(src));
	memset(gmem, 0, sizeof(gmem));
	pci_init(&F.bus);
	assert_int_equal(virtio_rng_init(&F.rng, t_random, &src, &gm), 0);
	assert_int_equal(pci_add(&F.bus, SLOT, virtio_rng_pci(&F.rng), &irq), 0);
	assert_int_equal(conf_read(PCI_VENDOR_ID, 4), 0x10441af4);
	conf_write(PCI_BAR0, 4, 0xFFFFFFFF);
	assert_int_equal(conf_read(PCI_BAR0, 4), 0xFFFFC000);
	conf_write(PCI_BAR0, 4, BAR_GPA);
	conf_write(PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	pos = conf_read(PCI_CAP_PTR, 1);
	while (ttl-- && pos >= 0x40) {
		uint8_t type = (uint8_t)conf_read(pos + 3, 1);
		uint32_t off = conf_read(pos + 8, 4);

		assert_int_equal(conf_read(pos, 1), PCI_CAP_ID_VENDOR);
		F.found |= 1u << type;
		if (type == VIRTIO_PCI_CAP_COMMON_CFG)
			F.common = off;
		else if (type == VIRTIO_PCI_CAP_ISR_CFG)
			F.isr = off;
		else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			F.notify = off;
		pos = conf_read(pos + 1, 1);
	}
}

/* Reset, features (VERSION_1 only), the queue, and DRIVER_OK unless told not to. */
static void bring_up(bool driver_ok)
{
	wr(F.common + VIRTIO_PCI_COMMON_STATUS, 1, 0);
	add_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(F.common + VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	wr(F.common + VIRTIO_PCI_COMMON_GF, 4, 1);
	add_status(VIRTIO_STATUS_FEATURES_OK);
	assert_true(status() & VIRTIO_STATUS_FEATURES_OK);
	wr(F.common + VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	wr(F.common + VIRTIO_PCI_COMMON_Q_SIZE, 2, QSIZE);
	wr(F.common + VIRTIO_PCI_COMMON_Q_DESCLO, 8, DESC);
	wr(F.common + VIRTIO_PCI_COMMON_Q_AVAILLO, 8, AVAIL);
	wr(F.common + VIRTIO_PCI_COMMON_Q_USEDLO, 8, USED);
	wr(F.common + VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	memset(gmem, 0, BUF);
	F.avail_idx = F.last_used = 0;
	if (driver_ok)
		add_status(VIRTIO_STATUS_DRIVER_OK);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = gmem + DESC + 16 * i;

	for (int k = 0; k < 8; k++)
		d[k] = (uint8_t)(addr >> (8 * k));
	for (int k = 0; k < 4; k++)
		d[8 + k] = (uint8_t)(len >> (8 * k));
	d[12] = (uint8_t)flags;
	d[13] = (uint8_t)(flags >> 8);
	d[14] = (uint8_t)next;
	d[15] = (uint8_t)(next >> 8);
}

static void avail_add(uint16_t head)
{
	gmem[AVAIL + 4 + 2 * (F.avail_idx % QSIZE)] = (uint8_t)head;
	F.avail_idx++;
	gmem[AVAIL + 2] = (uint8_t)F.avail_idx;
	gmem[AVAIL + 3] = (uint8_t)(F.avail_idx >> 8);
}

static void kick(void)
{
	wr(F.notify, 2, 0);
}

static uint16_t used_idx(void)
{
	return (uint16_t)(gmem[USED + 2] | gmem[USED + 3] << 8);
}

/* The next used element, which must be head; returns its length. */
static uint32_t take_used(uint16_t head)
{
	uint8_t *e = gmem + USED + 4 + 8 * (F.last_used % QSIZE);

	assert_int_not_equal(used_idx(), F.last_used);
	assert_int_equal(e[0] | e[1] << 8, head);
	F.last_used++;
	return (uint32_t)(e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24);
}

/* One writable buffer, as virtio_rng's request_entropy() adds it. */
static uint32_t request(uint64_t gpa, uint32_t len)
{
	set_desc(0, gpa, len, VIRTQ_DESC_F_WRITE, 0);
	avail_add(0);
	kick();
	return take_used(0);
}

static bool counts_up(uint64_t gpa, size_t len, uint8_t first)
{
	for (size_t i = 0; i < len; i++)
		if (gmem[gpa + i] != (uint8_t)(first + i))
			return false;
	return true;
}

/* ---- Cases ---- */

static void test_probe(void **state)
{
	(void)state;
	start();
	assert_int_equal(conf_read(PCI_REVISION_ID, 4), 0x00FF0001);
	assert_int_equal(conf_read(PCI_SUBSYS_VENDOR, 4), 0x00041af4);
	/* Common, notify, ISR and PCI-config access; no device configuration. */
	assert_int_equal(F.found, 1u << 1 | 1u << 2 | 1u << 3 | 1u << 5);
	wr(F.common + VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_int_equal(rd(F.common + VIRTIO_PCI_COMMON_DF, 4), 0);
	wr(F.common + VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	assert_int_equal(rd(F.common + VIRTIO_PCI_COMMON_DF, 4), 1);
	assert_int_equal(rd(F.common + VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	assert_int_equal(rd(F.common + VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_RNG_QUEUE_MAX);
	assert_int_equal(rd(VIRTIO_PCI_DEVICE_OFF, 4), 0xFFFFFFFF);
	bring_up(true);
	assert_int_equal(status(), 0x0F);
	assert_int_equal(virtio_rng_init(&F.rng, NULL, NULL, &gm), -EINVAL);
}

/* Buffers filled with what the source gives, in order; the interrupt. */
static void test_fill(void **state)
{
	(void)state;
	start();
	bring_up(true);
	assert_int_equal(request(BUF, 64), 64);
	assert_true(counts_up(BUF, 64, 0));
	assert_int_equal(gmem[BUF + 64], 0);
	assert_true(F.irq.level);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE);
	assert_false(F.irq.level);
	/* Two writable pieces in one chain, and a readable one before them left alone. */
	memset(gmem + BUF + 0x1000, 0xEE, 16);
	set_desc(3, BUF + 0x1000, 16, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, BUF + 0x2000, 10, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	set_desc(6, BUF + 0x3000, 300, VIRTQ_DESC_F_WRITE, 0);
	avail_add(3);
	kick();
	assert_int_equal(take_used(3), 310);
	assert_true(counts_up(BUF + 0x2000, 10, 64));
	assert_true(counts_up(BUF + 0x3000, 300, 74));
	assert_int_equal(gmem[BUF + 0x1000], 0xEE);
	assert_int_equal(gmem[BUF + 0x3000 + 300], 0);
	/* Nothing of it stays in the device. */
	for (unsigned i = 0; i < VIRTIO_RNG_CHUNK; i++)
		assert_int_equal(F.rng.buf[i], 0);
}

/* Bounded work per buffer; failures and bad memory give short or empty answers. */
static void test_bounds(void **state)
{
	(void)state;
	start();
	bring_up(true);
	/* A 128 KiB buffer gets VIRTIO_RNG_MAX_FILL bytes. */
	assert_int_equal(request(BUF, 0x20000), VIRTIO_RNG_MAX_FILL);
	assert_int_equal(src.total, VIRTIO_RNG_MAX_FILL);
	assert_int_equal(gmem[BUF + VIRTIO_RNG_MAX_FILL], 0);
	/* A 4 GiB claim far past guest memory: the first write fails, nothing counted. */
	src.total = 0;
	assert_int_equal(request(GMEM_SIZE - 0x100, 0xFFFFFFFF), 0x100);
	assert_int_equal(request(0x7FFFFFFF0000ull, 64), 0);
	/* Empty and read-only buffers: nothing to fill, the source is not asked. */
	src.calls = 0;
	assert_int_equal(request(BUF, 0), 0);
	set_desc(1, BUF, 64, 0, 0);
	avail_add(1);
	kick();
	assert_int_equal(take_used(1), 0);
	assert_int_equal(src.calls, 0);
	/* The source fails after one chunk: what was filled counts. */
	src.fail_after = 1;
	assert_int_equal(request(BUF, 1000), VIRTIO_RNG_CHUNK);
	src.fail_after = src.calls;
	assert_int_equal(request(BUF, 1000), 0);
}

/* Bad rings: DEVICE_NEEDS_RESET, nothing filled afterwards; kicks before DRIVER_OK wait. */
static void test_hostile(void **state)
{
	(void)state;
	start();
	bring_up(false);
	set_desc(0, BUF, 32, VIRTQ_DESC_F_WRITE, 0);
	avail_add(0);
	kick();
	assert_int_equal(used_idx(), 0);
	assert_int_equal(src.calls, 0);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(take_used(0), 32);
	/* A loop. */
	set_desc(2, BUF, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 4);
	set_desc(4, BUF, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	avail_add(2);
	kick();
	assert_int_equal(used_idx(), 1);
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG);
	set_desc(2, BUF, 32, VIRTQ_DESC_F_WRITE, 0);
	kick();
	assert_int_equal(used_idx(), 1);
	/* After a reset: an indirect descriptor, which was never offered. */
	bring_up(true);
	set_desc(0, BUF, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail_add(0);
	kick();
	assert_int_equal(used_idx(), 0);
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* After a reset: a head past the queue, an index far ahead. */
	bring_up(true);
	avail_add(QSIZE);
	kick();
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	bring_up(true);
	gmem[AVAIL + 2] = 0x40;
	kick();
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* And a clean start works. */
	bring_up(true);
	assert_int_equal(request(BUF, 8), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
