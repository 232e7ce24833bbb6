/*
 * virtio 1.x over PCI, modern transport (hv/dev/virtio_pci.c), and the interface a virtio
 * device type (virtio_blk, virtio_rng) plugs into it with.
 *
 * The PCI function is non-transitional: vendor 0x1af4, device 0x1040 + virtio device id,
 * revision 1, subsystem vendor 0x1af4, subsystem id = virtio device id, interrupt pin INTA.
 * BAR 0 is one 32-bit non-prefetchable memory BAR of 16 KiB holding every structure, one
 * 4 KiB page each:
 *
 *   0x0000  common configuration (cfg_type 1), 0x38 bytes (the virtio 1.1 layout: no
 *           queue_notify_data or queue_reset, whose features are not offered)
 *   0x1000  ISR status (cfg_type 3), 1 byte (cap length 4; bytes 1-3 read 0)
 *   0x2000  device-specific configuration (cfg_type 4), the device's config_size bytes;
 *           no capability when that is 0
 *   0x3000  notifications (cfg_type 2): notify_off_multiplier 4 and queue_notify_off = the
 *           queue index, so queue n is kicked by a write of any size at 0x3000 + 4 * n
 *           (the queue is taken from the address, as the spec allows without
 *           VIRTIO_F_NOTIFICATION_DATA; the value is ignored)
 *
 * with a vendor capability (id 0x09) for each, plus the PCI configuration access capability
 * (cfg_type 5) whose bar/offset/length/pci_cfg_data fields are guest-writable and reach BAR 0
 * through configuration space.  Everything else in the BAR, device configuration bytes past
 * config_size, and accesses of sizes other than 1, 2, 4 and 8 read all ones and ignore
 * writes.  Common configuration fields accept reads of any size and alignment (each byte
 * from its field); a write must lie inside one field (a 64-bit address as two 32-bit halves
 * or whole) and is otherwise ignored.
 *
 * Common configuration: features offered are VIRTIO_F_VERSION_1 (bit 32) plus the device's;
 * driver feature writes are taken until FEATURES_OK; FEATURES_OK sticks only when the driver
 * accepted a subset of the offer including VERSION_1 (the driver reads it back to know);
 * msix_config and queue_msix_vector read 0xFFFF (VIRTIO_MSI_NO_VECTOR) and ignore writes:
 * there is no MSI-X, so Linux uses INTx; status bits only accumulate (the driver ORs them
 * in), and writing 0 resets the device (queues, features, ISR, INTx, then the device's own
 * reset); a queue's size (a power of two up to the device's maximum; others ignored) and
 * addresses can be written until it is enabled; enabling a queue whose size or addresses are
 * bad does not enable it and sets DEVICE_NEEDS_RESET; queue fields of a queue_select past
 * num_queues read 0 and ignore writes.
 *
 * Processing: a kick runs the device's notify callback synchronously, only once the device
 * is live: FEATURES_OK and DRIVER_OK set, neither FAILED nor DEVICE_NEEDS_RESET, bus
 * mastering enabled in the PCI command register, the queue enabled and not broken.  Kicks
 * before that are dropped, but setting DRIVER_OK then serves every enabled queue once, so
 * buffers made available early are not lost.  After the callback, a used buffer whose ring
 * wants an interrupt sets ISR bit 0; a ring found broken (hv/virtqueue.h) sets
 * DEVICE_NEEDS_RESET, and once DRIVER_OK is set that raises a configuration change (ISR
 * bit 1) as the spec asks.  INTx is high while the ISR is not 0; reading the ISR returns
 * it, clears it and lowers INTx.
 *
 * Leaves out: MSI-X, the legacy (transitional) interface, VIRTIO_F_NOTIFICATION_DATA,
 * RING_RESET, ACCESS_PLATFORM, indirect descriptors and event index (hv/virtqueue.h), PCI
 * power management and FLR.
 *
 * Not thread-safe: the caller holds one lock per device around every call, including the
 * PCI configuration and BAR accesses it dispatches here.
 */
#ifndef HV_VIRTIO_H
#define HV_VIRTIO_H

#include <hv/dev.h>
#include <hv/pci.h>
#include <hv/virtqueue.h>

#define VIRTIO_PCI_VENDOR     0x1af4
#define VIRTIO_PCI_DEVICE(id) (0x1040 + (id))
#define VIRTIO_PCI_MAX_QUEUES 4
#define VIRTIO_PCI_BAR	      0
#define VIRTIO_PCI_BAR_SIZE   0x4000

/* Where each structure lies in the BAR. */
#define VIRTIO_PCI_COMMON_OFF  0x0000
#define VIRTIO_PCI_COMMON_LEN  0x38
#define VIRTIO_PCI_ISR_OFF     0x1000
#define VIRTIO_PCI_ISR_LEN     4
#define VIRTIO_PCI_DEVICE_OFF  0x2000
#define VIRTIO_PCI_DEVICE_MAX  0x1000 /* the most config_size can be */
#define VIRTIO_PCI_NOTIFY_OFF  0x3000
#define VIRTIO_PCI_NOTIFY_MULT 4

/* Vendor capability cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG	  3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG	  5

/* Common configuration registers (offsets in the common structure). */
#define VIRTIO_PCI_COMMON_DFSELECT  0x00
#define VIRTIO_PCI_COMMON_DF	    0x04
#define VIRTIO_PCI_COMMON_GFSELECT  0x08
#define VIRTIO_PCI_COMMON_GF	    0x0C
#define VIRTIO_PCI_COMMON_MSIX	    0x10
#define VIRTIO_PCI_COMMON_NUMQ	    0x12
#define VIRTIO_PCI_COMMON_STATUS    0x14
#define VIRTIO_PCI_COMMON_CFGGEN    0x15
#define VIRTIO_PCI_COMMON_Q_SELECT  0x16
#define VIRTIO_PCI_COMMON_Q_SIZE    0x18
#define VIRTIO_PCI_COMMON_Q_MSIX    0x1A
#define VIRTIO_PCI_COMMON_Q_ENABLE  0x1C
#define VIRTIO_PCI_COMMON_Q_NOFF    0x1E
#define VIRTIO_PCI_COMMON_Q_DESCLO  0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI  0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO 0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI 0x2C
#define VIRTIO_PCI_COMMON_Q_USEDLO  0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI  0x34

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE	 0x01
#define VIRTIO_STATUS_DRIVER		 0x02
#define VIRTIO_STATUS_DRIVER_OK		 0x04
#define VIRTIO_STATUS_FEATURES_OK	 0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		 0x80

#define VIRTIO_ISR_QUEUE  0x1
#define VIRTIO_ISR_CONFIG 0x2

#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32
#define VIRTIO_MSI_NO_VECTOR   0xFFFF

/*
 * A virtio device type.  The device fills this (usually a struct inside its own state) before
 * virtio_pci_init and leaves it unchanged afterwards.  `dev` below is the pointer given to
 * virtio_pci_init.
 */
struct virtio_dev_ops {
	uint16_t device_id;   /* virtio device id: 2 block, 4 entropy, ... */
	uint32_t pci_class;   /* PCI class code for the function */
	uint64_t features;    /* device feature bits offered (VERSION_1 is added) */
	uint16_t num_queues;  /* 1..VIRTIO_PCI_MAX_QUEUES */
	uint16_t queue_max;   /* largest queue size, a power of two <= VIRTQ_MAX_SIZE */
	uint32_t config_size; /* bytes of device configuration, <= VIRTIO_PCI_DEVICE_MAX */
	/* Device configuration access, `size` (1, 2, 4 or 8) bytes at `off`, already checked
	 * to lie inside config_size.  Reads return the bytes little-endian.  May be NULL
	 * when config_size is 0 (cfg_write may be NULL for a read-only configuration). */
	uint64_t (*cfg_read)(void *dev, uint32_t off, unsigned size);
	void (*cfg_write)(void *dev, uint32_t off, unsigned size, uint64_t val);
	/* The driver kicked queue `q` of a live device: take chains with virtq_pop from
	 * virtio_pci_queue(vp, q), serve them and virtq_push them.  Serve at most the queue's
	 * size in one call (the guest may keep adding; it kicks again).  Interrupts and broken
	 * rings are the transport's business after this returns. */
	void (*notify)(void *dev, unsigned q);
	/* The driver reset the device (the transport's own state is already reset).  May be
	 * NULL. */
	void (*reset)(void *dev);
};

struct virtio_pci_queue {
	uint16_t size; /* as the driver set it (starts at queue_max) */
	bool enabled;
	uint64_t desc, driver, device;
	struct virtq vq;
};

struct virtio_pci {
	struct pci_dev pci; /* register this with pci_add */
	const struct virtio_dev_ops *ops;
	void *dev;
	struct hvdev_mem mem;
	uint64_t offered, driver_features;
	uint32_t dfselect, gfselect;
	uint8_t status, isr, generation;
	uint16_t queue_select;
	uint8_t cfg_cap; /* offset of the PCI configuration access capability */
	struct virtio_pci_queue q[VIRTIO_PCI_MAX_QUEUES];
};

/* Build the PCI function for a device type: ids, BAR 0, capabilities, and the BAR and
 * configuration callbacks (ctx = vp); the device is in reset state.  `mem` is guest memory for
 * the queues (copied).  0, or -EINVAL (ops out of the limits above). */
int virtio_pci_init(struct virtio_pci *vp, const struct virtio_dev_ops *ops, void *dev,
		    const struct hvdev_mem *mem);

/* The PCI function, for pci_add. */
static inline struct pci_dev *virtio_pci_dev(struct virtio_pci *vp)
{
	return &vp->pci;
}

/* BAR 0 access, `off` inside the BAR, `size` 1, 2, 4 or 8 (what pci_bar_read/write reach). */
uint64_t virtio_pci_bar_read(struct virtio_pci *vp, uint64_t off, unsigned size);
void virtio_pci_bar_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t val);

/* Queue q's ring (for the device's notify callback); NULL past num_queues. */
struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q);

/* For a device that completes buffers outside its notify callback: raise the queue
 * interrupt if a used buffer on queue q wants one, and set DEVICE_NEEDS_RESET if the ring
 * broke. */
void virtio_pci_queue_done(struct virtio_pci *vp, unsigned q);

/* The device changed its configuration: bump config_generation and, once DRIVER_OK is set,
 * raise the configuration change interrupt. */
void virtio_pci_config_changed(struct virtio_pci *vp);

/* The device cannot go on: set DEVICE_NEEDS_RESET (and interrupt as above); kicks are
 * dropped until the driver resets it. */
void virtio_pci_needs_reset(struct virtio_pci *vp);

/* May the device consume buffers now (see "Processing" above; without the queue part)? */
bool virtio_pci_live(const struct virtio_pci *vp);

#endif
