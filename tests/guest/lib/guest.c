/* The test guests' library: UART output, reports, the IDT and exception catching. */
#include "guest.h"
#include <stdarg.h>

#define COM1 0x3f8

static unsigned passed, failed;
volatile uint64_t irq_count[256];
static void (*handlers[256])(struct trap_frame *);
static volatile int fault_vector = -1;
static volatile unsigned fault_skip;

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
extern char isr_stubs[];

void guest_setup(void);
void guest_setup(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = {sizeof(idt) - 1, (uint64_t)idt};

	for (int i = 0; i < 256; i++) {
		uint64_t a = (uint64_t)isr_stubs + 16 * i;

		idt[i] = (struct idt_entry){(uint16_t)a,	 0x08, 0, 0x8e, (uint16_t)(a >> 16),
					    (uint32_t)(a >> 32), 0};
	}
	__asm__ volatile("lidt %0" : : "m"(p));
	outb(COM1 + 1, 0);    /* no UART interrupts */
	outb(COM1 + 3, 0x03); /* 8N1 */
}

void putc_uart(char c)
{
	if (c == '\n')
		putc_uart('\r');
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

static void put_num(uint64_t n, unsigned base, int width, char pad)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[n % base];
		n /= base;
	} while (n);
	while (i < width--)
		putc_uart(pad);
	while (i)
		putc_uart(buf[--i]);
}

static void vgprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';

		if (*fmt != '%') {
			putc_uart(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			putc_uart('0');
			putc_uart('x');
			fmt++;
		}
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l')
			lng = 1, fmt++;
		switch (*fmt) {
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			if (v < 0) {
				putc_uart('-');
				v = -v;
			}
			put_num((uint64_t)v, 10, width, pad);
			break;
		}
		case 'u':
			put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad);
			break;
		case 'x':
			put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad);
			break;
		case 's':
			for (const char *s = va_arg(ap, const char *); *s; s++)
				putc_uart(*s);
			break;
		case 'c':
			putc_uart((char)va_arg(ap, int));
			break;
		default:
			putc_uart(*fmt);
		}
	}
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vgprintf(fmt, ap);
	va_end(ap);
}

bool report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	gprintf("%s %s", ok ? "PASS" : "FAIL", name);
	if (fmt && *fmt) {
		gprintf(": ");
		va_start(ap, fmt);
		vgprintf(fmt, ap);
		va_end(ap);
	}
	gprintf("\n");
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

int guest_summary(void)
{
	gprintf("SUMMARY %u passed, %u failed\n", passed, failed);
	return (int)failed;
}

void set_handler(uint8_t vector, void (*fn)(struct trap_frame *))
{
	handlers[vector] = fn;
}

void guest_trap(struct trap_frame *f);
void guest_trap(struct trap_frame *f)
{
	irq_count[f->vector & 255]++;
	if (f->vector < 32 && fault_skip) {
		fault_vector = (int)f->vector;
		f->rip += fault_skip;
		fault_skip = 0;
		return;
	}
	if (handlers[f->vector & 255]) {
		handlers[f->vector & 255](f);
		return;
	}
	if (f->vector < 32) {
		report(false, "unexpected-exception", "vector %u error %#lx at rip %#lx",
		       (unsigned)f->vector, f->error, f->rip);
		guest_exit(guest_summary() + 100);
	}
}

int expect_fault(void (*fn)(void), unsigned len)
{
	fault_vector = -1;
	fault_skip = len;
	fn();
	fault_skip = 0;
	return fault_vector;
}

/* PIT counter 2's count (latched), with the TSC when it was read: the middle of the
 * shortest of three reads, as this vCPU may be descheduled during any one of them. */
static uint32_t pit2_sample(uint64_t *tsc)
{
	uint64_t best = ~0ull, ta, tb;
	uint32_t count = 0, c;

	for (int i = 0; i < 3; i++) {
		ta = rdtsc();
		outb(0x43, 0x80); /* latch counter 2 */
		c = inb(0x42);
		c |= (uint32_t)inb(0x42) << 8;
		tb = rdtsc();
		if (tb - ta < best) {
			best = tb - ta;
			*tsc = ta + (tb - ta) / 2;
			count = c;
		}
	}
	return count;
}

/*
 * TSC ticks per ms against PIT counter 2 (1.193182 MHz), gated through port 0x61, counting
 * down from 65535 in mode 0 for at least 20 ms.  Both ends are read as samples of the count
 * and the TSC together, not by waiting for the counter to run out: a vCPU descheduled while
 * it waits would otherwise count the time it was away.
 */
uint64_t tsc_khz(void)
{
	static uint64_t khz;
	uint64_t t0, t1;
	uint32_t c0, c1;

	while (!khz) {
		outb(0x61, (inb(0x61) & ~0x02) | 0x01);
		outb(0x43, 0xb0); /* counter 2, lobyte/hibyte, mode 0 */
		outb(0x42, 0xff);
		outb(0x42, 0xff);
		c0 = pit2_sample(&t0);
		do
			c1 = pit2_sample(&t1);
		while (c1 <= c0 && c0 - c1 < 23864); /* 20 ms */
		/* A count above the first: it wrapped (away too long); again. */
		if (c1 < c0)
			khz = (t1 - t0) * 1193182 / ((uint64_t)(c0 - c1) * 1000);
	}
	return khz;
}

void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_khz() * us / 1000;

	while (rdtsc() < end)
		;
}

/* What gcc may call for structure copies and the builtins. */
void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *a = d;
	const uint8_t *b = s;

	while (n--)
		*a++ = *b++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *a = d;

	while (n--)
		*a++ = (uint8_t)c;
	return d;
}

int memcmp(const void *x, const void *y, size_t n)
{
	const uint8_t *a = x, *b = y;

	for (; n; n--, a++, b++)
		if (*a != *b)
			return *a - *b;
	return 0;
}
