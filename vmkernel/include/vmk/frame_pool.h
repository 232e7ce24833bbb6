/* Physical frame allocator core: two bitmaps over a span of frames, no locking. */
#ifndef VMK_FRAME_POOL_H
#define VMK_FRAME_POOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A pool covers the frames [base_pfn, base_pfn + nframes).  Each frame is in one of four states:
 *   not RAM   ram 0, used 1
 *   free      ram 1, used 0
 *   allocated ram 1, used 1 (frame_pool_alloc)
 *   reserved  ram 1, used 1 (frame_pool_reserve: taken out for good, counted in `reserved`)
 * Allocation is first fit: the lowest suitable frame wins, so low memory is used first; reserve
 * what must stay free below a limit (AP trampoline, legacy DMA) before allocating.
 * Nothing here locks: the caller serialises every call on one pool (the kernel wraps it in a
 * spinlock).  Nothing sleeps or allocates; the bitmaps are the caller's memory.
 * Fields are read-only outside this module.
 */
struct frame_pool {
	uint64_t base_pfn;   /* first frame covered */
	uint64_t nframes;    /* frames covered */
	unsigned long *ram;  /* 1 = usable RAM */
	unsigned long *used; /* 1 = allocated or reserved (always 1 where ram is 0) */
	uint64_t usable;     /* frames of usable RAM */
	uint64_t free;	     /* frames free now */
	uint64_t reserved; /* usable frames taken out for good (kernel image, modules, boot data) */
	uint64_t hint;	   /* where single-frame searches start (index): no frame below is free */
};

/* Return the size in bytes of ONE of the two bitmaps for a pool of @nframes frames. */
size_t frame_pool_map_bytes(uint64_t nframes);

/*
 * Set up @p over [base_pfn, base_pfn + nframes) with nothing usable yet, using @ram and @used
 * (frame_pool_map_bytes(nframes) bytes each, suitably aligned for unsigned long; both are
 * overwritten).  base_pfn + nframes must not overflow.
 */
void frame_pool_init(struct frame_pool *p, uint64_t base_pfn, uint64_t nframes, unsigned long *ram,
		     unsigned long *used);

/*
 * Mark the frames [pfn, pfn + n) as usable RAM and free, clipped to the pool.  Frames already
 * usable keep their state (free, allocated or reserved) and are not counted twice.
 */
void frame_pool_add(struct frame_pool *p, uint64_t pfn, uint64_t n);

/*
 * Take the free frames among [pfn, pfn + n) out for good, clipped to the pool; frames that are
 * not usable RAM or are already allocated/reserved are skipped (so this is safe on ranges that
 * overlap holes or one another).  Reserved frames must never be passed to frame_pool_free.
 */
void frame_pool_reserve(struct frame_pool *p, uint64_t pfn, uint64_t n);

/*
 * Allocate @n >= 1 contiguous frames whose first pfn is a multiple of @align (a power of two
 * >= 1; alignment is of the pfn, not of the index in the pool) and whose last frame lies below
 * @limit_pfn (0: no limit).  The lowest such run is taken.  Return 0 and store the first pfn in
 * *@pfn_out; -EINVAL for n == 0 or a bad align; -ENOMEM when no such run is free (*pfn_out is
 * then untouched).  Single frames (n == 1, align == 1) are found from the hint, a word at a
 * time.
 */
int frame_pool_alloc(struct frame_pool *p, uint64_t n, uint64_t align, uint64_t limit_pfn,
		     uint64_t *pfn_out);

/*
 * Free the @n frames [pfn, pfn + n), which may come from several allocations.  Return 0, or
 * -EINVAL and change nothing if n == 0, any frame is outside the pool, not usable RAM or already
 * free, or n exceeds the frames allocated.  Freeing reserved frames is not told apart from
 * freeing allocated ones beyond that last check: it is a caller bug that skews the counts.
 */
int frame_pool_free(struct frame_pool *p, uint64_t pfn, uint64_t n);

/* Return the number of frames allocated now: usable - free - reserved. */
uint64_t frame_pool_allocated(const struct frame_pool *p);

#endif
