/* Bit arrays of unsigned long words: set, clear, search and count a word at a time. */
#ifndef VMK_BITMAP_H
#define VMK_BITMAP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Bit i lives in word i / 64, at bit position i % 64 of that word (unsigned long is 64 bits on
 * every Keel target).  A map of nbits bits needs BITMAP_WORDS(nbits) words.  None of these
 * functions lock: the caller serialises access to a map.  Every index passed must lie inside
 * the caller's map (ranges: [start, start + n) or [start, end)); nothing here checks bounds,
 * and no word past the one holding the last bit of the range is read or written.
 */
#define BITMAP_BITS_PER_WORD 64
#define BITMAP_WORDS(nbits)  (((nbits) + 63) / 64)

/* Set bit @bit of @map. */
void bitmap_set(unsigned long *map, size_t bit);

/* Clear bit @bit of @map. */
void bitmap_clear(unsigned long *map, size_t bit);

/* Return whether bit @bit of @map is set. */
bool bitmap_test(const unsigned long *map, size_t bit);

/* Set the @n bits [start, start + n) of @map; n == 0 does nothing. */
void bitmap_set_range(unsigned long *map, size_t start, size_t n);

/* Clear the @n bits [start, start + n) of @map; n == 0 does nothing. */
void bitmap_clear_range(unsigned long *map, size_t start, size_t n);

/* Return the first clear bit of @map in [start, end), or @end if there is none (or start >= end).
 */
size_t bitmap_find_clear(const unsigned long *map, size_t start, size_t end);

/* Return the first set bit of @map in [start, end), or @end if there is none (or start >= end). */
size_t bitmap_find_set(const unsigned long *map, size_t start, size_t end);

/*
 * Return the first index i in [start, end) such that i % align == 0, i + n <= end and the bits
 * [i, i + n) of @map are all clear; @end if there is none.  @align is meant to be a power of two
 * (other values >= 1 work, more slowly; 0 is taken as 1).  n == 0 returns the first aligned
 * index in [start, end).  Cost is linear in the words scanned, not in n.
 */
size_t bitmap_find_clear_run(const unsigned long *map, size_t start, size_t end, size_t n,
			     size_t align);

/* Return the number of set bits of @map in [start, end) (0 if start >= end). */
size_t bitmap_count_set(const unsigned long *map, size_t start, size_t end);

#endif
