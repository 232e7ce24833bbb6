/* Unit tests for vmk/bitmap.h: every operation checked against a bool-array model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/bitmap.h>

#define NBITS  256
#define NWORDS BITMAP_WORDS(NBITS)
#define GUARD  0x5a5a5a5a5a5a5a5aUL

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A map with a guard word on each side, to catch writes outside the range's words. */
struct gmap {
	unsigned long w[NWORDS + 2];
	bool ref[NBITS];
};

static unsigned long *gmap_bits(struct gmap *g)
{
	return &g->w[1];
}

static void gmap_fill(struct gmap *g, int mode)
{
	g->w[0] = GUARD;
	g->w[NWORDS + 1] = GUARD;
	for (size_t i = 0; i < NBITS; i++) {
		/* mode 0: all clear, 1: all set, 2: random dense, 3: random sparse set bits */
		bool v = mode == 1 || (mode == 2 && (rng() & 1)) || (mode == 3 && rng() % 23 == 0);

		g->ref[i] = v;
		if (v)
			gmap_bits(g)[i / 64] |= 1UL << (i % 64);
		else
			gmap_bits(g)[i / 64] &= ~(1UL << (i % 64));
	}
}

static void gmap_check(struct gmap *g)
{
	assert_int_equal(g->w[0], GUARD);
	assert_int_equal(g->w[NWORDS + 1], GUARD);
	for (size_t i = 0; i < NBITS; i++) {
		bool bit = (gmap_bits(g)[i / 64] >> (i % 64)) & 1;

		if (bit != g->ref[i])
			fail_msg("bit %zu is %d, model says %d", i, bit, g->ref[i]);
	}
}

static void test_words_macro(void **state)
{
	(void)state;
	assert_int_equal(BITMAP_WORDS(0), 0);
	assert_int_equal(BITMAP_WORDS(1), 1);
	assert_int_equal(BITMAP_WORDS(64), 1);
	assert_int_equal(BITMAP_WORDS(65), 2);
	assert_int_equal(BITMAP_WORDS(128), 2);
	assert_int_equal(BITMAP_WORDS(129), 3);
}

static void test_single_bits_word_boundaries(void **state)
{
	static const size_t bits[] = {0, 1, 31, 32, 62, 63, 64, 65, 127, 128, 191, 192, 255};
	struct gmap g;

	(void)state;
	for (size_t k = 0; k < sizeof(bits) / sizeof(bits[0]); k++) {
		size_t b = bits[k];

		gmap_fill(&g, 0);
		bitmap_set(gmap_bits(&g), b);
		g.ref[b] = true;
		gmap_check(&g);
		assert_true(bitmap_test(gmap_bits(&g), b));
		if (b > 0)
			assert_false(bitmap_test(gmap_bits(&g), b - 1));
		if (b + 1 < NBITS)
			assert_false(bitmap_test(gmap_bits(&g), b + 1));
		bitmap_set(gmap_bits(&g), b); /* idempotent */
		gmap_check(&g);

		gmap_fill(&g, 1);
		bitmap_clear(gmap_bits(&g), b);
		g.ref[b] = false;
		gmap_check(&g);
		assert_false(bitmap_test(gmap_bits(&g), b));
		if (b > 0)
			assert_true(bitmap_test(gmap_bits(&g), b - 1));
		if (b + 1 < NBITS)
			assert_true(bitmap_test(gmap_bits(&g), b + 1));
	}
	/* Bit 63 is the top bit of word 0, bit 64 the bottom bit of word 1. */
	gmap_fill(&g, 0);
	bitmap_set(gmap_bits(&g), 63);
	bitmap_set(gmap_bits(&g), 64);
	assert_int_equal(gmap_bits(&g)[0], 1UL << 63);
	assert_int_equal(gmap_bits(&g)[1], 1UL);
}

/* Every (start, n) in a 4-word map, on clear, full and random maps, against the model. */
static void test_set_clear_range_exhaustive(void **state)
{
	struct gmap g;

	(void)state;
	rng_state = 0x1234567;
	for (int mode = 0; mode < 3; mode++) {
		for (size_t start = 0; start < NBITS; start++) {
			for (size_t n = 0; start + n <= NBITS; n++) {
				gmap_fill(&g, mode);
				bitmap_set_range(gmap_bits(&g), start, n);
				for (size_t i = start; i < start + n; i++)
					g.ref[i] = true;
				gmap_check(&g);

				gmap_fill(&g, mode);
				bitmap_clear_range(gmap_bits(&g), start, n);
				for (size_t i = start; i < start + n; i++)
					g.ref[i] = false;
				gmap_check(&g);
			}
		}
	}
}

static size_t ref_find(const bool *ref, size_t start, size_t end, bool want)
{
	for (size_t i = start; i < end; i++)
		if (ref[i] == want)
			return i;
	return end;
}

static size_t ref_count(const bool *ref, size_t start, size_t end)
{
	size_t c = 0;

	for (size_t i = start; i < end; i++)
		c += ref[i];
	return c;
}

/* Every [start, end) including empty and reversed ranges, for find_set, find_clear, count. */
static void test_find_and_count_exhaustive(void **state)
{
	struct gmap g;

	(void)state;
	rng_state = 0xfeedbeef;
	for (int mode = 0; mode < 4; mode++) {
		gmap_fill(&g, mode);
		for (size_t start = 0; start <= NBITS; start++) {
			for (size_t end = 0; end <= NBITS; end++) {
				size_t e = end < start ? end : ref_find(g.ref, start, end, true);
				size_t c = end < start ? end : ref_find(g.ref, start, end, false);

				assert_int_equal(bitmap_find_set(gmap_bits(&g), start, end), e);
				assert_int_equal(bitmap_find_clear(gmap_bits(&g), start, end), c);
				assert_int_equal(bitmap_count_set(gmap_bits(&g), start, end),
						 end < start ? 0 : ref_count(g.ref, start, end));
			}
		}
		gmap_check(&g);
	}
}

/*
 * A map of exactly BITMAP_WORDS(end) heap words: searches and counts up to end must not read
 * past its last word (ASan reports it) and must not report bits at or past end.
 */
static void test_no_read_past_end(void **state)
{
	(void)state;
	for (size_t end = 1; end <= 200; end++) {
		size_t words = BITMAP_WORDS(end);
		unsigned long *m = malloc(words * sizeof(*m));

		assert_non_null(m);
		memset(m, 0xff, words * sizeof(*m));
		assert_int_equal(bitmap_find_clear(m, 0, end), end);
		assert_int_equal(bitmap_count_set(m, 0, end), end);
		assert_int_equal(bitmap_find_clear_run(m, 0, end, 1, 1), end);
		memset(m, 0, words * sizeof(*m));
		assert_int_equal(bitmap_find_set(m, 0, end), end);
		assert_int_equal(bitmap_count_set(m, 0, end), 0);
		assert_int_equal(bitmap_find_clear_run(m, 0, end, end, 1), 0);
		assert_int_equal(bitmap_find_clear_run(m, 0, end, end + 1, 1), end);
		/* Only tail bits beyond end set: still nothing found below end. */
		if (end % 64) {
			m[words - 1] = ~0UL << (end % 64);
			assert_int_equal(bitmap_find_set(m, 0, end), end);
			assert_int_equal(bitmap_count_set(m, 0, end), 0);
			bitmap_set_range(m, 0, end);
			assert_int_equal(m[words - 1], ~0UL);
			bitmap_clear_range(m, 0, end);
			assert_int_equal(m[words - 1], ~0UL << (end % 64));
		}
		free(m);
	}
}

static size_t ref_find_run(const bool *ref, size_t start, size_t end, size_t n, size_t align)
{
	for (size_t i = start; i < end; i++) {
		bool ok = i % align == 0 && i + n <= end;

		for (size_t j = i; ok && j < i + n; j++)
			ok = !ref[j];
		if (ok)
			return i;
	}
	return end;
}

static void test_find_clear_run_random(void **state)
{
	static const size_t aligns[] = {1, 2, 4, 8, 16, 64, 128, 3, 5};
	struct gmap g;

	(void)state;
	rng_state = 0xabcdef01;
	for (int round = 0; round < 60; round++) {
		gmap_fill(&g, round % 3 == 0 ? 2 : 3);
		for (int k = 0; k < 400; k++) {
			size_t start = rng() % (NBITS + 1);
			size_t end = rng() % (NBITS + 1);
			size_t n = rng() % 4 == 0 ? rng() % 100 : rng() % 12;
			size_t align = aligns[rng() % (sizeof(aligns) / sizeof(aligns[0]))];
			size_t want =
				end <= start ? end : ref_find_run(g.ref, start, end, n, align);
			size_t got = bitmap_find_clear_run(gmap_bits(&g), start, end, n, align);

			if (got != want)
				fail_msg("run [%zu,%zu) n=%zu align=%zu: got %zu want %zu", start,
					 end, n, align, got, want);
		}
		gmap_check(&g);
	}
}

static void test_find_clear_run_edges(void **state)
{
	unsigned long m[4] = {0};

	(void)state;
	/* n == 0: the first aligned index, or end. */
	assert_int_equal(bitmap_find_clear_run(m, 5, 100, 0, 8), 8);
	assert_int_equal(bitmap_find_clear_run(m, 97, 100, 0, 8), 100);
	/* align 0 is taken as 1. */
	assert_int_equal(bitmap_find_clear_run(m, 5, 100, 3, 0), 5);
	/* A run that exactly fills [start, end). */
	assert_int_equal(bitmap_find_clear_run(m, 64, 128, 64, 64), 64);
	assert_int_equal(bitmap_find_clear_run(m, 65, 128, 63, 1), 65);
	assert_int_equal(bitmap_find_clear_run(m, 65, 128, 64, 1), 128);
	/* One set bit in each word blocks 64-aligned 64-runs in those words. */
	m[0] = 1UL << 63;
	m[1] = 1UL;
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 64, 64), 128);
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 63, 1), 0);
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 64, 1), 65);
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 128, 2), 66);
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 128, 64), 128);
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 129, 64), 256);
	/* Huge n must not overflow i + n. */
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, SIZE_MAX, 1), 256);
	/* Huge align: only index 0 qualifies, and it is set. */
	m[0] = 1UL;
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 1, (size_t)1 << 63), 256);
	m[0] = 0;
	assert_int_equal(bitmap_find_clear_run(m, 0, 256, 1, (size_t)1 << 63), 0);
	assert_int_equal(bitmap_find_clear_run(m, 1, 256, 1, (size_t)1 << 63), 256);
}

/* Long ranges over many words: the word-at-a-time paths with full middle words. */
static void test_large_map(void **state)
{
	enum { BIG = 64 * 1000 + 13 };
	static unsigned long m[BITMAP_WORDS(BIG)];

	(void)state;
	bitmap_set_range(m, 3, BIG - 6);
	assert_int_equal(bitmap_count_set(m, 0, BIG), BIG - 6);
	assert_int_equal(bitmap_find_set(m, 0, BIG), 3);
	assert_int_equal(bitmap_find_clear(m, 3, BIG), BIG - 3);
	assert_int_equal(bitmap_find_clear_run(m, 0, BIG, 3, 1), 0);
	assert_int_equal(bitmap_find_clear_run(m, 1, BIG, 3, 1), BIG - 3);
	assert_int_equal(bitmap_find_clear_run(m, 1, BIG, 4, 1), BIG);
	bitmap_clear_range(m, 1000, 50000);
	assert_int_equal(bitmap_count_set(m, 0, BIG), BIG - 6 - 50000);
	assert_int_equal(bitmap_find_clear(m, 3, BIG), 1000);
	assert_int_equal(bitmap_find_set(m, 1000, BIG), 51000);
	/* The clear run is [1000, 51000): 50000 frames, 49976 of them from 1024. */
	assert_int_equal(bitmap_find_clear_run(m, 0, BIG, 50000, 8), 1000);
	assert_int_equal(bitmap_find_clear_run(m, 0, BIG, 50000, 16), BIG);
	assert_int_equal(bitmap_find_clear_run(m, 0, BIG, 49976, 1024), 1024);
	assert_int_equal(bitmap_find_clear_run(m, 0, BIG, 49977, 1024), BIG);
	assert_int_equal(bitmap_find_clear_run(m, 0, BIG, 51000 - 2048, 2048), 2048);
	assert_int_equal(bitmap_find_clear_run(m, 0, BIG, 51000 - 2047, 2048), BIG);
	assert_int_equal(bitmap_find_clear_run(m, 0, 51000, 50000, 1), 1000);
	assert_int_equal(bitmap_find_clear_run(m, 0, 50999, 50000, 1), 50999);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_macro),
		cmocka_unit_test(test_single_bits_word_boundaries),
		cmocka_unit_test(test_set_clear_range_exhaustive),
		cmocka_unit_test(test_find_and_count_exhaustive),
		cmocka_unit_test(test_no_read_past_end),
		cmocka_unit_test(test_find_clear_run_random),
		cmocka_unit_test(test_find_clear_run_edges),
		cmocka_unit_test(test_large_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
