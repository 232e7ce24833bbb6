/*
 * Clocks: the TSC is calibrated once against the HPET main counter (or, without an HPET,
 * PIT channel 2), then serves time_ns() and udelay().  The LAPIC timer gives each CPU a
 * periodic tick at TIMER_HZ.
 */
#define LOG_TAG "clock"
#include <vmk/time.h>
#include <vmk/compiler.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/smp.h>
#include <vmk/world.h>
#include <vmk/sched_policy.h>
#include <arch/cpu.h>
#include <arch/apic.h>
#include <arch/trap.h>
#include <arch/cpu_local.h>

#define HPET_CAP     0x000
#define HPET_CONFIG  0x010
#define HPET_COUNTER 0x0f0
#define PIT_HZ	     1193182

static uint64_t tsc_freq; /* Hz */
static uint64_t tsc_mult; /* ns = delta * tsc_mult >> 32 */
static uint64_t tsc_boot; /* TSC at calibration */
static volatile uint8_t *hpet;
static uint64_t hpet_period_fs;
static const char *reference = "none";

/* How early a one-shot already set may come and still be kept: a little for a deadline
 * (its timer), up to half a slice when it only bounds the time without a tick. */
#define DEFER_SLACK_NS	20000ull
#define DEFER_SLACK_CAP (SCHED_SLICE_NS / 2)

void timer_tick_defer(uint64_t deadline)
{
	struct cpu *c = this_cpu();
	uint64_t now = time_ns(), cap = now + SCHED_SLICE_NS, until = sched_next_event();
	uint64_t slack = DEFER_SLACK_NS;

	if (deadline < until)
		until = deadline;
	if (cap < until) {
		until = cap;
		slack = DEFER_SLACK_CAP;
	}
	/* Already set to fire in time, and not much early: as most exits find it. */
	if (c->tick_deferred && c->tick_deferred <= until && c->tick_deferred + slack >= until)
		return;
	lapic_timer_oneshot(VEC_TIMER, until > now ? until - now : 0);
	c->tick_deferred = until;
}

void timer_tick_resume(void)
{
	struct cpu *c = this_cpu();

	if (c->tick_deferred) {
		lapic_timer_start(VEC_TIMER, lapic_timer_hz(), TIMER_HZ);
		c->tick_deferred = 0;
	}
}

uint64_t tsc_hz(void)
{
	return tsc_freq;
}

uint64_t tsc_to_ns(uint64_t delta)
{
	return (uint64_t)(((unsigned __int128)delta * tsc_mult) >> 32);
}

uint64_t time_ns(void)
{
	return tsc_freq ? tsc_to_ns(rdtsc() - tsc_boot) : 0;
}

const char *clock_reference(void)
{
	return reference;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_freq / 1000000;

	while (rdtsc() < end)
		cpu_relax();
}

static uint64_t hpet_counter(void)
{
	return *(volatile uint64_t *)(hpet + HPET_COUNTER);
}

uint64_t hpet_ns(void)
{
	if (!hpet)
		return 0;
	uint64_t c = hpet_counter();

	/* fs -> ns in two parts, so no 128-bit division is needed */
	return c / 1000000 * hpet_period_fs + c % 1000000 * hpet_period_fs / 1000000;
}

static bool hpet_setup(uint64_t phys)
{
	if (!phys)
		return false;
	hpet = vm_map_phys(phys, 1024, VM_WRITE | VM_MMIO);
	if (!hpet)
		return false;
	hpet_period_fs = *(volatile uint64_t *)(hpet + HPET_CAP) >> 32;
	if (hpet_period_fs == 0 || hpet_period_fs > 100000000) { /* spec: <= 100 ns */
		hpet = NULL;
		return false;
	}
	*(volatile uint64_t *)(hpet + HPET_CONFIG) |= 1; /* counter on, legacy routing off */
	return true;
}

/* TSC ticks during `ms` milliseconds measured by the HPET. */
static uint64_t tsc_vs_hpet(unsigned ms)
{
	uint64_t ticks = (uint64_t)ms * 1000000000000ull / hpet_period_fs;
	uint64_t h0 = hpet_counter(), t0 = rdtsc();

	while (hpet_counter() - h0 < ticks)
		cpu_relax();
	return (rdtsc() - t0) * 1000 / ms;
}

/* TSC ticks during `ms` milliseconds of PIT channel 2 counting down (gate via port 0x61). */
static uint64_t tsc_vs_pit(unsigned ms)
{
	uint32_t count = PIT_HZ * ms / 1000;
	uint64_t t0, t1;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20)) /* OUT2 goes high at terminal count */
		cpu_relax();
	t1 = rdtsc();
	return (t1 - t0) * 1000 / ms;
}

void clock_init(uint64_t hpet_phys)
{
	uint64_t f[3];

	if (hpet_setup(hpet_phys))
		reference = "hpet";
	else
		reference = "pit";
	/* The median of three runs, so one disturbed run does not count. */
	for (int i = 0; i < 3; i++)
		f[i] = hpet ? tsc_vs_hpet(20) : tsc_vs_pit(20);
	tsc_freq = MAX(MIN(f[0], f[1]), MIN(MAX(f[0], f[1]), f[2]));
	tsc_mult = (NSEC_PER_SEC << 32) / tsc_freq;
	tsc_boot = rdtsc();
	log_info("TSC %lu.%03lu MHz (calibrated against the %s)%s", tsc_freq / 1000000,
		 (tsc_freq / 1000) % 1000, reference, cpu_feat.invariant_tsc ? ", invariant" : "");
}

void timer_sleep_ticks(uint64_t ticks)
{
	struct cpu *c = this_cpu();
	uint64_t end = c->ticks + ticks;

	while (c->ticks < end)
		cpu_idle();
}
