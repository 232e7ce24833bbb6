/* Open files backed by VFS vnodes: regular files and directories (and O_PATH handles). */
#define LOG_TAG "vfile"
#include <vmk/file.h>
#include <vmk/vfs.h>
#include <vmk/rootfs.h>
#include <vmk/aspace.h>
#include <vmk/errno.h>
#include <vmk/mm.h>
#include <string.h>
#include "vfile_priv.h"

/*
 * Data moves through a kernel bounce buffer: user memory is copied with the VFS lock not
 * held (a copy may fault and page in), and each chunk is one VFS call under the lock.  A
 * chunk of a write is atomic against other writers of the file; O_APPEND finds the end of
 * the file under the same lock as the write.
 */
#define VFILE_CHUNK 65536

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

static bool is_path_only(struct file *f)
{
	return f->flags & VFS_O_PATH;
}

static size_t chunk_len(size_t len)
{
	return len < VFILE_CHUNK ? len : VFILE_CHUNK;
}

/* Read up to len bytes at *off into user memory, advancing *off. */
static long vfile_read_at(struct file *f, void *ubuf, size_t len, uint64_t *off)
{
	struct vnode *v = f->vnode;
	size_t done = 0;
	uint8_t *kbuf;

	if (is_path_only(f) || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (v->type == VNODE_DIR)
		return -EISDIR;
	if (!v->ops->read)
		return -EINVAL;
	if (!len)
		return 0;
	kbuf = kmalloc(chunk_len(len));
	if (!kbuf)
		return -ENOMEM;
	while (done < len) {
		size_t n = chunk_len(len - done);
		int64_t got;

		kvfs_lock();
		got = v->ops->read(v, *off, kbuf, n);
		kvfs_unlock();
		if (got <= 0) {
			if (got < 0 && !done)
				done = (size_t)got;
			break;
		}
		if (copy_to_user((uint8_t *)ubuf + done, kbuf, (size_t)got)) {
			if (!done)
				done = (size_t)-EFAULT;
			break;
		}
		*off += (uint64_t)got;
		done += (size_t)got;
		if ((size_t)got < n)
			break;
	}
	kfree(kbuf);
	return (long)done;
}

/* Write len bytes at *off (at the end of the file when append), advancing *off. */
static long vfile_write_at(struct file *f, const void *ubuf, size_t len, uint64_t *off, bool append)
{
	struct vnode *v = f->vnode;
	size_t done = 0;
	uint8_t *kbuf;

	if (is_path_only(f) || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (v->type == VNODE_DIR)
		return -EISDIR;
	if (!v->ops->write)
		return -EINVAL;
	if (!len)
		return 0;
	kbuf = kmalloc(chunk_len(len));
	if (!kbuf)
		return -ENOMEM;
	while (done < len) {
		size_t n = chunk_len(len - done);
		int64_t put;

		if (copy_from_user(kbuf, (const uint8_t *)ubuf + done, n)) {
			if (!done)
				done = (size_t)-EFAULT;
			break;
		}
		kvfs_lock();
		if (append)
			*off = v->size;
		put = v->ops->write(v, *off, kbuf, n);
		kvfs_unlock();
		if (put <= 0) {
			if (put < 0 && !done)
				done = (size_t)put;
			break;
		}
		*off += (uint64_t)put;
		done += (size_t)put;
		if ((size_t)put < n)
			break;
	}
	kfree(kbuf);
	return (long)done;
}

static long vfile_read(struct file *f, void *ubuf, size_t len)
{
	long rc;

	mutex_lock(&f->pos_lock);
	rc = vfile_read_at(f, ubuf, len, &f->pos);
	mutex_unlock(&f->pos_lock);
	return rc;
}

static long vfile_write(struct file *f, const void *ubuf, size_t len)
{
	long rc;

	mutex_lock(&f->pos_lock);
	rc = vfile_write_at(f, ubuf, len, &f->pos, f->flags & O_APPEND);
	mutex_unlock(&f->pos_lock);
	return rc;
}

static long vfile_pread(struct file *f, void *ubuf, size_t len, uint64_t off)
{
	return vfile_read_at(f, ubuf, len, &off);
}

/* Linux appends with pwrite on an O_APPEND file too. */
static long vfile_pwrite(struct file *f, const void *ubuf, size_t len, uint64_t off)
{
	return vfile_write_at(f, ubuf, len, &off, f->flags & O_APPEND);
}

static int64_t vfile_lseek(struct file *f, int64_t off, int whence)
{
	int64_t base;

	if (is_path_only(f))
		return -EBADF;
	mutex_lock(&f->pos_lock);
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		kvfs_lock();
		base = (int64_t)f->vnode->size;
		kvfs_unlock();
		break;
	default:
		mutex_unlock(&f->pos_lock);
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0) {
		mutex_unlock(&f->pos_lock);
		return off > 0 ? -EOVERFLOW : -EINVAL;
	}
	f->pos = (uint64_t)(base + off);
	mutex_unlock(&f->pos_lock);
	return base + off;
}

/* Linux struct linux_dirent64. */
struct dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __attribute__((packed));

#define DIRENT_NAME_OFF 19

struct dirfill {
	uint8_t *buf;
	size_t len, used;
	bool refused; /* an entry did not fit */
};

static uint8_t dirent_type(enum vnode_type t)
{
	static const uint8_t dt[] = {
		[VNODE_NONE] = 0, [VNODE_REG] = 8, [VNODE_DIR] = 4,  [VNODE_LNK] = 10,
		[VNODE_CHR] = 2,  [VNODE_BLK] = 6, [VNODE_FIFO] = 1, [VNODE_SOCK] = 12,
	};

	return (unsigned)t < sizeof(dt) ? dt[t] : 0;
}

static int dir_fill(void *arg, const char *name, size_t len, uint64_t ino, enum vnode_type type,
		    uint64_t next)
{
	struct dirfill *d = arg;
	size_t reclen = (DIRENT_NAME_OFF + len + 1 + 7) & ~(size_t)7;
	struct dirent64_hdr h = {ino, (int64_t)next, (uint16_t)reclen, dirent_type(type)};
	uint8_t *p = d->buf + d->used;

	if (d->used + reclen > d->len) {
		d->refused = true;
		return 1;
	}
	memcpy(p, &h, sizeof(h));
	memcpy(p + DIRENT_NAME_OFF, name, len);
	memset(p + DIRENT_NAME_OFF + len, 0, reclen - DIRENT_NAME_OFF - len);
	d->used += reclen;
	return 0;
}

/* The directory's entries from the cookie in f->pos, as many as fit in len bytes. */
static long vfile_getdents64(struct file *f, void *ubuf, size_t len)
{
	struct vnode *v = f->vnode;
	struct dirfill d = {NULL, chunk_len(len), 0, false};
	uint64_t cookie;
	long rc;

	if (is_path_only(f))
		return -EBADF;
	if (v->type != VNODE_DIR || !v->ops->readdir)
		return -ENOTDIR;
	d.buf = kmalloc(d.len ? d.len : 1);
	if (!d.buf)
		return -ENOMEM;
	mutex_lock(&f->pos_lock);
	cookie = f->pos;
	kvfs_lock();
	rc = v->ops->readdir(v, &cookie, dir_fill, &d);
	kvfs_unlock();
	if (d.used) {
		if (copy_to_user(ubuf, d.buf, d.used)) {
			rc = -EFAULT;
		} else {
			f->pos = cookie;
			rc = (long)d.used;
		}
	} else if (!rc && d.refused) {
		rc = -EINVAL; /* the next entry does not fit in the buffer */
	}
	mutex_unlock(&f->pos_lock);
	kfree(d.buf);
	return rc;
}

static int vfile_stat(struct file *f, struct vfs_stat *st)
{
	struct vnode *v = f->vnode;
	int rc;

	kvfs_lock();
	rc = v->ops->getattr ? v->ops->getattr(v, st) : -EINVAL;
	kvfs_unlock();
	return rc;
}

static void vfile_release(struct file *f)
{
	kvfs_lock();
	vnode_put(f->vnode);
	kvfs_unlock();
	kfree(f);
}

static const struct file_ops vfile_ops = {
	.read = vfile_read,
	.write = vfile_write,
	.pread = vfile_pread,
	.pwrite = vfile_pwrite,
	.lseek = vfile_lseek,
	.getdents64 = vfile_getdents64,
	.stat = vfile_stat,
	.release = vfile_release,
};

int vfile_new(struct vnode *v, int flags, struct file **out)
{
	struct file *f = file_alloc(&vfile_ops, flags & VFILE_KEEP_FLAGS, NULL);

	if (!f)
		return -ENOMEM;
	f->vnode = v;
	*out = f;
	return 0;
}

int file_getattr(struct file *f, struct vfs_stat *st)
{
	if (f->ops->stat)
		return f->ops->stat(f, st);
	/* A device without attributes of its own (the console): a character device. */
	memset(st, 0, sizeof(*st));
	st->mode = VFS_IFCHR | 0600;
	st->nlink = 1;
	st->blksize = 1024;
	return 0;
}

/* Linux x86_64 struct stat. */
struct linux_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	int64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
	int64_t reserved[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes on x86_64");

static void ns_split(int64_t ns, int64_t *sec, int64_t *nsec)
{
	*sec = ns / 1000000000;
	*nsec = ns % 1000000000;
	if (*nsec < 0) {
		*nsec += 1000000000;
		(*sec)--;
	}
}

int stat_to_user(const struct vfs_stat *st, void *ubuf)
{
	struct linux_stat ls;

	memset(&ls, 0, sizeof(ls));
	ls.st_dev = st->dev;
	ls.st_ino = st->ino;
	ls.st_nlink = st->nlink;
	ls.st_mode = st->mode;
	ls.st_uid = st->uid;
	ls.st_gid = st->gid;
	ls.st_rdev = st->rdev;
	ls.st_size = (int64_t)st->size;
	ls.st_blksize = st->blksize ? st->blksize : VFS_PAGE_SIZE;
	ls.st_blocks = (int64_t)st->blocks;
	ns_split(st->atime_ns, &ls.st_atime, &ls.st_atime_nsec);
	ns_split(st->mtime_ns, &ls.st_mtime, &ls.st_mtime_nsec);
	ns_split(st->ctime_ns, &ls.st_ctime, &ls.st_ctime_nsec);
	return copy_to_user(ubuf, &ls, sizeof(ls)) ? -EFAULT : 0;
}
