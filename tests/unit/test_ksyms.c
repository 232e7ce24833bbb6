/* Host unit tests for the kernel symbol table lookup (vmkernel/lib/ksyms.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/compiler.h>
#include <vmk/ksyms.h>

/* Laid out like gen-ksyms.sh output; alias_a/alias_b share an address. */
static const uint64_t t_addr[] = {
	0xffffffff80001000, 0xffffffff80001040, 0xffffffff80001100,
	0xffffffff80001100, 0xffffffff80002000, 0xffffffff80002010,
};
static const char t_names[] = "start\0foo.cold\0alias_a\0alias_b\0bar.part.0\0last";
static const uint32_t t_name_off[] = {0, 6, 15, 23, 31, 42};
static const struct ksyms_table table = {
	.count = ARRAY_SIZE(t_addr),
	.addr = t_addr,
	.name_off = t_name_off,
	.names = t_names,
};

static void expect(const struct ksyms_table *t, uint64_t addr, const char *name, uint64_t off)
{
	uint64_t got = 0xdead;
	const char *s = ksyms_lookup_in(t, addr, &got);

	assert_non_null(s);
	assert_string_equal(s, name);
	assert_int_equal(got, off);
}

static void test_exact(void **state)
{
	(void)state;
	expect(&table, 0xffffffff80001000, "start", 0);
	expect(&table, 0xffffffff80001040, "foo.cold", 0);
	expect(&table, 0xffffffff80002000, "bar.part.0", 0);
	expect(&table, 0xffffffff80002010, "last", 0);
}

static void test_inside(void **state)
{
	(void)state;
	expect(&table, 0xffffffff80001001, "start", 1);
	expect(&table, 0xffffffff8000103f, "start", 0x3f);
	expect(&table, 0xffffffff80001041, "foo.cold", 1);
	expect(&table, 0xffffffff800010ff, "foo.cold", 0xbf);
	expect(&table, 0xffffffff80001fff, "alias_b", 0xeff);
	expect(&table, 0xffffffff8000200f, "bar.part.0", 0xf);
}

static void test_shared_address(void **state)
{
	(void)state;
	/* Of the symbols at one address, the last one in the table wins. */
	expect(&table, 0xffffffff80001100, "alias_b", 0);
	expect(&table, 0xffffffff80001180, "alias_b", 0x80);
}

static void test_before_first(void **state)
{
	uint64_t off = 77;

	(void)state;
	assert_null(ksyms_lookup_in(&table, 0xffffffff80000fff, &off));
	assert_null(ksyms_lookup_in(&table, 0, &off));
	assert_int_equal(off, 77);
}

static void test_after_last(void **state)
{
	(void)state;
	expect(&table, 0xffffffff80002011, "last", 1);
	expect(&table, UINT64_MAX, "last", UINT64_MAX - 0xffffffff80002010);
}

static void test_empty(void **state)
{
	static const uint64_t no_addr[1];
	static const uint32_t no_off[1];
	const struct ksyms_table empty = {
		.count = 0,
		.addr = no_addr,
		.name_off = no_off,
		.names = "",
	};
	uint64_t off = 5;

	(void)state;
	assert_null(ksyms_lookup_in(&empty, 0, &off));
	assert_null(ksyms_lookup_in(&empty, 0xffffffff80001000, &off));
	assert_null(ksyms_lookup_in(&empty, UINT64_MAX, &off));
	assert_int_equal(off, 5);
}

static void test_single_and_null_offset(void **state)
{
	static const uint64_t one_addr[] = {0x1000};
	static const uint32_t one_off[] = {0};
	const struct ksyms_table one = {
		.count = 1,
		.addr = one_addr,
		.name_off = one_off,
		.names = "only",
	};

	(void)state;
	assert_null(ksyms_lookup_in(&one, 0xfff, NULL));
	assert_string_equal(ksyms_lookup_in(&one, 0x1000, NULL), "only");
	expect(&one, 0x1234, "only", 0x234);
}

/* Every address between and around symbols agrees with a linear scan. */
static void test_against_linear_scan(void **state)
{
	uint64_t addr[64];
	uint32_t off[64];
	char names[64 * 8];
	struct ksyms_table t = {.addr = addr, .name_off = off, .names = names};
	size_t pos = 0;

	(void)state;
	for (size_t n = 0; n <= ARRAY_SIZE(addr); n++) {
		t.count = n;
		pos = 0;
		for (size_t i = 0; i < n; i++) {
			/* Gaps of 0..3, so some addresses repeat. */
			addr[i] = 0x100 + (i ? addr[i - 1] - 0x100 + (i * 7) % 4 : 0);
			off[i] = (uint32_t)pos;
			pos += (size_t)snprintf(names + pos, sizeof(names) - pos, "s%zu", i) + 1;
		}
		for (uint64_t a = 0xf0; a < 0x100 + 4 * n + 8; a++) {
			const char *want = NULL;
			uint64_t want_off = 0, got_off = 0;
			const char *got = ksyms_lookup_in(&t, a, &got_off);

			for (size_t i = 0; i < n; i++) {
				if (addr[i] <= a) {
					want = names + off[i];
					want_off = a - addr[i];
				}
			}
			if (!want) {
				assert_null(got);
				continue;
			}
			assert_non_null(got);
			assert_string_equal(got, want);
			assert_int_equal(got_off, want_off);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_shared_address),
		cmocka_unit_test(test_before_first),
		cmocka_unit_test(test_after_last),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_and_null_offset),
		cmocka_unit_test(test_against_linear_scan),
	};

	return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
