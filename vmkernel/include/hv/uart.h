/* Virtual 16550A UART: the guest's serial console. */
#ifndef HV_UART_H
#define HV_UART_H

#include <hv/dev.h>

/*
 * Emulates a National 16550A as Linux's 8250 driver sees it: autoconfig identifies it as a
 * 16550A (IER keeps 4 bits, loopback reflects MCR in MSR, IIR bits 7:6 are 11 with FIFOs on
 * and bit 5 is 0, no EFR), and the THRE-interrupt tests of serial8250_do_startup pass, so the
 * port runs as ttyS0 with interrupts.
 *
 * Registers, as offsets from the base (0x3f8 on a PC): 0 RBR/THR (DLL with LCR.DLAB), 1 IER
 * (DLM with DLAB), 2 IIR (read) / FCR (write), 3 LCR, 4 MCR, 5 LSR, 6 MSR, 7 SCR.  Any access
 * size acts on the low byte; a read returns the byte in the low 8 bits, the rest 0.  Offsets
 * 8 and above read as 0xff and ignore writes; writes to LSR and MSR are ignored.
 *
 * Transmission is instant: a THR write leaves at once through the tx callback, so THR and the
 * transmitter are always empty (LSR THRE and TEMT stay set) and the guest never waits.  Since
 * THR empties again at once, a THR write with ETBEI set drops the THRE interrupt and raises it
 * again, which gives an edge-triggered PIC a fresh edge, as the real chip does when the byte
 * moves to the shift register.
 *
 * Receiving: the host feeds bytes with vuart_rx into a 16-byte FIFO (1 byte with FIFOs off).  A
 * full FIFO refuses the byte (-ENOSPC) instead of overrunning: the host keeps it and offers it
 * again when vuart_rx_room says there is room (after the guest reads RBR).  LSR.OE is set only
 * by a loopback byte that finds the FIFO full (the byte is lost, as on the chip).
 * Choices where the chip depends on time, which this model does not have: the character
 * timeout interrupt (IIR 0x0C) is raised at once whenever 1 to trigger-1 bytes wait with FIFOs
 * on (the chip waits 4 character times), and the receive-data interrupt (IIR 0x04) when the
 * FIFO holds at least the trigger level (1, 4, 8 or 14 bytes, from FCR bits 7:6).  Linux
 * handles both alike.
 *
 * Interrupts follow the 16550 IIR priority: line status (OE; cleared by reading LSR), receive
 * data / timeout (cleared by reading RBR below the trigger level / empty), THR empty (raised
 * when THR becomes empty or when ETBEI goes from 0 to 1 with THR empty; cleared by reading IIR
 * while it is the reported source, by writing THR, or by clearing ETBEI), modem status (delta
 * bits; cleared by reading MSR).  The IRQ line is level: high while an enabled condition holds
 * and MCR.OUT2 is set and MCR.LOOP is clear.  On a PC, OUT2 gates the UART's IRQ onto the ISA
 * bus, and loopback forces the OUT2 pin inactive, so either leaves the line low.
 *
 * Modem lines: outside loopback the modem inputs read as CTS, DSR and DCD asserted and RI
 * clear (a cable to a terminal that is always ready); in loopback MSR reflects MCR (RTS->CTS,
 * DTR->DSR, OUT1->RI, OUT2->DCD) and a change of a reflected line sets its delta bit (RI: on
 * 1->0 only), raising a modem status interrupt if enabled.
 *
 * Left out: baud rate, word length, parity and stop bits (stored in LCR/DLL/DLM and read back,
 * no effect), break (LCR bit 6 is stored, nothing is sent; LSR.BI never set), parity and
 * framing errors (LSR PE/FE/bit 7 never set), DMA mode (FCR bit 3), the transmit FIFO as a
 * queue (bytes leave at once), 16750/ST16C650 extensions (EFR, 64-byte FIFOs, IER bits 4-7).
 *
 * Not thread-safe: the caller holds a lock around every call.  No call sleeps; callbacks are
 * made with the caller's lock held.
 */

#define UART_FIFO_SIZE 16

/* Register offsets from the base. */
#define UART_RBR 0 /* read, DLAB=0 */
#define UART_THR 0 /* write, DLAB=0 */
#define UART_DLL 0 /* DLAB=1 */
#define UART_IER 1 /* DLAB=0 */
#define UART_DLM 1 /* DLAB=1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

/* The state of one UART; the caller embeds it and sets it up with vuart_init. */
struct vuart {
	/* Set by vuart_init, constant after. */
	struct hvdev_irq irq;
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;
	/* Receive FIFO: a ring of rx_count bytes starting at rx_head. */
	uint8_t rx_fifo[UART_FIFO_SIZE];
	uint8_t rx_head, rx_count;
	uint8_t rbr_last; /* last byte read from RBR: what an empty RBR reads as */
	uint8_t ier, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
	bool thre_pending; /* THR-empty interrupt condition, before the IER gate */
	bool irq_level;	   /* level last given to irq */
};

/*
 * Reset u to the chip's power-on state (IER, LCR, MCR, FCR 0; LSR THRE|TEMT; divisor 12,
 * 9600 baud) with the IRQ line low.  irq: the interrupt line (copied; irq->set may be NULL
 * for none).  tx: called with each byte the guest transmits, outside loopback (may be NULL
 * to drop them); tx_ctx is its first argument.  Makes no callback (the line starts low).
 */
void vuart_init(struct vuart *u, const struct hvdev_irq *irq, void (*tx)(void *ctx, uint8_t byte),
		void *tx_ctx);

/* Reset the registers to the power-on state, keeping the callbacks; lowers the IRQ line if
 * it was high.  For a VM reset. */
void vuart_reset(struct vuart *u);

/*
 * A guest read of the register at offset (size 1, 2, 4 or 8 bytes, or any other: the low byte
 * is read).  Returns the register's byte in bits 7:0 (0xff for an unknown offset).  Reads have
 * side effects as on the chip: RBR pops the FIFO, IIR clears a reported THRE interrupt, LSR
 * clears OE, MSR clears the delta bits; the IRQ line follows.
 */
uint64_t vuart_read(struct vuart *u, unsigned offset, unsigned size);

/* A guest write of val's low byte to the register at offset (any size); may call tx and the
 * IRQ callback. */
void vuart_write(struct vuart *u, unsigned offset, unsigned size, uint64_t val);

/*
 * Host input: put byte in the receive FIFO.  Returns 0, or -ENOSPC when the FIFO is full or the
 * UART is in loopback (its serial input is disconnected): keep the byte and offer it again
 * later.  May raise the IRQ line.
 */
int vuart_rx(struct vuart *u, uint8_t byte);

/* How many bytes vuart_rx would take now (0 in loopback). */
unsigned vuart_rx_room(const struct vuart *u);

#endif
