/* CRC-32 (IEEE) and CRC-32C: check values, Linux's seed convention, chaining, tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/crc32.h>

static const char check[] = "123456789";

/* The bitwise reference the tables must agree with. */
static uint32_t crc_bitwise(uint32_t poly, uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? crc >> 1 ^ poly : crc >> 1;
	}
	return crc;
}

static void test_check_values(void **state)
{
	(void)state;
	assert_int_equal(crc32_ieee(check, 9), 0xcbf43926u);
	assert_int_equal(crc32c_std(check, 9), 0xe3069283u);
	/* Empty input: the standard value is 0, the raw register stays at the seed. */
	assert_int_equal(crc32_ieee(check, 0), 0);
	assert_int_equal(crc32_le(0x1234, check, 0), 0x1234);
	assert_int_equal(crc32c(0x1234, check, 0), 0x1234);
}

/* Linux's raw form: crc32_le(~0) ^ ~0 is zlib's crc32(); seed 0 differs. */
static void test_raw_form(void **state)
{
	(void)state;
	assert_int_equal(crc32_le(~0u, check, 9) ^ ~0u, 0xcbf43926u);
	assert_int_equal(crc32c(~0u, check, 9) ^ ~0u, 0xe3069283u);
	assert_int_not_equal(crc32_le(0, check, 9), crc32_le(~0u, check, 9));
	/* RFC 3720 B.4: 32 bytes of zeros give CRC-32C 0x8a9136aa; of 0xff, 0x62a8ab43. */
	uint8_t z[32], f[32];

	memset(z, 0, sizeof(z));
	memset(f, 0xff, sizeof(f));
	assert_int_equal(crc32c_std(z, 32), 0x8a9136aau);
	assert_int_equal(crc32c_std(f, 32), 0x62a8ab43u);
}

/* A checksum in pieces, each result the next seed, equals the one-shot value at every split
 * (ext4 chains the UUID, inode number and inode this way). */
static void test_chaining(void **state)
{
	uint8_t buf[300];

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t whole = crc32_le(~0u, buf, sizeof(buf)), wholec = crc32c(~0u, buf, sizeof(buf));

	for (size_t cut = 0; cut <= sizeof(buf); cut += 13) {
		uint32_t a = crc32_le(crc32_le(~0u, buf, cut), buf + cut, sizeof(buf) - cut);
		uint32_t c = crc32c(crc32c(~0u, buf, cut), buf + cut, sizeof(buf) - cut);

		assert_int_equal(a, whole);
		assert_int_equal(c, wholec);
	}
}

/* Every table entry (each byte value) and longer data agree with the bitwise CRC. */
static void test_tables_match_bitwise(void **state)
{
	uint8_t buf[1000];

	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		uint8_t byte = (uint8_t)b;

		assert_int_equal(crc32_le(0, &byte, 1), crc_bitwise(0xedb88320u, 0, &byte, 1));
		assert_int_equal(crc32c(0, &byte, 1), crc_bitwise(0x82f63b78u, 0, &byte, 1));
	}
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 ^ i >> 3);
	assert_int_equal(crc32_le(0x5a5a5a5a, buf, sizeof(buf)),
			 crc_bitwise(0xedb88320u, 0x5a5a5a5a, buf, sizeof(buf)));
	assert_int_equal(crc32c(0xa5a5a5a5, buf, sizeof(buf)),
			 crc_bitwise(0x82f63b78u, 0xa5a5a5a5, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_values),
		cmocka_unit_test(test_raw_form),
		cmocka_unit_test(test_chaining),
		cmocka_unit_test(test_tables_match_bitwise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
