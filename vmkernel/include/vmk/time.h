/*
 * Time: the TSC is the clock (calibrated at boot against the HPET or the PIT); each CPU's
 * LAPIC timer ticks at TIMER_HZ.  1000 Hz: a halted vCPU's timers (hv/) are due at most a tick
 * late, and Linux guests check that their timer ticks at its own HZ.  While a CPU runs a
 * guest the tick is deferred to the guest's next timer (timer_tick_defer).  Userworlds see
 * USER_HZ, Linux's fixed unit of /proc and AT_CLKTCK.
 */
#ifndef VMK_TIME_H
#define VMK_TIME_H

#include <stdint.h>

#define TIMER_HZ     1000
#define USER_HZ	     100
#define NSEC_PER_SEC 1000000000ul

/* Nanoseconds since the TSC was calibrated (0 before). */
uint64_t time_ns(void);
uint64_t tsc_hz(void);
/* Convert a TSC difference to nanoseconds. */
uint64_t tsc_to_ns(uint64_t delta);
/* Busy-wait; works before interrupts are on. */
void udelay(uint64_t us);
/* Sleep by counting this CPU's timer ticks (halts between them); needs interrupts on. */
void timer_sleep_ticks(uint64_t ticks);
/* Calibrate the TSC against the HPET (preferred) or the PIT. */
void clock_init(uint64_t hpet_phys);
/* Reference clock used for calibration: "hpet" or "pit". */
const char *clock_reference(void);
/* HPET main counter in nanoseconds, or 0 without an HPET (self-tests cross-check with it). */
uint64_t hpet_ns(void);
/*
 * Before this CPU enters a guest (interrupts off): take the next timer interrupt at deadline
 * (time_ns; the guest's next timer) or when the scheduler needs this CPU (sched_next_event),
 * at the latest a scheduler slice from now, instead of at every tick.  Every timer interrupt
 * ends a guest's run, so this spares a running guest TIMER_HZ exits a second and delivers its
 * timers on time.  The one shot stays set across exits that do not change it (no timer
 * writes for them); the tick comes back (timer_tick_resume) when it fires and when the CPU
 * switches worlds.
 */
void timer_tick_defer(uint64_t deadline);
void timer_tick_resume(void);

#endif
