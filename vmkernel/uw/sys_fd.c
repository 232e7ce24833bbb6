/* Descriptor system calls: read/write and friends, seeking, dup, fcntl, pipes, fstat. */
#define LOG_TAG "sys_fd"
#include <vmk/file.h>
#include <vmk/pipe.h>
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/aspace.h>
#include <vmk/errno.h>
#include <vmk/mm.h>
#include <string.h>
#include "vfile_priv.h"
#include "sys_lock_priv.h"

#ifndef ESPIPE
#define ESPIPE 29
#endif

#define IOV_MAX		1024
#define RW_MAX		0x7ffff000L /* Linux's MAX_RW_COUNT: longer transfers are cut to this */
#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define FD_CLOEXEC	1
#define F_DUPFD_CLOEXEC 1030
#define SETFL_MASK	(O_APPEND | O_NONBLOCK)

struct iovec {
	uint64_t base, len;
};

static size_t rw_len(long len)
{
	return (unsigned long)len > RW_MAX ? RW_MAX : (size_t)len;
}

static long do_read(struct file *f, void *ubuf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!uaccess_ok(ubuf, len))
		return -EFAULT;
	return f->ops->read ? f->ops->read(f, ubuf, len) : -EINVAL;
}

static long do_write(struct file *f, const void *ubuf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!uaccess_ok(ubuf, len))
		return -EFAULT;
	return f->ops->write ? f->ops->write(f, ubuf, len) : -EINVAL;
}

static long do_pread(struct file *f, void *ubuf, size_t len, uint64_t off)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!uaccess_ok(ubuf, len))
		return -EFAULT;
	return f->ops->pread ? f->ops->pread(f, ubuf, len, off) : -ESPIPE;
}

static long do_pwrite(struct file *f, const void *ubuf, size_t len, uint64_t off)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!uaccess_ok(ubuf, len))
		return -EFAULT;
	return f->ops->pwrite ? f->ops->pwrite(f, ubuf, len, off) : -ESPIPE;
}

static long sys_read(long fd, long buf, long len, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long rc;

	if (!f)
		return -EBADF;
	rc = do_read(f, (void *)buf, rw_len(len));
	file_put(f);
	return rc;
}

static long sys_write(long fd, long buf, long len, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long rc;

	if (!f)
		return -EBADF;
	rc = do_write(f, (const void *)buf, rw_len(len));
	file_put(f);
	return rc;
}

static long sys_pread64(long fd, long buf, long len, long off, long a4, long a5)
{
	struct file *f;
	long rc;

	if (off < 0)
		return -EINVAL;
	f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	rc = do_pread(f, (void *)buf, rw_len(len), (uint64_t)off);
	file_put(f);
	return rc;
}

static long sys_pwrite64(long fd, long buf, long len, long off, long a4, long a5)
{
	struct file *f;
	long rc;

	if (off < 0)
		return -EINVAL;
	f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	rc = do_pwrite(f, (const void *)buf, rw_len(len), (uint64_t)off);
	file_put(f);
	return rc;
}

/*
 * readv/writev/preadv/pwritev: the vector is read and every segment checked first, as Linux's
 * import_iovec does (a bad one fails the call before anything moves: -EINVAL for a negative
 * length, -EFAULT outside user space); then one transfer per segment, stopping at the first
 * short one.  off < 0: at the file position.
 */
static long do_vec(long fd, long uiov, long cnt, int64_t off, bool write)
{
	struct iovec *v;
	struct file *f;
	long total = 0;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	v = kmalloc((size_t)cnt * sizeof(*v) + 1);
	if (!v)
		total = -ENOMEM;
	else if (copy_from_user(v, (const void *)uiov, (size_t)cnt * sizeof(*v)))
		total = -EFAULT;
	for (long i = 0; !total && i < cnt; i++)
		if ((int64_t)v[i].len < 0)
			total = -EINVAL;
		else if (!uaccess_ok((const void *)v[i].base, v[i].len))
			total = -EFAULT;
	for (long i = 0; total >= 0 && i < cnt; i++) {
		size_t len = rw_len((long)v[i].len);
		long rc;

		if (off < 0)
			rc = write ? do_write(f, (const void *)v[i].base, len)
				   : do_read(f, (void *)v[i].base, len);
		else
			rc = write ? do_pwrite(f, (const void *)v[i].base, len,
					       (uint64_t)off + total)
				   : do_pread(f, (void *)v[i].base, len, (uint64_t)off + total);
		if (rc < 0) {
			total = total ? total : rc;
			break;
		}
		total += rc;
		if ((size_t)rc < len)
			break;
	}
	kfree(v);
	file_put(f);
	return total;
}

static long sys_readv(long fd, long uiov, long cnt, long a3, long a4, long a5)
{
	return do_vec(fd, uiov, cnt, -1, false);
}

static long sys_writev(long fd, long uiov, long cnt, long a3, long a4, long a5)
{
	return do_vec(fd, uiov, cnt, -1, true);
}

static long sys_preadv(long fd, long uiov, long cnt, long off, long a4, long a5)
{
	return off < 0 ? -EINVAL : do_vec(fd, uiov, cnt, off, false);
}

static long sys_pwritev(long fd, long uiov, long cnt, long off, long a4, long a5)
{
	return off < 0 ? -EINVAL : do_vec(fd, uiov, cnt, off, true);
}

static long sys_lseek(long fd, long off, long whence, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long rc;

	if (!f)
		return -EBADF;
	rc = f->ops->lseek ? f->ops->lseek(f, off, (int)whence) : -ESPIPE;
	file_put(f);
	return rc;
}

static long sys_ioctl(long fd, long cmd, long arg, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long rc;

	if (!f)
		return -EBADF;
	rc = f->ops->ioctl ? f->ops->ioctl(f, (unsigned long)cmd, (unsigned long)arg) : -ENOTTY;
	file_put(f);
	return rc;
}

static long sys_getdents64(long fd, long ubuf, long len, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long rc;

	if (!f)
		return -EBADF;
	rc = f->ops->getdents64 ? f->ops->getdents64(f, (void *)ubuf, (size_t)(unsigned)len)
				: -ENOTDIR;
	file_put(f);
	return rc;
}

static long sys_fstat(long fd, long ust, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	struct vfs_stat st;
	int rc;

	if (!f)
		return -EBADF;
	rc = file_getattr(f, &st);
	file_put(f);
	return rc ? rc : stat_to_user(&st, (void *)ust);
}

static long sys_close(long fd, long a1, long a2, long a3, long a4, long a5)
{
	return fd_close((int)fd);
}

static long sys_dup(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);

	return f ? fd_install(f, 0, false) : -EBADF;
}

static long do_dup3(long oldfd, long newfd, long flags)
{
	struct file *f;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (newfd < 0 || newfd >= FD_MAX)
		return -EBADF;
	f = fd_get((int)oldfd);
	if (!f)
		return -EBADF;
	return fd_install_at(f, (int)newfd, flags & O_CLOEXEC);
}

static long sys_dup2(long oldfd, long newfd, long a2, long a3, long a4, long a5)
{
	if (oldfd == newfd) {
		struct file *f = fd_get((int)oldfd);

		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return do_dup3(oldfd, newfd, 0);
}

static long sys_dup3(long oldfd, long newfd, long flags, long a3, long a4, long a5)
{
	return oldfd == newfd ? -EINVAL : do_dup3(oldfd, newfd, flags);
}

static long sys_fcntl(long fd, long cmd, long arg, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long rc;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= FD_MAX) {
			rc = -EINVAL;
			break;
		}
		rc = fd_install(file_get(f), (int)arg, cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		rc = fd_get_cloexec((int)fd);
		rc = rc > 0 ? FD_CLOEXEC : rc;
		break;
	case F_SETFD:
		rc = fd_set_cloexec((int)fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		rc = f->flags & ~VFS_O_DIRECTORY;
		break;
	case F_SETFL:
		mutex_lock(&f->pos_lock);
		f->flags = (f->flags & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
		mutex_unlock(&f->pos_lock);
		rc = 0;
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		rc = fcntl_lock(f, (int)fd, (int)cmd, arg);
		break;
	default:
		rc = -EINVAL;
	}
	file_put(f);
	return rc;
}

/* Everything lives in memory: there is nothing to flush, only the descriptor to check. */
static long sys_fsync(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);

	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

static long sys_sync(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return 0;
}

static long sys_pipe2(long ufds, long flags, long a2, long a3, long a4, long a5)
{
	struct file *r, *w;
	int fds[2];
	int rc;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	rc = pipe_create((int)flags, &r, &w);
	if (rc)
		return rc;
	fds[0] = fd_install(r, 0, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(w);
		return fds[0];
	}
	fds[1] = fd_install(w, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	if (copy_to_user((void *)ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

static long sys_pipe(long ufds, long a1, long a2, long a3, long a4, long a5)
{
	return sys_pipe2(ufds, 0, 0, 0, 0, 0);
}

SYSCALL_DEFINE(0, sys_read);
SYSCALL_DEFINE(1, sys_write);
SYSCALL_DEFINE(3, sys_close);
SYSCALL_DEFINE(5, sys_fstat);
SYSCALL_DEFINE(8, sys_lseek);
SYSCALL_DEFINE(16, sys_ioctl);
SYSCALL_DEFINE(17, sys_pread64);
SYSCALL_DEFINE(18, sys_pwrite64);
SYSCALL_DEFINE(19, sys_readv);
SYSCALL_DEFINE(20, sys_writev);
SYSCALL_DEFINE(22, sys_pipe);
SYSCALL_DEFINE(32, sys_dup);
SYSCALL_DEFINE(33, sys_dup2);
SYSCALL_DEFINE(72, sys_fcntl);
SYSCALL_DEFINE(74, sys_fsync);
SYSCALL_DEFINE(75, sys_fsync); /* fdatasync */
SYSCALL_DEFINE(162, sys_sync);
SYSCALL_DEFINE(217, sys_getdents64);
SYSCALL_DEFINE(292, sys_dup3);
SYSCALL_DEFINE(293, sys_pipe2);
SYSCALL_DEFINE(295, sys_preadv);
SYSCALL_DEFINE(296, sys_pwritev);
