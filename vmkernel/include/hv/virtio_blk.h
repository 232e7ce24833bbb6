/*
 * virtio-blk (virtio device id 2) on the modern PCI transport (hv/virtio.h), backed by
 * read/write/flush callbacks.
 *
 * Emulates: one request queue of up to VIRTIO_BLK_QUEUE_MAX entries; features
 * VIRTIO_BLK_F_SEG_MAX (VIRTIO_BLK_SEG_MAX: the queue size less the header and status
 * descriptors, since indirect descriptors are not offered and Linux then puts a whole
 * request in the ring), VIRTIO_BLK_F_BLK_SIZE (512), VIRTIO_BLK_F_FLUSH when a flush
 * callback is given (Linux then treats the disk as a write-back cache and sends flushes) and
 * VIRTIO_BLK_F_RO for a read-only disk; requests IN, OUT, FLUSH and GET_ID (the serial, up to
 * 20 bytes, NUL-padded, not terminated when 20 long), every other type answered
 * VIRTIO_BLK_S_UNSUPP.  Configuration: the virtio 1.1 struct virtio_blk_config up to
 * write_zeroes_may_unmap (VIRTIO_BLK_CONFIG_SIZE bytes): capacity, seg_max and blk_size set,
 * the rest 0; read-only (writes ignored).  Class code 0x010000 (SCSI storage), as QEMU uses.
 *
 * A request is parsed from the chain's bytes, not from its descriptor framing (any layout):
 * the first 16 readable bytes are the header (type, reserved, sector), the remaining readable
 * bytes the data of an OUT, the last writable byte the status and the writable bytes before
 * it the data of an IN or GET_ID.  Answered VIRTIO_BLK_S_IOERR without touching the disk:
 * fewer than 16 readable bytes, data not a multiple of 512 bytes, a range past the capacity
 * (computed without overflow), OUT on a read-only disk, a data segment outside guest memory
 * (what came before it has moved), a backend error.  A chain with no writable byte has
 * nowhere for a status: it is returned with length 0.  Data moves through a 4 KiB bounce
 * buffer in the state struct in pieces of at most that size, so no guest-chosen length sizes
 * any host buffer; the work of one request is bounded by the capacity.  The used length is the
 * data bytes written plus the status byte.  Rings the driver breaks set DEVICE_NEEDS_RESET
 * (hv/virtio.h).
 *
 * Requests are served synchronously within the kick (the backend callbacks run under the
 * device's lock, from the vCPU that kicked).
 *
 * Leaves out: multiqueue, DISCARD, WRITE_ZEROES, SECURE_ERASE, GET_LIFETIME, zoned devices,
 * CONFIG_WCE (no writeback toggle), geometry and topology, SIZE_MAX (any segment size is
 * taken), asynchronous backends.
 */
#ifndef HV_VIRTIO_BLK_H
#define HV_VIRTIO_BLK_H

#include <hv/virtio.h>

#define VIRTIO_ID_BLOCK 2

#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_SECTOR      512
#define VIRTIO_BLK_ID_BYTES    20
#define VIRTIO_BLK_QUEUE_MAX   256
#define VIRTIO_BLK_SEG_MAX     (VIRTIO_BLK_QUEUE_MAX - 2)
#define VIRTIO_BLK_BOUNCE      4096
#define VIRTIO_BLK_CONFIG_SIZE 60

/* Offsets in the configuration. */
#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SEG_MAX	12
#define VIRTIO_BLK_CFG_BLK_SIZE 20

/* The disk behind the device.  Offsets and lengths are in bytes, multiples of 512, inside
 * the capacity; each returns 0 or a negative errno (the guest sees VIRTIO_BLK_S_IOERR).
 * write may be NULL for a read-only disk, flush NULL for a disk without a cache. */
struct virtio_blk_backend {
	int (*read)(void *ctx, uint64_t off, void *dst, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *src, size_t len);
	int (*flush)(void *ctx);
	void *ctx;
};

struct virtio_blk_params {
	uint64_t capacity; /* in 512-byte sectors */
	bool read_only;
	const char *serial; /* GET_ID answer; NULL for none (20 NUL bytes) */
	struct virtio_blk_backend backend;
};

struct virtio_blk {
	struct virtio_pci vp; /* register virtio_blk_pci(b) with pci_add */
	struct virtio_dev_ops ops;
	struct virtio_blk_backend backend;
	uint64_t capacity;
	bool read_only;
	uint8_t id[VIRTIO_BLK_ID_BYTES];
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE];
	struct virtq_chain chain;
	uint8_t bounce[VIRTIO_BLK_BOUNCE];
};

/* Set up the device, in reset state, with guest memory `mem` for its queue.  0, or -EINVAL
 * (no read callback, a writable disk without a write callback, a capacity over 2^55
 * sectors). */
int virtio_blk_init(struct virtio_blk *b, const struct virtio_blk_params *p,
		    const struct hvdev_mem *mem);

/* The PCI function, for pci_add. */
static inline struct pci_dev *virtio_blk_pci(struct virtio_blk *b)
{
	return virtio_pci_dev(&b->vp);
}

/* The disk changed size: update the capacity and tell the driver (configuration change
 * interrupt; Linux re-reads the capacity).  0, or -EINVAL (over 2^55 sectors). */
int virtio_blk_set_capacity(struct virtio_blk *b, uint64_t sectors);

#endif
