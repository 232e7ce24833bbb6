/*
 * /dev/keel (character device 10:240): Keel's own controls for userworlds.  The structures
 * are in userworld/lib/include/keel/keelctl.h, shared with user programs.  Today: the
 * scheduler's resource controls per process (shares, reservation, limit: its threads'
 * group) and its CPU time.
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
	uint64_t reserved; /* by the other processes, per-mille */
};

/* per-mille of one CPU from MHz, by the TSC's frequency (the CPU's nominal clock), at most
 * cap. */
static uint32_t mhz_to_permille(uint32_t mhz, uint32_t cap)
{
	uint64_t cpu_mhz = tsc_hz() / 1000000;

	return cpu_mhz ? (uint32_t)MIN((uint64_t)cap, (uint64_t)mhz * 1000 / cpu_mhz) : 0;
}

static void find_proc(struct proc *p, void *arg)
{
	struct sched_walk *sw = arg;

	if (p->zombie)
		return;
	if (p->pid == sw->ks->pid)
		sw->p = p;
	else
		sw->reserved += __atomic_load_n(&p->sched.reservation, __ATOMIC_RELAXED);
}

/*
 * A process's controls are those of its group (struct proc.sched): every thread draws on
 * them together.  A reservation is admitted while all processes' reservations fit in the
 * online CPUs; a limit may cover several CPUs.
 */
static long sched_ioctl(struct keel_sched *ks, bool set)
{
	struct sched_walk sw = {ks, NULL, 0};
	uint32_t res = ks->reservation, lim = ks->limit, max_lim = 1000 * ncpus_online;
	struct sched_group *g;
	uint64_t f;
	long rc = 0;

	if (!ks->pid)
		ks->pid = proc_current()->pid;
	if (set && (ks->flags & KEEL_SCHED_MHZ)) {
		res = mhz_to_permille(res, 1000);
		lim = lim ? mhz_to_permille(lim, max_lim) : 0;
	}
	if (set && (res > 1000 || lim > max_lim || (lim && res > lim)))
		return -EINVAL;
	/* The tree lock keeps the process and its thread list from going away. */
	f = spin_lock_irqsave(&proc_wq.lock);
	proc_foreach(find_proc, &sw);
	if (!sw.p) {
		spin_unlock_irqrestore(&proc_wq.lock, f);
		return -ESRCH;
	}
	g = &sw.p->sched;
	if (set && sw.reserved + res > max_lim)
		rc = -EBUSY;
	else if (set)
		sched_group_set(g, ks->shares, res, lim, time_ns());
	ks->runtime_ns = 0;
	for (struct world *t = sw.p->threads; t; t = t->thread_next)
		ks->runtime_ns += t->se.runtime_ns;
	ks->cpu = sw.p->threads ? (int32_t)sw.p->threads->cpu : -1;
	ks->shares = g->shares;
	ks->reservation = g->reservation;
	ks->limit = g->limit;
	spin_unlock_irqrestore(&proc_wq.lock, f);
	return rc;
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
