/* virtio 1.x PCI modern transport: capabilities, common configuration, ISR, kicks (hv/virtio.h). */
#include <vmk/le.h>
#include <hv/virtio.h>
#include <vmk/errno.h>
#include <string.h>

/* Offsets inside a struct virtio_pci_cap (after the id and next bytes come these). */
#define CAP_LEN	   2
#define CAP_TYPE   3
#define CAP_BAR	   4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_EXTRA  16 /* notify_off_multiplier, or pci_cfg_data */
#define CAP_SIZE   16

static uint64_t all_ones(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* ---- Interrupts and state ---- */

static void isr_raise(struct virtio_pci *vp, uint8_t bits)
{
	vp->isr |= bits;
	pci_set_intx(&vp->pci, vp->isr != 0);
}

bool virtio_pci_live(const struct virtio_pci *vp)
{
	uint8_t need = VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK;
	uint8_t bad = VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED;

	return (vp->status & need) == need && !(vp->status & bad) &&
	       (le_get(vp->pci.cfg + PCI_COMMAND, 2) & PCI_CMD_MASTER);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vp->generation++;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		isr_raise(vp, VIRTIO_ISR_CONFIG);
}

void virtio_pci_needs_reset(struct virtio_pci *vp)
{
	if (vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	vp->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		isr_raise(vp, VIRTIO_ISR_CONFIG);
}

struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q)
{
	return q < vp->ops->num_queues ? &vp->q[q].vq : NULL;
}

void virtio_pci_queue_done(struct virtio_pci *vp, unsigned q)
{
	struct virtq *vq = virtio_pci_queue(vp, q);

	if (!vq)
		return;
	if (virtq_needs_interrupt(vq))
		isr_raise(vp, VIRTIO_ISR_QUEUE);
	if (vq->error)
		virtio_pci_needs_reset(vp);
}

static void kick(struct virtio_pci *vp, unsigned q)
{
	if (q >= vp->ops->num_queues || !vp->q[q].enabled || !virtq_ready(&vp->q[q].vq) ||
	    !virtio_pci_live(vp))
		return;
	vp->ops->notify(vp->dev, q);
	virtio_pci_queue_done(vp, q);
}

/* The transport's half of a reset. */
static void transport_reset(struct virtio_pci *vp)
{
	vp->driver_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->status = 0;
	vp->queue_select = 0;
	for (unsigned i = 0; i < VIRTIO_PCI_MAX_QUEUES; i++) {
		memset(&vp->q[i], 0, sizeof(vp->q[i]));
		vp->q[i].size = vp->ops->queue_max;
	}
	vp->isr = 0;
	pci_set_intx(&vp->pci, false);
}

static void device_reset(struct virtio_pci *vp)
{
	transport_reset(vp);
	if (vp->ops->reset)
		vp->ops->reset(vp->dev);
}

static void set_status(struct virtio_pci *vp, uint8_t val)
{
	uint8_t old = vp->status;
	uint64_t f = vp->driver_features;

	if (val == 0) {
		device_reset(vp);
		return;
	}
	val &= (uint8_t)~VIRTIO_STATUS_DEVICE_NEEDS_RESET; /* the device's to set */
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    ((f & ~vp->offered) || !(f & (1ull << VIRTIO_F_VERSION_1))))
		val &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	vp->status = old | val;
	if (!(old & VIRTIO_STATUS_DRIVER_OK) && (vp->status & VIRTIO_STATUS_DRIVER_OK))
		for (unsigned q = 0; q < vp->ops->num_queues; q++)
			kick(vp, q);
}

static void queue_enable(struct virtio_pci *vp, struct virtio_pci_queue *q)
{
	if (q->enabled)
		return;
	if (virtq_init(&q->vq, &vp->mem, q->size, q->desc, q->driver, q->device)) {
		virtio_pci_needs_reset(vp);
		return;
	}
	q->enabled = true;
}

/* ---- Common configuration ---- */

/* The field holding byte `off` of the common structure: its start and width. */
static bool common_field(uint64_t off, unsigned *start, unsigned *width)
{
	static const uint8_t fields[][2] = {
		{0x00, 4}, {0x04, 4}, {0x08, 4}, {0x0C, 4}, {0x10, 2}, {0x12, 2},
		{0x14, 1}, {0x15, 1}, {0x16, 2}, {0x18, 2}, {0x1A, 2}, {0x1C, 2},
		{0x1E, 2}, {0x20, 8}, {0x28, 8}, {0x30, 8},
	};

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (off >= fields[i][0] && off < (unsigned)fields[i][0] + fields[i][1]) {
			*start = fields[i][0];
			*width = fields[i][1];
			return true;
		}
	return false;
}

static struct virtio_pci_queue *selected_queue(struct virtio_pci *vp)
{
	return vp->queue_select < vp->ops->num_queues ? &vp->q[vp->queue_select] : NULL;
}

static uint64_t common_get(struct virtio_pci *vp, unsigned field)
{
	struct virtio_pci_queue *q = selected_queue(vp);

	switch (field) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		return vp->dfselect;
	case VIRTIO_PCI_COMMON_DF:
		return vp->dfselect < 2 ? (uint32_t)(vp->offered >> (32 * vp->dfselect)) : 0;
	case VIRTIO_PCI_COMMON_GFSELECT:
		return vp->gfselect;
	case VIRTIO_PCI_COMMON_GF:
		return vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect))
					: 0;
	case VIRTIO_PCI_COMMON_MSIX:
		return VIRTIO_MSI_NO_VECTOR;
	case VIRTIO_PCI_COMMON_NUMQ:
		return vp->ops->num_queues;
	case VIRTIO_PCI_COMMON_STATUS:
		return vp->status;
	case VIRTIO_PCI_COMMON_CFGGEN:
		return vp->generation;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		return vp->queue_select;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return VIRTIO_MSI_NO_VECTOR;
	}
	if (!q)
		return 0;
	switch (field) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		return q->size;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return q->enabled;
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return vp->queue_select;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		return q->desc;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		return q->driver;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		return q->device;
	}
	return 0;
}

static void common_set(struct virtio_pci *vp, unsigned field, uint64_t val)
{
	struct virtio_pci_queue *q = selected_queue(vp);
	bool qw = q && !q->enabled; /* queue fields take writes until enabled */

	switch (field) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = (uint32_t)val;
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = (uint32_t)val;
		break;
	case VIRTIO_PCI_COMMON_GF:
		if (vp->gfselect < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned sh = 32 * vp->gfselect;

			vp->driver_features &= ~(0xFFFFFFFFull << sh);
			vp->driver_features |= (uint64_t)(uint32_t)val << sh;
		}
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		set_status(vp, (uint8_t)val);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_select = (uint16_t)val;
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		if (qw && val && val <= vp->ops->queue_max && !(val & (val - 1)))
			q->size = (uint16_t)val;
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (q && val == 1)
			queue_enable(vp, q);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		if (qw)
			q->desc = val;
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		if (qw)
			q->driver = val;
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		if (qw)
			q->device = val;
		break;
	default: /* read-only: device features, msix vectors, num_queues, generation, notify off */
		break;
	}
}

static uint64_t common_read(struct virtio_pci *vp, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned start, width;
		uint64_t b = 0xFF;

		if (off + i < VIRTIO_PCI_COMMON_LEN && common_field(off + i, &start, &width))
			b = (common_get(vp, start) >> (8 * (off + i - start))) & 0xFF;
		v |= b << (8 * i);
	}
	return v;
}

static void common_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t val)
{
	unsigned start, width, sh;
	uint64_t mask, cur;

	if (off >= VIRTIO_PCI_COMMON_LEN || !common_field(off, &start, &width) ||
	    off + size > start + width)
		return;
	sh = 8 * (unsigned)(off - start);
	mask = all_ones(size) << sh;
	cur = common_get(vp, start);
	common_set(vp, start, (cur & ~mask) | ((val << sh) & mask));
}

/* ---- BAR 0 ---- */

uint64_t virtio_pci_bar_read(struct virtio_pci *vp, uint64_t off, unsigned size)
{
	const struct virtio_dev_ops *ops = vp->ops;

	if (!size_ok(size) || off >= VIRTIO_PCI_BAR_SIZE || off + size > VIRTIO_PCI_BAR_SIZE)
		return all_ones(size);
	if (off < VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_LEN)
		return common_read(vp, off - VIRTIO_PCI_COMMON_OFF, size);
	if (off >= VIRTIO_PCI_ISR_OFF && off < VIRTIO_PCI_ISR_OFF + VIRTIO_PCI_ISR_LEN) {
		uint8_t isr = vp->isr;

		if (off != VIRTIO_PCI_ISR_OFF)
			return 0;
		vp->isr = 0;
		pci_set_intx(&vp->pci, false);
		return isr;
	}
	if (off >= VIRTIO_PCI_DEVICE_OFF && off + size <= VIRTIO_PCI_DEVICE_OFF + ops->config_size)
		return ops->cfg_read(vp->dev, (uint32_t)(off - VIRTIO_PCI_DEVICE_OFF), size) &
		       all_ones(size);
	return all_ones(size);
}

void virtio_pci_bar_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t val)
{
	const struct virtio_dev_ops *ops = vp->ops;

	if (!size_ok(size) || off >= VIRTIO_PCI_BAR_SIZE || off + size > VIRTIO_PCI_BAR_SIZE)
		return;
	val &= all_ones(size);
	if (off < VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_LEN) {
		common_write(vp, off - VIRTIO_PCI_COMMON_OFF, size, val);
	} else if (off >= VIRTIO_PCI_DEVICE_OFF &&
		   off + size <= VIRTIO_PCI_DEVICE_OFF + ops->config_size) {
		if (ops->cfg_write)
			ops->cfg_write(vp->dev, (uint32_t)(off - VIRTIO_PCI_DEVICE_OFF), size, val);
	} else if (off >= VIRTIO_PCI_NOTIFY_OFF &&
		   off < VIRTIO_PCI_NOTIFY_OFF +
				   VIRTIO_PCI_NOTIFY_MULT * (uint64_t)ops->num_queues) {
		kick(vp, (unsigned)(off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT);
	}
}

static uint64_t bar_read(void *ctx, int bar, uint64_t off, unsigned size)
{
	return bar == VIRTIO_PCI_BAR ? virtio_pci_bar_read(ctx, off, size) : all_ones(size);
}

static void bar_write(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val)
{
	if (bar == VIRTIO_PCI_BAR)
		virtio_pci_bar_write(ctx, off, size, val);
}

/* ---- The PCI configuration access capability ---- */

/* The BAR access its bar/offset/length fields describe, if valid. */
static bool cfg_cap_target(struct virtio_pci *vp, uint64_t *off, unsigned *len)
{
	const uint8_t *cap = vp->pci.cfg + vp->cfg_cap;

	*off = le_get(cap + CAP_OFFSET, 4);
	*len = (unsigned)le_get(cap + CAP_LENGTH, 4);
	return cap[CAP_BAR] == VIRTIO_PCI_BAR && (*len == 1 || *len == 2 || *len == 4) &&
	       *off % *len == 0 && *off + *len <= VIRTIO_PCI_BAR_SIZE;
}

static bool touches_data(struct virtio_pci *vp, unsigned reg, unsigned size)
{
	unsigned data = vp->cfg_cap + CAP_EXTRA;

	return reg < data + 4 && reg + size > data;
}

static void cfg_read_hook(void *ctx, unsigned reg, unsigned size)
{
	struct virtio_pci *vp = ctx;
	uint64_t off;
	unsigned len;

	if (!touches_data(vp, reg, size) || !cfg_cap_target(vp, &off, &len))
		return;
	le_put(vp->pci.cfg + vp->cfg_cap + CAP_EXTRA, 4, virtio_pci_bar_read(vp, off, len));
}

static void cfg_write_hook(void *ctx, unsigned reg, unsigned size)
{
	struct virtio_pci *vp = ctx;
	uint64_t off;
	unsigned len;

	if (!touches_data(vp, reg, size) || !cfg_cap_target(vp, &off, &len))
		return;
	virtio_pci_bar_write(vp, off, len, le_get(vp->pci.cfg + vp->cfg_cap + CAP_EXTRA, len));
}

/* ---- Setup ---- */

static int add_cap(struct virtio_pci *vp, uint8_t type, uint32_t off, uint32_t len,
		   const uint8_t *extra, uint8_t *at)
{
	uint8_t body[CAP_SIZE + 4 - 2] = {0};
	size_t n = CAP_SIZE - 2 + (extra ? 4 : 0);

	/* body[] starts at cap_len (offset 2 of the capability). */
	body[CAP_LEN - 2] = (uint8_t)(n + 2);
	body[CAP_TYPE - 2] = type;
	body[CAP_BAR - 2] = VIRTIO_PCI_BAR;
	le_put(body + CAP_OFFSET - 2, 4, off);
	le_put(body + CAP_LENGTH - 2, 4, len);
	if (extra)
		memcpy(body + CAP_EXTRA - 2, extra, 4);
	return pci_dev_add_cap(&vp->pci, PCI_CAP_ID_VENDOR, body, n, at);
}

int virtio_pci_init(struct virtio_pci *vp, const struct virtio_dev_ops *ops, void *dev,
		    const struct hvdev_mem *mem)
{
	const struct pci_id id = {
		.vendor = VIRTIO_PCI_VENDOR,
		.device = (uint16_t)VIRTIO_PCI_DEVICE(ops->device_id),
		.subsys_vendor = VIRTIO_PCI_VENDOR,
		.subsys_id = ops->device_id,
		.class_code = ops->pci_class,
		.revision = 1,
		.int_pin = 1,
	};
	uint8_t mult[4], zero[4] = {0};
	int rc;

	memset(vp, 0, sizeof(*vp));
	if (!ops->notify || !ops->num_queues || ops->num_queues > VIRTIO_PCI_MAX_QUEUES ||
	    !ops->queue_max || ops->queue_max > VIRTQ_MAX_SIZE ||
	    (ops->queue_max & (ops->queue_max - 1)) || ops->config_size > VIRTIO_PCI_DEVICE_MAX ||
	    (ops->config_size && !ops->cfg_read) || ops->device_id > 0xFFFF - 0x1040)
		return -EINVAL;
	vp->ops = ops;
	vp->dev = dev;
	vp->mem = *mem;
	vp->offered = ops->features | (1ull << VIRTIO_F_VERSION_1);

	pci_dev_init(&vp->pci, &id);
	rc = pci_dev_set_bar(&vp->pci, VIRTIO_PCI_BAR, PCI_BAR_MEM32, VIRTIO_PCI_BAR_SIZE, false);
	le_put(mult, 4, VIRTIO_PCI_NOTIFY_MULT);
	if (!rc)
		rc = add_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF,
			     VIRTIO_PCI_COMMON_LEN, NULL, NULL);
	if (!rc)
		rc = add_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
			     VIRTIO_PCI_NOTIFY_MULT * ops->num_queues, mult, NULL);
	if (!rc)
		rc = add_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, VIRTIO_PCI_ISR_LEN,
			     NULL, NULL);
	if (!rc && ops->config_size)
		rc = add_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFF, ops->config_size,
			     NULL, NULL);
	if (!rc)
		rc = add_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, zero, &vp->cfg_cap);
	if (rc)
		return rc;
	/* cap.bar, cap.offset, cap.length and pci_cfg_data are the driver's to write. */
	vp->pci.wmask[vp->cfg_cap + CAP_BAR] = 0xFF;
	memset(vp->pci.wmask + vp->cfg_cap + CAP_OFFSET, 0xFF, 12);
	vp->pci.bar_read = bar_read;
	vp->pci.bar_write = bar_write;
	vp->pci.cfg_read_hook = cfg_read_hook;
	vp->pci.cfg_write_hook = cfg_write_hook;
	vp->pci.ctx = vp;
	transport_reset(vp);
	return 0;
}
