/* Port I/O: the UART's scratch register, the CMOS clock, the PIT, the ACPI PM timer, and what
 * nobody answers. */
#include "lib/guest.h"

#define PM_TMR	     0x608 /* the FADT's PM_TMR_BLK */
#define PM_TMR_HZ    3579545ull
#define PM_TMR_READS 50000 /* the vm suite checks these made no exits: the host's timer */

/* The PM timer counts at its rate (by the TSC).  PM_TMR_READS reads first: the vm suite counts
 * the port-I/O exits. */
static void pm_timer(void)
{
	uint32_t p0, p1;
	uint64_t t0, ticks, want;

	t0 = rdtsc();
	p0 = inl(PM_TMR);
	for (int i = 0; i < PM_TMR_READS; i++)
		(void)inl(PM_TMR);
	delay_us(10000);
	p1 = inl(PM_TMR);
	ticks = (p1 - p0) & 0xffffff;
	want = (rdtsc() - t0) * PM_TMR_HZ / (tsc_khz() * 1000);
	report(ticks + want / 20 > want && ticks < want + want / 20, "pm-timer-rate",
	       "%lu ticks, %lu by the TSC", ticks, want);
}

int guest_main(void)
{
	uint8_t sec, reg_b;
	uint16_t c0, c1;

	outb(0x3f8 + 7, 0x5a);
	report(inb(0x3f8 + 7) == 0x5a, "uart-scratch", NULL);
	report(inb(0x2f8 + 5) == 0xff, "absent-byte", "%#x", inb(0x2f8 + 5));
	report(inw(0x1234) == 0xffff, "absent-word", NULL);
	report(inl(0x5678) == 0xffffffffu, "absent-dword", NULL);
	outb(0x70, 0x0b);
	reg_b = inb(0x71);
	outb(0x70, 0x00);
	sec = inb(0x71);
	report((reg_b & 4) ? sec < 60 : ((sec & 0xf) < 10 && (sec >> 4) < 6), "cmos-seconds",
	       "reg B %#x, seconds %#x", reg_b, sec);
	outb(0x70, 0x0d);
	report(inb(0x71) & 0x80, "cmos-valid-ram", NULL);
	outb(0x43, 0x34); /* counter 0, lobyte/hibyte, mode 2 */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	outb(0x43, 0x00); /* latch counter 0 */
	c0 = inb(0x40);
	c0 |= (uint16_t)inb(0x40) << 8;
	delay_us(2000);
	outb(0x43, 0x00);
	c1 = inb(0x40);
	c1 |= (uint16_t)inb(0x40) << 8;
	report(c0 != c1, "pit-counts", "%u then %u", c0, c1);
	report(tsc_khz() > 1000, "tsc-calibrated", "%lu kHz", tsc_khz());
	pm_timer();
	return guest_summary();
}
