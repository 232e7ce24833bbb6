/* ramfs/tmpfs: a file system held in memory, file data in sparse pages. */
#ifndef VMK_RAMFS_H
#define VMK_RAMFS_H

#include <stdint.h>

#include <vmk/vfs.h>

/*
 * Every vnode op of vmk/vfs.h is implemented. File data sits in VFS_PAGE_SIZE pages from
 * env->alloc_page, indexed by a radix tree of 512-slot index pages, so holes cost nothing and
 * read as zeros. Directories hash their names (O(1) lookup) and keep their entries in creation
 * order with a per-directory sequence number, which is the readdir cookie, so a listing is
 * stable while other entries are removed. Every vnode of an instance is on one list, so
 * destroy frees it all without recursion however deep the tree is.
 *
 * Limits: max_bytes counts data pages (tmpfs size=; index pages are not counted, there are at
 * most three per data page and usually 1/512), max_inodes counts vnodes (tmpfs nr_inodes);
 * both give -ENOSPC; 0 means none. Files up to VFS_MAX_FILE_SIZE (-EFBIG beyond).
 *
 * Times come from env->now_ns. Reads update atime the relatime way (when atime is older than
 * mtime or ctime, or a day old), except on a read-only mount. Locking: as in vmk/vfs.h, the
 * caller serialises all calls on one instance; nothing sleeps except in the env callbacks.
 */

struct ramfs_params {
	struct vfs_env env; /* copied */
	uint64_t max_bytes;
	uint64_t max_inodes;
	uint64_t dev;	    /* st_dev reported for this instance */
	uint32_t root_mode; /* permission bits of the root directory */
	uint32_t root_uid, root_gid;
};

struct ramfs_stats {
	uint64_t inodes;      /* vnodes alive, unlinked-but-referenced ones included */
	uint64_t data_pages;  /* pages of file data */
	uint64_t index_pages; /* radix index pages */
	uint64_t bytes_alloc; /* bytes held through env->alloc */
};

/*
 * Create an instance on m (caller-owned memory, zeroed by this call): fills m->root
 * (referenced by the mount), m->fs, m->ops and m->dev. Attach it with vfs_mount_attach.
 * -ENOMEM. vfs_umount destroys it.
 */
int ramfs_new(struct mount *m, const struct ramfs_params *p);

void ramfs_get_stats(const struct mount *m, struct ramfs_stats *out);

/* Is v a ramfs vnode? */
bool ramfs_is_ramfs(const struct vnode *v);

#endif
