/* GUIDs as EFI and GPT store them: 16 bytes, the first three fields little-endian
 * ("mixed-endian"), shown as 8-4-4-4-12 hex digits.
 *
 * Pure code (kernel, host, musl); no locks, never sleeps. */
#ifndef VMK_GUID_H
#define VMK_GUID_H

#include <stdbool.h>
#include <stdint.h>

#define GUID_TEXT_LEN 36 /* without the terminating NUL */

struct guid {
	uint8_t b[16]; /* as stored on disk */
};

/* Parse "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" (either case, exactly 36 characters) into
 * the on-disk byte order.  Returns 0, or -EINVAL for anything else (g is then unchanged). */
int guid_parse(const char *text, struct guid *g);

/* Write g as 36 lower-case characters and a NUL into out (at least GUID_TEXT_LEN + 1). */
void guid_format(const struct guid *g, char *out);

/* True when all 16 bytes are zero (GPT's "unused entry" type). */
bool guid_is_zero(const struct guid *g);

bool guid_equal(const struct guid *a, const struct guid *b);

#endif
