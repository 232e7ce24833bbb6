/* /dev: a ramfs instance populated at boot with the character devices and the usual links. */
#ifndef VMK_DEVFS_H
#define VMK_DEVFS_H

#include <stdint.h>
#include <vmk/vfs.h>

/*
 * Make the /dev file system on m (caller-owned, lives as long as the kernel) with env: device
 * nodes for every character device of kern/chardev.c, directories pts and shm (1777), and
 * symlinks fd -> /proc/self/fd, stdin/stdout/stderr -> /proc/self/fd/0..2; its files (in
 * /dev/shm) may hold up to max_bytes (0: no limit).  The caller holds the VFS lock and
 * attaches m.  0 or -ENOMEM.
 */
int devfs_new(struct mount *m, const struct vfs_env *env, uint64_t dev, uint64_t max_bytes);

/* The character device table (kern/chardev.c), for devfs and /proc.  These belong in
 * vmk/chardev.h. */
int chardev_count(void);
/* Entry i: its number, name under /dev and node mode.  0 or -ENXIO past the end. */
int chardev_info(int i, uint64_t *rdev, const char **name, uint32_t *mode);
/* The /dev name of device rdev, or NULL. */
const char *chardev_name(uint64_t rdev);

#endif
