/* GPT partition names: UTF-16LE on disk (36 units), UTF-8 everywhere else. */
#include <string.h>
#include <vmk/errno.h>
#include <vmk/gpt.h>
#include <vmk/le.h>

#define UNI_REPLACEMENT 0xfffd

static size_t utf8_put(char *out, size_t at, size_t size, uint32_t c)
{
	uint8_t b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (uint8_t)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (uint8_t)(0xc0 | c >> 6);
		b[1] = (uint8_t)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (uint8_t)(0xe0 | c >> 12);
		b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | c >> 18);
		b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		b[3] = (uint8_t)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (at + n >= size) /* keep room for the NUL; drop what does not fit whole */
		return at;
	memcpy(out + at, b, n);
	return at + n;
}

void gpt_name_to_utf8(const uint8_t *in, unsigned units, char *out, size_t out_size)
{
	size_t at = 0;

	if (!out_size)
		return;
	for (unsigned i = 0; i < units; i++) {
		uint32_t c = le16(in + 2 * i);

		if (c == 0)
			break;
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < units) {
			uint32_t lo = le16(in + 2 * (i + 1));

			if (lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			} else {
				c = UNI_REPLACEMENT;
			}
		} else if (c >= 0xd800 && c < 0xe000) {
			c = UNI_REPLACEMENT;
		}
		at = utf8_put(out, at, out_size, c);
	}
	out[at] = '\0';
}

/* Decode one UTF-8 sequence at *p; returns the code point or -1 (overlong, surrogate, out of
 * range, truncated). */
static int32_t utf8_get(const uint8_t **p)
{
	const uint8_t *s = *p;
	uint32_t c = s[0], min;
	unsigned n;

	if (c < 0x80) {
		*p = s + 1;
		return (int32_t)c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3, c &= 0x07, min = 0x10000;
	} else {
		return -1;
	}
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return -1;
	*p = s + n + 1;
	return (int32_t)c;
}

int gpt_name_from_utf8(const char *in, uint8_t *out, unsigned max_units)
{
	const uint8_t *p = (const uint8_t *)in;
	unsigned n = 0;

	memset(out, 0, 2 * (size_t)max_units);
	while (p && *p) {
		int32_t c = utf8_get(&p);

		if (c < 0)
			return -EINVAL;
		if (c >= 0x10000) {
			if (n + 2 > max_units)
				return -ENAMETOOLONG;
			c -= 0x10000;
			put_le16(out + 2 * n++, (uint16_t)(0xd800 + (c >> 10)));
			put_le16(out + 2 * n++, (uint16_t)(0xdc00 + (c & 0x3ff)));
		} else {
			if (n + 1 > max_units)
				return -ENAMETOOLONG;
			put_le16(out + 2 * n++, (uint16_t)c);
		}
	}
	return (int)n;
}
