/* printf-style formatting into a buffer: the kernel's printf engine, without floating point. */
#ifndef VMK_FORMAT_H
#define VMK_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <vmk/compiler.h>

/*
 * Format @fmt with the arguments in @ap into @buf, C99 vsnprintf style: at most @size bytes are
 * written, the output is always NUL-terminated when size > 0, and nothing is written when
 * size == 0 (buf may then be NULL).  Returns the length the full output has (not counting the
 * NUL; capped at INT_MAX), so a return value >= size means it was truncated.
 *
 * Supported: flags - 0 + space #; width and precision, either may be `*` (a negative `*`
 * width means '-' and its magnitude; a negative `*` precision means none); length modifiers
 * hh h l ll z t j; conversions d i u o x X c s p %.  As in glibc: %p of a non-NULL pointer is
 * %#lx (0x + lowercase hex, flags and width apply, no fixed digit count), %p of NULL is
 * "(nil)"; %s of NULL is "(null)", or "" if a precision below 6 is given; '0' pads only
 * numbers (%s and %c are padded with spaces); %% ignores flags and width.
 * Not supported: floating point (a, e, f, g), %n, %lc/%ls as wide characters (treated as
 * %c/%s), L/q modifiers.  An unknown conversion is copied to the output literally, directive
 * and all ("%5y" prints "%5y"), and consumes no argument except any `*` before it.
 * Reentrant; no locks, no allocation, safe in any context.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __printf(3, 0);

/* kvsnprintf with the arguments given inline; same contract. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
