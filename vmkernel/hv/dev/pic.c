/* Virtual 8259A pair in the PC cascade (contract in hv/pic.h). */
#include <hv/pic.h>
#include <string.h>

#define PIC_CASCADE_IR 2
#define NO_IRQ	       8 /* "no level" from highest() */

/* The highest-priority (lowest-numbered) bit set in mask, NO_IRQ for none.  Priority is fixed:
 * the rotation commands are accepted and ignored. */
static unsigned highest(uint8_t mask)
{
	for (unsigned i = 0; i < 8; i++)
		if (mask & (1u << i))
			return i;
	return NO_IRQ;
}

/* The level this chip would interrupt with now, or -1. */
static int chip_pending(const struct vpic_chip *c)
{
	unsigned req;

	if (c->special_mask) {
		/* Special mask mode: every unmasked level not itself in service may interrupt. */
		req = highest(c->irr & ~c->imr & ~c->isr);
		return req == NO_IRQ ? -1 : (int)req;
	}
	req = highest(c->irr & ~c->imr);
	if (req == NO_IRQ || req >= highest(c->isr))
		return -1;
	return (int)req;
}

/* INTA (or a poll) takes level irq: IRR to ISR. */
static void chip_take(struct vpic_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (!c->auto_eoi)
		c->isr |= bit;
	if (!(c->elcr & bit))
		c->irr &= (uint8_t)~bit; /* a level request stays while its input is high */
}

/* Propagate a rising slave output to the master's IR2 latch, then the master's to INTR. */
static void update(struct vpic *pic)
{
	bool level = chip_pending(&pic->chip[1]) >= 0;

	if (level && !pic->slave_out)
		pic->chip[0].irr |= 1u << PIC_CASCADE_IR;
	pic->slave_out = level;
	level = chip_pending(&pic->chip[0]) >= 0;
	if (level != pic->intr_level) {
		pic->intr_level = level;
		hvdev_irq_set(&pic->intr, level);
	}
}

static void chip_reset(struct vpic_chip *c, bool master)
{
	uint8_t lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->lines = lines;
	c->imr = 0xff;
	c->base = master ? 0x08 : 0x70;
	c->icw3 = master ? 1u << PIC_CASCADE_IR : PIC_CASCADE_IR;
	/* PIIX: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge. */
	c->elcr_mask = master ? 0xf8 : 0xde;
}

void vpic_reset(struct vpic *pic)
{
	chip_reset(&pic->chip[0], true);
	chip_reset(&pic->chip[1], false);
	update(pic);
}

void vpic_init(struct vpic *pic, const struct hvdev_irq *intr)
{
	memset(pic, 0, sizeof(*pic));
	if (intr)
		pic->intr = *intr;
	vpic_reset(pic);
}

/* A read of either port after an OCW3 poll command: the poll byte, and the request taken. */
static uint8_t poll_read(struct vpic *pic, struct vpic_chip *c)
{
	int irq = chip_pending(c);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_take(c, (unsigned)irq);
	update(pic);
	return (uint8_t)(0x80 | irq);
}

uint64_t vpic_read(struct vpic *pic, unsigned offset, unsigned size)
{
	struct vpic_chip *c;

	(void)size;
	if (offset > PIC_SLAVE_DATA)
		return 0xff;
	c = &pic->chip[offset / 2];
	if (c->poll)
		return poll_read(pic, c);
	if (offset & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void write_icw1(struct vpic_chip *c, uint8_t val)
{
	c->init = 2;
	c->icw4_needed = val & 0x01;
	c->single = val & 0x02;
	/* LTIM (0x08) is ignored: ELCR decides.  The edge latches are reset; level requests
	 * still follow their inputs. */
	c->irr &= c->elcr;
	c->isr = 0;
	c->imr = 0;
	c->auto_eoi = false;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
}

static void write_ocw2(struct vpic_chip *c, uint8_t val)
{
	unsigned irq;

	switch (val >> 5) {
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI (rotation ignored) */
		/* In special mask mode, a masked level's ISR bit is not cleared by it. */
		irq = highest(c->special_mask ? c->isr & ~c->imr : c->isr);
		if (irq != NO_IRQ)
			c->isr &= (uint8_t) ~(1u << irq);
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI (rotation ignored) */
		c->isr &= (uint8_t) ~(1u << (val & 7));
		break;
	default: /* no-op, rotate in auto-EOI set/clear, set priority: ignored */
		break;
	}
}

static void write_ocw3(struct vpic_chip *c, uint8_t val)
{
	if (val & 0x04)
		c->poll = true;
	if (val & 0x02)
		c->read_isr = val & 0x01;
	if (val & 0x40)
		c->special_mask = val & 0x20;
}

static void write_data(struct vpic_chip *c, uint8_t val)
{
	switch (c->init) {
	case 2: /* ICW2 */
		c->base = val & 0xf8;
		c->init = c->single ? (c->icw4_needed ? 4 : 0) : 3;
		break;
	case 3: /* ICW3 */
		c->icw3 = val;
		c->init = c->icw4_needed ? 4 : 0;
		break;
	case 4: /* ICW4: only AEOI matters here */
		c->auto_eoi = val & 0x02;
		c->init = 0;
		break;
	default: /* OCW1 */
		c->imr = val;
		break;
	}
}

void vpic_write(struct vpic *pic, unsigned offset, unsigned size, uint64_t val64)
{
	uint8_t val = (uint8_t)val64;
	struct vpic_chip *c;

	(void)size;
	if (offset > PIC_SLAVE_DATA)
		return;
	c = &pic->chip[offset / 2];
	if (offset & 1)
		write_data(c, val);
	else if (val & 0x10)
		write_icw1(c, val);
	else if (val & 0x08)
		write_ocw3(c, val);
	else
		write_ocw2(c, val);
	update(pic);
}

uint64_t vpic_elcr_read(struct vpic *pic, unsigned offset, unsigned size)
{
	(void)size;
	if (offset > 1)
		return 0xff;
	return pic->chip[offset].elcr;
}

void vpic_elcr_write(struct vpic *pic, unsigned offset, unsigned size, uint64_t val)
{
	struct vpic_chip *c;
	uint8_t now_level;

	(void)size;
	if (offset > 1)
		return;
	c = &pic->chip[offset];
	now_level = (uint8_t)val & c->elcr_mask & (uint8_t)~c->elcr;
	c->elcr = (uint8_t)val & c->elcr_mask;
	c->irr = (uint8_t)((c->irr & ~now_level) | (c->lines & now_level));
	update(pic);
}

void vpic_set_irq(struct vpic *pic, unsigned irq, bool level)
{
	struct vpic_chip *c;
	uint8_t bit;
	bool was;

	if (irq > 15 || irq == PIC_CASCADE_IR)
		return;
	c = &pic->chip[irq / 8];
	bit = (uint8_t)(1u << (irq % 8));
	was = c->lines & bit;
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !was) {
		c->irr |= bit;
	}
	update(pic);
}

bool vpic_intr(const struct vpic *pic)
{
	return pic->intr_level;
}

int vpic_ack(struct vpic *pic)
{
	struct vpic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int irq = chip_pending(m), sirq;
	int vector;

	if (irq < 0) {
		vector = m->base + 7; /* spurious IRQ 7 */
	} else {
		chip_take(m, (unsigned)irq);
		if (irq == PIC_CASCADE_IR) {
			sirq = chip_pending(s);
			if (sirq < 0) {
				vector = s->base + 7; /* spurious IRQ 15 */
			} else {
				chip_take(s, (unsigned)sirq);
				vector = s->base + sirq;
				/* The slave is sampled afresh after its INTA. */
				pic->slave_out = false;
			}
		} else {
			vector = m->base + irq;
		}
	}
	update(pic);
	return vector;
}
