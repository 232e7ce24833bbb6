/* 16550 UART console (COM1-COM4), polled transmit. */
#include <vmk/console.h>
#include <arch/cpu.h>

static const uint16_t uart_ports[] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};

enum {
	UART_THR = 0,
	UART_DLL = 0,
	UART_IER = 1,
	UART_DLM = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_SCR = 7,
};
#define LSR_THRE 0x20

static void uart_putc(uint16_t base, char ch)
{
	/* Bounded wait: a wedged UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(base + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(base + UART_THR, (uint8_t)ch);
}

static void uart_write(struct console *c, const char *s, size_t n)
{
	uint16_t base = (uint16_t)(uintptr_t)c->priv;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(base, '\r');
		uart_putc(base, s[i]);
	}
}

bool uart_init(struct console *c, int index, unsigned baud)
{
	uint16_t base;
	unsigned div;

	if (index < 0 || index >= (int)(sizeof(uart_ports) / sizeof(uart_ports[0])))
		return false;
	base = uart_ports[index];
	/* Present?  The scratch register holds what we write on a real 16550. */
	outb(base + UART_SCR, 0x5a);
	if (inb(base + UART_SCR) != 0x5a)
		return false;
	if (baud == 0 || baud > 115200)
		baud = 115200;
	div = 115200 / baud;
	outb(base + UART_IER, 0x00);
	outb(base + UART_LCR, 0x80); /* DLAB */
	outb(base + UART_DLL, div & 0xff);
	outb(base + UART_DLM, div >> 8);
	outb(base + UART_LCR, 0x03); /* 8n1 */
	outb(base + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(base + UART_MCR, 0x03); /* DTR, RTS */
	c->name = "serial";
	c->write = uart_write;
	c->priv = (void *)(uintptr_t)base;
	return true;
}
