/* Local APIC (xAPIC, MMIO), IOAPIC and the legacy 8259 PIC. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdint.h>
#include <stdbool.h>

#define ICR_INIT	 0x00000500
#define ICR_STARTUP	 0x00000600
#define ICR_NMI		 0x00000400
#define ICR_FIXED	 0x00000000
#define ICR_ASSERT	 0x00004000
#define ICR_LEVEL	 0x00008000
#define ICR_ALL_BUT_SELF 0x000c0000

/* Map the LAPIC registers (physical base from the MADT). */
void lapic_map(uint64_t phys);
/* Enable this CPU's LAPIC: spurious vector, task priority 0, LINT0/1 masked. */
void lapic_enable(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Send an IPI: dest APIC id and ICR low bits (vector | delivery mode | shorthand). */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr);

/* Timer: the LAPIC timer's rate (divide by 16) in Hz, measured over `us` microseconds. */
uint64_t lapic_timer_measure(uint64_t us);
/* Periodic timer on this CPU at hz, given the counter frequency measured at boot (also after
 * a one-shot). */
void lapic_timer_start(uint32_t vector, uint64_t counter_hz, unsigned hz);
uint64_t lapic_timer_hz(void);
/* The period of this CPU's periodic timer in ns, read from its own count against the TSC
 * (interrupts that come late or not at all do not change it); 0 if no sample was clean. */
uint64_t lapic_timer_period_ns(void);
void lapic_timer_set_hz(uint64_t hz);
/* This CPU's timer fires once, in ns (at least one count, at most a second), and then no more
 * until lapic_timer_start: not periodic, so a short wait cannot turn into a flood. */
void lapic_timer_oneshot(uint32_t vector, uint64_t ns);

/* Mask every 8259 input (Keel uses the IOAPIC). */
void pic_disable(void);

/* Map an IOAPIC and mask all its pins; returns its pin count. */
unsigned ioapic_init(uint64_t phys, uint32_t gsi_base);

/*
 * Route global system interrupt @gsi to IDT @vector (>= 0x20) on the LAPIC @apic_id (physical
 * destination, fixed delivery), edge or @level triggered, active high or @active_low, and
 * unmask it. -EINVAL when no IOAPIC has @gsi. Any context (takes the IOAPIC spinlock).
 */
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low);
/* Mask or unmask @gsi's entry, keeping its routing; -EINVAL when no IOAPIC has it. */
int ioapic_set_masked(uint32_t gsi, bool masked);

#endif
