/*
 * /dev/keel (character device 10:240): Keel's own controls for userworlds.  The structures
 * are in userworld/lib/include/keel/keelctl.h, shared with user programs.  Today: the
 * scheduler's resource controls per process (shares, reservation, limit) and its CPU time.
 */
#define LOG_TAG "keelctl"
#include <vmk/file.h>
#include <vmk/proc.h>
#include <vmk/aspace.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <vmk/mm.h>
#include <vmk/smp.h>
#include <vmk/syscall.h>
#include <vmk/compiler.h>
#include "../../userworld/lib/include/keel/keelctl.h"

struct sched_walk {
	struct keel_sched *ks;
	struct proc *p;
	int rc;
	bool set;
};

/* per-mille of one CPU from MHz, by the TSC's frequency (the CPU's nominal clock). */
static uint32_t mhz_to_permille(uint32_t mhz)
{
	uint64_t cpu_mhz = tsc_hz() / 1000000;

	return cpu_mhz ? (uint32_t)MIN(1000ull, (uint64_t)mhz * 1000 / cpu_mhz) : 0;
}

static void find_proc(struct proc *p, void *arg)
{
	struct sched_walk *sw = arg;

	if (!p->zombie && p->pid == sw->ks->pid)
		sw->p = p;
}

static long sched_ioctl(struct keel_sched *ks, bool set)
{
	struct sched_walk sw = {ks, NULL, 0, set};
	uint32_t res = ks->reservation, lim = ks->limit;
	uint64_t f;

	if (!ks->pid)
		ks->pid = proc_current()->pid;
	if (set && (ks->flags & KEEL_SCHED_MHZ)) {
		res = mhz_to_permille(res);
		lim = lim ? mhz_to_permille(lim) : 0;
	}
	if (set && (res > 1000 || lim > 1000 || (lim && res > lim)))
		return -EINVAL;
	/* The tree lock keeps the process and its thread list from going away. */
	f = spin_lock_irqsave(&proc_wq.lock);
	proc_foreach(find_proc, &sw);
	if (!sw.p) {
		spin_unlock_irqrestore(&proc_wq.lock, f);
		return -ESRCH;
	}
	ks->runtime_ns = 0;
	for (struct world *t = sw.p->threads; t; t = t->thread_next) {
		if (set && !sw.rc)
			sw.rc = world_set_controls(t, ks->shares, res, lim);
		ks->runtime_ns += t->se.runtime_ns;
	}
	if (sw.p->threads) {
		struct world *t = sw.p->threads;

		ks->cpu = (int32_t)t->cpu;
		ks->shares = t->se.shares;
		ks->reservation = t->se.reservation;
		ks->limit = t->se.limit;
	}
	spin_unlock_irqrestore(&proc_wq.lock, f);
	return sw.rc;
}

static long keel_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct keel_sched ks;
	long rc;

	if (cmd != KEEL_IOC_SCHED_GET && cmd != KEEL_IOC_SCHED_SET)
		return -ENOTTY;
	if (copy_from_user(&ks, (const void *)arg, sizeof(ks)))
		return -EFAULT;
	rc = sched_ioctl(&ks, cmd == KEEL_IOC_SCHED_SET);
	if (!rc && copy_to_user((void *)arg, &ks, sizeof(ks)))
		rc = -EFAULT;
	return rc;
}

static void keel_release(struct file *f)
{
	kfree(f->priv); /* chardev_open's per-open record */
	kfree(f);
}

const struct file_ops keelctl_ops = {
	.ioctl = keel_ioctl,
	.release = keel_release,
};

static long sys_sched_setaffinity(long pid, long len, long umask, long a3, long a4, long a5)
{
	struct world *w = world_current();
	uint64_t mask = 0;

	if (pid && pid != w->tid)
		return -ESRCH; /* the calling thread only, so far */
	if (len < 8)
		return -EINVAL;
	if (copy_from_user(&mask, (const void *)umask, 8))
		return -EFAULT;
	return world_set_affinity(w, mask);
}
SYSCALL_DEFINE(203, sys_sched_setaffinity);

static long sys_sched_getaffinity(long pid, long len, long umask, long a3, long a4, long a5)
{
	struct world *w = world_current();
	uint64_t mask = w->affinity & (ncpus_online >= 64 ? ~0ull : (1ull << ncpus_online) - 1);

	if (pid && pid != w->tid)
		return -ESRCH;
	if (len < 8)
		return -EINVAL;
	if (copy_to_user((void *)umask, &mask, 8))
		return -EFAULT;
	return 8;
}
SYSCALL_DEFINE(204, sys_sched_getaffinity);
