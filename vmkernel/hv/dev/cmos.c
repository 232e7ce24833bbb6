/* Virtual MC146818 RTC and CMOS RAM (contract in hv/cmos.h). */
#include <hv/cmos.h>
#include <vmk/errno.h>
#include <vmk/rtc.h>
#include <string.h>

#define NS_PER_S   1000000000ll
#define DIV_HZ	   32768 /* the time base */
#define UIP_NS	   244000
#define RESTART_NS 500000000	  /* divider reset released: first update this much later */
#define SEC_MAX	   253402300799ll /* 9999-12-31 23:59:59 */
#define NO_SEC	   INT64_MAX

#define REG_SEC	      0x00
#define REG_SEC_ALARM 0x01
#define REG_MIN	      0x02
#define REG_MIN_ALARM 0x03
#define REG_HOUR      0x04
#define REG_HOUR_ALRM 0x05
#define REG_WDAY      0x06
#define REG_MDAY      0x07
#define REG_MON	      0x08
#define REG_YEAR      0x09
#define REG_A	      0x0a
#define REG_B	      0x0b
#define REG_C	      0x0c
#define REG_D	      0x0d

#define A_UIP	 0x80
#define B_SET	 0x80
#define B_PIE	 0x40
#define B_AIE	 0x20
#define B_UIE	 0x10
#define B_BINARY 0x04
#define B_24H	 0x02
#define C_IRQF	 0x80
#define C_PF	 0x40
#define C_AF	 0x20
#define C_UF	 0x10

static int64_t fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t fmod_pos(int64_t a, int64_t b)
{
	return a - fdiv(a, b) * b;
}

/* ns from ref to t, signed (ref may lie up to a second ahead). */
static int64_t since_ref(const struct vcmos *c, uint64_t t)
{
	return (int64_t)(t - c->ref);
}

static bool div_running(uint8_t reg_a)
{
	return ((reg_a >> 4) & 7) == 2;
}

static bool clock_runs(uint8_t reg_a, uint8_t reg_b)
{
	return div_running(reg_a) && !(reg_b & B_SET);
}

/* The clock (Unix seconds) at t while it runs. */
static int64_t sec_at(const struct vcmos *c, uint64_t t)
{
	return c->base_sec + fdiv(since_ref(c, t), NS_PER_S);
}

/* 32.768 kHz divider ticks from ref to t. */
static int64_t div_ticks(const struct vcmos *c, uint64_t t)
{
	int64_t d = since_ref(c, t), q = fdiv(d, NS_PER_S);

	return q * DIV_HZ + (d - q * NS_PER_S) * DIV_HZ / NS_PER_S;
}

/* The first time at which div_ticks reaches tick. */
static uint64_t time_of_div_tick(const struct vcmos *c, int64_t tick)
{
	int64_t q = fdiv(tick, DIV_HZ), r = tick - q * DIV_HZ;

	return c->ref + (uint64_t)(q * NS_PER_S + (r * NS_PER_S + DIV_HZ - 1) / DIV_HZ);
}

/* Periodic interrupt period in divider ticks, 0 for none. */
static int64_t periodic_ticks(uint8_t reg_a)
{
	unsigned rs = reg_a & 0x0f;

	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 64 << rs; /* 256 Hz, 128 Hz */
	return 1 << (rs - 1);
}

/* Howard Hinnant's civil_from_days: days since 1970-01-01 to a proleptic Gregorian date. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = fdiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static uint8_t encode(const struct vcmos *c, unsigned v)
{
	return c->reg_b & B_BINARY ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static uint8_t encode_hour(const struct vcmos *c, unsigned h)
{
	if (c->reg_b & B_24H)
		return encode(c, h);
	return (uint8_t)(encode(c, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

/* A value byte in the current format, or -1 if it is not one (bad BCD, > max). */
static int decode(const struct vcmos *c, uint8_t b, unsigned max)
{
	unsigned v = b;

	if (!(c->reg_b & B_BINARY)) {
		if ((b & 0x0f) > 9 || (b >> 4) > 9)
			return -1;
		v = (b >> 4) * 10 + (b & 0x0f);
	}
	return v <= max ? (int)v : -1;
}

static int decode_hour(const struct vcmos *c, uint8_t b)
{
	int h;

	if (c->reg_b & B_24H)
		return decode(c, b, 23);
	h = decode(c, b & 0x7f, 12);
	if (h < 1)
		return -1;
	return h % 12 + (b & 0x80 ? 12 : 0);
}

/* The time register at index for the clock at sec. */
static uint8_t time_reg(const struct vcmos *c, unsigned index, int64_t sec)
{
	int64_t days = fdiv(sec, 86400), tod = sec - days * 86400, y;
	unsigned m, d;

	switch (index) {
	case REG_SEC:
		return encode(c, (unsigned)(tod % 60));
	case REG_MIN:
		return encode(c, (unsigned)(tod / 60 % 60));
	case REG_HOUR:
		return encode_hour(c, (unsigned)(tod / 3600));
	case REG_WDAY:
		return encode(c, (unsigned)(fmod_pos(days + 4, 7) + 1)); /* 1970-01-01: Thursday */
	default:
		break;
	}
	civil_from_days(days, &y, &m, &d);
	switch (index) {
	case REG_MDAY:
		return encode(c, d);
	case REG_MON:
		return encode(c, m);
	case REG_YEAR:
		return encode(c, (unsigned)fmod_pos(y, 100));
	default: /* CMOS_CENTURY */
		return encode(c, (unsigned)fmod_pos(fdiv(y, 100), 100));
	}
}

static bool is_time_reg(unsigned index)
{
	return index == REG_SEC || index == REG_MIN || index == REG_HOUR || index == REG_WDAY ||
	       index == REG_MDAY || index == REG_MON || index == REG_YEAR || index == CMOS_CENTURY;
}

static const uint8_t time_regs[] = {REG_SEC,  REG_MIN, REG_HOUR, REG_WDAY,
				    REG_MDAY, REG_MON, REG_YEAR, CMOS_CENTURY};

/* The clock stops at now: its registers go to RAM, where the guest may change them. */
static void clock_stop(struct vcmos *c, uint64_t now)
{
	c->frozen_sec = sec_at(c, now);
	for (size_t i = 0; i < sizeof(time_regs); i++)
		c->ram[time_regs[i]] = time_reg(c, time_regs[i], c->frozen_sec);
}

/* The clock starts at now from the registers in RAM (or, if they do not decode, from where it
 * stopped), keeping the divider's phase. */
static void clock_start(struct vcmos *c, uint64_t now)
{
	struct rtc_raw raw = {
		.sec = c->ram[REG_SEC],
		.min = c->ram[REG_MIN],
		.hour = c->ram[REG_HOUR],
		.mday = c->ram[REG_MDAY],
		.mon = c->ram[REG_MON],
		.year = c->ram[REG_YEAR],
		.century = c->ram[CMOS_CENTURY],
		.regb = c->reg_b,
	};
	int64_t sec;

	if (rtc_decode(&raw, &sec) != 0)
		sec = c->frozen_sec;
	c->base_sec = sec - fdiv(since_ref(c, now), NS_PER_S);
}

/* The first second after from whose time of day matches the alarm, NO_SEC if none can. */
static int64_t alarm_next(const struct vcmos *c, int64_t from)
{
	uint8_t bs = c->ram[REG_SEC_ALARM], bm = c->ram[REG_MIN_ALARM], bh = c->ram[REG_HOUR_ALRM];
	int as = -1, am = -1, ah = -1;
	int64_t s = from + 1, m0 = fdiv(s, 60);

	if (bs < 0xc0 && (as = decode(c, bs, 59)) < 0)
		return NO_SEC;
	if (bm < 0xc0 && (am = decode(c, bm, 59)) < 0)
		return NO_SEC;
	if (bh < 0xc0 && (ah = decode_hour(c, bh)) < 0)
		return NO_SEC;
	/* Minute by minute over a day: bounded, and alarms are rare enough to be looked for. */
	for (int64_t k = 0; k <= 1440; k++) {
		int64_t minute = m0 + k, start = minute * 60, lo = k == 0 ? s - start : 0;
		int64_t mod = fmod_pos(minute, 1440);

		if ((ah >= 0 && mod / 60 != ah) || (am >= 0 && mod % 60 != am))
			continue;
		if (as < 0)
			return start + lo;
		if (as >= lo)
			return start + as;
	}
	return NO_SEC;
}

/* Set the flags for the events between the last call and now. */
static void advance(struct vcmos *c, uint64_t now)
{
	uint64_t then = c->last;
	int64_t p, s0, s1;

	if (now <= then)
		return;
	c->last = now;
	p = periodic_ticks(c->reg_a);
	if (div_running(c->reg_a) && p && fdiv(div_ticks(c, then), p) != fdiv(div_ticks(c, now), p))
		c->flags |= C_PF;
	if (!clock_runs(c->reg_a, c->reg_b))
		return;
	s0 = sec_at(c, then);
	s1 = sec_at(c, now);
	if (s1 > s0) {
		c->flags |= C_UF;
		if (alarm_next(c, s0) <= s1)
			c->flags |= C_AF;
	}
}

static uint8_t irqf(const struct vcmos *c)
{
	return c->flags & c->reg_b & (C_PF | C_AF | C_UF) ? C_IRQF : 0;
}

static void update_irq(struct vcmos *c)
{
	bool level = irqf(c) != 0;

	if (level != c->irq_level) {
		c->irq_level = level;
		hvdev_irq_set(&c->irq, level);
	}
}

/* A write to register A or B: stop or start the clock and divider as they say. */
static void reconfigure(struct vcmos *c, uint8_t reg_a, uint8_t reg_b, uint64_t now)
{
	bool was_running = clock_runs(c->reg_a, c->reg_b), div_was = div_running(c->reg_a);

	if (reg_b & B_SET)
		reg_b &= (uint8_t)~B_UIE;
	if (was_running && !clock_runs(reg_a, reg_b))
		clock_stop(c, now);
	c->reg_a = reg_a;
	c->reg_b = reg_b;
	if (!div_was && div_running(reg_a))
		c->ref = now + RESTART_NS - NS_PER_S; /* next boundary 500 ms on */
	if (!was_running && clock_runs(reg_a, reg_b))
		clock_start(c, now);
}

void vcmos_init(struct vcmos *c, const struct hvdev_irq *irq, int64_t epoch_s, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	if (irq)
		c->irq = *irq;
	c->reg_a = 0x26;
	c->reg_b = B_24H;
	c->ref = now;
	c->base_sec = epoch_s < 0 ? 0 : epoch_s > SEC_MAX ? SEC_MAX : epoch_s;
	c->frozen_sec = c->base_sec;
	c->last = now;
}

static uint8_t read_reg(struct vcmos *c, unsigned index, uint64_t now)
{
	uint8_t v;
	int64_t phase;

	switch (index) {
	case REG_A:
		v = c->reg_a;
		phase = fmod_pos(since_ref(c, now), NS_PER_S);
		if (clock_runs(c->reg_a, c->reg_b) && phase >= NS_PER_S - UIP_NS)
			v |= A_UIP;
		return v;
	case REG_B:
		return c->reg_b;
	case REG_C:
		v = c->flags | irqf(c);
		c->flags = 0;
		update_irq(c);
		return v;
	case REG_D:
		return 0x80;
	default:
		if (is_time_reg(index) && clock_runs(c->reg_a, c->reg_b))
			return time_reg(c, index, sec_at(c, now));
		return c->ram[index];
	}
}

static void write_reg(struct vcmos *c, unsigned index, uint8_t val, uint64_t now)
{
	switch (index) {
	case REG_A:
		reconfigure(c, val & 0x7f, c->reg_b, now);
		break;
	case REG_B:
		reconfigure(c, c->reg_a, val, now);
		break;
	case REG_C:
	case REG_D:
		break;
	default:
		if (is_time_reg(index) && clock_runs(c->reg_a, c->reg_b)) {
			/* Set while running: as if stopped, written and started in one go. */
			clock_stop(c, now);
			c->ram[index] = val;
			clock_start(c, now);
		} else {
			c->ram[index] = val;
		}
		break;
	}
	update_irq(c);
}

uint64_t vcmos_read(struct vcmos *c, unsigned offset, unsigned size, uint64_t now)
{
	uint8_t v;

	(void)size;
	if (offset != CMOS_DATA)
		return 0xff;
	advance(c, now);
	v = read_reg(c, c->index, now);
	update_irq(c);
	return v;
}

void vcmos_write(struct vcmos *c, unsigned offset, unsigned size, uint64_t val, uint64_t now)
{
	(void)size;
	if (offset == CMOS_INDEX) {
		c->index = val & 0x7f;
		c->nmi_masked = val & 0x80;
		return;
	}
	if (offset != CMOS_DATA)
		return;
	advance(c, now);
	write_reg(c, c->index, (uint8_t)val, now);
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t vcmos_poll(struct vcmos *c, uint64_t now)
{
	uint64_t next = HVDEV_NEVER, boundary;
	int64_t p, s, a;

	advance(c, now);
	update_irq(c);
	p = periodic_ticks(c->reg_a);
	if ((c->reg_b & B_PIE) && !(c->flags & C_PF) && div_running(c->reg_a) && p)
		next = time_of_div_tick(c, (fdiv(div_ticks(c, now), p) + 1) * p);
	if (!clock_runs(c->reg_a, c->reg_b))
		return next;
	s = sec_at(c, now);
	boundary = c->ref + (uint64_t)((fdiv(since_ref(c, now), NS_PER_S) + 1) * NS_PER_S);
	if ((c->reg_b & B_UIE) && !(c->flags & C_UF))
		next = earlier(next, boundary);
	if ((c->reg_b & B_AIE) && !(c->flags & C_AF) && (a = alarm_next(c, s)) != NO_SEC)
		next = earlier(next, boundary + (uint64_t)(a - s - 1) * NS_PER_S);
	return next;
}

int vcmos_ram_set(struct vcmos *c, unsigned index, uint8_t val)
{
	if (index < 0x0e || index > 0x7f || index == CMOS_CENTURY)
		return -EINVAL;
	c->ram[index] = val;
	return 0;
}

bool vcmos_nmi_masked(const struct vcmos *c)
{
	return c->nmi_masked;
}
