/* virtio-blk: block requests from a virtqueue to read/write/flush callbacks (hv/virtio_blk.h). */
#include <vmk/le.h>
#include <hv/virtio_blk.h>
#include <vmk/errno.h>
#include <string.h>

#define HDR_SIZE     16
#define MAX_CAPACITY (1ull << 55) /* sectors: byte offsets stay far from 2^64 */

/* Is [sector, sector + len bytes) inside the disk, len a whole number of sectors? */
static bool in_disk(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	return len % VIRTIO_BLK_SECTOR == 0 && sector <= b->capacity &&
	       len / VIRTIO_BLK_SECTOR <= b->capacity - sector;
}

static uint8_t do_in(struct virtio_blk *b, struct virtq *q, uint64_t sector, uint64_t len,
		     uint64_t *written)
{
	for (uint64_t done = 0; done < len;) {
		size_t n =
			len - done < VIRTIO_BLK_BOUNCE ? (size_t)(len - done) : VIRTIO_BLK_BOUNCE;

		if (b->backend.read(b->backend.ctx, sector * VIRTIO_BLK_SECTOR + done, b->bounce,
				    n) ||
		    virtq_chain_write(q, &b->chain, done, b->bounce, n))
			return VIRTIO_BLK_S_IOERR;
		done += n;
		*written = done;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_out(struct virtio_blk *b, struct virtq *q, uint64_t sector, uint64_t len)
{
	for (uint64_t done = 0; done < len;) {
		size_t n =
			len - done < VIRTIO_BLK_BOUNCE ? (size_t)(len - done) : VIRTIO_BLK_BOUNCE;

		if (virtq_chain_read(q, &b->chain, HDR_SIZE + done, b->bounce, n) ||
		    b->backend.write(b->backend.ctx, sector * VIRTIO_BLK_SECTOR + done, b->bounce,
				     n))
			return VIRTIO_BLK_S_IOERR;
		done += n;
	}
	return VIRTIO_BLK_S_OK;
}

/* Serve the request in b->chain; returns the used length. */
static uint32_t serve(struct virtio_blk *b, struct virtq *q)
{
	const struct virtq_chain *c = &b->chain;
	uint8_t hdr[HDR_SIZE], status;
	uint64_t in, out, sector, written = 0;
	uint32_t type;

	if (c->in_len == 0)
		return 0; /* nowhere to put a status */
	in = c->in_len - 1;
	if (c->out_len < HDR_SIZE || virtq_chain_read(q, c, 0, hdr, HDR_SIZE)) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	out = c->out_len - HDR_SIZE;
	type = (uint32_t)le_get(hdr, 4);
	sector = le_get(hdr + 8, 8);
	switch (type) {
	case VIRTIO_BLK_T_IN:
		status = in_disk(b, sector, in) ? do_in(b, q, sector, in, &written)
						: VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_OUT:
		status = !b->read_only && in_disk(b, sector, out) ? do_out(b, q, sector, out)
								  : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (!b->backend.flush)
			status = VIRTIO_BLK_S_UNSUPP;
		else
			status = b->backend.flush(b->backend.ctx) ? VIRTIO_BLK_S_IOERR
								  : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		size_t n = in < VIRTIO_BLK_ID_BYTES ? (size_t)in : VIRTIO_BLK_ID_BYTES;

		status = VIRTIO_BLK_S_OK;
		if (virtq_chain_write(q, c, 0, b->id, n))
			status = VIRTIO_BLK_S_IOERR;
		else
			written = n;
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	if (virtq_chain_write(q, c, in, &status, 1))
		return written > UINT32_MAX ? UINT32_MAX : (uint32_t)written;
	written++;
	return written > UINT32_MAX ? UINT32_MAX : (uint32_t)written;
}

static void blk_notify(void *dev, unsigned qi)
{
	struct virtio_blk *b = dev;
	struct virtq *q = virtio_pci_queue(&b->vp, qi);

	if (!q)
		return;
	for (unsigned n = 0; n < q->size; n++) {
		if (virtq_pop(q, &b->chain) <= 0)
			return;
		if (virtq_push(q, b->chain.head, serve(b, q)))
			return;
	}
}

static uint64_t blk_cfg_read(void *dev, uint32_t off, unsigned size)
{
	struct virtio_blk *b = dev;

	return le_get(b->config + off, size);
}

static void set_config(struct virtio_blk *b)
{
	memset(b->config, 0, sizeof(b->config));
	le_put(b->config + VIRTIO_BLK_CFG_CAPACITY, 8, b->capacity);
	le_put(b->config + VIRTIO_BLK_CFG_SEG_MAX, 4, VIRTIO_BLK_SEG_MAX);
	le_put(b->config + VIRTIO_BLK_CFG_BLK_SIZE, 4, VIRTIO_BLK_SECTOR);
}

int virtio_blk_init(struct virtio_blk *b, const struct virtio_blk_params *p,
		    const struct hvdev_mem *mem)
{
	memset(b, 0, sizeof(*b));
	if (!p->backend.read || (!p->read_only && !p->backend.write) || p->capacity > MAX_CAPACITY)
		return -EINVAL;
	b->backend = p->backend;
	b->capacity = p->capacity;
	b->read_only = p->read_only;
	if (p->serial)
		memcpy(b->id, p->serial, strnlen(p->serial, VIRTIO_BLK_ID_BYTES));
	set_config(b);

	b->ops.device_id = VIRTIO_ID_BLOCK;
	b->ops.pci_class = 0x010000;
	b->ops.features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE);
	if (p->backend.flush)
		b->ops.features |= 1ull << VIRTIO_BLK_F_FLUSH;
	if (p->read_only)
		b->ops.features |= 1ull << VIRTIO_BLK_F_RO;
	b->ops.num_queues = 1;
	b->ops.queue_max = VIRTIO_BLK_QUEUE_MAX;
	b->ops.config_size = VIRTIO_BLK_CONFIG_SIZE;
	b->ops.cfg_read = blk_cfg_read;
	b->ops.notify = blk_notify;
	return virtio_pci_init(&b->vp, &b->ops, b, mem);
}

int virtio_blk_set_capacity(struct virtio_blk *b, uint64_t sectors)
{
	if (sectors > MAX_CAPACITY)
		return -EINVAL;
	b->capacity = sectors;
	set_config(b);
	virtio_pci_config_changed(&b->vp);
	return 0;
}
