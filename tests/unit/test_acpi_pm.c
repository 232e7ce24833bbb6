/* Unit tests for hv/acpi_pm.h: PM1 registers, SCI, power button, S5, PM timer, 0xCF9 reset. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <hv/acpi_pm.h>

#define T0 123456789ull /* `now` at init: the timer counts from here */

/* What the device did through its callbacks. */
struct env {
	struct acpi_pm pm;
	bool sci;
	unsigned sci_calls, sci_raises;
	unsigned poweroffs, resets;
};

static void sci_set(void *ctx, unsigned line, bool level)
{
	struct env *e = ctx;

	assert_int_equal(line, ACPI_PM_SCI_IRQ);
	e->sci_calls++;
	if (level && !e->sci)
		e->sci_raises++;
	e->sci = level;
}

static void on_poweroff(void *ctx)
{
	((struct env *)ctx)->poweroffs++;
}

static void on_reset(void *ctx)
{
	((struct env *)ctx)->resets++;
}

static void env_init(struct env *e)
{
	struct hvdev_irq sci = {sci_set, e, ACPI_PM_SCI_IRQ};
	struct acpi_pm_ops ops = {on_poweroff, on_reset, e};

	memset(e, 0, sizeof(*e));
	acpi_pm_init(&e->pm, &sci, &ops, T0);
}

static uint64_t rd(struct env *e, uint64_t off, unsigned size)
{
	return acpi_pm_read(&e->pm, T0, off, size);
}

static void wr(struct env *e, uint64_t off, unsigned size, uint64_t val)
{
	acpi_pm_write(&e->pm, T0, off, size, val);
}

/* Power-on values as Linux's ACPICA reads them (16-bit accesses), and SCI_EN = 1 with no
 * SMI_CMD port: ACPI mode is on from the start. */
static void test_power_on_state(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), 0);
	assert_int_equal(rd(&e, ACPI_PM_PM1_EN, 2), 0);
	assert_int_equal(rd(&e, ACPI_PM_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(rd(&e, ACPI_PM_TMR, 4), 0);
	assert_int_equal(acpi_pm_reset_read(&e.pm), 0);
	assert_false(acpi_pm_power_button_enabled(&e.pm));
	assert_int_equal(e.sci_calls, 0);
	/* The 32-bit read of the whole event block: status low, enable high. */
	wr(&e, ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 4), (uint64_t)ACPI_PM1_PWRBTN << 16);
}

/* The host presses the button; Linux's fixed-event path: enable, take the SCI, read status,
 * write 1 to clear, SCI drops. */
static void test_power_button_sci(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	/* Not enabled yet: the status is latched, no SCI. */
	acpi_pm_power_button(&e.pm);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), ACPI_PM1_PWRBTN);
	assert_false(e.sci);
	assert_int_equal(e.sci_calls, 0);
	/* Enabling with the status pending raises the SCI at once. */
	wr(&e, ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	assert_true(acpi_pm_power_button_enabled(&e.pm));
	assert_true(e.sci);
	assert_int_equal(e.sci_raises, 1);
	/* A second press while pending changes nothing. */
	acpi_pm_power_button(&e.pm);
	assert_int_equal(e.sci_raises, 1);
	assert_int_equal(e.sci_calls, 1);
	/* Writing 0s, or 1s to other bits, clears nothing. */
	wr(&e, ACPI_PM_PM1_STS, 2, 0);
	wr(&e, ACPI_PM_PM1_STS, 2, (uint16_t)~ACPI_PM1_PWRBTN);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), ACPI_PM1_PWRBTN);
	assert_true(e.sci);
	/* Write 1 to clear (the byte holding bit 8 is enough). */
	wr(&e, ACPI_PM_PM1_STS + 1, 1, ACPI_PM1_PWRBTN >> 8);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), 0);
	assert_false(e.sci);
	assert_int_equal(e.sci_calls, 2);
	/* Next press: SCI again. */
	acpi_pm_power_button(&e.pm);
	assert_true(e.sci);
	assert_int_equal(e.sci_raises, 2);
	/* Disabling the event drops the SCI; the status stays for the guest to see. */
	wr(&e, ACPI_PM_PM1_EN, 2, 0);
	assert_false(e.sci);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), ACPI_PM1_PWRBTN);
	/* ACPICA's "clear all fixed status" write (all ones, 16 bits). */
	wr(&e, ACPI_PM_PM1_STS, 2, 0xFFFF);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), 0);
	assert_int_equal(e.poweroffs + e.resets, 0);
}

/* Enable bits: the defined ones are stored, the rest read 0; status bits that can never be set
 * here never raise the SCI whatever is enabled. */
static void test_enable_bits(void **state)
{
	struct env e;
	const uint16_t defined = ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN |
				 ACPI_PM1_RTC | ACPI_PM1_PCIEXP_WAKE;

	(void)state;
	env_init(&e);
	wr(&e, ACPI_PM_PM1_EN, 2, 0xFFFF);
	assert_int_equal(rd(&e, ACPI_PM_PM1_EN, 2), defined);
	assert_false(e.sci);
	wr(&e, ACPI_PM_PM1_EN, 1, 0); /* low byte only: PWRBTN_EN (bit 8) stays */
	assert_int_equal(rd(&e, ACPI_PM_PM1_EN, 2), defined & 0xFF00);
	assert_true(acpi_pm_power_button_enabled(&e.pm));
}

/* Linux's acpi_hw_legacy_sleep for S5: SLP_TYP first, then SLP_TYP | SLP_EN. */
static void test_s5_poweroff(void **state)
{
	struct env e;
	const uint16_t typ = ACPI_PM_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT;

	(void)state;
	env_init(&e);
	wr(&e, ACPI_PM_PM1_CNT, 2, ACPI_PM1_CNT_SCI_EN | typ);
	assert_int_equal(e.poweroffs, 0);
	assert_int_equal(rd(&e, ACPI_PM_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN | typ);
	wr(&e, ACPI_PM_PM1_CNT, 2, ACPI_PM1_CNT_SCI_EN | typ | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(e.poweroffs, 1);
	/* SLP_EN is write-only. */
	assert_int_equal(rd(&e, ACPI_PM_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN | typ);
	/* The same as one byte write of the high half. */
	wr(&e, ACPI_PM_PM1_CNT + 1, 1, (typ | ACPI_PM1_CNT_SLP_EN) >> 8);
	assert_int_equal(e.poweroffs, 2);
	assert_int_equal(e.resets, 0);
}

/* SLP_EN with any other sleep type does nothing (only \_S5 exists); SCI_EN cannot be cleared;
 * BM_RLD is stored; GBL_RLS is write-only. */
static void test_other_sleep_types(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ == ACPI_PM_SLP_TYP_S5)
			continue;
		wr(&e, ACPI_PM_PM1_CNT, 2, typ << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN);
		assert_int_equal(rd(&e, ACPI_PM_PM1_CNT, 2),
				 ACPI_PM1_CNT_SCI_EN | typ << ACPI_PM1_CNT_SLP_TYP_SHIFT);
	}
	assert_int_equal(e.poweroffs, 0);
	wr(&e, ACPI_PM_PM1_CNT, 2, 0xFFFF & ~ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(rd(&e, ACPI_PM_PM1_CNT, 2),
			 ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP);
	wr(&e, ACPI_PM_PM1_CNT, 2, 0);
	assert_int_equal(rd(&e, ACPI_PM_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(e.poweroffs, 0);
}

static uint32_t expect_ticks(uint64_t ns)
{
	return (uint32_t)((unsigned __int128)ns * ACPI_PM_TMR_HZ / 1000000000u) & ACPI_PM_TMR_MASK;
}

/* 3.579545 MHz from the init time, 24 bits, read-only; any `now` is safe. */
static void test_pm_timer(void **state)
{
	struct env e;
	uint32_t prev = 0;
	static const uint64_t deltas[] = {
		0,
		279,
		280,
		1000,
		1000000,
		1000000000,
		4687500000u,
		4687500001u,
		5000000000u,
		3600000000000ull,
		1ull << 40,
		1ull << 62,
		UINT64_MAX - T0,
		UINT64_MAX - T0 - 1,
	};

	(void)state;
	env_init(&e);
	assert_int_equal(acpi_pm_read(&e.pm, T0 + 1000000000, ACPI_PM_TMR, 4), 3579545);
	assert_int_equal(acpi_pm_read(&e.pm, T0 + 1000000, ACPI_PM_TMR, 4), 3579);
	/* Wraps at 2^24 ticks (4.687 s): 5 s is 17897725 ticks. */
	assert_int_equal(acpi_pm_read(&e.pm, T0 + 5000000000u, ACPI_PM_TMR, 4),
			 17897725 - (1 << 24));
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		uint64_t now = T0 + deltas[i];
		uint32_t v = (uint32_t)acpi_pm_read(&e.pm, now, ACPI_PM_TMR, 4);

		assert_int_equal(v, expect_ticks(deltas[i]));
		/* Byte reads of the same instant agree; the top byte is 0 (24-bit timer). */
		for (unsigned b = 0; b < 4; b++)
			assert_int_equal(acpi_pm_read(&e.pm, now, ACPI_PM_TMR + b, 1),
					 (v >> (8 * b)) & 0xFF);
	}
	/* Monotonic (mod 2^24) over a fine sweep, never a step back. */
	for (uint64_t ns = 0; ns < 20000000; ns += 997) {
		uint32_t v = (uint32_t)acpi_pm_read(&e.pm, T0 + ns, ACPI_PM_TMR, 4);

		assert_true(v >= prev);
		assert_true(v - prev <= 4); /* 997 ns is 3.57 ticks */
		prev = v;
	}
	/* Writes are ignored. */
	acpi_pm_write(&e.pm, T0, ACPI_PM_TMR, 4, 0x12345678);
	assert_int_equal(acpi_pm_read(&e.pm, T0 + 1000000000, ACPI_PM_TMR, 4), 3579545);
	/* A clock before the init time still reads something, without UB. */
	(void)acpi_pm_read(&e.pm, 0, ACPI_PM_TMR, 4);
}

/* Port 0xCF9: 0x02 arms, 0x06 resets (Linux "pci" reboot), 0x0E too; bit 2 reads 0. */
static void test_reset_register(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	acpi_pm_reset_write(&e.pm, 0x02);
	assert_int_equal(e.resets, 0);
	assert_int_equal(acpi_pm_reset_read(&e.pm), 0x02);
	acpi_pm_reset_write(&e.pm, ACPI_PM_RESET_VALUE);
	assert_int_equal(e.resets, 1);
	assert_int_equal(acpi_pm_reset_read(&e.pm), 0x02);
	acpi_pm_reset_write(&e.pm, 0x0E);
	assert_int_equal(e.resets, 2);
	assert_int_equal(acpi_pm_reset_read(&e.pm), 0x0A);
	acpi_pm_reset_write(&e.pm, 0xF1);
	assert_int_equal(e.resets, 2);
	assert_int_equal(acpi_pm_reset_read(&e.pm), 0xF1);
	acpi_pm_reset_write(&e.pm, 0x04);
	assert_int_equal(e.resets, 3);
	assert_int_equal(e.poweroffs, 0);
}

/* No callbacks at all: every event is survivable. */
static void test_null_callbacks(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_init(&pm, NULL, NULL, 0);
	acpi_pm_write(&pm, 0, ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	acpi_pm_power_button(&pm);
	acpi_pm_write(&pm, 0, ACPI_PM_PM1_CNT, 2,
		      ACPI_PM_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN);
	acpi_pm_reset_write(&pm, 0x06);
	assert_int_equal(acpi_pm_read(&pm, 0, ACPI_PM_PM1_STS, 2), ACPI_PM1_PWRBTN);
}

/* Hostile accesses: bad sizes, offsets past the block or at the end of the address space
 * (which must not wrap round onto PM1_STS), mixed reads past the end. */
static void test_hostile_access(void **state)
{
	struct env e;
	static const unsigned bad_sizes[] = {0, 3, 5, 6, 7, 9, 16, 1u << 31, UINT32_MAX};

	(void)state;
	env_init(&e);
	wr(&e, ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	acpi_pm_power_button(&e.pm);
	assert_true(e.sci);
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		assert_int_equal(rd(&e, ACPI_PM_PM1_STS, bad_sizes[i]), UINT64_MAX);
		wr(&e, ACPI_PM_PM1_STS, bad_sizes[i], UINT64_MAX);
		wr(&e, ACPI_PM_PM1_CNT, bad_sizes[i],
		   ACPI_PM_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN);
	}
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), ACPI_PM1_PWRBTN);
	assert_int_equal(e.poweroffs, 0);
	/* An 8-byte write at the last offset would cover 0..6 if it wrapped. */
	wr(&e, UINT64_MAX, 8, UINT64_MAX);
	wr(&e, UINT64_MAX - 1, 2, UINT64_MAX);
	assert_int_equal(rd(&e, ACPI_PM_PM1_STS, 2), ACPI_PM1_PWRBTN);
	assert_int_equal(rd(&e, ACPI_PM_PM1_EN, 2), ACPI_PM1_PWRBTN);
	assert_int_equal(rd(&e, UINT64_MAX, 8), UINT64_MAX);
	/* Unused bytes and everything past the block read all ones and ignore writes. */
	assert_int_equal(rd(&e, 0x06, 2), 0xFFFF);
	for (uint64_t off = ACPI_PM_IO_LEN; off < 0x100; off++) {
		wr(&e, off, 1, 0xFF);
		assert_int_equal(rd(&e, off, 1), 0xFF);
	}
	/* A read straddling the end: timer bytes 2, 3 (0 at T0), then two unused. */
	assert_int_equal(rd(&e, ACPI_PM_TMR + 2, 4), 0xFFFF0000);
	/* 8-byte read of the first registers: STS, EN, CNT, unused. */
	assert_int_equal(rd(&e, 0, 8), 0xFFFF000000000000ull | (uint64_t)ACPI_PM1_CNT_SCI_EN << 32 |
					       (uint64_t)ACPI_PM1_PWRBTN << 16 | ACPI_PM1_PWRBTN);
	assert_true(e.sci);
	assert_int_equal(e.resets, 0);
}

/* Writing all ones everywhere (a guest scribbling over the block) neither powers off nor
 * resets (SLP_TYP 7 is not S5), and leaves the SCI consistent with status & enable. */
static void test_scribble(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	for (uint64_t off = 0; off < ACPI_PM_IO_LEN + 8; off++)
		for (unsigned size = 1; size <= 8; size *= 2)
			wr(&e, off, size, UINT64_MAX);
	assert_int_equal(e.poweroffs, 0);
	assert_int_equal(e.resets, 0);
	assert_false(e.sci);
	acpi_pm_power_button(&e.pm);
	assert_true(e.sci);
}

/* acpi_pm_init again (a VM reset) brings back power-on state and restarts the timer. */
static void test_reinit(void **state)
{
	struct env e;
	struct hvdev_irq sci = {sci_set, &e, ACPI_PM_SCI_IRQ};
	struct acpi_pm_ops ops = {on_poweroff, on_reset, &e};

	(void)state;
	env_init(&e);
	wr(&e, ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	wr(&e, ACPI_PM_PM1_CNT, 2, 3 << ACPI_PM1_CNT_SLP_TYP_SHIFT);
	acpi_pm_power_button(&e.pm);
	acpi_pm_reset_write(&e.pm, 0x02);
	acpi_pm_init(&e.pm, &sci, &ops, 5000);
	assert_int_equal(acpi_pm_read(&e.pm, 5000, ACPI_PM_PM1_STS, 2), 0);
	assert_int_equal(acpi_pm_read(&e.pm, 5000, ACPI_PM_PM1_EN, 2), 0);
	assert_int_equal(acpi_pm_read(&e.pm, 5000, ACPI_PM_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(acpi_pm_read(&e.pm, 5000, ACPI_PM_TMR, 4), 0);
	assert_int_equal(acpi_pm_read(&e.pm, 5000 + 1000000000, ACPI_PM_TMR, 4), 3579545);
	assert_int_equal(acpi_pm_reset_read(&e.pm), 0);
	/* The SCI was high: after init the model believes it low, and the next event raises it. */
	wr(&e, ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	acpi_pm_power_button(&e.pm);
	assert_true(e.sci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on_state),
		cmocka_unit_test(test_power_button_sci),
		cmocka_unit_test(test_enable_bits),
		cmocka_unit_test(test_s5_poweroff),
		cmocka_unit_test(test_other_sleep_types),
		cmocka_unit_test(test_pm_timer),
		cmocka_unit_test(test_reset_register),
		cmocka_unit_test(test_null_callbacks),
		cmocka_unit_test(test_hostile_access),
		cmocka_unit_test(test_scribble),
		cmocka_unit_test(test_reinit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
