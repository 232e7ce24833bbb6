# The robust-list walk at thread death (bounded, stops at bad pointers, list_op_pending).
UNIT_TESTS += futex_robust_walk
futex_robust_walk_SRCS := vmkernel/uw/futex_robust_walk.c
