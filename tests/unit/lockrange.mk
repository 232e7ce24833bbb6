# File-lock records (POSIX split/merge, owner order, flock conversion, deadlock walk).
UNIT_TESTS += lockrange
lockrange_SRCS := vmkernel/fs/lockrange.c
