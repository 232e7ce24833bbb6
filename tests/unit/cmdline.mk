UNIT_TESTS += cmdline
cmdline_SRCS := vmkernel/lib/cmdline.c
