/*
 * virtio-rng (virtio device id 4, "entropy device") on the modern PCI transport
 * (hv/virtio.h), filled from a random-bytes callback.
 *
 * Emulates: one request queue of up to VIRTIO_RNG_QUEUE_MAX entries, no device features,
 * no configuration (so no device configuration capability).  Each chain's writable bytes
 * are filled in order through the callback, at most VIRTIO_RNG_MAX_FILL bytes per chain (the
 * spec lets the device fill less than offered; the used length says how much; Linux asks for
 * a few dozen bytes at a time), through a 256-byte buffer in the state struct.  Readable
 * descriptors are skipped.  A callback error or a segment outside guest memory ends the
 * filling of that chain: what was written before counts.  Class code 0x00FF00 (lspci:
 * "Unclassified device [00ff]"), as QEMU's virtio-rng-pci has it; Linux matches on the ids.
 *
 * Leaves out: nothing the device type has beyond this.  The callback runs synchronously
 * within the kick, under the device's lock.
 */
#ifndef HV_VIRTIO_RNG_H
#define HV_VIRTIO_RNG_H

#include <hv/virtio.h>

#define VIRTIO_ID_RNG	     4
#define VIRTIO_RNG_QUEUE_MAX 64
#define VIRTIO_RNG_MAX_FILL  4096
#define VIRTIO_RNG_CHUNK     256

/* Fill dst with len random bytes; 0 or a negative errno. */
typedef int (*virtio_rng_fn)(void *ctx, void *dst, size_t len);

struct virtio_rng {
	struct virtio_pci vp; /* register virtio_rng_pci(r) with pci_add */
	struct virtio_dev_ops ops;
	virtio_rng_fn random;
	void *ctx;
	struct virtq_chain chain;
	uint8_t buf[VIRTIO_RNG_CHUNK];
};

/* Set up the device, in reset state, with guest memory `mem` for its queue.  0, or -EINVAL
 * (no callback). */
int virtio_rng_init(struct virtio_rng *r, virtio_rng_fn random, void *ctx,
		    const struct hvdev_mem *mem);

/* The PCI function, for pci_add. */
static inline struct pci_dev *virtio_rng_pci(struct virtio_rng *r)
{
	return virtio_pci_dev(&r->vp);
}

#endif
