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
struct proc;
struct aspace;
struct vnode;
struct vfs_stat;

/* Make the root ramfs and unpack the initrd module into it, if there is one.  Bad archives
 * are logged and what was unpacked before the damage stays.  0 or -errno (no memory). */
int rootfs_init(const struct boot_info *bi);

/* A regular file by path, referenced (rootfs_put drops it), for exec: 0 or -errno
 * (-ENOENT, -EISDIR, -EACCES for what is not a regular file, ...). */
int rootfs_open_file(struct proc *p, const char *path, struct vnode **out);
void rootfs_put(struct vnode *v);
/* Another reference on v (rootfs_put drops it). */
struct vnode *rootfs_get(struct vnode *v);
/* Read from a regular file: bytes (0 at the end) or -errno. */
int64_t rootfs_pread(struct vnode *v, uint64_t off, void *buf, size_t len);
/* Write to a regular file (it grows as needed): bytes or -errno. */
int64_t rootfs_pwrite(struct vnode *v, uint64_t off, const void *buf, size_t len);
/* Its attributes (size, mode ...): 0 or -errno. */
int rootfs_stat(struct vnode *v, struct vfs_stat *st);
/* Map n pages of v from page pgoff on at va of as (aspace_map_page): the file's own pages,
 * shared with it.  Holes stay unmapped (demand-zero), or get a page of the file when alloc.
 * 0, -ENODEV when the file system has no pages to share (then copy), or -errno. */
int rootfs_map_pages(struct vnode *v, uint64_t pgoff, size_t n, bool alloc, struct aspace *as,
		     uintptr_t va);
/* The VFS mutex: held around every VFS call (vmk/vfs.h), never across a user copy. */
void kvfs_lock(void);
void kvfs_unlock(void);
/* Memory and clock callbacks for VFS calls made by the kernel. */
const struct vfs_env *kvfs_env(void);
/* The root directory of the namespace (not referenced: it lives as long as the kernel). */
struct vnode *kvfs_root(void);
/* A walk context for p (root, its cwd, root credentials); the VFS mutex must be held. */
struct vfs_ctx kvfs_ctx(struct proc *p);

#endif
