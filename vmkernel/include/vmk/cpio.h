/* cpio "newc" archive unpacker: fills a file system tree from an initrd. */
#ifndef VMK_CPIO_H
#define VMK_CPIO_H

#include <stddef.h>

#include <vmk/vfs.h>

/* How far cpio_unpack got. */
struct cpio_result {
	unsigned entries; /* entries applied (trailers not counted) */
	size_t offset;	  /* where the failing header starts; on success the end of the data */
	const char *why;  /* NULL on success, else a short static reason for the log */
};

/*
 * Unpack the newc ("070701") or newc-with-checksum ("070702", data sums verified) archives in
 * data[0, len) into the tree under root, as Linux unpacks an initramfs:
 *   - archives may follow each other (each ends with "TRAILER!!!", then NUL padding to the
 *     next 4-byte aligned header); a later one overrides an earlier one, which is how an
 *     overlay appended after a base archive works;
 *   - names are taken relative to root: leading '/' and "." components dropped, repeated
 *     slashes collapsed; a ".." component is refused; missing parents are made (0755,
 *     owner 0); a symlink among the parents is followed, resolved inside root (".." and
 *     absolute targets cannot leave it);
 *   - an existing name is replaced: a non-directory is unlinked first, an empty directory
 *     removed when the entry is not one, an existing directory kept (its attributes updated);
 *   - regular files get their data, symlinks their target, device nodes their rdev, FIFOs and
 *     sockets nothing; mode, uid, gid and mtime (atime = mtime) come from the header;
 *     directory times are set at the end, after their contents stop changing them;
 *   - regular files with nlink >= 2 and the same (ino, devmajor, devminor) within one archive
 *     are hard links to the first of them; the data may come with any of them.
 * The input is untrusted: every field is checked (hex digits, sizes within the buffer, name
 * NUL-terminated and at most VFS_PATH_MAX, symlink targets without NUL) and a bad archive
 * stops the unpacking with an error; what was applied before stays.
 *
 * env provides scratch memory (path walks, the hard link table, the directory time list).
 * No permission checks are made (the unpacker acts as the kernel). The caller holds the VFS
 * lock as for any VFS call. Returns 0 or a negative errno (-EINVAL for a malformed archive,
 * or what an op returned: -ENOSPC, -ENOMEM, -ENOTEMPTY, ...); res is filled either way.
 */
int cpio_unpack(struct vnode *root, const void *data, size_t len, const struct vfs_env *env,
		struct cpio_result *res);

#endif
