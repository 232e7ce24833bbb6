/* Unit tests for hv/pic.h: Linux's probe, init and i8259A_chip ack/EOI, cascade, edge/level,
 * spurious. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <hv/pic.h>

struct rig {
	struct vpic pic;
	bool level;
	unsigned rises;
	uint16_t cached; /* Linux's cached_irq_mask */
};

static void rig_intr(void *ctx, unsigned line, bool level)
{
	struct rig *r = ctx;

	assert_int_equal(line, 0);
	assert_true(level != r->level); /* changes only */
	if (level)
		r->rises++;
	r->level = level;
}

static uint8_t in(struct rig *r, unsigned off)
{
	uint64_t v = vpic_read(&r->pic, off, 1);

	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void out(struct rig *r, unsigned off, uint8_t v)
{
	vpic_write(&r->pic, off, 1, v);
	assert_int_equal(vpic_intr(&r->pic), r->level);
}

/* probe_8259A() then init_8259A(auto_eoi) of arch/x86/kernel/i8259.c. */
static void linux_init(struct rig *r, bool auto_eoi)
{
	r->cached = 0xffff;
	out(r, PIC_SLAVE_DATA, 0xff);
	out(r, PIC_MASTER_DATA, 0xa5);
	assert_int_equal(in(r, PIC_MASTER_DATA), 0xa5); /* else "Using NULL legacy PIC" */
	out(r, PIC_MASTER_DATA, 0xff);
	out(r, PIC_MASTER_DATA, 0xff);
	out(r, PIC_MASTER_CMD, 0x11);
	out(r, PIC_MASTER_DATA, 0x30);
	out(r, PIC_MASTER_DATA, 1u << 2);
	out(r, PIC_MASTER_DATA, auto_eoi ? 0x03 : 0x01);
	out(r, PIC_SLAVE_CMD, 0x11);
	out(r, PIC_SLAVE_DATA, 0x38);
	out(r, PIC_SLAVE_DATA, 2);
	out(r, PIC_SLAVE_DATA, 0x01);
	out(r, PIC_MASTER_DATA, (uint8_t)r->cached);
	out(r, PIC_SLAVE_DATA, (uint8_t)(r->cached >> 8));
}

static void rig_init(struct rig *r, bool auto_eoi)
{
	struct hvdev_irq intr = {.set = rig_intr, .ctx = r, .line = 0};

	memset(r, 0, sizeof(*r));
	vpic_init(&r->pic, &intr);
	linux_init(r, auto_eoi);
}

static void linux_unmask(struct rig *r, unsigned irq)
{
	r->cached &= (uint16_t) ~(1u << irq);
	if (irq & 8)
		out(r, PIC_SLAVE_DATA, (uint8_t)(r->cached >> 8));
	else
		out(r, PIC_MASTER_DATA, (uint8_t)r->cached);
}

/* i8259A_irq_real(): is irq in service (OCW3 read ISR, then back to IRR)? */
static bool linux_irq_real(struct rig *r, unsigned irq)
{
	unsigned cmd = irq & 8 ? PIC_SLAVE_CMD : PIC_MASTER_CMD;
	bool v;

	out(r, cmd, 0x0b);
	v = in(r, cmd) & (1u << (irq & 7));
	out(r, cmd, 0x0a);
	return v;
}

/* mask_and_ack_8259A(): mask, then specific EOIs (slave, then master's IR2). */
static void linux_mask_and_ack(struct rig *r, unsigned irq)
{
	r->cached |= (uint16_t)(1u << irq);
	if (irq & 8) {
		in(r, PIC_SLAVE_DATA);
		out(r, PIC_SLAVE_DATA, (uint8_t)(r->cached >> 8));
		out(r, PIC_SLAVE_CMD, (uint8_t)(0x60 + (irq & 7)));
		out(r, PIC_MASTER_CMD, 0x62);
	} else {
		in(r, PIC_MASTER_DATA);
		out(r, PIC_MASTER_DATA, (uint8_t)r->cached);
		out(r, PIC_MASTER_CMD, (uint8_t)(0x60 + irq));
	}
}

/* One interrupt the way Linux takes it with handle_level_irq: returns the vector. */
static int linux_take(struct rig *r)
{
	int vec = vpic_ack(&r->pic);
	unsigned irq = (unsigned)vec - 0x30;

	assert_int_equal(vpic_intr(&r->pic), r->level);
	if (vec >= 0x30 && vec < 0x40) {
		linux_mask_and_ack(r, irq);
		linux_unmask(r, irq);
	}
	return vec;
}

static void test_linux_probe_and_init(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, false);
	assert_int_equal(in(&r, PIC_MASTER_DATA), 0xff);
	assert_int_equal(in(&r, PIC_SLAVE_DATA), 0xff);
	/* After ICW1, a command-port read is IRR; nothing pending. */
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);
	assert_false(r.level);
	/* Masked lines latch but do not interrupt. */
	vpic_set_irq(&r.pic, 0, true);
	vpic_set_irq(&r.pic, 0, false);
	assert_false(r.level);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x01);
	/* Unmasking the cascade then the timer delivers the latched tick as vector 0x30. */
	linux_unmask(&r, 2);
	assert_false(r.level);
	linux_unmask(&r, 0);
	assert_true(r.level);
	assert_int_equal(linux_take(&r), 0x30);
	assert_false(r.level);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);
	assert_false(linux_irq_real(&r, 0));
	/* Before the guest programs it, the reset state delivers nothing and has BIOS bases. */
	struct vpic fresh;

	vpic_init(&fresh, NULL);
	vpic_set_irq(&fresh, 1, true);
	assert_false(vpic_intr(&fresh));
	vpic_write(&fresh, PIC_MASTER_DATA, 1, 0);
	assert_true(vpic_intr(&fresh));
	assert_int_equal(vpic_ack(&fresh), 0x09);
}

static void test_edge_timer(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, false);
	linux_unmask(&r, 2);
	linux_unmask(&r, 0);
	for (int i = 0; i < 5; i++) {
		vpic_set_irq(&r.pic, 0, true); /* the PIT pulses */
		vpic_set_irq(&r.pic, 0, false);
		assert_true(r.level);
		assert_int_equal(vpic_ack(&r.pic), 0x30);
		assert_false(r.level);
		/* In service: a second tick latches in IRR but waits for the EOI. */
		vpic_set_irq(&r.pic, 0, true);
		vpic_set_irq(&r.pic, 0, false);
		assert_false(r.level);
		out(&r, PIC_MASTER_CMD, 0x0b);
		assert_int_equal(in(&r, PIC_MASTER_CMD), 0x01);
		out(&r, PIC_MASTER_CMD, 0x0a);
		assert_int_equal(in(&r, PIC_MASTER_CMD), 0x01);
		out(&r, PIC_MASTER_CMD, 0x20); /* non-specific EOI */
		assert_true(r.level);
		assert_int_equal(vpic_ack(&r.pic), 0x30);
		out(&r, PIC_MASTER_CMD, 0x60);
		assert_false(r.level);
	}
	assert_int_equal(r.rises, 10);
	/* Holding an edge line high gives one interrupt, not a stream. */
	vpic_set_irq(&r.pic, 0, true);
	assert_int_equal(linux_take(&r), 0x30);
	vpic_set_irq(&r.pic, 0, true);
	assert_false(r.level);
	vpic_set_irq(&r.pic, 0, false);
	assert_false(r.level);
}

static void test_cascade_and_priority(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, false);
	linux_unmask(&r, 2);
	linux_unmask(&r, 1);
	linux_unmask(&r, 3);
	linux_unmask(&r, 8);
	linux_unmask(&r, 12);
	/* All at once: 1, then 8 (through IR2), 12, then 3. */
	vpic_set_irq(&r.pic, 3, true);
	vpic_set_irq(&r.pic, 12, true);
	vpic_set_irq(&r.pic, 8, true);
	vpic_set_irq(&r.pic, 1, true);
	assert_true(r.level);
	assert_int_equal(vpic_ack(&r.pic), 0x31);
	/* IRQ1 in service blocks everything of lower priority (the slave included). */
	assert_false(r.level);
	out(&r, PIC_MASTER_CMD, 0x61);
	assert_int_equal(vpic_ack(&r.pic), 0x38);
	/* Master ISR has IR2, slave ISR has IR0. */
	assert_true(linux_irq_real(&r, 8));
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x04);
	out(&r, PIC_MASTER_CMD, 0x0a);
	/* IRQ 12 waits for both EOIs: the slave's own and the master's IR2. */
	assert_false(r.level);
	out(&r, PIC_SLAVE_CMD, 0x60);
	assert_false(r.level);
	out(&r, PIC_MASTER_CMD, 0x62);
	assert_true(r.level);
	assert_int_equal(linux_take(&r), 0x3c);
	assert_int_equal(linux_take(&r), 0x33);
	assert_false(r.level);
	/* A higher level nests over one in service: IRQ 3 in service, IRQ 1 comes. */
	vpic_set_irq(&r.pic, 3, false);
	vpic_set_irq(&r.pic, 3, true);
	assert_int_equal(vpic_ack(&r.pic), 0x33);
	vpic_set_irq(&r.pic, 1, false);
	vpic_set_irq(&r.pic, 1, true);
	assert_true(r.level);
	assert_int_equal(vpic_ack(&r.pic), 0x31);
	/* Non-specific EOI ends the highest in service (IRQ1), then IRQ3. */
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x0a);
	out(&r, PIC_MASTER_CMD, 0x20);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x08);
	out(&r, PIC_MASTER_CMD, 0x20);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x00);
	/* Masking IR2 on the master masks the whole slave. */
	r.cached |= 1u << 2;
	out(&r, PIC_MASTER_DATA, (uint8_t)r.cached);
	vpic_set_irq(&r.pic, 8, false);
	vpic_set_irq(&r.pic, 8, true);
	assert_false(r.level);
	linux_unmask(&r, 2);
	assert_true(r.level);
	assert_int_equal(linux_take(&r), 0x38);
}

static void test_level_elcr_spurious(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, false);
	/* Bits that must stay edge read 0. */
	vpic_elcr_write(&r.pic, 0, 1, 0xff);
	vpic_elcr_write(&r.pic, 1, 1, 0xff);
	assert_int_equal(vpic_elcr_read(&r.pic, 0, 1), 0xf8);
	assert_int_equal(vpic_elcr_read(&r.pic, 1, 1), 0xde);
	/* IRQ 5 and 9-11 level (a PCI setup). */
	vpic_elcr_write(&r.pic, 0, 1, 0x20);
	vpic_elcr_write(&r.pic, 1, 2, 0xff0e);
	assert_int_equal(vpic_elcr_read(&r.pic, 1, 4), 0x0e);
	linux_unmask(&r, 2);
	linux_unmask(&r, 5);
	linux_unmask(&r, 9);
	linux_unmask(&r, 10);
	/* Level: the request stays while the line is high and returns after each EOI. */
	vpic_set_irq(&r.pic, 9, true);
	assert_true(r.level);
	for (int i = 0; i < 3; i++)
		assert_int_equal(linux_take(&r), 0x39);
	assert_true(r.level);
	vpic_set_irq(&r.pic, 9, false);
	/* The master's IR2 latched the slave's request: it is taken, the slave has nothing. */
	assert_true(r.level);
	assert_int_equal(vpic_ack(&r.pic), 0x3f); /* spurious IRQ 15 */
	assert_false(linux_irq_real(&r, 15));
	assert_true(linux_irq_real(&r, 2)); /* Linux EOIs the master for it */
	out(&r, PIC_MASTER_CMD, 0x62);
	assert_false(linux_irq_real(&r, 2));
	assert_false(r.level);
	/* A level line that drops before INTA on the master: spurious IRQ 7, ISR untouched. */
	vpic_set_irq(&r.pic, 5, true);
	assert_true(r.level);
	vpic_set_irq(&r.pic, 5, false);
	assert_false(r.level);
	assert_int_equal(vpic_ack(&r.pic), 0x37);
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);
	out(&r, PIC_MASTER_CMD, 0x0a);
	/* An edge request masked between INTR and INTA: spurious too, and kept in IRR. */
	linux_unmask(&r, 4);
	vpic_set_irq(&r.pic, 4, true);
	assert_true(r.level);
	r.cached |= 1u << 4;
	out(&r, PIC_MASTER_DATA, (uint8_t)r.cached);
	assert_int_equal(vpic_ack(&r.pic), 0x37);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x10);
	linux_unmask(&r, 4);
	assert_int_equal(linux_take(&r), 0x34);
	/* Level line 10 still high after Linux's unmask: the slave asks again, the master's IR2
	 * latches; when the device lets go before INTA, that is a spurious IRQ 15. */
	vpic_set_irq(&r.pic, 10, true);
	assert_int_equal(linux_take(&r), 0x3a);
	assert_true(r.level);
	vpic_set_irq(&r.pic, 10, false);
	linux_unmask(&r, 11);
	vpic_set_irq(&r.pic, 11, true);
	assert_int_equal(linux_take(&r), 0x3b); /* the latched IR2 serves line 11 */
	vpic_set_irq(&r.pic, 11, false);
	assert_true(r.level);
	assert_int_equal(vpic_ack(&r.pic), 0x3f);
	out(&r, PIC_MASTER_CMD, 0x62);
	assert_false(r.level);
	/* A latched edge request goes when its line is made level and is low. */
	vpic_set_irq(&r.pic, 14, true); /* edge, masked: latched */
	vpic_elcr_write(&r.pic, 1, 1, 0x0e | 0x40);
	vpic_set_irq(&r.pic, 14, false); /* level now: the request goes */
	linux_unmask(&r, 14);
	assert_false(r.level);
	vpic_set_irq(&r.pic, 14, true);
	assert_true(r.level);
	/* The usual flow: the handler quiets the device between mask_and_ack and unmask. */
	assert_int_equal(vpic_ack(&r.pic), 0x3e);
	linux_mask_and_ack(&r, 14);
	vpic_set_irq(&r.pic, 14, false);
	linux_unmask(&r, 14);
	assert_false(r.level);
	out(&r, PIC_SLAVE_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_SLAVE_CMD), 0);
	out(&r, PIC_SLAVE_CMD, 0x0a);
	assert_int_equal(in(&r, PIC_SLAVE_CMD), 0);
}

static void test_auto_eoi(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, true);
	linux_unmask(&r, 0);
	for (int i = 0; i < 3; i++) {
		vpic_set_irq(&r.pic, 0, true);
		vpic_set_irq(&r.pic, 0, false);
		assert_true(r.level);
		assert_int_equal(vpic_ack(&r.pic), 0x30);
		assert_false(r.level);
		out(&r, PIC_MASTER_CMD, 0x0b);
		assert_int_equal(in(&r, PIC_MASTER_CMD), 0); /* nothing in service */
		out(&r, PIC_MASTER_CMD, 0x0a);
	}
	/* A re-initialisation without IC4 turns auto-EOI off again. */
	out(&r, PIC_MASTER_CMD, 0x10);
	out(&r, PIC_MASTER_DATA, 0x40);
	out(&r, PIC_MASTER_DATA, 0x04);
	out(&r, PIC_MASTER_DATA, 0xfe); /* OCW1, not an ICW4 */
	assert_int_equal(in(&r, PIC_MASTER_DATA), 0xfe);
	vpic_set_irq(&r.pic, 0, true);
	vpic_set_irq(&r.pic, 0, false);
	assert_int_equal(vpic_ack(&r.pic), 0x40);
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x01);
	/* Single mode skips ICW3: the next data write after ICW2 is ICW4 (AEOI here). */
	out(&r, PIC_MASTER_CMD, 0x13);
	out(&r, PIC_MASTER_DATA, 0x50);
	out(&r, PIC_MASTER_DATA, 0x03);
	out(&r, PIC_MASTER_DATA, 0xfe);
	assert_int_equal(in(&r, PIC_MASTER_DATA), 0xfe);
	vpic_set_irq(&r.pic, 0, true);
	vpic_set_irq(&r.pic, 0, false);
	assert_int_equal(vpic_ack(&r.pic), 0x50);
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);

	/* Auto-EOI on the slave: its output stays up across INTA with a second request, and the
	 * master still sees that request after its own EOI. */
	rig_init(&r, false);
	out(&r, PIC_SLAVE_CMD, 0x11);
	out(&r, PIC_SLAVE_DATA, 0x38);
	out(&r, PIC_SLAVE_DATA, 2);
	out(&r, PIC_SLAVE_DATA, 0x03);
	out(&r, PIC_SLAVE_DATA, 0xfc);
	linux_unmask(&r, 2);
	vpic_set_irq(&r.pic, 8, true);
	vpic_set_irq(&r.pic, 9, true);
	assert_int_equal(vpic_ack(&r.pic), 0x38);
	assert_false(r.level); /* master IR2 in service */
	out(&r, PIC_MASTER_CMD, 0x20);
	assert_true(r.level);
	assert_int_equal(vpic_ack(&r.pic), 0x39);
	out(&r, PIC_MASTER_CMD, 0x20);
	assert_false(r.level);
}

static void test_poll_and_special_mask(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, false);
	linux_unmask(&r, 2);
	linux_unmask(&r, 3);
	linux_unmask(&r, 5);
	linux_unmask(&r, 9);
	/* Poll with nothing pending: 0. */
	out(&r, PIC_MASTER_CMD, 0x0c);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);
	/* Poll takes the request like INTA: ISR set, INTR drops. */
	vpic_set_irq(&r.pic, 5, true);
	assert_true(r.level);
	out(&r, PIC_MASTER_CMD, 0x0c);
	assert_int_equal(in(&r, PIC_MASTER_DATA), 0x85);
	assert_false(r.level);
	/* The poll is one read only: the next read is IMR again. */
	assert_int_equal(in(&r, PIC_MASTER_DATA), (uint8_t)r.cached);
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x20);
	/* Polling the master then the slave for a slave line. */
	vpic_set_irq(&r.pic, 9, true);
	vpic_set_irq(&r.pic, 9, false);
	assert_true(r.level); /* IR2 outranks the IR5 in service */
	out(&r, PIC_MASTER_CMD, 0x0c);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x82);
	out(&r, PIC_SLAVE_CMD, 0x0c);
	assert_int_equal(in(&r, PIC_SLAVE_CMD), 0x81);
	assert_false(r.level);
	out(&r, PIC_SLAVE_CMD, 0x20);
	out(&r, PIC_MASTER_CMD, 0x20); /* ends IR2 */
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x20);
	/* IR5 in service blocks IR5's lower and equal levels... */
	vpic_set_irq(&r.pic, 5, false);
	vpic_set_irq(&r.pic, 5, true);
	assert_false(r.level);
	/* ...special mask mode with IR5 masked lets the others in, but not IR5 itself. */
	r.cached |= 1u << 5;
	out(&r, PIC_MASTER_DATA, (uint8_t)r.cached);
	out(&r, PIC_MASTER_CMD, 0x68);
	assert_false(r.level);
	vpic_set_irq(&r.pic, 3, true);
	assert_true(r.level);
	assert_int_equal(vpic_ack(&r.pic), 0x33);
	/* Non-specific EOI in SMM skips the masked IR5: ends IR3. */
	out(&r, PIC_MASTER_CMD, 0x20);
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0x20);
	/* Leaving SMM, a specific EOI ends IR5; unmasked, its latched request comes. */
	out(&r, PIC_MASTER_CMD, 0x48);
	out(&r, PIC_MASTER_CMD, 0x65);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);
	assert_false(r.level);
	linux_unmask(&r, 5);
	assert_true(r.level);
	assert_int_equal(linux_take(&r), 0x35);
	/* The rotate and set-priority commands are accepted; priority stays fixed. */
	out(&r, PIC_MASTER_CMD, 0xc4); /* set priority: IR4 lowest */
	out(&r, PIC_MASTER_CMD, 0x80); /* rotate in AEOI set */
	vpic_set_irq(&r.pic, 3, false);
	vpic_set_irq(&r.pic, 3, true);
	vpic_set_irq(&r.pic, 5, false);
	vpic_set_irq(&r.pic, 5, true);
	assert_int_equal(vpic_ack(&r.pic), 0x33);
	out(&r, PIC_MASTER_CMD, 0xa0); /* rotate on non-specific EOI: an EOI */
	assert_int_equal(vpic_ack(&r.pic), 0x35);
	out(&r, PIC_MASTER_CMD, 0xe5); /* rotate on specific EOI 5 */
	out(&r, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);
}

/* The INTR level the chip state implies, computed independently of the model. */
static bool expect_intr(const struct vpic *p)
{
	const struct vpic_chip *m = &p->chip[0];
	uint8_t req = m->irr & ~m->imr;

	if (m->special_mask)
		return req & ~m->isr;
	for (int i = 0; i < 8; i++) {
		if (m->isr & (1u << i))
			return false;
		if (req & (1u << i))
			return true;
	}
	return false;
}

static void test_hostile(void **state)
{
	struct rig r;
	uint32_t seed = 777;

	(void)state;
	rig_init(&r, false);
	for (unsigned off = 4; off < 300; off += 3) {
		assert_int_equal(vpic_read(&r.pic, off, 1), 0xff);
		vpic_write(&r.pic, off, 1, 0x11);
		assert_int_equal(vpic_elcr_read(&r.pic, off - 2, 1), 0xff);
		vpic_elcr_write(&r.pic, off - 2, 1, 0xff);
	}
	assert_int_equal(vpic_read(&r.pic, ~0u, 8), 0xff);
	/* IRQ 2 (cascade) and out-of-range lines are ignored. */
	out(&r, PIC_MASTER_DATA, 0);
	vpic_set_irq(&r.pic, 2, true);
	vpic_set_irq(&r.pic, 16, true);
	vpic_set_irq(&r.pic, ~0u, true);
	assert_false(r.level);
	assert_int_equal(in(&r, PIC_MASTER_CMD), 0);
	/* Wide accesses act on the low byte. */
	vpic_write(&r.pic, PIC_MASTER_DATA, 4, 0xabcdef12);
	assert_int_equal(vpic_read(&r.pic, PIC_MASTER_DATA, 4), 0x12);
	for (int i = 0; i < 300000; i++) {
		seed = seed * 1103515245 + 12345;
		unsigned what = (seed >> 24) % 8, off = (seed >> 8) % 6;
		uint64_t val = (uint64_t)seed * 0x9e3779b97f4a7c15ull >> 7;
		int vec;

		switch (what) {
		case 0:
		case 1:
			vpic_write(&r.pic, off, 1u << (seed % 4), val);
			break;
		case 2:
			assert_true(vpic_read(&r.pic, off, 1) <= 0xff);
			break;
		case 3:
			vpic_elcr_write(&r.pic, off % 3, 1, val);
			break;
		case 4:
		case 5:
			vpic_set_irq(&r.pic, (seed >> 4) % 18, (seed >> 12) & 1);
			break;
		default:
			vec = vpic_ack(&r.pic);
			assert_true(vec >= 0 && vec <= 255);
			assert_true((vec & 0xf8) == r.pic.chip[0].base ||
				    (vec & 0xf8) == r.pic.chip[1].base);
			break;
		}
		assert_int_equal(vpic_intr(&r.pic), r.level);
		assert_int_equal(r.level, expect_intr(&r.pic));
		assert_int_equal(r.pic.chip[0].elcr & 0x07, 0);
		assert_int_equal(r.pic.chip[1].elcr & 0x21, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_probe_and_init),
		cmocka_unit_test(test_edge_timer),
		cmocka_unit_test(test_cascade_and_priority),
		cmocka_unit_test(test_level_elcr_spurious),
		cmocka_unit_test(test_auto_eoi),
		cmocka_unit_test(test_poll_and_special_mask),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
