/*
 * Unit tests for hv/virtio_blk.h over hv/virtio.h and hv/pci.h: a fake guest does what
 * Linux's virtio_pci and virtio_blk drivers do (PCI enumeration over 0xCF8/0xCFC, BAR sizing
 * and programming, capability walk, the virtio init sequence, requests through a split ring)
 * against a RAM disk, then what a hostile guest might do instead.
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
#include <hv/virtio_blk.h>

/* ---- Guest memory, the disk, the interrupt line ---- */

#define GMEM_SIZE 0x100000
#define DESC	  0x10000
#define AVAIL	  0x11000
#define USED	  0x12000
#define HDR	  0x20000
#define STATUS	  0x20100
#define DATA	  0x30000
#define DATA2	  0x60000
#define BAR_GPA	  0xE0000000u /* where the fake guest moves BAR 0 */
#define SLOT	  3
#define SECTORS	  128
#define DISK_SIZE (SECTORS * 512)

static uint8_t gmem[GMEM_SIZE];
static uint8_t disk[DISK_SIZE];
static unsigned n_reads, n_writes, n_flushes;
static bool fail_io;

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

/* The backend checks what the model promises: whole sectors, inside the disk, bounded. */
static void check_range(uint64_t off, size_t len)
{
	if (off % 512 || len % 512 || len == 0 || len > VIRTIO_BLK_BOUNCE || off > DISK_SIZE ||
	    len > DISK_SIZE - off)
		fail_msg("backend got off %llu len %zu", (unsigned long long)off, len);
}

static int d_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	(void)ctx;
	check_range(off, len);
	n_reads++;
	if (fail_io)
		return -EIO;
	memcpy(dst, disk + off, len);
	return 0;
}

static int d_write(void *ctx, uint64_t off, const void *src, size_t len)
{
	(void)ctx;
	check_range(off, len);
	n_writes++;
	if (fail_io)
		return -EIO;
	memcpy(disk + off, src, len);
	return 0;
}

static int d_flush(void *ctx)
{
	(void)ctx;
	n_flushes++;
	return fail_io ? -EIO : 0;
}

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

/* ---- The fixture: bus, device, and what the fake driver learnt ---- */

static struct {
	struct pci_bus bus;
	struct virtio_blk blk;
	struct irq_rec irq;
	uint32_t common, isr, device, device_len, notify, notify_mult; /* offsets in BAR 0 */
	uint8_t cfg_cap;
	uint16_t qsize, avail_idx, last_used, next_desc;
} F;

static struct virtio_blk_params params(bool ro, bool flush)
{
	struct virtio_blk_params p = {
		.capacity = SECTORS,
		.read_only = ro,
		.serial = "keel-disk-0001",
		.backend = {d_read, ro ? NULL : d_write, flush ? d_flush : NULL, NULL},
	};

	return p;
}

/* Power on: a bus with the disk at SLOT, INTx wired as the platform does. */
static void start(const struct virtio_blk_params *p)
{
	struct hvdev_irq irq = {irq_set, &F.irq, pci_intx_gsi(SLOT, 0)};

	memset(&F, 0, sizeof(F));
	memset(gmem, 0, sizeof(gmem));
	for (unsigned i = 0; i < DISK_SIZE; i++)
		disk[i] = (uint8_t)(i * 7 + i / 512);
	n_reads = n_writes = n_flushes = 0;
	fail_io = false;
	pci_init(&F.bus);
	assert_int_equal(virtio_blk_init(&F.blk, p, &gm), 0);
	assert_int_equal(pci_add(&F.bus, SLOT, virtio_blk_pci(&F.blk), &irq), 0);
}

static uint32_t conf_read(unsigned slot, unsigned reg, unsigned size)
{
	pci_io_write(&F.bus, 0, 4, 0x80000000u | slot << 11 | (reg & 0xFC));
	return pci_io_read(&F.bus, 4 + (reg & 3), size);
}

static void conf_write(unsigned slot, unsigned reg, unsigned size, uint32_t val)
{
	pci_io_write(&F.bus, 0, 4, 0x80000000u | slot << 11 | (reg & 0xFC));
	pci_io_write(&F.bus, 4 + (reg & 3), size, val);
}

/* A guest MMIO access as the platform dispatches it; unclaimed addresses read all ones. */
static uint64_t mmio_read(uint64_t gpa, unsigned size)
{
	struct pci_dev *d;
	uint64_t off;
	int bar;

	if (pci_mmio_find(&F.bus, gpa, &d, &bar, &off))
		return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	return pci_bar_read(d, bar, off, size);
}

static void mmio_write(uint64_t gpa, unsigned size, uint64_t val)
{
	struct pci_dev *d;
	uint64_t off;
	int bar;

	if (!pci_mmio_find(&F.bus, gpa, &d, &bar, &off))
		pci_bar_write(d, bar, off, size, val);
}

static uint64_t rd(uint32_t off, unsigned size)
{
	return mmio_read(BAR_GPA + off, size);
}

static void wr(uint32_t off, unsigned size, uint64_t val)
{
	mmio_write(BAR_GPA + off, size, val);
}

static uint64_t crd(uint32_t reg, unsigned size)
{
	return rd(F.common + reg, size);
}

static void cwr(uint32_t reg, unsigned size, uint64_t val)
{
	wr(F.common + reg, size, val);
}

static uint8_t status(void)
{
	return (uint8_t)crd(VIRTIO_PCI_COMMON_STATUS, 1);
}

static void add_status(uint8_t bits)
{
	cwr(VIRTIO_PCI_COMMON_STATUS, 1, status() | bits);
}

/* Linux's PCI scan and virtio_pci_modern_probe: find the function, size and program BAR 0,
 * enable it, find the virtio structures through the capability list. */
static void probe(void)
{
	unsigned slot, pos, ttl = 48, found = 0;
	uint32_t orig, mask;
	uint16_t cmd;

	for (slot = 0; slot < PCI_SLOTS; slot++)
		if (conf_read(slot, PCI_VENDOR_ID, 4) == (0x1042u << 16 | 0x1af4))
			break;
	assert_int_equal(slot, SLOT);
	cmd = (uint16_t)conf_read(SLOT, PCI_COMMAND, 2);
	conf_write(SLOT, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned b = 0; b < PCI_BARS; b++) {
		orig = conf_read(SLOT, PCI_BAR0 + 4 * b, 4);
		conf_write(SLOT, PCI_BAR0 + 4 * b, 4, 0xFFFFFFFF);
		mask = conf_read(SLOT, PCI_BAR0 + 4 * b, 4);
		conf_write(SLOT, PCI_BAR0 + 4 * b, 4, orig);
		assert_int_equal(mask,
				 b == 0 ? 0xFFFFC000 : 0); /* 16 KiB, 32-bit, not prefetchable */
	}
	conf_write(SLOT, PCI_BAR0, 4, BAR_GPA);
	conf_write(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	/* virtio_pci_find_capability() for each cfg_type. */
	assert_true(conf_read(SLOT, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	pos = conf_read(SLOT, PCI_CAP_PTR, 1);
	while (ttl-- && pos >= 0x40) {
		pos &= ~3u;
		if (conf_read(SLOT, pos, 1) == PCI_CAP_ID_VENDOR) {
			uint8_t type = (uint8_t)conf_read(SLOT, pos + 3, 1);
			uint32_t off = conf_read(SLOT, pos + 8, 4),
				 len = conf_read(SLOT, pos + 12, 4);

			assert_int_equal(conf_read(SLOT, pos + 4, 1), 0); /* bar */
			found |= 1u << type;
			switch (type) {
			case VIRTIO_PCI_CAP_COMMON_CFG:
				assert_true(len >= 56);
				F.common = off;
				break;
			case VIRTIO_PCI_CAP_NOTIFY_CFG:
				F.notify = off;
				F.notify_mult = conf_read(SLOT, pos + 16, 4);
				assert_int_equal(conf_read(SLOT, pos + 2, 1), 20);
				break;
			case VIRTIO_PCI_CAP_ISR_CFG:
				assert_true(len >= 1);
				F.isr = off;
				break;
			case VIRTIO_PCI_CAP_DEVICE_CFG:
				F.device = off;
				F.device_len = len;
				break;
			case VIRTIO_PCI_CAP_PCI_CFG:
				assert_int_equal(conf_read(SLOT, pos + 2, 1), 20);
				F.cfg_cap = (uint8_t)pos;
				break;
			}
		}
		pos = conf_read(SLOT, pos + 1, 1);
	}
	assert_int_equal(found, 0x3E); /* types 1 to 5 */
}

/* The virtio init sequence up to FEATURES_OK; returns the status read back. */
static uint8_t negotiate(uint64_t want)
{
	uint64_t offered;

	cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(status(), 0);
	add_status(VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(VIRTIO_STATUS_DRIVER);
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	offered = crd(VIRTIO_PCI_COMMON_DF, 4);
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	offered |= crd(VIRTIO_PCI_COMMON_DF, 4) << 32;
	cwr(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	cwr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)want);
	cwr(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	cwr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(want >> 32));
	(void)offered;
	add_status(VIRTIO_STATUS_FEATURES_OK);
	return status();
}

/* Queue 0 with `size` entries, as setup_vq() does; then enable. */
static void setup_queue(uint16_t size)
{
	cwr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_BLK_QUEUE_MAX);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	cwr(VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	cwr(VIRTIO_PCI_COMMON_Q_DESCLO, 4, DESC);
	cwr(VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0);
	cwr(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, AVAIL);
	cwr(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, 0);
	cwr(VIRTIO_PCI_COMMON_Q_USEDLO, 4, USED);
	cwr(VIRTIO_PCI_COMMON_Q_USEDHI, 4, 0);
	cwr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	F.qsize = size;
	F.avail_idx = F.last_used = F.next_desc = 0;
	memset(gmem + DESC, 0, 0x3000);
}

static const uint64_t WANT = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_SEG_MAX |
			     1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH |
			     1ull << VIRTIO_BLK_F_RO;

/* Everything Linux does before its first request. */
static void bring_up(uint16_t qsize)
{
	uint64_t offered;

	probe();
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	offered = crd(VIRTIO_PCI_COMMON_DF, 4);
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	offered |= crd(VIRTIO_PCI_COMMON_DF, 4) << 32;
	assert_true(negotiate(WANT & offered) & VIRTIO_STATUS_FEATURES_OK);
	setup_queue(qsize);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(status(), 0x0F);
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

/* Put a chain in the ring (descriptors taken round-robin) and make it available. */
static uint16_t post(const struct seg *s, unsigned n)
{
	uint16_t head = F.next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % F.qsize), next = (uint16_t)((d + 1) % F.qsize);
		uint8_t *p = gmem + DESC + 16 * d;
		uint16_t flags = (uint16_t)((s[i].w ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));

		for (int k = 0; k < 8; k++)
			p[k] = (uint8_t)(s[i].gpa >> (8 * k));
		for (int k = 0; k < 4; k++)
			p[8 + k] = (uint8_t)(s[i].len >> (8 * k));
		p[12] = (uint8_t)flags;
		p[13] = 0;
		p[14] = (uint8_t)next;
		p[15] = (uint8_t)(next >> 8);
	}
	F.next_desc = (uint16_t)((head + n) % F.qsize);
	gmem[AVAIL + 4 + 2 * (F.avail_idx % F.qsize)] = (uint8_t)head;
	gmem[AVAIL + 5 + 2 * (F.avail_idx % F.qsize)] = (uint8_t)(head >> 8);
	F.avail_idx++;
	gmem[AVAIL + 2] = (uint8_t)F.avail_idx;
	gmem[AVAIL + 3] = (uint8_t)(F.avail_idx >> 8);
	return head;
}

static void kick(void)
{
	wr(F.notify + 0 * F.notify_mult, 2, 0);
}

static uint16_t used_idx(void)
{
	return (uint16_t)(gmem[USED + 2] | gmem[USED + 3] << 8);
}

/* The next used element, which must be there and be `head`; returns its length. */
static uint32_t take_used(uint16_t head)
{
	uint8_t *e = gmem + USED + 4 + 8 * (F.last_used % F.qsize);
	uint32_t id = (uint32_t)(e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24);

	assert_int_not_equal(used_idx(), F.last_used);
	assert_int_equal(id, head);
	F.last_used++;
	return (uint32_t)(e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24);
}

static void put_hdr(uint64_t gpa, uint32_t type, uint64_t sector)
{
	memset(gmem + gpa, 0, 16);
	for (int k = 0; k < 4; k++)
		gmem[gpa + k] = (uint8_t)(type >> (8 * k));
	for (int k = 0; k < 8; k++)
		gmem[gpa + 8 + k] = (uint8_t)(sector >> (8 * k));
}

/* A request as virtblk_add_req() makes it: header, data (when len), status; kicked and
 * completed.  Returns the status byte; *used gets the used length. */
static uint8_t blk_req(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool in,
		       uint32_t *used)
{
	struct seg s[3] = {{HDR, 16, false}};
	unsigned n = 1;
	uint16_t head;

	put_hdr(HDR, type, sector);
	if (len)
		s[n++] = (struct seg){data, len, in};
	s[n++] = (struct seg){STATUS, 1, true};
	gmem[STATUS] = 0xEE;
	head = post(s, n);
	kick();
	*used = take_used(head);
	assert_int_equal(used_idx(), F.last_used); /* that one, and nothing else */
	return gmem[STATUS];
}

/* ---- Cases ---- */

/* What Linux's PCI core and virtio_pci see. */
static void test_probe(void **state)
{
	struct virtio_blk_params p = params(false, true);

	(void)state;
	start(&p);
	probe();
	assert_int_equal(conf_read(SLOT, PCI_REVISION_ID, 4), 0x01000001); /* class, rev 1 */
	assert_int_equal(conf_read(SLOT, PCI_SUBSYS_VENDOR, 4), 0x00021af4);
	assert_int_equal(conf_read(SLOT, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(conf_read(SLOT, PCI_INTERRUPT_LINE, 1), 19);
	assert_int_equal(F.common, VIRTIO_PCI_COMMON_OFF);
	assert_int_equal(F.isr, VIRTIO_PCI_ISR_OFF);
	assert_int_equal(F.device, VIRTIO_PCI_DEVICE_OFF);
	assert_int_equal(F.device_len, VIRTIO_BLK_CONFIG_SIZE);
	assert_int_equal(F.notify, VIRTIO_PCI_NOTIFY_OFF);
	assert_int_equal(F.notify_mult, 4);
	/* The BAR the driver chose is where the device answers now, and not elsewhere. */
	assert_int_equal(pci_bar_addr(virtio_blk_pci(&F.blk), 0), BAR_GPA);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	assert_int_equal(mmio_read(0xC0000000 + VIRTIO_PCI_COMMON_NUMQ, 2), 0xFFFF);
	/* Memory decoding off: the BAR is gone. */
	conf_write(SLOT, PCI_COMMAND, 2, PCI_CMD_MASTER);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_NUMQ, 2), 0xFFFF);
}

/* Feature negotiation and the configuration Linux's virtblk_probe reads. */
static void test_init_and_config(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint32_t lo, hi;
	uint8_t gen;

	(void)state;
	start(&p);
	probe();
	assert_int_equal(status(), 0);
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_DF, 4), 1u << VIRTIO_BLK_F_SEG_MAX |
							       1u << VIRTIO_BLK_F_BLK_SIZE |
							       1u << VIRTIO_BLK_F_FLUSH);
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_DF, 4), 1); /* VERSION_1 */
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 2);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_DF, 4), 0);
	assert_true(negotiate(WANT & ~(1ull << VIRTIO_BLK_F_RO)) & VIRTIO_STATUS_FEATURES_OK);
	cwr(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_GF, 4), (uint32_t)WANT & ~(1u << VIRTIO_BLK_F_RO));
	/* virtio_cread64 of capacity: generation, two dwords, generation. */
	gen = (uint8_t)crd(VIRTIO_PCI_COMMON_CFGGEN, 1);
	lo = (uint32_t)rd(F.device + VIRTIO_BLK_CFG_CAPACITY, 4);
	hi = (uint32_t)rd(F.device + VIRTIO_BLK_CFG_CAPACITY + 4, 4);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_CFGGEN, 1), gen);
	assert_int_equal((uint64_t)hi << 32 | lo, SECTORS);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CFG_CAPACITY, 8), SECTORS);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CFG_SEG_MAX, 4), VIRTIO_BLK_SEG_MAX);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CFG_BLK_SIZE, 4), 512);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CFG_BLK_SIZE + 1, 1), 2);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CFG_BLK_SIZE, 2), 512);
	assert_int_equal(rd(F.device + 32, 1), 0); /* writeback */
	/* The configuration is read-only. */
	wr(F.device + VIRTIO_BLK_CFG_CAPACITY, 4, 0xFFFF);
	wr(F.device + 32, 1, 1);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CFG_CAPACITY, 8), SECTORS);
	assert_int_equal(rd(F.device + 32, 1), 0);
	/* No MSI-X. */
	assert_int_equal(crd(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	cwr(VIRTIO_PCI_COMMON_MSIX, 2, 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	cwr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	/* A reduced queue, as vring_create_virtqueue(may_reduce_num) may pick. */
	setup_queue(16);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_NOFF, 2), 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), DESC);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_DESCLO, 8), DESC);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_AVAILLO, 4), AVAIL);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_USEDLO, 4), USED);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(status(), 0x0F);
	/* 40 requests through a ring of 16: slots are reused modulo the size. */
	for (unsigned i = 0; i < 40; i++) {
		uint32_t used;

		assert_int_equal(blk_req(VIRTIO_BLK_T_IN, i, DATA, 512, true, &used),
				 VIRTIO_BLK_S_OK);
		assert_int_equal(used, 513);
		assert_memory_equal(gmem + DATA, disk + 512 * i, 512);
	}
}

/* Read, write, flush; the ISR and the INTx level. */
static void test_read_write_flush(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	assert_false(F.irq.level);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 5, DATA, 1024, true, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1025);
	assert_memory_equal(gmem + DATA, disk + 5 * 512, 1024);
	assert_int_equal(n_reads, 1);
	/* vp_interrupt(): the ISR says "queue", reading it clears it and drops the line. */
	assert_true(F.irq.level);
	assert_int_equal(F.irq.line, 19);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE);
	assert_false(F.irq.level);
	assert_int_equal(rd(F.isr, 1), 0);
	/* Write three sectors, and only those change. */
	for (int i = 0; i < 1536; i++)
		gmem[DATA + i] = (uint8_t)(0x5A ^ i);
	assert_int_equal(blk_req(VIRTIO_BLK_T_OUT, 10, DATA, 1536, false, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1);
	assert_memory_equal(disk + 10 * 512, gmem + DATA, 1536);
	assert_int_equal(disk[10 * 512 - 1], (uint8_t)((10 * 512 - 1) * 7 + 9));
	assert_int_equal(disk[13 * 512], (uint8_t)(13 * 512 * 7 + 13));
	assert_true(F.irq.level);
	/* Two completions before the guest looks: one ISR read handles both. */
	assert_int_equal(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(n_flushes, 1);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE);
	assert_false(F.irq.level);
	/* Read back what was written into other memory. */
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 10, DATA2, 1536, true, &used), VIRTIO_BLK_S_OK);
	assert_memory_equal(gmem + DATA2, gmem + DATA, 1536);
	/* A backend error is an I/O error to the guest. */
	fail_io = true;
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_IOERR);
	assert_int_equal(used, 1);
	assert_int_equal(blk_req(VIRTIO_BLK_T_OUT, 0, DATA, 512, false, &used), VIRTIO_BLK_S_IOERR);
	assert_int_equal(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, &used), VIRTIO_BLK_S_IOERR);
	fail_io = false;
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
}

/* Many segments of odd sizes across the bounce buffer, and framing Linux does not use. */
static void test_segments(void **state)
{
	struct virtio_blk_params p = params(false, true);
	static uint8_t pattern[12800];
	uint16_t head;
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + 1);
	/* 5000 + 1 + 7799 bytes = 25 sectors, written from three scattered pieces. */
	memcpy(gmem + DATA, pattern, 5000);
	memcpy(gmem + DATA + 0x8000, pattern + 5000, 1);
	memcpy(gmem + DATA + 0x9003, pattern + 5001, 7799);
	put_hdr(HDR, VIRTIO_BLK_T_OUT, 40);
	{
		struct seg s[] = {{HDR, 16, false},
				  {DATA, 5000, false},
				  {DATA + 0x8000, 1, false},
				  {DATA + 0x9003, 7799, false},
				  {STATUS, 1, true}};

		head = post(s, 5);
	}
	kick();
	assert_int_equal(take_used(head), 1);
	assert_int_equal(gmem[STATUS], VIRTIO_BLK_S_OK);
	assert_memory_equal(disk + 40 * 512, pattern, sizeof(pattern));
	assert_int_equal(n_writes, 4); /* 12800 bytes in 4 KiB pieces */
	/* Read it back: the header split in two, the status sharing the last data buffer. */
	memset(gmem + DATA2, 0, 0x8000);
	put_hdr(HDR, VIRTIO_BLK_T_IN, 40);
	{
		struct seg s[] = {{HDR, 7, false},
				  {HDR + 7, 9, false},
				  {DATA2, 100, true},
				  {DATA2 + 100, 12701, true}};

		head = post(s, 4);
	}
	kick();
	assert_int_equal(take_used(head), 12801);
	assert_memory_equal(gmem + DATA2, pattern, sizeof(pattern));
	assert_int_equal(gmem[DATA2 + 12800], VIRTIO_BLK_S_OK);
	/* Several requests made available before one kick are all served, in order. */
	{
		uint16_t h[3];

		for (int i = 0; i < 3; i++) {
			struct seg s[] = {{HDR + 32 * i, 16, false},
					  {DATA + 512 * i, 512, true},
					  {STATUS + i, 1, true}};

			put_hdr(HDR + 32 * i, VIRTIO_BLK_T_IN, 60 + i);
			h[i] = post(s, 3);
		}
		kick();
		for (int i = 0; i < 3; i++) {
			assert_int_equal(take_used(h[i]), 513);
			assert_int_equal(gmem[STATUS + i], VIRTIO_BLK_S_OK);
			assert_memory_equal(gmem + DATA + 512 * i, disk + 512 * (60 + i), 512);
		}
	}
	(void)used;
}

/* GET_ID: the serial, NUL padded, cut to the buffer. */
static void test_get_id(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	memset(gmem + DATA, 0xCC, 64);
	assert_int_equal(blk_req(VIRTIO_BLK_T_GET_ID, 0, DATA, VIRTIO_BLK_ID_BYTES, true, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 21);
	assert_memory_equal(gmem + DATA, "keel-disk-0001\0\0\0\0\0\0", 20);
	memset(gmem + DATA, 0xCC, 64);
	assert_int_equal(blk_req(VIRTIO_BLK_T_GET_ID, 0, DATA, 4, true, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(used, 5);
	assert_memory_equal(gmem + DATA, "keel\xCC", 5);
	/* A bigger buffer gets 20 bytes and no more. */
	memset(gmem + DATA, 0xCC, 64);
	assert_int_equal(blk_req(VIRTIO_BLK_T_GET_ID, 0, DATA, 40, true, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(used, 21);
	assert_int_equal(gmem[DATA + 20], 0xCC);
	/* A 20-character serial is not terminated. */
	p.serial = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	assert_int_equal(blk_req(VIRTIO_BLK_T_GET_ID, 0, DATA, 20, true, &used), VIRTIO_BLK_S_OK);
	assert_memory_equal(gmem + DATA, "ABCDEFGHIJKLMNOPQRST", 20);
}

/* Requests past the end: I/O error, the disk untouched. */
static void test_past_end(void **state)
{
	struct virtio_blk_params p = params(false, true);
	static uint8_t before[DISK_SIZE];
	const struct {
		uint64_t sector;
		uint32_t len;
	} bad[] = {
		{SECTORS, 512},
		{SECTORS - 1, 1024},
		{SECTORS + 1, 0},
		{1ull << 55, 512},
		{1ull << 63, 512},
		{UINT64_MAX, 512},
		{UINT64_MAX / 512, 512},
		{0, SECTORS * 512 + 512},
		{0, 0xFFFFFE00},
		{0, 511},
		{3, 513},
	};
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	memcpy(before, disk, DISK_SIZE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The descriptors claim the full length, even past the end of guest memory. */
		if (blk_req(VIRTIO_BLK_T_IN, bad[i].sector, DATA, bad[i].len, true, &used) !=
			    VIRTIO_BLK_S_IOERR ||
		    used != 1)
			fail_msg("IN %zu: not refused", i);
		if (blk_req(VIRTIO_BLK_T_OUT, bad[i].sector, DATA, bad[i].len, false, &used) !=
		    VIRTIO_BLK_S_IOERR)
			fail_msg("OUT %zu: not refused", i);
	}
	assert_int_equal(n_reads, 0);
	assert_int_equal(n_writes, 0);
	assert_memory_equal(disk, before, DISK_SIZE);
	/* The last sector itself is fine, and so is an empty read at the end. */
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, SECTORS - 1, DATA, 512, true, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(blk_req(VIRTIO_BLK_T_OUT, SECTORS - 1, DATA, 512, false, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, SECTORS, DATA, 0, true, &used), VIRTIO_BLK_S_OK);
}

/* A read-only disk: RO offered, writes refused, reads served; no flush without a callback. */
static void test_read_only(void **state)
{
	struct virtio_blk_params p = params(true, false);
	static uint8_t before[DISK_SIZE];
	uint32_t used;

	(void)state;
	start(&p);
	probe();
	cwr(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_DF, 4), 1u << VIRTIO_BLK_F_SEG_MAX |
							       1u << VIRTIO_BLK_F_BLK_SIZE |
							       1u << VIRTIO_BLK_F_RO);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	memcpy(before, disk, DISK_SIZE);
	memset(gmem + DATA, 0x77, 4096);
	assert_int_equal(blk_req(VIRTIO_BLK_T_OUT, 0, DATA, 4096, false, &used),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(n_writes, 0);
	assert_memory_equal(disk, before, DISK_SIZE);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 1, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_memory_equal(gmem + DATA, disk + 512, 512);
	assert_int_equal(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, &used), VIRTIO_BLK_S_UNSUPP);
	/* Without a write callback a writable disk is refused at init. */
	p.read_only = false;
	assert_int_equal(virtio_blk_init(&F.blk, &p, &gm), -EINVAL);
	p = params(false, true);
	p.capacity = (1ull << 55) + 1;
	assert_int_equal(virtio_blk_init(&F.blk, &p, &gm), -EINVAL);
}

/* Malformed requests get a status where there is room for one; the queue goes on. */
static void test_bad_requests(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint16_t head;
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	/* A short header. */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	{
		struct seg s[] = {{HDR, 8, false}, {DATA, 512, true}, {STATUS, 1, true}};

		gmem[STATUS] = 0xEE;
		head = post(s, 3);
	}
	kick();
	assert_int_equal(take_used(head), 1);
	assert_int_equal(gmem[STATUS], VIRTIO_BLK_S_IOERR);
	/* No header at all: only writable buffers. */
	{
		struct seg s[] = {{STATUS, 1, true}};

		gmem[STATUS] = 0xEE;
		head = post(s, 1);
	}
	kick();
	assert_int_equal(take_used(head), 1);
	assert_int_equal(gmem[STATUS], VIRTIO_BLK_S_IOERR);
	/* No writable byte: nothing to report into, returned with length 0, nothing done. */
	put_hdr(HDR, VIRTIO_BLK_T_OUT, 0);
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, false}};

		head = post(s, 2);
	}
	kick();
	assert_int_equal(take_used(head), 0);
	assert_int_equal(n_writes, 0);
	/* Unknown and unsupported types. */
	assert_int_equal(blk_req(11, 0, DATA, 16, false, &used), VIRTIO_BLK_S_UNSUPP); /* DISCARD */
	assert_int_equal(blk_req(13, 0, DATA, 16, false, &used), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(blk_req(0xFFFFFFFF, 0, DATA, 512, true, &used), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(used, 1);
	/* Data outside guest memory: an I/O error, and the next request works. */
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, GMEM_SIZE - 512, 1024, true, &used),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(used, 1);
	assert_int_equal(blk_req(VIRTIO_BLK_T_OUT, 0, 0x7FFFFFFF000ull, 512, false, &used),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(n_writes, 0);
	/* Status outside memory: nothing to write it to; returned all the same. */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, true}, {GMEM_SIZE, 1, true}};

		head = post(s, 3);
	}
	kick();
	assert_int_equal(take_used(head), 512);
	/* A huge writable segment (4 GiB - 1): past the end, refused before any work. */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 0xFFFFFFFF, true}};

		head = post(s, 2);
	}
	kick();
	assert_int_equal(take_used(head), 0); /* status past guest memory */
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 2, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0);
}

/* A descriptor loop: DEVICE_NEEDS_RESET with a config interrupt; kicks ignored until reset. */
static void test_broken_ring(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint32_t used;
	unsigned reads;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	/* DEVICE_NEEDS_RESET is the device's to set, not the driver's. */
	cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0x0F | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(status(), 0x0F);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE);
	/* Descriptors 10 -> 11 -> 10 ... */
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, true}};

		F.next_desc = 10;
		post(s, 2);
		gmem[DESC + 16 * 11 + 12] |= VIRTQ_DESC_F_NEXT;
		gmem[DESC + 16 * 11 + 14] = 10;
	}
	kick();
	assert_int_equal(used_idx(), 1);
	assert_int_equal(status(), 0x0F | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_true(F.irq.level);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_CONFIG);
	assert_false(F.irq.level);
	/* The driver cannot clear the bit by writing status; kicks do nothing now. */
	cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0x0F);
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	reads = n_reads;
	F.next_desc = 20;
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, true}, {STATUS, 1, true}};

		put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
		post(s, 3);
	}
	kick();
	assert_int_equal(used_idx(), 1);
	assert_int_equal(n_reads, reads);
	assert_false(F.irq.level);
	/* Reset and start over: it works again. */
	cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(status(), 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_BLK_QUEUE_MAX);
	assert_true(negotiate(WANT & ~(1ull << VIRTIO_BLK_F_RO)) & VIRTIO_STATUS_FEATURES_OK);
	setup_queue(VIRTIO_BLK_QUEUE_MAX);
	memset(gmem + USED, 0, 0x1000);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 7, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_memory_equal(gmem + DATA, disk + 7 * 512, 512);
}

/* Features the device did not offer, or without VERSION_1: FEATURES_OK does not stick. */
static void test_features_refused(void **state)
{
	struct virtio_blk_params p = params(false, true);
	const uint64_t base = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_SEG_MAX;
	uint32_t used;

	(void)state;
	start(&p);
	probe();
	assert_false(negotiate(base | 1ull << VIRTIO_F_INDIRECT_DESC) & VIRTIO_STATUS_FEATURES_OK);
	assert_false(negotiate(base | 1ull << VIRTIO_F_EVENT_IDX) & VIRTIO_STATUS_FEATURES_OK);
	assert_false(negotiate(base | 1ull << VIRTIO_BLK_F_RO) & VIRTIO_STATUS_FEATURES_OK);
	assert_false(negotiate(base | 1ull << 33) & VIRTIO_STATUS_FEATURES_OK);
	assert_false(negotiate(1ull << VIRTIO_BLK_F_SEG_MAX) & VIRTIO_STATUS_FEATURES_OK);
	/* Features beyond select 1 go nowhere. */
	cwr(VIRTIO_PCI_COMMON_GFSELECT, 4, 2);
	cwr(VIRTIO_PCI_COMMON_GF, 4, 0xFFFFFFFF);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_GF, 4), 0);
	/* DRIVER_OK without FEATURES_OK serves nothing. */
	setup_queue(VIRTIO_BLK_QUEUE_MAX);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, true}, {STATUS, 1, true}};

		post(s, 3);
	}
	kick();
	assert_int_equal(used_idx(), 0);
	assert_int_equal(n_reads, 0);
	/* A good offer sticks; the features cannot change after FEATURES_OK. */
	assert_true(negotiate(base) & VIRTIO_STATUS_FEATURES_OK);
	cwr(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	cwr(VIRTIO_PCI_COMMON_GF, 4, 1u << VIRTIO_F_INDIRECT_DESC);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_GF, 4), 1u << VIRTIO_BLK_F_SEG_MAX);
	setup_queue(VIRTIO_BLK_QUEUE_MAX);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
}

/* Kicks before DRIVER_OK or without bus mastering do nothing; DRIVER_OK catches up. */
static void test_notify_before_driver_ok(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint16_t head;

	(void)state;
	start(&p);
	probe();
	/* Before anything: a kick on an unconfigured device. */
	kick();
	assert_true(negotiate(WANT & ~(1ull << VIRTIO_BLK_F_RO)) & VIRTIO_STATUS_FEATURES_OK);
	setup_queue(VIRTIO_BLK_QUEUE_MAX);
	put_hdr(HDR, VIRTIO_BLK_T_IN, 4);
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, true}, {STATUS, 1, true}};

		head = post(s, 3);
	}
	kick();
	assert_int_equal(used_idx(), 0);
	assert_int_equal(n_reads, 0);
	assert_false(F.irq.level);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(take_used(head), 513);
	assert_int_equal(gmem[STATUS], VIRTIO_BLK_S_OK);
	assert_memory_equal(gmem + DATA, disk + 4 * 512, 512);
	assert_true(F.irq.level);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE);
	/* Bus mastering off: the device may not touch memory. */
	conf_write(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM);
	put_hdr(HDR, VIRTIO_BLK_T_IN, 5);
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, true}, {STATUS, 1, true}};

		head = post(s, 3);
	}
	kick();
	assert_int_equal(used_idx(), 1);
	conf_write(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	kick();
	assert_int_equal(take_used(head), 513);
	/* A kick for a queue that does not exist, or at the wrong place, does nothing. */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 6);
	{
		struct seg s[] = {{HDR, 16, false}, {DATA, 512, true}, {STATUS, 1, true}};

		head = post(s, 3);
	}
	wr(F.notify + 4, 2, 1);
	wr(F.notify + 0x100, 4, 0);
	wr(F.notify - 4, 4, 0);
	assert_int_equal(used_idx(), 2);
	wr(F.notify + 2, 1, 0xFF); /* any access inside queue 0's window is a kick */
	assert_int_equal(take_used(head), 513);
}

/* Everything in the BAR that is not a register: all ones, writes ignored. */
static void test_bar_holes(void **state)
{
	struct virtio_blk_params p = params(false, true);
	struct virtio_pci *vp = &F.blk.vp;
	uint8_t before[0x38], after[0x38];
	uint64_t v;

	(void)state;
	start(&p);
	bring_up(16);
	for (unsigned off = 0; off < 0x38; off++)
		before[off] = (uint8_t)crd(off, 1);
	for (unsigned off = 0x38; off < 0x1000; off += 4)
		assert_int_equal(rd(off, 4), 0xFFFFFFFF);
	assert_int_equal(rd(0x36, 4), 0xFFFF0000); /* half a field (0), half a hole */
	assert_int_equal(rd(F.isr + 1, 1), 0);
	for (unsigned off = F.isr + 4; off < F.device; off += 4)
		assert_int_equal(rd(off, 4), 0xFFFFFFFF);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CONFIG_SIZE, 1), 0xFF);
	assert_int_equal(rd(F.device + VIRTIO_BLK_CONFIG_SIZE - 2, 4), 0xFFFFFFFF);
	assert_int_equal(rd(F.device + 0xFFC, 4), 0xFFFFFFFF);
	assert_int_equal(rd(F.notify, 4), 0xFFFFFFFF);
	assert_int_equal(rd(VIRTIO_PCI_BAR_SIZE - 4, 8), ~0ull);
	assert_int_equal(rd(VIRTIO_PCI_BAR_SIZE, 4), 0xFFFFFFFF); /* past the BAR: not ours */
	/* Odd sizes straight at the model. */
	assert_int_equal(virtio_pci_bar_read(vp, VIRTIO_PCI_COMMON_NUMQ, 3), 0xFFFFFF);
	assert_int_equal(virtio_pci_bar_read(vp, VIRTIO_PCI_COMMON_NUMQ, 0), 0);
	assert_int_equal(virtio_pci_bar_read(vp, VIRTIO_PCI_COMMON_NUMQ, 16), ~0ull);
	assert_int_equal(virtio_pci_bar_read(vp, UINT64_MAX - 1, 4), 0xFFFFFFFF);
	assert_int_equal(virtio_pci_bar_read(vp, VIRTIO_PCI_BAR_SIZE - 2, 4), 0xFFFFFFFF);
	virtio_pci_bar_write(vp, UINT64_MAX - 1, 4, 0);
	virtio_pci_bar_write(vp, VIRTIO_PCI_COMMON_STATUS, 3, 0);
	virtio_pci_bar_write(vp, VIRTIO_PCI_COMMON_STATUS, 0, 0);
	/* Writes to holes, read-only fields, across fields, of odd sizes. */
	for (unsigned off = 0x38; off < 0x1000; off++)
		wr(off, 1, 0);
	for (unsigned off = F.isr; off < F.device; off += 4)
		wr(off, 4, 0);
	for (unsigned off = F.device + 64; off < F.notify; off += 8)
		wr(off, 8, 0);
	cwr(VIRTIO_PCI_COMMON_DF, 4, 0);
	cwr(VIRTIO_PCI_COMMON_NUMQ, 2, 7);
	cwr(VIRTIO_PCI_COMMON_CFGGEN, 1, 9);
	cwr(VIRTIO_PCI_COMMON_Q_NOFF, 2, 3);
	cwr(VIRTIO_PCI_COMMON_NUMQ, 4, 0); /* num_queues + status + generation */
	cwr(VIRTIO_PCI_COMMON_Q_SELECT, 8, 0x0101010101010101ull); /* select + size + vector */
	cwr(VIRTIO_PCI_COMMON_Q_DESCLO + 2, 8, 0);		   /* across desc and avail */
	cwr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);			   /* enabled: locked */
	cwr(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x4000);
	cwr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 0);
	for (unsigned off = 0; off < 0x38; off++)
		after[off] = (uint8_t)crd(off, 1);
	after[VIRTIO_PCI_COMMON_DFSELECT] = before[VIRTIO_PCI_COMMON_DFSELECT];
	assert_memory_equal(before, after, sizeof(before));
	/* A queue_select past num_queues: reads 0, takes nothing. */
	cwr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 5);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	cwr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 4);
	cwr(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x1000);
	cwr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	cwr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0xFFFF);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	assert_int_equal(status(), 0x0F);
	/* The device still works after all that. */
	v = 0;
	{
		uint32_t used;

		cwr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
		v = blk_req(VIRTIO_BLK_T_IN, 1, DATA, 512, true, &used);
	}
	assert_int_equal(v, VIRTIO_BLK_S_OK);
}

/* Queue setup the driver gets wrong. */
static void test_bad_queue_setup(void **state)
{
	struct virtio_blk_params p = params(false, true);

	(void)state;
	start(&p);
	probe();
	assert_true(negotiate(WANT & ~(1ull << VIRTIO_BLK_F_RO)) & VIRTIO_STATUS_FEATURES_OK);
	cwr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	/* Sizes that are not powers of two, or too big, are not taken. */
	cwr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 0);
	cwr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 100);
	cwr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 512);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_BLK_QUEUE_MAX);
	/* A misaligned descriptor table: the queue stays off, the device needs a reset. */
	cwr(VIRTIO_PCI_COMMON_Q_DESCLO, 4, DESC + 8);
	cwr(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, AVAIL);
	cwr(VIRTIO_PCI_COMMON_Q_USEDLO, 4, USED);
	cwr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_false(F.irq.level); /* no DRIVER_OK yet: no config interrupt */
	/* A ring wrapping past 2^64 likewise, after a reset. */
	cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_true(negotiate(WANT & ~(1ull << VIRTIO_BLK_F_RO)) & VIRTIO_STATUS_FEATURES_OK);
	cwr(VIRTIO_PCI_COMMON_Q_DESCLO, 8, 0xFFFFFFFFFFFFF800ull);
	cwr(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, AVAIL);
	cwr(VIRTIO_PCI_COMMON_Q_USEDLO, 4, USED);
	cwr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* Rings outside guest memory are accepted, and break on first use. */
	cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_true(negotiate(WANT & ~(1ull << VIRTIO_BLK_F_RO)) & VIRTIO_STATUS_FEATURES_OK);
	cwr(VIRTIO_PCI_COMMON_Q_DESCLO, 8, 0x100000000ull);
	cwr(VIRTIO_PCI_COMMON_Q_AVAILLO, 8, 0x100010000ull);
	cwr(VIRTIO_PCI_COMMON_Q_USEDLO, 8, 0x100020000ull);
	cwr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_Q_DESCHI, 4), 1);
	add_status(VIRTIO_STATUS_DRIVER_OK);
	assert_true(status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_CONFIG);
}

/* Interrupt suppression by the driver, and INTx disable in the command register. */
static void test_interrupts(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	/* virtqueue_disable_cb(): VRING_AVAIL_F_NO_INTERRUPT. */
	gmem[AVAIL] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_false(F.irq.level);
	assert_int_equal(rd(F.isr, 1), 0);
	gmem[AVAIL] = 0;
	/* INTx disabled: the ISR is set, the line stays low, the PCI status shows it. */
	conf_write(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_false(F.irq.level);
	assert_true(conf_read(SLOT, PCI_STATUS, 2) & PCI_STATUS_INTX);
	conf_write(SLOT, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	assert_true(F.irq.level);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE);
	assert_false(F.irq.level);
	assert_false(conf_read(SLOT, PCI_STATUS, 2) & PCI_STATUS_INTX);
	/* A reset with an interrupt pending drops it. */
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_true(F.irq.level);
	cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_false(F.irq.level);
	assert_int_equal(rd(F.isr, 1), 0);
}

/* The PCI configuration access capability reaches BAR 0 through configuration space. */
static void test_pci_cfg_cap(void **state)
{
	struct virtio_blk_params p = params(false, true);
	unsigned c;
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	c = F.cfg_cap;
	/* num_queues through the window. */
	conf_write(SLOT, c + 4, 1, 0);
	conf_write(SLOT, c + 8, 4, VIRTIO_PCI_COMMON_NUMQ);
	conf_write(SLOT, c + 12, 4, 2);
	assert_int_equal(conf_read(SLOT, c + 16, 4), 1);
	/* The capacity, a dword of the device configuration. */
	conf_write(SLOT, c + 8, 4, VIRTIO_PCI_DEVICE_OFF);
	conf_write(SLOT, c + 12, 4, 4);
	assert_int_equal(conf_read(SLOT, c + 16, 4), SECTORS);
	/* The ISR, read and cleared through configuration space. */
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 0, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_true(F.irq.level);
	conf_write(SLOT, c + 8, 4, VIRTIO_PCI_ISR_OFF);
	conf_write(SLOT, c + 12, 4, 1);
	assert_int_equal(conf_read(SLOT, c + 16, 1), VIRTIO_ISR_QUEUE);
	assert_false(F.irq.level);
	/* A write: reset the device through the window. */
	conf_write(SLOT, c + 8, 4, VIRTIO_PCI_COMMON_STATUS);
	conf_write(SLOT, c + 12, 4, 1);
	conf_write(SLOT, c + 16, 1, 0);
	assert_int_equal(status(), 0);
	/* Bad windows do nothing: another BAR, length 3, 8 or 0, misaligned, past the BAR. */
	conf_write(SLOT, c + 8, 4, VIRTIO_PCI_COMMON_NUMQ);
	conf_write(SLOT, c + 12, 4, 2);
	conf_write(SLOT, c + 4, 1, 1);
	conf_write(SLOT, c + 16, 4, 0xAAAA);
	assert_int_equal(conf_read(SLOT, c + 16, 4), 0xAAAA);
	conf_write(SLOT, c + 4, 1, 0);
	const uint32_t lens[] = {3, 8, 0};

	for (unsigned i = 0; i < 3; i++) {
		conf_write(SLOT, c + 12, 4, lens[i]);
		conf_write(SLOT, c + 16, 4, 0xBBBB);
		assert_int_equal(conf_read(SLOT, c + 16, 4), 0xBBBB);
	}
	conf_write(SLOT, c + 8, 4, VIRTIO_PCI_COMMON_NUMQ + 1);
	conf_write(SLOT, c + 12, 4, 2);
	assert_int_equal(conf_read(SLOT, c + 16, 4), 0xBBBB);
	conf_write(SLOT, c + 8, 4, 0xFFFFFFFE);
	assert_int_equal(conf_read(SLOT, c + 16, 4), 0xBBBB);
	/* The other capability bytes stay read-only. */
	conf_write(SLOT, c, 4, 0);
	assert_int_equal(conf_read(SLOT, c, 1), PCI_CAP_ID_VENDOR);
	assert_int_equal(conf_read(SLOT, c + 3, 1), VIRTIO_PCI_CAP_PCI_CFG);
}

/* A capacity change: generation bump and a configuration interrupt once DRIVER_OK. */
static void test_config_change(void **state)
{
	struct virtio_blk_params p = params(false, true);
	uint8_t gen;
	uint32_t used;

	(void)state;
	start(&p);
	probe();
	gen = (uint8_t)crd(VIRTIO_PCI_COMMON_CFGGEN, 1);
	assert_int_equal(virtio_blk_set_capacity(&F.blk, 64), 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_CFGGEN, 1), (uint8_t)(gen + 1));
	assert_false(F.irq.level);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	assert_int_equal(rd(F.device, 8), 64);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 64, DATA, 512, true, &used), VIRTIO_BLK_S_IOERR);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_QUEUE);
	assert_int_equal(virtio_blk_set_capacity(&F.blk, SECTORS), 0);
	assert_int_equal(crd(VIRTIO_PCI_COMMON_CFGGEN, 1), (uint8_t)(gen + 2));
	assert_true(F.irq.level);
	assert_int_equal(rd(F.isr, 1), VIRTIO_ISR_CONFIG);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 64, DATA, 512, true, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(virtio_blk_set_capacity(&F.blk, 1ull << 56), -EINVAL);
}

static uint32_t rng_state = 0xC0FFEE;

static uint32_t xorshift(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random register writes, random ring contents, random kicks; then a clean start works. */
static void test_fuzz(void **state)
{
	struct virtio_blk_params p = params(false, true);
	static const unsigned sizes[] = {1, 2, 4, 8, 3, 0};
	uint32_t used;

	(void)state;
	start(&p);
	bring_up(16);
	for (int round = 0; round < 20000; round++) {
		uint32_t r = xorshift(), v = xorshift();
		unsigned size = sizes[r % 6];

		switch ((r >> 4) % 8) {
		case 0: /* garbage in the rings and descriptors */
			for (int k = 0; k < 8; k++)
				gmem[DESC + (xorshift() % 0x3000)] = (uint8_t)xorshift();
			break;
		case 1:
			kick();
			break;
		case 2: /* a common register */
			cwr((r >> 8) % 0x40, size, (uint64_t)v << 32 | xorshift());
			break;
		case 3: /* restart the driver, as it might after an error */
			if ((r >> 8) % 16 == 0) {
				cwr(VIRTIO_PCI_COMMON_STATUS, 1, 0);
				negotiate(WANT & ~(1ull << VIRTIO_BLK_F_RO));
				setup_queue(16);
				add_status(VIRTIO_STATUS_DRIVER_OK);
			}
			break;
		case 4: /* anywhere in the BAR */
			wr((r >> 8) % VIRTIO_PCI_BAR_SIZE, size, v);
			break;
		case 5:
			(void)rd((r >> 8) % (VIRTIO_PCI_BAR_SIZE + 16), size);
			break;
		case 6: /* configuration space, capabilities included, not the BAR or command */
			if (((r >> 8) & 0xFF) >= 0x40)
				conf_write(SLOT, (r >> 8) & 0xFF, size, v);
			else
				(void)conf_read(SLOT, (r >> 8) & 0xFF, size);
			break;
		case 7: /* a plausible request with a random header */
			put_hdr(HDR, v % 16, xorshift() % (SECTORS + 4));
			{
				struct seg s[] = {{HDR, 16, false},
						  {DATA, 512 * (xorshift() % 12), (v >> 8) & 1},
						  {STATUS, 1, true}};

				post(s, 3);
			}
			kick();
			break;
		}
	}
	/* The guest may have moved the BAR through the window: a fresh start. */
	start(&p);
	bring_up(VIRTIO_BLK_QUEUE_MAX);
	assert_int_equal(blk_req(VIRTIO_BLK_T_IN, 3, DATA, 2048, true, &used), VIRTIO_BLK_S_OK);
	assert_memory_equal(gmem + DATA, disk + 3 * 512, 2048);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_init_and_config),
		cmocka_unit_test(test_read_write_flush),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_get_id),
		cmocka_unit_test(test_past_end),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_broken_ring),
		cmocka_unit_test(test_features_refused),
		cmocka_unit_test(test_notify_before_driver_ok),
		cmocka_unit_test(test_bar_holes),
		cmocka_unit_test(test_bad_queue_setup),
		cmocka_unit_test(test_interrupts),
		cmocka_unit_test(test_pci_cfg_cap),
		cmocka_unit_test(test_config_change),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
