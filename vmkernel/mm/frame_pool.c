/* Physical frame allocator core: two bitmaps over a span of frames, no locking. */
#include <stdbool.h>
#include <string.h>
#include <vmk/bitmap.h>
#include <vmk/errno.h>
#include <vmk/frame_pool.h>

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "bitmap indices are frame indices");

size_t frame_pool_map_bytes(uint64_t nframes)
{
	return BITMAP_WORDS(nframes) * sizeof(unsigned long);
}

void frame_pool_init(struct frame_pool *p, uint64_t base_pfn, uint64_t nframes, unsigned long *ram,
		     unsigned long *used)
{
	size_t bytes = frame_pool_map_bytes(nframes);

	p->base_pfn = base_pfn;
	p->nframes = nframes;
	p->ram = ram;
	p->used = used;
	p->usable = 0;
	p->free = 0;
	p->reserved = 0;
	p->hint = 0;
	memset(ram, 0, bytes);
	/* Not RAM is used; so are the tail bits of the last word, which no search then finds. */
	memset(used, 0xff, bytes);
}

/* Clip [pfn, pfn + n) to the pool as indices [*s, *e); false if nothing is left. */
static bool frame_pool_clip(const struct frame_pool *p, uint64_t pfn, uint64_t n, uint64_t *s,
			    uint64_t *e)
{
	uint64_t lo = pfn, hi = pfn + n;

	if (n == 0)
		return false;
	if (hi < pfn)
		hi = UINT64_MAX;
	if (lo < p->base_pfn)
		lo = p->base_pfn;
	if (hi > p->base_pfn + p->nframes)
		hi = p->base_pfn + p->nframes;
	if (lo >= hi)
		return false;
	*s = lo - p->base_pfn;
	*e = hi - p->base_pfn;
	return true;
}

void frame_pool_add(struct frame_pool *p, uint64_t pfn, uint64_t n)
{
	uint64_t i, j, e;

	if (!frame_pool_clip(p, pfn, n, &i, &e))
		return;
	/* Each run of frames not yet RAM becomes RAM and free. */
	for (i = bitmap_find_clear(p->ram, i, e); i < e; i = bitmap_find_clear(p->ram, j, e)) {
		j = bitmap_find_set(p->ram, i, e);
		bitmap_set_range(p->ram, i, j - i);
		bitmap_clear_range(p->used, i, j - i);
		p->usable += j - i;
		p->free += j - i;
		if (i < p->hint)
			p->hint = i;
	}
}

void frame_pool_reserve(struct frame_pool *p, uint64_t pfn, uint64_t n)
{
	uint64_t i, j, e;

	if (!frame_pool_clip(p, pfn, n, &i, &e))
		return;
	/* Free frames are exactly the clear bits of used. */
	for (i = bitmap_find_clear(p->used, i, e); i < e; i = bitmap_find_clear(p->used, j, e)) {
		j = bitmap_find_set(p->used, i, e);
		bitmap_set_range(p->used, i, j - i);
		p->free -= j - i;
		p->reserved += j - i;
	}
}

/* Smallest index >= i whose pfn is a multiple of align; UINT64_MAX if there is none. */
static uint64_t frame_pool_align_index(const struct frame_pool *p, uint64_t i, uint64_t align)
{
	uint64_t pfn = p->base_pfn + i;
	uint64_t up = (pfn + align - 1) & ~(align - 1);

	return up < pfn ? UINT64_MAX : up - p->base_pfn;
}

/* First index in [i, e) starting n free frames with an aligned pfn; e if none. */
static uint64_t frame_pool_find_run(const struct frame_pool *p, uint64_t i, uint64_t e, uint64_t n,
				    uint64_t align)
{
	uint64_t set;

	for (;;) {
		i = bitmap_find_clear(p->used, i, e);
		i = frame_pool_align_index(p, i, align);
		if (i >= e || n > e - i)
			return e;
		/* A used frame inside the candidate run: go on after it. */
		set = bitmap_find_set(p->used, i, i + n);
		if (set == i + n)
			return i;
		i = set + 1;
	}
}

int frame_pool_alloc(struct frame_pool *p, uint64_t n, uint64_t align, uint64_t limit_pfn,
		     uint64_t *pfn_out)
{
	uint64_t e = p->nframes;
	uint64_t i;

	if (n == 0 || align == 0 || (align & (align - 1)) != 0)
		return -EINVAL;
	if (limit_pfn != 0) {
		if (limit_pfn <= p->base_pfn)
			return -ENOMEM;
		if (limit_pfn - p->base_pfn < e)
			e = limit_pfn - p->base_pfn;
	}
	if (n > p->free || p->hint >= e)
		return -ENOMEM;
	/* Nothing in [hint, first free) is free: move the hint up while at it. */
	p->hint = bitmap_find_clear(p->used, p->hint, e);
	if (n == 1 && align == 1)
		i = p->hint;
	else
		i = frame_pool_find_run(p, p->hint, e, n, align);
	if (i >= e)
		return -ENOMEM;
	bitmap_set_range(p->used, i, n);
	p->free -= n;
	if (i == p->hint)
		p->hint = i + n;
	*pfn_out = p->base_pfn + i;
	return 0;
}

int frame_pool_free(struct frame_pool *p, uint64_t pfn, uint64_t n)
{
	uint64_t i;

	if (n == 0 || pfn < p->base_pfn || pfn - p->base_pfn >= p->nframes ||
	    n > p->nframes - (pfn - p->base_pfn))
		return -EINVAL;
	if (n > frame_pool_allocated(p))
		return -EINVAL;
	i = pfn - p->base_pfn;
	/* Every frame must be RAM and in use. */
	if (bitmap_find_clear(p->ram, i, i + n) != i + n ||
	    bitmap_find_clear(p->used, i, i + n) != i + n)
		return -EINVAL;
	bitmap_clear_range(p->used, i, n);
	p->free += n;
	if (i < p->hint)
		p->hint = i;
	return 0;
}

uint64_t frame_pool_allocated(const struct frame_pool *p)
{
	return p->usable - p->free - p->reserved;
}
