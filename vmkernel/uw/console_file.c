/* The console as a file: what a userworld's fds 0-2 are when the kernel starts it. */
#include <vmk/file.h>
#include <vmk/aspace.h>
#include <vmk/console.h>
#include <vmk/errno.h>
#include <vmk/mm.h>

#define TIOCGWINSZ 0x5413

static long con_read(struct file *f, void *ubuf, size_t len)
{
	return 0; /* the console takes no input: there is no shell on it */
}

static long con_write(struct file *f, const void *ubuf, size_t len)
{
	char buf[256];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);

		if (copy_from_user(buf, (const char *)ubuf + done, n))
			return done ? (long)done : -EFAULT;
		console_write(buf, n);
		done += n;
	}
	return (long)done;
}

static long con_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct {
		uint16_t rows, cols, xpix, ypix;
	} ws = {25, 80, 0, 0};

	if (cmd == TIOCGWINSZ)
		return copy_to_user((void *)arg, &ws, sizeof(ws));
	return -ENOTTY;
}

/* Output is always possible; input never comes (no shell on the console). */
static unsigned con_poll(struct file *f)
{
	return POLLOUT;
}

static const struct file_ops console_ops = {
	.poll = con_poll,
	.read = con_read,
	.write = con_write,
	.ioctl = con_ioctl,
};

static struct file console = {.ops = &console_ops, .refs = 1, .flags = O_RDWR};

struct file *console_file(void)
{
	return file_get(&console);
}
