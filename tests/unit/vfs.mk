# VFS path layer: walks, symlinks, mounts, permissions, operations by path.
UNIT_TESTS += vfs
vfs_SRCS := vmkernel/fs/vfs_path.c vmkernel/fs/ramfs.c vmkernel/fs/cpio.c
