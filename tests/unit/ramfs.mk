# ramfs/tmpfs vnode ops (directories, sparse pages, limits, allocation failures).
UNIT_TESTS += ramfs
ramfs_SRCS := vmkernel/fs/vfs_path.c vmkernel/fs/ramfs.c vmkernel/fs/cpio.c
