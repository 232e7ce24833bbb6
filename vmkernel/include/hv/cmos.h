/* Virtual MC146818 RTC with 128 bytes of CMOS RAM. */
#ifndef HV_CMOS_H
#define HV_CMOS_H

#include <hv/dev.h>

/*
 * Emulates the PC's MC146818-compatible RTC.  The time registers (0x00 seconds, 0x02 minutes,
 * 0x04 hours, 0x06 day of week 1-7 with Sunday 1, 0x07 day of month, 0x08 month, 0x09 year)
 * and the century byte at 0x32 (the IBM PC / ACPI FADT location; the MC146818 itself has none)
 * are computed from a wall clock (Unix seconds, UTC) and `now` (ns on the caller's monotonic
 * clock), in BCD or binary and 12- or 24-hour as register B says at the time of the read.
 * Linux's mc146818_get_time (the UIP protocol of mc146818_avoid_UIP), mc146818_set_time and the
 * rtc-cmos probe (register D bit 6 clear, 24-hour mode) work.
 *
 * Register A: UIP (bit 7) reads 1 during the last 244 us before each second changes (the update
 * then happens at the second boundary: a read never sees a torn time), DV (bits 6:4, 010 = the
 * 32.768 kHz time base that runs the clock; 11x holds the divider in reset, and when it is
 * released the first update comes 500 ms later; any other value stops the clock too) and RS
 * (bits 3:0, the periodic rate: 1 = 256 Hz, 2 = 128 Hz, n >= 3: 65536 >> n Hz, 0 none).
 * Register B: SET (bit 7) freezes the time registers (and clears UIE, as the chip does); the
 * guest may then write them, and when SET clears (and DV is 010) the clock runs from the written
 * time.  A time register written while the clock runs sets it too, keeping the second's phase.
 * A written time that does not decode (bad BCD, day 31 of a 30-day month, ...) is refused: the
 * clock goes on from the time it held when it stopped (the chip would count garbage).  The day
 * of week always follows the date (what the guest writes to 0x06 is ignored once the clock runs).
 * PIE/AIE/UIE (bits 6:4) enable the interrupts, DM (bit 2) binary, 24/12 (bit 1); SQWE and DSE
 * are stored and have no effect.  Changing DM or 24/12 re-encodes the running clock at once (the
 * chip would leave the old bytes in place until the next set).
 * Register C: PF, AF, UF (bits 6:4) are set when their event happens whether or not enabled;
 * IRQF (bit 7) = PF&PIE | AF&AIE | UF&UIE.  Reading C returns and clears them all.  Register D
 * reads 0x80 (VRT: battery good).  Alarm bytes (0x01, 0x03, 0x05) match the time at each update;
 * a value 0xc0-0xff is "don't care".  The IRQ line (IRQ8) is level: high while IRQF is set.
 *
 * Ports, as offsets: 0 the index (0x70; bits 6:0 select the register, bit 7 masks NMI; reads
 * 0xff), 1 the data (0x71).  Any size acts on the low byte; reads return it in bits 7:0.
 * Unknown offsets read 0xff and ignore writes.  Registers C and D ignore writes.
 *
 * Left out: the square-wave output, daylight-saving switching (DSE), the chip's own reset,
 * time bases other than 32.768 kHz, the 8-byte "bank 1" of later chips.  NMI masking is only
 * stored (vcmos_nmi_masked).
 *
 * Not thread-safe: the caller holds a lock around every call; no call sleeps; the IRQ callback
 * is made with the caller's lock held.  After a guest access the next deadline may have changed
 * (reading C re-arms the interrupts): ask vcmos_poll again.
 */

#define CMOS_INDEX 0
#define CMOS_DATA  1

#define CMOS_CENTURY 0x32

/* The RTC and its RAM; the caller embeds it and sets it up with vcmos_init. */
struct vcmos {
	struct hvdev_irq irq;
	uint8_t ram[128]; /* RAM; the time bytes here only while the clock is stopped */
	uint8_t index;	  /* selected register */
	bool nmi_masked;  /* bit 7 of the last index write */
	uint8_t reg_a;	  /* bits 6:0 (UIP is computed) */
	uint8_t reg_b;
	uint8_t flags;	    /* register C bits 6:4 */
	int64_t base_sec;   /* clock (Unix seconds) at ref */
	uint64_t ref;	    /* ns of a second boundary of the divider (may lie ahead of now) */
	int64_t frozen_sec; /* the clock when it last stopped */
	uint64_t last;	    /* ns up to which the flags are computed */
	bool irq_level;	    /* level last given to irq */
};

/*
 * Reset the chip, as a PC BIOS leaves it (register A 0x26: 32.768 kHz, 1024 Hz; register B 0x02:
 * 24-hour BCD, no interrupts; RAM zero), with the clock at epoch_s (Unix seconds, UTC, clamped to
 * years 1970-9999) exactly at `now`.  irq: the IRQ8 line (copied; set may be NULL).  Makes no
 * callback.
 */
void vcmos_init(struct vcmos *c, const struct hvdev_irq *irq, int64_t epoch_s, uint64_t now);

/* A guest read of offset 0 or 1 (any size: the low byte) at time now.  Returns the byte in bits
 * 7:0 (0xff for the index port and unknown offsets).  Reading register C clears it and lowers
 * the line. */
uint64_t vcmos_read(struct vcmos *c, unsigned offset, unsigned size, uint64_t now);

/* A guest write of val's low byte to offset 0 (index) or 1 (data) at time now.  May change the
 * IRQ line. */
void vcmos_write(struct vcmos *c, unsigned offset, unsigned size, uint64_t val, uint64_t now);

/* Raise IRQ8 for what fell due by now, and return when to call again (ns, after now): the next
 * periodic, update or alarm event whose interrupt is enabled and whose flag is not yet set;
 * HVDEV_NEVER for none. */
uint64_t vcmos_poll(struct vcmos *c, uint64_t now);

/* The platform fills CMOS RAM (memory sizes, equipment byte, ...): index 0x0e-0x7f except the
 * century byte.  Returns 0 or -EINVAL for another index. */
int vcmos_ram_set(struct vcmos *c, unsigned index, uint8_t val);

/* Whether the guest's last index write masked NMI (bit 7). */
bool vcmos_nmi_masked(const struct vcmos *c);

#endif
