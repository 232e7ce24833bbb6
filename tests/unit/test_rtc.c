/* CMOS RTC decoding: register formats, the calendar, and values a dead battery leaves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <vmk/rtc.h>
#include <vmk/errno.h>

#define BCD_24H RTC_REGB_24H
#define BIN_24H (RTC_REGB_24H | RTC_REGB_BINARY)

static int64_t decode(struct rtc_raw r)
{
	int64_t s = -1;

	assert_int_equal(rtc_decode(&r, &s), 0);
	return s;
}

static void test_days_from_civil(void **state)
{
	(void)state;
	assert_int_equal(rtc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rtc_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(rtc_days_from_civil(1969, 12, 31), -1);
	/* Against glibc's timegm for every first and last day of a month, 1970-2099. */
	for (int y = 1970; y < 2100; y++)
		for (int m = 1; m <= 12; m++) {
			struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = 1};

			assert_int_equal(rtc_days_from_civil(y, (unsigned)m, 1) * 86400,
					 (int64_t)timegm(&tm));
		}
}

static void test_bcd_24h(void **state)
{
	(void)state;
	/* 2024-02-29 13:45:59 UTC = 1709214359 */
	assert_int_equal(decode((struct rtc_raw){0x59, 0x45, 0x13, 0x29, 0x02, 0x24, 0, BCD_24H}),
			 1709214359);
	/* 1999-12-31 23:59:59 = 946684799 (year 99 is 1999 without a century register) */
	assert_int_equal(decode((struct rtc_raw){0x59, 0x59, 0x23, 0x31, 0x12, 0x99, 0, BCD_24H}),
			 946684799);
	/* With a century register: 20 + 38. */
	assert_int_equal(
		decode((struct rtc_raw){0x07, 0x14, 0x03, 0x19, 0x01, 0x38, 0x20, BCD_24H}),
		2147483647);
}

static void test_binary_and_12h(void **state)
{
	(void)state;
	assert_int_equal(decode((struct rtc_raw){59, 45, 13, 29, 2, 24, 0, BIN_24H}), 1709214359);
	/* 12-hour BCD: 1 PM is 0x81, 12 AM (midnight) is 0x12, 12 PM (noon) is 0x92. */
	assert_int_equal(decode((struct rtc_raw){0x59, 0x45, 0x81, 0x29, 0x02, 0x24, 0, 0}),
			 1709214359);
	assert_int_equal(decode((struct rtc_raw){0, 0, 0x12, 0x01, 0x01, 0x70, 0, 0}), 0);
	assert_int_equal(decode((struct rtc_raw){0, 0, 0x92, 0x01, 0x01, 0x70, 0, 0}), 43200);
	/* 12-hour binary: PM bit with 1..12. */
	assert_int_equal(decode((struct rtc_raw){0, 0, 0x80 | 12, 1, 1, 70, 0, RTC_REGB_BINARY}),
			 43200);
}

static void test_bad_values(void **state)
{
	struct rtc_raw bad[] = {
		{0x5a, 0, 0, 1, 1, 0x24, 0, BCD_24H},		  /* not BCD */
		{0x60, 0, 0, 1, 1, 0x24, 0, BCD_24H},		  /* second 60 */
		{0, 0, 0x24, 1, 1, 0x24, 0, BCD_24H},		  /* hour 24 */
		{0, 0, 0, 0, 1, 0x24, 0, BCD_24H},		  /* day 0 */
		{0, 0, 0, 1, 0x13, 0x24, 0, BCD_24H},		  /* month 13 */
		{0, 0, 0, 0x29, 2, 0x23, 0, BCD_24H},		  /* 2023-02-29 */
		{0, 0, 0, 0x31, 4, 0x24, 0, BCD_24H},		  /* April 31 */
		{0, 0, 0, 1, 1, 0x24, 0x05, BCD_24H},		  /* century 5 */
		{0, 0, 0x00, 1, 1, 0x24, 0, 0},			  /* 12-hour hour 0 */
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, BIN_24H}, /* a dead battery */
	};
	int64_t s = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(rtc_decode(&bad[i], &s), -EINVAL);
		assert_int_equal(s, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_bcd_24h),
		cmocka_unit_test(test_binary_and_12h),
		cmocka_unit_test(test_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
