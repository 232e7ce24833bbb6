UNIT_TESTS += x86_decode
x86_decode_SRCS := vmkernel/hv/core/x86_decode.c
