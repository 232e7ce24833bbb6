/* virtio-rng: random bytes into the driver's buffers (hv/virtio_rng.h). */
#include <hv/virtio_rng.h>
#include <vmk/errno.h>
#include <string.h>

/* Fill the writable bytes of r->chain; returns how many were written. */
static uint32_t fill(struct virtio_rng *r, struct virtq *q)
{
	uint64_t want =
		r->chain.in_len < VIRTIO_RNG_MAX_FILL ? r->chain.in_len : VIRTIO_RNG_MAX_FILL;
	uint32_t done = 0;

	while (done < want) {
		size_t n =
			want - done < VIRTIO_RNG_CHUNK ? (size_t)(want - done) : VIRTIO_RNG_CHUNK;

		if (r->random(r->ctx, r->buf, n) ||
		    virtq_chain_write(q, &r->chain, done, r->buf, n))
			break;
		done += (uint32_t)n;
	}
	/* Leave no entropy behind in the device. */
	memset(r->buf, 0, sizeof(r->buf));
	return done;
}

static void rng_notify(void *dev, unsigned qi)
{
	struct virtio_rng *r = dev;
	struct virtq *q = virtio_pci_queue(&r->vp, qi);

	if (!q)
		return;
	for (unsigned n = 0; n < q->size; n++) {
		if (virtq_pop(q, &r->chain) <= 0)
			return;
		if (virtq_push(q, r->chain.head, fill(r, q)))
			return;
	}
}

int virtio_rng_init(struct virtio_rng *r, virtio_rng_fn random, void *ctx,
		    const struct hvdev_mem *mem)
{
	memset(r, 0, sizeof(*r));
	if (!random)
		return -EINVAL;
	r->random = random;
	r->ctx = ctx;
	r->ops.device_id = VIRTIO_ID_RNG;
	r->ops.pci_class = 0x00FF00;
	r->ops.num_queues = 1;
	r->ops.queue_max = VIRTIO_RNG_QUEUE_MAX;
	r->ops.notify = rng_notify;
	return virtio_pci_init(&r->vp, &r->ops, r, mem);
}
