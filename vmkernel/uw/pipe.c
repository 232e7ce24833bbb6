/* Pipes: a ring buffer between a read end and a write end (vmk/pipe.h). */
#define LOG_TAG "pipe"
#include <vmk/pipe.h>
#include <vmk/file.h>
#include <vmk/vfs.h>
#include <vmk/aspace.h>
#include <vmk/signal.h>
#include <vmk/errno.h>
#include <vmk/mm.h>
#include <string.h>

#ifndef EPIPE
#define EPIPE 32
#endif
#define FIONREAD 0x541b

/*
 * The waitq's spinlock guards the ring and the end counts; readers and writers both sleep on
 * it (wake_all: few waiters, and either side may be waiting).  User memory is never touched
 * under the spinlock (a copy may fault and sleep): data goes through a kernel bounce buffer.
 * Readers take turns (read_lock) and take bytes out of the ring only once they reached the
 * reader's memory: a read that faults leaves them in the pipe, as on Linux.
 */
struct pipe {
	struct waitq wq;
	struct mutex read_lock;
	uint8_t *ring;	    /* PIPE_SIZE bytes */
	size_t head, count; /* first unread byte, bytes held */
	unsigned readers, writers;
	uint64_t ino; /* st_ino for fstat */
};

static uint64_t next_ino = 1;

static void pipe_free(struct pipe *p)
{
	kfree(p->ring);
	kfree(p);
}

/* Copy up to n bytes from the front of the ring (lock held); ring_drop takes them out. */
static size_t ring_peek(struct pipe *p, uint8_t *dst, size_t n)
{
	size_t first;

	n = n < p->count ? n : p->count;
	first = PIPE_SIZE - p->head < n ? PIPE_SIZE - p->head : n;
	memcpy(dst, p->ring + p->head, first);
	memcpy(dst + first, p->ring, n - first);
	return n;
}

static void ring_drop(struct pipe *p, size_t n)
{
	p->head = (p->head + n) % PIPE_SIZE;
	p->count -= n;
}

/* Put up to n bytes into the ring (lock held). */
static size_t ring_put(struct pipe *p, const uint8_t *src, size_t n)
{
	size_t tail = (p->head + p->count) % PIPE_SIZE, first;

	n = n < PIPE_SIZE - p->count ? n : PIPE_SIZE - p->count;
	first = PIPE_SIZE - tail < n ? PIPE_SIZE - tail : n;
	memcpy(p->ring + tail, src, first);
	memcpy(p->ring, src + first, n - first);
	p->count += n;
	return n;
}

static long pipe_read(struct file *f, void *ubuf, size_t len)
{
	struct pipe *p = f->priv;
	size_t n = len < PIPE_SIZE ? len : PIPE_SIZE;
	uint8_t *kbuf;
	uint64_t fl;
	long rc;

	if (!len)
		return 0;
	kbuf = kmalloc(n);
	if (!kbuf)
		return -ENOMEM;
	mutex_lock(&p->read_lock);
	fl = spin_lock_irqsave(&p->wq.lock);
	for (;;) {
		if (p->count) {
			rc = (long)ring_peek(p, kbuf, n);
			break;
		}
		if (!p->writers) {
			rc = 0;
			break;
		}
		if (f->flags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		if (signal_pending()) {
			rc = -EINTR;
			break;
		}
		waitq_wait(&p->wq, &fl);
	}
	spin_unlock_irqrestore(&p->wq.lock, fl);
	if (rc > 0 && copy_to_user(ubuf, kbuf, (size_t)rc))
		rc = -EFAULT;
	if (rc > 0) {
		fl = spin_lock_irqsave(&p->wq.lock);
		ring_drop(p, (size_t)rc); /* only readers drop, and they take turns */
		waitq_wake_all_locked(&p->wq);
		spin_unlock_irqrestore(&p->wq.lock, fl);
		poll_notify();
	}
	mutex_unlock(&p->read_lock);
	kfree(kbuf);
	return rc;
}

static long pipe_write(struct file *f, const void *ubuf, size_t len)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	uint8_t *kbuf;
	long err = 0;

	if (!len)
		return 0;
	kbuf = kmalloc(len < PIPE_SIZE ? len : PIPE_SIZE);
	if (!kbuf)
		return -ENOMEM;
	while (done < len && !err) {
		size_t n = len - done < PIPE_SIZE ? len - done : PIPE_SIZE, off = 0;
		/* Up to PIPE_BUF bytes go in at once or not at all. */
		size_t need = n <= PIPE_BUF ? n : 1;
		uint64_t fl;

		if (copy_from_user(kbuf, (const uint8_t *)ubuf + done, n)) {
			err = -EFAULT;
			break;
		}
		fl = spin_lock_irqsave(&p->wq.lock);
		while (off < n) {
			if (!p->readers) {
				err = -EPIPE;
				break;
			}
			if (PIPE_SIZE - p->count >= need) {
				off += ring_put(p, kbuf + off, n - off);
				waitq_wake_all_locked(&p->wq);
				need = 1;
				continue;
			}
			if ((f->flags & O_NONBLOCK) || signal_pending()) {
				err = (f->flags & O_NONBLOCK) ? -EAGAIN : -EINTR;
				break;
			}
			waitq_wait(&p->wq, &fl);
		}
		spin_unlock_irqrestore(&p->wq.lock, fl);
		if (off)
			poll_notify();
		done += off;
	}
	kfree(kbuf);
	if (err == -EPIPE)
		signal_self(SIGPIPE);
	return done ? (long)done : err;
}

static long pipe_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct pipe *p = f->priv;
	uint64_t fl;
	int n;

	if (cmd != FIONREAD)
		return -ENOTTY;
	fl = spin_lock_irqsave(&p->wq.lock);
	n = (int)p->count;
	spin_unlock_irqrestore(&p->wq.lock, fl);
	return copy_to_user((void *)arg, &n, sizeof(n));
}

static int pipe_stat(struct file *f, struct vfs_stat *st)
{
	struct pipe *p = f->priv;

	memset(st, 0, sizeof(*st));
	st->mode = VFS_IFIFO | 0600;
	st->nlink = 1;
	st->ino = p->ino;
	st->blksize = PIPE_BUF;
	return 0;
}

static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	uint64_t fl = spin_lock_irqsave(&p->wq.lock);
	unsigned ev = 0;

	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		if (p->count)
			ev |= POLLIN;
		if (!p->writers)
			ev |= POLLHUP;
	} else {
		if (PIPE_SIZE - p->count >= PIPE_BUF)
			ev |= POLLOUT;
		if (!p->readers)
			ev |= POLLERR;
	}
	spin_unlock_irqrestore(&p->wq.lock, fl);
	return ev;
}

/* Drop one end; the last end frees the pipe. */
static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	bool last;
	uint64_t fl;

	fl = spin_lock_irqsave(&p->wq.lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	last = !p->readers && !p->writers;
	waitq_wake_all_locked(&p->wq);
	spin_unlock_irqrestore(&p->wq.lock, fl);
	poll_notify();
	if (last)
		pipe_free(p);
	kfree(f);
}

static const struct file_ops pipe_read_ops = {
	.read = pipe_read,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.stat = pipe_stat,
	.release = pipe_release,
};

static const struct file_ops pipe_write_ops = {
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.stat = pipe_stat,
	.release = pipe_release,
};

int pipe_create(int flags, struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));
	struct file *r = NULL, *w = NULL;

	flags &= O_NONBLOCK;
	if (!p)
		return -ENOMEM;
	p->ring = kmalloc(PIPE_SIZE);
	if (!p->ring)
		goto fail;
	waitq_init(&p->wq);
	mutex_init(&p->read_lock);
	p->readers = p->writers = 1;
	p->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	r = file_alloc(&pipe_read_ops, O_RDONLY | flags, p);
	w = file_alloc(&pipe_write_ops, O_WRONLY | flags, p);
	if (!r || !w)
		goto fail;
	*rd = r;
	*wr = w;
	return 0;
fail:
	kfree(r);
	kfree(w);
	pipe_free(p);
	return -ENOMEM;
}
