# CRC-32 and CRC-32C: standard check values, chaining, the tables against a bitwise CRC.
UNIT_TESTS += crc32
crc32_SRCS := vmkernel/lib/crc32.c
