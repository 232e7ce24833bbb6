/*
 * I/O APIC virtual device model: an 82093AA-style I/O APIC with 24 pins and the EOI register.
 *
 * Emulates the MMIO page at 0xFEC00000: IOREGSEL (0x00), IOWIN (0x10) and the EOI register
 * (0x40, present from version 0x20), and behind IOWIN the ID (index 0, bits 24-27), version
 * (index 1: 0x00170020, 24 entries, version 0x20), arbitration ID (index 2, reads the ID) and
 * the 24 redirection entries (index 0x10 + 2 * pin: low half, + 1: high half).
 *
 * Pin semantics:
 *  - vioapic_set_irq() takes the pin's logical assertion: the caller passes "asserted", whatever
 *    the wire's electrical polarity; the entry's polarity bit (13) is stored for the guest and
 *    otherwise ignored.  (Linux programs ISA pins active high and the SCI and PCI INTx pins
 *    active low; with logical levels the devices need not know which.)
 *  - Edge-triggered pins deliver on each rising edge while unmasked; an edge while masked is
 *    lost.  Level-triggered pins deliver while asserted, unmasked and remote IRR clear, and set
 *    remote IRR; an EOI for the entry's vector (vioapic_eoi(), from a local APIC EOI of a vector
 *    whose TMR bit was set or from the EOI register) clears remote IRR and re-delivers if the
 *    line is still asserted.  Unmasking (or reprogramming as level) an entry whose line is
 *    asserted delivers it.  Reprogramming an entry as edge clears its remote IRR (as the chips
 *    without an EOI register do, which older kernels rely on).
 *  - Delivery is immediate: the delivery-status bit (12) always reads idle.  Remote IRR is set
 *    only when the deliver callback reports that at least one local APIC accepted the message,
 *    so a level interrupt sent to no one (or to a disabled APIC) is not stuck forever.
 *
 * Choices: accesses must be 32 bits at 0x00, 0x10 or 0x40 (the datasheet requires DWORD
 * accesses); any other size or offset reads all ones (of the access size, at most 8 bytes) and
 * ignores writes, counted in `bad_access`.  IOREGSEL keeps 8 bits; an index with no register
 * behind it (3..0x0F, past the table at 0x40..0xFF) reads all ones and ignores writes, as KVM
 * does.  The EOI register reads 0.  Reserved bits of the redirection entries (17-55) read 0.
 * Redirection entries with a reserved delivery mode (011b, 110b) are never delivered (counted in
 * `dropped`).
 *
 * Left out: the bus-arbitration ID protocol (arbitration ID reads the ID), delivery-status
 * pending states, the extended destination ID of virtual IOMMU-less setups (bits 48-55) and
 * interrupt remapping.  KVM's guard against a level interrupt re-asserted forever on each EOI
 * is left to the platform (the guest sees the storm a real chip would deliver).
 *
 * Not thread-safe: the caller holds one lock around every call.  The deliver callback is made
 * with that lock held; the model's state is consistent before it is called, and it may call
 * back into the model.
 */
#ifndef HV_IOAPIC_H
#define HV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/dev.h>

#define IOAPIC_BASE_ADDR 0xfec00000u
#define IOAPIC_MMIO_SIZE 0x1000u
#define IOAPIC_NPINS	 24
#define IOAPIC_VERSION	 0x00170020u /* max redirection entry 23, version 0x20 */

/* MMIO offsets. */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN	0x10
#define IOAPIC_EOI	0x40

/* IOWIN indexes. */
#define IOAPIC_REG_ID	 0x00
#define IOAPIC_REG_VER	 0x01
#define IOAPIC_REG_ARB	 0x02
#define IOAPIC_REG_REDIR 0x10 /* + 2 * pin (low half), + 2 * pin + 1 (high half) */

/* Redirection entry bits. */
#define IOAPIC_RTE_DEST_SHIFT 56
#define IOAPIC_RTE_MASKED     (1ull << 16)
#define IOAPIC_RTE_LEVEL      (1ull << 15)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14) /* read-only */
#define IOAPIC_RTE_ACTIVE_LOW (1ull << 13) /* stored, not applied (see above) */
#define IOAPIC_RTE_PENDING    (1ull << 12) /* delivery status: read-only, always 0 */
#define IOAPIC_RTE_LOGICAL    (1ull << 11)

/* Delivery modes (bits 8-10). */
#define IOAPIC_DM_FIXED	 0
#define IOAPIC_DM_LOWEST 1
#define IOAPIC_DM_SMI	 2
#define IOAPIC_DM_NMI	 4
#define IOAPIC_DM_INIT	 5
#define IOAPIC_DM_EXTINT 7

/* An interrupt message to the local APICs. */
struct vioapic_msg {
	uint8_t dest;	  /* bits 56-63: APIC ID, or logical destination */
	bool logical;	  /* destination mode (match with vlapic_match_dest) */
	uint8_t delivery; /* IOAPIC_DM_*: never 3 or 6 */
	uint8_t vector;
	bool level; /* trigger mode: level (the local APIC sets TMR; its EOI must reach us) */
	uint8_t pin;
};

struct vioapic_callbacks {
	/* Send `msg` to the matching local APICs (fixed: vlapic_set_irq(vector, level) on each;
	 * lowest priority: on one, e.g. the first match; NMI: inject NMI; ExtINT: ask the PIC;
	 * INIT/SMI: as the platform does for IPIs).  Returns true if at least one local APIC
	 * accepted it (for fixed/lowest: vlapic_set_irq() returned true).  NULL: nothing delivered.
	 */
	bool (*deliver)(void *ctx, const struct vioapic_msg *msg);
	void *ctx;
};

/* The state; the caller embeds it.  Fields are private to ioapic.c except the counters. */
struct vioapic {
	struct vioapic_callbacks cb;
	uint32_t id; /* ID register: bits 24-27 */
	uint32_t ioregsel;
	uint64_t redir[IOAPIC_NPINS];
	uint32_t line; /* bit per pin: asserted */
	/* Counters (diagnostics; only vioapic_init clears them). */
	uint64_t bad_access; /* MMIO of a wrong size or offset */
	uint64_t delivered;  /* messages passed to deliver() */
	uint64_t dropped;    /* entries with a reserved delivery mode, or no deliver callback */
};

/* Initialise `io` as after reset, with I/O APIC ID `id` (0-15, as the MADT says) and the
 * callbacks `cb` (copied; NULL for none).  All lines start deasserted. */
void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_callbacks *cb);

/* Reset (the platform's system reset): every entry masked with all other bits 0, IOREGSEL 0.
 * The ID and the line levels are kept. */
void vioapic_reset(struct vioapic *io);

/* MMIO read of `size` bytes at `off` bytes into the page: the register, zero-extended. */
uint64_t vioapic_read(struct vioapic *io, uint64_t off, unsigned size);

/* MMIO write of `val` (`size` bytes) at `off`.  May call deliver (unmasking an asserted level
 * pin, the EOI register). */
void vioapic_write(struct vioapic *io, uint64_t off, unsigned size, uint64_t val);

/* The line of `pin` is now `level` (logical: asserted or not).  May call deliver.  Returns 0,
 * or -EINVAL for a pin >= IOAPIC_NPINS.  Edge sources pulse (hvdev_irq_pulse()); a device's
 * struct hvdev_irq reaches here through a platform wrapper with `line` = pin. */
int vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);

/* EOI for `vector`: clear remote IRR on the level-triggered entries with that vector and
 * re-deliver those whose line is still asserted and that are unmasked.  May call deliver. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
