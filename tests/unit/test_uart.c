/* Unit tests for hv/uart.h: Linux's 8250 probe and start-up, console I/O, interrupts, hostile
 * access. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <hv/uart.h>

/* What the IRQ line and the transmitter saw. */
struct rig {
	struct vuart u;
	bool level;
	unsigned rises, calls;
	uint8_t txbuf[256];
	unsigned ntx;
};

static void rig_irq(void *ctx, unsigned line, bool level)
{
	struct rig *r = ctx;

	assert_int_equal(line, 4);
	/* The model reports changes only. */
	assert_true(level != r->level);
	r->calls++;
	if (level)
		r->rises++;
	r->level = level;
}

static void rig_tx(void *ctx, uint8_t byte)
{
	struct rig *r = ctx;

	if (r->ntx < sizeof(r->txbuf))
		r->txbuf[r->ntx] = byte;
	r->ntx++;
}

static void rig_init(struct rig *r)
{
	struct hvdev_irq irq = {.set = rig_irq, .ctx = r, .line = 4};

	memset(r, 0, sizeof(*r));
	vuart_init(&r->u, &irq, rig_tx, r);
}

static uint8_t in(struct rig *r, unsigned off)
{
	uint64_t v = vuart_read(&r->u, off, 1);

	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void out(struct rig *r, unsigned off, uint8_t v)
{
	vuart_write(&r->u, off, 1, v);
}

/* Linux's 8250 port types, as autoconfig() decides them. */
enum port_type {
	PORT_UNKNOWN,
	PORT_8250,
	PORT_16450,
	PORT_16550,
	PORT_16550A,
	PORT_16750,
	PORT_ST16650
};

/* autoconfig() and autoconfig_16550a() of drivers/tty/serial/8250/8250_port.c, full probe. */
static enum port_type linux_autoconfig(struct rig *r)
{
	uint8_t scratch, scratch2, scratch3, save_lcr, save_mcr, status1, status2;
	enum port_type type;

	/* IER scratch test. */
	scratch = in(r, UART_IER);
	out(r, UART_IER, 0);
	scratch2 = in(r, UART_IER) & 0x0f;
	out(r, UART_IER, 0x0f);
	scratch3 = in(r, UART_IER) & 0x0f;
	out(r, UART_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return PORT_UNKNOWN;
	save_mcr = in(r, UART_MCR);
	save_lcr = in(r, UART_LCR);
	/* Loopback test: MCR LOOP|OUT2|RTS must show as DCD|CTS. */
	out(r, UART_MCR, 0x10 | 0x0a);
	status1 = in(r, UART_MSR) & 0xf0;
	out(r, UART_MCR, save_mcr);
	if (status1 != 0x90)
		return PORT_UNKNOWN;
	out(r, UART_LCR, 0xbf); /* UART_LCR_CONF_MODE_B */
	out(r, 2, 0);		/* UART_EFR */
	out(r, UART_LCR, 0);
	out(r, UART_FCR, 0x01);
	scratch = in(r, UART_IIR) >> 6;
	switch (scratch) {
	case 0:
		type = PORT_8250;
		break;
	case 1:
		type = PORT_UNKNOWN;
		break;
	case 2:
		type = PORT_16550;
		break;
	default:
		type = PORT_16550A;
		break;
	}
	if (type == PORT_16550A) {
		/* EFR only visible with DLAB set: ST16C650V1. */
		out(r, UART_LCR, 0x80);
		if (in(r, 2) == 0) {
			out(r, 2, 0xa8);
			if (in(r, 2) != 0)
				return PORT_ST16650;
		}
		out(r, UART_LCR, 0xbf);
		if (in(r, 2) == 0)
			return PORT_ST16650;
		/* National SuperIO: EXCR1 at offset 2 with LCR 0xe0 would follow MCR.LOOP. */
		out(r, UART_LCR, 0);
		status1 = in(r, UART_MCR);
		out(r, UART_LCR, 0xe0);
		status2 = in(r, 2);
		if (!((status2 ^ status1) & 0x10)) {
			out(r, UART_LCR, 0);
			out(r, UART_MCR, status1 ^ 0x10);
			out(r, UART_LCR, 0xe0);
			status2 = in(r, 2);
			out(r, UART_LCR, 0);
			out(r, UART_MCR, status1);
			if ((status2 ^ status1) & 0x10)
				return PORT_UNKNOWN; /* an NS16550A: not us */
		}
		/* 16750: 64-byte FIFO bit (IIR bit 5) only with DLAB. */
		out(r, UART_LCR, 0);
		out(r, UART_FCR, 0x01 | 0x20);
		status1 = in(r, UART_IIR) >> 5;
		out(r, UART_FCR, 0x01);
		out(r, UART_LCR, 0x80);
		out(r, UART_FCR, 0x01 | 0x20);
		status2 = in(r, UART_IIR) >> 5;
		out(r, UART_FCR, 0x01);
		out(r, UART_LCR, 0);
		if (status1 == 6 && status2 == 7)
			return PORT_16750;
		/* XScale: IER bit 6 (UUE) sticks. */
		out(r, UART_IER, 0x40);
		if (in(r, UART_IER) & 0x40)
			return PORT_UNKNOWN;
	}
	out(r, UART_LCR, save_lcr);
	/* Reset the UART: MCR, clear FIFOs, read RX, IER 0. */
	out(r, UART_MCR, save_mcr);
	out(r, UART_FCR, 0x01);
	out(r, UART_FCR, 0x01 | 0x02 | 0x04);
	out(r, UART_FCR, 0);
	in(r, UART_RBR);
	out(r, UART_IER, 0);
	return type;
}

/* The part of serial8250_do_startup() that tests the port; returns 0 or the bugs it flags. */
#define BUG_THRE 1
#define BUG_TXEN 2
static int linux_startup(struct rig *r)
{
	uint8_t iir1, iir, lsr;
	int bugs = 0;

	out(r, UART_FCR, 0x01);
	out(r, UART_FCR, 0x01 | 0x02 | 0x04);
	out(r, UART_FCR, 0);
	in(r, UART_LSR);
	in(r, UART_RBR);
	in(r, UART_IIR);
	in(r, UART_MSR);
	if (in(r, UART_LSR) == 0xff)
		return -1;
	/* UART_BUG_THRE: THRE must be re-asserted when ETBEI is set again. */
	out(r, UART_IER, 0x02);
	iir1 = in(r, UART_IIR);
	out(r, UART_IER, 0);
	out(r, UART_IER, 0x02);
	iir = in(r, UART_IIR);
	out(r, UART_IER, 0);
	if (!(iir1 & 0x01) && (iir & 0x01))
		bugs |= BUG_THRE;
	out(r, UART_LCR, 0x03);
	out(r, UART_MCR, 0x08 | 0x02 | 0x01); /* OUT2 (port has an IRQ), RTS, DTR */
	/* UART_BUG_TXEN: an interrupt when THRI is enabled. */
	out(r, UART_IER, 0x02);
	lsr = in(r, UART_LSR);
	iir = in(r, UART_IIR);
	out(r, UART_IER, 0);
	if ((lsr & 0x40) && (iir & 0x01))
		bugs |= BUG_TXEN;
	in(r, UART_LSR);
	in(r, UART_RBR);
	in(r, UART_IIR);
	in(r, UART_MSR);
	out(r, UART_IER, 0x05); /* RLSI | RDI */
	return bugs;
}

static void test_linux_probe(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	assert_int_equal(linux_autoconfig(&r), PORT_16550A);
	assert_int_equal(r.ntx, 0);
	assert_false(r.level);
	assert_int_equal(linux_startup(&r), 0);
	/* Linux's 16550A FCR: FIFOs on, trigger 8. */
	out(&r, UART_FCR, 0x81);
	assert_int_equal(in(&r, UART_IIR), 0xc1);
	assert_int_equal(in(&r, UART_LSR), 0x60);
	assert_int_equal(in(&r, UART_MSR) & 0xf0, 0xb0);
	assert_int_equal(r.ntx, 0);
	assert_false(r.level);
}

/* serial8250_handle_irq as Linux runs it: returns whether the port had an interrupt. */
static bool linux_isr(struct rig *r, const uint8_t **tx, size_t *txlen, uint8_t *rx, size_t *nrx)
{
	uint8_t iir = in(r, UART_IIR), lsr;

	if (iir & 0x01)
		return false;
	lsr = in(r, UART_LSR);
	while (lsr & 0x01) {
		rx[(*nrx)++] = in(r, UART_RBR);
		lsr = in(r, UART_LSR);
	}
	in(r, UART_MSR);
	if ((lsr & 0x20) && (r->u.ier & 0x02)) {
		for (int n = 0; n < 16 && *txlen; n++) {
			out(r, UART_THR, *(*tx)++);
			(*txlen)--;
		}
		if (!*txlen)
			out(r, UART_IER, r->u.ier & ~0x02); /* __stop_tx */
	}
	return true;
}

static void test_interrupt_driven_io(void **state)
{
	struct rig r;
	uint8_t msg[100], rx[32];
	const uint8_t *p = msg;
	size_t left = sizeof(msg), nrx = 0;
	unsigned loops = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	rig_init(&r);
	assert_int_equal(linux_startup(&r), 0);
	out(&r, UART_FCR, 0x81);
	assert_false(r.level);
	/* start_tx: set THRI; THR is empty, so the line rises at once. */
	out(&r, UART_IER, 0x07);
	assert_true(r.level);
	while (r.level && loops++ < 100)
		while (linux_isr(&r, &p, &left, rx, &nrx))
			;
	assert_int_equal(left, 0);
	assert_int_equal(r.ntx, sizeof(msg));
	assert_memory_equal(r.txbuf, msg, sizeof(msg));
	assert_false(r.level);
	assert_int_equal(in(&r, UART_IER), 0x05);

	/* Typing: one byte is below the trigger level of 8: a character timeout interrupt. */
	unsigned rises = r.rises;

	assert_int_equal(vuart_rx(&r.u, 'k'), 0);
	assert_true(r.level);
	assert_int_equal(r.rises, rises + 1);
	assert_int_equal(in(&r, UART_IIR), 0xcc);
	assert_true(linux_isr(&r, &p, &left, rx, &nrx));
	assert_int_equal(nrx, 1);
	assert_int_equal(rx[0], 'k');
	assert_false(r.level);
	/* A burst of 10 reaches the trigger: receive data available, all 10 read in one go. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(vuart_rx(&r.u, (uint8_t)('0' + i)), 0);
	assert_int_equal(in(&r, UART_IIR), 0xc4);
	assert_true(linux_isr(&r, &p, &left, rx, &nrx));
	assert_int_equal(nrx, 11);
	assert_memory_equal(rx + 1, "0123456789", 10);
	assert_false(r.level);
	assert_false(linux_isr(&r, &p, &left, rx, &nrx));
}

static void test_console_write(void **state)
{
	struct rig r;
	const char *s = "Linux version 6.1\r\n";

	(void)state;
	rig_init(&r);
	/* serial8250_console_write: IER saved and cleared, poll LSR for BOTH_EMPTY per byte. */
	out(&r, UART_LCR, 0x03);
	out(&r, UART_MCR, 0x0b);
	for (const char *c = s; *c; c++) {
		unsigned spins = 0;

		while ((in(&r, UART_LSR) & 0x60) != 0x60)
			assert_true(++spins < 10);
		out(&r, UART_THR, (uint8_t)*c);
	}
	assert_int_equal(r.ntx, strlen(s));
	assert_memory_equal(r.txbuf, s, strlen(s));
	/* IER was 0: no interrupt for all those empty THRs. */
	assert_int_equal(r.calls, 0);
	/* Restoring IER with THRI set raises the line (THRI newly set, THR empty). */
	out(&r, UART_IER, 0x02);
	assert_true(r.level);
	/* Reading IIR when THRE is the source clears it; a second read shows nothing. */
	assert_int_equal(in(&r, UART_IIR), 0x02);
	assert_false(r.level);
	assert_int_equal(in(&r, UART_IIR), 0x01);
	/* Re-writing the same IER is not "newly set". */
	out(&r, UART_IER, 0x02);
	assert_false(r.level);
	/* A THR write with ETBEI on gives a fresh edge (THR empties again at once). */
	unsigned rises = r.rises;

	out(&r, UART_THR, 'x');
	assert_true(r.level);
	assert_int_equal(r.rises, rises + 1);
	out(&r, UART_THR, 'y');
	assert_int_equal(r.rises, rises + 2);
	assert_int_equal(r.ntx, strlen(s) + 2);
	/* Clearing ETBEI drops it. */
	out(&r, UART_IER, 0);
	assert_false(r.level);
}

static void test_dlab_and_registers(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	/* Baud 115200: DLAB, DLL 1, DLM 0; neither transmits nor changes IER. */
	out(&r, UART_IER, 0x05);
	out(&r, UART_LCR, 0x83);
	out(&r, UART_DLL, 0x01);
	out(&r, UART_DLM, 0x00);
	assert_int_equal(in(&r, UART_DLL), 0x01);
	assert_int_equal(in(&r, UART_DLM), 0x00);
	out(&r, UART_LCR, 0x03);
	assert_int_equal(r.ntx, 0);
	assert_int_equal(in(&r, UART_IER), 0x05);
	assert_int_equal(in(&r, UART_LCR), 0x03);
	/* DLAB back: the divisor stayed. */
	out(&r, UART_LCR, 0x80);
	assert_int_equal(in(&r, UART_DLL), 0x01);
	out(&r, UART_LCR, 0x03);
	/* Reset divisor is 12 (9600). */
	vuart_reset(&r.u);
	out(&r, UART_LCR, 0x80);
	assert_int_equal(in(&r, UART_DLL), 12);
	out(&r, UART_LCR, 0);
	/* SCR holds any byte; IER and MCR keep only their defined bits. */
	out(&r, UART_SCR, 0xa5);
	assert_int_equal(in(&r, UART_SCR), 0xa5);
	out(&r, UART_IER, 0xff);
	assert_int_equal(in(&r, UART_IER), 0x0f);
	out(&r, UART_MCR, 0xff);
	assert_int_equal(in(&r, UART_MCR), 0x1f);
	out(&r, UART_MCR, 0);
	out(&r, UART_IER, 0);
	/* LSR and MSR ignore writes. */
	out(&r, UART_LSR, 0x00);
	assert_int_equal(in(&r, UART_LSR), 0x60);
	out(&r, UART_MSR, 0x00);
	/* (leaving loopback with OUT1 set dropped RI: TERI, cleared by the read) */
	assert_int_equal(in(&r, UART_MSR), 0xb4);
	assert_int_equal(in(&r, UART_MSR), 0xb0);
	/* FIFOs off: IIR bits 7:6 clear. */
	assert_int_equal(in(&r, UART_IIR), 0x01);
}

static void test_receive_fifo(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	/* FIFOs off: one byte of holding register. */
	assert_int_equal(vuart_rx_room(&r.u), 1);
	assert_int_equal(vuart_rx(&r.u, 'a'), 0);
	assert_int_equal(vuart_rx(&r.u, 'b'), -ENOSPC);
	assert_int_equal(in(&r, UART_LSR), 0x61);
	assert_int_equal(in(&r, UART_RBR), 'a');
	assert_int_equal(in(&r, UART_LSR), 0x60);
	/* An empty RBR reads the last byte again, no underflow. */
	assert_int_equal(in(&r, UART_RBR), 'a');
	assert_int_equal(vuart_rx_room(&r.u), 1);
	/* FIFOs on: 16 bytes, then full (no overrun: the host keeps the byte). */
	out(&r, UART_FCR, 0xc1); /* trigger 14 */
	assert_int_equal(vuart_rx_room(&r.u), 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(vuart_rx(&r.u, (uint8_t)i), 0);
	assert_int_equal(vuart_rx(&r.u, 99), -ENOSPC);
	assert_int_equal(vuart_rx_room(&r.u), 0);
	assert_int_equal(in(&r, UART_LSR) & 0x03, 0x01); /* DR, no OE */
	/* IER.ERBFI: 16 >= 14, receive data available; below 14 it is a timeout. */
	out(&r, UART_IER, 0x01);
	out(&r, UART_MCR, 0x08);
	assert_true(r.level);
	assert_int_equal(in(&r, UART_IIR), 0xc4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(in(&r, UART_RBR), i);
	assert_int_equal(in(&r, UART_IIR), 0xcc);
	assert_int_equal(vuart_rx_room(&r.u), 3);
	/* Order kept across the ring's wrap. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(vuart_rx(&r.u, (uint8_t)(100 + i)), 0);
	for (int i = 3; i < 16; i++)
		assert_int_equal(in(&r, UART_RBR), i);
	for (int i = 0; i < 3; i++)
		assert_int_equal(in(&r, UART_RBR), 100 + i);
	assert_int_equal(in(&r, UART_LSR) & 0x01, 0);
	assert_false(r.level);
	/* FCR clear-RX empties it; switching the FIFOs off empties it too. */
	vuart_rx(&r.u, 1);
	vuart_rx(&r.u, 2);
	out(&r, UART_FCR, 0xc3);
	assert_int_equal(in(&r, UART_LSR) & 0x01, 0);
	assert_false(r.level);
	vuart_rx(&r.u, 1);
	out(&r, UART_FCR, 0x00);
	assert_int_equal(in(&r, UART_LSR) & 0x01, 0);
	assert_int_equal(in(&r, UART_IIR), 0x01);
	/* FCR bits other than enable do not take with FCR0 clear. */
	out(&r, UART_FCR, 0xc2);
	assert_int_equal(in(&r, UART_IIR), 0x01);
	assert_int_equal(vuart_rx_room(&r.u), 1);
}

static void test_out2_gates_irq(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	out(&r, UART_IER, 0x01);
	vuart_rx(&r.u, 'z');
	/* Pending (IIR says so) but OUT2 clear: the line stays low. */
	assert_int_equal(in(&r, UART_IIR), 0x04);
	assert_false(r.level);
	out(&r, UART_MCR, 0x08);
	assert_true(r.level);
	out(&r, UART_MCR, 0x03);
	assert_false(r.level);
	out(&r, UART_MCR, 0x0b);
	assert_true(r.level);
	/* Loopback forces OUT2 inactive. */
	out(&r, UART_MCR, 0x1b);
	assert_false(r.level);
	out(&r, UART_MCR, 0x0b);
	assert_true(r.level);
	in(&r, UART_RBR);
	assert_false(r.level);
	assert_int_equal(r.rises, 3);
}

static void test_priority_and_clearing(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	out(&r, UART_MCR, 0x08); /* OUT2 */
	out(&r, UART_IER, 0x0f);
	/* THRI newly set: THRE. */
	assert_int_equal(in(&r, UART_IIR) & 0x0f, 0x02);
	/* (that read cleared THRE; nothing else pending) */
	assert_int_equal(in(&r, UART_IIR), 0x01);
	out(&r, UART_IER, 0x0d);
	out(&r, UART_IER, 0x0f); /* THRE again */
	/* Modem status: loopback with only OUT2 reflected (as DCD): CTS and DSR drop. */
	out(&r, UART_MCR, 0x18);
	/* Loopback lowers the line but IIR still reports. */
	assert_false(r.level);
	/* Receive data (a looped-back byte) outranks THRE. */
	out(&r, UART_THR, 'q');
	assert_int_equal(in(&r, UART_IIR) & 0x0f, 0x04);
	/* Overrun outranks both: fill the 1-byte holding register, loop back one more. */
	out(&r, UART_THR, 'r');
	assert_int_equal(in(&r, UART_IIR) & 0x0f, 0x06);
	/* Without FIFOs the new byte overwrites RBR. LSR read returns OE and clears it. */
	assert_int_equal(in(&r, UART_LSR), 0x63);
	assert_int_equal(in(&r, UART_LSR), 0x61);
	assert_int_equal(in(&r, UART_IIR) & 0x0f, 0x04);
	assert_int_equal(in(&r, UART_RBR), 'r');
	/* Then THRE (set by the THR writes), cleared by the IIR read that reports it. */
	assert_int_equal(in(&r, UART_IIR) & 0x0f, 0x02);
	/* Then modem status: deltas DCTS and DDSR; cleared by reading MSR. */
	assert_int_equal(in(&r, UART_IIR) & 0x0f, 0x00);
	assert_int_equal(in(&r, UART_MSR), 0x83);
	assert_int_equal(in(&r, UART_IIR), 0x01);
	/* Loopback: MCR RTS/DTR/OUT1/OUT2 appear as CTS/DSR/RI/DCD with their deltas. */
	out(&r, UART_MCR, 0x1f);
	assert_int_equal(in(&r, UART_MSR), 0xf3);
	/* RI's delta is on the trailing edge only. */
	out(&r, UART_MCR, 0x1b);
	assert_int_equal(in(&r, UART_MSR), 0xb4);
	out(&r, UART_MCR, 0x1f);
	assert_int_equal(in(&r, UART_MSR), 0xf0);
	/* FIFO mode: a full FIFO keeps its 16 bytes and loses the 17th (OE). */
	out(&r, UART_IER, 0);
	out(&r, UART_FCR, 0x07);
	for (int i = 0; i < 17; i++)
		out(&r, UART_THR, (uint8_t)(0x40 + i));
	assert_int_equal(in(&r, UART_LSR), 0x63);
	for (int i = 0; i < 16; i++)
		assert_int_equal(in(&r, UART_RBR), 0x40 + i);
	assert_int_equal(in(&r, UART_LSR), 0x60);
	/* Host input is refused in loopback; nothing looped back went to tx. */
	assert_int_equal(vuart_rx(&r.u, 'h'), -ENOSPC);
	assert_int_equal(vuart_rx_room(&r.u), 0);
	assert_int_equal(r.ntx, 0);
	out(&r, UART_MCR, 0x0b);
	assert_int_equal(vuart_rx(&r.u, 'h'), 0);
	out(&r, UART_THR, 'o');
	assert_int_equal(r.ntx, 1);
	assert_int_equal(r.txbuf[0], 'o');
}

static void test_hostile_access(void **state)
{
	struct rig r;
	uint32_t seed = 12345;

	(void)state;
	rig_init(&r);
	/* Unknown offsets: all ones, writes ignored; other sizes act on the low byte. */
	for (unsigned off = 8; off < 512; off += 7) {
		assert_int_equal(vuart_read(&r.u, off, 1), 0xff);
		vuart_write(&r.u, off, 4, 0xffffffff);
	}
	assert_int_equal(vuart_read(&r.u, ~0u, 8), 0xff);
	vuart_write(&r.u, UART_SCR, 8, 0x1122334455667788ull);
	assert_int_equal(vuart_read(&r.u, UART_SCR, 4), 0x88);
	assert_int_equal(vuart_read(&r.u, UART_SCR, 2), 0x88);
	vuart_write(&r.u, UART_THR, 2, 0xab41);
	assert_int_equal(r.ntx, 1);
	assert_int_equal(r.txbuf[0], 0x41);
	/* Random traffic: invariants hold, nothing out of bounds (ASan/UBSan watch). */
	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		unsigned off = (seed >> 8) % 10, size = 1u << ((seed >> 4) % 4);
		uint64_t val = (uint64_t)seed * 0x9e3779b97f4a7c15ull;

		switch ((seed >> 20) % 4) {
		case 0:
			vuart_write(&r.u, off, size, val);
			break;
		case 1:
			vuart_rx(&r.u, (uint8_t)val);
			break;
		default:
			assert_true(vuart_read(&r.u, off, size) <= 0xff);
			break;
		}
		assert_true(r.u.rx_count <= UART_FIFO_SIZE);
		assert_true(r.u.rx_head < UART_FIFO_SIZE);
		assert_true(vuart_rx_room(&r.u) <= UART_FIFO_SIZE);
		assert_int_equal(r.level, r.u.irq_level);
	}
	/* The line agrees with IIR and MCR after all that. */
	out(&r, UART_LCR, 0);
	uint8_t mcr = in(&r, UART_MCR), iir = in(&r, UART_IIR);

	if (!(iir & 1) && (iir & 0x0e) != 0x02)
		assert_int_equal(r.level, (mcr & 0x18) == 0x08);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_probe),
		cmocka_unit_test(test_interrupt_driven_io),
		cmocka_unit_test(test_console_write),
		cmocka_unit_test(test_dlab_and_registers),
		cmocka_unit_test(test_receive_fifo),
		cmocka_unit_test(test_out2_gates_irq),
		cmocka_unit_test(test_priority_and_clearing),
		cmocka_unit_test(test_hostile_access),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
