# cpio newc unpacker: archives from GNU cpio (checked in and made at test time), hostile input.
UNIT_TESTS += cpio
cpio_SRCS := vmkernel/fs/vfs_path.c vmkernel/fs/ramfs.c vmkernel/fs/cpio.c
