/* GUID text <-> EFI byte order. */
#include <vmk/hexdigit.h>
#include <string.h>
#include <vmk/errno.h>
#include <vmk/guid.h>

/* Text position (in hex-digit pairs, dashes skipped) of each stored byte: the first three
 * fields are stored little-endian, the last two as written. */
static const uint8_t guid_byte_order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

int guid_parse(const char *text, struct guid *g)
{
	uint8_t seq[16];
	unsigned n = 0;

	for (unsigned i = 0; i < GUID_TEXT_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return -EINVAL;
			continue;
		}
		int hi = hex_digit(text[i]), lo = hi < 0 ? -1 : hex_digit(text[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		seq[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	if (text[GUID_TEXT_LEN] != '\0')
		return -EINVAL;
	for (unsigned i = 0; i < 16; i++)
		g->b[i] = seq[guid_byte_order[i]];
	return 0;
}

void guid_format(const struct guid *g, char *out)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t seq[16];
	char *p = out;

	for (unsigned i = 0; i < 16; i++)
		seq[guid_byte_order[i]] = g->b[i];
	for (unsigned i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = digits[seq[i] >> 4];
		*p++ = digits[seq[i] & 15];
	}
	*p = '\0';
}

bool guid_is_zero(const struct guid *g)
{
	for (unsigned i = 0; i < 16; i++)
		if (g->b[i])
			return false;
	return true;
}

bool guid_equal(const struct guid *a, const struct guid *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}
