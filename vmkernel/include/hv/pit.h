/* Virtual 8254 PIT with the PC's system control port B (port 0x61). */
#ifndef HV_PIT_H
#define HV_PIT_H

#include <hv/dev.h>

/*
 * Emulates an 8254 clocked at 1.193182 MHz, wired as on a PC: counter 0's OUT drives IRQ0,
 * counter 1 (once DRAM refresh) is free-running, counter 2's GATE and OUT are on port 0x61 along
 * with the speaker data bit.  All six modes (6 and 7 are 2 and 3), the access modes (latch,
 * LSB, MSB, LSB then MSB), the read-back command (count and status latches, NULL COUNT), BCD
 * counting, and counts that really run down with time: every value is computed from `now` (ns
 * on the caller's monotonic clock, passed to every call) with 64-bit integer arithmetic, never
 * by stepping.  Linux's uses work: the i8253 clockevent (periodic mode 2, one-shot mode 4) and
 * clocksource (counter 0 latch and read), and both TSC calibrations on counter 2 with its gate
 * and OUT2 (quick_pit_calibrate: mode 0 from 0xffff, MSB reads; pit_calibrate_tsc: mode 0,
 * polling OUT2 on port 0x61).
 *
 * Ports, as offsets for vpit_read/vpit_write: 0-2 counters 0-2 (0x40-0x42), 3 the control word
 * (0x43, write-only: reads 0xff).  vpit_port61_read/write take offset 0 for port 0x61.  Any size
 * acts on the low byte; reads return it in bits 7:0.  Unknown offsets read 0xff, writes ignored.
 * Port 0x61: bit 0 GATE2 and bit 1 speaker data (read back as written), bits 2-3 read back as
 * written (NMI enables on a PC, no effect here), bit 4 the refresh toggle (flips every 15.085 us
 * of `now`), bit 5 OUT2, bits 6-7 read 0 (no NMI sources).
 *
 * Timing choices: a count written takes effect at the write (the chip waits for the next CLK
 * edge), so mode 0's OUT rises N ticks after the count is written, not N+1; that is what
 * Linux's calibration assumes.  A count written during counting in modes 2 and 3 is loaded at
 * the end of the current period (the chip: mode 3 at the end of the current half-period).
 * Counts of 1 in modes 2 and 3 (illegal on the chip) act as 2.  Invalid BCD digits (A-F) are
 * taken at their binary weight.  Mode 3 with an odd count N is high (N+1)/2 and low (N-1)/2
 * ticks; counter reads in mode 3 step by 2 within each half.  GATE low pauses modes 0 and 4,
 * forces OUT high and stops modes 2 and 3 (a rising GATE restarts them), and its rising edge
 * triggers modes 1 and 5.  GATE0 and GATE1 are tied high.
 *
 * IRQ0: each rising edge of OUT0 pulses the line (hvdev_irq_pulse): in mode 0 and 1 at terminal
 * count, in 2 and 3 once per period, in 4 and 5 at the end of the strobe, and when a control
 * word or count write itself raises OUT0.  Edges are produced by vpit_poll and by any other call
 * that finds them due: periods that passed unseen coalesce into one pulse (no catch-up burst),
 * and pulses are at least PIT_MIN_IRQ_GAP_NS apart (a guest asking for a faster rate gets it
 * coalesced, so it cannot make the host spin), late rather than lost.
 *
 * Reset state (vpit_init), as a PC BIOS leaves the chip: every counter in mode 3, LSB then MSB,
 * binary, count 0 (65536): counter 0 ticks IRQ0 at 18.2 Hz from the start; GATE2 low.
 *
 * Left out: the speaker's sound (bit 1 and OUT2 are only read back), the one-CLK delay before
 * counts load, and NMI (port 0x61 bits 2-3 and 6-7).
 *
 * Not thread-safe: the caller holds a lock around every call; no call sleeps; the IRQ callback
 * is made with the caller's lock held.  After any call the next deadline may have changed: ask
 * vpit_poll again (it is cheap) after guest accesses.
 */

#define PIT_HZ		   1193182u
#define PIT_MIN_IRQ_GAP_NS 50000u /* IRQ0 pulses at most every 50 us (20 kHz) */

#define PIT_COUNTER0 0
#define PIT_COUNTER1 1
#define PIT_COUNTER2 2
#define PIT_CONTROL  3

/* One counter.  Times are in PIT ticks since `now` 0. */
struct pit_channel {
	uint32_t count;	     /* count register: N as last written (0 -> 65536 or 10000) */
	uint32_t n;	     /* N of the counting now in progress */
	uint64_t start;	     /* tick at which the current run began */
	uint64_t done;	     /* ticks counted before start (runs cut by GATE low) */
	uint64_t switch_at;  /* modes 2/3: tick at which count replaces n (UINT64_MAX none) */
	uint64_t null_until; /* NULL COUNT reads 1 before this tick */
	uint8_t ctrl;	     /* control word bits 5:0 (RW, M, BCD), for the status byte */
	uint8_t mode;	     /* 0-5 */
	uint8_t rw;	     /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool has_count; /* a whole count was written since the control word */
	bool counting;	/* the counting element holds a count (modes 1/5: triggered) */
	bool gate;
	uint16_t frozen; /* the counting element while not counting */
	bool wr_msb;	 /* LSB then MSB: LSB written, MSB next */
	uint8_t wr_lsb;
	bool rd_msb; /* LSB then MSB: the next unlatched read is the MSB */
	bool count_latched, latch_msb;
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

/* The chip and port B; the caller embeds it and sets it up with vpit_init. */
struct vpit {
	struct pit_channel ch[3];
	struct hvdev_irq irq0;
	uint8_t port61;	     /* bits 3:0 as written */
	uint64_t irq_edge;   /* tick of OUT0's next rising edge not yet seen (UINT64_MAX none) */
	bool irq_owed;	     /* an edge was seen but its pulse waits for the minimum gap */
	bool pulsed;	     /* last_pulse is valid */
	uint64_t last_pulse; /* ns of the last IRQ0 pulse */
};

/* Reset to the state above at time now.  irq0: the IRQ0 line (copied; set may be NULL).
 * Makes no callback. */
void vpit_init(struct vpit *pit, const struct hvdev_irq *irq0, uint64_t now);

/* A guest read of offset 0-3 (any size: the low byte) at time now.  Returns the byte in bits
 * 7:0: a status or count latch, else the live count per the access mode; 0xff for the control
 * port and unknown offsets.  May pulse IRQ0 for an edge that fell due. */
uint64_t vpit_read(struct vpit *pit, unsigned offset, unsigned size, uint64_t now);

/* A guest write of val's low byte to offset 0-3 (any size) at time now: a count byte, or a
 * control word, counter latch or read-back command.  May pulse IRQ0. */
void vpit_write(struct vpit *pit, unsigned offset, unsigned size, uint64_t val, uint64_t now);

/* Port 0x61 at offset 0 (other offsets: 0xff, ignored), as described above. */
uint64_t vpit_port61_read(struct vpit *pit, unsigned offset, unsigned size, uint64_t now);
void vpit_port61_write(struct vpit *pit, unsigned offset, unsigned size, uint64_t val,
		       uint64_t now);

/* Pulse IRQ0 for what fell due by now (once, however many edges passed) and return when to
 * call again: the time (ns) of the next IRQ0 edge or of the end of the minimum gap before an
 * owed pulse, always after now; HVDEV_NEVER when OUT0 will not rise again on its own. */
uint64_t vpit_poll(struct vpit *pit, uint64_t now);

#endif
