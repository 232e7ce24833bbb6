/* Files and per-process descriptor tables. */
#define LOG_TAG "fd"
#include <vmk/file.h>
#include <vmk/filelock.h>
#include <vmk/proc.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/compiler.h>
#include <vmk/log.h>
#include <string.h>

struct file *file_alloc(const struct file_ops *ops, int flags, void *priv)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->ops = ops;
	f->refs = 1;
	f->flags = flags;
	f->priv = priv;
	mutex_init(&f->pos_lock);
	return f;
}

struct file *file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void file_put(struct file *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	filelock_release_file(f); /* its OFD and flock locks go with its last reference */
	if (f->ops->release)
		f->ops->release(f);
}

void fdtable_init(struct fdtable *t)
{
	memset(t, 0, sizeof(*t));
	mutex_init(&t->lock);
}

int fdtable_copy(struct fdtable *dst, struct fdtable *src)
{
	fdtable_init(dst);
	mutex_lock(&src->lock);
	for (int i = 0; i < FD_MAX; i++)
		if (src->fd[i])
			dst->fd[i] = file_get(src->fd[i]);
	memcpy(dst->cloexec, src->cloexec, sizeof(dst->cloexec));
	mutex_unlock(&src->lock);
	return 0;
}

static void close_where(struct fdtable *t, bool only_cloexec)
{
	struct file *drop[FD_MAX];
	int n = 0;

	mutex_lock(&t->lock);
	for (int i = 0; i < FD_MAX; i++) {
		if (!t->fd[i] || (only_cloexec && !(t->cloexec[i / 64] & (1ull << (i % 64)))))
			continue;
		drop[n++] = t->fd[i];
		t->fd[i] = NULL;
		t->cloexec[i / 64] &= ~(1ull << (i % 64));
	}
	mutex_unlock(&t->lock);
	while (n) {
		filelock_close_posix(drop[--n], &t->lock_owner);
		file_put(drop[n]); /* release may block: not under the table lock */
	}
}

void fdtable_close_all(struct fdtable *t)
{
	close_where(t, false);
	/* Every POSIX lock is on a file the table had open, so closing them all drops them. */
	if (t->lock_owner.nrecs)
		log_err("%u POSIX lock records left after closing every descriptor",
			t->lock_owner.nrecs);
}

void fdtable_close_cloexec(struct fdtable *t)
{
	close_where(t, true);
}

static struct fdtable *my_table(void)
{
	return &proc_current()->fds;
}

static void set_cloexec(struct fdtable *t, int fd, bool on)
{
	if (on)
		t->cloexec[fd / 64] |= 1ull << (fd % 64);
	else
		t->cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

int fd_install(struct file *f, int min, bool cloexec)
{
	struct fdtable *t = my_table();
	uint64_t lim = MIN((uint64_t)FD_MAX, proc_current()->rlim[7].cur); /* RLIMIT_NOFILE */

	if (min < 0)
		min = 0;
	mutex_lock(&t->lock);
	for (int i = min; i < (int)lim; i++) {
		if (!t->fd[i]) {
			t->fd[i] = f;
			set_cloexec(t, i, cloexec);
			mutex_unlock(&t->lock);
			return i;
		}
	}
	mutex_unlock(&t->lock);
	file_put(f);
	return -EMFILE;
}

int fd_install_at(struct file *f, int fd, bool cloexec)
{
	struct fdtable *t = my_table();
	struct file *old;

	if (fd < 0 || fd >= FD_MAX) {
		file_put(f);
		return -EBADF;
	}
	mutex_lock(&t->lock);
	old = t->fd[fd];
	t->fd[fd] = f;
	set_cloexec(t, fd, cloexec);
	mutex_unlock(&t->lock);
	if (old) /* closing a descriptor drops the process's POSIX locks on its file */
		filelock_close_posix(old, &t->lock_owner);
	file_put(old);
	return fd;
}

struct file *fd_get(int fd)
{
	struct fdtable *t = my_table();
	struct file *f = NULL;

	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	mutex_lock(&t->lock);
	if (t->fd[fd])
		f = file_get(t->fd[fd]);
	mutex_unlock(&t->lock);
	return f;
}

int fd_close(int fd)
{
	struct fdtable *t = my_table();
	struct file *f;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&t->lock);
	f = t->fd[fd];
	t->fd[fd] = NULL;
	set_cloexec(t, fd, false);
	mutex_unlock(&t->lock);
	if (!f)
		return -EBADF;
	filelock_close_posix(f, &t->lock_owner); /* any descriptor of the file: Linux's rule */
	file_put(f);
	return 0;
}

int fd_get_cloexec(int fd)
{
	struct fdtable *t = my_table();
	int rc;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&t->lock);
	rc = !t->fd[fd] ? -EBADF : !!(t->cloexec[fd / 64] & (1ull << (fd % 64)));
	mutex_unlock(&t->lock);
	return rc;
}

int fd_set_cloexec(int fd, bool on)
{
	struct fdtable *t = my_table();
	int rc = 0;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&t->lock);
	if (t->fd[fd])
		set_cloexec(t, fd, on);
	else
		rc = -EBADF;
	mutex_unlock(&t->lock);
	return rc;
}
