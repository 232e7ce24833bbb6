/*
 * Scheduling calls on the Linux ABI: CPU affinity, nice values and getcpu.  A process's nice
 * value is its scheduler group's shares (the controls of vmk/sched_policy.h, which /dev/keel
 * also sets), weighted as Linux weights nice values: each step is about 1.25 times the CPU
 * share of the next, nice 0 being the default shares.
 */
#define LOG_TAG "sched"
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <vmk/smp.h>
#include <vmk/compiler.h>
#include <string.h>

/* sched_setaffinity/sched_getaffinity act on one thread, named by its id (0: the caller), in
 * any process (every userworld runs as root).  The thread is found and acted on under the
 * process list's lock and its process's sig_lock, which keep it from going away; neither
 * world_set_affinity on another world nor reading its mask blocks. */
struct affinity_op {
	int tid;
	bool set, found;
	uint64_t mask;
	int rc;
};

static void affinity_one(struct proc *p, void *arg)
{
	struct affinity_op *op = arg;
	uint64_t f;

	if (op->found || p->zombie)
		return;
	f = spin_lock_irqsave(&p->sig_lock);
	for (struct world *t = p->threads; t; t = t->thread_next) {
		if (t->tid != op->tid || !t->ut)
			continue;
		op->found = true;
		if (op->set)
			op->rc = world_set_affinity(t, op->mask);
		else
			op->mask = t->affinity;
		break;
	}
	spin_unlock_irqrestore(&p->sig_lock, f);
}

static int affinity(struct affinity_op *op)
{
	struct world *me = world_current();

	if (op->tid < 0)
		return -ESRCH;
	if (!op->tid || op->tid == me->tid) { /* itself: world_set_affinity may move it now */
		if (op->set)
			return world_set_affinity(me, op->mask);
		op->mask = me->affinity;
		return 0;
	}
	proc_foreach(affinity_one, op);
	return op->found ? op->rc : -ESRCH;
}

static uint64_t online_mask(void)
{
	return ncpus_online >= 64 ? ~0ull : (1ull << ncpus_online) - 1;
}

static long sys_sched_setaffinity(long pid, long len, long umask, long a3, long a4, long a5)
{
	struct affinity_op op = {.tid = (int)pid, .set = true};
	uint8_t bytes[8] = {0};

	if (len <= 0)
		return -EINVAL;
	/* Linux reads as much of the mask as it was given; CPUs beyond 64 do not exist here. */
	if (copy_from_user(bytes, (const void *)umask, MIN((size_t)len, sizeof(bytes))))
		return -EFAULT;
	memcpy(&op.mask, bytes, sizeof(op.mask));
	return affinity(&op); /* the thread first (ESRCH), then the mask (EINVAL: no CPU left) */
}
SYSCALL_DEFINE(203, sys_sched_setaffinity);

/* Linux returns the size of its CPU mask type (8 bytes up to 64 CPUs); a buffer shorter than
 * that, or not a multiple of a long, is EINVAL. */
static long sys_sched_getaffinity(long pid, long len, long umask, long a3, long a4, long a5)
{
	struct affinity_op op = {.tid = (int)pid};
	int rc;

	if (len < 8 || (len & 7))
		return -EINVAL;
	rc = affinity(&op);
	if (rc)
		return rc;
	op.mask &= online_mask();
	if (copy_to_user((void *)umask, &op.mask, 8))
		return -EFAULT;
	return 8;
}
SYSCALL_DEFINE(204, sys_sched_getaffinity);

/* --- nice --- */

enum { PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2 };

/* Linux's sched_prio_to_weight, nice -20 to 19 (nice 0 is 1024). */
static const uint32_t nice_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,	 1991,	1586,  1277,
	1024,  820,   655,   526,   423,   335,	  272,	 215,	172,   137,
	110,   87,    70,    56,    45,	   36,	  29,	 23,	18,    15,
};

static uint32_t nice_shares(int nice)
{
	return (uint32_t)((uint64_t)SCHED_SHARES_DEFAULT * nice_weight[nice + 20] / 1024);
}

struct prio_op {
	int which, who, nice;
	bool set, found;
	int best; /* get: the highest priority (lowest nice) found */
};

static bool prio_match(const struct prio_op *op, const struct proc *p, const struct proc *me)
{
	switch (op->which) {
	case PRIO_PROCESS:
		return p->pid == (op->who ? op->who : me->pid);
	case PRIO_PGRP:
		return p->pgid == (op->who ? op->who : me->pgid);
	default: /* PRIO_USER: everyone is root (uid 0) */
		return op->who == 0;
	}
}

static void prio_one(struct proc *p, void *arg)
{
	struct prio_op *op = arg;

	if (p->zombie || !prio_match(op, p, proc_current()))
		return;
	op->found = true;
	if (op->set) {
		p->nice = op->nice;
		sched_group_set(&p->sched, nice_shares(op->nice), p->sched.reservation,
				p->sched.limit, time_ns());
	} else if (p->nice < op->best) {
		op->best = p->nice;
	}
}

/* The result is 20 - nice (1 to 40), as Linux's system call returns it. */
static long sys_getpriority(long which, long who, long a2, long a3, long a4, long a5)
{
	struct prio_op op = {(int)which, (int)who, 0, false, false, 20};

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	proc_foreach(prio_one, &op);
	return op.found ? 20 - op.best : -ESRCH;
}
SYSCALL_DEFINE(140, sys_getpriority);

static long sys_setpriority(long which, long who, long nice, long a3, long a4, long a5)
{
	struct prio_op op = {(int)which, (int)who, (int)MIN(MAX(nice, -20l), 19l), true, false, 0};

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	proc_foreach(prio_one, &op);
	return op.found ? 0 : -ESRCH;
}
SYSCALL_DEFINE(141, sys_setpriority);

/* getcpu(2): the CPU the caller runs on now (NUMA node 0). */
static long sys_getcpu(long ucpu, long unode, long a2, long a3, long a4, long a5)
{
	unsigned cpu = world_current()->cpu, node = 0;

	if (ucpu && copy_to_user((void *)ucpu, &cpu, sizeof(cpu)))
		return -EFAULT;
	if (unode && copy_to_user((void *)unode, &node, sizeof(node)))
		return -EFAULT;
	return 0;
}
SYSCALL_DEFINE(309, sys_getcpu);
