/*
 * Local APIC (xAPIC in MMIO mode) virtual device model: one per vCPU.
 *
 * Emulates the registers of the 4 KiB page at 0xFEE00000 as a Pentium 4 / Xeon class integrated
 * APIC presents them (version 0x14, 6 LVT entries: version register 0x00050014): ID, version,
 * TPR, APR (reads 0), PPR (computed from TPR and the highest ISR vector), EOI, RRD (reads 0),
 * LDR, DFR, SVR (software enable), ISR/TMR/IRR, ESR (write-then-read: a write latches the errors
 * seen since the previous write), ICR (delivery status always idle: an IPI is handed to the
 * platform at once), the LVT timer/thermal/perf/LINT0/LINT1/error entries, and the timer
 * (initial count, current count, divide configuration) in one-shot, periodic and TSC-deadline
 * modes.  Also the IA32_APIC_BASE (0x1B) and IA32_TSC_DEADLINE (0x6E0) MSRs.
 *
 * Choices where the datasheets leave room or where a VM differs from a board:
 *  - The timer clock is 1 GHz divided by the divide configuration: one tick of the count is
 *    `divisor` nanoseconds.  The platform reports this rate to the guest if it asks (with
 *    TSC-deadline offered, Linux does not calibrate the APIC timer).  A periodic period shorter
 *    than LAPIC_TIMER_MIN_PERIOD_NS is stretched to it (as KVM does) so that a guest cannot make
 *    the host spin; the current count then stays within [0, initial count].
 *  - Changing the divide configuration while the timer runs keeps the current count and counts
 *    the rest at the new rate.  Switching the LVT timer into or out of TSC-deadline mode disarms
 *    the timer and clears the initial count and the deadline (SDM; KVM does the same).  The
 *    reserved timer mode 11b stops the timer.
 *  - 32-bit accesses at 16-byte-aligned offsets only; any other size, or an offset that is not
 *    16-byte aligned or lies outside the page, reads 0, is ignored on write and is counted in
 *    `bad_access`.  Reserved registers read 0 and ignore writes (ESR "illegal register address"
 *    is not raised, as in KVM).  Read-only registers ignore writes.
 *  - The APIC ID is read-only (the platform assigns it; MADT and routing rely on it).
 *  - While the APIC is software-disabled (SVR bit 8 clear) every LVT entry is masked and stays
 *    masked on writes (SDM 10.4.7.2), fixed interrupts are dropped (counted in `irq_dropped`),
 *    interrupts already in the IRR are held (vlapic_pending() reports none), and the LINT pins
 *    pass straight through: LINT0 as INTR (the PIC reaches the CPU, the virtual-wire state a
 *    BIOS leaves, which Linux expects before it sets the APIC up) and LINT1 as NMI.  The same
 *    holds while the APIC is hardware-disabled (IA32_APIC_BASE bit 11 clear), where MMIO reads
 *    return all ones, writes are ignored and nothing is accepted.
 *  - Hardware-disabling the APIC resets it to its power-up state, so re-enabling it finds the
 *    power-up state (SDM 10.4.3).  The BSP flag of IA32_APIC_BASE is read-only.
 *  - Error interrupts: each error (send or receive illegal vector) sets the LVT error vector in
 *    the IRR unless masked; an error vector below 16 records "received illegal vector" instead.
 *
 * Left out: x2APIC, the LVT CMCI entry (0x2F0 is reserved: 6 LVT entries), directed EOI / EOI
 * broadcast suppression (SVR bit 12 reads 0), focus-processor checking (SVR bit 9 is stored and
 * ignored), SMI and INIT delivered through a LINT pin (ignored), lowest-priority arbitration
 * (the platform picks the destination), the ESR checksum/accept errors, the thermal and
 * performance-counter interrupt sources (their LVT entries are plain storage), spurious
 * interrupts, and the LINT polarity bit (callers pass the pin's logical assertion).
 *
 * Not thread-safe: the caller holds one lock around every call.  Callbacks are made with that
 * lock held and are always the last thing a function does, so a callback may call back into
 * the same model (for instance an ICR write to "all including self" whose ipi callback calls
 * vlapic_set_irq() on the sender, or an EOI whose eoi callback lets the I/O APIC re-deliver into
 * this APIC).
 */
#ifndef HV_LAPIC_H
#define HV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/dev.h>

#define LAPIC_BASE_ADDR	       0xfee00000u /* the only base IA32_APIC_BASE accepts */
#define LAPIC_MMIO_SIZE	       0x1000u
#define LAPIC_MSR_APIC_BASE    0x1bu
#define LAPIC_MSR_TSC_DEADLINE 0x6e0u

/* IA32_APIC_BASE bits. */
#define LAPIC_BASE_BSP	  (1ull << 8)
#define LAPIC_BASE_X2APIC (1ull << 10) /* refused: no x2APIC */
#define LAPIC_BASE_ENABLE (1ull << 11)

#define LAPIC_VERSION		  0x00050014u /* max LVT entry 5 (6 entries), version 0x14 */
#define LAPIC_TIMER_MIN_PERIOD_NS 100000u     /* shortest periodic period: 100 us */

/* Register offsets in the page. */
#define LAPIC_REG_ID	  0x020
#define LAPIC_REG_VERSION 0x030
#define LAPIC_REG_TPR	  0x080
#define LAPIC_REG_APR	  0x090
#define LAPIC_REG_PPR	  0x0a0
#define LAPIC_REG_EOI	  0x0b0
#define LAPIC_REG_RRD	  0x0c0
#define LAPIC_REG_LDR	  0x0d0
#define LAPIC_REG_DFR	  0x0e0
#define LAPIC_REG_SVR	  0x0f0
#define LAPIC_REG_ISR	  0x100 /* 8 registers, 0x100..0x170 */
#define LAPIC_REG_TMR	  0x180 /* 8 registers, 0x180..0x1f0 */
#define LAPIC_REG_IRR	  0x200 /* 8 registers, 0x200..0x270 */
#define LAPIC_REG_ESR	  0x280
#define LAPIC_REG_ICR_LO  0x300
#define LAPIC_REG_ICR_HI  0x310
#define LAPIC_REG_LVT	  0x320 /* 6 entries, 0x320..0x370, in enum vlapic_lvt order */
#define LAPIC_REG_TMICT	  0x380
#define LAPIC_REG_TMCCT	  0x390
#define LAPIC_REG_TDCR	  0x3e0

enum vlapic_lvt {
	LAPIC_LVT_TIMER,
	LAPIC_LVT_THERMAL,
	LAPIC_LVT_PERF,
	LAPIC_LVT_LINT0,
	LAPIC_LVT_LINT1,
	LAPIC_LVT_ERROR,
	LAPIC_NLVT
};

/* Register bits. */
#define LAPIC_SVR_ENABLE     (1u << 8)
#define LAPIC_LVT_MASKED     (1u << 16)
#define LAPIC_LVT_LEVEL	     (1u << 15) /* trigger mode (LINT entries) */
#define LAPIC_LVT_REMOTE_IRR (1u << 14) /* read-only (LINT entries) */
#define LAPIC_TIMER_ONESHOT  (0u << 17)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_TSC	     (2u << 17)
#define LAPIC_ESR_SEND_ILL   (1u << 5) /* sent an illegal vector (< 16) */
#define LAPIC_ESR_RECV_ILL   (1u << 6) /* received or generated an illegal vector */

/* Delivery modes: LVT and ICR bits 8-10; LAPIC_DM_INIT_DEASSERT is the model's own code. */
#define LAPIC_DM_FIXED	       0
#define LAPIC_DM_LOWEST	       1
#define LAPIC_DM_SMI	       2
#define LAPIC_DM_NMI	       4
#define LAPIC_DM_INIT	       5
#define LAPIC_DM_SIPI	       6
#define LAPIC_DM_EXTINT	       7
#define LAPIC_DM_INIT_DEASSERT 8 /* ICR INIT with level 0, trigger level: no effect today */

/* ICR destination shorthands (bits 18-19). */
#define LAPIC_SH_NONE	0 /* use dest and logical */
#define LAPIC_SH_SELF	1 /* handled inside the model, never passed to ipi() */
#define LAPIC_SH_ALL	2 /* all including self */
#define LAPIC_SH_OTHERS 3 /* all excluding self */

/* An inter-processor interrupt the guest sent by writing ICR low; the platform routes it. */
struct vlapic_ipi {
	uint8_t delivery;   /* LAPIC_DM_FIXED, _LOWEST, _SMI, _NMI, _INIT, _INIT_DEASSERT, _SIPI */
	uint8_t vector;	    /* fixed/lowest: the vector (>= 16); SIPI: the start page */
	uint8_t dest;	    /* ICR high bits 24-31, for LAPIC_SH_NONE */
	uint8_t shorthand;  /* LAPIC_SH_NONE, _ALL or _OTHERS */
	bool logical;	    /* destination mode: logical (match with vlapic_match_dest) */
	bool level;	    /* ICR level bit: assert */
	bool trigger_level; /* ICR trigger mode bit */
	uint8_t src_id;	    /* the sender's APIC ID */
};

/* Side effects, set at init; any pointer may be NULL (that effect is then dropped). */
struct vlapic_callbacks {
	/* The guest wrote ICR low: deliver to the destinations (for fixed: vlapic_set_irq() on each
	 * match, edge unless trigger_level; lowest priority: any one match, e.g. the first; NMI:
	 * inject NMI; INIT: vlapic_reset() and hold the vCPU for SIPI; SIPI: start a vCPU held for
	 * SIPI at vector << 12; INIT_DEASSERT and SMI: ignore). */
	void (*ipi)(void *ctx, const struct vlapic_ipi *ipi);
	/* The guest EOI'd a level-triggered vector (its TMR bit was set): call vioapic_eoi(). */
	void (*eoi)(void *ctx, uint8_t vector);
	/* LINT0/LINT1 in NMI mode (or LINT1 passed through) saw a rising edge: inject NMI. */
	void (*nmi)(void *ctx);
	void *ctx;
};

/* The state; the caller embeds it.  Fields are private to lapic.c except the counters. */
struct vlapic {
	struct vlapic_callbacks cb;
	uint8_t id;
	bool bsp;
	bool hw_enabled; /* IA32_APIC_BASE bit 11 */
	bool lint_level[2];
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr;	      /* what the guest reads: latched by its last ESR write */
	uint32_t esr_pending; /* errors since that write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LAPIC_NLVT];
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t tmict, tdcr;
	uint64_t timer_deadline; /* next expiry in ns, HVDEV_NEVER when not armed */
	uint64_t tsc_deadline;	 /* IA32_TSC_DEADLINE as written, 0 when disarmed */
	/* Counters (diagnostics; never reset but by vlapic_init). */
	uint64_t bad_access;  /* MMIO of a wrong size or alignment */
	uint64_t irq_dropped; /* fixed interrupts refused: illegal vector or APIC disabled */
	uint64_t ipi_dropped; /* ICR writes with a reserved or unsupported mode: nothing sent */
	uint64_t timer_fired; /* timer expiries, masked or not */
};

/*
 * Initialise `l` as after power-up: APIC ID `apic_id`, IA32_APIC_BASE = 0xFEE00000 with the
 * enable bit and, when `bsp`, the BSP bit; software-disabled; all LVT entries masked.  `cb` is
 * copied (NULL for none).
 */
void vlapic_init(struct vlapic *l, uint8_t apic_id, bool bsp, const struct vlapic_callbacks *cb);

/*
 * INIT (an INIT IPI or the platform's reset): registers to their power-up/INIT values (SDM
 * 10.4.7.1/3): IRR, ISR, TMR, ICR, LDR, TPR, ESR, timer counts and divide configuration 0, DFR
 * all ones, SVR 0xFF (software-disabled), LVT entries masked, timer and TSC deadline disarmed.
 * The APIC ID, IA32_APIC_BASE, the LINT pin levels and the counters are kept.
 */
void vlapic_reset(struct vlapic *l);

/*
 * MMIO read at `off` bytes into the page, `size` bytes, at time `now` (ns; the current count
 * depends on it).  Returns the value, zero-extended (see the choices above for bad accesses).
 */
uint64_t vlapic_read(struct vlapic *l, uint64_t off, unsigned size, uint64_t now);

/*
 * MMIO write of `val` (`size` bytes) at `off`, at time `now`.  May call any callback: ipi (ICR
 * low), eoi (EOI).  Arming the timer changes the deadline: the platform calls vlapic_poll()
 * afterwards to learn it.
 */
void vlapic_write(struct vlapic *l, uint64_t off, unsigned size, uint64_t val, uint64_t now);

/* IA32_APIC_BASE: the value a RDMSR returns (base, enable bit, BSP bit). */
uint64_t vlapic_read_base(const struct vlapic *l);

/*
 * WRMSR IA32_APIC_BASE.  Returns 0, or -EINVAL (the caller injects #GP) when `val` moves the
 * base from 0xFEE00000, sets the x2APIC bit (10) or any reserved bit; the BSP bit (8) is
 * ignored.  Clearing the enable bit (11) hardware-disables the APIC and resets it (see above);
 * the platform should then also clear CPUID.01H:EDX.APIC[9] for this vCPU.
 */
int vlapic_write_base(struct vlapic *l, uint64_t val);

/*
 * WRMSR IA32_TSC_DEADLINE: `raw_tsc_value` is what the guest wrote, `deadline_ns` the caller's
 * conversion of it to the `now` clock.  Ignored unless the LVT timer is in TSC-deadline mode and
 * the APIC is hardware-enabled.  A raw value of 0 disarms; a deadline at or before `now` fires
 * at the next vlapic_poll().  The platform calls vlapic_poll() afterwards to learn the deadline.
 */
void vlapic_write_tsc_deadline(struct vlapic *l, uint64_t deadline_ns, uint64_t raw_tsc_value);

/* RDMSR IA32_TSC_DEADLINE: the armed raw value; 0 once fired, when disarmed, or when the LVT
 * timer is not in TSC-deadline mode. */
uint64_t vlapic_read_tsc_deadline(const struct vlapic *l);

/*
 * Run the timer up to `now`: if it is due, set the LVT timer vector in the IRR (edge) unless
 * masked, then disarm (one-shot, TSC-deadline: the MSR reads 0 afterwards) or reload (periodic:
 * the next period boundary after `now`; periods missed while the vCPU did not run collapse into
 * one interrupt).  Returns the next deadline in ns, HVDEV_NEVER if none.  The platform calls it
 * before each guest entry and when the deadline it returned passes.
 */
uint64_t vlapic_poll(struct vlapic *l, uint64_t now);

/*
 * Accept a fixed interrupt (from the I/O APIC, an IPI, an MSI): set `vector` in the IRR and its
 * TMR bit to `level_triggered`.  Returns true if accepted; false when the vector is illegal
 * (< 16: ESR "received illegal vector" is recorded, the error LVT may fire) or out of range, or
 * the APIC is software- or hardware-disabled.  The I/O APIC leaves its remote IRR clear when no
 * APIC accepted a level interrupt, so the platform passes this result back.  The caller then
 * kicks the vCPU if it is not running.
 */
bool vlapic_set_irq(struct vlapic *l, unsigned vector, bool level_triggered);

/*
 * The vector to inject now: the highest IRR vector whose priority class (vector >> 4) is above
 * PPR's, or -1 (none, or the APIC disabled).  The platform checks it before each guest entry
 * and injects when the guest can take an interrupt.
 */
int vlapic_pending(const struct vlapic *l);

/* The platform injected `vector` (from vlapic_pending()): move it from IRR to ISR.  Ignored if
 * the vector is not in the IRR. */
void vlapic_ack(struct vlapic *l, unsigned vector);

/* Return codes of vlapic_lint(). */
#define LAPIC_LINT_NONE	     0 /* nothing to do */
#define LAPIC_LINT_DELIVERED 1 /* done: a fixed vector in the IRR, or the nmi callback made */
#define LAPIC_LINT_EXTINT    2 /* INTR: ask the PIC for the vector and inject it directly */

/*
 * The LINT `pin` (0 or 1) is now at logical `level` (asserted or not; the LVT polarity bit is
 * not applied).  Delivers per the LVT entry: masked: nothing; fixed: edge-triggered on the
 * rising edge, level-triggered while asserted and remote IRR clear (set until the vector's EOI,
 * which re-delivers if the pin is still asserted); NMI: the nmi callback on the rising edge;
 * ExtINT: returns LAPIC_LINT_EXTINT while asserted (the PIC's vector bypasses IRR, ISR and PPR);
 * SMI, INIT, reserved: nothing.  While the APIC is software- or hardware-disabled LINT0 passes
 * through as INTR (LAPIC_LINT_EXTINT while asserted) and LINT1 as NMI (rising edge).  Returns a
 * LAPIC_LINT_* code, or -EINVAL for a pin other than 0 or 1.  The platform wires the PIC's INTR
 * output to the BSP's LINT0 and calls this on each change of it.
 */
int vlapic_lint(struct vlapic *l, unsigned pin, bool level);

/*
 * Whether the PIC's INTR output reaches this CPU: LINT0 unmasked in ExtINT mode, or the APIC
 * software- or hardware-disabled (INTR passes straight through).  The platform asks it when
 * deciding whether to request an interrupt window for the PIC.
 */
bool vlapic_extint_enabled(const struct vlapic *l);

/*
 * Whether this APIC is a destination of `dest` (an IPI's or I/O APIC entry's destination
 * field).  Physical (`logical` false): dest equals the APIC ID, or 0xFF (broadcast).  Logical:
 * 0xFF (broadcast), else by the DFR model: flat (DFR 0xFFFFFFFF): dest & LDR[31:24] != 0;
 * cluster (DFR 0x0FFFFFFF): LDR[31:28] == dest[7:4] and LDR[27:24] & dest[3:0] != 0; any other
 * DFR matches nothing.  False while the APIC is hardware-disabled.  A software-disabled APIC
 * still matches (it accepts NMI, INIT and SIPI).
 */
bool vlapic_match_dest(const struct vlapic *l, uint8_t dest, bool logical);

#endif
