/* The kernel entropy pool: a ChaCha20 generator with fast key erasure; getrandom(2). */
#define LOG_TAG "random"
#include <vmk/random.h>
#include <vmk/chacha20.h>
#include <vmk/rtc.h>
#include <vmk/aspace.h>
#include <vmk/spinlock.h>
#include <vmk/syscall.h>
#include <vmk/time.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <arch/cpu.h>
#include <string.h>

/*
 * State: a 256-bit key and a 64-bit block counter (its high half goes into the nonce).  Every
 * request XORs fresh material (TSC, a request counter, RDRAND) into the key, produces its
 * blocks, then replaces the key with key-stream bytes nobody saw: an attacker who reads the
 * state later cannot reconstruct earlier output.
 */
static struct spinlock rnd_lock = SPINLOCK_INIT;
static uint32_t rnd_key[8];
static uint64_t rnd_ctr, rnd_requests;
static bool rnd_seeded, has_rdseed;

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		uint8_t ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
		if (ok)
			return true;
	}
	return false;
}

static bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < 100; i++) {
		uint8_t ok;

		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
		if (ok)
			return true;
		cpu_relax();
	}
	return false;
}

static void block(uint8_t out[CHACHA20_BLOCK])
{
	uint32_t nonce[3] = {(uint32_t)(rnd_ctr >> 32), 0x6b65656c /* "keel" */, 0};

	chacha20_block(rnd_key, (uint32_t)rnd_ctr, nonce, out);
	rnd_ctr++;
}

/* Replace the key by fresh key stream (the erasure step). */
static void rekey(void)
{
	uint8_t b[CHACHA20_BLOCK];

	block(b);
	memcpy(rnd_key, b, sizeof(rnd_key));
	memset(b, 0, sizeof(b));
}

/* XOR up to 32 bytes into the key and rekey, so the material is diffused through ChaCha20. */
static void mix32(const void *m, size_t n)
{
	const uint8_t *p = m;
	uint8_t *k = (uint8_t *)rnd_key;

	for (size_t i = 0; i < n && i < sizeof(rnd_key); i++)
		k[i] ^= p[i];
	rekey();
}

static void mix_locked(const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		size_t c = n < 32 ? n : 32;

		mix32(p, c);
		p += c;
		n -= c;
	}
}

static void seed_locked(void)
{
	uint64_t m[4];
	unsigned hw = 0;
	uint32_t a, b, c, d;

	if (cpu_feat.max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		has_rdseed = b & (1u << 18);
	}
	/* Hardware: 512 bits from RDSEED (a true entropy source), else RDRAND. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++) {
			if ((has_rdseed && rdseed64(&m[i])) || (cpu_feat.rdrand && rdrand64(&m[i])))
				hw++;
			else
				m[i] = 0;
		}
		mix32(m, sizeof(m));
	}
	/* Always also TSC jitter around port reads (timing of the chipset and the host). */
	for (int round = 0; round < 16; round++) {
		for (int i = 0; i < 4; i++) {
			uint64_t t0 = rdtsc();

			(void)inb(0x61);
			m[i] = (rdtsc() - t0) ^ (t0 << 17) ^ ((uint64_t)round << 56);
		}
		mix32(m, sizeof(m));
	}
	m[0] = (uint64_t)rtc_boot_epoch_ns();
	m[1] = time_ns();
	m[2] = rdtsc();
	m[3] = 0;
	mix32(m, sizeof(m));
	rnd_seeded = true;
	log_info("seeded from %s%s", hw ? (has_rdseed ? "RDSEED" : "RDRAND") : "TSC jitter",
		 hw ? " and TSC jitter" : " only (no hardware generator)");
}

/* Per request: TSC, a request counter and RDRAND stirred in. */
static void stir_locked(void)
{
	uint64_t m[3] = {rdtsc(), ++rnd_requests, 0};

	if (cpu_feat.rdrand)
		rdrand64(&m[2]);
	mix32(m, sizeof(m));
}

void random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf, b[CHACHA20_BLOCK];
	uint64_t f = spin_lock_irqsave(&rnd_lock);

	if (!rnd_seeded)
		seed_locked();
	stir_locked();
	while (n) {
		size_t c = n < sizeof(b) ? n : sizeof(b);

		block(b);
		memcpy(p, b, c);
		p += c;
		n -= c;
	}
	rekey();
	spin_unlock_irqrestore(&rnd_lock, f);
	memset(b, 0, sizeof(b));
}

void random_mix(const void *buf, size_t n)
{
	uint64_t f = spin_lock_irqsave(&rnd_lock);

	if (!rnd_seeded)
		seed_locked();
	mix_locked(buf, n);
	spin_unlock_irqrestore(&rnd_lock, f);
}

#define GETRANDOM_MAX 33554431 /* Linux's per-call cap (INT_MAX >> 6) */

static long sys_getrandom(long ubuf, long len, long flags, long a3, long a4, long a5)
{
	uint8_t b[256];
	size_t done = 0, n = (size_t)len;

	if ((unsigned long)flags & ~(unsigned long)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE))
		return -EINVAL;
	if (n > GETRANDOM_MAX)
		n = GETRANDOM_MAX;
	/* The generator is seeded at first use and never runs dry: nothing to wait for. */
	while (done < n) {
		size_t c = n - done < sizeof(b) ? n - done : sizeof(b);

		random_bytes(b, c);
		if (copy_to_user((uint8_t *)ubuf + done, b, c)) {
			memset(b, 0, sizeof(b));
			return done ? (long)done : -EFAULT;
		}
		done += c;
	}
	memset(b, 0, sizeof(b));
	return (long)done;
}
SYSCALL_DEFINE(318, sys_getrandom);
