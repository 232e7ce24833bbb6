UNIT_TESTS += format
format_SRCS := vmkernel/lib/format.c
