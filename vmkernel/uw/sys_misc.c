/*
 * Resource limits, interval timers (ITIMER_REAL and alarm), gettimeofday and sysinfo.
 */
#define LOG_TAG "uw"
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <vmk/rtc.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <vmk/mm.h>
#include <string.h>

#define RLIM_INFINITY  (~0ull)
#define RLIMIT_NLIMITS 16
#define RLIMIT_NOFILE  7
#define RLIMIT_NPROC   6
#define RLIMIT_STACK   3
#define RLIMIT_CORE    4
#define RLIMIT_DATA    2
#define RLIMIT_AS      9

#define RLIMIT_SIGPENDING 11

void proc_rlimit_defaults(struct proc *p)
{
	for (int i = 0; i < RLIMIT_NLIMITS; i++)
		p->rlim[i].cur = p->rlim[i].max = RLIM_INFINITY;
	p->rlim[RLIMIT_NOFILE].cur = p->rlim[RLIMIT_NOFILE].max = FD_MAX;
	p->rlim[RLIMIT_NPROC].cur = p->rlim[RLIMIT_NPROC].max = PROC_MAX;
	p->rlim[RLIMIT_STACK].cur = 8 << 20;
	p->rlim[RLIMIT_CORE].cur = p->rlim[RLIMIT_CORE].max = 0; /* no core dumps */
	/* queued signals: the kernel's bound (vmk/signal.h), which a higher limit cannot pass */
	p->rlim[RLIMIT_SIGPENDING].cur = p->rlim[RLIMIT_SIGPENDING].max = SIG_QUEUE_MAX;
}

void proc_apply_mem_limits(struct proc *p, struct aspace *as)
{
	aspace_set_limits(as, p->rlim[RLIMIT_AS].cur, p->rlim[RLIMIT_DATA].cur);
}

/* prlimit64 on the caller (pid 0 or its own): the kernel's maxima for descriptors and
 * processes cannot be raised. */
static long sys_prlimit64(long pid, long res, long unew, long uold, long a4, long a5)
{
	struct proc *p = proc_current();
	struct {
		uint64_t cur, max;
	} nl;

	if (pid && pid != p->pid)
		return -ESRCH;
	if (res < 0 || res >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (uold && copy_to_user((void *)uold, &p->rlim[res], sizeof(nl)))
		return -EFAULT;
	if (!unew)
		return 0;
	if (copy_from_user(&nl, (const void *)unew, sizeof(nl)))
		return -EFAULT;
	if (nl.cur > nl.max)
		return -EINVAL;
	if ((res == RLIMIT_NOFILE && nl.max > FD_MAX) || (res == RLIMIT_NPROC && nl.max > PROC_MAX))
		return -EPERM;
	p->rlim[res].cur = nl.cur;
	p->rlim[res].max = nl.max;
	if (res == RLIMIT_AS || res == RLIMIT_DATA)
		proc_apply_mem_limits(p, p->as);
	return 0;
}
SYSCALL_DEFINE(302, sys_prlimit64);

static long sys_getrlimit(long res, long uold, long a2, long a3, long a4, long a5)
{
	return sys_prlimit64(0, res, 0, uold, 0, 0);
}
SYSCALL_DEFINE(97, sys_getrlimit);

static long sys_setrlimit(long res, long unew, long a2, long a3, long a4, long a5)
{
	return sys_prlimit64(0, res, unew, 0, 0, 0);
}
SYSCALL_DEFINE(160, sys_setrlimit);

static long sys_gettimeofday(long utv, long utz, long a2, long a3, long a4, long a5)
{
	uint64_t ns = realtime_ns();
	struct {
		int64_t sec, usec;
	} tv = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000)};
	struct {
		int32_t minuteswest, dsttime;
	} tz = {0, 0};

	if (utv && copy_to_user((void *)utv, &tv, sizeof(tv)))
		return -EFAULT;
	if (utz && copy_to_user((void *)utz, &tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}
SYSCALL_DEFINE(96, sys_gettimeofday);

/* --- ITIMER_REAL: one kernel world sleeps until the earliest process alarm --- */

static struct waitq itimer_wq = WAITQ_INIT; /* its lock also guards itimer_gen */
static uint64_t itimer_gen; /* bumped by every setting: a scan older than that is stale */

struct alarm_scan {
	uint64_t now, next;
};

static void alarm_fire(struct proc *p, void *arg)
{
	struct alarm_scan *a = arg;

	if (p->zombie || !p->alarm_at)
		return;
	if (p->alarm_at <= a->now) {
		signal_send(p, SIGALRM);
		p->alarm_at = p->alarm_interval ? a->now + p->alarm_interval : 0;
	}
	if (p->alarm_at && (!a->next || p->alarm_at < a->next))
		a->next = p->alarm_at;
}

static void itimer_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct alarm_scan a = {time_ns(), 0};
		uint64_t f = spin_lock_irqsave(&itimer_wq.lock), gen = itimer_gen;

		spin_unlock_irqrestore(&itimer_wq.lock, f);
		proc_foreach(alarm_fire, &a);
		f = spin_lock_irqsave(&itimer_wq.lock);
		if (gen != itimer_gen) /* a timer was set during the scan: scan again */
			;
		else if (a.next)
			waitq_wait_until(&itimer_wq, &f, a.next);
		else
			waitq_wait(&itimer_wq, &f);
		spin_unlock_irqrestore(&itimer_wq.lock, f);
	}
}

void itimer_start(void)
{
	if (world_create("itimer", itimer_main, NULL, NULL, NULL))
		panic("cannot start the interval-timer world");
}

struct kitimerval {
	int64_t int_sec, int_usec, val_sec, val_usec;
};

static uint64_t tv_ns(int64_t sec, int64_t usec)
{
	return (uint64_t)sec * NSEC_PER_SEC + (uint64_t)usec * 1000;
}

static void itimer_get(struct proc *p, struct kitimerval *v)
{
	uint64_t now = time_ns(), left = p->alarm_at > now ? p->alarm_at - now : 0;

	if (p->alarm_at && !left)
		left = 1000; /* due now: report 1 us, as Linux does */
	v->int_sec = (int64_t)(p->alarm_interval / NSEC_PER_SEC);
	v->int_usec = (int64_t)(p->alarm_interval % NSEC_PER_SEC / 1000);
	v->val_sec = (int64_t)(left / NSEC_PER_SEC);
	v->val_usec = (int64_t)(left % NSEC_PER_SEC / 1000);
}

static void itimer_set(struct proc *p, uint64_t value, uint64_t interval)
{
	uint64_t f;

	p->alarm_interval = interval;
	p->alarm_at = value ? time_ns() + value : 0;
	f = spin_lock_irqsave(&itimer_wq.lock);
	itimer_gen++;
	waitq_wake_all_locked(&itimer_wq);
	spin_unlock_irqrestore(&itimer_wq.lock, f);
}

/* --- ITIMER_VIRTUAL and ITIMER_PROF: CPU time, charged by the timer tick --- */

static void ns_tv(uint64_t ns, int64_t *sec, int64_t *usec)
{
	*sec = (int64_t)(ns / NSEC_PER_SEC);
	*usec = (int64_t)(ns % NSEC_PER_SEC / 1000);
}

/* Each tick charges its period to the interrupted process's CPU timers, as Linux's
 * tick-based accounting does: ITIMER_VIRTUAL when it ran in user mode, ITIMER_PROF in
 * either.  An expiry sends SIGVTALRM or SIGPROF and reloads the interval. */
void itimer_tick(const struct regs *r)
{
	struct world *w = world_current();
	const uint64_t tick = NSEC_PER_SEC / TIMER_HZ;
	struct proc *p;
	int fire[2] = {0, 0};
	uint64_t f;

	if (!w || !w->ut || !(p = w->proc))
		return;
	rusage_tick(w->ut, r->cs & 3, tick);
	if (!(p->cpu_timer[0].value | p->cpu_timer[1].value))
		return;
	f = spin_lock_irqsave(&p->sig_lock);
	for (int i = 0; i < 2; i++) {
		struct cpu_timer *t = &p->cpu_timer[i];

		if (!t->value || (i == 0 && !(r->cs & 3)))
			continue;
		if (t->value > tick) {
			t->value -= tick;
		} else {
			t->value = t->interval;
			fire[i] = 1;
		}
	}
	spin_unlock_irqrestore(&p->sig_lock, f);
	if (fire[0])
		signal_send(p, SIGVTALRM);
	if (fire[1])
		signal_send(p, SIGPROF);
}

static void cpu_timer_get(struct proc *p, int which, struct kitimerval *v)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);
	struct cpu_timer t = p->cpu_timer[which - 1];

	spin_unlock_irqrestore(&p->sig_lock, f);
	ns_tv(t.interval, &v->int_sec, &v->int_usec);
	ns_tv(t.value, &v->val_sec, &v->val_usec);
}

static void cpu_timer_set(struct proc *p, int which, uint64_t value, uint64_t interval)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);

	p->cpu_timer[which - 1] = (struct cpu_timer){value, interval};
	spin_unlock_irqrestore(&p->sig_lock, f);
}

static long sys_getitimer(long which, long ucur, long a2, long a3, long a4, long a5)
{
	struct kitimerval v;

	if (which < 0 || which > 2)
		return -EINVAL;
	if (which)
		cpu_timer_get(proc_current(), (int)which, &v);
	else
		itimer_get(proc_current(), &v);
	return copy_to_user((void *)ucur, &v, sizeof(v));
}
SYSCALL_DEFINE(36, sys_getitimer);

static long sys_setitimer(long which, long unew, long uold, long a3, long a4, long a5)
{
	struct proc *p = proc_current();
	struct kitimerval nv, ov;

	if (which < 0 || which > 2)
		return -EINVAL;
	if (copy_from_user(&nv, (const void *)unew, sizeof(nv)))
		return -EFAULT;
	if (nv.val_usec < 0 || nv.val_usec >= 1000000 || nv.int_usec < 0 ||
	    nv.int_usec >= 1000000 || nv.val_sec < 0 || nv.int_sec < 0)
		return -EINVAL;
	if (which) {
		cpu_timer_get(p, (int)which, &ov);
		cpu_timer_set(p, (int)which, tv_ns(nv.val_sec, nv.val_usec),
			      tv_ns(nv.int_sec, nv.int_usec));
	} else {
		itimer_get(p, &ov);
		itimer_set(p, tv_ns(nv.val_sec, nv.val_usec), tv_ns(nv.int_sec, nv.int_usec));
	}
	if (uold && copy_to_user((void *)uold, &ov, sizeof(ov)))
		return -EFAULT;
	return 0;
}
SYSCALL_DEFINE(38, sys_setitimer);

static long sys_alarm(long secs, long a1, long a2, long a3, long a4, long a5)
{
	struct proc *p = proc_current();
	struct kitimerval ov;

	itimer_get(p, &ov);
	itimer_set(p, (uint64_t)(unsigned)secs * NSEC_PER_SEC, 0);
	return ov.val_sec + (ov.val_usec >= 500000 || (!ov.val_sec && ov.val_usec));
}
SYSCALL_DEFINE(37, sys_alarm);

/* --- sysinfo --- */

struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo is 112 bytes on x86_64");

static void count_threads(struct proc *p, void *arg)
{
	if (!p->zombie)
		*(unsigned *)arg += p->nthreads;
}

/* Memory in bytes (mem_unit 1), no swap or high memory, threads as "procs" (as Linux counts
 * them), the uptime rounded up to a whole second as Linux rounds it. */
static long sys_sysinfo(long uinfo, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_sysinfo si;
	struct frame_stats fs;
	uint64_t up = time_ns();
	unsigned threads = 0;

	memset(&si, 0, sizeof(si));
	frame_get_stats(&fs);
	proc_foreach(count_threads, &threads);
	si.uptime = (int64_t)((up + NSEC_PER_SEC - 1) / NSEC_PER_SEC);
	si.totalram = fs.usable * PAGE_SIZE;
	si.freeram = fs.free * PAGE_SIZE;
	si.procs = (uint16_t)MIN(threads, 0xffffu);
	si.mem_unit = 1;
	return copy_to_user((void *)uinfo, &si, sizeof(si));
}
SYSCALL_DEFINE(99, sys_sysinfo);
