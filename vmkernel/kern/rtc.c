/* CMOS RTC (MC146818 at ports 0x70/0x71): read once, then the wall clock follows the TSC. */
#define LOG_TAG "rtc"
#include <vmk/rtc.h>
#include <vmk/spinlock.h>
#include <vmk/time.h>
#include <vmk/log.h>
#include <arch/cpu.h>

#define CMOS_INDEX    0x70
#define CMOS_DATA     0x71
#define RTC_REGA      0x0a
#define RTC_REGB      0x0b
#define RTC_REGA_UIP  0x80
#define RTC_CENTURY   0x32 /* where PC firmware keeps it (the FADT may say otherwise) */
#define RTC_MAX_TRIES 5

static struct spinlock rtc_lock = SPINLOCK_INIT;
static volatile bool rtc_done;
static int64_t boot_epoch_ns;

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* Wait out an update cycle (UIP stays set for at most ~2 ms), then read every register. */
static void rtc_read_raw(struct rtc_raw *r)
{
	for (int i = 0; i < 2000 && (cmos_read(RTC_REGA) & RTC_REGA_UIP); i++)
		udelay(10);
	r->sec = cmos_read(0x00);
	r->min = cmos_read(0x02);
	r->hour = cmos_read(0x04);
	r->mday = cmos_read(0x07);
	r->mon = cmos_read(0x08);
	r->year = cmos_read(0x09);
	r->century = cmos_read(RTC_CENTURY);
	r->regb = cmos_read(RTC_REGB);
}

static bool raw_equal(const struct rtc_raw *a, const struct rtc_raw *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->mday == b->mday &&
	       a->mon == b->mon && a->year == b->year && a->century == b->century;
}

static void rtc_init_locked(void)
{
	struct rtc_raw a, b;
	int64_t secs;
	uint64_t now;
	int tries = 0;

	/* Two identical reads in a row: no update happened in between. */
	rtc_read_raw(&b);
	do {
		a = b;
		rtc_read_raw(&b);
	} while (!raw_equal(&a, &b) && ++tries < RTC_MAX_TRIES);
	now = time_ns();
	/* A century register holding garbage (not every platform has one) is ignored. */
	if (rtc_decode(&b, &secs)) {
		b.century = 0;
		if (rtc_decode(&b, &secs)) {
			log_warn("RTC unreadable (%02x-%02x-%02x %02x:%02x:%02x, B=%02x): wall "
				 "clock "
				 "starts at the epoch",
				 b.year, b.mon, b.mday, b.hour, b.min, b.sec, b.regb);
			secs = 0;
		}
	}
	boot_epoch_ns = secs * (int64_t)NSEC_PER_SEC - (int64_t)now;
	__atomic_store_n(&rtc_done, true, __ATOMIC_RELEASE);
	if (secs)
		log_info("wall clock from the RTC: %ld s since the epoch", (long)secs);
}

int64_t rtc_boot_epoch_ns(void)
{
	if (!__atomic_load_n(&rtc_done, __ATOMIC_ACQUIRE)) {
		uint64_t f = spin_lock_irqsave(&rtc_lock);

		if (!rtc_done)
			rtc_init_locked();
		spin_unlock_irqrestore(&rtc_lock, f);
	}
	return boot_epoch_ns;
}

uint64_t realtime_ns(void)
{
	int64_t t = rtc_boot_epoch_ns() + (int64_t)time_ns();

	return t > 0 ? (uint64_t)t : 0;
}
