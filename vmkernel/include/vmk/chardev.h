/*
 * Character devices: what open(2) of a device node (VNODE_CHR) turns into.  Numbers follow
 * Linux: 1:3 null, 1:5 zero, 1:8 random, 1:9 urandom, 5:1 console, 4:0 tty0 (the screen);
 * Keel's own: 10:240 keel (its controls), 10:241 vmm (virtual machines, hv/vmm_dev.c).
 */
#ifndef VMK_CHARDEV_H
#define VMK_CHARDEV_H

#include <stdint.h>

struct file;

/* A new open file for device rdev (VFS_MKDEV(major, minor)) opened with flags (O_*).
 * 0 and *out, or -ENXIO when no driver has that number, -ENOMEM. */
int chardev_open(uint64_t rdev, int flags, struct file **out);
/* A slot for the driver's own state of one open device file (NULL at open); the driver's
 * release frees what it put there, then the file with chardev_release. */
void **chardev_data(struct file *f);
void chardev_release(struct file *f);

#endif
