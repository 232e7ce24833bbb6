/* VFS core: vnodes, their operations, mounts, path walking and permission rules. */
#ifndef VMK_VFS_H
#define VMK_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmk/errno.h>
#include <vmk/lockrange.h>

/*
 * Overview. A file system instance (ramfs today) hands out vnodes: one struct vnode per file,
 * with a table of operations (struct vnode_ops). Names live in the file system, not here: there
 * is no name cache, every path walk asks the directories (ops->lookup). A mount (struct mount)
 * grafts a file system's root vnode over a directory of another one; the covered directory
 * points at it through vnode->mounted_here and the walk steps down through it.
 *
 * References. Every vnode a function here or an op hands out carries one reference that the
 * receiver drops with vnode_put. A vnode lives while it has a reference or a name (nlink > 0);
 * when the last reference goes, vnode_put calls ops->inactive, which frees a vnode that has no
 * name left (a file unlinked while open stays readable until then). Names do not hold
 * references.
 *
 * Locking. Nothing here takes a lock, sleeps or blocks, except through the struct vfs_env
 * callbacks. The caller serialises every call on one namespace (the kernel holds one VFS mutex
 * around walks, ops, vnode_get/vnode_put and mount changes); refcounts are plain integers
 * guarded by that lock. Buffers passed to ops are kernel memory: user copies happen outside.
 *
 * Errors are negative Linux errno values. Numbers not in vmk/errno.h are defined below.
 */

#ifndef EXDEV
#define EXDEV 18
#endif
#ifndef EFBIG
#define EFBIG 27
#endif
#ifndef EROFS
#define EROFS 30
#endif
#ifndef EMLINK
#define EMLINK 31
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36
#endif
#ifndef ENOTEMPTY
#define ENOTEMPTY 39
#endif
#ifndef ELOOP
#define ELOOP 40
#endif
#ifndef EOVERFLOW
#define EOVERFLOW 75
#endif

#define VFS_NAME_MAX	  255  /* bytes in one path component */
#define VFS_PATH_MAX	  4096 /* bytes in a path, its NUL included */
#define VFS_SYMLOOP_MAX	  40   /* symlink expansions in one walk */
#define VFS_PAGE_SIZE	  4096
#define VFS_MAX_FILE_SIZE (1ULL << 48) /* largest file size any op accepts */

/* File type and mode bits, Linux values (st_mode). */
#define VFS_IFMT   0170000
#define VFS_IFSOCK 0140000
#define VFS_IFLNK  0120000
#define VFS_IFREG  0100000
#define VFS_IFBLK  0060000
#define VFS_IFDIR  0040000
#define VFS_IFCHR  0020000
#define VFS_IFIFO  0010000
#define VFS_ISUID  04000
#define VFS_ISGID  02000
#define VFS_ISVTX  01000
#define VFS_IPERM  07777 /* what vnode->mode holds */

/* Device numbers as glibc's makedev (st_rdev of Linux x86_64). */
#define VFS_MKDEV(ma, mi)                                                            \
	((((uint64_t)(ma)&0xfffff000ULL) << 32) | (((uint64_t)(ma)&0xfffULL) << 8) | \
	 (((uint64_t)(mi)&0xffffff00ULL) << 12) | ((uint64_t)(mi)&0xffULL))
#define VFS_MAJOR(d) ((uint32_t)((((d) >> 32) & 0xfffff000ULL) | (((d) >> 8) & 0xfffULL)))
#define VFS_MINOR(d) ((uint32_t)((((d) >> 12) & 0xffffff00ULL) | ((d)&0xffULL)))

enum vnode_type {
	VNODE_NONE,
	VNODE_REG,
	VNODE_DIR,
	VNODE_LNK,
	VNODE_CHR,
	VNODE_BLK,
	VNODE_FIFO,
	VNODE_SOCK,
};

/* VFS_IF* type bits of t, and the type of mode's VFS_IF* bits (VNODE_NONE when unknown). */
uint32_t vfs_type_to_mode(enum vnode_type t);
enum vnode_type vfs_mode_to_type(uint32_t mode);

/*
 * What a file system needs from its host: memory, pages and the time. Copied by whoever keeps
 * it. alloc returns at least size bytes, 16-byte aligned, contents undefined, or NULL; free
 * gets the size that was asked for. alloc_page returns VFS_PAGE_SIZE bytes, page aligned,
 * contents undefined, or NULL. now_ns is the wall clock in ns since the epoch (NULL: 0). None
 * of them may call back into the VFS.
 */
struct vfs_env {
	void *(*alloc)(size_t size, void *ctx);
	void (*free)(void *p, size_t size, void *ctx);
	void *(*alloc_page)(void *ctx);
	void (*free_page)(void *page, void *ctx);
	int64_t (*now_ns)(void *ctx);
	void *ctx;
};

/* Credentials for permission checks. uid 0 is root and bypasses them as on Linux. */
struct vfs_cred {
	uint32_t uid, gid;	/* fsuid, fsgid */
	const uint32_t *groups; /* supplementary groups */
	size_t ngroups;
};

struct mount;
struct vnode_ops;

/*
 * A file. Fields below "fs-owned" are set by the file system and kept current by its ops; the
 * VFS reads them (permission checks, walks) but changes them only through ops->setattr.
 */
struct vnode {
	/* fs-owned */
	enum vnode_type type;
	uint32_t mode; /* permission bits (VFS_IPERM) only */
	uint32_t uid, gid;
	uint32_t nlink; /* names; a directory counts ".", its name and its subdirectories' ".." */
	uint64_t size;	/* bytes; symlink: target length */
	uint64_t ino;
	uint64_t rdev; /* VFS_MKDEV of a device node */
	int64_t atime_ns, mtime_ns, ctime_ns;
	const struct vnode_ops *ops;
	void *priv;	     /* the file system's */
	struct mount *mount; /* the mount this vnode is reached through */
	/* VFS-owned, under the VFS lock */
	uint32_t refcount;
	struct mount *mounted_here; /* a mount covers this directory */
	/* File locks on this file: fs/filelock.c's, under its lock (zeroed by the fs) */
	struct lock_list locks;
};

/* Attributes of a new vnode (create, mkdir, mknod, symlink). */
struct vfs_newattr {
	uint32_t mode; /* VFS_IF* type bits (create/mkdir/symlink ignore them) | permission bits */
	uint32_t uid, gid;
	uint64_t rdev; /* mknod of a device node */
};

/* Everything stat(2) reports. */
struct vfs_stat {
	uint64_t dev, ino, rdev, size, blocks; /* blocks: 512-byte units held */
	uint32_t mode, nlink, uid, gid, blksize;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

/* setattr: the fields named in mask are set, ctime is set to now. */
#define VFS_SET_MODE	  0x01 /* permission bits only */
#define VFS_SET_UID	  0x02
#define VFS_SET_GID	  0x04
#define VFS_SET_SIZE	  0x08 /* truncate or extend with a hole */
#define VFS_SET_ATIME	  0x10 /* to atime_ns */
#define VFS_SET_MTIME	  0x20 /* to mtime_ns */
#define VFS_SET_ATIME_NOW 0x40
#define VFS_SET_MTIME_NOW 0x80
#define VFS_SET_CTIME	  0x100 /* to ctime_ns instead of now (cpio, restore tools) */

struct vfs_setattr {
	unsigned mask;
	uint32_t mode, uid, gid;
	uint64_t size;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

struct vfs_statfs {
	uint64_t magic; /* statfs f_type: Linux's magic number for such a file system */
	uint64_t bsize, blocks, bfree, files, ffree, namelen;
};
#define VFS_TMPFS_MAGIC 0x01021994 /* ramfs instances behave as Linux's tmpfs */
#define VFS_PROC_MAGIC	0x9fa0

/*
 * readdir callback: one entry (name not NUL-terminated); next is the cookie that resumes after
 * it. Returns 0 to go on, anything else to stop before consuming this entry. It must not call
 * into the VFS (copy the entry out, e.g. into a getdents buffer, and return).
 */
typedef int (*vfs_filldir_t)(void *arg, const char *name, size_t len, uint64_t ino,
			     enum vnode_type type, uint64_t next);

#define VFS_RENAME_NOREPLACE 1 /* Linux RENAME_NOREPLACE */

/*
 * Operations on one vnode. Names are (name, len) without NUL, 1..VFS_NAME_MAX bytes, no '/'
 * (-ENAMETOOLONG past the limit, -EINVAL for an empty name or one holding '/' or NUL); the
 * file system treats "." and ".." as Linux does (they exist, cannot be created or removed).
 * Ops check the file system's own rules (types, emptiness, space, name limits) but not
 * permissions, read-only mounts or mount points crossing file systems: the vfs_* functions do
 * that. Ops that take a directory return -ENOTDIR when it is not one and -ENOENT when it has
 * been removed. Nothing sleeps except in the vfs_env callbacks. Ops not supported are NULL.
 * The ops that make a vnode (create, mkdir, mknod, symlink) hand it out referenced in *out
 * when out is not NULL.
 */
struct vnode_ops {
	/* The child called name (".." included: a root's parent is itself), referenced. */
	int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
	/* New regular file (-EEXIST if the name exists, even as a dangling symlink). */
	int (*create)(struct vnode *dir, const char *name, size_t len, const struct vfs_newattr *a,
		      struct vnode **out);
	int (*mkdir)(struct vnode *dir, const char *name, size_t len, const struct vfs_newattr *a,
		     struct vnode **out);
	/* Device node, FIFO, socket or regular file, by a->mode's type bits. */
	int (*mknod)(struct vnode *dir, const char *name, size_t len, const struct vfs_newattr *a,
		     struct vnode **out);
	/* target: 1..VFS_PATH_MAX-1 bytes, stored as given. */
	int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target,
		       size_t tlen, const struct vfs_newattr *a, struct vnode **out);
	/* Copies up to len bytes of the target (no NUL); returns the count. */
	int64_t (*readlink)(struct vnode *v, char *buf, size_t len);
	/* New name for v (not a directory: -EPERM; another file system: -EXDEV). */
	int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *v);
	/* Removes a non-directory name (a directory: -EISDIR). */
	int (*unlink)(struct vnode *dir, const char *name, size_t len);
	/* Removes an empty directory (-ENOTDIR, -ENOTEMPTY, -EBUSY for a mount point). */
	int (*rmdir)(struct vnode *dir, const char *name, size_t len);
	/*
	 * Linux rename(2): replaces a non-directory target by a non-directory, an empty
	 * directory by a directory (-EISDIR, -ENOTDIR, -ENOTEMPTY otherwise); a directory
	 * cannot move below itself (-EINVAL); names of one file: nothing happens. flags:
	 * VFS_RENAME_NOREPLACE (-EEXIST when the target exists).
	 */
	int (*rename)(struct vnode *olddir, const char *oldname, size_t oldlen,
		      struct vnode *newdir, const char *newname, size_t newlen, unsigned flags);
	/* Regular files. read returns bytes (0 at or past EOF); holes read as zeros. write
	 * returns bytes written (short when space runs out midway), -ENOSPC, -EFBIG. */
	int64_t (*read)(struct vnode *v, uint64_t off, void *buf, size_t len);
	int64_t (*write)(struct vnode *v, uint64_t off, const void *buf, size_t len);
	int (*truncate)(struct vnode *v, uint64_t size);
	/*
	 * The page holding byte pgoff * VFS_PAGE_SIZE of a regular file, for mapping or copying.
	 * alloc: a hole gets a zeroed page (-ENOSPC); else a hole gives *page = NULL. The page
	 * stays the file's: valid until the file shrinks below it or is freed.
	 */
	int (*getpage)(struct vnode *v, uint64_t pgoff, bool alloc, void **page);
	/*
	 * Directory entries from *cookie on ("." is 0, ".." is 1, then the entries); *cookie is
	 * advanced past each one fill accepts. Cookies stay valid while other entries come and
	 * go; an entry added or renamed during a listing may or may not show up.
	 */
	int (*readdir)(struct vnode *dir, uint64_t *cookie, vfs_filldir_t fill, void *arg);
	int (*getattr)(struct vnode *v, struct vfs_stat *st);
	int (*setattr)(struct vnode *v, const struct vfs_setattr *sa);
	/* Last reference gone (refcount is 0); frees the vnode when nlink is 0. */
	void (*inactive)(struct vnode *v);
};

/*
 * A file system instance as the VFS sees it. The file system fills root (one reference held
 * by the mount), fs, ops and dev when it is created on this struct; vfs_mount_attach fills the
 * rest. The caller owns the struct's memory and frees it after vfs_umount.
 */
struct mount_ops {
	int (*statfs)(struct mount *m, struct vfs_statfs *st);
	/* Frees every vnode and the instance; called by vfs_umount with no vnode referenced. */
	void (*destroy)(struct mount *m);
};

/* RDONLY and NODEV are enforced here; NOSUID and NOEXEC are for exec to honour. */
#define VFS_MNT_RDONLY 0x1
#define VFS_MNT_NOSUID 0x2
#define VFS_MNT_NODEV  0x4
#define VFS_MNT_NOEXEC 0x8

struct mount {
	struct vnode *root;	     /* set by the fs */
	void *fs;		     /* set by the fs */
	const struct mount_ops *ops; /* set by the fs */
	uint64_t dev;		     /* set by the fs: st_dev of its vnodes */
	unsigned flags;		     /* VFS_MNT_* */
	struct vnode *covered;	     /* referenced; NULL for the namespace root */
	struct mount *parent;	     /* mount of covered */
	uint32_t nchildren;	     /* mounts on vnodes of this one */
	uint64_t vnode_refs;	     /* references held on vnodes of this mount */
};

/* Take a reference (v may be NULL). */
static inline struct vnode *vnode_get(struct vnode *v)
{
	if (v) {
		v->refcount++;
		if (v->mount)
			v->mount->vnode_refs++;
	}
	return v;
}

/* Drop a reference (v may be NULL); the last one calls ops->inactive, which may free v. */
static inline void vnode_put(struct vnode *v)
{
	if (!v)
		return;
	if (v->mount)
		v->mount->vnode_refs--;
	if (--v->refcount == 0 && v->ops->inactive)
		v->ops->inactive(v);
}

/* ---- Mounts (vfs_path.c) ---- */

/*
 * Put m (root, fs, ops, dev filled by the file system) over the directory covered, which must
 * be the top of its mount stack (what a walk returns): -ENOTDIR, -EBUSY if something is
 * mounted there already. covered NULL makes m a namespace root. Takes a reference on covered.
 */
int vfs_mount_attach(struct mount *m, struct vnode *covered, unsigned flags);

/*
 * Detach m and destroy its file system: -EBUSY while mounts sit on it or references other
 * than the mount's own on its root remain. The caller frees m afterwards. Also the way to
 * destroy an instance that was never attached (or whose attach failed).
 */
int vfs_umount(struct mount *m);

/* ---- Permissions (vfs_path.c) ---- */

#define VFS_MAY_EXEC  1
#define VFS_MAY_WRITE 2
#define VFS_MAY_READ  4

/* Is gid cred's group or one of its supplementary groups? */
bool vfs_in_group(const struct vfs_cred *cred, uint32_t gid);

/*
 * Linux generic_permission: owner, else group, else other bits; root may read and write
 * anything and execute anything with an x bit, and search any directory. cred NULL: kernel,
 * always allowed. Returns 0 or -EACCES (-EROFS for MAY_WRITE on a read-only mount of a
 * regular file, directory or symlink).
 */
int vfs_permission(const struct vnode *v, const struct vfs_cred *cred, int mask);

/*
 * Fill a for a new file in dir: owner cred's uid; group dir's when dir is set-group-ID
 * (a new directory then inherits VFS_ISGID) else cred's gid; mode as given (the caller
 * applies the umask first). cred NULL: uid and gid 0.
 */
void vfs_newattr_init(struct vfs_newattr *a, const struct vnode *dir, const struct vfs_cred *cred,
		      uint32_t mode, uint64_t rdev);

/*
 * Check sa against the chmod/chown/utimes rules for cred and adjust it as Linux does: chmod
 * only by the owner or root, and a non-root caller outside the file's group loses VFS_ISGID;
 * changing uid only by root, gid by root or by the owner to a group of theirs (-EPERM);
 * chown of a non-directory by anyone clears set-user-ID and set-group-ID (when group-exec);
 * explicit times need owner or root (-EPERM), "now" also write permission (-EACCES); size
 * needs write permission. -EROFS on a read-only mount.
 */
int vfs_setattr_prepare(struct vnode *v, const struct vfs_cred *cred, struct vfs_setattr *sa);

/* ---- Path walk (vfs_path.c) ---- */

/*
 * The process side of a walk: its root (chroot) and current directory, both referenced by
 * the owner, its credentials (NULL: kernel, no permission checks) and the environment the walk
 * takes its scratch buffer from (one VFS_PATH_MAX allocation per walk).
 */
struct vfs_ctx {
	struct vnode *root;
	struct vnode *cwd;
	const struct vfs_cred *cred;
	const struct vfs_env *env;
};

#define VFS_WALK_NOFOLLOW      0x01 /* do not follow a symlink in the last component */
#define VFS_WALK_DIRECTORY     0x02 /* the result must be a directory (-ENOTDIR) */
#define VFS_WALK_EMPTY_PATH    0x04 /* "" means base (AT_EMPTY_PATH); else "" is -ENOENT */
#define VFS_WALK_PARENT_FOLLOW 0x08 /* vfs_walk_parent: follow a last symlink that exists */

/*
 * Resolve path to a referenced vnode in *out. Absolute paths start at ctx->root, relative
 * ones at base (NULL: ctx->cwd). Repeated slashes collapse; "." stays; ".." goes up but not
 * above ctx->root, and from the root of a mount to the parent of the vnode it covers. A
 * directory with a mount on it is replaced by the mount's root (downward crossing). Symlinks
 * are followed in every component but the last, and in the last unless VFS_WALK_NOFOLLOW;
 * a trailing slash forces following and requires a directory. Without search permission on
 * a directory passed through: -EACCES. Errors: -ENOENT, -ENOTDIR, -ELOOP (more than
 * VFS_SYMLOOP_MAX expansions), -ENAMETOOLONG (a component over VFS_NAME_MAX, a path or an
 * expansion over VFS_PATH_MAX - 1), -ENOMEM, and anything lookup or readlink return.
 */
int vfs_walk(const struct vfs_ctx *ctx, struct vnode *base, const char *path, unsigned flags,
	     struct vnode **out);

/* The last component of a parent walk: name[len] is NUL. */
struct vfs_name {
	char name[VFS_NAME_MAX + 1];
	size_t len;
	bool trailing_slash; /* the path ended in '/' */
};

/*
 * Resolve all but the last component of path: *dir (referenced) is the directory that would
 * hold it, last its name, which may be "." or ".." (the path "/" gives "."). The last
 * component is not looked up, unless VFS_WALK_PARENT_FOLLOW: then an existing symlink there is
 * followed and the result is its target's directory and name (open with O_CREAT).
 */
int vfs_walk_parent(const struct vfs_ctx *ctx, struct vnode *base, const char *path, unsigned flags,
		    struct vnode **dir, struct vfs_name *last);

/* ops->lookup of name in dir (search permission checked), crossing a mount down. */
int vfs_lookup(const struct vfs_ctx *ctx, struct vnode *dir, const char *name, size_t len,
	       struct vnode **out);

/* ---- Operations by path (vfs_path.c): checks, then the op. ---- */

/* open(2) flags, Linux values. */
#define VFS_O_ACCMODE	0x3
#define VFS_O_RDONLY	0x0
#define VFS_O_WRONLY	0x1
#define VFS_O_RDWR	0x2
#define VFS_O_CREAT	0100
#define VFS_O_EXCL	0200
#define VFS_O_TRUNC	01000
#define VFS_O_APPEND	02000
#define VFS_O_DIRECTORY 0200000
#define VFS_O_NOFOLLOW	0400000
#define VFS_O_PATH	010000000

/*
 * open(2) without the descriptor: *out is the referenced vnode to read or write. O_CREAT
 * makes a regular file with mode (umask already applied) when the name is free, following a
 * dangling last symlink as Linux does; O_EXCL then wants the name free (-EEXIST, and a
 * symlink is not followed). O_NOFOLLOW with a last symlink: -ELOOP. O_DIRECTORY: -ENOTDIR.
 * A directory opened for writing or with O_CREAT: -EISDIR. O_TRUNC (which needs write access)
 * truncates a regular file. Access is checked against the open mode (O_PATH: no check, any
 * type). Device nodes and FIFOs are returned as they are for the caller to route (-EACCES on a
 * VFS_MNT_NODEV mount); sockets: -ENXIO. O_APPEND and the file offset are the descriptor's.
 */
int vfs_open(const struct vfs_ctx *ctx, struct vnode *base, const char *path, int oflags,
	     uint32_t mode, struct vnode **out);

int vfs_mkdir(const struct vfs_ctx *ctx, struct vnode *base, const char *path, uint32_t mode);
/*
 * mode carries the type (regular when its type bits are 0); rdev for device nodes, which only
 * root may make (-EPERM).
 */
int vfs_mknod(const struct vfs_ctx *ctx, struct vnode *base, const char *path, uint32_t mode,
	      uint64_t rdev);
int vfs_symlink(const struct vfs_ctx *ctx, const char *target, struct vnode *base,
		const char *path);
/* link(2): oldpath's last symlink not followed unless follow (AT_SYMLINK_FOLLOW). */
int vfs_link(const struct vfs_ctx *ctx, struct vnode *oldbase, const char *oldpath,
	     struct vnode *newbase, const char *newpath, bool follow);
int vfs_unlink(const struct vfs_ctx *ctx, struct vnode *base, const char *path);
int vfs_rmdir(const struct vfs_ctx *ctx, struct vnode *base, const char *path);
/* rename(2)/renameat2 with VFS_RENAME_NOREPLACE; across mounts: -EXDEV. */
int vfs_rename(const struct vfs_ctx *ctx, struct vnode *oldbase, const char *oldpath,
	       struct vnode *newbase, const char *newpath, unsigned flags);
/* readlink(2) into buf (no NUL): bytes, or -EINVAL when the path is not a symlink. */
int64_t vfs_readlink(const struct vfs_ctx *ctx, struct vnode *base, const char *path, char *buf,
		     size_t len);

/*
 * May cred remove or replace child's name in dir? Write and search on dir, and with the
 * sticky bit set, ownership of dir or child (or root): -EPERM otherwise.
 */
int vfs_may_delete(const struct vfs_ctx *ctx, struct vnode *dir, struct vnode *child);

#endif
