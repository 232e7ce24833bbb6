/*
 * Clocks and sleeps: clock_gettime, clock_getres, nanosleep and clock_nanosleep on Linux's
 * clock ids.  REALTIME and TAI are the RTC's epoch plus the uptime; MONOTONIC, its RAW and
 * COARSE forms and BOOTTIME count from boot (the coarse clocks are as fine as the others);
 * the CPU-time clocks are the scheduler's CPU time of the calling thread or process.
 */
#define LOG_TAG "clock"
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <vmk/rtc.h>

enum {
	CLOCK_REALTIME = 0,
	CLOCK_MONOTONIC = 1,
	CLOCK_PROCESS_CPUTIME_ID = 2,
	CLOCK_THREAD_CPUTIME_ID = 3,
	CLOCK_MONOTONIC_RAW = 4,
	CLOCK_REALTIME_COARSE = 5,
	CLOCK_MONOTONIC_COARSE = 6,
	CLOCK_BOOTTIME = 7,
	CLOCK_REALTIME_ALARM = 8,
	CLOCK_BOOTTIME_ALARM = 9,
	CLOCK_TAI = 11,
};
#define TIMER_ABSTIME 1

struct timespec {
	int64_t sec, nsec;
};

/* The process's CPU time: its live threads' and its exited ones'. */
static uint64_t process_cpu_ns(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock), ns = p->ru_dead.cpu_ns;

	for (struct world *t = p->threads; t; t = t->thread_next)
		if (t->ut) /* else already in ru_dead */
			ns += t->se.runtime_ns;
	spin_unlock_irqrestore(&p->sig_lock, f);
	return ns;
}

/* Clock clk now, or -EINVAL for an id Linux does not have (10, and the negative ids of other
 * processes' CPU clocks, which are not offered). */
static int clock_read(long clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		*ns = realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = time_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = process_cpu_ns(proc_current());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = world_current()->se.runtime_ns;
		return 0;
	default:
		return -EINVAL;
	}
}

static int ts_in(const void *uts, uint64_t *ns)
{
	struct timespec ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (uint64_t)ts.sec > (UINT64_MAX - (uint64_t)ts.nsec) / NSEC_PER_SEC
		      ? UINT64_MAX
		      : (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
	return 0;
}

static int ts_out(void *uts, uint64_t ns)
{
	struct timespec ts = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};

	return copy_to_user(uts, &ts, sizeof(ts));
}

static long sys_clock_gettime(long clk, long uts, long a2, long a3, long a4, long a5)
{
	uint64_t ns;
	int rc = clock_read(clk, &ns);

	return rc ? rc : ts_out((void *)uts, ns);
}
SYSCALL_DEFINE(228, sys_clock_gettime);

/* Every clock here counts in nanoseconds. */
static long sys_clock_getres(long clk, long ures, long a2, long a3, long a4, long a5)
{
	uint64_t ns;
	int rc = clock_read(clk, &ns);

	if (rc)
		return rc;
	return ures ? ts_out((void *)ures, 1) : 0;
}
SYSCALL_DEFINE(229, sys_clock_getres);

/* Sleep until the monotonic time end unless a signal is to be handled first: then -EINTR, and
 * the time that was left in *urem when it is given. */
static long sleep_until(uint64_t end, void *urem)
{
	uint64_t now;

	while ((now = time_ns()) < end) {
		if (signal_pending()) {
			if (urem && ts_out(urem, end - now))
				return -EFAULT;
			return -EINTR;
		}
		world_sleep_ns(end - now);
	}
	return 0;
}

static uint64_t after(uint64_t now, uint64_t ns)
{
	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

static long sys_nanosleep(long ureq, long urem, long a2, long a3, long a4, long a5)
{
	uint64_t ns;
	int rc = ts_in((const void *)ureq, &ns);

	return rc ? rc : sleep_until(after(time_ns(), ns), (void *)urem);
}
SYSCALL_DEFINE(35, sys_nanosleep);

/* Linux sleeps on the wall, monotonic and boot clocks and the process's CPU clock; the
 * thread's CPU clock is EINVAL, the raw and coarse ones EOPNOTSUPP.  Every sleep here runs on
 * the monotonic clock: an absolute time is taken as however far away it is on its clock now
 * (nothing sets the wall clock meanwhile), and a CPU-time sleep lasts at least as long as
 * the CPU time it waits for would take one thread. */
static long sys_clock_nanosleep(long clk, long flags, long ureq, long urem, long a4, long a5)
{
	uint64_t ns, now;
	int rc;

	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (clk == CLOCK_MONOTONIC_RAW || clk == CLOCK_MONOTONIC_COARSE ||
	    clk == CLOCK_REALTIME_COARSE)
		return -EOPNOTSUPP;
	rc = clock_read(clk, &now);
	if (!rc)
		rc = ts_in((const void *)ureq, &ns);
	if (rc)
		return rc;
	if (!(flags & TIMER_ABSTIME))
		return sleep_until(after(time_ns(), ns), (void *)urem);
	/* An absolute time: as far away as it is on clk now. */
	return ns > now ? sleep_until(after(time_ns(), ns - now), NULL) : 0;
}
SYSCALL_DEFINE(230, sys_clock_nanosleep);
