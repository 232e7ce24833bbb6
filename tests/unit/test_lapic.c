/* Unit tests for hv/lapic.h: Linux's xAPIC sequences, the timer modes, IPIs, hostile accesses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <hv/lapic.h>

#define NEVER HVDEV_NEVER

/* What the callbacks saw. */
struct rec {
	struct vlapic_ipi ipi[8];
	unsigned nipi;
	uint8_t eoi[8];
	unsigned neoi;
	unsigned nnmi;
	struct vlapic *self; /* for the "all including self" re-entry test */
};

static void rec_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	struct rec *r = ctx;

	if (r->nipi < 8)
		r->ipi[r->nipi] = *ipi;
	r->nipi++;
	if (r->self && ipi->shorthand == LAPIC_SH_ALL && ipi->delivery == LAPIC_DM_FIXED)
		vlapic_set_irq(r->self, ipi->vector, ipi->trigger_level);
}

static void rec_eoi(void *ctx, uint8_t vector)
{
	struct rec *r = ctx;

	if (r->neoi < 8)
		r->eoi[r->neoi] = vector;
	r->neoi++;
}

static void rec_nmi(void *ctx)
{
	((struct rec *)ctx)->nnmi++;
}

static struct rec rec;
static struct vlapic apic;

static void setup(uint8_t id, bool bsp)
{
	struct vlapic_callbacks cb = {rec_ipi, rec_eoi, rec_nmi, &rec};

	memset(&rec, 0, sizeof(rec));
	vlapic_init(&apic, id, bsp, &cb);
}

static uint32_t rd(unsigned off)
{
	return (uint32_t)vlapic_read(&apic, off, 4, 0);
}

static void wr(unsigned off, uint32_t val)
{
	vlapic_write(&apic, off, 4, val, 0);
}

static uint32_t rd_at(unsigned off, uint64_t now)
{
	return (uint32_t)vlapic_read(&apic, off, 4, now);
}

static void wr_at(unsigned off, uint32_t val, uint64_t now)
{
	vlapic_write(&apic, off, 4, val, now);
}

/* Software-enable with Linux's spurious vector. */
static void enable(void)
{
	wr(LAPIC_REG_SVR, 0x1ff);
}

static bool irr_has(unsigned v)
{
	return (rd(LAPIC_REG_IRR + (v / 32) * 0x10) >> (v % 32)) & 1;
}

static bool isr_has(unsigned v)
{
	return (rd(LAPIC_REG_ISR + (v / 32) * 0x10) >> (v % 32)) & 1;
}

static bool tmr_has(unsigned v)
{
	return (rd(LAPIC_REG_TMR + (v / 32) * 0x10) >> (v % 32)) & 1;
}

/* What the guest reads from ESR after the write that latches it. */
static uint32_t esr(void)
{
	wr(LAPIC_REG_ESR, 0);
	return rd(LAPIC_REG_ESR);
}

/* Inject the pending vector as the platform does; returns it or -1. */
static int take(void)
{
	int v = vlapic_pending(&apic);

	if (v >= 0)
		vlapic_ack(&apic, (unsigned)v);
	return v;
}

static void test_power_up(void **state)
{
	(void)state;
	setup(3, true);
	assert_int_equal(rd(LAPIC_REG_ID), 3u << 24);
	assert_int_equal(rd(LAPIC_REG_VERSION), 0x00050014);
	assert_int_equal(rd(LAPIC_REG_SVR), 0xff);
	assert_int_equal(rd(LAPIC_REG_DFR), 0xffffffffu);
	assert_int_equal(rd(LAPIC_REG_TPR), 0);
	assert_int_equal(rd(LAPIC_REG_PPR), 0);
	assert_int_equal(rd(LAPIC_REG_LDR), 0);
	for (unsigned i = 0; i < LAPIC_NLVT; i++)
		assert_int_equal(rd(LAPIC_REG_LVT + 0x10 * i), LAPIC_LVT_MASKED);
	assert_int_equal(vlapic_read_base(&apic), 0xfee00900ull);
	assert_int_equal(vlapic_pending(&apic), -1);
	assert_int_equal(vlapic_poll(&apic, 1000), NEVER);
	setup(1, false);
	assert_int_equal(vlapic_read_base(&apic), 0xfee00800ull);
	assert_int_equal(rd(LAPIC_REG_ID), 1u << 24);
}

/* setup_local_APIC() and vlapic_setup_esr() of Linux 6.1, in order, must leave no error, no
 * pending interrupt, and the registers as written. */
static void test_linux_setup(void **state)
{
	(void)state;
	setup(0, true);
	/* The "queued" loop: read ISR/IRR, EOI while anything is in service (nothing here). */
	for (int i = 7; i >= 0; i--)
		assert_int_equal(rd(LAPIC_REG_ISR + i * 0x10) | rd(LAPIC_REG_IRR + i * 0x10), 0);
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(rec.neoi, 0);
	wr(LAPIC_REG_TPR, rd(LAPIC_REG_TPR) & ~0xffu);
	wr(LAPIC_REG_DFR, 0xffffffffu); /* flat */
	wr(LAPIC_REG_LDR, (rd(LAPIC_REG_LDR) & ~0xff000000u) | (1u << 24));
	wr(LAPIC_REG_SVR, (rd(LAPIC_REG_SVR) & ~0xffu) | 0x100 | 0xff);
	assert_int_equal(rd(LAPIC_REG_SVR), 0x1ff);
	/* LVT0 read masked -> "masked ExtINT on CPU#0"; LVT1 NMI. */
	assert_true(rd(LAPIC_REG_LVT + 0x30) & LAPIC_LVT_MASKED);
	wr(LAPIC_REG_LVT + 0x30, 0x700 | LAPIC_LVT_MASKED);
	wr(LAPIC_REG_LVT + 0x40, 0x400);
	assert_int_equal(rd(LAPIC_REG_LVT + 0x30), 0x10700);
	assert_int_equal(rd(LAPIC_REG_LVT + 0x40), 0x400);
	/* vlapic_setup_esr */
	wr(LAPIC_REG_ESR, 0);
	assert_int_equal(rd(LAPIC_REG_ESR), 0);
	wr(LAPIC_REG_LVT + 0x50, 0xfe);
	wr(LAPIC_REG_ESR, 0);
	assert_int_equal(rd(LAPIC_REG_ESR), 0);
	assert_int_equal(rd(LAPIC_REG_LVT + 0x50), 0xfe);
	assert_int_equal(vlapic_pending(&apic), -1);
	assert_int_equal(apic.bad_access, 0);
	assert_false(vlapic_extint_enabled(&apic));
}

static void test_bad_accesses(void **state)
{
	static const unsigned sizes[] = {0, 1, 2, 3, 8, 16};

	(void)state;
	setup(2, false);
	enable();
	wr(LAPIC_REG_TPR, 0x20);
	uint64_t bad = apic.bad_access;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		vlapic_write(&apic, LAPIC_REG_TPR, sizes[i], 0x70, 0);
		assert_int_equal(vlapic_read(&apic, LAPIC_REG_TPR, sizes[i], 0), 0);
	}
	assert_int_equal(apic.bad_access, bad + 12);
	/* Misaligned inside a register, past the page, far past it. */
	static const uint64_t offs[] = {
		LAPIC_REG_TPR + 1, LAPIC_REG_TPR + 4, LAPIC_REG_TPR + 12, 0x1000, 0x1080,
		UINT64_MAX - 15,   UINT64_MAX};
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		vlapic_write(&apic, offs[i], 4, 0x70, 0);
		assert_int_equal(vlapic_read(&apic, offs[i], 4, 0), 0);
	}
	assert_int_equal(apic.bad_access, bad + 12 + 14);
	assert_int_equal(rd(LAPIC_REG_TPR), 0x20);
	/* Reserved registers read 0; read-only ones ignore writes. */
	static const unsigned reserved[] = {0x000, 0x010, 0x040, 0x070, 0x2f0, 0x3a0, 0x3f0, 0xff0};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		wr(reserved[i], 0xffffffffu);
		assert_int_equal(rd(reserved[i]), 0);
	}
	wr(LAPIC_REG_ID, 0x7f000000u);
	wr(LAPIC_REG_VERSION, 0);
	wr(LAPIC_REG_PPR, 0xff);
	wr(LAPIC_REG_APR, 0xff);
	wr(LAPIC_REG_IRR + 0x10, 0xffffffffu);
	wr(LAPIC_REG_ISR + 0x10, 0xffffffffu);
	wr(LAPIC_REG_TMR + 0x10, 0xffffffffu);
	wr(LAPIC_REG_TMCCT, 1234);
	assert_int_equal(rd(LAPIC_REG_ID), 2u << 24);
	assert_int_equal(rd(LAPIC_REG_VERSION), LAPIC_VERSION);
	assert_int_equal(rd(LAPIC_REG_PPR), 0x20);
	assert_int_equal(rd(LAPIC_REG_APR), 0);
	assert_int_equal(rd(LAPIC_REG_IRR + 0x10), 0);
	assert_int_equal(rd(LAPIC_REG_ISR + 0x10), 0);
	assert_int_equal(rd(LAPIC_REG_TMR + 0x10), 0);
	assert_int_equal(rd(LAPIC_REG_TMCCT), 0);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* Reserved bits of writable registers read 0 (or 1 where the chip hardwires them). */
	wr(LAPIC_REG_LDR, 0xffffffffu);
	wr(LAPIC_REG_DFR, 0);
	wr(LAPIC_REG_TDCR, 0xffffffffu);
	wr(LAPIC_REG_ICR_HI, 0xffffffffu);
	wr(LAPIC_REG_LVT, 0xffffffffu); /* mode 11b reserved: timer stopped */
	assert_int_equal(rd(LAPIC_REG_LDR), 0xff000000u);
	assert_int_equal(rd(LAPIC_REG_DFR), 0x0fffffffu);
	assert_int_equal(rd(LAPIC_REG_TDCR), 0xb);
	assert_int_equal(rd(LAPIC_REG_ICR_HI), 0xff000000u);
	assert_int_equal(rd(LAPIC_REG_LVT), 0x000700ffu);
	wr(LAPIC_REG_SVR, 0xffffffffu);
	assert_int_equal(rd(LAPIC_REG_SVR), 0x3ff);
}

static void test_svr_disable_masks(void **state)
{
	(void)state;
	setup(0, true);
	/* While disabled an LVT write cannot unmask. */
	wr(LAPIC_REG_LVT + 0x50, 0xfe);
	assert_int_equal(rd(LAPIC_REG_LVT + 0x50), LAPIC_LVT_MASKED | 0xfe);
	enable();
	wr(LAPIC_REG_LVT, 0xec);
	wr(LAPIC_REG_LVT + 0x30, 0x700);
	wr(LAPIC_REG_LVT + 0x40, 0x400);
	for (unsigned i = 0; i < LAPIC_NLVT; i++)
		wr(LAPIC_REG_LVT + 0x10 * i, rd(LAPIC_REG_LVT + 0x10 * i) & ~LAPIC_LVT_MASKED);
	assert_int_equal(rd(LAPIC_REG_LVT), 0xec);
	wr(LAPIC_REG_SVR, 0xff);
	for (unsigned i = 0; i < LAPIC_NLVT; i++)
		assert_true(rd(LAPIC_REG_LVT + 0x10 * i) & LAPIC_LVT_MASKED);
	assert_int_equal(rd(LAPIC_REG_LVT), LAPIC_LVT_MASKED | 0xec);
	/* Re-enabling keeps them masked until written. */
	enable();
	assert_int_equal(rd(LAPIC_REG_LVT), LAPIC_LVT_MASKED | 0xec);
}

static void test_accept_priority(void **state)
{
	(void)state;
	setup(0, true);
	/* Software-disabled: fixed interrupts are dropped. */
	assert_false(vlapic_set_irq(&apic, 0x40, false));
	assert_false(irr_has(0x40));
	assert_int_equal(apic.irq_dropped, 1);
	enable();
	assert_true(vlapic_set_irq(&apic, 0x30, false));
	assert_true(irr_has(0x30));
	assert_int_equal(take(), 0x30);
	assert_false(irr_has(0x30));
	assert_true(isr_has(0x30));
	assert_int_equal(rd(LAPIC_REG_PPR), 0x30);
	/* Same class as the one in service: held. */
	vlapic_set_irq(&apic, 0x3f, false);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* Higher class nests. */
	vlapic_set_irq(&apic, 0x41, false);
	assert_int_equal(take(), 0x41);
	assert_int_equal(rd(LAPIC_REG_PPR), 0x40);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* EOI ends the highest in service first, then 0x3f becomes deliverable. */
	wr(LAPIC_REG_EOI, 0);
	assert_false(isr_has(0x41));
	assert_true(isr_has(0x30));
	assert_int_equal(vlapic_pending(&apic), -1);
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(rd(LAPIC_REG_PPR), 0);
	assert_int_equal(take(), 0x3f);
	wr(LAPIC_REG_EOI, 0);
	/* Edge EOIs tell no one. */
	assert_int_equal(rec.neoi, 0);
	/* An extra EOI with nothing in service is harmless. */
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(rec.neoi, 0);
	/* Two requests of one vector before it is taken collapse into one. */
	vlapic_set_irq(&apic, 0x50, false);
	vlapic_set_irq(&apic, 0x50, false);
	assert_int_equal(take(), 0x50);
	assert_int_equal(vlapic_pending(&apic), -1);
	wr(LAPIC_REG_EOI, 0);
	/* Highest first among several. */
	vlapic_set_irq(&apic, 0x21, false);
	vlapic_set_irq(&apic, 0xe1, false);
	vlapic_set_irq(&apic, 0x81, false);
	assert_int_equal(vlapic_pending(&apic), 0xe1);
	/* Acking a vector that is not requested changes nothing. */
	vlapic_ack(&apic, 0x99);
	vlapic_ack(&apic, 1000);
	assert_false(isr_has(0x99));
	assert_int_equal(rd(LAPIC_REG_PPR), 0);
}

static void test_tpr(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	wr(LAPIC_REG_TPR, 0x55);
	assert_int_equal(rd(LAPIC_REG_PPR), 0x55);
	vlapic_set_irq(&apic, 0x5f, false);
	assert_int_equal(vlapic_pending(&apic), -1);
	vlapic_set_irq(&apic, 0x60, false);
	assert_int_equal(take(), 0x60);
	/* ISR class above TPR's: PPR is the ISR class, low nibble 0. */
	assert_int_equal(rd(LAPIC_REG_PPR), 0x60);
	wr(LAPIC_REG_EOI, 0);
	wr(LAPIC_REG_TPR, 0);
	assert_int_equal(take(), 0x5f);
	wr(LAPIC_REG_EOI, 0);
	/* TPR in the same class as the vector in service: PPR is the TPR, low nibble kept. */
	vlapic_set_irq(&apic, 0x31, false);
	assert_int_equal(take(), 0x31);
	wr(LAPIC_REG_TPR, 0x35);
	assert_int_equal(rd(LAPIC_REG_PPR), 0x35);
	wr(LAPIC_REG_TPR, 0x2f);
	assert_int_equal(rd(LAPIC_REG_PPR), 0x30);
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(rd(LAPIC_REG_PPR), 0x2f);
	/* TPR 0xF0 blocks everything. */
	wr(LAPIC_REG_TPR, 0xf0);
	vlapic_set_irq(&apic, 0xff, false);
	assert_int_equal(vlapic_pending(&apic), -1);
}

static void test_level_eoi(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	vlapic_set_irq(&apic, 0x61, true);
	assert_true(tmr_has(0x61));
	assert_int_equal(take(), 0x61);
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(rec.neoi, 1);
	assert_int_equal(rec.eoi[0], 0x61);
	/* The same vector re-used as edge clears TMR: its EOI is silent. */
	vlapic_set_irq(&apic, 0x61, false);
	assert_false(tmr_has(0x61));
	assert_int_equal(take(), 0x61);
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(rec.neoi, 1);
}

static void test_illegal_vectors_esr(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	/* Vectors 0-15 are dropped and reported on the next write-then-read of ESR. */
	assert_false(vlapic_set_irq(&apic, 15, false));
	assert_false(vlapic_set_irq(&apic, 256, false));
	assert_int_equal(rd(LAPIC_REG_ESR), 0); /* not yet latched */
	assert_int_equal(esr(), LAPIC_ESR_RECV_ILL);
	assert_int_equal(esr(), 0);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* With the error LVT unmasked the error raises its vector. */
	wr(LAPIC_REG_LVT + 0x50, 0xfe);
	vlapic_set_irq(&apic, 3, false);
	assert_int_equal(take(), 0xfe);
	assert_int_equal(esr(), LAPIC_ESR_RECV_ILL);
	wr(LAPIC_REG_EOI, 0);
	/* An illegal error vector cannot loop: it records "received illegal" and stops. */
	wr(LAPIC_REG_LVT + 0x50, 0x05);
	wr(LAPIC_REG_ICR_LO, 0x0000000a); /* fixed IPI, vector 10 */
	assert_int_equal(rec.nipi, 0);
	assert_int_equal(esr(), LAPIC_ESR_SEND_ILL | LAPIC_ESR_RECV_ILL);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* Timer LVT with an illegal vector. */
	wr(LAPIC_REG_LVT + 0x50, LAPIC_LVT_MASKED);
	wr(LAPIC_REG_TDCR, 0xb);
	wr(LAPIC_REG_LVT, 0x02);
	wr_at(LAPIC_REG_TMICT, 10, 0);
	vlapic_poll(&apic, 10);
	assert_int_equal(esr(), LAPIC_ESR_RECV_ILL);
	assert_int_equal(vlapic_pending(&apic), -1);
}

static void test_divide_config(void **state)
{
	static const struct {
		uint32_t tdcr, div;
	} t[] = {{0x0, 2},  {0x1, 4},  {0x2, 8},   {0x3, 16},
		 {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1}};

	(void)state;
	setup(0, true);
	enable();
	wr(LAPIC_REG_LVT, 0xec);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wr(LAPIC_REG_TDCR, t[i].tdcr);
		wr_at(LAPIC_REG_TMICT, 1000, 5000);
		assert_int_equal(vlapic_poll(&apic, 5000), 5000 + 1000ull * t[i].div);
		/* A quarter of the way: three quarters of the count left. */
		assert_int_equal(rd_at(LAPIC_REG_TMCCT, 5000 + 250ull * t[i].div), 750);
	}
	/* The largest count at the largest divisor does not overflow. */
	wr(LAPIC_REG_TDCR, 0xa);
	wr_at(LAPIC_REG_TMICT, 0xffffffffu, 0);
	assert_int_equal(vlapic_poll(&apic, 0), 0xffffffffull * 128);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 0), 0xffffffffu);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 128), 0xfffffffeu);
}

static void test_timer_oneshot(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	wr(LAPIC_REG_TDCR, 0xb);
	wr(LAPIC_REG_LVT, 0xec); /* one-shot, unmasked */
	wr_at(LAPIC_REG_TMICT, 1000, 100);
	assert_int_equal(rd(LAPIC_REG_TMICT), 1000);
	assert_int_equal(vlapic_poll(&apic, 100), 1100);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 100), 1000);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 350), 750);
	assert_int_equal(vlapic_poll(&apic, 1099), 1100);
	assert_false(irr_has(0xec));
	assert_int_equal(vlapic_poll(&apic, 1100), NEVER);
	assert_true(irr_has(0xec));
	assert_int_equal(apic.timer_fired, 1);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 1100), 0);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 5000), 0);
	/* Does not fire again. */
	assert_int_equal(take(), 0xec);
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(vlapic_poll(&apic, 100000), NEVER);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* Re-arm, then stop by writing 0. */
	wr_at(LAPIC_REG_TMICT, 50, 200000);
	assert_int_equal(vlapic_poll(&apic, 200000), 200050);
	wr_at(LAPIC_REG_TMICT, 0, 200010);
	assert_int_equal(vlapic_poll(&apic, 300000), NEVER);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* Read at expiry before the poll: count 0, then the poll still fires. */
	wr_at(LAPIC_REG_TMICT, 10, 0);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 20), 0);
	vlapic_poll(&apic, 20);
	assert_true(irr_has(0xec));
}

static void test_timer_periodic(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	wr(LAPIC_REG_TDCR, 0x3); /* /16 */
	wr(LAPIC_REG_LVT, LAPIC_TIMER_PERIODIC | 0xec);
	/* 250 Hz: 4 ms = 250000 ticks of 16 ns. */
	wr_at(LAPIC_REG_TMICT, 250000, 0);
	assert_int_equal(vlapic_poll(&apic, 0), 4000000);
	assert_int_equal(vlapic_poll(&apic, 4000000), 8000000);
	assert_int_equal(take(), 0xec);
	wr(LAPIC_REG_EOI, 0);
	/* Count reloads: 1 ms into the second period. */
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 5000000), 187500);
	/* Due but not polled: the count is where the running period has it. */
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 9000000), 187500);
	/* The vCPU did not run for 10 periods: one interrupt, next boundary after now. */
	assert_int_equal(vlapic_poll(&apic, 45000001), 48000000);
	assert_int_equal(apic.timer_fired, 2);
	assert_int_equal(take(), 0xec);
	assert_int_equal(vlapic_pending(&apic), -1);
	wr(LAPIC_REG_EOI, 0);
	/* Masked: counting and reloading go on, nothing is raised. */
	wr(LAPIC_REG_LVT, LAPIC_LVT_MASKED | LAPIC_TIMER_PERIODIC | 0xec);
	assert_int_equal(vlapic_poll(&apic, 48000000), 52000000);
	assert_false(irr_has(0xec));
	assert_int_equal(apic.timer_fired, 3);
	/* Periodic -> one-shot keeps the running count, then stops after it. */
	wr(LAPIC_REG_LVT, 0xec);
	assert_int_equal(vlapic_poll(&apic, 52000000), NEVER);
	assert_true(irr_has(0xec));
}

static void test_timer_periodic_floor(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	wr(LAPIC_REG_TDCR, 0xb);
	wr(LAPIC_REG_LVT, LAPIC_TIMER_PERIODIC | 0xec);
	/* A 1 ns period is stretched: a guest cannot make the host spin. */
	wr_at(LAPIC_REG_TMICT, 1, 1000);
	assert_int_equal(vlapic_poll(&apic, 1000), 1000 + LAPIC_TIMER_MIN_PERIOD_NS);
	uint64_t next = vlapic_poll(&apic, 1000 + LAPIC_TIMER_MIN_PERIOD_NS);
	assert_int_equal(next, 1000 + 2ull * LAPIC_TIMER_MIN_PERIOD_NS);
	/* Its count still reads within [0, initial]. */
	for (uint64_t t = next - 100; t < next + 100; t += 7)
		assert_true(rd_at(LAPIC_REG_TMCCT, t) <= 1);
	/* Polling at the end of time saturates instead of wrapping. */
	assert_int_equal(vlapic_poll(&apic, UINT64_MAX - 5), UINT64_MAX);
	assert_int_equal(vlapic_poll(&apic, UINT64_MAX), UINT64_MAX);
}

static void test_timer_divide_change(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	wr(LAPIC_REG_TDCR, 0xb);
	wr(LAPIC_REG_LVT, 0xec);
	wr_at(LAPIC_REG_TMICT, 1000, 0);
	/* After 400 ticks at /1, switch to /2: 600 ticks left, 1200 ns. */
	wr_at(LAPIC_REG_TDCR, 0x0, 400);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 400), 600);
	assert_int_equal(vlapic_poll(&apic, 400), 1600);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 1000), 300);
}

static void test_tsc_deadline(void **state)
{
	(void)state;
	setup(0, true);
	enable();
	/* Not in TSC-deadline mode: the MSR reads 0 and ignores writes. */
	vlapic_write_tsc_deadline(&apic, 5000, 12345);
	assert_int_equal(vlapic_read_tsc_deadline(&apic), 0);
	assert_int_equal(vlapic_poll(&apic, 0), NEVER);
	/* Linux: LVTT = TSC-deadline | vector, then WRMSR. */
	wr(LAPIC_REG_LVT, LAPIC_TIMER_TSC | 0xec);
	wr_at(LAPIC_REG_TMICT, 100, 0); /* ignored */
	assert_int_equal(rd(LAPIC_REG_TMICT), 0);
	assert_int_equal(vlapic_poll(&apic, 0), NEVER);
	assert_int_equal(rd_at(LAPIC_REG_TMCCT, 50), 0);
	vlapic_write_tsc_deadline(&apic, 5000, 12345);
	assert_int_equal(vlapic_read_tsc_deadline(&apic), 12345);
	assert_int_equal(vlapic_poll(&apic, 4999), 5000);
	assert_false(irr_has(0xec));
	assert_int_equal(vlapic_poll(&apic, 5000), NEVER);
	assert_true(irr_has(0xec));
	assert_int_equal(vlapic_read_tsc_deadline(&apic), 0);
	assert_int_equal(take(), 0xec);
	wr(LAPIC_REG_EOI, 0);
	/* Re-arm in the past: fires at the next poll. */
	vlapic_write_tsc_deadline(&apic, 10, 99);
	assert_int_equal(vlapic_poll(&apic, 6000), NEVER);
	assert_true(irr_has(0xec));
	assert_int_equal(take(), 0xec);
	wr(LAPIC_REG_EOI, 0);
	/* Writing 0 disarms. */
	vlapic_write_tsc_deadline(&apic, 9000, 777);
	vlapic_write_tsc_deadline(&apic, 0, 0);
	assert_int_equal(vlapic_read_tsc_deadline(&apic), 0);
	assert_int_equal(vlapic_poll(&apic, 100000), NEVER);
	assert_false(irr_has(0xec));
	/* Linux's shutdown: mask LVTT (stays TSC mode); an armed deadline expires masked. */
	vlapic_write_tsc_deadline(&apic, 200000, 888);
	wr(LAPIC_REG_LVT, LAPIC_LVT_MASKED | LAPIC_TIMER_TSC | 0xec);
	assert_int_equal(vlapic_read_tsc_deadline(&apic), 888);
	assert_int_equal(vlapic_poll(&apic, 200000), NEVER);
	assert_false(irr_has(0xec));
	assert_int_equal(vlapic_read_tsc_deadline(&apic), 0);
	/* Leaving TSC-deadline mode disarms. */
	wr(LAPIC_REG_LVT, LAPIC_TIMER_TSC | 0xec);
	vlapic_write_tsc_deadline(&apic, 300000, 999);
	wr(LAPIC_REG_LVT, 0xec);
	assert_int_equal(vlapic_read_tsc_deadline(&apic), 0);
	assert_int_equal(vlapic_poll(&apic, 400000), NEVER);
	assert_false(irr_has(0xec));
	/* Entering it stops a running one-shot and clears the initial count. */
	wr(LAPIC_REG_TDCR, 0xb);
	wr_at(LAPIC_REG_TMICT, 1000, 500000);
	wr(LAPIC_REG_LVT, LAPIC_TIMER_TSC | 0xec);
	assert_int_equal(rd(LAPIC_REG_TMICT), 0);
	assert_int_equal(vlapic_poll(&apic, 600000), NEVER);
	assert_false(irr_has(0xec));
}

static void test_apic_base_msr(void **state)
{
	(void)state;
	setup(6, true);
	/* Linux's read-modify-write with the enable bit already set. */
	assert_int_equal(vlapic_write_base(&apic, vlapic_read_base(&apic) | LAPIC_BASE_ENABLE), 0);
	/* Refused: x2APIC, moving the base, reserved bits, physical-address bits. */
	assert_int_equal(
		vlapic_write_base(&apic, 0xfee00000ull | LAPIC_BASE_ENABLE | LAPIC_BASE_X2APIC),
		-EINVAL);
	assert_int_equal(vlapic_write_base(&apic, 0xfed00000ull | LAPIC_BASE_ENABLE), -EINVAL);
	assert_int_equal(vlapic_write_base(&apic, 0xfee00000ull | LAPIC_BASE_ENABLE | 1), -EINVAL);
	assert_int_equal(vlapic_write_base(&apic, 0xfee00000ull | LAPIC_BASE_ENABLE | (1u << 9)),
			 -EINVAL);
	assert_int_equal(vlapic_write_base(&apic, 0x1fee00800ull), -EINVAL);
	assert_int_equal(vlapic_write_base(&apic, UINT64_MAX), -EINVAL);
	assert_int_equal(vlapic_read_base(&apic), 0xfee00900ull);
	/* The BSP bit is read-only. */
	assert_int_equal(vlapic_write_base(&apic, 0xfee00800ull), 0);
	assert_int_equal(vlapic_read_base(&apic), 0xfee00900ull);
	/* Hardware-disable: the page reads all ones, nothing is accepted, INTR passes through. */
	enable();
	wr(LAPIC_REG_TPR, 0x30);
	wr(LAPIC_REG_LVT, 0xec);
	wr(LAPIC_REG_TDCR, 0xb);
	wr_at(LAPIC_REG_TMICT, 1000, 0);
	vlapic_set_irq(&apic, 0x80, false);
	assert_int_equal(vlapic_write_base(&apic, 0xfee00100ull), 0);
	assert_int_equal(vlapic_read_base(&apic), 0xfee00100ull);
	assert_int_equal(vlapic_read(&apic, LAPIC_REG_ID, 4, 0), 0xffffffffu);
	assert_int_equal(vlapic_read(&apic, LAPIC_REG_ID, 8, 0), UINT64_MAX);
	assert_int_equal(vlapic_read(&apic, LAPIC_REG_ID, 1, 0), 0xff);
	wr(LAPIC_REG_SVR, 0x1ff);
	assert_false(vlapic_set_irq(&apic, 0x81, false));
	assert_int_equal(vlapic_pending(&apic), -1);
	assert_int_equal(vlapic_poll(&apic, 5000), NEVER);
	assert_false(vlapic_match_dest(&apic, 6, false));
	assert_false(vlapic_match_dest(&apic, 0xff, false));
	assert_true(vlapic_extint_enabled(&apic));
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_EXTINT);
	vlapic_write(&apic, LAPIC_REG_ICR_LO, 4, 0x000c00f0, 0);
	assert_int_equal(rec.nipi, 0);
	/* Re-enable: power-up state (software-disabled, TPR 0, nothing pending). */
	assert_int_equal(vlapic_write_base(&apic, 0xfee00900ull), 0);
	assert_int_equal(rd(LAPIC_REG_SVR), 0xff);
	assert_int_equal(rd(LAPIC_REG_TPR), 0);
	assert_int_equal(rd(LAPIC_REG_LVT), LAPIC_LVT_MASKED);
	assert_false(irr_has(0x80));
	assert_int_equal(rd(LAPIC_REG_ID), 6u << 24);
	assert_true(vlapic_match_dest(&apic, 6, false));
}

static void test_ipis(void **state)
{
	(void)state;
	setup(5, false);
	enable();
	/* Linux's x2apic-less default_send_IPI_dest_field: ICR high then ICR low. */
	wr(LAPIC_REG_ICR_HI, 2u << 24);
	wr(LAPIC_REG_ICR_LO, 0x000000fb); /* fixed, physical, CALL_FUNCTION_VECTOR */
	assert_int_equal(rec.nipi, 1);
	assert_int_equal(rec.ipi[0].delivery, LAPIC_DM_FIXED);
	assert_int_equal(rec.ipi[0].vector, 0xfb);
	assert_int_equal(rec.ipi[0].dest, 2);
	assert_int_equal(rec.ipi[0].shorthand, LAPIC_SH_NONE);
	assert_false(rec.ipi[0].logical);
	assert_false(rec.ipi[0].trigger_level);
	assert_int_equal(rec.ipi[0].src_id, 5);
	/* Delivery status reads idle even if the guest sets it. */
	wr(LAPIC_REG_ICR_LO, 0x000010fb);
	assert_int_equal(rd(LAPIC_REG_ICR_LO) & (1u << 12), 0);
	assert_int_equal(rd(LAPIC_REG_ICR_LO), 0xfb);
	/* AP bring-up: INIT assert (level), INIT de-assert, SIPI x2 (start page 0x9a). */
	rec.nipi = 0;
	wr(LAPIC_REG_ICR_HI, 1u << 24);
	wr(LAPIC_REG_ICR_LO, 0x0000c500);
	wr(LAPIC_REG_ICR_LO, 0x00008500);
	wr(LAPIC_REG_ICR_LO, 0x0000069a);
	wr(LAPIC_REG_ICR_LO, 0x0000069a);
	assert_int_equal(rec.nipi, 4);
	assert_int_equal(rec.ipi[0].delivery, LAPIC_DM_INIT);
	assert_true(rec.ipi[0].level);
	assert_true(rec.ipi[0].trigger_level);
	assert_int_equal(rec.ipi[0].dest, 1);
	assert_int_equal(rec.ipi[1].delivery, LAPIC_DM_INIT_DEASSERT);
	assert_int_equal(rec.ipi[2].delivery, LAPIC_DM_SIPI);
	assert_int_equal(rec.ipi[2].vector, 0x9a);
	assert_int_equal(rec.ipi[3].dest, 1);
	/* Shorthands: NMI to all-but-self, fixed to all-including-self, logical dest. */
	rec.nipi = 0;
	wr(LAPIC_REG_ICR_LO, 0x000c0400);
	assert_int_equal(rec.ipi[0].delivery, LAPIC_DM_NMI);
	assert_int_equal(rec.ipi[0].shorthand, LAPIC_SH_OTHERS);
	rec.self = &apic; /* the platform delivers to the sender too, from inside the write */
	wr(LAPIC_REG_ICR_LO, 0x000800f0);
	assert_int_equal(rec.ipi[1].shorthand, LAPIC_SH_ALL);
	assert_true(irr_has(0xf0));
	rec.self = NULL;
	wr(LAPIC_REG_ICR_HI, 0x0c000000u);
	wr(LAPIC_REG_ICR_LO, 0x00000900 | 0xef); /* lowest priority, logical */
	assert_int_equal(rec.ipi[2].delivery, LAPIC_DM_LOWEST);
	assert_true(rec.ipi[2].logical);
	assert_int_equal(rec.ipi[2].dest, 0x0c);
	assert_int_equal(rec.nipi, 3);
	/* Self IPI: handled locally, no callback. */
	wr(LAPIC_REG_ICR_LO, 0x000400f3);
	assert_int_equal(rec.nipi, 3);
	assert_true(irr_has(0xf3));
	/* Self with a mode other than fixed is invalid: nothing happens. */
	wr(LAPIC_REG_ICR_LO, 0x00040400);
	assert_int_equal(rec.nipi, 3);
	assert_int_equal(apic.ipi_dropped, 1);
	assert_int_equal(rec.nnmi, 0);
	/* Reserved modes 3 and 7 and illegal fixed vectors are not sent. */
	wr(LAPIC_REG_ICR_LO, 0x00000330);
	wr(LAPIC_REG_ICR_LO, 0x00000730);
	assert_int_equal(apic.ipi_dropped, 3);
	wr(LAPIC_REG_ICR_LO, 0x0000000f);
	wr(LAPIC_REG_ICR_LO, 0x0000010f);
	assert_int_equal(rec.nipi, 3);
	assert_int_equal(esr(), LAPIC_ESR_SEND_ILL);
	/* ...but a NMI carries no vector: vector bits 0 are fine. */
	wr(LAPIC_REG_ICR_LO, 0x00000400);
	assert_int_equal(rec.nipi, 4);
	assert_int_equal(esr(), 0);
}

static void test_match_dest(void **state)
{
	(void)state;
	setup(3, false);
	/* Physical. */
	assert_true(vlapic_match_dest(&apic, 3, false));
	assert_false(vlapic_match_dest(&apic, 2, false));
	assert_true(vlapic_match_dest(&apic, 0xff, false));
	/* Logical flat: LDR bit per CPU (Linux: 1 << cpu). */
	wr(LAPIC_REG_LDR, 0x08000000u);
	assert_false(vlapic_match_dest(&apic, 3, true));
	assert_true(vlapic_match_dest(&apic, 0x08, true));
	assert_true(vlapic_match_dest(&apic, 0x0f, true));
	assert_false(vlapic_match_dest(&apic, 0x07, true));
	assert_true(vlapic_match_dest(&apic, 0xff, true));
	assert_false(vlapic_match_dest(&apic, 0, true));
	/* Logical cluster: cluster 2, member bit 1. */
	wr(LAPIC_REG_DFR, 0x0fffffffu);
	wr(LAPIC_REG_LDR, 0x22000000u);
	assert_true(vlapic_match_dest(&apic, 0x22, true));
	assert_true(vlapic_match_dest(&apic, 0x2f, true));
	assert_false(vlapic_match_dest(&apic, 0x24, true));
	assert_false(vlapic_match_dest(&apic, 0x12, true));
	assert_true(vlapic_match_dest(&apic, 0xff, true));
	/* A reserved DFR model matches nothing but the broadcast. */
	wr(LAPIC_REG_DFR, 0x5fffffffu);
	assert_false(vlapic_match_dest(&apic, 0x22, true));
	assert_true(vlapic_match_dest(&apic, 0xff, true));
	/* Software-disabled still matches (INIT/SIPI reach it). */
	assert_true(vlapic_match_dest(&apic, 3, false));
}

static void test_lint(void **state)
{
	(void)state;
	setup(0, true);
	/* Power-up, software-disabled: the PIC's INTR goes straight through; LINT1 is NMI. */
	assert_true(vlapic_extint_enabled(&apic));
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_EXTINT);
	assert_int_equal(vlapic_lint(&apic, 0, false), LAPIC_LINT_NONE);
	assert_int_equal(vlapic_lint(&apic, 1, true), LAPIC_LINT_DELIVERED);
	assert_int_equal(vlapic_lint(&apic, 1, true), LAPIC_LINT_NONE);
	assert_int_equal(vlapic_lint(&apic, 1, false), LAPIC_LINT_NONE);
	assert_int_equal(rec.nnmi, 1);
	assert_int_equal(vlapic_lint(&apic, 2, true), -EINVAL);
	/* Enabled with LVT0 masked ExtINT (Linux's "masked ExtINT on CPU#0"): blocked. */
	enable();
	wr(LAPIC_REG_LVT + 0x30, LAPIC_LVT_MASKED | 0x700);
	assert_false(vlapic_extint_enabled(&apic));
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_NONE);
	/* Virtual wire: LVT0 ExtINT unmasked. */
	wr(LAPIC_REG_LVT + 0x30, 0x700);
	assert_true(vlapic_extint_enabled(&apic));
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_EXTINT);
	assert_int_equal(vlapic_pending(&apic), -1); /* bypasses the IRR */
	vlapic_lint(&apic, 0, false);
	/* LINT1 NMI: on the rising edge only; masked: nothing. */
	wr(LAPIC_REG_LVT + 0x40, 0x400);
	assert_int_equal(vlapic_lint(&apic, 1, true), LAPIC_LINT_DELIVERED);
	assert_int_equal(vlapic_lint(&apic, 1, true), LAPIC_LINT_NONE);
	vlapic_lint(&apic, 1, false);
	assert_int_equal(rec.nnmi, 2);
	wr(LAPIC_REG_LVT + 0x40, LAPIC_LVT_MASKED | 0x400);
	assert_int_equal(vlapic_lint(&apic, 1, true), LAPIC_LINT_NONE);
	vlapic_lint(&apic, 1, false);
	assert_int_equal(rec.nnmi, 2);
	/* Fixed, edge. */
	wr(LAPIC_REG_LVT + 0x30, 0x31);
	assert_false(vlapic_extint_enabled(&apic));
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_DELIVERED);
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_NONE);
	assert_int_equal(take(), 0x31);
	assert_false(tmr_has(0x31));
	wr(LAPIC_REG_EOI, 0);
	vlapic_lint(&apic, 0, false);
	/* Fixed, level: remote IRR until EOI; EOI re-delivers while still asserted. */
	wr(LAPIC_REG_LVT + 0x30, LAPIC_LVT_LEVEL | 0x32);
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_DELIVERED);
	assert_true(rd(LAPIC_REG_LVT + 0x30) & LAPIC_LVT_REMOTE_IRR);
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_NONE);
	assert_int_equal(take(), 0x32);
	assert_true(tmr_has(0x32));
	wr(LAPIC_REG_EOI, 0);
	assert_int_equal(rec.neoi, 1);
	assert_true(rd(LAPIC_REG_LVT + 0x30) & LAPIC_LVT_REMOTE_IRR);
	assert_int_equal(take(), 0x32);
	vlapic_lint(&apic, 0, false);
	wr(LAPIC_REG_EOI, 0);
	assert_false(rd(LAPIC_REG_LVT + 0x30) & LAPIC_LVT_REMOTE_IRR);
	assert_int_equal(vlapic_pending(&apic), -1);
	/* The guest cannot set remote IRR itself. */
	wr(LAPIC_REG_LVT + 0x30, LAPIC_LVT_LEVEL | LAPIC_LVT_REMOTE_IRR | 0x32);
	assert_false(rd(LAPIC_REG_LVT + 0x30) & LAPIC_LVT_REMOTE_IRR);
	/* SMI and INIT through LINT are ignored. */
	wr(LAPIC_REG_LVT + 0x30, 0x200);
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_NONE);
	wr(LAPIC_REG_LVT + 0x30, 0x500);
	vlapic_lint(&apic, 0, false);
	assert_int_equal(vlapic_lint(&apic, 0, true), LAPIC_LINT_NONE);
	/* Software-disabled again: pass-through. */
	wr(LAPIC_REG_SVR, 0xff);
	assert_true(vlapic_extint_enabled(&apic));
}

static void test_reset(void **state)
{
	(void)state;
	setup(7, false);
	enable();
	wr(LAPIC_REG_TPR, 0x40);
	wr(LAPIC_REG_LDR, 0x10000000u);
	wr(LAPIC_REG_DFR, 0x0fffffffu);
	wr(LAPIC_REG_LVT, LAPIC_TIMER_PERIODIC | 0xec);
	wr(LAPIC_REG_TDCR, 0xb);
	wr_at(LAPIC_REG_TMICT, 1000, 0);
	wr(LAPIC_REG_ICR_HI, 0x01000000u);
	vlapic_set_irq(&apic, 0x90, true);
	take();
	vlapic_set_irq(&apic, 0xa0, false);
	vlapic_set_irq(&apic, 1, false);
	vlapic_reset(&apic);
	assert_int_equal(rd(LAPIC_REG_ID), 7u << 24);
	assert_int_equal(vlapic_read_base(&apic), 0xfee00800ull);
	assert_int_equal(rd(LAPIC_REG_TPR), 0);
	assert_int_equal(rd(LAPIC_REG_LDR), 0);
	assert_int_equal(rd(LAPIC_REG_DFR), 0xffffffffu);
	assert_int_equal(rd(LAPIC_REG_SVR), 0xff);
	assert_int_equal(rd(LAPIC_REG_ICR_HI), 0);
	assert_int_equal(rd(LAPIC_REG_TMICT), 0);
	assert_int_equal(rd(LAPIC_REG_TDCR), 0);
	assert_int_equal(esr(), 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(rd(LAPIC_REG_ISR + i * 0x10) | rd(LAPIC_REG_TMR + i * 0x10) |
					 rd(LAPIC_REG_IRR + i * 0x10),
				 0);
	for (unsigned i = 0; i < LAPIC_NLVT; i++)
		assert_int_equal(rd(LAPIC_REG_LVT + 0x10 * i), LAPIC_LVT_MASKED);
	assert_int_equal(vlapic_poll(&apic, 5000), NEVER);
	assert_int_equal(rec.neoi, 0);
}

/* Random register traffic from a hostile guest: no crash (ASan/UBSan), invariants hold. */
static void test_hostile_fuzz(void **state)
{
	static const unsigned sizes[] = {1, 2, 4, 8, 4, 4};
	uint64_t x = 0x9e3779b97f4a7c15ull, now = 0;

	(void)state;
	setup(4, true);
	enable();
	for (unsigned i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t off = (x >> 8) & 0x3ff0;
		if (x & 1)
			off |= (x >> 20) & 0xf;
		unsigned size = sizes[(x >> 30) % 6];
		now += (x >> 40) & 0xffff;
		switch ((x >> 36) & 7) {
		case 0:
			vlapic_read(&apic, off, size, now);
			break;
		case 1:
			vlapic_set_irq(&apic, (unsigned)(x >> 44) & 0x1ff, x & 2);
			break;
		case 2: {
			int v = vlapic_pending(&apic);
			assert_true(v == -1 || (v >= 16 && v <= 255));
			if (v >= 0)
				vlapic_ack(&apic, (unsigned)v);
			break;
		}
		case 3:
			vlapic_write_tsc_deadline(&apic, now + ((x >> 44) & 0xfff), x >> 50);
			break;
		case 4:
			vlapic_lint(&apic, (unsigned)(x >> 50) & 3, x & 4);
			break;
		case 6:
			/* Mostly refused values; sometimes a valid enable or disable. */
			if (((x >> 45) & 7) == 0)
				assert_int_equal(
					vlapic_write_base(&apic,
							  0xfee00000ull | (((x >> 48) & 1) << 11)),
					0);
			else
				vlapic_write_base(&apic, x);
			break;
		case 5:
			if ((x >> 45) & 1)
				wr(LAPIC_REG_SVR, 0x1ff); /* keep it mostly enabled */
							  /* fall through */
		default:
			vlapic_write(&apic, off, size, x * 0x2545f4914f6cdd1dull, now);
			break;
		}
		uint64_t next = vlapic_poll(&apic, now);
		assert_true(next > now);
		assert_true(rd_at(LAPIC_REG_TMCCT, now) <= rd(LAPIC_REG_TMICT));
	}
	assert_int_equal(vlapic_write_base(&apic, 0xfee00800ull), 0);
	assert_int_equal(vlapic_read_base(&apic), 0xfee00900ull);
	assert_int_equal(rd(LAPIC_REG_ID), 4u << 24);
	assert_int_equal(rd(LAPIC_REG_VERSION), LAPIC_VERSION);
	assert_true(apic.bad_access > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_up),
		cmocka_unit_test(test_linux_setup),
		cmocka_unit_test(test_bad_accesses),
		cmocka_unit_test(test_svr_disable_masks),
		cmocka_unit_test(test_accept_priority),
		cmocka_unit_test(test_tpr),
		cmocka_unit_test(test_level_eoi),
		cmocka_unit_test(test_illegal_vectors_esr),
		cmocka_unit_test(test_divide_config),
		cmocka_unit_test(test_timer_oneshot),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_timer_periodic_floor),
		cmocka_unit_test(test_timer_divide_change),
		cmocka_unit_test(test_tsc_deadline),
		cmocka_unit_test(test_apic_base_msr),
		cmocka_unit_test(test_ipis),
		cmocka_unit_test(test_match_dest),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_hostile_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
