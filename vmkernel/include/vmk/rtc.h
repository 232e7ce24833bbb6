/* The CMOS real-time clock: read once at boot to give the kernel a wall clock. */
#ifndef VMK_RTC_H
#define VMK_RTC_H

#include <stdint.h>

/* Raw CMOS time registers as read: BCD or binary, 12- or 24-hour, per status register B. */
struct rtc_raw {
	uint8_t sec, min, hour, mday, mon, year;
	uint8_t century; /* 0 when the platform has no century register */
	uint8_t regb;	 /* status register B: bit 2 binary, bit 1 24-hour */
};

#define RTC_REGB_BINARY 0x04
#define RTC_REGB_24H	0x02

/* Pure (lib/rtc_time.c). */
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31). */
int64_t rtc_days_from_civil(int64_t year, unsigned month, unsigned day);
/* Decode raw registers into seconds since the epoch (UTC, as PC firmware keeps it under
 * QEMU and most hypervisors).  Years 00-69 are 20xx and 70-99 19xx unless century is set.
 * 0, or -EINVAL for a value out of range (a dead battery). */
int rtc_decode(const struct rtc_raw *r, int64_t *epoch_s);

/* Hardware (kern/rtc.c).  Both read the RTC on their first call (up to ~10 ms with interrupts
 * off, waiting out an update cycle); any context after that, never blocks. */
/* Wall-clock nanoseconds since the epoch at time_ns() == 0 (0 when the RTC is unreadable). */
int64_t rtc_boot_epoch_ns(void);
/* The wall clock now: rtc_boot_epoch_ns() + time_ns(). */
uint64_t realtime_ns(void);

#endif
