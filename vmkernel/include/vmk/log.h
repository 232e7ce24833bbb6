/*
 * Kernel log: a ring of records with a level and a boot-relative timestamp, echoed to the
 * consoles when the level is at or below the console log level (loglevel= on the command line).
 * Each file defines LOG_TAG before including this header.  Safe from any context, including
 * interrupts and NMIs (a CPU that cannot get the lock within a bounded time writes anyway).
 */
#ifndef VMK_LOG_H
#define VMK_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <vmk/compiler.h>

enum log_level {
	LOG_EMERG = 0,
	LOG_ERR = 3,
	LOG_WARN = 4,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

#ifndef LOG_TAG
#define LOG_TAG "vmkernel"
#endif

void log_write(int level, const char *tag, const char *fmt, ...) __printf(3, 4);
void log_vwrite(int level, const char *tag, const char *fmt, va_list ap);
/* Set the console log level (records above it are kept in the ring only). */
void log_set_level(int level);
struct console;
/* Write the records still in the ring that pass the console level to one console (a console
 * that comes up late, like the screen, shows the boot from its start). */
void log_replay(struct console *c);
/* Copy up to len bytes of the newest log text (one record a line) into buf; returns bytes. */
size_t log_read_tail(char *buf, size_t len);

#define log_err(...)   log_write(LOG_ERR, LOG_TAG, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, LOG_TAG, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, LOG_TAG, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, LOG_TAG, __VA_ARGS__)

/* Formatted output straight to the consoles, no prefix, not levelled (banners, panic reports). */
void kprintf(const char *fmt, ...) __printf(1, 2);

#endif
