/*
 * The kernel log: records go into a ring of text ("<level>[seconds] tag: message\n", the
 * Linux kmsg shape) and, when at or below the console level, to the consoles without the
 * "<level>" prefix.
 */
#include <vmk/log.h>
#include <vmk/console.h>
#include <vmk/format.h>
#include <vmk/spinlock.h>
#include <vmk/time.h>
#include <string.h>

#define LOG_RING_SIZE (64 * 1024)

static char ring[LOG_RING_SIZE];
static uint64_t ring_head; /* bytes ever written */
static struct spinlock ring_lock = SPINLOCK_INIT;
static int console_level = LOG_INFO;

void log_set_level(int level)
{
	console_level = level;
}

static void ring_put(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
	ring_head += n;
}

void log_vwrite(int level, const char *tag, const char *fmt, va_list ap)
{
	char line[512];
	uint64_t ns = time_ns(), f;
	int n, hdr;

	hdr = ksnprintf(line, sizeof(line), "<%d>[%5lu.%06lu] %s: ", level, ns / NSEC_PER_SEC,
			(ns % NSEC_PER_SEC) / 1000, tag);
	n = hdr + kvsnprintf(line + hdr, sizeof(line) - hdr - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';

	f = spin_lock_irqsave(&ring_lock);
	ring_put(line, n);
	spin_unlock_irqrestore(&ring_lock, f);
	if (level <= console_level) {
		const char *body = strchr(line, '[');

		console_write(body, n - (body - line));
	}
}

void log_write(int level, const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, tag, fmt, ap);
	va_end(ap);
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	console_write(buf, n);
}

void log_replay(struct console *c)
{
	static char buf[LOG_RING_SIZE];
	static struct spinlock replay_lock = SPINLOCK_INIT;
	uint64_t f = spin_lock_irqsave(&replay_lock);
	size_t n = log_read_tail(buf, sizeof(buf)), i = 0;

	if (n == sizeof(buf)) /* the oldest line may be cut: start at the next one */
		while (i < n && buf[i++] != '\n')
			;
	while (i < n) {
		size_t end = i;
		int level = buf[i + 1] - '0';

		while (end < n && buf[end] != '\n')
			end++;
		if (end < n && buf[i] == '<' && level <= console_level) {
			const char *body = memchr(buf + i, '[', end - i);

			if (body)
				c->write(c, body, buf + end + 1 - body);
		}
		i = end + 1;
	}
	spin_unlock_irqrestore(&replay_lock, f);
}

size_t log_read_tail(char *buf, size_t len)
{
	uint64_t f = spin_lock_irqsave(&ring_lock);
	uint64_t avail = MIN(ring_head, (uint64_t)LOG_RING_SIZE), n = MIN(avail, (uint64_t)len);

	for (uint64_t i = 0; i < n; i++)
		buf[i] = ring[(ring_head - n + i) % LOG_RING_SIZE];
	spin_unlock_irqrestore(&ring_lock, f);
	return n;
}
