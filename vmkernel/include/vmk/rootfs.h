/*
 * The kernel's file namespace: a ramfs root filled from the initrd (a cpio archive the boot
 * loader hands over as the multiboot2 module named "initrd"), and the one VFS mutex that
 * serialises every VFS call (see vmk/vfs.h).
 */
#ifndef VMK_ROOTFS_H
#define VMK_ROOTFS_H

#include <stddef.h>
#include <vmk/vfs.h>

struct boot_info;

/* Make the root ramfs and unpack the initrd module into it, if there is one.  Bad archives
 * are logged and what was unpacked before the damage stays.  0 or -errno (no memory). */
int rootfs_init(const struct boot_info *bi);
/* Read a whole regular file (for exec) into a kmalloc'ed buffer (kfree it), a relative path
 * starting at p's cwd (p NULL: the root).  At most max bytes (-EFBIG beyond).  0 or -errno
 * (-ENOENT, -EACCES, -EISDIR, ...). */
struct proc;
int rootfs_read_file(struct proc *p, const char *path, size_t max, void **buf, size_t *size);

/* The VFS mutex: held around every VFS call (vmk/vfs.h), never across a user copy. */
void kvfs_lock(void);
void kvfs_unlock(void);
/* Memory and clock callbacks for VFS calls made by the kernel. */
const struct vfs_env *kvfs_env(void);
/* The root directory of the namespace (not referenced: it lives as long as the kernel). */
struct vnode *kvfs_root(void);
/* A walk context for p (root, its cwd, root credentials); the VFS mutex must be held. */
struct proc;
struct vfs_ctx kvfs_ctx(struct proc *p);

#endif
