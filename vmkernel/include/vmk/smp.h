/*
 * CPUs: per-CPU data reached through GS, bring-up of application processors, cross-CPU calls.
 */
#ifndef VMK_SMP_H
#define VMK_SMP_H

#include <stdint.h>
#include <stdbool.h>
#include <arch/cpu_local.h>

#define MAX_CPUS 64

/* Every CPU the kernel knows, indexed by logical id (0 = boot CPU). */
extern struct cpu *cpus[MAX_CPUS];
extern unsigned ncpus_online;

/* Start every enabled CPU in the MADT (INIT-SIPI-SIPI); returns how many are online. */
unsigned smp_boot_aps(void);

/* Run fn(arg) on every online CPU except this one (in interrupt context there); wait until all
 * have run it.  Callable with interrupts on or off, from any CPU. */
void smp_call_others(void (*fn)(void *), void *arg);
/* Same, on one CPU by logical id; returns -EINVAL if it is not online. */
int smp_call_one(unsigned cpu, void (*fn)(void *), void *arg);

/* Invalidate [va, va+npages*4K) on every CPU (this one included). */
void tlb_shootdown(uintptr_t va, unsigned long npages);

/* Stop every other CPU with an NMI (panic, power-off); idempotent. */
void smp_stop_others(void);
/* True once smp_stop_others() has been called: the NMI handler then parks its CPU. */
bool smp_stopping(void);

#endif
