/* Unit tests for hv/cmos.h: Linux's RTC read/set/probe, UIP, formats, interrupts, hostile access.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <vmk/rtc.h>
#include <hv/cmos.h>

#define US 1000ull
#define MS 1000000ull
#define S  1000000000ull

/* 2024-02-29 23:59:50 UTC, a Thursday. */
#define EPOCH 1709251190ll

struct rig {
	struct vcmos c;
	uint64_t now, io_cost;
	bool level;
	unsigned rises;
};

static void rig_irq(void *ctx, unsigned line, bool level)
{
	struct rig *r = ctx;

	assert_int_equal(line, 8);
	assert_true(level != r->level);
	if (level)
		r->rises++;
	r->level = level;
}

static void rig_init(struct rig *r, int64_t epoch, uint64_t t0)
{
	struct hvdev_irq irq = {.set = rig_irq, .ctx = r, .line = 8};

	memset(r, 0, sizeof(*r));
	r->now = t0;
	vcmos_init(&r->c, &irq, epoch, t0);
}

static uint8_t CMOS_READ(struct rig *r, uint8_t index)
{
	uint64_t v;

	r->now += r->io_cost;
	vcmos_write(&r->c, CMOS_INDEX, 1, index, r->now);
	r->now += r->io_cost;
	v = vcmos_read(&r->c, CMOS_DATA, 1, r->now);
	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void CMOS_WRITE(struct rig *r, uint8_t val, uint8_t index)
{
	r->now += r->io_cost;
	vcmos_write(&r->c, CMOS_INDEX, 1, index, r->now);
	r->now += r->io_cost;
	vcmos_write(&r->c, CMOS_DATA, 1, val, r->now);
}

/* The clock the rig started: the second at t. */
static int64_t want_sec(int64_t epoch, uint64_t t0, uint64_t t)
{
	return epoch + (int64_t)((t - t0) / S);
}

/* mc146818_avoid_UIP() with mc146818_get_time_callback(), century at 0x32; decoded with
 * vmk/rtc.h.  Returns 0 or -EIO; *t_sec: when the seconds byte that counted was read. */
static int mc146818_get_time(struct rig *r, int64_t *epoch, uint64_t *t_sec)
{
	struct rtc_raw raw;

	for (int i = 0; i < 100; i++) {
		uint8_t seconds = CMOS_READ(r, 0x00);
		uint64_t when = r->now;

		if (CMOS_READ(r, 0x0a) & 0x80) {
			r->now += 100 * US;
			continue;
		}
		if (seconds != CMOS_READ(r, 0x00))
			continue;
		raw.sec = seconds;
		raw.min = CMOS_READ(r, 0x02);
		raw.hour = CMOS_READ(r, 0x04);
		raw.mday = CMOS_READ(r, 0x07);
		raw.mon = CMOS_READ(r, 0x08);
		raw.year = CMOS_READ(r, 0x09);
		raw.century = CMOS_READ(r, CMOS_CENTURY);
		raw.regb = CMOS_READ(r, 0x0b);
		if (CMOS_READ(r, 0x0a) & 0x80) {
			r->now += 100 * US;
			continue;
		}
		if (seconds != CMOS_READ(r, 0x00))
			continue;
		*t_sec = when;
		return rtc_decode(&raw, epoch);
	}
	return -EIO;
}

static void test_linux_get_time(void **state)
{
	struct rig r;
	const uint64_t t0 = 7 * S + 123456789;
	unsigned retried = 0;

	(void)state;
	rig_init(&r, EPOCH, t0);
	r.io_cost = 1500;
	/* Start at every phase around a second boundary (the UIP window is 244 us), many seconds
	 * on, across midnight and the leap day into March. */
	for (uint64_t k = 0; k < 3000; k++) {
		uint64_t start = t0 + (k / 300 + 1) * S - 400 * US + (k % 300) * 1700, when = 0;
		int64_t got;

		r.now = start;
		assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
		assert_int_equal(got, want_sec(EPOCH, t0, when));
		if (r.now - start > 200 * US)
			retried++;
	}
	assert_true(retried > 0);
	/* Midnight into 2024-03-01: the date fields roll over together. */
	r.now = t0 + 10 * S + 1;
	assert_int_equal(CMOS_READ(&r, 0x07), 0x01);
	assert_int_equal(CMOS_READ(&r, 0x08), 0x03);
	assert_int_equal(CMOS_READ(&r, 0x09), 0x24);
	assert_int_equal(CMOS_READ(&r, CMOS_CENTURY), 0x20);
	assert_int_equal(CMOS_READ(&r, 0x06), 6); /* Friday */
	assert_int_equal(CMOS_READ(&r, 0x04), 0x00);
	r.now = t0 + 9 * S;
	assert_int_equal(CMOS_READ(&r, 0x07), 0x29);
	assert_int_equal(CMOS_READ(&r, 0x08), 0x02);
	assert_int_equal(CMOS_READ(&r, 0x06), 5); /* Thursday */
	assert_int_equal(CMOS_READ(&r, 0x04), 0x23);
	assert_int_equal(CMOS_READ(&r, 0x02), 0x59);
	assert_int_equal(CMOS_READ(&r, 0x00), 0x59);
}

static void test_uip_window(void **state)
{
	struct rig r;
	const uint64_t t0 = 1000;

	(void)state;
	rig_init(&r, EPOCH, t0);
	for (uint64_t s = 1; s < 4; s++) {
		uint64_t b = t0 + s * S;

		r.now = b - 244 * US - 1;
		assert_false(CMOS_READ(&r, 0x0a) & 0x80);
		r.now = b - 244 * US;
		assert_int_equal(CMOS_READ(&r, 0x0a), 0xa6);
		assert_int_equal(CMOS_READ(&r, 0x00), (uint8_t)(0x50 + s - 1));
		r.now = b - 1;
		assert_true(CMOS_READ(&r, 0x0a) & 0x80);
		assert_int_equal(CMOS_READ(&r, 0x00), (uint8_t)(0x50 + s - 1));
		r.now = b;
		assert_int_equal(CMOS_READ(&r, 0x0a), 0x26);
		assert_int_equal(CMOS_READ(&r, 0x00), (uint8_t)(0x50 + s));
	}
	/* No UIP while SET holds the clock. */
	CMOS_WRITE(&r, 0x82, 0x0b);
	r.now = t0 + 5 * S - 100 * US;
	assert_false(CMOS_READ(&r, 0x0a) & 0x80);
}

static void test_linux_probe(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, EPOCH, 0);
	/* cmos_do_probe: register D bit 6 clear (VRT set), 1024 Hz, irqs off, 24-hour. */
	assert_int_equal(CMOS_READ(&r, 0x0d), 0x80);
	CMOS_WRITE(&r, 0x26, 0x0a);
	uint8_t b = CMOS_READ(&r, 0x0b);

	CMOS_WRITE(&r, b & ~0x70, 0x0b);
	CMOS_READ(&r, 0x0c);
	assert_true(CMOS_READ(&r, 0x0b) & 0x02);
	assert_int_equal(CMOS_READ(&r, 0x0b), 0x02);
	/* Registers C and D ignore writes; A's UIP bit is read-only. */
	CMOS_WRITE(&r, 0xff, 0x0d);
	CMOS_WRITE(&r, 0xff, 0x0c);
	assert_int_equal(CMOS_READ(&r, 0x0d), 0x80);
	assert_int_equal(CMOS_READ(&r, 0x0c), 0x00);
	CMOS_WRITE(&r, 0xa6, 0x0a);
	assert_int_equal(CMOS_READ(&r, 0x0a), 0x26);
	/* CMOS RAM: round trip; the platform's setter refuses clock bytes. */
	CMOS_WRITE(&r, 0x5a, 0x40);
	assert_int_equal(CMOS_READ(&r, 0x40), 0x5a);
	assert_int_equal(vcmos_ram_set(&r.c, 0x35, 0x12), 0);
	assert_int_equal(CMOS_READ(&r, 0x35), 0x12);
	assert_int_equal(vcmos_ram_set(&r.c, 0x00, 1), -EINVAL);
	assert_int_equal(vcmos_ram_set(&r.c, 0x0b, 1), -EINVAL);
	assert_int_equal(vcmos_ram_set(&r.c, CMOS_CENTURY, 1), -EINVAL);
	assert_int_equal(vcmos_ram_set(&r.c, 0x80, 1), -EINVAL);
	/* The index port: bit 7 masks NMI, index 0x80|0x40 is register 0x40; reads 0xff. */
	vcmos_write(&r.c, CMOS_INDEX, 1, 0xc0, r.now);
	assert_true(vcmos_nmi_masked(&r.c));
	assert_int_equal(vcmos_read(&r.c, CMOS_DATA, 1, r.now), 0x5a);
	assert_int_equal(vcmos_read(&r.c, CMOS_INDEX, 1, r.now), 0xff);
	vcmos_write(&r.c, CMOS_INDEX, 1, 0x40, r.now);
	assert_false(vcmos_nmi_masked(&r.c));
	assert_false(r.level);
}

/* mc146818_set_time() for a date in BCD, with the century byte. */
static void mc146818_set_time(struct rig *r, uint8_t cent, uint8_t yrs, uint8_t mon, uint8_t mday,
			      uint8_t hrs, uint8_t min, uint8_t sec)
{
	uint8_t save_control = CMOS_READ(r, 0x0b), save_freq_select;

	CMOS_WRITE(r, save_control | 0x80, 0x0b);
	save_freq_select = CMOS_READ(r, 0x0a);
	CMOS_WRITE(r, save_freq_select | 0x70, 0x0a);
	CMOS_WRITE(r, yrs, 0x09);
	CMOS_WRITE(r, mon, 0x08);
	CMOS_WRITE(r, mday, 0x07);
	CMOS_WRITE(r, hrs, 0x04);
	CMOS_WRITE(r, min, 0x02);
	CMOS_WRITE(r, sec, 0x00);
	CMOS_WRITE(r, cent, CMOS_CENTURY);
	CMOS_WRITE(r, save_control, 0x0b);
	CMOS_WRITE(r, save_freq_select, 0x0a);
}

static void test_linux_set_time(void **state)
{
	struct rig r;
	int64_t got;
	uint64_t when, set_at;
	/* 2031-05-06 07:08:09 */
	const int64_t target = rtc_days_from_civil(2031, 5, 6) * 86400 + 7 * 3600 + 8 * 60 + 9;

	(void)state;
	rig_init(&r, EPOCH, 3 * S);
	r.io_cost = 1 * US;
	r.now = 3 * S + 700 * MS;
	mc146818_set_time(&r, 0x20, 0x31, 0x05, 0x06, 0x07, 0x08, 0x09);
	set_at = r.now;
	/* The divider restarts: the first update is 500 ms after it is released. */
	r.now = set_at + 499 * MS;
	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
	assert_int_equal(got, target);
	r.now = set_at + 500 * MS;
	assert_int_equal(CMOS_READ(&r, 0x00), 0x10);
	r.now = set_at + 3 * S + 100 * MS;
	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
	assert_int_equal(got, target + 3);
	/* While SET holds, the time stands still and reads back what was written. */
	CMOS_WRITE(&r, 0x82, 0x0b);
	CMOS_WRITE(&r, 0x45, 0x02);
	r.now += 5 * S;
	assert_int_equal(CMOS_READ(&r, 0x02), 0x45);
	assert_int_equal(CMOS_READ(&r, 0x00), 0x12);
	CMOS_WRITE(&r, 0x02, 0x0b);
	/* SET cleared with the divider running all along: it goes on from 07:45:12 in phase. */
	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
	assert_int_equal(got, target - 8 * 60 + 45 * 60 + 3);
	/* A date that does not exist is refused: the clock resumes from where it stopped. */
	uint64_t stop = r.now;

	CMOS_WRITE(&r, 0x82, 0x0b);
	CMOS_WRITE(&r, 0x31, 0x07); /* 31 May: fine */
	CMOS_WRITE(&r, 0x31, 0x07);
	CMOS_WRITE(&r, 0x06, 0x08); /* 31 June: no */
	r.now += 2 * S;
	CMOS_WRITE(&r, 0x02, 0x0b);
	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
	assert_true(got == want_sec(target - 8 * 60 + 45 * 60 + 3, stop, stop) ||
		    got == want_sec(target - 8 * 60 + 45 * 60 + 3, stop, stop) + 1);
	/* Writing a time register while the clock runs sets that field and keeps running. */
	CMOS_WRITE(&r, 0x30, 0x02);
	assert_int_equal(CMOS_READ(&r, 0x02), 0x30);
	assert_int_equal(CMOS_READ(&r, 0x04), 0x07);
	CMOS_WRITE(&r, 0x99, 0x02); /* bad BCD: ignored */
	assert_int_equal(CMOS_READ(&r, 0x02), 0x30);
	/* Setting a binary-mode clock in binary. */
	CMOS_WRITE(&r, 0x86, 0x0b);
	CMOS_WRITE(&r, 99, 0x09);
	CMOS_WRITE(&r, 12, 0x08);
	CMOS_WRITE(&r, 31, 0x07);
	CMOS_WRITE(&r, 23, 0x04);
	CMOS_WRITE(&r, 59, 0x02);
	CMOS_WRITE(&r, 59, 0x00);
	CMOS_WRITE(&r, 20, CMOS_CENTURY);
	CMOS_WRITE(&r, 0x06, 0x0b);
	r.now += 1 * S;
	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
	assert_int_equal(got, rtc_days_from_civil(2100, 1, 1) * 86400);
	assert_int_equal(CMOS_READ(&r, CMOS_CENTURY), 21);
	assert_int_equal(CMOS_READ(&r, 0x09), 0);
	assert_int_equal(CMOS_READ(&r, 0x06), 6); /* 2100-01-01: Friday */
}

static void test_formats(void **state)
{
	struct rig r;
	const int64_t midnight = rtc_days_from_civil(2024, 7, 4) * 86400;
	static const struct {
		unsigned hour;
		uint8_t bcd12, bin12, bcd24;
	} hours[] = {
		{0, 0x12, 12, 0x00},	{1, 0x01, 1, 0x01},	{11, 0x11, 11, 0x11},
		{12, 0x92, 0x8c, 0x12}, {13, 0x81, 0x81, 0x13}, {23, 0x91, 0x8b, 0x23},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
		rig_init(&r, midnight + hours[i].hour * 3600 + 7 * 60 + 5, 0);
		assert_int_equal(CMOS_READ(&r, 0x04), hours[i].bcd24);
		CMOS_WRITE(&r, 0x00, 0x0b); /* 12-hour BCD */
		assert_int_equal(CMOS_READ(&r, 0x04), hours[i].bcd12);
		CMOS_WRITE(&r, 0x04, 0x0b); /* 12-hour binary */
		assert_int_equal(CMOS_READ(&r, 0x04), hours[i].bin12);
		assert_int_equal(CMOS_READ(&r, 0x02), 7);
		assert_int_equal(CMOS_READ(&r, 0x00), 5);
		assert_int_equal(CMOS_READ(&r, 0x09), 24);
		assert_int_equal(CMOS_READ(&r, 0x08), 7);
		assert_int_equal(CMOS_READ(&r, 0x06), 5);
		/* A 12-hour set: 0x8c binary is 12 PM. */
		CMOS_WRITE(&r, 0x84, 0x0b);
		CMOS_WRITE(&r, 0x8c, 0x04);
		CMOS_WRITE(&r, 0x04, 0x0b);
		CMOS_WRITE(&r, 0x06, 0x0b);
		assert_int_equal(CMOS_READ(&r, 0x04), 12);
		CMOS_WRITE(&r, 0x02, 0x0b);
		assert_int_equal(CMOS_READ(&r, 0x04), 0x12);
	}
	/* vcmos_init clamps a wild epoch to the chip's range. */
	int64_t got;
	uint64_t when;

	rig_init(&r, INT64_MAX, 0);
	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
	assert_int_equal(got, rtc_days_from_civil(9999, 12, 31) * 86400 + 86399);
	rig_init(&r, -5, 0);
	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
	assert_int_equal(got, 0);
}

/* Follow vcmos_poll's deadlines to end, reading C on each interrupt as rtc-cmos's handler does;
 * returns the interrupts seen and ORs register C into *seen. */
static unsigned run_irqs(struct rig *r, uint64_t end, uint8_t *seen)
{
	unsigned n = 0, guard = 0;
	uint64_t next = vcmos_poll(&r->c, r->now);

	while (next <= end) {
		assert_true(next > r->now);
		assert_true(++guard < 100000);
		r->now = next;
		next = vcmos_poll(&r->c, r->now);
		if (r->level) {
			uint8_t c = CMOS_READ(r, 0x0c);

			assert_true(c & 0x80);
			*seen |= c;
			assert_false(r->level);
			n++;
			next = vcmos_poll(&r->c, r->now);
		}
	}
	r->now = end;
	return n;
}

static void test_periodic(void **state)
{
	struct rig r;
	uint8_t seen = 0;

	(void)state;
	rig_init(&r, EPOCH, 5);
	/* PF is set at the rate even with PIE off, without IRQF or the line. */
	r.now += 2 * MS;
	assert_int_equal(CMOS_READ(&r, 0x0c), 0x40);
	assert_int_equal(CMOS_READ(&r, 0x0c), 0x00);
	assert_int_equal(vcmos_poll(&r.c, r.now), HVDEV_NEVER);
	/* 1024 Hz with PIE: 1024 interrupts a second, each at its deadline. */
	CMOS_WRITE(&r, 0x42, 0x0b);
	uint64_t start = r.now;

	assert_int_equal(run_irqs(&r, start + S, &seen), 1024);
	assert_int_equal(seen & 0xe0, 0xc0); /* (UF comes with one of them, unasked) */
	/* An interrupt not acknowledged leaves the line high, no deadline needed. */
	r.now += 2 * MS;
	vcmos_poll(&r.c, r.now);
	assert_true(r.level);
	assert_int_equal(vcmos_poll(&r.c, r.now), HVDEV_NEVER);
	assert_int_equal(CMOS_READ(&r, 0x0c), 0xc0);
	assert_false(r.level);
	/* Other rates: 8192 Hz (RS 3), 128 Hz (RS 2), 2 Hz (RS 15); RS 0 stops it. */
	static const struct {
		uint8_t rs;
		unsigned hz;
	} rates[] = {{3, 8192}, {2, 128}, {1, 256}, {15, 2}, {0, 0}};
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		CMOS_WRITE(&r, 0x20 | rates[i].rs, 0x0a);
		CMOS_READ(&r, 0x0c);
		start = r.now;
		assert_int_equal(run_irqs(&r, start + 2 * S, &seen), 2 * rates[i].hz);
	}
	/* A divider in reset has no periodic interrupt either. */
	CMOS_WRITE(&r, 0x76, 0x0a);
	CMOS_READ(&r, 0x0c);
	assert_int_equal(run_irqs(&r, r.now + S, &seen), 0);
}

static void test_update_and_alarm(void **state)
{
	struct rig r;
	uint8_t seen = 0;

	(void)state;
	rig_init(&r, EPOCH, 0);
	r.now = 300 * MS;
	/* UIE: one per second, at the second boundary. */
	CMOS_WRITE(&r, 0x12, 0x0b);
	uint64_t next = vcmos_poll(&r.c, r.now);

	assert_int_equal(next, 1 * S);
	assert_int_equal(run_irqs(&r, 10 * S + 500 * MS, &seen), 10);
	assert_int_equal(seen & 0xb0, 0xb0); /* AF too: the zero alarm bytes match midnight */
	/* SET clears UIE. */
	CMOS_WRITE(&r, 0x92, 0x0b);
	assert_int_equal(CMOS_READ(&r, 0x0b), 0x82);
	CMOS_WRITE(&r, 0x02, 0x0b);
	CMOS_READ(&r, 0x0c);
	/* Alarm at 00:00:03 (the clock is at 00:00:00 on 1 March now): AF then, once a day. */
	CMOS_WRITE(&r, 0x03, 0x01);
	CMOS_WRITE(&r, 0x00, 0x03);
	CMOS_WRITE(&r, 0x00, 0x05);
	CMOS_WRITE(&r, 0x22, 0x0b);
	next = vcmos_poll(&r.c, r.now);
	assert_int_equal(next, 13 * S);
	seen = 0;
	assert_int_equal(run_irqs(&r, 13 * S + 1, &seen), 1);
	assert_int_equal(seen, 0xf0); /* UF and PF are set too, unasked */
	assert_int_equal(CMOS_READ(&r, 0x00), 0x03);
	next = vcmos_poll(&r.c, r.now);
	assert_int_equal(next, 13 * S + 86400 * S);
	/* Unpolled for three days: the flags are simply set (it is 2024-03-04 00:00:03). */
	r.now += 3 * 86400 * S;
	assert_int_equal(CMOS_READ(&r, 0x0c), 0xf0);
	assert_false(r.level);
	/* An alarm second passed between two looks (00:00:01 and 00:00:05) is not missed. */
	r.now += 86400 * S - 2 * S;
	CMOS_READ(&r, 0x0c);
	r.now += 4 * S;
	assert_int_equal(CMOS_READ(&r, 0x0c) & 0x20, 0x20);
	/* Don't-care seconds and hours (0xc0-0xff): minute 30 of any hour, first at 00:30:00. */
	CMOS_WRITE(&r, 0xff, 0x01);
	CMOS_WRITE(&r, 0x30, 0x03);
	CMOS_WRITE(&r, 0xc0, 0x05);
	next = vcmos_poll(&r.c, r.now);
	assert_int_equal(next, (r.now / S - 5 + 30 * 60) * S);
	r.now = next;
	/* AF is set and unread: nothing more to wake for until C is read. */
	assert_int_equal(vcmos_poll(&r.c, r.now), HVDEV_NEVER);
	assert_true(r.level);
	assert_int_equal(CMOS_READ(&r, 0x0c) & 0xa0, 0xa0);
	assert_int_equal(vcmos_poll(&r.c, r.now), next + S);
	/* ...an alarm that cannot match never fires, and needs no wake-up. */
	CMOS_WRITE(&r, 0x61, 0x01);
	assert_int_equal(vcmos_poll(&r.c, r.now), HVDEV_NEVER);
	r.now += 2 * 86400 * S;
	assert_int_equal(CMOS_READ(&r, 0x0c) & 0x20, 0);
	/* All three don't care: every second; 12-hour alarm hour 0x81 is 1 PM. */
	CMOS_WRITE(&r, 0xc0, 0x01);
	CMOS_WRITE(&r, 0xc0, 0x03);
	CMOS_WRITE(&r, 0xc0, 0x05);
	seen = 0;
	assert_int_equal(run_irqs(&r, r.now + 5 * S, &seen), 5);
	CMOS_WRITE(&r, 0x20, 0x0b); /* 12-hour BCD, AIE */
	CMOS_WRITE(&r, 0x00, 0x01);
	CMOS_WRITE(&r, 0x00, 0x03);
	CMOS_WRITE(&r, 0x81, 0x05);
	CMOS_READ(&r, 0x0c);
	next = vcmos_poll(&r.c, r.now);
	r.now = next;
	vcmos_poll(&r.c, r.now);
	assert_true(r.level);
	assert_int_equal(CMOS_READ(&r, 0x04), 0x81);
	assert_int_equal(CMOS_READ(&r, 0x02), 0x00);
	assert_int_equal(CMOS_READ(&r, 0x00), 0x00);
	assert_int_equal(CMOS_READ(&r, 0x0c) & 0xa0, 0xa0);
	seen = 0;
	assert_int_equal(run_irqs(&r, r.now + 86400 * S, &seen), 1);
	/* 0x12 in 12-hour BCD is 12 AM: the next one is at midnight, 11 hours on. */
	CMOS_WRITE(&r, 0x12, 0x05);
	CMOS_READ(&r, 0x0c);
	next = vcmos_poll(&r.c, r.now);
	assert_int_equal(next - r.now, 11 * 3600 * S);
	r.now = next;
	assert_int_equal(CMOS_READ(&r, 0x04), 0x12);
	assert_int_equal(CMOS_READ(&r, 0x0c) & 0xa0, 0xa0);
}

static bool valid_bcd(uint8_t v, unsigned lo, unsigned hi)
{
	unsigned n = (v >> 4) * 10 + (v & 0xf);

	return (v & 0xf) <= 9 && (v >> 4) <= 9 && n >= lo && n <= hi;
}

static void test_hostile(void **state)
{
	struct rig r;
	uint32_t seed = 99;

	(void)state;
	rig_init(&r, EPOCH, 0);
	for (unsigned off = 2; off < 300; off += 7) {
		assert_int_equal(vcmos_read(&r.c, off, 1, r.now), 0xff);
		vcmos_write(&r.c, off, 1, 0x55, r.now);
	}
	assert_int_equal(vcmos_read(&r.c, ~0u, 8, r.now), 0xff);
	/* Wide accesses act on the low byte: index 0x140 is 0x40. */
	vcmos_write(&r.c, CMOS_INDEX, 2, 0x140, r.now);
	vcmos_write(&r.c, CMOS_DATA, 4, 0x12345677, r.now);
	assert_int_equal(vcmos_read(&r.c, CMOS_DATA, 8, r.now), 0x77);
	for (int i = 0; i < 300000; i++) {
		seed = seed * 1103515245 + 12345;
		uint64_t val = (uint64_t)seed * 0x9e3779b97f4a7c15ull >> 3;

		switch ((seed >> 16) % 8) {
		case 0:
			vcmos_write(&r.c, CMOS_INDEX, 1, (seed >> 4) % 16, r.now);
			break;
		case 1:
			vcmos_write(&r.c, CMOS_INDEX, 1, val, r.now);
			break;
		case 2:
		case 3:
			vcmos_write(&r.c, (seed >> 5) % 3, 1u << (seed % 4), val, r.now);
			break;
		case 4:
			assert_true(vcmos_read(&r.c, (seed >> 5) % 3, 1, r.now) <= 0xff);
			break;
		case 5:
			assert_true(vcmos_poll(&r.c, r.now) > r.now);
			break;
		default:
			r.now += (seed & 0x100000) ? val % (3 * 86400 * S) : val % (2 * MS);
			break;
		}
		assert_int_equal(r.level, r.c.irq_level);
	}
	/* Whatever was written, a running clock in 24-hour BCD reads a valid time. */
	CMOS_WRITE(&r, 0x26, 0x0a);
	CMOS_WRITE(&r, 0x02, 0x0b);
	assert_true(valid_bcd(CMOS_READ(&r, 0x00), 0, 59));
	assert_true(valid_bcd(CMOS_READ(&r, 0x02), 0, 59));
	assert_true(valid_bcd(CMOS_READ(&r, 0x04), 0, 23));
	assert_true(valid_bcd(CMOS_READ(&r, 0x06), 1, 7));
	assert_true(valid_bcd(CMOS_READ(&r, 0x07), 1, 31));
	assert_true(valid_bcd(CMOS_READ(&r, 0x08), 1, 12));
	assert_true(valid_bcd(CMOS_READ(&r, 0x09), 0, 99));
	assert_true(valid_bcd(CMOS_READ(&r, CMOS_CENTURY), 19, 99));
	int64_t got;
	uint64_t when;

	assert_int_equal(mc146818_get_time(&r, &got, &when), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_get_time),	 cmocka_unit_test(test_uip_window),
		cmocka_unit_test(test_linux_probe),	 cmocka_unit_test(test_linux_set_time),
		cmocka_unit_test(test_formats),		 cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_update_and_alarm), cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
