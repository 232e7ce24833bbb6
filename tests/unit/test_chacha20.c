/* ChaCha20 block function: RFC 8439 section 2.3.2 and appendix A.1 vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/chacha20.h>

static void test_rfc8439_2_3_2(void **state)
{
	static const uint8_t expect[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
		0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
		0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
		0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
		0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	uint32_t key[8], nonce[3] = {0x09000000, 0x4a000000, 0x00000000};
	uint8_t out[64];

	(void)state;
	for (int i = 0; i < 8; i++) /* bytes 00 01 02 ... 1f, little-endian words */
		key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 |
			 (uint32_t)(4 * i + 2) << 16 | (uint32_t)(4 * i + 3) << 24;
	chacha20_block(key, 1, nonce, out);
	assert_memory_equal(out, expect, 64);
}

static void test_rfc8439_a1_zero(void **state)
{
	static const uint8_t expect0[16] = {0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90,
					    0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28};
	static const uint8_t expect1[16] = {0x9f, 0x07, 0xe7, 0xbe, 0x55, 0x51, 0x38, 0x7a,
					    0x98, 0xba, 0x97, 0x7c, 0x73, 0x2d, 0x08, 0x0d};
	uint32_t key[8] = {0}, nonce[3] = {0};
	uint8_t out[64];

	(void)state;
	chacha20_block(key, 0, nonce, out);
	assert_memory_equal(out, expect0, 16);
	chacha20_block(key, 1, nonce, out);
	assert_memory_equal(out, expect1, 16);
}

/* A different counter or key bit changes the block (the generator relies on it). */
static void test_counter_and_key_matter(void **state)
{
	uint32_t key[8] = {0}, nonce[3] = {0};
	uint8_t a[64], b[64];

	(void)state;
	chacha20_block(key, 7, nonce, a);
	chacha20_block(key, 8, nonce, b);
	assert_memory_not_equal(a, b, 64);
	key[7] = 1u << 31;
	chacha20_block(key, 7, nonce, b);
	assert_memory_not_equal(a, b, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8439_2_3_2),
		cmocka_unit_test(test_rfc8439_a1_zero),
		cmocka_unit_test(test_counter_and_key_matter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
