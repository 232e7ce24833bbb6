/* Character devices: /dev/null, zero, full, random, urandom, and the console under its names. */
#define LOG_TAG "chardev"
#include <vmk/chardev.h>
#include <vmk/file.h>
#include <vmk/vfs.h>
#include <vmk/aspace.h>
#include <vmk/random.h>
#include <vmk/errno.h>
#include <vmk/mm.h>
#include <string.h>

/*
 * Every open makes a file of its own (the open code may set fields of it); the console
 * devices forward to the one console file (vmk/file.h console_file()).  /dev/tty0 would be
 * the screen alone, but vmk/console.h has no way to write to one console, so it is the
 * console too, like /dev/tty (there is no controlling terminal yet).
 */

extern const struct file_ops keelctl_ops; /* uw/keelctl.c */
extern const struct file_ops vmm_ops;	  /* hv/vmm_dev.c */

struct chardev {
	uint32_t major, minor;
	const char *name; /* under /dev */
	uint32_t mode;	  /* permission bits devfs gives the node */
	const struct file_ops *ops;
};

/* What an open file's priv points to. */
struct chr_open {
	const struct chardev *dev;
	struct file *console; /* console devices: the console file (referenced), else NULL */
	void *data;	      /* the driver's (chardev_data) */
};

void **chardev_data(struct file *f)
{
	return &((struct chr_open *)f->priv)->data;
}

#define CHUNK 256

/* Reads need a file opened for reading, writes one opened for writing (-EBADF). */
static bool can_read(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool can_write(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

static long null_read(struct file *f, void *ubuf, size_t len)
{
	if (!can_read(f))
		return -EBADF;
	return 0;
}

static long null_write(struct file *f, const void *ubuf, size_t len)
{
	if (!can_write(f))
		return -EBADF;
	return (long)len;
}

static long null_pread(struct file *f, void *ubuf, size_t len, uint64_t off)
{
	if (!can_read(f))
		return -EBADF;
	return 0;
}

static long null_pwrite(struct file *f, const void *ubuf, size_t len, uint64_t off)
{
	if (!can_write(f))
		return -EBADF;
	return (long)len;
}

/* Linux: seeking these devices always succeeds and leaves the position at 0. */
static int64_t null_lseek(struct file *f, int64_t off, int whence)
{
	return whence >= 0 && whence <= 2 ? 0 : -EINVAL;
}

/* Fill user memory from gen (zeros or random bytes) in chunks; short on a fault. */
static long fill_user(void *ubuf, size_t len, bool rnd)
{
	uint8_t b[CHUNK];
	size_t done = 0;

	if (len > 0x7ffff000)
		len = 0x7ffff000; /* Linux's MAX_RW_COUNT */
	if (!rnd)
		memset(b, 0, sizeof(b));
	while (done < len) {
		size_t n = len - done < sizeof(b) ? len - done : sizeof(b);

		if (rnd)
			random_bytes(b, n);
		if (copy_to_user((uint8_t *)ubuf + done, b, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	if (rnd)
		memset(b, 0, sizeof(b));
	return (long)done;
}

static long zero_read(struct file *f, void *ubuf, size_t len)
{
	if (!can_read(f))
		return -EBADF;
	return fill_user(ubuf, len, false);
}

static long zero_pread(struct file *f, void *ubuf, size_t len, uint64_t off)
{
	if (!can_read(f))
		return -EBADF;
	return fill_user(ubuf, len, false);
}

static long random_read(struct file *f, void *ubuf, size_t len)
{
	if (!can_read(f))
		return -EBADF;
	return fill_user(ubuf, len, true);
}

/* Writing to /dev/random or /dev/urandom stirs the data in, as on Linux (no credit). */
static long random_write(struct file *f, const void *ubuf, size_t len)
{
	if (!can_write(f))
		return -EBADF;
	uint8_t b[CHUNK];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(b) ? len - done : sizeof(b);

		if (copy_from_user(b, (const uint8_t *)ubuf + done, n))
			return done ? (long)done : -EFAULT;
		random_mix(b, n);
		done += n;
	}
	return (long)done;
}

/* The console devices: forward to the console file. */
static long con_read(struct file *f, void *ubuf, size_t len)
{
	struct file *c = ((struct chr_open *)f->priv)->console;

	if (!can_read(f))
		return -EBADF;
	return c->ops->read ? c->ops->read(c, ubuf, len) : 0;
}

static long con_write(struct file *f, const void *ubuf, size_t len)
{
	struct file *c = ((struct chr_open *)f->priv)->console;

	if (!can_write(f))
		return -EBADF;
	return c->ops->write ? c->ops->write(c, ubuf, len) : -EINVAL;
}

static long con_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct file *c = ((struct chr_open *)f->priv)->console;

	return c->ops->ioctl ? c->ops->ioctl(c, cmd, arg) : -ENOTTY;
}

static int chr_stat(struct file *f, struct vfs_stat *st);
static void chr_release(struct file *f);
static void con_release(struct file *f);

static const struct file_ops null_ops = {
	.read = null_read,
	.write = null_write,
	.pread = null_pread,
	.pwrite = null_pwrite,
	.lseek = null_lseek,
	.stat = chr_stat,
	.release = chr_release,
};

static const struct file_ops zero_ops = {
	.read = zero_read,
	.write = null_write,
	.pread = zero_pread,
	.pwrite = null_pwrite,
	.lseek = null_lseek,
	.stat = chr_stat,
	.release = chr_release,
};

/* /dev/full: reads give zeros, every write (even of nothing) fails with ENOSPC. */
static long full_write(struct file *f, const void *ubuf, size_t len)
{
	return can_write(f) ? -ENOSPC : -EBADF;
}

static long full_pwrite(struct file *f, const void *ubuf, size_t len, uint64_t off)
{
	return full_write(f, ubuf, len);
}

static const struct file_ops full_ops = {
	.read = zero_read,
	.write = full_write,
	.pread = zero_pread,
	.pwrite = full_pwrite,
	.lseek = null_lseek,
	.stat = chr_stat,
	.release = chr_release,
};

static const struct file_ops random_ops = {
	.read = random_read,
	.write = random_write,
	.lseek = null_lseek,
	.stat = chr_stat,
	.release = chr_release,
};

static const struct file_ops con_ops = {
	.read = con_read,
	.write = con_write,
	.ioctl = con_ioctl,
	.stat = chr_stat,
	.release = con_release,
};

static const struct chardev devs[] = {
	{1, 3, "null", 0666, &null_ops},       {1, 5, "zero", 0666, &zero_ops},
	{1, 7, "full", 0666, &full_ops},       {1, 8, "random", 0666, &random_ops},
	{1, 9, "urandom", 0666, &random_ops},  {5, 1, "console", 0600, &con_ops},
	{4, 0, "tty0", 0620, &con_ops},	       {5, 0, "tty", 0666, &con_ops},
	{10, 240, "keel", 0600, &keelctl_ops}, {10, 241, "vmm", 0600, &vmm_ops},
};
#define NDEVS (sizeof(devs) / sizeof(devs[0]))

static const struct chardev *find(uint64_t rdev)
{
	for (size_t i = 0; i < NDEVS; i++)
		if (VFS_MKDEV(devs[i].major, devs[i].minor) == rdev)
			return &devs[i];
	return NULL;
}

int chardev_open(uint64_t rdev, int flags, struct file **out)
{
	const struct chardev *d = find(rdev);
	struct chr_open *o;
	struct file *f;

	if (!d)
		return -ENXIO;
	o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->dev = d;
	f = file_alloc(d->ops, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK), o);
	if (!f) {
		kfree(o);
		return -ENOMEM;
	}
	if (d->ops == &con_ops)
		o->console = console_file();
	*out = f;
	return 0;
}

static int chr_stat(struct file *f, struct vfs_stat *st)
{
	const struct chardev *d = ((struct chr_open *)f->priv)->dev;

	memset(st, 0, sizeof(*st));
	st->mode = VFS_IFCHR | d->mode;
	st->rdev = VFS_MKDEV(d->major, d->minor);
	st->nlink = 1;
	st->blksize = VFS_PAGE_SIZE;
	return 0;
}

void chardev_release(struct file *f)
{
	chr_release(f);
}

static void chr_release(struct file *f)
{
	kfree(f->priv);
	kfree(f);
}

static void con_release(struct file *f)
{
	struct chr_open *o = f->priv;

	file_put(o->console);
	kfree(o);
	kfree(f);
}

int chardev_count(void)
{
	return (int)NDEVS;
}

int chardev_info(int i, uint64_t *rdev, const char **name, uint32_t *mode)
{
	if (i < 0 || (size_t)i >= NDEVS)
		return -ENXIO;
	*rdev = VFS_MKDEV(devs[i].major, devs[i].minor);
	*name = devs[i].name;
	*mode = devs[i].mode;
	return 0;
}

const char *chardev_name(uint64_t rdev)
{
	const struct chardev *d = find(rdev);

	return d ? d->name : NULL;
}
