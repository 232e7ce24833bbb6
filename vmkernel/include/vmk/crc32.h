/* CRC-32 (IEEE 802.3, as GPT, zlib and Ethernet use) and CRC-32C (Castagnoli, as ext4 and
 * jbd2 use), both bit-reflected and table-driven.
 *
 * Pure code: builds in the kernel, on the host and with musl (the installer).  No locks, no
 * state, never sleeps; callable from any context, interrupts on or off.
 *
 * The incremental forms take and return the raw register, as Linux's crc32_le() and crc32c()
 * do: no inversion on the way in or out, so a checksum computed in pieces chains by passing
 * each result as the next seed.  The standard ("finished") values are
 *   crc32_le(~0, buf, len) ^ ~0   (zlib's crc32(), GPT's header and entry-array CRCs)
 *   crc32c(~0, buf, len) ^ ~0     (iSCSI's CRC-32C; ext4 stores crc32c(seed, ...) unfinished)
 * and crc32_ieee()/crc32c_std() compute them in one call. */
#ifndef VMK_CRC32_H
#define VMK_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (polynomial 0x04C11DB7, reflected 0xEDB88320) of len bytes at buf, continuing from
 * the register value seed.  Returns the new register value. */
uint32_t crc32_le(uint32_t seed, const void *buf, size_t len);

/* CRC-32C (polynomial 0x1EDC6F41, reflected 0x82F63B78), same convention as crc32_le. */
uint32_t crc32c(uint32_t seed, const void *buf, size_t len);

/* The standard CRC-32 of a buffer: check value 0xCBF43926 for "123456789". */
static inline uint32_t crc32_ieee(const void *buf, size_t len)
{
	return ~crc32_le(~0u, buf, len);
}

/* The standard CRC-32C of a buffer: check value 0xE3069283 for "123456789". */
static inline uint32_t crc32c_std(const void *buf, size_t len)
{
	return ~crc32c(~0u, buf, len);
}

#endif
