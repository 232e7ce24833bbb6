/* Host unit tests for the kernel heap (vmkernel/mm/heap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/compiler.h>
#include <vmk/heap.h>

/* Page provider: aligned_alloc, with a table of live blocks to check every free_pages call. */
#define PV_MAX_BLOCKS 8192

struct pv_block {
	void *p;
	size_t npages;
	bool freed; /* given back, but kept (defer mode) so stale reads stay in bounds */
};

struct fixture {
	struct heap h;
	struct heap_ops ops;
	struct pv_block blocks[PV_MAX_BLOCKS];
	size_t nblocks;
	size_t pages_live; /* pages handed out and not given back */
	long fail_after;   /* alloc_pages calls left before it fails; -1: never */
	bool defer;	   /* keep given-back blocks until teardown */
	unsigned corrupt_calls;
	void *corrupt_p;
	const char *corrupt_what;
};

static void *pv_alloc(size_t npages, void *ctx)
{
	struct fixture *f = ctx;
	void *p;

	assert_true(npages > 0);
	if (f->fail_after == 0)
		return NULL;
	if (f->fail_after > 0)
		f->fail_after--;
	assert_true(f->nblocks < PV_MAX_BLOCKS);
	p = aligned_alloc(HEAP_PAGE_SIZE, npages * HEAP_PAGE_SIZE);
	assert_non_null(p);
	/* Garbage, so the heap may not rely on fresh pages being zero. */
	memset(p, 0x3c, npages * HEAP_PAGE_SIZE);
	f->blocks[f->nblocks++] = (struct pv_block){.p = p, .npages = npages};
	f->pages_live += npages;
	return p;
}

static void pv_free(void *p, size_t npages, void *ctx)
{
	struct fixture *f = ctx;

	for (size_t i = 0; i < f->nblocks; i++) {
		struct pv_block *b = &f->blocks[i];

		if (b->p != p || b->freed)
			continue;
		assert_int_equal(b->npages, npages);
		f->pages_live -= npages;
		if (f->defer) {
			b->freed = true;
			return;
		}
		free(p);
		*b = f->blocks[--f->nblocks];
		return;
	}
	fail_msg("free_pages(%p, %zu) of a block never handed out", p, npages);
}

static void pv_corrupt(void *p, const char *what, void *ctx)
{
	struct fixture *f = ctx;

	f->corrupt_calls++;
	f->corrupt_p = p;
	f->corrupt_what = what;
}

static int fx_setup(void **state, bool poison)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->fail_after = -1;
	f->ops = (struct heap_ops){
		.alloc_pages = pv_alloc,
		.free_pages = pv_free,
		.corrupt = pv_corrupt,
		.ctx = f,
	};
	heap_init(&f->h, &f->ops, poison);
	*state = f;
	return 0;
}

static int setup_poison(void **state)
{
	return fx_setup(state, true);
}

static int setup_plain(void **state)
{
	return fx_setup(state, false);
}

/* Frees whatever a test left with the provider (quarantined slabs, smashed headers). */
static int teardown(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < f->nblocks; i++)
		free(f->blocks[i].p);
	free(f);
	return 0;
}

static struct heap_stats stats(struct fixture *f)
{
	struct heap_stats st;

	heap_get_stats(&f->h, &st);
	return st;
}

/* Class sizes as heap_size_of reports them, found on a scratch heap with f's provider. */
static size_t class_sizes(struct fixture *f, size_t out[HEAP_NCLASSES])
{
	struct heap h;
	size_t n = 0;

	heap_init(&h, &f->ops, true);
	for (size_t s = 1; s <= HEAP_MAX_CLASS_SIZE; s++) {
		void *p = heap_alloc(&h, s);
		size_t u = heap_size_of(&h, p);

		assert_non_null(p);
		assert_true(u >= s);
		if (n == 0 || out[n - 1] != u) {
			assert_true(n < HEAP_NCLASSES);
			assert_true(n == 0 || u > out[n - 1]);
			out[n++] = u;
		}
		heap_free(&h, p);
	}
	heap_trim(&h);
	assert_int_equal(f->pages_live, 0);
	return n;
}

static unsigned class_index(const size_t cls[HEAP_NCLASSES], size_t size)
{
	unsigned i = 0;

	while (cls[i] < size)
		i++;
	return i;
}

/* Everything freed, trimmed, and no page left with the provider. */
static void assert_all_returned(struct fixture *f)
{
	struct heap_stats st = stats(f);

	assert_int_equal(st.objects_in_use, 0);
	assert_int_equal(st.bytes_requested, 0);
	assert_int_equal(st.bytes_in_use, 0);
	assert_int_equal(st.large_pages, 0);
	assert_true(st.slab_pages <= HEAP_NCLASSES);
	assert_int_equal(heap_trim(&f->h), st.slab_pages);
	assert_int_equal(stats(f).slab_pages, 0);
	assert_int_equal(f->pages_live, 0);
	assert_int_equal(heap_trim(&f->h), 0);
}

static void test_init_and_zero(void **state)
{
	struct fixture *f = *state;
	struct heap_stats st = stats(f);
	struct heap_stats zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&st, &zero, sizeof(st));
	assert_null(heap_alloc(&f->h, 0));
	assert_null(heap_zalloc(&f->h, 0));
	heap_free(&f->h, NULL);
	assert_int_equal(heap_size_of(&f->h, NULL), 0);
	st = stats(f);
	assert_memory_equal(&st, &zero, sizeof(st));
	assert_int_equal(f->pages_live, 0);
	assert_int_equal(f->corrupt_calls, 0);
}

static void test_classes_and_boundaries(void **state)
{
	struct fixture *f = *state;
	size_t cls[HEAP_NCLASSES];
	size_t n = class_sizes(f, cls);

	assert_int_equal(n, HEAP_NCLASSES);
	assert_int_equal(cls[0], 16);
	assert_int_equal(cls[HEAP_NCLASSES - 1], HEAP_MAX_CLASS_SIZE);
	for (size_t i = 0; i < n; i++) {
		size_t c = cls[i];
		uint8_t *a = heap_alloc(&f->h, c);
		uint8_t *b = heap_alloc(&f->h, c + 1);
		struct heap_stats st = stats(f);

		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal((uintptr_t)a % 16, 0);
		assert_int_equal((uintptr_t)b % 16, 0);
		assert_int_equal(c % 16, 0);
		assert_int_equal(heap_size_of(&f->h, a), c);
		assert_int_equal(st.class_in_use[i], 1);
		if (i + 1 < n) {
			assert_int_equal(heap_size_of(&f->h, b), cls[i + 1]);
			assert_int_equal(st.class_in_use[i + 1], 1);
			assert_int_equal(st.large_pages, 0);
		} else {
			/* One past the largest class: a large block of one page. */
			assert_true(heap_size_of(&f->h, b) >= c + 1);
			assert_int_equal(st.large_pages, 1);
		}
		memset(a, 0x11, c);
		memset(b, 0x22, heap_size_of(&f->h, b));
		assert_int_equal(a[c - 1], 0x11);
		heap_free(&f->h, a);
		heap_free(&f->h, b);
	}
	assert_int_equal(f->corrupt_calls, 0);
	assert_all_returned(f);
}

static void test_large_blocks(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = {
		HEAP_MAX_CLASS_SIZE + 1, 4000,	  HEAP_PAGE_SIZE, HEAP_PAGE_SIZE + 1,
		3 * HEAP_PAGE_SIZE + 5,	 1 << 20,
	};
	void *p[ARRAY_SIZE(sizes)];
	uint64_t pages = 0, bytes = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t before = f->pages_live, got, usable;

		p[i] = heap_alloc(&f->h, sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		got = f->pages_live - before;
		usable = heap_size_of(&f->h, p[i]);
		assert_true(usable >= sizes[i]);
		/* Header lives in the first page: at most one page more than the payload needs. */
		assert_true(got >= (sizes[i] + HEAP_PAGE_SIZE - 1) / HEAP_PAGE_SIZE);
		assert_true(got <= (sizes[i] + HEAP_PAGE_SIZE - 1) / HEAP_PAGE_SIZE + 1);
		assert_true(usable < got * HEAP_PAGE_SIZE);
		assert_true(usable + HEAP_PAGE_SIZE > got * HEAP_PAGE_SIZE);
		memset(p[i], (int)i, usable);
		pages += got;
		bytes += sizes[i];
	}
	assert_int_equal(stats(f).large_pages, pages);
	assert_int_equal(stats(f).slab_pages, 0);
	assert_int_equal(stats(f).bytes_in_use, pages * HEAP_PAGE_SIZE);
	assert_int_equal(stats(f).bytes_requested, bytes);
	assert_int_equal(stats(f).objects_in_use, ARRAY_SIZE(sizes));
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *b = p[i];
		size_t usable = heap_size_of(&f->h, b);

		assert_int_equal(b[0], i);
		assert_int_equal(b[usable - 1], i);
		heap_free(&f->h, b);
	}
	assert_int_equal(f->corrupt_calls, 0);
	assert_all_returned(f);
}

static void test_stats_exact(void **state)
{
	struct fixture *f = *state;
	size_t cls[HEAP_NCLASSES];
	struct heap_stats st;
	void *a, *b, *c, *d;
	uint64_t lp;

	class_sizes(f, cls);
	a = heap_alloc(&f->h, 10);
	b = heap_alloc(&f->h, 100);
	c = heap_alloc(&f->h, 5000);
	d = heap_zalloc(&f->h, 10);
	st = stats(f);
	lp = st.large_pages;
	assert_true(lp == 2 || lp == 3);
	assert_int_equal(st.bytes_requested, 10 + 100 + 5000 + 10);
	assert_int_equal(st.bytes_in_use, 16 + 128 + lp * HEAP_PAGE_SIZE + 16);
	assert_int_equal(st.objects_in_use, 4);
	assert_int_equal(st.class_in_use[class_index(cls, 10)], 2);
	assert_int_equal(st.class_in_use[class_index(cls, 100)], 1);
	assert_int_equal(st.slab_pages, 2);
	assert_int_equal(st.allocs, 4);
	assert_int_equal(st.frees, 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(f->pages_live, 2 + lp);

	heap_free(&f->h, b);
	st = stats(f);
	assert_int_equal(st.bytes_requested, 10 + 5000 + 10);
	assert_int_equal(st.bytes_in_use, 16 + lp * HEAP_PAGE_SIZE + 16);
	assert_int_equal(st.objects_in_use, 3);
	assert_int_equal(st.class_in_use[class_index(cls, 100)], 0);
	assert_int_equal(st.slab_pages, 2); /* the empty slab stays cached */
	assert_int_equal(st.frees, 1);

	heap_free(&f->h, c);
	st = stats(f);
	assert_int_equal(st.large_pages, 0);
	assert_int_equal(st.bytes_in_use, 32);
	assert_int_equal(f->pages_live, 2);

	heap_free(&f->h, a);
	heap_free(&f->h, d);
	st = stats(f);
	assert_int_equal(st.allocs, 4);
	assert_int_equal(st.frees, 4);
	assert_int_equal(st.slab_pages, 2);
	assert_int_equal(heap_trim(&f->h), 2);
	assert_int_equal(f->pages_live, 0);
	assert_int_equal(f->corrupt_calls, 0);
}

static void test_poison_fills(void **state)
{
	struct fixture *f = *state;
	uint8_t *p = heap_alloc(&f->h, 64);
	uint8_t *z;
	uint8_t *l;

	assert_non_null(p);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(p[i], HEAP_POISON_ALLOC);
	heap_free(&f->h, p);
	/* The slab page is still held (cached empty), so the freed object can be inspected. */
	for (size_t i = sizeof(void *); i < 64; i++)
		assert_int_equal(p[i], HEAP_POISON_FREE);

	z = heap_zalloc(&f->h, 40);
	assert_non_null(z);
	for (size_t i = 0; i < heap_size_of(&f->h, z); i++)
		assert_int_equal(z[i], 0);

	l = heap_alloc(&f->h, 3 * HEAP_PAGE_SIZE);
	assert_non_null(l);
	for (size_t i = 0; i < heap_size_of(&f->h, l); i++)
		assert_int_equal(l[i], HEAP_POISON_ALLOC);
	heap_free(&f->h, l);
	l = heap_zalloc(&f->h, 3 * HEAP_PAGE_SIZE);
	assert_non_null(l);
	for (size_t i = 0; i < heap_size_of(&f->h, l); i++)
		assert_int_equal(l[i], 0);
	heap_free(&f->h, l);
	heap_free(&f->h, z);
	assert_int_equal(f->corrupt_calls, 0);
	assert_all_returned(f);
}

static void test_zalloc_plain(void **state)
{
	struct fixture *f = *state;
	uint8_t *p = heap_alloc(&f->h, 200);

	memset(p, 0xff, heap_size_of(&f->h, p));
	heap_free(&f->h, p);
	p = heap_zalloc(&f->h, 200);
	assert_non_null(p);
	for (size_t i = 0; i < heap_size_of(&f->h, p); i++)
		assert_int_equal(p[i], 0);
	heap_free(&f->h, p);
	assert_int_equal(f->corrupt_calls, 0);
	assert_all_returned(f);
}

/* Only one empty slab per class is cached; the others go back as they empty. */
static void test_empty_slab_cache(void **state)
{
	struct fixture *f = *state;
	enum { N = 224 * 10 };
	static void *p[N];

	for (size_t i = 0; i < N; i++) {
		p[i] = heap_alloc(&f->h, 16);
		assert_non_null(p[i]);
	}
	assert_true(stats(f).slab_pages >= 10);
	assert_int_equal(f->pages_live, stats(f).slab_pages);
	for (size_t i = 0; i < N; i++)
		heap_free(&f->h, p[i]);
	assert_int_equal(stats(f).slab_pages, 1);
	assert_int_equal(f->pages_live, 1);
	/* Reuse of the cached slab takes no new page. */
	p[0] = heap_alloc(&f->h, 1);
	assert_int_equal(f->pages_live, 1);
	heap_free(&f->h, p[0]);
	assert_int_equal(heap_trim(&f->h), 1);
	assert_int_equal(f->pages_live, 0);
	assert_int_equal(f->corrupt_calls, 0);
}

static void test_alloc_failure(void **state)
{
	struct fixture *f = *state;
	void *a, *b;

	f->fail_after = 0;
	assert_null(heap_alloc(&f->h, 32));
	assert_null(heap_zalloc(&f->h, 32));
	assert_null(heap_alloc(&f->h, 100000));
	assert_null(heap_alloc(&f->h, SIZE_MAX));
	assert_int_equal(stats(f).failures, 4);
	assert_int_equal(stats(f).allocs, 0);
	assert_int_equal(stats(f).objects_in_use, 0);
	f->fail_after = 1;
	a = heap_alloc(&f->h, 32);
	assert_non_null(a);
	b = heap_alloc(&f->h, 32); /* same slab: no page needed */
	assert_non_null(b);
	assert_null(heap_alloc(&f->h, 64));
	assert_int_equal(stats(f).failures, 5);
	f->fail_after = -1;
	assert_null(heap_alloc(&f->h, SIZE_MAX - 10));
	assert_int_equal(stats(f).failures, 6);
	heap_free(&f->h, a);
	heap_free(&f->h, b);
	assert_int_equal(f->corrupt_calls, 0);
	assert_all_returned(f);
}

/* Random alloc/free against a reference model, contents checked with a per-object pattern. */
struct live {
	uint8_t *p;
	size_t size;
	uint64_t in_use; /* what this object adds to bytes_in_use */
	uint8_t seed;
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t rand_size(uint64_t *rng)
{
	uint64_t r = rng_next(rng);

	switch (r % 16) {
	case 0:
		return 1 + (r >> 8) % 20000; /* large mostly */
	case 1:
	case 2:
		return 1 + (r >> 8) % HEAP_MAX_CLASS_SIZE;
	default:
		return 1 + (r >> 8) % 300;
	}
}

static void fill(struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		l->p[i] = (uint8_t)(l->seed + i * 7);
}

static void check(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++) {
		if (l->p[i] != (uint8_t)(l->seed + i * 7))
			fail_msg("object %p (size %zu) byte %zu damaged", (void *)l->p, l->size, i);
	}
}

static void stress(struct fixture *f, uint64_t seed)
{
	enum { SLOTS = 1500, OPS = 60000 };
	static struct live live[SLOTS];
	uint64_t rng = seed;
	uint64_t req = 0, in_use = 0, objs = 0;
	uint64_t allocs = stats(f).allocs, frees = stats(f).frees;

	memset(live, 0, sizeof(live));
	for (unsigned op = 0; op < OPS; op++) {
		struct live *l = &live[rng_next(&rng) % SLOTS];

		if (l->p) {
			check(l);
			heap_free(&f->h, l->p);
			req -= l->size;
			in_use -= l->in_use;
			objs--;
			frees++;
			l->p = NULL;
		} else {
			size_t before = f->pages_live;
			bool z = rng_next(&rng) % 8 == 0;

			l->size = rand_size(&rng);
			l->p = z ? heap_zalloc(&f->h, l->size) : heap_alloc(&f->h, l->size);
			assert_non_null(l->p);
			assert_int_equal((uintptr_t)l->p % 16, 0);
			assert_true(heap_size_of(&f->h, l->p) >= l->size);
			if (z) {
				for (size_t i = 0; i < l->size; i++)
					assert_int_equal(l->p[i], 0);
			}
			if (l->size > HEAP_MAX_CLASS_SIZE)
				l->in_use = (f->pages_live - before) * HEAP_PAGE_SIZE;
			else
				l->in_use = heap_size_of(&f->h, l->p);
			l->seed = (uint8_t)rng_next(&rng);
			fill(l);
			req += l->size;
			in_use += l->in_use;
			objs++;
			allocs++;
		}
		if (op % 64 == 0 || op == OPS - 1) {
			struct heap_stats st = stats(f);

			assert_int_equal(st.bytes_requested, req);
			assert_int_equal(st.bytes_in_use, in_use);
			assert_int_equal(st.objects_in_use, objs);
			assert_int_equal(st.allocs, allocs);
			assert_int_equal(st.frees, frees);
			assert_int_equal(st.slab_pages + st.large_pages, f->pages_live);
		}
		if (op % 5000 == 0)
			heap_trim(&f->h);
	}
	for (size_t i = 0; i < SLOTS; i++) {
		if (!live[i].p)
			continue;
		check(&live[i]);
		heap_free(&f->h, live[i].p);
	}
	assert_int_equal(f->corrupt_calls, 0);
	assert_int_equal(stats(f).corruptions, 0);
	assert_int_equal(stats(f).failures, 0);
	assert_all_returned(f);
}

static void test_stress(void **state)
{
	stress(*state, 0x9e3779b97f4a7c15ULL);
	stress(*state, 12345);
}

/* --- Corruption: each case reports exactly once and leaves the heap usable. --- */

static void expect_one_corruption(struct fixture *f, const void *p)
{
	assert_int_equal(f->corrupt_calls, 1);
	assert_int_equal(stats(f).corruptions, 1);
	assert_ptr_equal(f->corrupt_p, p);
	assert_non_null(f->corrupt_what);
}

static void test_double_free(void **state)
{
	struct fixture *f = *state;
	void *keep = heap_alloc(&f->h, 32);
	void *a = heap_alloc(&f->h, 32);
	void *b, *c;

	heap_free(&f->h, a);
	heap_free(&f->h, a);
	expect_one_corruption(f, a);
	assert_int_equal(stats(f).frees, 1);
	assert_int_equal(stats(f).objects_in_use, 1);
	/* Had a gone on the free list twice, both would get it. */
	b = heap_alloc(&f->h, 32);
	c = heap_alloc(&f->h, 32);
	assert_ptr_not_equal(b, c);
	assert_ptr_not_equal(b, keep);
	assert_ptr_not_equal(c, keep);
	heap_free(&f->h, b);
	heap_free(&f->h, c);
	heap_free(&f->h, keep);
	assert_int_equal(f->corrupt_calls, 1);
	assert_all_returned(f);
}

static void test_free_inside_object(void **state)
{
	struct fixture *f = *state;
	uint8_t *a = heap_alloc(&f->h, 64);

	heap_free(&f->h, a + 16);
	expect_one_corruption(f, a + 16);
	assert_int_equal(stats(f).objects_in_use, 1);
	assert_int_equal(stats(f).frees, 0);
	heap_free(&f->h, a);
	assert_int_equal(f->corrupt_calls, 1);
	assert_all_returned(f);
}

static void test_free_unaligned(void **state)
{
	struct fixture *f = *state;
	uint8_t *a = heap_alloc(&f->h, 100);

	heap_free(&f->h, a + 3);
	expect_one_corruption(f, a + 3);
	heap_free(&f->h, a);
	assert_int_equal(f->corrupt_calls, 1);
	assert_all_returned(f);
}

static void test_free_slab_header(void **state)
{
	struct fixture *f = *state;
	uint8_t *a = heap_alloc(&f->h, 16);
	uint8_t *page = (uint8_t *)((uintptr_t)a & ~(uintptr_t)(HEAP_PAGE_SIZE - 1));

	assert_ptr_not_equal(a, page); /* the header comes first */
	heap_free(&f->h, page + 16);
	expect_one_corruption(f, page + 16);
	heap_free(&f->h, page);
	assert_int_equal(f->corrupt_calls, 2);
	assert_int_equal(stats(f).objects_in_use, 1);
	heap_free(&f->h, a);
	assert_int_equal(f->corrupt_calls, 2);
	assert_all_returned(f);
}

static void test_free_past_last_object(void **state)
{
	struct fixture *f = *state;
	/* 320-byte class: 12 objects from offset 80 end 176 bytes before the end of the page. */
	uint8_t *a = heap_alloc(&f->h, 300);
	uint8_t *page = (uint8_t *)((uintptr_t)a & ~(uintptr_t)(HEAP_PAGE_SIZE - 1));

	assert_int_equal(heap_size_of(&f->h, a), 320);
	heap_free(&f->h, page + HEAP_PAGE_SIZE - 16);
	expect_one_corruption(f, page + HEAP_PAGE_SIZE - 16);
	heap_free(&f->h, a);
	assert_int_equal(f->corrupt_calls, 1);
	assert_all_returned(f);
}

static void test_free_other_heaps_object(void **state)
{
	struct fixture *f = *state;
	struct heap other;
	void *a;

	heap_init(&other, &f->ops, true);
	a = heap_alloc(&other, 48);
	heap_free(&f->h, a);
	expect_one_corruption(f, a);
	assert_int_equal(stats(f).frees, 0);
	heap_free(&other, a);
	assert_int_equal(f->corrupt_calls, 1);
	assert_int_equal(heap_trim(&other), 1);
	assert_all_returned(f);
}

static void test_size_of_freed(void **state)
{
	struct fixture *f = *state;
	void *keep = heap_alloc(&f->h, 24);
	void *a = heap_alloc(&f->h, 24);

	heap_free(&f->h, a);
	assert_int_equal(heap_size_of(&f->h, a), 0);
	expect_one_corruption(f, a);
	heap_free(&f->h, keep);
	assert_all_returned(f);
}

static void test_write_after_free(void **state)
{
	struct fixture *f = *state;
	uint8_t *keep = heap_alloc(&f->h, 48);
	uint8_t *a = heap_alloc(&f->h, 48);
	uint8_t *b, *c;

	heap_free(&f->h, a);
	a[20] = 0; /* stale write */
	assert_int_equal(f->corrupt_calls, 0);
	b = heap_alloc(&f->h, 48);
	expect_one_corruption(f, a);
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	for (size_t i = 0; i < 48; i++)
		assert_int_equal(b[i], HEAP_POISON_ALLOC);
	/* a is quarantined: never handed out again, and freeing it is refused. */
	c = heap_alloc(&f->h, 48);
	assert_ptr_not_equal(c, a);
	assert_int_equal(f->corrupt_calls, 1);
	heap_free(&f->h, a);
	assert_int_equal(f->corrupt_calls, 2);
	heap_free(&f->h, b);
	heap_free(&f->h, c);
	heap_free(&f->h, keep);
	assert_int_equal(f->corrupt_calls, 2);
	assert_int_equal(stats(f).objects_in_use, 0);
	assert_int_equal(stats(f).bytes_requested, 0);
	/* The slab holding the quarantined object is never released. */
	assert_int_equal(stats(f).slab_pages, 1);
	assert_int_equal(heap_trim(&f->h), 0);
}

static void test_write_after_free_link(void **state)
{
	struct fixture *f = *state;
	void *keep = heap_alloc(&f->h, 128);
	void *a = heap_alloc(&f->h, 128);
	void *b;

	heap_free(&f->h, a);
	*(uint64_t *)a = 0xdeadbeefcafef00dULL; /* smashes the free-list link */
	b = heap_alloc(&f->h, 128);
	expect_one_corruption(f, a);
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	heap_free(&f->h, b);
	heap_free(&f->h, keep);
	assert_int_equal(f->corrupt_calls, 1);
}

static void test_write_after_free_plain_link(void **state)
{
	/* Without poison the link is still checked. */
	test_write_after_free_link(state);
}

static void test_write_after_free_deep(void **state)
{
	struct fixture *f = *state;
	void *p[8];
	uint8_t *victim;

	for (size_t i = 0; i < 8; i++)
		p[i] = heap_alloc(&f->h, 64);
	for (size_t i = 0; i < 8; i++)
		heap_free(&f->h, p[i]);
	victim = p[2];
	victim[63] ^= 1; /* caught only when the allocator reaches it */
	for (size_t i = 0; i < 8; i++) {
		p[i] = heap_alloc(&f->h, 64);
		assert_ptr_not_equal(p[i], victim);
	}
	expect_one_corruption(f, victim);
	for (size_t i = 0; i < 8; i++)
		heap_free(&f->h, p[i]);
	assert_int_equal(f->corrupt_calls, 1);
}

static void test_smashed_slab_header(void **state)
{
	struct fixture *f = *state;
	uint8_t *a = heap_alloc(&f->h, 32);
	uint8_t *b = heap_alloc(&f->h, 32);
	uint64_t *page = (uint64_t *)((uintptr_t)a & ~(uintptr_t)(HEAP_PAGE_SIZE - 1));
	uint64_t saved = page[0];

	page[0] ^= 0x0101;
	heap_free(&f->h, b);
	expect_one_corruption(f, b);
	assert_int_equal(stats(f).objects_in_use, 2);
	page[0] = saved;
	heap_free(&f->h, b);
	heap_free(&f->h, a);
	assert_int_equal(f->corrupt_calls, 1);
	assert_all_returned(f);
}

static void test_smashed_header_at_alloc(void **state)
{
	struct fixture *f = *state;
	void *a = heap_alloc(&f->h, 32);
	uint64_t *page = (uint64_t *)((uintptr_t)a & ~(uintptr_t)(HEAP_PAGE_SIZE - 1));
	void *b;

	page[1] = 0; /* check word */
	b = heap_alloc(&f->h, 32);
	expect_one_corruption(f, page);
	assert_non_null(b);
	assert_int_not_equal((uintptr_t)b & ~(uintptr_t)(HEAP_PAGE_SIZE - 1), (uintptr_t)page);
	heap_free(&f->h, b);
	assert_int_equal(f->corrupt_calls, 1);
}

static void test_large_double_free(void **state)
{
	struct fixture *f = *state;
	uint8_t *a;

	f->defer = true; /* keep the pages readable after they go back */
	a = heap_alloc(&f->h, 3 * HEAP_PAGE_SIZE);
	heap_free(&f->h, a + HEAP_PAGE_SIZE); /* second page: no header there */
	expect_one_corruption(f, a + HEAP_PAGE_SIZE);
	heap_free(&f->h, a + 16);
	assert_int_equal(f->corrupt_calls, 2);
	heap_free(&f->h, a);
	assert_int_equal(f->pages_live, 0);
	assert_int_equal(f->corrupt_calls, 2);
	heap_free(&f->h, a);
	assert_int_equal(f->corrupt_calls, 3);
	assert_ptr_equal(f->corrupt_p, a);
	assert_int_equal(stats(f).frees, 1);
	assert_int_equal(stats(f).large_pages, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_and_zero, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_classes_and_boundaries, setup_poison,
						teardown),
		cmocka_unit_test_setup_teardown(test_classes_and_boundaries, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_large_blocks, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_stats_exact, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_stats_exact, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_poison_fills, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_zalloc_plain, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_empty_slab_cache, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_stress, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_stress, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_double_free, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_double_free, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_object, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_free_unaligned, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_free_slab_header, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_free_past_last_object, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_free_other_heaps_object, setup_poison,
						teardown),
		cmocka_unit_test_setup_teardown(test_size_of_freed, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_write_after_free, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_write_after_free_link, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_write_after_free_plain_link, setup_plain,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_after_free_deep, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_smashed_slab_header, setup_poison, teardown),
		cmocka_unit_test_setup_teardown(test_smashed_header_at_alloc, setup_poison,
						teardown),
		cmocka_unit_test_setup_teardown(test_large_double_free, setup_poison, teardown),
	};

	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
