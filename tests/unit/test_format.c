/* Unit tests for vmk/format.h: kvsnprintf against the host's snprintf as the oracle. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/format.h>

#define BUF 600

static unsigned long ncases;

/* Sizes at which each case is also checked for truncation: 0, 1, 2, middle, len, len + 1. */
static void check_sizes(const char *fmt, const char *want, int wn, va_list ap)
{
	size_t sizes[] = {0, 1, 2, (size_t)wn / 2, (size_t)wn, (size_t)wn + 1};
	char got[BUF + 8];

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t size = sizes[k];
		va_list aq;
		int gn;

		memset(got, 0x7e, sizeof(got));
		va_copy(aq, ap);
		gn = kvsnprintf(size ? got : NULL, size, fmt, aq);
		va_end(aq);
		if (gn != wn)
			fail_msg("\"%s\" size %zu: returned %d, want %d", fmt, size, gn, wn);
		if (size == 0)
			continue;
		/* The first size - 1 bytes of the output, a NUL, and nothing written past size. */
		size_t keep = (size_t)wn < size - 1 ? (size_t)wn : size - 1;
		if (memcmp(got, want, keep) != 0 || got[keep] != '\0')
			fail_msg("\"%s\" size %zu: wrong truncated output", fmt, size);
		for (size_t i = size; i < sizeof(got); i++)
			if (got[i] != 0x7e)
				fail_msg("\"%s\" size %zu: byte %zu written", fmt, size, i);
	}
}

/* Format with the host's vsnprintf and with kvsnprintf; the results must match exactly. */
static void __attribute__((format(printf, 1, 2))) check(const char *fmt, ...)
{
	char want[BUF], got[BUF];
	va_list ap, aq;
	int wn, gn;

	va_start(ap, fmt);
	va_copy(aq, ap);
	wn = vsnprintf(want, sizeof(want), fmt, aq);
	va_end(aq);
	assert_true(wn >= 0 && wn < BUF);
	memset(got, 0x7e, sizeof(got));
	va_copy(aq, ap);
	gn = kvsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	/* Compare wn + 1 bytes: %c of 0 puts a NUL inside the output. */
	if (gn != wn || memcmp(got, want, (size_t)wn + 1) != 0)
		fail_msg("\"%s\": got \"%s\" (%d), host \"%s\" (%d)", fmt, got, gn, want, wn);
	check_sizes(fmt, want, wn, ap);
	va_end(ap);
	ncases++;
}

static const char *const flag_sets[] = {
	"",   "-",  "0",  "+",	 " ",	"#",   "-0",  "-+",  "- ",  "-#",    "0+", "0 ", "0#",
	"+ ", "+#", " #", "-0+", "-0#", "-+#", "0+#", "0 #", "+ #", "-0+ #", "--", "00", "#0-",
};
static const char *const widths[] = {"", "1", "2", "5", "12", "25"};
static const char *const precs[] = {"", ".", ".0", ".1", ".2", ".5", ".12", ".25"};

/* Call fn(fmt) for every flags x width x precision around length + conversion. */
static void for_each_spec(const char *len, const char *convs, void (*fn)(const char *fmt))
{
	char fmt[64];

	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
			for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
				for (const char *c = convs; *c; c++) {
					snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flag_sets[f],
						 widths[w], precs[p], len, *c);
					fn(fmt);
				}
}

static const int int_vals[] = {0,     1,      -1,      7,	 8,	    9,	       10,
			       15,    16,     100,     -100,	 127,	    128,       -128,
			       -129,  255,    256,     300,	 32767,	    -32768,    65535,
			       65536, -65536, 1234567, -7654321, INT32_MAX, INT32_MIN, 0x12345678};
static const long long ll_vals[] = {0,
				    1,
				    -1,
				    42,
				    INT32_MAX,
				    INT32_MIN,
				    (long long)INT32_MAX + 1,
				    (long long)INT32_MIN - 1,
				    UINT32_MAX,
				    0x123456789abcdefLL,
				    -0x123456789abcdefLL,
				    INT64_MAX,
				    INT64_MIN,
				    INT64_MIN + 1};

static void fmt_int(const char *fmt)
{
	for (size_t i = 0; i < sizeof(int_vals) / sizeof(int_vals[0]); i++)
		check(fmt, int_vals[i]);
}

static void fmt_long(const char *fmt)
{
	for (size_t i = 0; i < sizeof(ll_vals) / sizeof(ll_vals[0]); i++)
		check(fmt, (long)ll_vals[i]);
}

static void fmt_llong(const char *fmt)
{
	for (size_t i = 0; i < sizeof(ll_vals) / sizeof(ll_vals[0]); i++)
		check(fmt, ll_vals[i]);
}

static void fmt_size(const char *fmt)
{
	for (size_t i = 0; i < sizeof(ll_vals) / sizeof(ll_vals[0]); i++)
		check(fmt, (size_t)ll_vals[i]);
}

static void fmt_ptrdiff(const char *fmt)
{
	for (size_t i = 0; i < sizeof(ll_vals) / sizeof(ll_vals[0]); i++)
		check(fmt, (ptrdiff_t)ll_vals[i]);
}

static void fmt_intmax(const char *fmt)
{
	for (size_t i = 0; i < sizeof(ll_vals) / sizeof(ll_vals[0]); i++)
		check(fmt, (intmax_t)ll_vals[i]);
}

/* int arguments through every flag/width/precision combination, plain, hh and h. */
static void test_int_conversions(void **state)
{
	(void)state;
	for_each_spec("", "diuoxX", fmt_int);
	for_each_spec("hh", "diuoxX", fmt_int);
	for_each_spec("h", "diuoxX", fmt_int);
}

/* 64-bit arguments: l, ll, z, t, j. */
static void test_wide_conversions(void **state)
{
	(void)state;
	for_each_spec("l", "diuoxX", fmt_long);
	for_each_spec("ll", "diuoxX", fmt_llong);
	for_each_spec("z", "diuoxX", fmt_size);
	for_each_spec("t", "diuoxX", fmt_ptrdiff);
	for_each_spec("j", "diuoxX", fmt_intmax);
}

static void fmt_str(const char *fmt)
{
	static const char *const vals[] = {
		"", "a", "hello", "tab\there", "a longer string, 30 chars", NULL};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		check(fmt, vals[i]);
}

static void fmt_char(const char *fmt)
{
	static const int vals[] = {'a', ' ', '%', 0, 0x7f, 0xff, 0x141, -1};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		check(fmt, vals[i]);
}

static void fmt_ptr(const char *fmt)
{
	static const uintptr_t vals[] = {
		0, 1, 0xf, 0x1234, 0xdeadbeef, 0x7fff12345678, 0xffffffff80000000, UINTPTR_MAX};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		check(fmt, (void *)vals[i]);
}

static void test_string_char_pointer(void **state)
{
	(void)state;
	for_each_spec("", "s", fmt_str);
	for_each_spec("", "c", fmt_char);
	for_each_spec("", "p", fmt_ptr);
	/* Precision bounds the read: this array has no NUL. */
	static const char nonul[4] = {'a', 'b', 'c', 'd'};
	check("[%.4s]", nonul);
	check("[%.2s]", nonul);
	check("[%10.3s]", nonul);
}

/* Values and formats gcc cannot see through, for cases its format checks would reject. */
static const char *__attribute__((noinline)) opaque(const char *s)
{
	__asm__("" : "+r"(s));
	return s;
}

static void test_star(void **state)
{
	static const int ws[] = {-30, -10, -5, -1, 0, 1, 3, 5, 20};
	static const int ps[] = {-10, -1, 0, 1, 2, 3, 8, 30};

	(void)state;
	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
		check("[%*d]", ws[i], 42);
		check("[%-*d]", ws[i], -42);
		check("[%0*d]", ws[i], -42);
		check("[%*s]", ws[i], "abc");
		check("[%*c]", ws[i], 'z');
		check("[%*p]", ws[i], (void *)0x1234);
		check("[%*p]", ws[i], NULL);
		check("[%#*llx]", ws[i], 0xabcdULL);
		for (size_t j = 0; j < sizeof(ps) / sizeof(ps[0]); j++) {
			check("[%*.*d]", ws[i], ps[j], 12345);
			check(opaque("[%0*.*d]"), ws[i], ps[j], -12);
			check("[%#*.*o]", ws[i], ps[j], 0);
			check("[%-*.*x]", ws[i], ps[j], 0xbeef);
			check("[%*.*s]", ws[i], ps[j], "hello world");
			check("[%*.*s]", ws[i], ps[j], opaque(NULL));
		}
	}
	for (size_t j = 0; j < sizeof(ps) / sizeof(ps[0]); j++) {
		check("[%.*d]", ps[j], 0);
		check("[%.*u]", ps[j], 7u);
		check("[%.*s]", ps[j], "truncate me");
		check("[%+.*d|%s]", ps[j], 5, "after");
	}
}

static void test_mixed(void **state)
{
	(void)state;
	check("plain text, no directives");
	check(opaque(""));
	check("%s", "");
	check("100%%");
	check("%%d %%%% %d%%", 5);
	check("%s=%d (%#x) at %p, %c%c", "irq", 33, 33, (void *)0xfee00000, 'o', 'k');
	check("%d %s %d %s %d", 1, "two", 3, "four", 5);
	check("%5d|%-5d|%05d|%+d|% d|%x|%X|%o|%#o|%#x|%#X", 42, 42, 42, 42, 42, 255, 255, 8, 8, 255,
	      255);
	check("%hhu %hhd %hu %hd", 0x1ff, 0x80, 0x1ffff, 0x8000);
	check("%lu %ld %llx %zx %zd %td %jd", 1UL << 63, -1L, ~0ULL, (size_t)-1, (ssize_t)-5,
	      (ptrdiff_t)-7, (intmax_t)INT64_MIN);
	check("%zu bytes in %s: [%-10s] [%10s]", (size_t)4096, "page", "left", "right");
	check("rip=%016lx rsp=%016lx", 0xffffffff80001234UL, 0xffff8000001fff00UL);
	check("%i %i", -2147483647 - 1, 2147483647);
}

/* Long outputs through a small buffer, and the size 0 / NULL buffer case. */
static void test_truncation(void **state)
{
	char buf[16];
	int n;

	(void)state;
	memset(buf, 'X', sizeof(buf));
	n = ksnprintf(buf, 8, "%s", "0123456789");
	assert_int_equal(n, 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(buf[8], 'X');
	n = ksnprintf(buf, 1, "%d", 12345);
	assert_int_equal(n, 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '1'); /* untouched from before */
	n = ksnprintf(NULL, 0, "%s %d", "abc", -42);
	assert_int_equal(n, 7);
	memset(buf, 'X', sizeof(buf));
	n = ksnprintf(buf, 0, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], 'X');
	/* Padding beyond the buffer is still counted. */
	n = ksnprintf(buf, sizeof(buf), "%1000d", 1);
	assert_int_equal(n, 1000);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	n = ksnprintf(buf, sizeof(buf), "%-1000d|", 1);
	assert_int_equal(n, 1001);
	assert_string_equal(buf, "1              ");
	n = ksnprintf(buf, sizeof(buf), "%.500d", 1);
	assert_int_equal(n, 500);
	assert_string_equal(buf, "000000000000000");
	/* Exactly fitting, and one short. */
	n = ksnprintf(buf, 4, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "abc");
	n = ksnprintf(buf, 3, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "ab");
	/* The host agrees on each size of a mixed format. */
	for (size_t size = 0; size < 40; size++) {
		char want[40], got[40];
		int wn, gn;

		memset(want, 'X', sizeof(want));
		memset(got, 'X', sizeof(got));
		wn = snprintf(want, size, "%s:%5d:%-4x:%p", "trunc", -77, 0xab, (void *)0x10);
		gn = ksnprintf(got, size, "%s:%5d:%-4x:%p", "trunc", -77, 0xab, (void *)0x10);
		assert_int_equal(gn, wn);
		assert_memory_equal(got, want, sizeof(want));
	}
}

/* Calls kvsnprintf with a format that gcc must not check (the cases are deliberately odd). */
static int fmt_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void expect_unchecked(const char *want, const char *fmt, int a, int b)
{
	char buf[64];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = fmt_unchecked(buf, sizeof(buf), fmt, a, b);
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_unknown_conversions(void **state)
{
	(void)state;
	expect_unchecked("%y", "%y", 0, 0);
	expect_unchecked("a%5yb", "a%5yb", 0, 0);
	expect_unchecked("%-08.3hy", "%-08.3hy", 0, 0);
	/* No argument consumed by an unknown conversion... */
	expect_unchecked("%y7", "%y%d", 7, 8);
	/* ...except a star before it. */
	expect_unchecked("%*y8", "%*y%d", 7, 8);
	/* %n is not supported: printed literally, nothing stored, no argument taken. */
	expect_unchecked("%n9", "%n%d", 9, 0);
	/* Floating point is not supported either. */
	expect_unchecked("%f|%.2e|1", "%f|%.2e|%d", 1, 0);
	/* A format ending inside a directive. */
	expect_unchecked("abc%", "abc%", 0, 0);
	expect_unchecked("abc%-5", "abc%-5", 0, 0);
	expect_unchecked("abc%ll", "abc%ll", 0, 0);
	/* '%%' ignores flags and width, as glibc does. */
	expect_unchecked("[%]", "[%5%]", 0, 0);
	expect_unchecked("[%]", "[%-05%]", 0, 0);
}

static void test_report(void **state)
{
	(void)state;
	print_message("# %lu cases compared with the host snprintf\n", ncases);
	assert_true(ncases > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_conversions),
		cmocka_unit_test(test_wide_conversions),
		cmocka_unit_test(test_string_char_pointer),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_conversions),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
