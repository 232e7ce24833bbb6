# ChaCha20 block function against the RFC 8439 test vectors (the kernel's random generator).
UNIT_TESTS += chacha20
chacha20_SRCS := vmkernel/lib/chacha20.c
