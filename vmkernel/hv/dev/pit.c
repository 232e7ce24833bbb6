/* Virtual 8254 PIT and port 0x61 (contract in hv/pit.h). */
#include <hv/pit.h>
#include <string.h>

#define NS_PER_S   1000000000ull
#define NO_TICK	   UINT64_MAX
#define REFRESH_NS 15085u /* port 0x61 bit 4 period */

/*
 * Time: ticks(ns) = floor(ns * PIT_HZ / 1e9), split so nothing overflows; the inverse gives the
 * first ns at which a tick count is reached, so an edge at tick T is due at ns_of(T).
 */
static uint64_t ticks_of(uint64_t ns)
{
	return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

static uint64_t ns_of(uint64_t tick)
{
	uint64_t q = tick / PIT_HZ, r = tick % PIT_HZ;

	if (q > (HVDEV_NEVER - NS_PER_S) / NS_PER_S)
		return HVDEV_NEVER - 1;
	return q * NS_PER_S + (r * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* The period of modes 2 and 3 (a count of 1 acts as 2). */
static uint64_t period(const struct pit_channel *c)
{
	return c->n < 2 ? 2 : c->n;
}

static bool running(const struct pit_channel *c)
{
	return c->counting && (c->mode == 1 || c->mode == 5 || c->gate);
}

/* Ticks counted by the counting element since its count was loaded. */
static uint64_t elapsed(const struct pit_channel *c, uint64_t tick)
{
	if (!running(c) || tick <= c->start)
		return c->done;
	return c->done + (tick - c->start);
}

/* Modes 2 and 3: a count written during counting replaces n when its period ends. */
static void settle(struct pit_channel *c, uint64_t tick)
{
	if (c->switch_at != NO_TICK && running(c) && tick >= c->switch_at) {
		c->n = c->count;
		c->done = 0;
		c->start = c->switch_at;
		c->switch_at = NO_TICK;
	}
}

static bool out_level(const struct pit_channel *c, uint64_t tick)
{
	uint64_t e, p;

	if (!c->counting)
		return c->mode != 0;
	e = elapsed(c, tick);
	switch (c->mode) {
	case 0:
	case 1:
		return e >= c->n;
	case 2:
		if (!c->gate)
			return true;
		p = period(c);
		return e % p != p - 1;
	case 3:
		if (!c->gate)
			return true;
		p = period(c);
		return e % p < (p + 1) / 2;
	default: /* 4, 5: low for the one tick at terminal count */
		return e != c->n;
	}
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)(v % 10 | v / 10 % 10 << 4 | v / 100 % 10 << 8 | v / 1000 % 10 << 12);
}

/* The counting element now, as the guest reads it (BCD if so programmed). */
static uint16_t count_now(const struct pit_channel *c, uint64_t tick)
{
	uint64_t m = modulus(c), e, p, half;
	uint32_t v;

	if (!c->counting)
		return c->frozen;
	e = elapsed(c, tick);
	switch (c->mode) {
	case 2:
		v = (uint32_t)((c->n + m - e % period(c) % m) % m);
		break;
	case 3:
		/* Each half period counts down by 2 from the even count at or below n. */
		p = period(c);
		half = (p + 1) / 2;
		e %= p;
		if (e >= half)
			e -= half;
		v = (uint32_t)(((p & ~1ull) + m - 2 * e % m) % m);
		break;
	default:
		v = (uint32_t)((c->n % m + m - e % m) % m);
		break;
	}
	return c->bcd ? to_bcd(v) : (uint16_t)v;
}

/* OUT0's first rising edge after tick, NO_TICK if it will not rise on its own. */
static uint64_t next_rise(const struct pit_channel *c, uint64_t tick)
{
	uint64_t e, p;

	if (!running(c))
		return NO_TICK;
	e = elapsed(c, tick);
	switch (c->mode) {
	case 0:
	case 1:
		return e < c->n ? tick + (c->n - e) : NO_TICK;
	case 2:
	case 3:
		p = period(c);
		return tick + (p - e % p);
	default:
		return e <= c->n ? tick + (c->n + 1 - e) : NO_TICK;
	}
}

static void irq_deliver(struct vpit *pit, uint64_t now)
{
	if (!pit->irq_owed)
		return;
	if (pit->pulsed && now - pit->last_pulse < PIT_MIN_IRQ_GAP_NS && now >= pit->last_pulse)
		return;
	pit->irq_owed = false;
	pit->pulsed = true;
	pit->last_pulse = now;
	hvdev_irq_pulse(&pit->irq0);
}

/* Bring every counter to tick; note an OUT0 edge that fell due and find the next one. */
static void catch_up(struct vpit *pit, uint64_t tick)
{
	for (int i = 0; i < 3; i++)
		settle(&pit->ch[i], tick);
	if (tick >= pit->irq_edge)
		pit->irq_owed = true;
	pit->irq_edge = next_rise(&pit->ch[0], tick);
}

/* After counter 0 changed at tick: an OUT0 that went from low to high is an edge too. */
static void ch0_changed(struct vpit *pit, bool was_high, uint64_t tick)
{
	if (!was_high && out_level(&pit->ch[0], tick))
		pit->irq_owed = true;
	pit->irq_edge = next_rise(&pit->ch[0], tick);
}

static void channel_reset(struct pit_channel *c, bool gate)
{
	memset(c, 0, sizeof(*c));
	c->ctrl = 0x36;
	c->mode = 3;
	c->rw = 3;
	c->gate = gate;
	c->count = c->n = 65536;
	c->has_count = true;
	c->counting = true;
	c->switch_at = NO_TICK;
}

void vpit_init(struct vpit *pit, const struct hvdev_irq *irq0, uint64_t now)
{
	uint64_t tick = ticks_of(now);

	memset(pit, 0, sizeof(*pit));
	if (irq0)
		pit->irq0 = *irq0;
	for (int i = 0; i < 3; i++) {
		channel_reset(&pit->ch[i], i != 2);
		pit->ch[i].start = tick;
	}
	pit->irq_edge = next_rise(&pit->ch[0], tick);
}

static uint8_t status_byte(const struct pit_channel *c, uint64_t tick)
{
	return (uint8_t)((out_level(c, tick) ? 0x80 : 0) | (tick < c->null_until ? 0x40 : 0) |
			 c->ctrl);
}

static void latch_count(struct pit_channel *c, uint64_t tick)
{
	if (c->count_latched)
		return; /* the first latch holds until read */
	c->latch = count_now(c, tick);
	c->count_latched = true;
	c->latch_msb = false;
}

static void write_control(struct vpit *pit, uint8_t val, uint64_t tick)
{
	struct pit_channel *c;
	unsigned sel = val >> 6;

	if (sel == 3) { /* read-back: bit 5 clear latches counts, bit 4 clear statuses */
		for (int i = 0; i < 3; i++) {
			c = &pit->ch[i];
			if (!(val & (2u << i)))
				continue;
			if (!(val & 0x20))
				latch_count(c, tick);
			if (!(val & 0x10) && !c->status_latched) {
				c->status = status_byte(c, tick);
				c->status_latched = true;
			}
		}
		return;
	}
	c = &pit->ch[sel];
	if (!(val & 0x30)) {
		latch_count(c, tick);
		return;
	}
	c->frozen = count_now(c, tick);
	c->ctrl = val & 0x3f;
	c->rw = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = val & 1;
	c->has_count = false;
	c->counting = false;
	c->done = 0;
	c->switch_at = NO_TICK;
	c->null_until = NO_TICK;
	c->wr_msb = false;
	c->rd_msb = false;
	c->count_latched = false;
	c->status_latched = false;
}

static uint32_t decode_count(const struct pit_channel *c, uint16_t w)
{
	uint32_t v = w;

	if (c->bcd)
		v = (w & 0xf) + (w >> 4 & 0xf) * 10 + (w >> 8 & 0xf) * 100 + (w >> 12 & 0xf) * 1000;
	return v ? v : modulus(c);
}

/* Start counting n from tick. */
static void load(struct pit_channel *c, uint64_t tick)
{
	c->n = c->count;
	c->counting = true;
	c->done = 0;
	c->start = tick;
	c->switch_at = NO_TICK;
	c->null_until = tick + 1;
}

static void count_written(struct pit_channel *c, uint16_t w, uint64_t tick)
{
	uint64_t e, p;

	c->count = decode_count(c, w);
	c->has_count = true;
	switch (c->mode) {
	case 0:
	case 4:
		load(c, tick);
		break;
	case 1:
	case 5:
		c->null_until = NO_TICK; /* loaded by the next trigger */
		break;
	default:
		if (!c->counting) {
			load(c, tick);
		} else if (!running(c)) {
			c->null_until = NO_TICK; /* GATE low: loaded when it rises */
		} else {
			e = elapsed(c, tick);
			p = period(c);
			c->switch_at = tick + (p - e % p);
			c->null_until = c->switch_at;
		}
		break;
	}
}

static void write_counter(struct pit_channel *c, uint8_t val, uint64_t tick)
{
	switch (c->rw) {
	case 1:
		count_written(c, val, tick);
		break;
	case 2:
		count_written(c, (uint16_t)(val << 8), tick);
		break;
	default:
		if (!c->wr_msb) {
			c->wr_lsb = val;
			c->wr_msb = true;
			if (c->mode == 0 && c->counting) {
				/* Mode 0: the first byte stops counting, OUT goes low. */
				c->frozen = count_now(c, tick);
				c->counting = false;
			}
			break;
		}
		c->wr_msb = false;
		count_written(c, (uint16_t)(c->wr_lsb | val << 8), tick);
		break;
	}
}

static uint8_t read_counter(struct pit_channel *c, uint64_t tick)
{
	uint16_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latch;
		if (c->rw == 3 && !c->latch_msb) {
			c->latch_msb = true;
			return (uint8_t)v;
		}
		c->count_latched = false;
		return (uint8_t)(c->rw == 1 ? v : v >> 8);
	}
	v = count_now(c, tick);
	switch (c->rw) {
	case 1:
		return (uint8_t)v;
	case 2:
		return (uint8_t)(v >> 8);
	default:
		c->rd_msb = !c->rd_msb;
		return (uint8_t)(c->rd_msb ? v : v >> 8);
	}
}

uint64_t vpit_read(struct vpit *pit, unsigned offset, unsigned size, uint64_t now)
{
	uint64_t tick = ticks_of(now);
	uint8_t v;

	(void)size;
	if (offset >= PIT_CONTROL)
		return 0xff;
	catch_up(pit, tick);
	v = read_counter(&pit->ch[offset], tick);
	irq_deliver(pit, now);
	return v;
}

void vpit_write(struct vpit *pit, unsigned offset, unsigned size, uint64_t val, uint64_t now)
{
	uint64_t tick = ticks_of(now);
	bool was_high;

	(void)size;
	if (offset > PIT_CONTROL)
		return;
	catch_up(pit, tick);
	was_high = out_level(&pit->ch[0], tick);
	if (offset == PIT_CONTROL)
		write_control(pit, (uint8_t)val, tick);
	else
		write_counter(&pit->ch[offset], (uint8_t)val, tick);
	ch0_changed(pit, was_high, tick);
	irq_deliver(pit, now);
}

static void set_gate(struct pit_channel *c, bool gate, uint64_t tick)
{
	if (gate == c->gate)
		return;
	if (!gate) {
		/* Modes 0 and 4 pause, 2 and 3 stop; 1 and 5 run on. */
		if (c->mode != 1 && c->mode != 5)
			c->done = elapsed(c, tick);
		c->gate = false;
		return;
	}
	c->gate = true;
	switch (c->mode) {
	case 0:
	case 4:
		c->start = tick; /* resume */
		break;
	default: /* 1, 5: trigger; 2, 3: restart with the count register */
		if (c->has_count)
			load(c, tick);
		break;
	}
}

uint64_t vpit_port61_read(struct vpit *pit, unsigned offset, unsigned size, uint64_t now)
{
	uint64_t tick = ticks_of(now);
	uint8_t v;

	(void)size;
	if (offset != 0)
		return 0xff;
	catch_up(pit, tick);
	v = pit->port61 & 0x0f;
	if ((now / REFRESH_NS) & 1)
		v |= 0x10;
	if (out_level(&pit->ch[2], tick))
		v |= 0x20;
	irq_deliver(pit, now);
	return v;
}

void vpit_port61_write(struct vpit *pit, unsigned offset, unsigned size, uint64_t val, uint64_t now)
{
	uint64_t tick = ticks_of(now);

	(void)size;
	if (offset != 0)
		return;
	catch_up(pit, tick);
	pit->port61 = val & 0x0f;
	set_gate(&pit->ch[2], val & 1, tick);
	irq_deliver(pit, now);
}

uint64_t vpit_poll(struct vpit *pit, uint64_t now)
{
	uint64_t gap_end, edge;

	catch_up(pit, ticks_of(now));
	irq_deliver(pit, now);
	gap_end = pit->pulsed ? pit->last_pulse + PIT_MIN_IRQ_GAP_NS : 0;
	if (pit->irq_owed)
		return gap_end > now ? gap_end : now + 1;
	if (pit->irq_edge == NO_TICK)
		return HVDEV_NEVER;
	edge = ns_of(pit->irq_edge);
	return edge > gap_end ? edge : gap_end;
}
