/* Interrupts and timers: the LAPIC timer (one-shot, periodic, TSC-deadline), HLT woken by
 * it, and the PIT's IRQ 0 through the I/O APIC. */
#include "lib/guest.h"

#define VEC_TIMER 0x40
#define VEC_PIT	  0x41

static void eoi(struct trap_frame *f)
{
	(void)f;
	mmio_write32(LAPIC + 0xb0, 0);
}

static bool wait_count(uint8_t vec, uint64_t want, uint64_t ms, uint64_t *seen)
{
	uint64_t end = rdtsc() + tsc_khz() * ms;

	while (irq_count[vec] < want && rdtsc() < end)
		__asm__ volatile("sti; hlt; cli");
	*seen = irq_count[vec];
	return *seen >= want;
}

int guest_main(void)
{
	uint64_t t0, t1, n, seen;
	bool ok;

	set_handler(VEC_TIMER, eoi);
	set_handler(VEC_PIT, eoi);
	tsc_khz();
	mmio_write32(LAPIC + 0xf0, 0x1ff);	/* software enable, spurious 0xff */
	mmio_write32(LAPIC + 0x3e0, 0xb);	/* divide by 1 */
	mmio_write32(LAPIC + 0x320, VEC_TIMER); /* one-shot */
	mmio_write32(LAPIC + 0x380, 1000000);
	ok = wait_count(VEC_TIMER, 1, 2000, &seen);
	report(ok, "oneshot", "%lu interrupt", seen);
	delay_us(20000);
	report(irq_count[VEC_TIMER] == 1, "oneshot-once", "%lu", irq_count[VEC_TIMER]);
	mmio_write32(LAPIC + 0x320, VEC_TIMER | (1u << 17)); /* periodic */
	mmio_write32(LAPIC + 0x380, 2000000);
	t0 = rdtsc();
	ok = wait_count(VEC_TIMER, 11, 5000, &seen);
	report(ok, "periodic", "%lu interrupts", seen - 1);
	t1 = rdtsc();
	mmio_write32(LAPIC + 0x380, 0); /* stop */
	n = irq_count[VEC_TIMER];
	delay_us(20000);
	report(irq_count[VEC_TIMER] == n, "stopped", NULL);
	report((t1 - t0) / tsc_khz() >= 15, "periodic-not-early", "10 periods of 2 ms in %lu ms",
	       (t1 - t0) / tsc_khz());
	mmio_write32(LAPIC + 0x320, VEC_TIMER | (2u << 17)); /* TSC-deadline */
	wrmsr(0x6e0, rdtsc() + tsc_khz() * 5);
	ok = wait_count(VEC_TIMER, n + 1, 2000, &seen);
	report(ok, "tsc-deadline", NULL);
	/* The PIT's IRQ 0 arrives at I/O APIC pin 2 (the MADT's override). */
	mmio_write32(IOAPIC, 0x10 + 2 * 2 + 1);
	mmio_write32(IOAPIC + 0x10, 0); /* destination APIC 0 */
	mmio_write32(IOAPIC, 0x10 + 2 * 2);
	mmio_write32(IOAPIC + 0x10, VEC_PIT); /* edge, fixed, unmasked */
	outb(0x43, 0x34);
	outb(0x40, 11932 & 0xff); /* 100 Hz */
	outb(0x40, 11932 >> 8);
	ok = wait_count(VEC_PIT, 5, 3000, &seen);
	report(ok, "pit-irq0-ioapic", "%lu interrupts", seen);
	mmio_write32(IOAPIC, 0x10 + 2 * 2);
	mmio_write32(IOAPIC + 0x10, 1u << 16); /* masked */
	return guest_summary();
}
