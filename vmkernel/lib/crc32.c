/* CRC-32 and CRC-32C, byte-at-a-time with a 256-entry table per polynomial.
 *
 * The tables are computed by the compiler from the polynomial (CRC_ENTRY below), so there are
 * no magic numbers to get wrong; the unit test checks them against a bitwise CRC anyway. */
#include <vmk/crc32.h>

/* One step of the bitwise reflected CRC: shift right, fold in the polynomial if a 1 fell out. */
#define CRC_STEP(c, p)	(((c) >> 1) ^ ((0u - ((c)&1u)) & (p)))
#define CRC_STEP2(c, p) CRC_STEP(CRC_STEP(c, p), p)
#define CRC_STEP8(c, p) CRC_STEP2(CRC_STEP2(CRC_STEP2(CRC_STEP2(c, p), p), p), p)
#define CRC_ENTRY(i, p) CRC_STEP8((uint32_t)(i), p)
#define CRC_ROW4(i, p) \
	CRC_ENTRY(i, p), CRC_ENTRY(i + 1, p), CRC_ENTRY(i + 2, p), CRC_ENTRY(i + 3, p)
#define CRC_ROW16(i, p) CRC_ROW4(i, p), CRC_ROW4(i + 4, p), CRC_ROW4(i + 8, p), CRC_ROW4(i + 12, p)
#define CRC_ROW64(i, p) \
	CRC_ROW16(i, p), CRC_ROW16(i + 16, p), CRC_ROW16(i + 32, p), CRC_ROW16(i + 48, p)
#define CRC_TABLE(p)                                                                    \
	{                                                                               \
		CRC_ROW64(0, p), CRC_ROW64(64, p), CRC_ROW64(128, p), CRC_ROW64(192, p) \
	}

#define CRC32_POLY_REFLECT  0xEDB88320u
#define CRC32C_POLY_REFLECT 0x82F63B78u

static const uint32_t crc32_table[256] = CRC_TABLE(CRC32_POLY_REFLECT);
static const uint32_t crc32c_table[256] = CRC_TABLE(CRC32C_POLY_REFLECT);

static uint32_t crc_run(const uint32_t *table, uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint32_t crc32_le(uint32_t seed, const void *buf, size_t len)
{
	return crc_run(crc32_table, seed, buf, len);
}

uint32_t crc32c(uint32_t seed, const void *buf, size_t len)
{
	return crc_run(crc32c_table, seed, buf, len);
}
