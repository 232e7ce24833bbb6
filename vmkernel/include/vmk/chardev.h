/*
 * Character devices: what open(2) of a device node (VNODE_CHR) turns into.  Numbers follow
 * Linux: 1:3 null, 1:5 zero, 1:8 random, 1:9 urandom, 5:1 console, 4:0 tty0 (the screen).
 */
#ifndef VMK_CHARDEV_H
#define VMK_CHARDEV_H

#include <stdint.h>

struct file;

/* A new open file for device rdev (VFS_MKDEV(major, minor)) opened with flags (O_*).
 * 0 and *out, or -ENXIO when no driver has that number, -ENOMEM. */
int chardev_open(uint64_t rdev, int flags, struct file **out);

#endif
