/* Memory map sanitizer: sort, resolve overlaps by type priority, merge, page-align usable RAM. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmk/bootinfo.h>
#include <vmk/compiler.h>
#include <vmk/errno.h>

#define MEMMAP_PAGE 4096u

/*
 * While sanitizing, regions are kept as [base, end) with end = base + len: after clipping, no
 * end overflows. Priority: usable lowest, then every other type by its number (so an unknown
 * type 0 still beats usable).
 */
static uint64_t memmap_end(const struct mem_region *r)
{
	return r->base + r->len;
}

static void memmap_set_end(struct mem_region *r, uint64_t end)
{
	r->len = end - r->base;
}

static uint64_t memmap_rank(uint32_t type)
{
	return type == MEM_USABLE ? 0 : (uint64_t)type + 1;
}

static void memmap_delete(struct mem_region *r, unsigned *n, unsigned i)
{
	memmove(&r[i], &r[i + 1], (*n - i - 1) * sizeof(*r));
	(*n)--;
}

/* r[i] may have moved right in base order: bubble it up within r[i..n). */
static void memmap_resort(struct mem_region *r, unsigned n, unsigned i)
{
	while (i + 1 < n && r[i + 1].base < r[i].base) {
		struct mem_region t = r[i];

		r[i] = r[i + 1];
		r[i + 1] = t;
		i++;
	}
}

/* Insert @x in base order within r[from..n); the caller guarantees room. */
static void memmap_insert(struct mem_region *r, unsigned *n, unsigned from,
			  const struct mem_region *x)
{
	unsigned k = from;

	while (k < *n && r[k].base <= x->base)
		k++;
	memmove(&r[k + 1], &r[k], (*n - k) * sizeof(*r));
	r[k] = *x;
	(*n)++;
}

/* Stable insertion sort by base: maps are small and this needs no scratch memory. */
static void memmap_sort(struct mem_region *r, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct mem_region x = r[i];
		unsigned k = i;

		while (k > 0 && r[k - 1].base > x.base) {
			r[k] = r[k - 1];
			k--;
		}
		r[k] = x;
	}
}

/*
 * Sweep in base order. r[0..i) is final (disjoint, and nothing after overlaps it); r[i..n) is
 * sorted by base. Compare the current region a = r[i] with the next one b = r[i + 1]: since
 * everything after b starts no earlier than b, a is final as soon as b starts at or after a's end.
 * Returns true when a split did not fit in @cap and the map was degraded conservatively.
 */
static bool memmap_resolve(struct mem_region *r, unsigned *n, unsigned cap)
{
	bool lossy = false;
	unsigned i = 0;

	while (i + 1 < *n) {
		struct mem_region *a = &r[i], *b = &r[i + 1];
		uint64_t a_end = memmap_end(a), b_end = memmap_end(b);

		if (b->base >= a_end) {
			i++;
			continue;
		}
		if (a->type == b->type) {
			memmap_set_end(a, MAX(a_end, b_end));
			memmap_delete(r, n, i + 1);
		} else if (memmap_rank(a->type) > memmap_rank(b->type)) {
			/* a wins: b keeps only what sticks out past a, if anything. */
			if (b_end <= a_end) {
				memmap_delete(r, n, i + 1);
			} else {
				b->base = a_end;
				memmap_set_end(b, b_end);
				memmap_resort(r, *n, i + 1);
			}
		} else {
			/* b wins: a keeps [a.base, b.base) and [b.end, a.end). */
			bool left = a->base < b->base, tail = b_end < a_end;

			if (left && tail) {
				struct mem_region t = {
					.base = b_end, .len = a_end - b_end, .type = a->type};

				memmap_set_end(a, b->base);
				if (*n < cap) {
					memmap_insert(r, n, i + 2, &t);
				} else if (a->type == MEM_USABLE) {
					lossy = true; /* drop the usable tail */
				} else {
					lossy = true; /* b's higher type absorbs the tail */
					memmap_set_end(b, a_end);
				}
				i++;
			} else if (left) {
				memmap_set_end(a, b->base);
				i++;
			} else if (tail) {
				/* Same base: a becomes its tail, which sorts after b. */
				struct mem_region t = *b;

				*b = *a;
				b->base = b_end;
				memmap_set_end(b, a_end);
				*a = t;
				memmap_resort(r, *n, i + 1);
			} else {
				memmap_delete(r, n, i);
			}
		}
	}
	return lossy;
}

int memmap_sanitize(struct mem_region *r, unsigned *n, unsigned cap)
{
	unsigned i, k;
	bool lossy;

	if (!r || !n || *n > cap)
		return -EINVAL;

	/* Clip overflowing ends, drop empty regions. */
	for (i = 0, k = 0; i < *n; i++) {
		struct mem_region x = r[i];

		if (x.len > UINT64_MAX - x.base)
			x.len = UINT64_MAX - x.base;
		if (x.len != 0)
			r[k++] = x;
	}
	*n = k;

	memmap_sort(r, *n);
	lossy = memmap_resolve(r, n, cap);

	/* Merge touching regions of the same type (the sweep can leave a few). */
	for (i = 0, k = 0; i < *n; i++) {
		if (k > 0 && r[k - 1].type == r[i].type && memmap_end(&r[k - 1]) == r[i].base)
			memmap_set_end(&r[k - 1], memmap_end(&r[i]));
		else
			r[k++] = r[i];
	}
	*n = k;

	/* Shrink usable regions inward to whole pages. */
	for (i = 0, k = 0; i < *n; i++) {
		struct mem_region x = r[i];

		if (x.type == MEM_USABLE) {
			uint64_t end = ALIGN_DOWN(memmap_end(&x), (uint64_t)MEMMAP_PAGE);

			if (x.base > UINT64_MAX - (MEMMAP_PAGE - 1))
				continue;
			x.base = ALIGN_UP(x.base, (uint64_t)MEMMAP_PAGE);
			if (end <= x.base)
				continue;
			memmap_set_end(&x, end);
		}
		r[k++] = x;
	}
	*n = k;

	return lossy ? -ENOSPC : 0;
}

uint64_t memmap_usable_bytes(const struct mem_region *r, unsigned n)
{
	uint64_t total = 0;

	for (unsigned i = 0; r && i < n; i++) {
		if (r[i].type != MEM_USABLE)
			continue;
		if (r[i].len > UINT64_MAX - total)
			return UINT64_MAX;
		total += r[i].len;
	}
	return total;
}

uint64_t memmap_usable_end(const struct mem_region *r, unsigned n)
{
	uint64_t top = 0;

	for (unsigned i = 0; r && i < n; i++) {
		uint64_t end;

		if (r[i].type != MEM_USABLE || r[i].len == 0)
			continue;
		end = r[i].len > UINT64_MAX - r[i].base ? UINT64_MAX : r[i].base + r[i].len;
		top = MAX(top, end);
	}
	return top;
}
