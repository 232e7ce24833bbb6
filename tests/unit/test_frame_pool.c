/* Unit tests for vmk/frame_pool.h: edge cases and random sequences against a reference model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/bitmap.h>
#include <vmk/errno.h>
#include <vmk/frame_pool.h>

/* An odd base and a length that is not a multiple of 64 keep index and pfn alignment apart. */
#define BASE	0x1003ULL
#define NFRAMES 1000ULL

enum fstate { NOT_RAM, FREE, ALLOC, RESV };

struct fixture {
	struct frame_pool p;
	unsigned long ram[BITMAP_WORDS(NFRAMES) + 1];
	unsigned long used[BITMAP_WORDS(NFRAMES) + 1];
	enum fstate model[NFRAMES];
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	/* Garbage first: init must overwrite both maps; the guard words past them must stay. */
	memset(f->ram, 0xa5, sizeof(f->ram));
	memset(f->used, 0x5a, sizeof(f->used));
	frame_pool_init(&f->p, BASE, NFRAMES, f->ram, f->used);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* The pool agrees with the model: both bitmaps, every counter, the hint and the guard words. */
static void check_model(struct fixture *f)
{
	uint64_t usable = 0, nfree = 0, resv = 0, alloc = 0;

	for (uint64_t i = 0; i < NFRAMES; i++) {
		enum fstate s = f->model[i];
		bool ram = bitmap_test(f->ram, i), used = bitmap_test(f->used, i);

		if (ram != (s != NOT_RAM) || used != (s != FREE))
			fail_msg("frame %#llx: ram %d used %d, model state %d",
				 (unsigned long long)(BASE + i), ram, used, s);
		usable += s != NOT_RAM;
		nfree += s == FREE;
		resv += s == RESV;
		alloc += s == ALLOC;
		if (s == FREE && i < f->p.hint)
			fail_msg("free frame %llu below the hint %llu", (unsigned long long)i,
				 (unsigned long long)f->p.hint);
	}
	assert_int_equal(f->p.usable, usable);
	assert_int_equal(f->p.free, nfree);
	assert_int_equal(f->p.reserved, resv);
	assert_int_equal(frame_pool_allocated(&f->p), alloc);
	assert_int_equal(f->p.usable, f->p.free + f->p.reserved + frame_pool_allocated(&f->p));
	assert_int_equal(f->ram[BITMAP_WORDS(NFRAMES)], 0xa5a5a5a5a5a5a5a5UL);
	assert_int_equal(f->used[BITMAP_WORDS(NFRAMES)], 0x5a5a5a5a5a5a5a5aUL);
}

static void model_add(struct fixture *f, uint64_t pfn, uint64_t n)
{
	for (uint64_t k = 0; k < n && pfn + k >= pfn; k++)
		if (pfn + k >= BASE && pfn + k < BASE + NFRAMES &&
		    f->model[pfn + k - BASE] == NOT_RAM)
			f->model[pfn + k - BASE] = FREE;
}

static void model_reserve(struct fixture *f, uint64_t pfn, uint64_t n)
{
	for (uint64_t k = 0; k < n && pfn + k >= pfn; k++)
		if (pfn + k >= BASE && pfn + k < BASE + NFRAMES && f->model[pfn + k - BASE] == FREE)
			f->model[pfn + k - BASE] = RESV;
}

/* The lowest pfn the contract allows, or 0 if none. */
static uint64_t model_find(struct fixture *f, uint64_t n, uint64_t align, uint64_t limit)
{
	for (uint64_t i = 0; i + n <= NFRAMES; i++) {
		bool ok = (BASE + i) % align == 0 && (limit == 0 || BASE + i + n <= limit);

		for (uint64_t k = i; ok && k < i + n; k++)
			ok = f->model[k] == FREE;
		if (ok)
			return BASE + i;
	}
	return 0;
}

static void test_map_bytes(void **state)
{
	(void)state;
	assert_int_equal(frame_pool_map_bytes(0), 0);
	assert_int_equal(frame_pool_map_bytes(1), 8);
	assert_int_equal(frame_pool_map_bytes(64), 8);
	assert_int_equal(frame_pool_map_bytes(65), 16);
	assert_int_equal(frame_pool_map_bytes(1ULL << 20), (1 << 20) / 8);
}

static void test_init_empty(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn = 0x777;

	check_model(f);
	assert_int_equal(f->p.base_pfn, BASE);
	assert_int_equal(f->p.nframes, NFRAMES);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, 0, &pfn), -ENOMEM);
	assert_int_equal(pfn, 0x777);
	assert_int_equal(frame_pool_free(&f->p, BASE, 1), -EINVAL);
	frame_pool_reserve(&f->p, BASE, NFRAMES);
	check_model(f);
}

static void test_add_clipping(void **state)
{
	struct fixture *f = *state;

	/* Below the pool, straddling its start, inside, straddling its end, above it. */
	frame_pool_add(&f->p, 0, 10);
	frame_pool_add(&f->p, BASE - 5, 10);
	model_add(f, BASE - 5, 10);
	check_model(f);
	assert_int_equal(f->p.usable, 5);
	frame_pool_add(&f->p, BASE + 100, 64);
	model_add(f, BASE + 100, 64);
	frame_pool_add(&f->p, BASE + NFRAMES - 3, 100);
	model_add(f, BASE + NFRAMES - 3, 100);
	frame_pool_add(&f->p, BASE + NFRAMES, 100);
	frame_pool_add(&f->p, BASE + 50, 0);
	check_model(f);
	assert_int_equal(f->p.usable, 5 + 64 + 3);
	/* pfn + n overflowing 64 bits is clipped, not wrapped. */
	frame_pool_add(&f->p, BASE + 500, UINT64_MAX);
	model_add(f, BASE + 500, NFRAMES);
	frame_pool_add(&f->p, UINT64_MAX - 5, 100);
	check_model(f);
	assert_int_equal(f->p.usable, 5 + 64 + 500);
}

static void test_add_twice_and_over_used(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn;

	frame_pool_add(&f->p, BASE, 100);
	frame_pool_add(&f->p, BASE + 50, 100);
	model_add(f, BASE, 150);
	check_model(f);
	assert_int_equal(f->p.usable, 150);
	assert_int_equal(f->p.free, 150);

	/* Adding again over allocated and reserved frames changes nothing for them. */
	assert_int_equal(frame_pool_alloc(&f->p, 10, 1, 0, &pfn), 0);
	assert_int_equal(pfn, BASE);
	for (int i = 0; i < 10; i++)
		f->model[i] = ALLOC;
	frame_pool_reserve(&f->p, BASE + 20, 5);
	model_reserve(f, BASE + 20, 5);
	frame_pool_add(&f->p, BASE, 200);
	model_add(f, BASE, 200);
	check_model(f);
	assert_int_equal(f->p.usable, 200);
	assert_int_equal(frame_pool_allocated(&f->p), 10);
	assert_int_equal(f->p.reserved, 5);
}

static void test_reserve(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn;

	frame_pool_add(&f->p, BASE + 10, 20);  /* [10, 30) */
	frame_pool_add(&f->p, BASE + 100, 50); /* [100, 150) */
	model_add(f, BASE + 10, 20);
	model_add(f, BASE + 100, 50);
	assert_int_equal(frame_pool_alloc(&f->p, 5, 1, 0, &pfn), 0);
	assert_int_equal(pfn, BASE + 10);
	for (int i = 10; i < 15; i++)
		f->model[i] = ALLOC;
	/* Across allocated frames, a hole and the end of the pool: only free RAM is taken. */
	frame_pool_reserve(&f->p, BASE, 120);
	model_reserve(f, BASE, 120);
	check_model(f);
	assert_int_equal(f->p.reserved, 15 + 20);
	frame_pool_reserve(&f->p, BASE + 100, 40); /* overlaps what is reserved already */
	model_reserve(f, BASE + 100, 40);
	frame_pool_reserve(&f->p, BASE + 140, UINT64_MAX);
	model_reserve(f, BASE + 140, NFRAMES);
	frame_pool_reserve(&f->p, BASE - 100, 50);
	check_model(f);
	assert_int_equal(f->p.reserved, 15 + 50);
	assert_int_equal(f->p.free, 0);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, 0, &pfn), -ENOMEM);
	/* Reserved frames are not handed out even after everything else is freed. */
	assert_int_equal(frame_pool_free(&f->p, BASE + 10, 5), 0);
	for (int i = 10; i < 15; i++)
		f->model[i] = FREE;
	check_model(f);
	assert_int_equal(frame_pool_alloc(&f->p, 6, 1, 0, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, 5, 1, 0, &pfn), 0);
	assert_int_equal(pfn, BASE + 10);
}

static void test_alloc_invalid(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn = 0x777;

	frame_pool_add(&f->p, BASE, NFRAMES);
	assert_int_equal(frame_pool_alloc(&f->p, 0, 1, 0, &pfn), -EINVAL);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 0, 0, &pfn), -EINVAL);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 3, 0, &pfn), -EINVAL);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 12, 0, &pfn), -EINVAL);
	assert_int_equal(frame_pool_alloc(&f->p, 1, (1ULL << 63) + 1, 0, &pfn), -EINVAL);
	assert_int_equal(frame_pool_alloc(&f->p, NFRAMES + 1, 1, 0, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, UINT64_MAX, 1, 0, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1ULL << 63, 0, &pfn), -ENOMEM);
	assert_int_equal(pfn, 0x777);
	model_add(f, BASE, NFRAMES);
	check_model(f);
}

static void test_alloc_align(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn;

	frame_pool_add(&f->p, BASE, NFRAMES);
	/* Alignment is of the pfn: BASE is odd, so index 0 is not 2-aligned. */
	assert_int_equal(frame_pool_alloc(&f->p, 1, 2, 0, &pfn), 0);
	assert_int_equal(pfn, BASE + 1);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, 0, &pfn), 0);
	assert_int_equal(pfn, BASE);
	assert_int_equal(frame_pool_alloc(&f->p, 3, 8, 0, &pfn), 0);
	assert_int_equal(pfn, 0x1008);
	assert_int_equal(frame_pool_alloc(&f->p, 512, 512, 0, &pfn),
			 -ENOMEM); /* 0x1200+512 > end */
	assert_int_equal(frame_pool_alloc(&f->p, 256, 256, 0, &pfn), 0);
	assert_int_equal(pfn, 0x1100);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, 0, &pfn), 0);
	assert_int_equal(pfn, BASE + 2); /* the hole before the aligned runs */
	/* Whole pool in one go is impossible now, but the largest tail run works. */
	assert_int_equal(frame_pool_alloc(&f->p, BASE + NFRAMES - 0x1200, 1, 0, &pfn), 0);
	assert_int_equal(pfn, 0x1200);
}

static void test_alloc_limit(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn;

	frame_pool_add(&f->p, BASE, NFRAMES);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, BASE, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, 1, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, 2, 1, BASE + 1, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, BASE + 1, &pfn), 0);
	assert_int_equal(pfn, BASE);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, BASE + 1, &pfn), -ENOMEM);
	/* The whole run must lie below the limit. */
	assert_int_equal(frame_pool_alloc(&f->p, 10, 1, BASE + 10, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, 9, 1, BASE + 10, &pfn), 0);
	assert_int_equal(pfn, BASE + 1);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, BASE + 10, &pfn), -ENOMEM);
	/* A limit past the pool is no limit. */
	assert_int_equal(frame_pool_alloc(&f->p, NFRAMES - 10, 1, UINT64_MAX, &pfn), 0);
	assert_int_equal(pfn, BASE + 10);
	assert_int_equal(f->p.free, 0);
	/* After freeing high frames, a low limit still finds nothing. */
	assert_int_equal(frame_pool_free(&f->p, BASE + 500, 10), 0);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, BASE + 500, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_alloc(&f->p, 1, 1, BASE + 501, &pfn), 0);
	assert_int_equal(pfn, BASE + 500);
}

static void test_free_invalid_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct frame_pool before;
	unsigned long ram[sizeof(f->ram) / sizeof(f->ram[0])];
	unsigned long used[sizeof(f->used) / sizeof(f->used[0])];
	uint64_t pfn;

	frame_pool_add(&f->p, BASE, 100);
	frame_pool_add(&f->p, BASE + 200, 100);
	assert_int_equal(frame_pool_alloc(&f->p, 100, 1, 0, &pfn), 0); /* [0, 100) */
	assert_int_equal(frame_pool_alloc(&f->p, 10, 1, 0, &pfn), 0);  /* [200, 210) */
	assert_int_equal(pfn, BASE + 200);
	assert_int_equal(frame_pool_free(&f->p, BASE + 50, 10), 0); /* [50, 60) free now */
	before = f->p;
	memcpy(ram, f->ram, sizeof(ram));
	memcpy(used, f->used, sizeof(used));

	static const struct {
		uint64_t pfn, n;
	} bad[] = {
		{BASE + 10, 0},		 /* nothing */
		{BASE - 1, 1},		 /* below the pool */
		{BASE - 1, 2},		 /* straddling its start */
		{0, 1},			 /* far below */
		{BASE + NFRAMES, 1},	 /* past the end */
		{BASE + NFRAMES - 1, 2}, /* straddling the end */
		{BASE + 10, UINT64_MAX}, /* n overflowing */
		{UINT64_MAX, 2},	 /* pfn + n overflowing */
		{BASE + 100, 1},	 /* not RAM */
		{BASE + 95, 10},	 /* runs into a hole */
		{BASE + 55, 1},		 /* already free */
		{BASE + 45, 10},	 /* partly already free */
		{BASE + 59, 2},		 /* partly already free */
		{BASE + 210, 1},	 /* RAM, never allocated */
		{BASE + 205, 10},	 /* partly never allocated */
		{BASE, 101},		 /* more than allocated, and into a hole */
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		if (frame_pool_free(&f->p, bad[k].pfn, bad[k].n) != -EINVAL)
			fail_msg("free(%#llx, %llu) accepted", (unsigned long long)bad[k].pfn,
				 (unsigned long long)bad[k].n);
		assert_memory_equal(&f->p, &before, sizeof(before));
		assert_memory_equal(f->ram, ram, sizeof(ram));
		assert_memory_equal(f->used, used, sizeof(used));
	}
	/* Double free of a whole allocation. */
	assert_int_equal(frame_pool_free(&f->p, BASE + 200, 10), 0);
	assert_int_equal(frame_pool_free(&f->p, BASE + 200, 10), -EINVAL);
	/* Freeing across two allocations at once is allowed. */
	assert_int_equal(frame_pool_free(&f->p, BASE + 40, 10), 0);
	assert_int_equal(frame_pool_free(&f->p, BASE, 40), 0);
	assert_int_equal(frame_pool_free(&f->p, BASE + 60, 40), 0);
	assert_int_equal(frame_pool_allocated(&f->p), 0);
	assert_int_equal(f->p.free, 200);
}

/* More frees than there are allocated frames (e.g. of reserved ones) are refused. */
static void test_free_reserved_guard(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn;

	frame_pool_add(&f->p, BASE, 64);
	frame_pool_reserve(&f->p, BASE, 8);
	assert_int_equal(frame_pool_alloc(&f->p, 2, 1, 0, &pfn), 0);
	assert_int_equal(pfn, BASE + 8);
	assert_int_equal(frame_pool_free(&f->p, BASE, 8), -EINVAL);
	assert_int_equal(frame_pool_allocated(&f->p), 2);
	assert_int_equal(f->p.reserved, 8);
}

/* Random add/reserve/alloc/free against the model; every allocation must be the lowest fit. */
static void run_random(struct fixture *f, uint64_t seed, int steps)
{
	struct {
		uint64_t pfn, n;
	} live[256];
	int nlive = 0;

	rng_state = seed;
	for (int step = 0; step < steps; step++) {
		uint64_t r = rng() % 100, pfn, n, align, limit;
		int rc;

		if (r < 4) {
			pfn = BASE - 20 + rng() % (NFRAMES + 40);
			n = rng() % 200;
			frame_pool_add(&f->p, pfn, n);
			model_add(f, pfn, n);
		} else if (r < 6) {
			pfn = BASE - 20 + rng() % (NFRAMES + 40);
			n = rng() % 30;
			frame_pool_reserve(&f->p, pfn, n);
			model_reserve(f, pfn, n);
		} else if (r < 55 && nlive < 256) {
			n = rng() % 3 ? 1 : 1 + rng() % 40;
			align = rng() % 3 ? 1 : 1ULL << (rng() % 8);
			limit = rng() % 4 ? 0 : BASE + rng() % (NFRAMES + 20);
			uint64_t want = model_find(f, n, align, limit);
			rc = frame_pool_alloc(&f->p, n, align, limit, &pfn);
			if (want == 0) {
				assert_int_equal(rc, -ENOMEM);
			} else {
				if (rc != 0 || pfn != want)
					fail_msg("step %d: alloc(%llu, %llu, %#llx) = %d/%#llx, "
						 "want %#llx",
						 step, (unsigned long long)n,
						 (unsigned long long)align,
						 (unsigned long long)limit, rc,
						 (unsigned long long)pfn, (unsigned long long)want);
				for (uint64_t k = 0; k < n; k++)
					f->model[pfn - BASE + k] = ALLOC;
				live[nlive].pfn = pfn;
				live[nlive++].n = n;
			}
		} else if (r < 95 && nlive > 0) {
			int k = (int)(rng() % (uint64_t)nlive);

			assert_int_equal(frame_pool_free(&f->p, live[k].pfn, live[k].n), 0);
			for (uint64_t j = 0; j < live[k].n; j++)
				f->model[live[k].pfn - BASE + j] = FREE;
			/* Freeing it again must fail. */
			assert_int_equal(frame_pool_free(&f->p, live[k].pfn, live[k].n), -EINVAL);
			live[k] = live[--nlive];
		} else {
			/* A random free the model says is invalid must be refused. */
			pfn = BASE - 5 + rng() % (NFRAMES + 10);
			n = 1 + rng() % 4;
			bool in = pfn >= BASE && pfn + n <= BASE + NFRAMES;
			bool valid = in, resv = false;
			for (uint64_t k = 0; in && k < n; k++) {
				valid = valid && f->model[pfn - BASE + k] == ALLOC;
				resv = resv || f->model[pfn - BASE + k] == RESV;
			}
			/* Freeing reserved frames is a caller bug the pool cannot always see. */
			if (!valid && !resv && frame_pool_free(&f->p, pfn, n) != -EINVAL)
				fail_msg("step %d: free(%#llx, %llu) accepted", step,
					 (unsigned long long)pfn, (unsigned long long)n);
		}
		check_model(f);
	}
	/* Free everything still allocated: the pool is back to usable = free + reserved. */
	while (nlive > 0) {
		nlive--;
		assert_int_equal(frame_pool_free(&f->p, live[nlive].pfn, live[nlive].n), 0);
		for (uint64_t j = 0; j < live[nlive].n; j++)
			f->model[live[nlive].pfn - BASE + j] = FREE;
	}
	check_model(f);
	assert_int_equal(frame_pool_allocated(&f->p), 0);
}

static void test_random_vs_model(void **state)
{
	static const uint64_t seeds[] = {1, 0x9e3779b97f4a7c15ULL, 0xdeadbeef, 42, 0x5eed};

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		struct fixture *f = *state;

		memset(f->model, 0, sizeof(f->model));
		memset(f->ram, 0xa5, sizeof(f->ram));
		memset(f->used, 0x5a, sizeof(f->used));
		frame_pool_init(&f->p, BASE, NFRAMES, f->ram, f->used);
		run_random(f, seeds[s], 4000);
	}
}

/*
 * A 4 GiB pool handed out a frame at a time must take linear time overall (the hint), and the
 * frames come out in order; a freed frame is the next one handed out.
 */
static void test_single_frame_hint_large(void **state)
{
	enum { BIG = 1 << 20 };
	static unsigned long ram[BITMAP_WORDS(BIG)], used[BITMAP_WORDS(BIG)];
	struct frame_pool p;
	uint64_t pfn;

	(void)state;
	frame_pool_init(&p, 0, BIG, ram, used);
	frame_pool_add(&p, 0, BIG);
	frame_pool_reserve(&p, 0, 256); /* low memory */
	for (uint64_t i = 256; i < BIG; i++) {
		assert_int_equal(frame_pool_alloc(&p, 1, 1, 0, &pfn), 0);
		if (pfn != i)
			fail_msg("frame %llu handed out as %llu", (unsigned long long)i,
				 (unsigned long long)pfn);
	}
	assert_int_equal(frame_pool_alloc(&p, 1, 1, 0, &pfn), -ENOMEM);
	assert_int_equal(frame_pool_free(&p, 777777, 1), 0);
	assert_int_equal(frame_pool_free(&p, 5000, 1), 0);
	assert_int_equal(frame_pool_alloc(&p, 1, 1, 0, &pfn), 0);
	assert_int_equal(pfn, 5000);
	assert_int_equal(frame_pool_alloc(&p, 1, 1, 0, &pfn), 0);
	assert_int_equal(pfn, 777777);
	assert_int_equal(frame_pool_allocated(&p), BIG - 256);
	/* Free it all in one call, then take a 2 MiB-aligned 1 GiB run below 4 GiB. */
	assert_int_equal(frame_pool_free(&p, 256, BIG - 256), 0);
	assert_int_equal(frame_pool_alloc(&p, 1 << 18, 512, BIG, &pfn), 0);
	assert_int_equal(pfn, 512);
	assert_int_equal(p.free, BIG - 256 - (1 << 18));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_bytes),
		T(test_init_empty),
		T(test_add_clipping),
		T(test_add_twice_and_over_used),
		T(test_reserve),
		T(test_alloc_invalid),
		T(test_alloc_align),
		T(test_alloc_limit),
		T(test_free_invalid_changes_nothing),
		T(test_free_reserved_guard),
		T(test_random_vs_model),
		cmocka_unit_test(test_single_frame_hint_large),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
