/*
 * Console multiplexer and console= handling.  console=ttyS<n>[,baud] picks a serial port,
 * console=tty0 (or vga, fb) the screen; several may be given.  With none, Keel uses COM1 at
 * 115200 plus the screen, as a server with serial-over-LAN and a monitor expects.
 */
#define LOG_TAG "console"
#include <vmk/console.h>
#include <vmk/cmdline.h>
#include <vmk/bootinfo.h>
#include <vmk/spinlock.h>
#include <vmk/log.h>
#include <string.h>

static struct console *consoles;
static struct spinlock console_lock = SPINLOCK_INIT;
static volatile bool busted;
static struct console serial_cons[4], screen_cons;

void console_register(struct console *c)
{
	uint64_t f = spin_lock_irqsave(&console_lock);

	c->next = consoles;
	consoles = c;
	spin_unlock_irqrestore(&console_lock, f);
}

void console_bust_locks(void)
{
	busted = true;
}

void console_write(const char *s, size_t n)
{
	uint64_t f = irq_save();
	bool locked = false;

	/* Bounded wait: an NMI-stopped CPU holding the lock must not silence the others. */
	for (int i = 0; !busted && i < 10000000; i++) {
		if (spin_trylock(&console_lock)) {
			locked = true;
			break;
		}
		cpu_relax();
	}
	for (struct console *c = consoles; c; c = c->next)
		c->write(c, s, n);
	if (locked)
		spin_unlock(&console_lock);
	irq_restore(f);
}

struct console_choice {
	bool any, screen;
	unsigned serial_mask;
	unsigned baud[4];
};

static int console_opt(const char *key, size_t klen, const char *val, size_t vlen, void *arg)
{
	struct console_choice *ch = arg;

	if (klen != 7 || strncmp(key, "console", 7) || !val)
		return 0;
	ch->any = true;
	if (vlen >= 5 && !strncmp(val, "ttyS", 4) && val[4] >= '0' && val[4] <= '3') {
		unsigned idx = val[4] - '0', baud = 0;

		if (vlen > 6 && val[5] == ',')
			for (size_t i = 6; i < vlen && val[i] >= '0' && val[i] <= '9'; i++)
				baud = baud * 10 + (val[i] - '0');
		ch->serial_mask |= 1u << idx;
		ch->baud[idx] = baud;
	} else if ((vlen == 4 && !strncmp(val, "tty0", 4)) ||
		   (vlen == 3 && !strncmp(val, "vga", 3)) ||
		   (vlen == 2 && !strncmp(val, "fb", 2))) {
		ch->screen = true;
	}
	return 0;
}

static struct console_choice choice;

void console_init_serial(const char *cmdline)
{
	cmdline_foreach(cmdline, console_opt, &choice);
	if (!choice.any) {
		choice.serial_mask = 1;
		choice.baud[0] = 115200;
		choice.screen = true;
	}
	for (int i = 0; i < 4; i++)
		if ((choice.serial_mask & (1u << i)) &&
		    uart_init(&serial_cons[i], i, choice.baud[i]))
			console_register(&serial_cons[i]);
}

void console_init_screen(const struct boot_info *bi)
{
	if (choice.screen) {
		if (vga_text_init(&screen_cons, bi) || fbcon_init(&screen_cons, bi)) {
			log_replay(&screen_cons);
			console_register(&screen_cons);
			if (bi->fb.type == 2)
				log_info("screen: VGA text %ux%u", bi->fb.width, bi->fb.height);
			else
				log_info("screen: framebuffer %ux%ux%u", bi->fb.width,
					 bi->fb.height, bi->fb.bpp);
		} else if (bi->has_fb) {
			log_info("screen: unusable frame buffer (type %u, %u bpp)", bi->fb.type,
				 bi->fb.bpp);
		} else {
			log_info("screen: none (the boot loader reported no display)");
		}
	}
}
