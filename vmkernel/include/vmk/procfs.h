/* /proc: a synthetic read-only file system describing the kernel, its processes and worlds. */
#ifndef VMK_PROCFS_H
#define VMK_PROCFS_H

#include <stdint.h>
#include <vmk/vfs.h>

/*
 * Make the /proc file system on m (caller-owned, lives as long as the kernel).  Files are
 * generated when read at offset 0 and the text is kept with the open vnode, so a reader going
 * through a file sees one snapshot; each lookup makes a fresh vnode.  The caller holds the VFS
 * lock and attaches m.  0 or -ENOMEM.
 */
int procfs_new(struct mount *m, const struct vfs_env *env, uint64_t dev);

/* Record a mount for /proc/mounts (spec, directory, type, options as mount(8) shows them).
 * Boot-time only: not locked. */
void procfs_note_mount(const char *spec, const char *dir, const char *type, const char *opts);

#endif
