/*
 * Kernel random numbers: a ChaCha20 generator with fast key erasure, seeded from RDSEED or
 * RDRAND when the CPU has them, else from TSC jitter, and stirred on every request with the
 * TSC, a counter and (when present) RDRAND.  Seeded on first use; never blocks.
 */
#ifndef VMK_RANDOM_H
#define VMK_RANDOM_H

#include <stddef.h>

/* Fill buf (kernel memory) with n random bytes.  Any context; takes a spinlock with
 * interrupts off for about n / 64 ChaCha20 blocks. */
void random_bytes(void *buf, size_t n);

/* Stir n bytes of caller data (e.g. writes to /dev/random) into the key; credits nothing. */
void random_mix(const void *buf, size_t n);

/* getrandom(2) flags. */
#define GRND_NONBLOCK 0x1
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

#endif
