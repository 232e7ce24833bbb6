/*
 * Resource usage: getrusage(2), times(2) and wait4's rusage.  CPU time is charged by the timer
 * tick to the thread it interrupts, to user or system time by the mode it was in (Linux's
 * tick-based accounting); minor faults are counted by the fault handler.  A thread that exits
 * leaves its figures to its process, a reaped child its own and its children's to its parent,
 * as Linux's RUSAGE_CHILDREN counts every descendant that was waited for.  Context switches,
 * major faults, swaps and block I/O are not counted (0).
 */
#define LOG_TAG "rusage"
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <vmk/mm.h>
#include <vmk/compiler.h>
#include <string.h>

#define RUSAGE_SELF	0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD	1

_Static_assert(sizeof(struct linux_rusage) == 144, "struct rusage is 144 bytes on x86_64");

static void add(struct rusage_acc *to, const struct rusage_acc *from)
{
	to->utime_ns += from->utime_ns;
	to->stime_ns += from->stime_ns;
	to->minflt += from->minflt;
}

static void fill(struct linux_rusage *r, const struct rusage_acc *a, uint64_t maxrss_kb)
{
	memset(r, 0, sizeof(*r));
	r->utime_sec = (int64_t)(a->utime_ns / NSEC_PER_SEC);
	r->utime_usec = (int64_t)(a->utime_ns % NSEC_PER_SEC / 1000);
	r->stime_sec = (int64_t)(a->stime_ns / NSEC_PER_SEC);
	r->stime_usec = (int64_t)(a->stime_ns % NSEC_PER_SEC / 1000);
	r->maxrss = (int64_t)maxrss_kb;
	r->minflt = (int64_t)a->minflt;
}

void rusage_tick(struct uthread *ut, bool user, uint64_t ns)
{
	if (user)
		ut->ru.utime_ns += ns;
	else
		ut->ru.stime_ns += ns;
}

void rusage_thread_exit_locked(struct proc *p, struct world *t)
{
	add(&p->ru_dead, &t->ut->ru);
	p->ru_dead.cpu_ns += t->se.runtime_ns;
}

void rusage_reap(struct proc *parent, struct proc *child, struct linux_rusage *out)
{
	struct rusage_acc all = child->ru_dead;
	uint64_t rss = MAX(child->maxrss_kb, child->children_maxrss_kb), f;

	add(&all, &child->ru_children);
	f = spin_lock_irqsave(&parent->sig_lock);
	add(&parent->ru_children, &all);
	parent->children_maxrss_kb = MAX(parent->children_maxrss_kb, rss);
	spin_unlock_irqrestore(&parent->sig_lock, f);
	if (out)
		fill(out, &all, rss);
}

/* The calling process's own figures: its live threads' and its exited ones'. */
static void self(struct proc *p, struct rusage_acc *a)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);

	*a = p->ru_dead;
	for (struct world *t = p->threads; t; t = t->thread_next)
		if (t->ut)
			add(a, &t->ut->ru);
	spin_unlock_irqrestore(&p->sig_lock, f);
}

static long sys_getrusage(long who, long uru, long a2, long a3, long a4, long a5)
{
	struct proc *p = proc_current();
	struct linux_rusage r;
	struct rusage_acc a;
	uint64_t rss = p->as ? p->as->peak_pages * (PAGE_SIZE / 1024) : 0, f;

	switch (who) {
	case RUSAGE_SELF:
		self(p, &a);
		break;
	case RUSAGE_THREAD:
		a = world_current()->ut->ru;
		break;
	case RUSAGE_CHILDREN:
		f = spin_lock_irqsave(&p->sig_lock);
		a = p->ru_children;
		rss = p->children_maxrss_kb;
		spin_unlock_irqrestore(&p->sig_lock, f);
		break;
	default:
		return -EINVAL;
	}
	fill(&r, &a, rss);
	return copy_to_user((void *)uru, &r, sizeof(r));
}
SYSCALL_DEFINE(98, sys_getrusage);

/* times(2): the process's and its waited-for children's CPU time in clock ticks (USER_HZ), and
 * the ticks since boot as the result (Linux counts from 5 minutes before 0 to catch
 * wrap-around bugs early; only differences mean anything). */
static long sys_times(long utms, long a1, long a2, long a3, long a4, long a5)
{
	struct proc *p = proc_current();
	const uint64_t tick = NSEC_PER_SEC / USER_HZ;
	struct rusage_acc me, ch;
	int64_t t[4];
	uint64_t f;

	self(p, &me);
	f = spin_lock_irqsave(&p->sig_lock);
	ch = p->ru_children;
	spin_unlock_irqrestore(&p->sig_lock, f);
	t[0] = (int64_t)(me.utime_ns / tick);
	t[1] = (int64_t)(me.stime_ns / tick);
	t[2] = (int64_t)(ch.utime_ns / tick);
	t[3] = (int64_t)(ch.stime_ns / tick);
	if (utms && copy_to_user((void *)utms, t, sizeof(t)))
		return -EFAULT;
	return (long)(time_ns() / tick);
}
SYSCALL_DEFINE(100, sys_times);
