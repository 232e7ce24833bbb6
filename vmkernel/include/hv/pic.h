/* Virtual 8259A pair in the PC cascade, with the ELCR edge/level registers. */
#ifndef HV_PIC_H
#define HV_PIC_H

#include <hv/dev.h>

/*
 * Emulates two 8259A PICs wired as on a PC: the master takes IRQ 0-7, the slave IRQ 8-15 and
 * drives the master's IR2.  Per chip: the ICW1-ICW4 initialisation sequence (vector base from
 * ICW2; ICW4's auto-EOI), OCW1 (IMR), OCW2 (non-specific and specific EOI; the rotate and
 * set-priority commands are accepted and their rotation ignored: priority stays fixed, IR0
 * highest), OCW3 (read IRR or ISR, poll, special mask mode).  Edge or level triggering per line
 * comes from the two ELCR bytes (PC ports 0x4d0/0x4d1, as on the PIIX: IRQ 0, 1, 2, 8 and 13
 * are always edge).  Linux's probe (0xff to the slave IMR, 0xa5 to the master's, read back) and
 * its i8259A_chip (init_8259A, mask_and_ack_8259A's specific EOIs, the ISR read of
 * i8259A_irq_real) work as on the chip.
 *
 * Triggering.  Edge: a rising input latches the IRR bit, which stays set when the input falls
 * (so a device may pulse its line) and is cleared by the INTA that takes it.  Level: the IRR bit
 * follows the input; INTA leaves it set (the ISR bit blocks a repeat until EOI).  A request that
 * is gone by INTA (a level input dropped, or the line masked meanwhile) gives the spurious
 * vector of IR7 on the chip that lost it, without setting its ISR bit: master base + 7 (IRQ 7),
 * or slave base + 7 (IRQ 15) with the master's ISR bit 2 set, as Linux expects.  The cascade
 * is an edge input: the master's IRR bit 2 latches when the slave's INTR output rises and is
 * cleared by the INTA that takes it, so a slave request that vanishes still reaches the slave
 * (and gives 15).  An INTA that leaves the slave with another request to give (auto-EOI on the
 * slave) counts as a new rising edge, so that request is not lost.
 *
 * Ports, as offsets passed to vpic_read/vpic_write: 0 master command (0x20), 1 master data
 * (0x21), 2 slave command (0xa0), 3 slave data (0xa1).  Any size acts on the low byte; reads
 * return it in bits 7:0.  Offsets 4 and above read 0xff and ignore writes.  Reading either port
 * of a chip after an OCW3 poll command returns the poll byte (bit 7: a request, bits 2:0 its
 * level) and acknowledges that request as INTA would.
 *
 * Choices and omissions: ICW1's LTIM (level for all lines) is ignored, as on PC chipsets where
 * ELCR decides; single mode (ICW1 SNGL) skips ICW3 but the cascade stays wired; ICW3 values are
 * stored and ignored (the slave is on IR2 whatever the guest says); ICW4's special fully nested
 * mode and buffered mode are ignored; 8080 call-vector mode (ICW4 uPM = 0) is treated as 8086
 * mode.  Reset state (vpic_init): not yet initialised by a guest, as a BIOS leaves it: vector
 * bases 0x08 and 0x70, all lines masked (IMR 0xff), edge, normal EOI, reading IRR.
 *
 * Not thread-safe: the caller holds a lock around every call; no call sleeps.
 */

#define PIC_MASTER_CMD	0
#define PIC_MASTER_DATA 1
#define PIC_SLAVE_CMD	2
#define PIC_SLAVE_DATA	3

/* One 8259A. */
struct vpic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;	   /* input levels as last set */
	uint8_t elcr;	   /* 1 = level-triggered */
	uint8_t elcr_mask; /* which ELCR bits exist */
	uint8_t base;	   /* vector of IR0 (ICW2 & 0xf8) */
	uint8_t icw3;
	uint8_t init;	  /* next ICW expected: 0 none, 2, 3, 4 */
	bool icw4_needed; /* ICW1 IC4 */
	bool single;	  /* ICW1 SNGL */
	bool auto_eoi;
	bool read_isr; /* OCW3: a read of the command port returns ISR, else IRR */
	bool poll;     /* OCW3 poll command: the next read is the poll byte */
	bool special_mask;
};

/* The pair; the caller embeds it and sets it up with vpic_init. */
struct vpic {
	struct vpic_chip chip[2]; /* 0 master, 1 slave */
	struct hvdev_irq intr;	  /* the master's INTR output */
	bool intr_level;	  /* level last given to intr */
	bool slave_out;		  /* the slave's INTR output as last seen by the master */
};

/* Reset both chips (see the reset state above), INTR low.  intr: the INTR output towards the
 * CPU (copied; intr->set may be NULL), called when its level changes.  Makes no callback. */
void vpic_init(struct vpic *pic, const struct hvdev_irq *intr);

/* Reset both chips and all ELCR bits, keeping the callback; input levels are kept.  Lowers
 * INTR if it was high.  For a VM reset. */
void vpic_reset(struct vpic *pic);

/* A guest read of port offset 0-3 (any size: the low byte).  Returns IRR, ISR, IMR or a poll
 * byte in bits 7:0 per the chip's state, 0xff for an unknown offset.  A poll read may change
 * INTR. */
uint64_t vpic_read(struct vpic *pic, unsigned offset, unsigned size);

/* A guest write of val's low byte to port offset 0-3 (any size): ICWs and OCWs.  May change
 * INTR. */
void vpic_write(struct vpic *pic, unsigned offset, unsigned size, uint64_t val);

/* ELCR: offset 0 is IRQ 0-7 (port 0x4d0), 1 is IRQ 8-15 (0x4d1); any size acts on the low byte
 * of that one register.  Bits that must stay edge read 0 and ignore writes.  Unknown offsets
 * read 0xff and ignore writes.  A line made level takes its IRR bit from its input level. */
uint64_t vpic_elcr_read(struct vpic *pic, unsigned offset, unsigned size);
void vpic_elcr_write(struct vpic *pic, unsigned offset, unsigned size, uint64_t val);

/* A device's interrupt input irq (0-15) is now at level.  IRQ 2 (the cascade input) and
 * numbers above 15 are ignored.  Edge devices may pulse (true then false).  May change INTR. */
void vpic_set_irq(struct vpic *pic, unsigned irq, bool level);

/* The master's INTR output now: an unmasked request outranks what is in service. */
bool vpic_intr(const struct vpic *pic);

/*
 * The INTA cycle: take the highest-priority request, move it from IRR to ISR (not with auto-EOI;
 * a level request stays in IRR) on the master and, for IR2, on the slave, and return the vector
 * to deliver (0-255).  With no request (INTR low, or gone since), returns the spurious vector
 * of IR7 as above.  May change INTR.
 */
int vpic_ack(struct vpic *pic);

#endif
