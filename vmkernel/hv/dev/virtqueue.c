/* Split virtqueues, device side, over guest memory (hv/virtqueue.h). */
#include <hv/virtqueue.h>
#include <vmk/errno.h>
#include <string.h>

#define DESC_SIZE 16

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Does [gpa, gpa + len) stay below 2^64? */
static bool fits(uint64_t gpa, uint64_t len)
{
	return len == 0 || gpa <= UINT64_MAX - (len - 1);
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

int virtq_init(struct virtq *q, const struct hvdev_mem *mem, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used)
{
	virtq_reset(q);
	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)) || (desc % VIRTQ_DESC_ALIGN) ||
	    (avail % VIRTQ_AVAIL_ALIGN) || (used % VIRTQ_USED_ALIGN) ||
	    !fits(desc, (uint64_t)DESC_SIZE * size) || !fits(avail, 6 + 2ull * size) ||
	    !fits(used, 6 + 8ull * size))
		return -EINVAL;
	q->mem = *mem;
	q->size = size;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	return 0;
}

bool virtq_ready(const struct virtq *q)
{
	return q->size && !q->error;
}

static int broken(struct virtq *q, int err)
{
	q->error = err;
	return err;
}

static int gread(const struct virtq *q, uint64_t gpa, void *dst, size_t len)
{
	return q->mem.read && q->mem.read(q->mem.ctx, gpa, dst, len) == 0 ? 0 : -EFAULT;
}

static int gwrite(const struct virtq *q, uint64_t gpa, const void *src, size_t len)
{
	return q->mem.write && q->mem.write(q->mem.ctx, gpa, src, len) == 0 ? 0 : -EFAULT;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	uint8_t b[DESC_SIZE];
	uint16_t idx, head, i;

	if (q->error)
		return q->error;
	if (!q->size)
		return 0;
	if (gread(q, q->avail + 2, b, 2))
		return broken(q, -EFAULT);
	idx = (uint16_t)le(b, 2);
	if (idx == q->last_avail)
		return 0;
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return broken(q, -EINVAL);
	/* The entries the index covers are read after it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (gread(q, q->avail + 4 + 2ull * (q->last_avail % q->size), b, 2))
		return broken(q, -EFAULT);
	head = (uint16_t)le(b, 2);
	if (head >= q->size)
		return broken(q, -EINVAL);

	c->head = head;
	c->n = c->nout = 0;
	c->out_len = c->in_len = 0;
	for (i = head;;) {
		struct virtq_seg *s;
		uint16_t flags;

		if (c->n >= q->size)
			return broken(q, -EINVAL); /* longer than the table: a loop */
		if (gread(q, q->desc + (uint64_t)DESC_SIZE * i, b, DESC_SIZE))
			return broken(q, -EFAULT);
		flags = (uint16_t)le(b + 12, 2);
		s = &c->seg[c->n];
		s->gpa = le(b, 8);
		s->len = (uint32_t)le(b + 8, 4);
		s->write = flags & VIRTQ_DESC_F_WRITE;
		if (flags & VIRTQ_DESC_F_INDIRECT)
			return broken(q, -EINVAL); /* not offered */
		if (!fits(s->gpa, s->len))
			return broken(q, -EFAULT);
		if (s->write) {
			c->in_len += s->len;
		} else {
			if (c->n != c->nout)
				return broken(q, -EINVAL); /* readable after writable */
			c->nout++;
			c->out_len += s->len;
		}
		c->n++;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			break;
		i = (uint16_t)le(b + 14, 2);
		if (i >= q->size)
			return broken(q, -EINVAL);
	}
	q->last_avail++;
	return 1;
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t b[8];

	if (q->error)
		return q->error;
	if (!q->size || head >= q->size)
		return -EINVAL;
	for (unsigned k = 0; k < 4; k++) {
		b[k] = (uint8_t)(head >> (8 * k));
		b[4 + k] = (uint8_t)(len >> (8 * k));
	}
	if (gwrite(q, q->used + 4 + 8ull * (q->used_idx % q->size), b, 8))
		return broken(q, -EFAULT);
	/* The element is visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->used_idx++;
	b[0] = (uint8_t)q->used_idx;
	b[1] = (uint8_t)(q->used_idx >> 8);
	if (gwrite(q, q->used + 2, b, 2))
		return broken(q, -EFAULT);
	q->pushed = true;
	return 0;
}

bool virtq_needs_interrupt(struct virtq *q)
{
	uint8_t b[2];

	if (!q->pushed || q->error)
		return false;
	q->pushed = false;
	/* The used index is globally visible before the flag is read (store-load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (gread(q, q->avail, b, 2)) {
		broken(q, -EFAULT);
		return false;
	}
	return !(le(b, 2) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Copy between host memory and the readable bytes (into dst) or the writable bytes (from src)
 * of a chain. */
static int chain_copy(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
		      uint8_t *dst, const uint8_t *src, size_t len)
{
	bool write = src != NULL;
	uint16_t first = write ? c->nout : 0, end = write ? c->n : c->nout;
	uint64_t total = write ? c->in_len : c->out_len;

	if (off > total || len > total - off)
		return -EINVAL;
	for (uint16_t k = first; k < end && len; k++) {
		const struct virtq_seg *s = &c->seg[k];
		uint64_t n;
		int rc;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len)
			n = len;
		rc = write ? gwrite(q, s->gpa + off, src, n) : gread(q, s->gpa + off, dst, n);
		if (rc)
			return rc;
		if (write)
			src += n;
		else
			dst += n;
		len -= n;
		off = 0;
	}
	return 0;
}

int virtq_chain_read(const struct virtq *q, const struct virtq_chain *c, uint64_t off, void *dst,
		     size_t len)
{
	return chain_copy(q, c, off, dst, NULL, len);
}

int virtq_chain_write(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
		      const void *src, size_t len)
{
	return chain_copy(q, c, off, NULL, src, len);
}
