/* ChaCha20 block function (RFC 8439), the core of the kernel's random generator. */
#ifndef VMK_CHACHA20_H
#define VMK_CHACHA20_H

#include <stdint.h>

#define CHACHA20_BLOCK 64 /* bytes of key stream per block */

/*
 * One 64-byte block of ChaCha20 key stream for a 256-bit key (eight little-endian words), a
 * 32-bit block counter and a 96-bit nonce (three little-endian words), serialised as RFC 8439
 * section 2.3 does. Pure: no state, no locking.
 */
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
		    uint8_t out[CHACHA20_BLOCK]);

#endif
