/* printf-style formatting into a buffer: the kernel's printf engine, without floating point. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <vmk/format.h>

_Static_assert(sizeof(size_t) == sizeof(long), "%zd is read as long");
_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t), "%tu is read as size_t");
_Static_assert(sizeof(uintptr_t) <= sizeof(unsigned long long), "%p is read as uintptr_t");

#define FMT_LEFT  0x01 /* '-' */
#define FMT_ZERO  0x02 /* '0' */
#define FMT_PLUS  0x04 /* '+' */
#define FMT_SPACE 0x08 /* ' ' */
#define FMT_ALT	  0x10 /* '#' */

/* Width and precision are capped here: more only makes for a longer count of padding. */
#define FMT_MAX_FIELD 0x3fffffff

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct fmt_out {
	char *buf;
	size_t size;
	size_t len; /* bytes the full output has so far */
};

struct fmt_spec {
	unsigned int flags;
	int width;
	int prec; /* -1: none given */
	enum fmt_len len;
	char conv;
};

static void fmt_putc(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_write(struct fmt_out *o, const char *s, size_t n)
{
	while (n--)
		fmt_putc(o, *s++);
}

static void fmt_pad(struct fmt_out *o, char c, size_t n)
{
	while (n--)
		fmt_putc(o, c);
}

/* Write s[0..n) right- or left-justified in the field width, padded with spaces. */
static void fmt_field(struct fmt_out *o, const struct fmt_spec *s, const char *str, size_t n)
{
	size_t pad = (size_t)s->width > n ? (size_t)s->width - n : 0;

	if (!(s->flags & FMT_LEFT))
		fmt_pad(o, ' ', pad);
	fmt_write(o, str, n);
	if (s->flags & FMT_LEFT)
		fmt_pad(o, ' ', pad);
}

/*
 * Write one integer: sign or 0x prefix, zeros for the precision (or for the width with '0'),
 * then the digits of mag in base; is_signed lets '+' and ' ' add a sign.
 */
static void fmt_number(struct fmt_out *o, const struct fmt_spec *s, unsigned long long mag,
		       bool neg, bool is_signed, unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], prefix[3];
	size_t nd = 0, np = 0, zeros = 0, body, pad = 0;
	bool nonzero = mag != 0;

	/* Precision 0 and value 0 give no digits at all. */
	if (nonzero || s->prec != 0) {
		do {
			tmp[sizeof(tmp) - ++nd] = digits[mag % base];
			mag /= base;
		} while (mag);
	}
	if (neg)
		prefix[np++] = '-';
	else if (is_signed && (s->flags & FMT_PLUS))
		prefix[np++] = '+';
	else if (is_signed && (s->flags & FMT_SPACE))
		prefix[np++] = ' ';
	if ((s->flags & FMT_ALT) && base == 16 && nonzero) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}
	if (s->prec >= 0 && (size_t)s->prec > nd)
		zeros = (size_t)s->prec - nd;
	/* '#' with 'o' makes the first digit a 0. */
	if ((s->flags & FMT_ALT) && base == 8 && zeros == 0 &&
	    (nd == 0 || tmp[sizeof(tmp) - nd] != '0'))
		zeros = 1;
	body = np + zeros + nd;
	if ((size_t)s->width > body) {
		if ((s->flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO && s->prec < 0)
			zeros += (size_t)s->width - body;
		else
			pad = (size_t)s->width - body;
	}
	if (!(s->flags & FMT_LEFT))
		fmt_pad(o, ' ', pad);
	fmt_write(o, prefix, np);
	fmt_pad(o, '0', zeros);
	fmt_write(o, tmp + sizeof(tmp) - nd, nd);
	if (s->flags & FMT_LEFT)
		fmt_pad(o, ' ', pad);
}

static long long fmt_arg_signed(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
	case LEN_Z:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static unsigned long long fmt_arg_unsigned(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, size_t);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* Parse a run of decimal digits at *p, capped at FMT_MAX_FIELD. */
static int fmt_parse_num(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		if (v > FMT_MAX_FIELD)
			v = FMT_MAX_FIELD;
		(*p)++;
	}
	return v;
}

/* Parse flags, width, precision and length after '%'; *p is left on the conversion. */
static void fmt_parse_spec(const char **p, struct fmt_spec *s, va_list *ap)
{
	const char *f = *p;

	s->flags = 0;
	s->width = 0;
	s->prec = -1;
	s->len = LEN_NONE;
	for (;; f++) {
		if (*f == '-')
			s->flags |= FMT_LEFT;
		else if (*f == '0')
			s->flags |= FMT_ZERO;
		else if (*f == '+')
			s->flags |= FMT_PLUS;
		else if (*f == ' ')
			s->flags |= FMT_SPACE;
		else if (*f == '#')
			s->flags |= FMT_ALT;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		f++;
		if (w < 0) {
			s->flags |= FMT_LEFT;
			w = w < -FMT_MAX_FIELD ? FMT_MAX_FIELD : -w;
		}
		s->width = w > FMT_MAX_FIELD ? FMT_MAX_FIELD : w;
	} else {
		s->width = fmt_parse_num(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int pr = va_arg(*ap, int);

			f++;
			s->prec = pr < 0 ? -1 : (pr > FMT_MAX_FIELD ? FMT_MAX_FIELD : pr);
		} else {
			s->prec = fmt_parse_num(&f);
		}
	}
	switch (*f) {
	case 'h':
		f++;
		s->len = LEN_H;
		if (*f == 'h') {
			f++;
			s->len = LEN_HH;
		}
		break;
	case 'l':
		f++;
		s->len = LEN_L;
		if (*f == 'l') {
			f++;
			s->len = LEN_LL;
		}
		break;
	case 'z':
		f++;
		s->len = LEN_Z;
		break;
	case 't':
		f++;
		s->len = LEN_T;
		break;
	case 'j':
		f++;
		s->len = LEN_J;
		break;
	default:
		break;
	}
	s->conv = *f;
	*p = f;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = {.buf = buf, .size = size, .len = 0};
	struct fmt_spec s;
	va_list args;

	/* A copy, so that helpers can take its address (va_list may be an array type). */
	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			fmt_putc(&o, *fmt++);
			continue;
		}
		fmt++;
		fmt_parse_spec(&fmt, &s, &args);
		switch (s.conv) {
		case 'd':
		case 'i': {
			long long v = fmt_arg_signed(s.len, &args);
			unsigned long long mag =
				v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

			fmt_number(&o, &s, mag, v < 0, true, 10, false);
			break;
		}
		case 'u':
			fmt_number(&o, &s, fmt_arg_unsigned(s.len, &args), false, false, 10, false);
			break;
		case 'o':
			fmt_number(&o, &s, fmt_arg_unsigned(s.len, &args), false, false, 8, false);
			break;
		case 'x':
		case 'X':
			fmt_number(&o, &s, fmt_arg_unsigned(s.len, &args), false, false, 16,
				   s.conv == 'X');
			break;
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(args, void *);

			if (v == 0) {
				s.prec = -1;
				fmt_field(&o, &s, "(nil)", 5);
				break;
			}
			/* glibc prints %p as %#lx and keeps '+' and ' '. */
			s.flags |= FMT_ALT;
			fmt_number(&o, &s, v, false, true, 16, false);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);

			fmt_field(&o, &s, &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(args, const char *);

			if (!str)
				str = s.prec < 0 || s.prec >= 6 ? "(null)" : "";
			fmt_field(&o, &s, str,
				  s.prec < 0 ? strlen(str) : strnlen(str, (size_t)s.prec));
			break;
		}
		case '%':
			fmt_putc(&o, '%');
			break;
		case '\0':
			/* The format ends inside a directive: copy what there is. */
			fmt_write(&o, start, (size_t)(fmt - start));
			continue;
		default:
			fmt_write(&o, start, (size_t)(fmt - start) + 1);
			break;
		}
		fmt++;
	}
	va_end(args);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > (size_t)__INT_MAX__ ? __INT_MAX__ : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
