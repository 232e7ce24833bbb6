/*
 * Consoles: where kernel text goes.  Drivers (16550 UART, VGA text, framebuffer) register a
 * struct console; console_write() sends bytes to every registered console.
 */
#ifndef VMK_CONSOLE_H
#define VMK_CONSOLE_H

#include <stddef.h>
#include <stdbool.h>

struct console {
	const char *name;
	void (*write)(struct console *c, const char *s, size_t n);
	void *priv;
	struct console *next;
};

/* Add a console; its write() must be callable from any context with interrupts off. */
void console_register(struct console *c);
/* Write to every console, serialised by the console lock (broken, not waited on, by panic). */
void console_write(const char *s, size_t n);
/* Panic path: stop honouring the console lock so a stopped CPU cannot block the report. */
void console_bust_locks(void);

struct boot_info;
/* Parse console= options and bring up the chosen serial ports (no memory mapping needed). */
void console_init_serial(const char *cmdline);
/* Bring up the screen console if chosen (after vm_init: it maps the frame buffer). */
void console_init_screen(const struct boot_info *bi);

/* Drivers. */
bool uart_init(struct console *c, int index, unsigned baud);
bool vga_text_init(struct console *c, const struct boot_info *bi);
bool fbcon_init(struct console *c, const struct boot_info *bi);

#endif
