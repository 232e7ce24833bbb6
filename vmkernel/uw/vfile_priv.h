/* Helpers shared by the file system calls (sys_file.c, sys_fd.c) and VFS files (vfile.c). */
#ifndef UW_VFILE_PRIV_H
#define UW_VFILE_PRIV_H

#include <stdint.h>
#include <vmk/file.h>
#include <vmk/vfs.h>

/* Flags the file keeps from open(2) (the rest act at open time only). */
#define VFILE_KEEP_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | VFS_O_DIRECTORY | VFS_O_PATH)

/*
 * A new file for v (a regular file or directory; any type with O_PATH).  On success the file
 * holds the caller's reference on v; on failure (-ENOMEM) the caller still owns it.  Does not
 * touch the VFS, so it may be called with or without the VFS lock.
 */
int vfile_new(struct vnode *v, int flags, struct file **out);

/* Attributes of an open file: the vnode's, the file's own stat op, or a character device
 * look for files that have neither.  Takes the VFS lock itself.  0 or -errno. */
int file_getattr(struct file *f, struct vfs_stat *st);

/* Copy st out as Linux x86_64 struct stat (144 bytes).  0 or -EFAULT. */
int stat_to_user(const struct vfs_stat *st, void *ubuf);

#endif
