/*
 * The device side of a virtio 1.x split virtqueue, over guest memory (struct hvdev_mem).
 *
 * Emulates: the descriptor table, available ring and used ring at the guest physical
 * addresses the driver chose; a queue size that is a power of two up to VIRTQ_MAX_SIZE;
 * chains of direct descriptors, walked into a bounded array of segments; the used ring
 * written with the element before the index; the available ring's NO_INTERRUPT flag.
 *
 * Leaves out: VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX (the transports built on this do
 * not offer them, so the INDIRECT flag is a driver error, and used_event/avail_event are never
 * read or written), the packed ring, and VIRTQ_USED_F_NO_NOTIFY (never set: the driver kicks
 * every time).
 *
 * A hostile driver: every ring field and descriptor is read once into host memory and checked
 * (head or next index out of range, a chain longer than the queue which is how a loop shows,
 * a device-readable descriptor after a device-writable one, INDIRECT, more entries made
 * available than the queue holds, an address range that wraps, ring memory outside the guest).
 * The first such error breaks the queue for good: virtq_pop and virtq_push return that error
 * from then on and touch nothing, until virtq_init or virtq_reset.  The transport then sets
 * DEVICE_NEEDS_RESET.  Buffer segments are not checked against guest memory here: reading or
 * writing them through virtq_chain_read/write fails with -EFAULT, which the device reports in
 * its own way (it is not a ring error).
 *
 * Ordering: the guest runs on other CPUs while the device works.  The available index is read
 * before the entries it covers (acquire), the used element is written before the used index
 * (release), and the used index is written before the NO_INTERRUPT flag is read (a full
 * barrier, the device's half of the driver's enable-callbacks-then-recheck dance).
 *
 * Not thread-safe: the caller holds the device's lock.
 */
#ifndef HV_VIRTQUEUE_H
#define HV_VIRTQUEUE_H

#include <hv/dev.h>

#define VIRTQ_MAX_SIZE 256

#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* Required alignment of each part (virtio 1.x 2.7). */
#define VIRTQ_DESC_ALIGN  16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN  4

struct virtq {
	struct hvdev_mem mem;
	uint64_t desc, avail, used; /* guest physical addresses */
	uint16_t size;		    /* 0: not set up */
	uint16_t last_avail;	    /* the next available entry to take */
	uint16_t used_idx;	    /* our copy of used->idx */
	bool pushed;		    /* used entries added since virtq_needs_interrupt */
	int error;		    /* 0, or what broke the queue (-EINVAL, -EFAULT) */
};

/* One descriptor of a chain: device-readable (write false) or device-writable. */
struct virtq_seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* A chain taken from the available ring: readable segments first, then writable ones. */
struct virtq_chain {
	uint16_t head;		  /* to hand back to virtq_push */
	uint16_t n;		  /* segments */
	uint16_t nout;		  /* of which device-readable (seg[0..nout-1]) */
	uint64_t out_len, in_len; /* readable and writable bytes in all */
	struct virtq_seg seg[VIRTQ_MAX_SIZE];
};

/* Set up a queue: `size` a power of two from 1 to VIRTQ_MAX_SIZE, the three parts aligned as
 * above, none wrapping past the top of the address space; indices start at 0 (a fresh ring
 * after a device reset).  0, or -EINVAL (q is then left not set up). */
int virtq_init(struct virtq *q, const struct hvdev_mem *mem, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used);

/* Forget the queue (device reset): not set up, no error. */
void virtq_reset(struct virtq *q);

/* Is the queue set up and not broken? */
bool virtq_ready(const struct virtq *q);

/* Take the next available chain into *c.  1: a chain; 0: none available (or the queue is not
 * set up); -EINVAL or -EFAULT: the ring is broken (see above), nothing taken. */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/* Return chain `head` to the driver through the used ring, saying `len` bytes were written
 * into its device-writable segments.  0, -EINVAL (head out of range; the queue is not
 * broken for a device's own mistake) or the error that broke the queue. */
int virtq_push(struct virtq *q, uint16_t head, uint32_t len);

/* Should the driver be interrupted: were used entries added since the last call (consumed
 * here) and has the driver not set VIRTQ_AVAIL_F_NO_INTERRUPT?  A flag unreadable from guest
 * memory breaks the queue and answers false. */
bool virtq_needs_interrupt(struct virtq *q);

/* Copy `len` bytes of the chain's readable bytes from byte `off` of their concatenation into
 * dst, or `len` bytes from src into its writable bytes from `off`.  0, -EINVAL (the range
 * passes the end of those bytes) or -EFAULT (a segment lies outside guest memory; what came
 * before it was copied). */
int virtq_chain_read(const struct virtq *q, const struct virtq_chain *c, uint64_t off, void *dst,
		     size_t len);
int virtq_chain_write(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
		      const void *src, size_t len);

#endif
