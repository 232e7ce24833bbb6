/* File-lock system calls: fcntl's record-lock commands (POSIX and OFD) and flock(2). */
#define LOG_TAG "sys_lock"
#include <vmk/file.h>
#include <vmk/filelock.h>
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/aspace.h>
#include <vmk/rootfs.h>
#include <vmk/errno.h>
#include <vmk/compiler.h>
#include <string.h>
#include "sys_lock_priv.h"

#ifndef EOVERFLOW
#define EOVERFLOW 75
#endif

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define LOCK_SH	  1
#define LOCK_EX	  2
#define LOCK_NB	  4
#define LOCK_UN	  8
#define LOCK_MAND 32

/* Linux x86_64 struct flock. */
struct linux_flock {
	int16_t l_type, l_whence;
	int32_t pad0;
	int64_t l_start, l_len;
	int32_t l_pid;
	int32_t pad1;
};
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock is 32 bytes on x86_64");

static bool readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

static bool writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

/* The file's size for SEEK_END (a file without a vnode has none, as a pipe's inode on Linux). */
static int64_t file_size(struct file *f)
{
	int64_t size = 0;

	if (f->vnode) {
		kvfs_lock();
		size = (int64_t)f->vnode->size;
		kvfs_unlock();
	}
	return size;
}

/*
 * struct flock to a record, in the order Linux's flock64_to_posix_lock checks: whence,
 * start overflow (-EOVERFLOW), a start before 0 (-EINVAL), the length (positive: up to
 * start + len - 1; 0: to the end of all offsets; negative: the len bytes before start), then
 * the type (-EINVAL).
 */
static int to_record(struct file *f, const struct linux_flock *l, struct lock_rec *r)
{
	int64_t base;

	switch (l->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)READ_ONCE(f->pos);
		break;
	case SEEK_END:
		base = file_size(f);
		break;
	default:
		return -EINVAL;
	}
	if (l->l_start > LOCKR_OFFSET_MAX - base)
		return -EOVERFLOW;
	r->start = base + l->l_start;
	if (r->start < 0)
		return -EINVAL;
	if (l->l_len > 0) {
		if (l->l_len - 1 > LOCKR_OFFSET_MAX - r->start)
			return -EOVERFLOW;
		r->end = r->start + (l->l_len - 1);
	} else if (l->l_len < 0) {
		if (r->start + l->l_len < 0)
			return -EINVAL;
		r->end = r->start - 1;
		r->start += l->l_len;
	} else {
		r->end = LOCKR_OFFSET_MAX;
	}
	if (l->l_type != LOCKR_RD && l->l_type != LOCKR_WR && l->l_type != LOCKR_UN)
		return -EINVAL;
	r->type = (uint8_t)l->l_type;
	r->pid = proc_current()->pid;
	return 0;
}

/* F_GETLK / F_OFD_GETLK: report the first lock that would block the one described. */
static long getlk(struct file *f, bool ofd, void *uarg)
{
	struct linux_flock l;
	struct lock_rec r = {.kind = ofd ? LOCKR_OFD : LOCKR_POSIX};
	int rc;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.l_type != LOCKR_RD && l.l_type != LOCKR_WR)
		return -EINVAL;
	rc = to_record(f, &l, &r);
	if (rc)
		return rc;
	if (ofd && l.l_pid != 0)
		return -EINVAL;
	r.owner = ofd ? &f->lock_owner : &proc_current()->fds.lock_owner;
	filelock_posix_test(f, &r);
	l.l_type = r.type;
	if (r.type != LOCKR_UN) {
		l.l_pid = r.kind == LOCKR_OFD ? -1 : r.pid;
		l.l_start = r.start;
		l.l_len = r.end == LOCKR_OFFSET_MAX ? 0 : r.end - r.start + 1;
		l.l_whence = SEEK_SET;
	}
	return copy_to_user(uarg, &l, sizeof(l)) ? -EFAULT : 0;
}

/* F_SETLK(W) / F_OFD_SETLK(W). */
static long setlk(struct file *f, int fd, bool ofd, bool wait, const void *uarg)
{
	struct linux_flock l;
	struct lock_rec r = {.kind = ofd ? LOCKR_OFD : LOCKR_POSIX};
	struct file *now;
	int rc;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	rc = to_record(f, &l, &r);
	if (rc)
		return rc;
	if ((r.type == LOCKR_RD && !readable(f)) || (r.type == LOCKR_WR && !writable(f)))
		return -EBADF;
	if (ofd && l.l_pid != 0)
		return -EINVAL;
	r.owner = ofd ? &f->lock_owner : &proc_current()->fds.lock_owner;
	rc = filelock_posix_set(f, &r, wait);
	if (rc || r.type == LOCKR_UN || ofd)
		return rc;
	/*
	 * Another thread may have closed fd while this one locked (a close drops the process's
	 * locks on the file; this lock came after it): undo it, as Linux does.
	 */
	now = fd_get(fd);
	if (now != f) {
		r.type = LOCKR_UN;
		filelock_posix_set(f, &r, false);
		rc = -EBADF;
	}
	file_put(now);
	return rc;
}

long fcntl_lock(struct file *f, int fd, int cmd, long arg)
{
	/* O_PATH descriptors take only the descriptor commands (Linux's check_fcntl_cmd). */
	if (f->flags & VFS_O_PATH)
		return -EBADF;
	switch (cmd) {
	case F_GETLK:
		return getlk(f, false, (void *)arg);
	case F_OFD_GETLK:
		return getlk(f, true, (void *)arg);
	case F_SETLK:
	case F_SETLKW:
		return setlk(f, fd, false, cmd == F_SETLKW, (const void *)arg);
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return setlk(f, fd, true, cmd == F_OFD_SETLKW, (const void *)arg);
	}
	return -EINVAL;
}

/*
 * flock(2): the operation is checked before the descriptor, as on Linux; LOCK_MAND requests
 * are ignored (Linux 5.17 dropped them and returns 0).
 */
static long sys_flock(long ufd, long ucmd, long a2, long a3, long a4, long a5)
{
	unsigned cmd = (unsigned)ucmd;
	struct file *f;
	int type;
	long rc;

	if (cmd & LOCK_MAND)
		return 0;
	switch (cmd & ~LOCK_NB) {
	case LOCK_SH:
		type = LOCKR_RD;
		break;
	case LOCK_EX:
		type = LOCKR_WR;
		break;
	case LOCK_UN:
		type = LOCKR_UN;
		break;
	default:
		return -EINVAL;
	}
	f = fd_get((int)(unsigned)ufd);
	if (!f)
		return -EBADF;
	if ((f->flags & VFS_O_PATH) || (type != LOCKR_UN && !readable(f) && !writable(f)))
		rc = -EBADF;
	else
		rc = filelock_flock(f, type, proc_current()->pid, !(cmd & LOCK_NB));
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(73, sys_flock);
