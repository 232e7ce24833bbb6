/* Local APIC in xAPIC mode (TCG offers no x2APIC): EOI, IPIs and the per-CPU timer. */
#define LOG_TAG "apic"
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <vmk/mm.h>
#include <vmk/panic.h>
#include <vmk/time.h>

enum {
	LAPIC_ID = 0x20,
	LAPIC_TPR = 0x80,
	LAPIC_EOI = 0xb0,
	LAPIC_SVR = 0xf0,
	LAPIC_ICR_LO = 0x300,
	LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_INIT = 0x380,
	LAPIC_TIMER_CUR = 0x390,
	LAPIC_TIMER_DIV = 0x3e0,
};
#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define ICR_PENDING  (1u << 12)

static volatile uint8_t *lapic;
static uint64_t timer_hz;

static inline uint32_t lapic_read(unsigned reg)
{
	return *(volatile uint32_t *)(lapic + reg);
}

static inline void lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(lapic + reg) = v;
}

void lapic_map(uint64_t phys)
{
	lapic = vm_map_phys(phys, 4096, VM_WRITE | VM_MMIO);
	if (!lapic)
		panic("cannot map the local APIC at %#lx", phys);
}

void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | (1u << 11)); /* global enable (xAPIC) */
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_send_ipi(uint32_t apic_id, uint32_t icr)
{
	uint64_t f = irq_save();

	for (int i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	irq_restore(f);
}

uint64_t lapic_timer_measure(uint64_t us)
{
	uint32_t start = 0xffffffff, left;
	uint64_t t0, t1;

	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	t0 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, start);
	udelay(us);
	left = lapic_read(LAPIC_TIMER_CUR);
	t1 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, 0);
	/* Scale to one second by the interval the TSC saw. */
	return (uint64_t)(start - left) * NSEC_PER_SEC / tsc_to_ns(t1 - t0);
}

void lapic_timer_set_hz(uint64_t hz)
{
	timer_hz = hz;
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

void lapic_timer_oneshot(uint32_t vector, uint64_t ns)
{
	uint64_t count = (ns < NSEC_PER_SEC ? ns : NSEC_PER_SEC) * timer_hz / NSEC_PER_SEC;

	lapic_write(LAPIC_LVT_TIMER, vector);
	lapic_write(LAPIC_TIMER_INIT, count < 1 ? 1 : (uint32_t)count);
}

/* One sample: the periodic count's fall over a quarter of a tick against the TSC, scaled to
 * the programmed count; 0 when the count reloaded meanwhile or the CPU was away too long. */
static uint64_t period_sample(uint32_t init)
{
	uint64_t f = irq_save(), t0, t1, ns;
	uint32_t c0, c1;

	c0 = lapic_read(LAPIC_TIMER_CUR);
	t0 = rdtsc();
	udelay(1000000 / TIMER_HZ / 4);
	c1 = lapic_read(LAPIC_TIMER_CUR);
	t1 = rdtsc();
	irq_restore(f);
	ns = tsc_to_ns(t1 - t0);
	if (c1 >= c0 || !ns || ns > NSEC_PER_SEC / TIMER_HZ / 2)
		return 0;
	return (uint64_t)init * ns / (c0 - c1);
}

uint64_t lapic_timer_period_ns(void)
{
	uint32_t init = lapic_read(LAPIC_TIMER_INIT);
	uint64_t s[5];
	int n = 0;

	for (int tries = 0; tries < 50 && n < 5 && init; tries++)
		if ((s[n] = period_sample(init)))
			n++;
	if (!n)
		return 0;
	for (int i = 1; i < n; i++) /* the median */
		for (int j = i; j > 0 && s[j - 1] > s[j]; j--) {
			uint64_t x = s[j];

			s[j] = s[j - 1];
			s[j - 1] = x;
		}
	return s[n / 2];
}

/* The count before the mode: after a one-shot, periodic with the one-shot's (maybe tiny)
 * count even for a moment would fire as fast as the timer counts (QEMU then spends all its
 * time in the timer). */
void lapic_timer_start(uint32_t vector, uint64_t counter_hz, unsigned hz)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)(counter_hz / hz));
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | vector);
}
