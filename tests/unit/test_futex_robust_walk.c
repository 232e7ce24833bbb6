/* Unit tests for futex_robust_walk (vmk/futex.h): user memory is a small array of words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/futex.h>

#define BASE  0x10000ull /* the fake user address of mem[0] */
#define WORDS 64
#define MAXD  (ROBUST_LIST_LIMIT + 8)

/* A user address space of WORDS 8-byte words, and the deaths the walk reported. */
struct fake {
	uint64_t mem[WORDS];
	unsigned reads;
	unsigned ndeaths;
	struct {
		uint64_t uaddr;
		bool pi, pending;
	} d[MAXD];
	int stop_at; /* death number that returns nonzero; -1 for none */
};

static struct fake fk;

static uint64_t at(unsigned i)
{
	return BASE + 8 * i;
}

static int read_ptr(void *ctx, uint64_t uaddr, uint64_t *val)
{
	struct fake *f = ctx;

	f->reads++;
	if (uaddr < BASE || uaddr >= at(WORDS) || (uaddr & 7))
		return -14;
	*val = f->mem[(uaddr - BASE) / 8];
	return 0;
}

static int death(void *ctx, uint64_t uaddr, bool pi, bool pending)
{
	struct fake *f = ctx;
	unsigned n = f->ndeaths++;

	if (n < MAXD) {
		f->d[n].uaddr = uaddr;
		f->d[n].pi = pi;
		f->d[n].pending = pending;
	}
	if ((int)n == f->stop_at)
		return -1;
	/* Like the kernel's handler: a word it cannot read ends the walk. */
	return uaddr < BASE || uaddr >= at(WORDS);
}

static const struct robust_walk_ops ops = {read_ptr, death, &fk};

/* A head at word 0 (next, futex_offset, pending) with futex_offset 8. */
static void setup_head(uint64_t next, uint64_t pending)
{
	memset(&fk, 0, sizeof(fk));
	fk.stop_at = -1;
	fk.mem[0] = next;
	fk.mem[1] = 8;
	fk.mem[2] = pending;
}

static void test_empty(void **state)
{
	(void)state;
	setup_head(at(0), 0);
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, 0);
	setup_head(at(0), at(10));
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, 1);
	assert_int_equal(fk.d[0].uaddr, at(11));
	assert_true(fk.d[0].pending);
}

static void test_entries_in_order_with_pi_bits(void **state)
{
	(void)state;
	/* head -> 10 -> 12 (PI) -> 14 -> head; the PI bit is on the link to an entry. */
	setup_head(at(10), 0);
	fk.mem[10] = at(12) | 1;
	fk.mem[12] = at(14);
	fk.mem[14] = at(0);
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, 3);
	assert_int_equal(fk.d[0].uaddr, at(11));
	assert_false(fk.d[0].pi);
	assert_int_equal(fk.d[1].uaddr, at(13));
	assert_true(fk.d[1].pi);
	assert_int_equal(fk.d[2].uaddr, at(15));
	assert_false(fk.d[2].pi);
	for (int i = 0; i < 3; i++)
		assert_false(fk.d[i].pending);
}

static void test_pending_on_list_handled_once(void **state)
{
	(void)state;
	setup_head(at(10), at(12) | 1);
	fk.mem[10] = at(12);
	fk.mem[12] = at(0);
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, 2);
	assert_int_equal(fk.d[0].uaddr, at(11));
	assert_int_equal(fk.d[1].uaddr, at(13));
	assert_true(fk.d[1].pending);
	assert_true(fk.d[1].pi);
}

static void test_loops_end_at_the_limit(void **state)
{
	(void)state;
	setup_head(at(10), at(20));
	fk.mem[10] = at(10); /* a loop onto itself */
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, ROBUST_LIST_LIMIT + 1);
	assert_int_equal(fk.d[ROBUST_LIST_LIMIT - 1].uaddr, at(11));
	assert_int_equal(fk.d[ROBUST_LIST_LIMIT].uaddr, at(21));
	assert_true(fk.d[ROBUST_LIST_LIMIT].pending);
	assert_true(fk.reads < ROBUST_LIST_LIMIT + 8);
}

static void test_bad_link_ends_the_walk(void **state)
{
	(void)state;
	/* 10 -> an address outside memory: 10 is handled, the bad entry's word ends the walk,
	 * and the pending entry is left alone (as Linux returns early). */
	setup_head(at(10), at(20));
	fk.mem[10] = 0xdead0000ull;
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, 2);
	assert_int_equal(fk.d[0].uaddr, at(11));
	assert_int_equal(fk.d[1].uaddr, 0xdead0008ull);
}

static void test_death_can_stop_it(void **state)
{
	(void)state;
	setup_head(at(10), at(20));
	fk.mem[10] = at(12);
	fk.mem[12] = at(0);
	fk.stop_at = 0;
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, 1);
}

static void test_unreadable_head(void **state)
{
	(void)state;
	setup_head(at(10), at(20));
	futex_robust_walk(0xdead0000ull, &ops);
	assert_int_equal(fk.ndeaths, 0);
	/* A head whose pending field is past the end of memory. */
	futex_robust_walk(at(WORDS - 2), &ops);
	assert_int_equal(fk.ndeaths, 0);
}

static void test_negative_offset_wraps(void **state)
{
	(void)state;
	setup_head(at(10), 0);
	fk.mem[1] = (uint64_t)-8; /* the word before each link */
	fk.mem[10] = at(0);
	futex_robust_walk(at(0), &ops);
	assert_int_equal(fk.ndeaths, 1);
	assert_int_equal(fk.d[0].uaddr, at(9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_entries_in_order_with_pi_bits),
		cmocka_unit_test(test_pending_on_list_handled_once),
		cmocka_unit_test(test_loops_end_at_the_limit),
		cmocka_unit_test(test_bad_link_ends_the_walk),
		cmocka_unit_test(test_death_can_stop_it),
		cmocka_unit_test(test_unreadable_head),
		cmocka_unit_test(test_negative_offset_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
