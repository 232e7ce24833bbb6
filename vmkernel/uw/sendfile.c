/*
 * sendfile(2): copy from a file with a position (a regular file, or a device that reads at an
 * offset) to any writable file (a file, a pipe, later a socket) without the data passing
 * through the caller's memory.  It moves through a kernel bounce buffer with the files' own
 * read and write operations, whose user copies are let reach that buffer for the duration
 * (uaccess_kernel_window).
 */
#define LOG_TAG "sendfile"
#include <vmk/file.h>
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/aspace.h>
#include <vmk/errno.h>
#include <vmk/mm.h>
#include <vmk/vfs.h>

#define SENDFILE_CHUNK 65536
#define RW_MAX	       0x7ffff000L /* Linux's MAX_RW_COUNT */

/* Move up to count bytes from in at *pos to out; *pos advances by what was written.  The
 * bytes moved, or -errno when none were. */
static long transfer(struct file *in, struct file *out, uint64_t *pos, size_t count)
{
	uint8_t *buf = kmalloc(count < SENDFILE_CHUNK ? count : SENDFILE_CHUNK);
	size_t done = 0;
	long rc = 0;

	if (!buf)
		return -ENOMEM;
	uaccess_kernel_window(buf, SENDFILE_CHUNK);
	while (done < count) {
		size_t n = count - done < SENDFILE_CHUNK ? count - done : SENDFILE_CHUNK;
		long got = in->ops->pread(in, buf, n, *pos), put;

		if (got <= 0) {
			rc = got;
			break;
		}
		put = out->ops->write(out, buf, (size_t)got);
		if (put <= 0) {
			rc = put;
			break;
		}
		done += (size_t)put;
		*pos += (uint64_t)put;
		if (put < got || (done < count && signal_pending()))
			break;
	}
	uaccess_kernel_window(NULL, 0);
	kfree(buf);
	return done ? (long)done : rc;
}

/* Linux's checks, in its order: the input (readable, one that reads at offsets: not a pipe),
 * the offset, then the output (writable, not O_APPEND). */
static long sys_sendfile(long out_fd, long in_fd, long uoff, long count, long a4, long a5)
{
	struct file *in = fd_get((int)in_fd), *out = NULL;
	int64_t off = 0;
	uint64_t pos;
	long rc;

	if (!in)
		return -EBADF;
	rc = -EBADF;
	if ((in->flags & O_ACCMODE) == O_WRONLY || (in->flags & VFS_O_PATH))
		goto done;
	rc = -EFAULT;
	if (uoff && copy_from_user(&off, (const void *)uoff, sizeof(off)))
		goto done;
	rc = -EINVAL;
	if (off < 0 || count < 0)
		goto done;
	rc = -EBADF;
	out = fd_get((int)out_fd);
	if (!out || (out->flags & O_ACCMODE) == O_RDONLY || (out->flags & VFS_O_PATH))
		goto done;
	rc = -EINVAL;
	if (!in->ops->pread || !out->ops->write || (out->flags & O_APPEND))
		goto done;
	if (count > RW_MAX)
		count = RW_MAX;
	if (uoff) {
		pos = (uint64_t)off;
		rc = count ? transfer(in, out, &pos, (size_t)count) : 0;
		if (rc > 0 && copy_to_user((void *)uoff, &pos, sizeof(pos)))
			rc = -EFAULT;
	} else {
		/* At the input's position, which advances as a read(2) would move it (not held
		 * across the copy, as Linux does not: in may be out, whose write takes it). */
		mutex_lock(&in->pos_lock);
		pos = in->pos;
		mutex_unlock(&in->pos_lock);
		rc = count ? transfer(in, out, &pos, (size_t)count) : 0;
		mutex_lock(&in->pos_lock);
		in->pos = pos;
		mutex_unlock(&in->pos_lock);
	}
done:
	file_put(out);
	file_put(in);
	return rc;
}
SYSCALL_DEFINE(40, sys_sendfile);
