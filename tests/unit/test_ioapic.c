/* Unit tests for hv/ioapic.h: Linux's programming sequences, edge and level pins, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <hv/ioapic.h>
#include <hv/lapic.h>

#define VEC_TIMER  0x30 /* Linux's ISA_IRQ_VECTOR(0) */
#define VEC_SERIAL 0x34
#define VEC_SCI	   0x39
#define VEC_PCI	   0x41

/* What the deliver callback saw, and what it answers. */
struct rec {
	struct vioapic_msg msg[64];
	unsigned n;
	bool refuse;	    /* answer "no local APIC took it" */
	struct vlapic *cpu; /* route into this local APIC when set */
};

static bool rec_deliver(void *ctx, const struct vioapic_msg *msg)
{
	struct rec *r = ctx;

	if (r->n < 64)
		r->msg[r->n] = *msg;
	r->n++;
	if (r->cpu) {
		if (!vlapic_match_dest(r->cpu, msg->dest, msg->logical))
			return false;
		return vlapic_set_irq(r->cpu, msg->vector, msg->level);
	}
	return !r->refuse;
}

static struct rec rec;
static struct vioapic io;

static void setup(uint8_t id)
{
	struct vioapic_callbacks cb = {rec_deliver, &rec};

	memset(&rec, 0, sizeof(rec));
	vioapic_init(&io, id, &cb);
}

/* Linux's io_apic_read/io_apic_write: IOREGSEL then IOWIN, 32 bits each. */
static uint32_t reg_read(uint32_t index)
{
	vioapic_write(&io, IOAPIC_IOREGSEL, 4, index);
	return (uint32_t)vioapic_read(&io, IOAPIC_IOWIN, 4);
}

static void reg_write(uint32_t index, uint32_t val)
{
	vioapic_write(&io, IOAPIC_IOREGSEL, 4, index);
	vioapic_write(&io, IOAPIC_IOWIN, 4, val);
}

static uint64_t entry_read(unsigned pin)
{
	uint32_t lo = reg_read(0x10 + 2 * pin);

	return (uint64_t)reg_read(0x11 + 2 * pin) << 32 | lo;
}

/* __ioapic_write_entry: high half first, then low (which may unmask). */
static void entry_write(unsigned pin, uint64_t e)
{
	reg_write(0x11 + 2 * pin, (uint32_t)(e >> 32));
	reg_write(0x10 + 2 * pin, (uint32_t)e);
}

static uint64_t rte(uint8_t vector, uint8_t dest, uint64_t flags)
{
	return vector | flags | (uint64_t)dest << IOAPIC_RTE_DEST_SHIFT;
}

static void test_power_up(void **state)
{
	(void)state;
	setup(8);
	assert_int_equal(reg_read(IOAPIC_REG_ID), 8u << 24);
	assert_int_equal(reg_read(IOAPIC_REG_VER), 0x00170020);
	assert_int_equal(reg_read(IOAPIC_REG_ARB), 8u << 24);
	/* Linux reads the entry count from version bits 16-23: 24 pins. */
	assert_int_equal(((reg_read(IOAPIC_REG_VER) >> 16) & 0xff) + 1, IOAPIC_NPINS);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		assert_int_equal(entry_read(pin), IOAPIC_RTE_MASKED);
	assert_int_equal(vioapic_read(&io, IOAPIC_IOREGSEL, 4), 0x11 + 2 * 23);
	/* Lines raised while everything is masked deliver nothing. */
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		assert_int_equal(vioapic_set_irq(&io, pin, true), 0);
	assert_int_equal(rec.n, 0);
}

/* clear_IO_APIC_pin() for every pin, as Linux does at setup: read, mask, EOI if remote IRR,
 * then vioapic_mask_entry() (low half then high half). */
static void test_linux_clear_all(void **state)
{
	(void)state;
	setup(0);
	/* Left over from "firmware": pin 9 level, unmasked, asserted (remote IRR set). */
	entry_write(9, rte(0x99, 0, IOAPIC_RTE_LEVEL));
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 1);
	assert_true(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t e = entry_read(pin);

		if (!(e & IOAPIC_RTE_MASKED)) {
			e |= IOAPIC_RTE_MASKED;
			entry_write(pin, e);
			e = entry_read(pin);
		}
		if (e & IOAPIC_RTE_REMOTE_IRR)
			vioapic_write(&io, IOAPIC_EOI, 4, (uint8_t)e);
		reg_write(0x10 + 2 * pin, (uint32_t)IOAPIC_RTE_MASKED);
		reg_write(0x11 + 2 * pin, 0);
		assert_int_equal(entry_read(pin), IOAPIC_RTE_MASKED);
	}
	/* Masked and EOI'd: no redelivery although pin 9 is still asserted. */
	assert_int_equal(rec.n, 1);
	assert_int_equal(io.bad_access, 0);
}

/* Serial on pin 4 (edge, active high): high half then low half unmasks. */
static void test_edge_pin(void **state)
{
	(void)state;
	setup(0);
	entry_write(4, rte(VEC_SERIAL, 1, 0));
	assert_int_equal(entry_read(4), rte(VEC_SERIAL, 1, 0));
	assert_int_equal(rec.n, 0);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.msg[0].vector, VEC_SERIAL);
	assert_int_equal(rec.msg[0].dest, 1);
	assert_false(rec.msg[0].logical);
	assert_false(rec.msg[0].level);
	assert_int_equal(rec.msg[0].delivery, IOAPIC_DM_FIXED);
	assert_int_equal(rec.msg[0].pin, 4);
	/* Staying high is not a new edge; no remote IRR on edge pins. */
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(rec.n, 1);
	assert_false(entry_read(4) & IOAPIC_RTE_REMOTE_IRR);
	vioapic_set_irq(&io, 4, false);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(rec.n, 2);
	vioapic_set_irq(&io, 4, false);
	/* An edge while masked is lost, and unmasking does not replay it. */
	entry_write(4, rte(VEC_SERIAL, 1, IOAPIC_RTE_MASKED));
	vioapic_set_irq(&io, 4, true);
	vioapic_set_irq(&io, 4, false);
	entry_write(4, rte(VEC_SERIAL, 1, 0));
	assert_int_equal(rec.n, 2);
	/* Nor does unmasking with the line held high. */
	entry_write(4, rte(VEC_SERIAL, 1, IOAPIC_RTE_MASKED));
	vioapic_set_irq(&io, 4, true);
	entry_write(4, rte(VEC_SERIAL, 1, 0));
	assert_int_equal(rec.n, 2);
}

/* check_timer(): PIT IRQ0 through the ISA override to pin 2, edge; ticks must arrive. */
static void test_timer_through_pin2(void **state)
{
	(void)state;
	setup(0);
	entry_write(2, rte(VEC_TIMER, 0, 0));
	for (unsigned i = 0; i < 10; i++) {
		vioapic_set_irq(&io, 2, true); /* hvdev_irq_pulse() */
		vioapic_set_irq(&io, 2, false);
	}
	assert_int_equal(rec.n, 10);
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(rec.msg[i].vector, VEC_TIMER);
		assert_int_equal(rec.msg[i].pin, 2);
		assert_false(rec.msg[i].level);
	}
	/* Pin 0 (where IRQ0 would be without the override) stays masked and silent. */
	vioapic_set_irq(&io, 0, true);
	assert_int_equal(rec.n, 10);
	/* Linux masks the pin again when the check is over: ticks stop. */
	entry_write(2, rte(VEC_TIMER, 0, IOAPIC_RTE_MASKED));
	vioapic_set_irq(&io, 2, true);
	vioapic_set_irq(&io, 2, false);
	assert_int_equal(rec.n, 10);
}

/* ACPI SCI on pin 9: level, active low.  A held line is a storm only if EOI'd. */
static void test_level_pin_storm(void **state)
{
	(void)state;
	setup(0);
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW));
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 1);
	assert_true(rec.msg[0].level);
	assert_true(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	/* Re-asserted, held, toggled: nothing until the EOI. */
	for (unsigned i = 0; i < 100; i++)
		vioapic_set_irq(&io, 9, true);
	vioapic_set_irq(&io, 9, false);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 1);
	/* EOI of another vector changes nothing. */
	vioapic_eoi(&io, VEC_SCI + 1);
	assert_int_equal(rec.n, 1);
	assert_true(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	/* EOI while still asserted: delivered again, remote IRR set again. */
	vioapic_eoi(&io, VEC_SCI);
	assert_int_equal(rec.n, 2);
	assert_true(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	/* Deasserted by the handler, then EOI: quiet, remote IRR clear. */
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi(&io, VEC_SCI);
	assert_int_equal(rec.n, 2);
	assert_false(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	/* The EOI register (version 0x20) does the same. */
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 3);
	vioapic_write(&io, IOAPIC_EOI, 4, VEC_SCI);
	assert_int_equal(rec.n, 4);
	vioapic_set_irq(&io, 9, false);
	vioapic_write(&io, IOAPIC_EOI, 4, 0xffffff00u | VEC_SCI); /* only bits 0-7 count */
	assert_int_equal(rec.n, 4);
	assert_false(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(vioapic_read(&io, IOAPIC_EOI, 4), 0);
}

static void test_level_unmask_delivers(void **state)
{
	(void)state;
	setup(0);
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED));
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 0);
	assert_false(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL));
	assert_int_equal(rec.n, 1);
	/* Masking then unmasking with remote IRR set: no second delivery. */
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED));
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL));
	assert_int_equal(rec.n, 1);
	/* EOI while masked: remote IRR clears, nothing delivered until unmasked. */
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED));
	vioapic_eoi(&io, VEC_SCI);
	assert_int_equal(rec.n, 1);
	assert_false(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL));
	assert_int_equal(rec.n, 2);
	/* A deasserted line is not delivered on unmask. */
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi(&io, VEC_SCI);
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED));
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL));
	assert_int_equal(rec.n, 2);
}

static void test_readonly_bits(void **state)
{
	(void)state;
	setup(0);
	/* The guest cannot set remote IRR or delivery status, nor the reserved bits. */
	entry_write(5, rte(0x50, 0,
			   IOAPIC_RTE_LEVEL | IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_PENDING |
				   IOAPIC_RTE_MASKED | 0x00fffffffffe0000ull));
	assert_int_equal(entry_read(5), rte(0x50, 0, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED));
	/* ...nor clear remote IRR by writing the entry as level. */
	entry_write(5, rte(0x50, 0, IOAPIC_RTE_LEVEL));
	vioapic_set_irq(&io, 5, true);
	assert_int_equal(rec.n, 1);
	entry_write(5, rte(0x51, 0, IOAPIC_RTE_LEVEL));
	assert_true(entry_read(5) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(rec.n, 1);
	/* Switching to edge clears it (older kernels' EOI trick); back to level re-delivers. */
	entry_write(5, rte(0x51, 0, IOAPIC_RTE_MASKED));
	assert_false(entry_read(5) & IOAPIC_RTE_REMOTE_IRR);
	entry_write(5, rte(0x51, 0, IOAPIC_RTE_LEVEL));
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.msg[1].vector, 0x51);
	/* ID: only bits 24-27; version and arbitration are read-only. */
	reg_write(IOAPIC_REG_ID, 0xffffffffu);
	assert_int_equal(reg_read(IOAPIC_REG_ID), 0x0f000000u);
	assert_int_equal(reg_read(IOAPIC_REG_ARB), 0x0f000000u);
	reg_write(IOAPIC_REG_VER, 0);
	reg_write(IOAPIC_REG_ARB, 0);
	assert_int_equal(reg_read(IOAPIC_REG_VER), IOAPIC_VERSION);
	assert_int_equal(reg_read(IOAPIC_REG_ARB), 0x0f000000u);
}

/* PCI INTx on pins 16-23: level, active low, logical flat destination, lowest priority. */
static void test_pci_pins(void **state)
{
	(void)state;
	setup(0);
	for (unsigned pin = 16; pin < 24; pin++)
		entry_write(pin, rte((uint8_t)(VEC_PCI + pin), 0x0f,
				     IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LOGICAL |
					     (IOAPIC_DM_LOWEST << 8)));
	for (unsigned pin = 16; pin < 24; pin++)
		vioapic_set_irq(&io, pin, true);
	assert_int_equal(rec.n, 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rec.msg[i].pin, 16 + i);
		assert_int_equal(rec.msg[i].vector, VEC_PCI + 16 + i);
		assert_int_equal(rec.msg[i].dest, 0x0f);
		assert_true(rec.msg[i].logical);
		assert_true(rec.msg[i].level);
		assert_int_equal(rec.msg[i].delivery, IOAPIC_DM_LOWEST);
	}
	/* A shared vector: one EOI releases every level pin that carries it. */
	entry_write(20, rte(VEC_PCI + 16, 0x0f, IOAPIC_RTE_LEVEL | IOAPIC_RTE_LOGICAL));
	vioapic_set_irq(&io, 16, false);
	vioapic_eoi(&io, VEC_PCI + 16);
	assert_false(entry_read(16) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(rec.n, 9); /* pin 20 still asserted: again, remote IRR set again */
	assert_true(entry_read(20) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(rec.msg[8].pin, 20);
}

/* No local APIC took a level message: remote IRR stays clear, the next assertion retries. */
static void test_refused_delivery(void **state)
{
	(void)state;
	setup(0);
	rec.refuse = true;
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL));
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 1);
	assert_false(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	rec.refuse = false;
	/* Reprogramming (e.g. to a CPU that is up) delivers. */
	entry_write(9, rte(VEC_SCI, 1, IOAPIC_RTE_LEVEL));
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.msg[1].dest, 1);
	assert_true(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
}

/* The SCI end to end with a local APIC: TMR set, the LAPIC EOI reaches the I/O APIC. */
static struct vioapic *eoi_target;

static void vlapic_eoi_to_ioapic(void *ctx, uint8_t vector)
{
	(void)ctx;
	vioapic_eoi(eoi_target, vector);
}

static void test_with_lapic(void **state)
{
	struct vlapic cpu;
	struct vlapic_callbacks lcb = {NULL, vlapic_eoi_to_ioapic, NULL, NULL};

	(void)state;
	setup(0);
	eoi_target = &io;
	vlapic_init(&cpu, 0, true, &lcb);
	rec.cpu = &cpu;
	vlapic_write(&cpu, LAPIC_REG_SVR, 4, 0x1ff, 0);
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW));
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(vlapic_pending(&cpu), VEC_SCI);
	vlapic_ack(&cpu, VEC_SCI);
	/* Linux's vioapic_ack_level reads TMR to decide whether the EOI broadcast happens. */
	assert_true((vlapic_read(&cpu, LAPIC_REG_TMR + 0x10, 4, 0) >> (VEC_SCI - 32)) & 1);
	/* The handler runs with the line still asserted; the EOI re-delivers into the IRR. */
	vlapic_write(&cpu, LAPIC_REG_EOI, 4, 0, 0);
	assert_int_equal(rec.n, 2);
	assert_int_equal(vlapic_pending(&cpu), VEC_SCI);
	vlapic_ack(&cpu, VEC_SCI);
	vioapic_set_irq(&io, 9, false);
	vlapic_write(&cpu, LAPIC_REG_EOI, 4, 0, 0);
	assert_int_equal(rec.n, 2);
	assert_false(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(vlapic_pending(&cpu), -1);
	/* Sent to an APIC ID no one has: refused, remote IRR stays clear. */
	entry_write(10, rte(0x3a, 7, IOAPIC_RTE_LEVEL));
	vioapic_set_irq(&io, 10, true);
	assert_false(entry_read(10) & IOAPIC_RTE_REMOTE_IRR);
	/* A software-disabled APIC refuses too. */
	vlapic_write(&cpu, LAPIC_REG_SVR, 4, 0xff, 0);
	vioapic_set_irq(&io, 9, true);
	assert_false(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_hostile(void **state)
{
	static const unsigned sizes[] = {0, 1, 2, 3, 8, 16};
	static const uint64_t offs[] = {0x01, 0x04, 0x08, 0x0c, 0x11,  0x14,   0x20,
					0x30, 0x3c, 0x44, 0x80, 0xffc, 0x1000, UINT64_MAX - 3};

	(void)state;
	setup(1);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		entry_write(pin, rte((uint8_t)(0x20 + pin), 0, IOAPIC_RTE_MASKED));
	uint64_t before[IOAPIC_NPINS];
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		before[pin] = entry_read(pin);
	/* IOREGSEL pointing past the table, or at holes: all ones, writes ignored. */
	static const uint32_t holes[] = {0x03, 0x08, 0x0f, 0x40, 0x41, 0x7f, 0xff};
	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		reg_write(holes[i], 0);
		assert_int_equal(reg_read(holes[i]), 0xffffffffu);
	}
	/* IOREGSEL keeps 8 bits: 0x110 selects 0x10 (pin 0 low). */
	vioapic_write(&io, IOAPIC_IOREGSEL, 4, 0x110);
	assert_int_equal(vioapic_read(&io, IOAPIC_IOREGSEL, 4), 0x10);
	assert_int_equal(vioapic_read(&io, IOAPIC_IOWIN, 4), (uint32_t)before[0]);
	/* Odd sizes at the real registers and any access elsewhere: ignored, counted. */
	vioapic_write(&io, IOAPIC_IOREGSEL, 4, 0x12);
	uint64_t bad = io.bad_access;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		vioapic_write(&io, IOAPIC_IOREGSEL, sizes[i], 0x10);
		vioapic_write(&io, IOAPIC_IOWIN, sizes[i], 0);
		vioapic_write(&io, IOAPIC_EOI, sizes[i], 0x21);
	}
	assert_int_equal(vioapic_read(&io, IOAPIC_IOREGSEL, 4), 0x12);
	assert_int_equal(vioapic_read(&io, IOAPIC_IOWIN, 1), 0xff);
	assert_int_equal(vioapic_read(&io, IOAPIC_IOWIN, 2), 0xffff);
	assert_int_equal(vioapic_read(&io, IOAPIC_IOWIN, 8), UINT64_MAX);
	assert_int_equal(vioapic_read(&io, IOAPIC_IOWIN, 0), 0);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		vioapic_write(&io, offs[i], 4, 0x11);
		assert_int_equal(vioapic_read(&io, offs[i], 4), 0xffffffffu);
	}
	assert_int_equal(io.bad_access, bad + 18 + 4 + 2 * 14);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		assert_int_equal(entry_read(pin), before[pin]);
	/* Pins past the last. */
	assert_int_equal(vioapic_set_irq(&io, 24, true), -EINVAL);
	assert_int_equal(vioapic_set_irq(&io, 0xffffffffu, true), -EINVAL);
	/* Reserved delivery modes are never delivered; NMI, INIT, ExtINT are passed on. */
	entry_write(3, rte(0x23, 0, 3u << 8));
	entry_write(6, rte(0x26, 0, 6u << 8));
	vioapic_set_irq(&io, 3, true);
	vioapic_set_irq(&io, 6, true);
	assert_int_equal(rec.n, 0);
	assert_int_equal(io.dropped, 2);
	entry_write(7, rte(0, 0, (uint64_t)IOAPIC_DM_EXTINT << 8));
	vioapic_set_irq(&io, 7, true);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.msg[0].delivery, IOAPIC_DM_EXTINT);
	/* A level pin with a reserved mode does not get stuck with remote IRR. */
	entry_write(8, rte(0x28, 0, IOAPIC_RTE_LEVEL | (3u << 8)));
	vioapic_set_irq(&io, 8, true);
	assert_false(entry_read(8) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_reset_and_no_callback(void **state)
{
	(void)state;
	setup(2);
	entry_write(9, rte(VEC_SCI, 0, IOAPIC_RTE_LEVEL));
	vioapic_set_irq(&io, 9, true);
	assert_true(entry_read(9) & IOAPIC_RTE_REMOTE_IRR);
	vioapic_reset(&io);
	assert_int_equal(reg_read(IOAPIC_REG_ID), 2u << 24);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		assert_int_equal(entry_read(pin), IOAPIC_RTE_MASKED);
	/* Without a deliver callback nothing is sent and nothing sticks. */
	struct vioapic bare;
	vioapic_init(&bare, 0, NULL);
	vioapic_write(&bare, IOAPIC_IOREGSEL, 4, 0x12);
	vioapic_write(&bare, IOAPIC_IOWIN, 4, (uint32_t)(IOAPIC_RTE_LEVEL | 0x40));
	vioapic_set_irq(&bare, 1, true);
	vioapic_write(&bare, IOAPIC_IOREGSEL, 4, 0x12);
	assert_false(vioapic_read(&bare, IOAPIC_IOWIN, 4) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(bare.dropped, 1);
}

/* Random traffic: no crash (ASan/UBSan), reserved bits stay 0, remote IRR only on level. */
static void test_fuzz(void **state)
{
	static const unsigned sizes[] = {1, 2, 4, 8, 4, 4, 4, 4};
	static const uint64_t offs[] = {IOAPIC_IOREGSEL, IOAPIC_IOWIN, IOAPIC_EOI, 0x20};
	uint64_t x = 0x2545f4914f6cdd1dull;

	(void)state;
	setup(3);
	for (unsigned i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t off = offs[(x >> 3) & 3];
		unsigned size = sizes[(x >> 5) & 7];
		switch ((x >> 8) & 3) {
		case 0:
			vioapic_read(&io, off, size);
			break;
		case 1:
			vioapic_write(&io, off, size, x >> 16);
			break;
		case 2:
			vioapic_set_irq(&io, (unsigned)(x >> 20) % 26, (x >> 30) & 1);
			break;
		default:
			vioapic_eoi(&io, (uint8_t)(x >> 24));
			break;
		}
		if (rec.n > 32)
			rec.n = 0;
	}
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t e = entry_read(pin);

		assert_int_equal(e & 0x00fffffffffe1000ull, 0);
		if (!(e & IOAPIC_RTE_LEVEL))
			assert_false(e & IOAPIC_RTE_REMOTE_IRR);
	}
	assert_int_equal(reg_read(IOAPIC_REG_VER), IOAPIC_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_up),
		cmocka_unit_test(test_linux_clear_all),
		cmocka_unit_test(test_edge_pin),
		cmocka_unit_test(test_timer_through_pin2),
		cmocka_unit_test(test_level_pin_storm),
		cmocka_unit_test(test_level_unmask_delivers),
		cmocka_unit_test(test_readonly_bits),
		cmocka_unit_test(test_pci_pins),
		cmocka_unit_test(test_refused_delivery),
		cmocka_unit_test(test_with_lapic),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_reset_and_no_callback),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
