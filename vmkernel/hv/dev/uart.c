/* Virtual 16550A UART (contract in hv/uart.h). */
#include <hv/uart.h>
#include <vmk/errno.h>
#include <string.h>

#define IER_ERBFI 0x01 /* receive data available */
#define IER_ETBEI 0x02 /* THR empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NONE    0x01
#define IIR_MSR	    0x00
#define IIR_THRE    0x02
#define IIR_RDA	    0x04
#define IIR_RLS	    0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFOS   0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80

#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR	 0x01
#define LSR_OE	 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04
#define MSR_DDCD  0x08
#define MSR_CTS	  0x10
#define MSR_DSR	  0x20
#define MSR_RI	  0x40
#define MSR_DCD	  0x80
#define MSR_DELTA 0x0f

static bool fifo_on(const struct vuart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const struct vuart *u)
{
	return fifo_on(u) ? UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct vuart *u)
{
	static const uint8_t level[4] = {1, 4, 8, 14};

	return level[u->fcr >> 6];
}

/* The modem status inputs (MSR bits 7:4) as the chip sees them now. */
static uint8_t modem_inputs(const struct vuart *u)
{
	uint8_t in = 0;

	if (!(u->mcr & MCR_LOOP))
		return MSR_CTS | MSR_DSR | MSR_DCD;
	if (u->mcr & MCR_RTS)
		in |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		in |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		in |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		in |= MSR_DCD;
	return in;
}

/* The interrupt identification (IIR bits 3:0) by the 16550 priority. */
static uint8_t iir_id(const struct vuart *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr & LSR_OE))
		return IIR_RLS;
	if ((u->ier & IER_ERBFI) && u->rx_count)
		return fifo_on(u) && u->rx_count < rx_trigger(u) ? IIR_TIMEOUT : IIR_RDA;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTA))
		return IIR_MSR;
	return IIR_NONE;
}

static void update_irq(struct vuart *u)
{
	bool level = iir_id(u) != IIR_NONE && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		hvdev_irq_set(&u->irq, level);
	}
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static void rx_push(struct vuart *u, uint8_t byte)
{
	u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
}

/* A byte looped back from THR: a full FIFO loses it (OE); without FIFOs it overwrites RBR. */
static void loopback_rx(struct vuart *u, uint8_t byte)
{
	if (u->rx_count < rx_capacity(u)) {
		rx_push(u, byte);
		return;
	}
	u->lsr |= LSR_OE;
	if (!fifo_on(u))
		u->rx_fifo[u->rx_head] = byte;
}

static void write_thr(struct vuart *u, uint8_t byte)
{
	u->thre_pending = false;
	update_irq(u);
	if (u->mcr & MCR_LOOP)
		loopback_rx(u, byte);
	else if (u->tx)
		u->tx(u->tx_ctx, byte);
	u->thre_pending = true; /* THR is empty again at once */
	update_irq(u);
}

static void write_ier(struct vuart *u, uint8_t val)
{
	uint8_t old = u->ier;

	u->ier = val & 0x0f;
	if ((u->ier & IER_ETBEI) && !(old & IER_ETBEI))
		u->thre_pending = true; /* newly enabled with THR empty */
	if (!(u->ier & IER_ETBEI))
		u->thre_pending = false;
}

static void write_fcr(struct vuart *u, uint8_t val)
{
	if ((val ^ u->fcr) & FCR_ENABLE)
		rx_clear(u); /* switching the FIFOs on or off empties them */
	if (!(val & FCR_ENABLE)) {
		u->fcr = 0; /* the other bits only take with FCR0 set */
		return;
	}
	if (val & FCR_CLEAR_RX)
		rx_clear(u);
	u->fcr = val & 0xc9; /* trigger level, DMA mode, enable */
}

static void write_mcr(struct vuart *u, uint8_t val)
{
	uint8_t before = modem_inputs(u), after, changed;

	u->mcr = val & MCR_MASK;
	after = modem_inputs(u);
	changed = before ^ after;
	if (changed & MSR_CTS)
		u->msr |= MSR_DCTS;
	if (changed & MSR_DSR)
		u->msr |= MSR_DDSR;
	if ((before & MSR_RI) && !(after & MSR_RI))
		u->msr |= MSR_TERI;
	if (changed & MSR_DCD)
		u->msr |= MSR_DDCD;
	u->msr = (u->msr & MSR_DELTA) | after;
}

void vuart_reset(struct vuart *u)
{
	bool was_high = u->irq_level;

	memset(u->rx_fifo, 0, sizeof(u->rx_fifo));
	rx_clear(u);
	u->rbr_last = 0;
	u->ier = 0;
	u->fcr = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->scr = 0;
	u->dll = 12;
	u->dlm = 0;
	u->thre_pending = false;
	u->msr = modem_inputs(u);
	u->irq_level = false;
	if (was_high)
		hvdev_irq_set(&u->irq, false);
}

void vuart_init(struct vuart *u, const struct hvdev_irq *irq, void (*tx)(void *ctx, uint8_t byte),
		void *tx_ctx)
{
	memset(u, 0, sizeof(*u));
	if (irq)
		u->irq = *irq;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	vuart_reset(u);
}

uint64_t vuart_read(struct vuart *u, unsigned offset, unsigned size)
{
	uint8_t val;

	(void)size;
	switch (offset) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (u->rx_count) {
			u->rbr_last = u->rx_fifo[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
			u->rx_count--;
			update_irq(u);
		}
		return u->rbr_last;
	case UART_IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case UART_IIR:
		val = iir_id(u);
		if (val == IIR_THRE) {
			u->thre_pending = false;
			update_irq(u);
		}
		return val | (fifo_on(u) ? IIR_FIFOS : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = u->lsr | (u->rx_count ? LSR_DR : 0);
		u->lsr &= ~LSR_OE;
		update_irq(u);
		return val;
	case UART_MSR:
		val = u->msr;
		u->msr &= ~MSR_DELTA;
		update_irq(u);
		return val;
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

void vuart_write(struct vuart *u, unsigned offset, unsigned size, uint64_t val64)
{
	uint8_t val = (uint8_t)val64;

	(void)size;
	switch (offset) {
	case UART_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = val;
		else
			write_thr(u, val);
		return;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_FCR:
		write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		write_mcr(u, val);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default: /* LSR, MSR (factory test on the chip), unknown */
		return;
	}
	update_irq(u);
}

int vuart_rx(struct vuart *u, uint8_t byte)
{
	if (vuart_rx_room(u) == 0)
		return -ENOSPC;
	rx_push(u, byte);
	update_irq(u);
	return 0;
}

unsigned vuart_rx_room(const struct vuart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return rx_capacity(u) - u->rx_count;
}
