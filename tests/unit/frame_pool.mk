UNIT_TESTS += frame_pool
frame_pool_SRCS := vmkernel/mm/frame_pool.c vmkernel/lib/bitmap.c
