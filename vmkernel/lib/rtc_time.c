/* CMOS RTC register decoding and calendar arithmetic (pure). */
#include <vmk/rtc.h>
#include <vmk/errno.h>
#include <stdbool.h>

/* Howard Hinnant's days_from_civil. */
int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int bcd(uint8_t v, bool binary, unsigned *out)
{
	if (binary) {
		*out = v;
		return 0;
	}
	if ((v & 0xf) > 9 || (v >> 4) > 9)
		return -EINVAL;
	*out = (v >> 4) * 10 + (v & 0xf);
	return 0;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rtc_decode(const struct rtc_raw *r, int64_t *epoch_s)
{
	static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool bin = r->regb & RTC_REGB_BINARY, pm = false;
	unsigned sec, min, hour, mday, mon, year, cent = 0;
	uint8_t h = r->hour;
	int64_t y;

	if (!(r->regb & RTC_REGB_24H)) {
		pm = h & 0x80;
		h &= 0x7f;
	}
	if (bcd(r->sec, bin, &sec) || bcd(r->min, bin, &min) || bcd(h, bin, &hour) ||
	    bcd(r->mday, bin, &mday) || bcd(r->mon, bin, &mon) || bcd(r->year, bin, &year) ||
	    (r->century && bcd(r->century, bin, &cent)))
		return -EINVAL;
	if (!(r->regb & RTC_REGB_24H)) {
		if (hour < 1 || hour > 12)
			return -EINVAL;
		hour = hour % 12 + (pm ? 12 : 0);
	}
	if (r->century && (cent < 19 || cent > 99))
		return -EINVAL;
	y = r->century ? cent * 100 + year : year < 70 ? 2000 + year : 1900 + year;
	if (sec > 59 || min > 59 || hour > 23 || year > 99 || mon < 1 || mon > 12 || mday < 1 ||
	    mday > mdays[mon - 1] || (mon == 2 && mday == 29 && !leap(y)))
		return -EINVAL;
	*epoch_s = rtc_days_from_civil(y, mon, mday) * 86400 + hour * 3600 + min * 60 + sec;
	return 0;
}
