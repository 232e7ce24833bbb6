/* Little-endian byte access: fields of structures laid out in bytes (boot headers, ACPI
 * tables, PCI configuration space, virtio structures), whatever their alignment. */
#ifndef VMK_LE_H
#define VMK_LE_H

#include <stdint.h>

/* The n (1..8) bytes at p as a little-endian number. */
static inline uint64_t le_get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Store the low n (1..8) bytes of v at p, little-endian. */
static inline void le_put(uint8_t *p, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)le_get(p, 2);
}
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le_get(p, 4);
}
static inline uint64_t le64(const uint8_t *p)
{
	return le_get(p, 8);
}
static inline void put_le16(uint8_t *p, uint16_t v)
{
	le_put(p, 2, v);
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
	le_put(p, 4, v);
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
	le_put(p, 8, v);
}

#endif
