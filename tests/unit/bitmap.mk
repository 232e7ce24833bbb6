UNIT_TESTS += bitmap
bitmap_SRCS := vmkernel/lib/bitmap.c
