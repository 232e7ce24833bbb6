/* Bit arrays of unsigned long words: set, clear, search and count a word at a time. */
#include <stdint.h>
#include <vmk/bitmap.h>

_Static_assert(sizeof(unsigned long) * 8 == BITMAP_BITS_PER_WORD, "unsigned long must be 64 bits");

#define WORD(bit) ((bit) / BITMAP_BITS_PER_WORD)

/* Bits from position bit % 64 upwards within bit's word. */
static inline unsigned long mask_from(size_t bit)
{
	return ~0UL << (bit % BITMAP_BITS_PER_WORD);
}

/* Bits below end within the word that holds bit end - 1 (all of them when end % 64 == 0). */
static inline unsigned long mask_to(size_t end)
{
	return ~0UL >> (-end % BITMAP_BITS_PER_WORD);
}

/*
 * Set bits in one word.  Without -mpopcnt, __builtin_popcountl becomes a call to libgcc's
 * __popcountdi2, and the kernel does not link libgcc: count by halves instead.
 */
static inline size_t popcount_word(unsigned long w)
{
#ifdef __POPCNT__
	return (size_t)__builtin_popcountl(w);
#else
	w = w - ((w >> 1) & 0x5555555555555555UL);
	w = (w & 0x3333333333333333UL) + ((w >> 2) & 0x3333333333333333UL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fUL;
	return (size_t)((w * 0x0101010101010101UL) >> 56);
#endif
}

/* Number of words holding the bits [0, end), without overflow for end near SIZE_MAX. */
static inline size_t words_to(size_t end)
{
	return WORD(end) + (end % BITMAP_BITS_PER_WORD != 0);
}

void bitmap_set(unsigned long *map, size_t bit)
{
	map[WORD(bit)] |= 1UL << (bit % BITMAP_BITS_PER_WORD);
}

void bitmap_clear(unsigned long *map, size_t bit)
{
	map[WORD(bit)] &= ~(1UL << (bit % BITMAP_BITS_PER_WORD));
}

bool bitmap_test(const unsigned long *map, size_t bit)
{
	return (map[WORD(bit)] >> (bit % BITMAP_BITS_PER_WORD)) & 1;
}

void bitmap_set_range(unsigned long *map, size_t start, size_t n)
{
	size_t end = start + n;
	size_t w, last;

	if (n == 0)
		return;
	w = WORD(start);
	last = WORD(end - 1);
	if (w == last) {
		map[w] |= mask_from(start) & mask_to(end);
		return;
	}
	map[w++] |= mask_from(start);
	while (w < last)
		map[w++] = ~0UL;
	map[last] |= mask_to(end);
}

void bitmap_clear_range(unsigned long *map, size_t start, size_t n)
{
	size_t end = start + n;
	size_t w, last;

	if (n == 0)
		return;
	w = WORD(start);
	last = WORD(end - 1);
	if (w == last) {
		map[w] &= ~(mask_from(start) & mask_to(end));
		return;
	}
	map[w++] &= ~mask_from(start);
	while (w < last)
		map[w++] = 0;
	map[last] &= ~mask_to(end);
}

/* First bit in [start, end) whose value XOR the low bit of invert is 1; end if none. */
static size_t find_bit(const unsigned long *map, size_t start, size_t end, unsigned long invert)
{
	size_t w, nwords, bit;
	unsigned long word;

	if (start >= end)
		return end;
	w = WORD(start);
	nwords = words_to(end);
	word = (map[w] ^ invert) & mask_from(start);
	while (word == 0) {
		if (++w >= nwords)
			return end;
		word = map[w] ^ invert;
	}
	bit = w * BITMAP_BITS_PER_WORD + (size_t)__builtin_ctzl(word);
	return bit < end ? bit : end;
}

size_t bitmap_find_clear(const unsigned long *map, size_t start, size_t end)
{
	return find_bit(map, start, end, ~0UL);
}

size_t bitmap_find_set(const unsigned long *map, size_t start, size_t end)
{
	return find_bit(map, start, end, 0);
}

/* Smallest multiple of align that is >= x; SIZE_MAX if that does not fit. */
static size_t align_up(size_t x, size_t align)
{
	size_t r;

	if ((align & (align - 1)) == 0)
		r = (x + align - 1) & ~(align - 1);
	else
		r = x + (align - x % align) % align;
	return r < x ? SIZE_MAX : r;
}

size_t bitmap_find_clear_run(const unsigned long *map, size_t start, size_t end, size_t n,
			     size_t align)
{
	size_t i = start;
	size_t set;

	if (align == 0)
		align = 1;
	for (;;) {
		i = align_up(i, align);
		if (i >= end || n > end - i)
			return end;
		if (n == 0)
			return i;
		/* A set bit inside the candidate run: restart at the first clear bit past it. */
		set = bitmap_find_set(map, i, i + n);
		if (set == i + n)
			return i;
		i = bitmap_find_clear(map, set + 1, end);
	}
}

size_t bitmap_count_set(const unsigned long *map, size_t start, size_t end)
{
	size_t w, last, count;

	if (start >= end)
		return 0;
	w = WORD(start);
	last = WORD(end - 1);
	if (w == last)
		return popcount_word(map[w] & mask_from(start) & mask_to(end));
	count = popcount_word(map[w++] & mask_from(start));
	while (w < last)
		count += popcount_word(map[w++]);
	return count + popcount_word(map[last] & mask_to(end));
}
