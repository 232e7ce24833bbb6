/* Path system calls: open, stat, directories, links, names, attributes, the current directory. */
#define LOG_TAG "sys_file"
#include <vmk/file.h>
#include <vmk/vfs.h>
#include <vmk/rootfs.h>
#include <vmk/chardev.h>
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/aspace.h>
#include <vmk/spinlock.h>
#include <vmk/errno.h>
#include <vmk/mm.h>
#include <string.h>
#include "vfile_priv.h"

/*
 * Every call follows one pattern: copy the path (at most VFS_PATH_MAX bytes with its NUL) and
 * other user input into kernel memory, take the VFS lock, make the process's walk context
 * (its cwd can change only under that lock), call the VFS, drop the lock, copy results out.
 * A dirfd names the directory a relative path starts from: its file is held (not just its
 * vnode) until the call is done, and dropped after the VFS lock, since the last reference to
 * a file takes that lock itself.
 *
 * One file of about 1,000 lines because every call here shares the path and dirfd helpers;
 * the current-directory calls (getcwd, chdir) are the piece to move out if it grows.
 */

#define AT_FDCWD	    -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR	    0x200
#define AT_EACCESS	    0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_NO_AUTOMOUNT	    0x800
#define AT_EMPTY_PATH	    0x1000
#define O_CREAT		    0100
#define O_TRUNC		    01000
#define UTIME_NOW	    ((1l << 30) - 1l)
#define UTIME_OMIT	    ((1l << 30) - 2l)
#define PIPEFS_MAGIC	    0x50495045
#define ST_VALID	    0x20

#ifndef ERANGE
#define ERANGE 34
#endif

/* ---- umask (per process, inherited by fork) ---- */

static uint32_t umask_get(void)
{
	return proc_current()->umask;
}

static long sys_umask(long mask, long a1, long a2, long a3, long a4, long a5)
{
	struct proc *p = proc_current();
	uint32_t old = p->umask;

	p->umask = (uint32_t)mask & 0777;
	return old;
}

/* ---- paths and dirfds ---- */

/* A user path in a kmalloc'ed buffer (kfree it): its length, -EFAULT, -ENAMETOOLONG. */
static long path_get(long upath, char **out)
{
	char *b = kmalloc(VFS_PATH_MAX);
	long n;

	if (!b)
		return -ENOMEM;
	n = strncpy_from_user(b, (const char *)upath, VFS_PATH_MAX);
	if (n < 0) {
		kfree(b);
		return n;
	}
	*out = b;
	return 0;
}

/* A path and where it starts. */
struct at {
	char *path;
	struct file *f;	    /* dirfd's file, held */
	struct vnode *base; /* its vnode; NULL: the cwd */
};

static void at_end(struct at *a)
{
	kfree(a->path);
	file_put(a->f); /* after the VFS lock: the last reference takes it */
}

/* Copy upath and resolve dirfd for it.  An empty path (for AT_EMPTY_PATH) may name a dirfd of
 * any type; a relative path needs a directory. */
static int at_begin(struct at *a, long dirfd, long upath)
{
	long rc;

	memset(a, 0, sizeof(*a));
	rc = path_get(upath, &a->path);
	if (rc)
		return (int)rc;
	if (a->path[0] == '/' || (int)dirfd == AT_FDCWD)
		return 0;
	a->f = fd_get((int)dirfd);
	if (!a->f)
		rc = -EBADF;
	else if (!a->f->vnode || (a->path[0] && a->f->vnode->type != VNODE_DIR))
		rc = -ENOTDIR;
	if (rc) {
		at_end(a);
		return (int)rc;
	}
	a->base = a->f->vnode;
	return 0;
}

static unsigned walk_flags(long atflags)
{
	return (atflags & AT_SYMLINK_NOFOLLOW ? VFS_WALK_NOFOLLOW : 0) |
	       (atflags & AT_EMPTY_PATH ? VFS_WALK_EMPTY_PATH : 0);
}

/* ---- open ---- */

static long do_open(long dirfd, long upath, long flags, long mode)
{
	struct file *f = NULL;
	struct vnode *v = NULL;
	struct vfs_ctx ctx;
	uint64_t rdev = 0;
	bool chr = false;
	struct at a;
	int rc;

	rc = at_begin(&a, dirfd, upath);
	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_open(&ctx, a.base, a.path, (int)flags, (uint32_t)mode & 07777 & ~umask_get(), &v);
	if (!rc && !(flags & VFS_O_PATH) && v->type != VNODE_REG && v->type != VNODE_DIR) {
		/* Devices are routed to their drivers; FIFOs and block devices: not yet. */
		chr = v->type == VNODE_CHR;
		rdev = v->rdev;
		rc = chr ? 0 : -ENXIO;
		vnode_put(v);
		v = NULL;
	}
	if (!rc && v) {
		rc = vfile_new(v, (int)flags, &f);
		if (rc)
			vnode_put(v);
	}
	kvfs_unlock();
	at_end(&a);
	if (!rc && chr)
		rc = chardev_open(rdev, (int)flags, &f);
	if (rc)
		return rc;
	return fd_install(f, 0, flags & O_CLOEXEC);
}

static long sys_open(long upath, long flags, long mode, long a3, long a4, long a5)
{
	return do_open(AT_FDCWD, upath, flags, mode);
}

static long sys_openat(long dirfd, long upath, long flags, long mode, long a4, long a5)
{
	return do_open(dirfd, upath, flags, mode);
}

static long sys_creat(long upath, long mode, long a2, long a3, long a4, long a5)
{
	return do_open(AT_FDCWD, upath, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

/* ---- stat, access ---- */

static long do_stat(long dirfd, long upath, long ust, long flags)
{
	struct vfs_stat st;
	struct vfs_ctx ctx;
	struct vnode *v;
	struct at a;
	int rc;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && (int)dirfd != AT_FDCWD) {
		/* fstat through a dirfd of any kind (a pipe has no vnode to walk from) */
		char c;

		if (copy_from_user(&c, (const void *)upath, 1))
			return -EFAULT;
		if (!c) {
			struct file *f = fd_get((int)dirfd);

			if (!f)
				return -EBADF;
			rc = file_getattr(f, &st);
			file_put(f);
			return rc ? rc : stat_to_user(&st, (void *)ust);
		}
	}
	rc = at_begin(&a, dirfd, upath);
	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_walk(&ctx, a.base, a.path, walk_flags(flags), &v);
	if (!rc) {
		rc = v->ops->getattr ? v->ops->getattr(v, &st) : -EINVAL;
		vnode_put(v);
	}
	kvfs_unlock();
	at_end(&a);
	return rc ? rc : stat_to_user(&st, (void *)ust);
}

static long sys_stat(long upath, long ust, long a2, long a3, long a4, long a5)
{
	return do_stat(AT_FDCWD, upath, ust, 0);
}

static long sys_lstat(long upath, long ust, long a2, long a3, long a4, long a5)
{
	return do_stat(AT_FDCWD, upath, ust, AT_SYMLINK_NOFOLLOW);
}

static long sys_newfstatat(long dirfd, long upath, long ust, long flags, long a4, long a5)
{
	return do_stat(dirfd, upath, ust, flags);
}

static long do_access(long dirfd, long upath, long mode, long flags)
{
	struct vfs_ctx ctx;
	struct vnode *v;
	struct at a;
	int rc;

	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	rc = at_begin(&a, dirfd, upath);
	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_walk(&ctx, a.base, a.path, walk_flags(flags), &v);
	if (!rc) {
		if (mode) /* R_OK 4, W_OK 2, X_OK 1 are VFS_MAY_* */
			rc = vfs_permission(v, ctx.cred, (int)mode);
		vnode_put(v);
	}
	kvfs_unlock();
	at_end(&a);
	return rc;
}

static long sys_access(long upath, long mode, long a2, long a3, long a4, long a5)
{
	return do_access(AT_FDCWD, upath, mode, 0);
}

static long sys_faccessat(long dirfd, long upath, long mode, long a3, long a4, long a5)
{
	return do_access(dirfd, upath, mode, 0);
}

static long sys_faccessat2(long dirfd, long upath, long mode, long flags, long a4, long a5)
{
	return do_access(dirfd, upath, mode, flags);
}

/* ---- making and removing names ---- */

static long do_mknod(long dirfd, long upath, long mode, long dev)
{
	uint32_t type = (uint32_t)mode & VFS_IFMT, maj, min;
	struct vfs_ctx ctx;
	struct at a;
	int rc;

	if (type == 0)
		type = VFS_IFREG;
	if (type != VFS_IFREG && type != VFS_IFCHR && type != VFS_IFBLK && type != VFS_IFIFO &&
	    type != VFS_IFSOCK)
		return -EINVAL;
	/* The syscall's dev_t is the 32-bit Linux encoding. */
	maj = ((uint32_t)dev >> 8) & 0xfff;
	min = ((uint32_t)dev & 0xff) | (((uint32_t)dev >> 12) & 0xfff00);
	rc = at_begin(&a, dirfd, upath);
	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_mknod(&ctx, a.base, a.path, type | ((uint32_t)mode & 07777 & ~umask_get()),
		       VFS_MKDEV(maj, min));
	kvfs_unlock();
	at_end(&a);
	return rc;
}

static long sys_mknod(long upath, long mode, long dev, long a3, long a4, long a5)
{
	return do_mknod(AT_FDCWD, upath, mode, dev);
}

static long sys_mknodat(long dirfd, long upath, long mode, long dev, long a4, long a5)
{
	return do_mknod(dirfd, upath, mode, dev);
}

static long do_mkdir(long dirfd, long upath, long mode)
{
	struct vfs_ctx ctx;
	struct at a;
	int rc = at_begin(&a, dirfd, upath);

	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_mkdir(&ctx, a.base, a.path, (uint32_t)mode & 07777 & ~umask_get());
	kvfs_unlock();
	at_end(&a);
	return rc;
}

static long sys_mkdir(long upath, long mode, long a2, long a3, long a4, long a5)
{
	return do_mkdir(AT_FDCWD, upath, mode);
}

static long sys_mkdirat(long dirfd, long upath, long mode, long a3, long a4, long a5)
{
	return do_mkdir(dirfd, upath, mode);
}

static long do_unlink(long dirfd, long upath, long flags)
{
	struct vfs_ctx ctx;
	struct at a;
	int rc;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	rc = at_begin(&a, dirfd, upath);
	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	if (flags & AT_REMOVEDIR)
		rc = vfs_rmdir(&ctx, a.base, a.path);
	else
		rc = vfs_unlink(&ctx, a.base, a.path);
	kvfs_unlock();
	at_end(&a);
	return rc;
}

static long sys_unlink(long upath, long a1, long a2, long a3, long a4, long a5)
{
	return do_unlink(AT_FDCWD, upath, 0);
}

static long sys_rmdir(long upath, long a1, long a2, long a3, long a4, long a5)
{
	return do_unlink(AT_FDCWD, upath, AT_REMOVEDIR);
}

static long sys_unlinkat(long dirfd, long upath, long flags, long a3, long a4, long a5)
{
	return do_unlink(dirfd, upath, flags);
}

static long do_symlink(long utarget, long dirfd, long upath)
{
	struct vfs_ctx ctx;
	char *target = NULL;
	struct at a;
	int rc = (int)path_get(utarget, &target);

	if (rc)
		return rc;
	if (!target[0]) {
		kfree(target);
		return -ENOENT;
	}
	rc = at_begin(&a, dirfd, upath);
	if (rc) {
		kfree(target);
		return rc;
	}
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_symlink(&ctx, target, a.base, a.path);
	kvfs_unlock();
	at_end(&a);
	kfree(target);
	return rc;
}

static long sys_symlink(long utarget, long upath, long a2, long a3, long a4, long a5)
{
	return do_symlink(utarget, AT_FDCWD, upath);
}

static long sys_symlinkat(long utarget, long dirfd, long upath, long a3, long a4, long a5)
{
	return do_symlink(utarget, dirfd, upath);
}

static long do_readlink(long dirfd, long upath, long ubuf, long size)
{
	struct vfs_ctx ctx;
	struct at a;
	int64_t n;
	char *buf;
	int rc;

	if (size <= 0)
		return -EINVAL;
	if (size > VFS_PATH_MAX)
		size = VFS_PATH_MAX;
	rc = at_begin(&a, dirfd, upath);
	if (rc)
		return rc;
	buf = kmalloc((size_t)size);
	if (!buf) {
		at_end(&a);
		return -ENOMEM;
	}
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	n = vfs_readlink(&ctx, a.base, a.path, buf, (size_t)size);
	kvfs_unlock();
	at_end(&a);
	if (n > 0 && copy_to_user((void *)ubuf, buf, (size_t)n))
		n = -EFAULT;
	kfree(buf);
	return (long)n;
}

static long sys_readlink(long upath, long ubuf, long size, long a3, long a4, long a5)
{
	return do_readlink(AT_FDCWD, upath, ubuf, size);
}

static long sys_readlinkat(long dirfd, long upath, long ubuf, long size, long a4, long a5)
{
	return do_readlink(dirfd, upath, ubuf, size);
}

/* Two paths with their dirfds (rename, link). */
static int at2_begin(struct at *a, long olddirfd, long uold, struct at *b, long newdirfd, long unew)
{
	int rc = at_begin(a, olddirfd, uold);

	if (rc)
		return rc;
	rc = at_begin(b, newdirfd, unew);
	if (rc)
		at_end(a);
	return rc;
}

static long do_rename(long olddirfd, long uold, long newdirfd, long unew, long flags)
{
	struct vfs_ctx ctx;
	struct at a, b;
	int rc;

	if (flags & ~VFS_RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE and RENAME_WHITEOUT are not supported */
	rc = at2_begin(&a, olddirfd, uold, &b, newdirfd, unew);
	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_rename(&ctx, a.base, a.path, b.base, b.path, (unsigned)flags);
	kvfs_unlock();
	at_end(&b);
	at_end(&a);
	return rc;
}

static long sys_rename(long uold, long unew, long a2, long a3, long a4, long a5)
{
	return do_rename(AT_FDCWD, uold, AT_FDCWD, unew, 0);
}

static long sys_renameat(long olddirfd, long uold, long newdirfd, long unew, long a4, long a5)
{
	return do_rename(olddirfd, uold, newdirfd, unew, 0);
}

static long sys_renameat2(long olddirfd, long uold, long newdirfd, long unew, long flags, long a5)
{
	return do_rename(olddirfd, uold, newdirfd, unew, flags);
}

static long do_link(long olddirfd, long uold, long newdirfd, long unew, long flags)
{
	struct vfs_ctx ctx;
	struct at a, b;
	int rc;

	if (flags & ~AT_SYMLINK_FOLLOW)
		return -EINVAL;
	rc = at2_begin(&a, olddirfd, uold, &b, newdirfd, unew);
	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_link(&ctx, a.base, a.path, b.base, b.path, flags & AT_SYMLINK_FOLLOW);
	kvfs_unlock();
	at_end(&b);
	at_end(&a);
	return rc;
}

static long sys_link(long uold, long unew, long a2, long a3, long a4, long a5)
{
	return do_link(AT_FDCWD, uold, AT_FDCWD, unew, 0);
}

static long sys_linkat(long olddirfd, long uold, long newdirfd, long unew, long flags, long a5)
{
	return do_link(olddirfd, uold, newdirfd, unew, flags);
}

/* ---- attributes ---- */

/* chmod/chown/utimens/truncate on v with the permission rules; VFS lock held. */
static int setattr_vnode(const struct vfs_ctx *ctx, struct vnode *v, struct vfs_setattr *sa)
{
	int rc = vfs_setattr_prepare(v, ctx->cred, sa);

	if (rc)
		return rc;
	return v->ops->setattr ? v->ops->setattr(v, sa) : -EPERM;
}

static int setattr_path(long dirfd, long upath, long atflags, struct vfs_setattr *sa)
{
	struct vfs_ctx ctx;
	struct vnode *v;
	struct at a;
	int rc = at_begin(&a, dirfd, upath);

	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_walk(&ctx, a.base, a.path, walk_flags(atflags), &v);
	if (!rc) {
		if ((sa->mask & VFS_SET_SIZE) && v->type != VNODE_REG)
			rc = v->type == VNODE_DIR ? -EISDIR : -EINVAL;
		else
			rc = setattr_vnode(&ctx, v, sa);
		vnode_put(v);
	}
	kvfs_unlock();
	at_end(&a);
	return rc;
}

static int setattr_fd(long fd, struct vfs_setattr *sa)
{
	struct file *f = fd_get((int)fd);
	struct vfs_ctx ctx;
	int rc;

	if (!f)
		return -EBADF;
	if (!f->vnode) {
		file_put(f);
		return -EINVAL; /* pipes and devices without a node have no attributes to set */
	}
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = setattr_vnode(&ctx, f->vnode, sa);
	kvfs_unlock();
	file_put(f);
	return rc;
}

static long sys_chmod(long upath, long mode, long a2, long a3, long a4, long a5)
{
	struct vfs_setattr sa = {.mask = VFS_SET_MODE, .mode = (uint32_t)mode & 07777};

	return setattr_path(AT_FDCWD, upath, 0, &sa);
}

static long sys_fchmodat(long dirfd, long upath, long mode, long a3, long a4, long a5)
{
	struct vfs_setattr sa = {.mask = VFS_SET_MODE, .mode = (uint32_t)mode & 07777};

	return setattr_path(dirfd, upath, 0, &sa);
}

static long sys_fchmod(long fd, long mode, long a2, long a3, long a4, long a5)
{
	struct vfs_setattr sa = {.mask = VFS_SET_MODE, .mode = (uint32_t)mode & 07777};

	return setattr_fd(fd, &sa);
}

/* uid or gid (uint32_t)-1: left as is. */
static void chown_attr(struct vfs_setattr *sa, long uid, long gid)
{
	memset(sa, 0, sizeof(*sa));
	if ((uint32_t)uid != (uint32_t)-1) {
		sa->mask |= VFS_SET_UID;
		sa->uid = (uint32_t)uid;
	}
	if ((uint32_t)gid != (uint32_t)-1) {
		sa->mask |= VFS_SET_GID;
		sa->gid = (uint32_t)gid;
	}
}

static long sys_chown(long upath, long uid, long gid, long a3, long a4, long a5)
{
	struct vfs_setattr sa;

	chown_attr(&sa, uid, gid);
	return setattr_path(AT_FDCWD, upath, 0, &sa);
}

static long sys_lchown(long upath, long uid, long gid, long a3, long a4, long a5)
{
	struct vfs_setattr sa;

	chown_attr(&sa, uid, gid);
	return setattr_path(AT_FDCWD, upath, AT_SYMLINK_NOFOLLOW, &sa);
}

static long sys_fchown(long fd, long uid, long gid, long a3, long a4, long a5)
{
	struct vfs_setattr sa;

	chown_attr(&sa, uid, gid);
	return setattr_fd(fd, &sa);
}

static long sys_fchownat(long dirfd, long upath, long uid, long gid, long flags, long a5)
{
	struct vfs_setattr sa;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	chown_attr(&sa, uid, gid);
	return setattr_path(dirfd, upath, flags, &sa);
}

struct ktimespec {
	int64_t sec, nsec;
};

static long sys_utimensat(long dirfd, long upath, long utimes, long flags, long a4, long a5)
{
	struct vfs_setattr sa = {0};
	struct ktimespec ts[2];

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!utimes) {
		sa.mask = VFS_SET_ATIME_NOW | VFS_SET_MTIME_NOW;
	} else {
		if (copy_from_user(ts, (const void *)utimes, sizeof(ts)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			unsigned now = i ? VFS_SET_MTIME_NOW : VFS_SET_ATIME_NOW;
			unsigned set = i ? VFS_SET_MTIME : VFS_SET_ATIME;
			int64_t ns;

			if (ts[i].nsec == UTIME_OMIT)
				continue;
			if (ts[i].nsec == UTIME_NOW) {
				sa.mask |= now;
				continue;
			}
			if (ts[i].nsec < 0 || ts[i].nsec >= 1000000000)
				return -EINVAL;
			ns = ts[i].sec * 1000000000 + ts[i].nsec;
			sa.mask |= set;
			if (i)
				sa.mtime_ns = ns;
			else
				sa.atime_ns = ns;
		}
	}
	if (!upath) /* futimens: the file itself */
		return (int)dirfd == AT_FDCWD ? -EFAULT : setattr_fd(dirfd, &sa);
	return setattr_path(dirfd, upath, flags, &sa);
}

static long sys_truncate(long upath, long len, long a2, long a3, long a4, long a5)
{
	struct vfs_setattr sa = {.mask = VFS_SET_SIZE, .size = (uint64_t)len};

	if (len < 0)
		return -EINVAL;
	return setattr_path(AT_FDCWD, upath, 0, &sa);
}

/* The descriptor's open mode grants the write, not the file's permission bits. */
static long sys_ftruncate(long fd, long len, long a2, long a3, long a4, long a5)
{
	struct vfs_setattr sa = {.mask = VFS_SET_SIZE, .size = (uint64_t)len};
	struct file *f;
	struct vnode *v;
	int rc;

	if (len < 0)
		return -EINVAL;
	f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	v = f->vnode;
	if ((f->flags & VFS_O_PATH) || !v || v->type != VNODE_REG ||
	    (f->flags & O_ACCMODE) == O_RDONLY) {
		rc = (f->flags & VFS_O_PATH) ? -EBADF : -EINVAL;
		file_put(f);
		return rc;
	}
	kvfs_lock();
	if (v->mount && (v->mount->flags & VFS_MNT_RDONLY))
		rc = -EROFS;
	else
		rc = v->ops->setattr ? v->ops->setattr(v, &sa) : -EINVAL;
	kvfs_unlock();
	file_put(f);
	return rc;
}

/* ---- statfs ---- */

struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs is 120 bytes on x86_64");

/* Fill out from v's mount; VFS lock held. */
static int statfs_vnode(struct vnode *v, struct linux_statfs *out)
{
	struct vfs_statfs st = {0};
	struct mount *m = v->mount;
	int rc = m && m->ops && m->ops->statfs ? m->ops->statfs(m, &st) : 0;

	if (rc)
		return rc;
	out->f_type = (int64_t)st.magic;
	out->f_bsize = out->f_frsize = (int64_t)(st.bsize ? st.bsize : VFS_PAGE_SIZE);
	out->f_blocks = st.blocks;
	out->f_bfree = out->f_bavail = st.bfree;
	out->f_files = st.files;
	out->f_ffree = st.ffree;
	out->f_fsid[0] = m ? (int32_t)m->dev : 0;
	out->f_namelen = (int64_t)(st.namelen ? st.namelen : VFS_NAME_MAX);
	out->f_flags = ST_VALID | (m ? (m->flags & 0xf) : 0); /* VFS_MNT_* are the ST_* bits */
	return 0;
}

static long sys_statfs(long upath, long ubuf, long a2, long a3, long a4, long a5)
{
	struct linux_statfs sf;
	struct vfs_ctx ctx;
	struct vnode *v;
	struct at a;
	int rc = at_begin(&a, AT_FDCWD, upath);

	if (rc)
		return rc;
	memset(&sf, 0, sizeof(sf));
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_walk(&ctx, NULL, a.path, 0, &v);
	if (!rc) {
		rc = statfs_vnode(v, &sf);
		vnode_put(v);
	}
	kvfs_unlock();
	at_end(&a);
	return rc ? rc : copy_to_user((void *)ubuf, &sf, sizeof(sf));
}

static long sys_fstatfs(long fd, long ubuf, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	struct linux_statfs sf;
	int rc = 0;

	if (!f)
		return -EBADF;
	memset(&sf, 0, sizeof(sf));
	if (f->vnode) {
		kvfs_lock();
		rc = statfs_vnode(f->vnode, &sf);
		kvfs_unlock();
	} else {
		sf.f_type = PIPEFS_MAGIC;
		sf.f_bsize = sf.f_frsize = VFS_PAGE_SIZE;
		sf.f_namelen = VFS_NAME_MAX;
		sf.f_flags = ST_VALID;
	}
	file_put(f);
	return rc ? rc : copy_to_user((void *)ubuf, &sf, sizeof(sf));
}

/* ---- fadvise ---- */

/* posix_fadvise: the advice is checked as Linux checks it and has no effect (there is no page
 * cache to read ahead or drop: file pages are the file). */
static long sys_fadvise64(long fd, long off, long len, long advice, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	struct vfs_stat st;
	int rc;

	if (!f)
		return -EBADF;
	rc = file_getattr(f, &st);
	if (!rc && (st.mode & VFS_IFMT) == VFS_IFIFO)
		rc = -ESPIPE;
	else if (!rc && (advice < 0 || advice > 5 || len < 0))
		rc = -EINVAL; /* NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED, NOREUSE */
	(void)off;
	file_put(f);
	return rc;
}

/* ---- the current directory ---- */

/* Make v (referenced, a directory) the cwd; VFS lock held. */
static int set_cwd(const struct vfs_ctx *ctx, struct vnode *v)
{
	struct proc *p = proc_current();
	int rc = vfs_permission(v, ctx->cred, VFS_MAY_EXEC);

	if (rc) {
		vnode_put(v);
		return rc;
	}
	vnode_put(p->cwd);
	p->cwd = v;
	return 0;
}

static long sys_chdir(long upath, long a1, long a2, long a3, long a4, long a5)
{
	struct vfs_ctx ctx;
	struct vnode *v;
	struct at a;
	int rc = at_begin(&a, AT_FDCWD, upath);

	if (rc)
		return rc;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	rc = vfs_walk(&ctx, NULL, a.path, VFS_WALK_DIRECTORY, &v);
	if (!rc)
		rc = set_cwd(&ctx, v);
	kvfs_unlock();
	at_end(&a);
	return rc;
}

static long sys_fchdir(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	struct vfs_ctx ctx;
	int rc;

	if (!f)
		return -EBADF;
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	if (!f->vnode || f->vnode->type != VNODE_DIR)
		rc = -ENOTDIR;
	else
		rc = set_cwd(&ctx, vnode_get(f->vnode));
	kvfs_unlock();
	file_put(f);
	return rc;
}

/* Finding a directory's name in its parent: the entry with its inode number. */
struct name_search {
	uint64_t ino;
	char *name; /* VFS_NAME_MAX + 1 bytes */
	size_t len;
	bool found;
};

static int name_fill(void *arg, const char *name, size_t len, uint64_t ino, enum vnode_type type,
		     uint64_t next)
{
	struct name_search *s = arg;

	if (ino != s->ino || type != VNODE_DIR || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	memcpy(s->name, name, len);
	s->len = len;
	s->found = true;
	return 1;
}

/*
 * The path of ctx->cwd, built backwards from the end of buf (size bytes): its start, or
 * NULL with *err set.  There is no name cache: each level asks the parent for the entry
 * with the child's inode number.  VFS lock held.
 */
static char *cwd_path(const struct vfs_ctx *ctx, char *buf, size_t size, char *name, int *err)
{
	struct vnode *cur = vnode_get(ctx->cwd);
	char *p = buf + size - 1;

	*p = 0;
	for (;;) {
		struct name_search s = {0, name, 0, false};
		struct vnode *parent;
		uint64_t cookie = 0;
		int rc;

		/* From the root of a mount to the directory it covers. */
		while (cur != ctx->root && cur->mount && cur == cur->mount->root &&
		       cur->mount->covered) {
			struct vnode *c = vnode_get(cur->mount->covered);

			vnode_put(cur);
			cur = c;
		}
		if (cur == ctx->root)
			break;
		rc = cur->ops->lookup ? cur->ops->lookup(cur, "..", 2, &parent) : -ENOENT;
		if (!rc && parent == cur) {
			vnode_put(parent);
			rc = -ENOENT; /* a root that is not ours: outside the namespace */
		}
		if (rc) {
			*err = rc;
			vnode_put(cur);
			return NULL;
		}
		s.ino = cur->ino;
		rc = parent->ops->readdir ? parent->ops->readdir(parent, &cookie, name_fill, &s)
					  : -ENOENT;
		vnode_put(cur);
		cur = parent;
		if (rc || !s.found) {
			*err = rc ? rc : -ENOENT; /* removed */
			vnode_put(cur);
			return NULL;
		}
		if ((size_t)(p - buf) < s.len + 1) {
			*err = -ENAMETOOLONG;
			vnode_put(cur);
			return NULL;
		}
		p -= s.len;
		memcpy(p, s.name, s.len);
		*--p = '/';
	}
	vnode_put(cur);
	if (!*p)
		*--p = '/';
	return p;
}

static long sys_getcwd(long ubuf, long size, long a2, long a3, long a4, long a5)
{
	char *buf = kmalloc(VFS_PATH_MAX), *name = kmalloc(VFS_NAME_MAX + 1), *p;
	struct vfs_ctx ctx;
	size_t len;
	int rc = 0;

	if (!buf || !name) {
		kfree(buf);
		kfree(name);
		return -ENOMEM;
	}
	kvfs_lock();
	ctx = kvfs_ctx(proc_current());
	p = cwd_path(&ctx, buf, VFS_PATH_MAX, name, &rc);
	kvfs_unlock();
	if (p) {
		len = strlen(p) + 1;
		if ((unsigned long)size < len)
			rc = -ERANGE;
		else if (copy_to_user((void *)ubuf, p, len))
			rc = -EFAULT;
		else
			rc = (int)len;
	}
	kfree(name);
	kfree(buf);
	return rc;
}

SYSCALL_DEFINE(2, sys_open);
SYSCALL_DEFINE(4, sys_stat);
SYSCALL_DEFINE(6, sys_lstat);
SYSCALL_DEFINE(21, sys_access);
SYSCALL_DEFINE(76, sys_truncate);
SYSCALL_DEFINE(77, sys_ftruncate);
SYSCALL_DEFINE(79, sys_getcwd);
SYSCALL_DEFINE(80, sys_chdir);
SYSCALL_DEFINE(81, sys_fchdir);
SYSCALL_DEFINE(82, sys_rename);
SYSCALL_DEFINE(83, sys_mkdir);
SYSCALL_DEFINE(84, sys_rmdir);
SYSCALL_DEFINE(85, sys_creat);
SYSCALL_DEFINE(86, sys_link);
SYSCALL_DEFINE(87, sys_unlink);
SYSCALL_DEFINE(88, sys_symlink);
SYSCALL_DEFINE(89, sys_readlink);
SYSCALL_DEFINE(90, sys_chmod);
SYSCALL_DEFINE(91, sys_fchmod);
SYSCALL_DEFINE(92, sys_chown);
SYSCALL_DEFINE(93, sys_fchown);
SYSCALL_DEFINE(94, sys_lchown);
SYSCALL_DEFINE(95, sys_umask);
SYSCALL_DEFINE(133, sys_mknod);
SYSCALL_DEFINE(137, sys_statfs);
SYSCALL_DEFINE(138, sys_fstatfs);
SYSCALL_DEFINE(257, sys_openat);
SYSCALL_DEFINE(258, sys_mkdirat);
SYSCALL_DEFINE(259, sys_mknodat);
SYSCALL_DEFINE(260, sys_fchownat);
SYSCALL_DEFINE(262, sys_newfstatat);
SYSCALL_DEFINE(263, sys_unlinkat);
SYSCALL_DEFINE(264, sys_renameat);
SYSCALL_DEFINE(265, sys_linkat);
SYSCALL_DEFINE(266, sys_symlinkat);
SYSCALL_DEFINE(267, sys_readlinkat);
SYSCALL_DEFINE(268, sys_fchmodat);
SYSCALL_DEFINE(269, sys_faccessat);
SYSCALL_DEFINE(280, sys_utimensat);
SYSCALL_DEFINE(221, sys_fadvise64);
SYSCALL_DEFINE(316, sys_renameat2);
SYSCALL_DEFINE(439, sys_faccessat2);
