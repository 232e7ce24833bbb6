/* Unit tests for vmk/cmdline.h: tokens, quoting, last-wins lookup, numbers, comma lists. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/cmdline.h>

/* Records every token as "key" or "key=<value>" (angle brackets show the value's bounds). */
struct tokens {
	char out[16][64];
	int n;
	int stop_at; /* return non-zero from the callback for this token (1-based), 0: never */
};

static int record_fn(const char *key, size_t klen, const char *val, size_t vlen, void *arg)
{
	struct tokens *t = arg;

	assert_true(t->n < 16);
	if (val)
		snprintf(t->out[t->n], sizeof(t->out[0]), "%.*s=<%.*s>", (int)klen, key, (int)vlen,
			 val);
	else
		snprintf(t->out[t->n], sizeof(t->out[0]), "%.*s", (int)klen, key);
	t->n++;
	return t->n == t->stop_at ? 100 + t->n : 0;
}

static void expect_tokens(const char *cmdline, const char *const *want, int nwant)
{
	struct tokens t = {.n = 0};

	assert_int_equal(cmdline_foreach(cmdline, record_fn, &t), 0);
	if (t.n != nwant)
		fail_msg("\"%s\": %d tokens, want %d", cmdline ? cmdline : "(NULL)", t.n, nwant);
	for (int i = 0; i < nwant; i++)
		assert_string_equal(t.out[i], want[i]);
}

#define EXPECT(cmdline, ...)                                                            \
	do {                                                                            \
		static const char *const want_[] = {__VA_ARGS__};                       \
		expect_tokens(cmdline, want_, (int)(sizeof(want_) / sizeof(want_[0]))); \
	} while (0)

static void test_foreach_tokens(void **state)
{
	(void)state;
	expect_tokens(NULL, NULL, 0);
	expect_tokens("", NULL, 0);
	expect_tokens(" \t \n", NULL, 0);
	EXPECT("quiet", "quiet");
	EXPECT("  quiet\t\tdebug  ", "quiet", "debug");
	EXPECT("a=1 b c=xyz", "a=<1>", "b", "c=<xyz>");
	EXPECT("console=ttyS0,115200 log=frame,heap", "console=<ttyS0,115200>", "log=<frame,heap>");
	/* Only the first '=' splits. */
	EXPECT("root=UUID=abcd", "root=<UUID=abcd>");
	EXPECT("empty= x", "empty=<>", "x");
	EXPECT("=v", "=<v>");
	EXPECT("\r\nk=v\r\n", "k=<v>");
}

static void test_foreach_quotes(void **state)
{
	(void)state;
	EXPECT("name=\"a b\" next", "name=<a b>", "next");
	EXPECT("name=\"a\tb  c\"", "name=<a\tb  c>");
	EXPECT("name=\"\" x", "name=<>", "x");
	EXPECT("name=\"", "name=<>");
	/* Unterminated quote: runs to the end of the line, spaces included. */
	EXPECT("a=\"x y z", "a=<x y z>");
	/* A '=' inside a quoted value belongs to the value. */
	EXPECT("opt=\"k=v w\"", "opt=<k=v w>");
	/* Quotes elsewhere group spaces but are kept. */
	EXPECT("a=x\"y z\" b", "a=<x\"y z\">", "b");
	EXPECT("\"bare key\" k", "\"bare key\"", "k");
	/* A quoted key hides its '=' from the split. */
	EXPECT("\"a=b\"=c", "\"a=b\"=<c>");
	/* Closing quote followed by more text: only a trailing quote is dropped. */
	EXPECT("a=\"x\"y z", "a=<x\"y>", "z");
	EXPECT("a=\"x y\"\"", "a=<x y\">");
}

static void test_foreach_stop(void **state)
{
	struct tokens t = {.n = 0, .stop_at = 2};

	(void)state;
	assert_int_equal(cmdline_foreach("a b c d", record_fn, &t), 102);
	assert_int_equal(t.n, 2);
	t.n = 0;
	t.stop_at = 4;
	assert_int_equal(cmdline_foreach("a b c d", record_fn, &t), 104);
	t.n = 0;
	t.stop_at = 5;
	assert_int_equal(cmdline_foreach("a b c d", record_fn, &t), 0);
	assert_int_equal(t.n, 4);
}

static void test_get(void **state)
{
	const char *cl = "quiet log=frame serial=0x3f8 name=\"Keel host\" log=heap,frame logx=1";
	char buf[32];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_true(cmdline_get(cl, "log", buf, sizeof(buf)));
	assert_string_equal(buf, "heap,frame"); /* last occurrence wins */
	assert_true(cmdline_get(cl, "name", buf, sizeof(buf)));
	assert_string_equal(buf, "Keel host");
	assert_true(cmdline_get(cl, "quiet", buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_true(cmdline_get(cl, "quiet", NULL, 0));
	assert_true(cmdline_get(cl, "serial", NULL, 5));

	/* Absent keys, prefixes and extensions of present keys. */
	strcpy(buf, "keep");
	assert_false(cmdline_get(cl, "lo", buf, sizeof(buf)));
	assert_false(cmdline_get(cl, "logxx", buf, sizeof(buf)));
	assert_false(cmdline_get(cl, "Quiet", buf, sizeof(buf)));
	assert_false(cmdline_get(cl, "", buf, sizeof(buf)));
	assert_false(cmdline_get(cl, NULL, buf, sizeof(buf)));
	assert_false(cmdline_get(NULL, "quiet", buf, sizeof(buf)));
	assert_false(cmdline_get("", "quiet", buf, sizeof(buf)));
	assert_string_equal(buf, "keep");

	/* Last wins also between a valued and a bare occurrence. */
	strcpy(buf, "keep");
	assert_true(cmdline_get("a=1 a", "a", buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_true(cmdline_get("a a=2", "a", buf, sizeof(buf)));
	assert_string_equal(buf, "2");
	assert_true(cmdline_get("=x", "", buf, sizeof(buf)));
	assert_string_equal(buf, "x");
}

static void test_get_truncation(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_true(cmdline_get("k=0123456789", "k", buf, 5));
	assert_string_equal(buf, "0123");
	assert_int_equal(buf[5], 'X'); /* nothing written past len */
	assert_true(cmdline_get("k=0123456789", "k", buf, 1));
	assert_string_equal(buf, "");
	memset(buf, 'X', sizeof(buf));
	assert_true(cmdline_get("k=0123456789", "k", buf, 0));
	assert_int_equal(buf[0], 'X'); /* len 0: untouched */
	assert_true(cmdline_get("k=0123456", "k", buf, 8));
	assert_string_equal(buf, "0123456");
	assert_true(cmdline_get("k=\"01 3456\"", "k", buf, 8));
	assert_string_equal(buf, "01 3456");
}

static void test_get_long(void **state)
{
	(void)state;
	assert_int_equal(cmdline_get_long("n=42", "n", -1), 42);
	assert_int_equal(cmdline_get_long("n=-42", "n", -1), -42);
	assert_int_equal(cmdline_get_long("n=+7", "n", -1), 7);
	assert_int_equal(cmdline_get_long("n=0", "n", -1), 0);
	assert_int_equal(cmdline_get_long("n=-0", "n", -1), 0);
	assert_int_equal(cmdline_get_long("n=010", "n", -1), 10); /* not octal */
	assert_int_equal(cmdline_get_long("n=0x3f8", "n", -1), 0x3f8);
	assert_int_equal(cmdline_get_long("n=0X3F8", "n", -1), 0x3f8);
	assert_int_equal(cmdline_get_long("n=0xDeadBeef", "n", -1), 0xdeadbeefL);
	assert_int_equal(cmdline_get_long("n=-0x10", "n", -1), -16);
	assert_int_equal(cmdline_get_long("n=\"123\"", "n", -1), 123);
	assert_int_equal(cmdline_get_long("n=1 n=2 n=3", "n", -1), 3);
	assert_int_equal(cmdline_get_long("n=9223372036854775807", "n", -1), INT64_MAX);
	assert_int_equal(cmdline_get_long("n=-9223372036854775808", "n", -1), INT64_MIN);
	assert_int_equal(cmdline_get_long("n=0x7fffffffffffffff", "n", -1), INT64_MAX);

	/* Absent or malformed: the default. */
	assert_int_equal(cmdline_get_long(NULL, "n", 5), 5);
	assert_int_equal(cmdline_get_long("m=1", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=\"\"", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=-", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=+", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=0x", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=-0x", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=12a", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=0x12g", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=ff", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=1.5", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=--1", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=\" 1\"", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=512M", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=9223372036854775808", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=-9223372036854775809", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=0x8000000000000000", "n", 5), 5);
	assert_int_equal(cmdline_get_long("n=99999999999999999999999", "n", 5), 5);
	/* The last occurrence decides even when it is malformed. */
	assert_int_equal(cmdline_get_long("n=1 n=x", "n", 5), 5);
}

static void test_list_has(void **state)
{
	(void)state;
	assert_true(cmdline_list_has("frame,heap", "heap"));
	assert_true(cmdline_list_has("frame,heap", "frame"));
	assert_true(cmdline_list_has("heap", "heap"));
	assert_true(cmdline_list_has("a,,b", "b"));
	assert_false(cmdline_list_has("frame,heap", "hea"));
	assert_false(cmdline_list_has("frame,heap", "heaps"));
	assert_false(cmdline_list_has("frame,heap", "rame"));
	assert_false(cmdline_list_has("frame,heap", "frame,heap"));
	assert_false(cmdline_list_has("frame,heap", "Heap"));
	assert_false(cmdline_list_has("all", "heap")); /* "all" is not special */
	assert_true(cmdline_list_has("all", "all"));
	assert_false(cmdline_list_has("frame, heap", "heap")); /* no trimming */
	assert_false(cmdline_list_has("", "heap"));
	assert_false(cmdline_list_has(NULL, "heap"));
	assert_false(cmdline_list_has("a,,b", ""));
	assert_false(cmdline_list_has("a", NULL));
}

/* The typical composition: a list-valued option looked up then tested. */
static void test_get_then_list(void **state)
{
	char val[64];

	(void)state;
	assert_true(cmdline_get("debug=\"frame,heap\" x=1", "debug", val, sizeof(val)));
	assert_true(cmdline_list_has(val, "heap"));
	assert_false(cmdline_list_has(val, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreach_tokens), cmocka_unit_test(test_foreach_quotes),
		cmocka_unit_test(test_foreach_stop),   cmocka_unit_test(test_get),
		cmocka_unit_test(test_get_truncation), cmocka_unit_test(test_get_long),
		cmocka_unit_test(test_list_has),       cmocka_unit_test(test_get_then_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
