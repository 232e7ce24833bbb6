/*
 * poll, ppoll, select, pselect6.  Files report readiness through file_ops.poll; a file whose
 * readiness changes calls poll_notify(), which bumps a global sequence number and wakes every
 * sleeper, and each re-checks its descriptors.  The sequence closes the window between a
 * sleeper's check and its sleep without nesting file locks inside the sleepers' lock.
 */
#define LOG_TAG "poll"
#include <vmk/file.h>
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <vmk/mm.h>
#include <string.h>

#define POLL_MAX 1024

static struct waitq poll_wq = WAITQ_INIT;
static volatile uint64_t poll_seq;

void poll_notify(void)
{
	__atomic_add_fetch(&poll_seq, 1, __ATOMIC_SEQ_CST);
	waitq_wake_all(&poll_wq);
}

struct kpollfd {
	int32_t fd;
	int16_t events, revents;
};

/* Fill revents; returns how many descriptors are ready. */
static int poll_scan(struct kpollfd *p, unsigned n)
{
	int ready = 0;

	for (unsigned i = 0; i < n; i++) {
		struct file *f;
		unsigned ev;

		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		f = fd_get(p[i].fd);
		if (!f) {
			p[i].revents = POLLNVAL;
			ready++;
			continue;
		}
		ev = f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
		file_put(f);
		p[i].revents =
			(int16_t)(ev & ((unsigned)p[i].events | POLLERR | POLLHUP | POLLNVAL));
		if (p[i].revents)
			ready++;
	}
	return ready;
}

/* Wait until some descriptor is ready, the deadline passes (0: none; ~0: do not wait), or a
 * signal arrives.  The count ready, or -EINTR. */
static int poll_wait(struct kpollfd *p, unsigned n, uint64_t deadline)
{
	for (;;) {
		uint64_t seq = __atomic_load_n(&poll_seq, __ATOMIC_SEQ_CST), f;
		int ready = poll_scan(p, n);

		if (ready || deadline == ~0ull || (deadline && time_ns() >= deadline))
			return ready;
		if (signal_pending())
			return -EINTR;
		f = spin_lock_irqsave(&poll_wq.lock);
		if (__atomic_load_n(&poll_seq, __ATOMIC_SEQ_CST) == seq) {
			if (deadline)
				waitq_wait_until(&poll_wq, &f, deadline);
			else
				waitq_wait(&poll_wq, &f);
		}
		spin_unlock_irqrestore(&poll_wq.lock, f);
	}
}

struct kts {
	int64_t sec, nsec;
};

/* A relative timeout to a deadline: NULL -> 0 (forever), zero -> ~0 (do not wait). */
static int deadline_from(const struct kts *ts, uint64_t *deadline)
{
	if (!ts) {
		*deadline = 0;
		return 0;
	}
	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	if (!ts->sec && !ts->nsec) {
		*deadline = ~0ull;
		return 0;
	}
	*deadline = time_ns() + (uint64_t)ts->sec * NSEC_PER_SEC + (uint64_t)ts->nsec;
	return 0;
}

static long do_poll(long ufds, long nfds, uint64_t deadline)
{
	struct kpollfd *p;
	size_t len = (size_t)nfds * sizeof(*p);
	long rc;

	if (nfds < 0 || nfds > POLL_MAX)
		return -EINVAL;
	p = kmalloc(len ? len : 1);
	if (!p)
		return -ENOMEM;
	rc = copy_from_user(p, (const void *)ufds, len);
	if (!rc)
		rc = poll_wait(p, (unsigned)nfds, deadline);
	if (rc >= 0 && copy_to_user((void *)ufds, p, len))
		rc = -EFAULT;
	kfree(p);
	return rc;
}

static long sys_poll(long ufds, long nfds, long timeout_ms, long a3, long a4, long a5)
{
	uint64_t deadline = timeout_ms < 0    ? 0
			    : timeout_ms == 0 ? ~0ull
					      : time_ns() + (uint64_t)timeout_ms * 1000000;

	return do_poll(ufds, nfds, deadline);
}
SYSCALL_DEFINE(7, sys_poll);

/* Signal masks for ppoll/pselect: swap in the given one for the wait. */
static int mask_swap(long umask, uint64_t *saved)
{
	struct uthread *ut = world_current()->ut;
	uint64_t m;

	if (!umask)
		return 0;
	if (copy_from_user(&m, (const void *)umask, 8))
		return -EFAULT;
	*saved = ut->sig_blocked;
	ut->sig_saved_mask = ut->sig_blocked;
	ut->sig_restore = true; /* signal_deliver puts the old mask back after the handler */
	ut->sig_blocked = m & ~((1ull << 8) | (1ull << 18)); /* never SIGKILL/SIGSTOP */
	return 0;
}

static void mask_restore(long umask, long rc, uint64_t saved)
{
	struct uthread *ut = world_current()->ut;

	if (umask && rc != -EINTR) {
		ut->sig_blocked = saved;
		ut->sig_restore = false;
	}
}

static long sys_ppoll(long ufds, long nfds, long uts, long umask, long size, long a5)
{
	struct kts ts;
	uint64_t deadline, saved = 0;
	long rc;

	if (uts && copy_from_user(&ts, (const void *)uts, sizeof(ts)))
		return -EFAULT;
	rc = deadline_from(uts ? &ts : NULL, &deadline);
	if (!rc && umask && size != 8)
		rc = -EINVAL;
	if (!rc)
		rc = mask_swap(umask, &saved);
	if (rc)
		return rc;
	rc = do_poll(ufds, nfds, deadline);
	mask_restore(umask, rc, saved);
	return rc;
}
SYSCALL_DEFINE(271, sys_ppoll);

/* select: fd_sets become pollfds and back. */
static long do_select(long n, long uin, long uout, long uex, uint64_t deadline)
{
	uint64_t in[FD_MAX / 64] = {0}, out[FD_MAX / 64] = {0}, ex[FD_MAX / 64] = {0};
	size_t bytes = ((size_t)n + 63) / 64 * 8;
	struct kpollfd *p;
	unsigned cnt = 0;
	long rc;

	if (n < 0 || n > FD_MAX)
		return -EINVAL;
	if ((uin && copy_from_user(in, (const void *)uin, bytes)) ||
	    (uout && copy_from_user(out, (const void *)uout, bytes)) ||
	    (uex && copy_from_user(ex, (const void *)uex, bytes)))
		return -EFAULT;
	p = kmalloc(sizeof(*p) * (size_t)(n ? n : 1));
	if (!p)
		return -ENOMEM;
	for (int fd = 0; fd < n; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		int16_t ev = (int16_t)((in[fd / 64] & bit ? POLLIN : 0) |
				       (out[fd / 64] & bit ? POLLOUT : 0) |
				       (ex[fd / 64] & bit ? POLLPRI : 0));

		if (ev)
			p[cnt++] = (struct kpollfd){fd, ev, 0};
	}
	rc = poll_wait(p, cnt, deadline);
	if (rc >= 0) {
		memset(in, 0, sizeof(in));
		memset(out, 0, sizeof(out));
		memset(ex, 0, sizeof(ex));
		rc = 0;
		for (unsigned i = 0; i < cnt; i++) {
			uint64_t bit = 1ull << (p[i].fd % 64);

			if (p[i].revents & POLLNVAL) {
				rc = -EBADF;
				break;
			}
			if ((p[i].events & POLLIN) && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				in[p[i].fd / 64] |= bit, rc++;
			if ((p[i].events & POLLOUT) && (p[i].revents & (POLLOUT | POLLERR)))
				out[p[i].fd / 64] |= bit, rc++;
			if ((p[i].events & POLLPRI) && (p[i].revents & POLLPRI))
				ex[p[i].fd / 64] |= bit, rc++;
		}
	}
	kfree(p);
	if (rc >= 0 && ((uin && copy_to_user((void *)uin, in, bytes)) ||
			(uout && copy_to_user((void *)uout, out, bytes)) ||
			(uex && copy_to_user((void *)uex, ex, bytes))))
		return -EFAULT;
	return rc;
}

static long sys_select(long n, long uin, long uout, long uex, long utv, long a5)
{
	struct {
		int64_t sec, usec;
	} tv;
	struct kts ts;
	uint64_t deadline;
	int rc;

	if (utv) {
		if (copy_from_user(&tv, (const void *)utv, sizeof(tv)))
			return -EFAULT;
		if (tv.usec < 0 || tv.usec >= 1000000)
			return -EINVAL;
		ts = (struct kts){tv.sec, tv.usec * 1000};
	}
	rc = deadline_from(utv ? &ts : NULL, &deadline);
	return rc ? rc : do_select(n, uin, uout, uex, deadline);
}
SYSCALL_DEFINE(23, sys_select);

static long sys_pselect6(long n, long uin, long uout, long uex, long uts, long usig)
{
	struct {
		uint64_t mask;
		uint64_t size;
	} sig = {0, 0};
	struct kts ts;
	uint64_t deadline, saved = 0;
	long rc;

	if (uts && copy_from_user(&ts, (const void *)uts, sizeof(ts)))
		return -EFAULT;
	if (usig && copy_from_user(&sig, (const void *)usig, sizeof(sig)))
		return -EFAULT;
	rc = deadline_from(uts ? &ts : NULL, &deadline);
	if (!rc && sig.mask && sig.size != 8)
		rc = -EINVAL;
	if (!rc)
		rc = mask_swap((long)sig.mask, &saved);
	if (rc)
		return rc;
	rc = do_select(n, uin, uout, uex, deadline);
	mask_restore((long)sig.mask, rc, saved);
	return rc;
}
SYSCALL_DEFINE(270, sys_pselect6);
