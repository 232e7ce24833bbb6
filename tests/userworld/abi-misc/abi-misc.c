/*
 * abi-misc: what the same digging turned up besides the list: resource usage
 * (getrusage, times, wait4's rusage), the CPU-time clocks, clock_getres, clock_nanosleep,
 * prctl, nice values, getcpu, getgroups and posix_fadvise, as on Linux.  Times are compared by
 * coarse bounds only.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "abi.h"

#define KADDR ((void *)0xffffffff81000000ul)

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t sink;

/* Spin in user mode for ms of wall time. */
static void busy(unsigned ms)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + ms * 1000000ull;

	while (now_ns(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 1000; i++)
			sink += (uint64_t)i;
}

static long us(struct timeval tv)
{
	return tv.tv_sec * 1000000 + tv.tv_usec;
}

static void rusage_cases(void)
{
	struct rusage r, c;
	struct tms t0, t1;
	clock_t c0, c1;
	char *mem;
	pid_t pid;
	int st, rc;

	abi_area = "rusage";
	c0 = times(&t0);
	busy(300);
	mem = malloc(8 << 20);
	memset(mem, 1, 8 << 20);
	abi_say("self", "%s", abi_rc(getrusage(RUSAGE_SELF, &r)));
	/* How the time splits between user and system depends on the clock's cost (a system
	 * call on both under QEMU); the resident set and faults on how pages are handed out. */
	abi_say("self-fields", "cpu>=100ms %d maxrss>=4MiB %d minflt>0 %d majflt %ld",
		us(r.ru_utime) + us(r.ru_stime) >= 100000, r.ru_maxrss >= 4096, r.ru_minflt > 0,
		r.ru_majflt);
	memset(&r, 0, sizeof(r));
	rc = getrusage(RUSAGE_THREAD, &r);
	abi_say("thread", "%s cpu>0 %d", abi_rc(rc), us(r.ru_utime) + us(r.ru_stime) > 0);
	c.ru_utime.tv_usec = 1;
	rc = getrusage(RUSAGE_CHILDREN, &c);
	abi_say("children-none", "%s utime %ld", abi_rc(rc), us(c.ru_utime));
	pid = fork();
	if (pid == 0) {
		busy(300);
		_exit(0);
	}
	memset(&r, 0, sizeof(r));
	rc = wait4(pid, &st, 0, &r) == pid ? 0 : -1;
	abi_say("wait4", "%s cpu>=100ms %d", abi_rc(rc), us(r.ru_utime) + us(r.ru_stime) >= 100000);
	getrusage(RUSAGE_CHILDREN, &c);
	abi_say("children", "cpu>=100ms %d", us(c.ru_utime) + us(c.ru_stime) >= 100000);
	abi_say("bad-who", "%s", abi_rc(getrusage(7, &r)));
	abi_say("bad-pointer", "%s", abi_rc(syscall(SYS_getrusage, RUSAGE_SELF, KADDR)));
	usleep(200 * 1000);
	c1 = times(&t1);
	abi_say("times", "elapsed>=50 %d cpu>=10 %d children>=10 %d", (long)(c1 - c0) >= 50,
		(long)(t1.tms_utime + t1.tms_stime) >= 10,
		(long)(t1.tms_cutime + t1.tms_cstime) >= 10);
	abi_say("times-null", "%s", syscall(SYS_times, NULL) == -1 ? abi_errname(errno) : "ok");
	abi_say("times-bad", "%s", abi_rc(syscall(SYS_times, KADDR)));
	free(mem);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void clock_cases(void)
{
	const clockid_t ids[] = {CLOCK_REALTIME,	   CLOCK_MONOTONIC,
				 CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
				 CLOCK_MONOTONIC_RAW,	   CLOCK_BOOTTIME};
	struct timespec ts, rem;
	uint64_t cpu0, wall0, t0;
	int rc;

	abi_area = "clock";
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "getres-%d", ids[i]);
		rc = clock_getres(ids[i], &ts);
		abi_say(name, "%s %ld.%09ld", abi_rc(rc), (long)ts.tv_sec, ts.tv_nsec);
	}
	abi_say("getres-null", "%s", abi_rc(clock_getres(CLOCK_MONOTONIC, NULL)));
	abi_say("getres-bad", "%s", abi_rc(syscall(SYS_clock_getres, 10, &ts)));
	abi_say("gettime-bad", "%s", abi_rc(syscall(SYS_clock_gettime, 10, &ts)));
	cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	wall0 = now_ns(CLOCK_MONOTONIC);
	busy(200);
	abi_say("process-cpu-busy", "cpu>=100ms %d cpu<=wall %d",
		now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0 >= 100000000,
		now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0 <=
			now_ns(CLOCK_MONOTONIC) - wall0 + 20000000);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	usleep(300 * 1000);
	abi_say("thread-cpu-asleep", "cpu<100ms %d",
		now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0 < 100000000);
	t0 = now_ns(CLOCK_MONOTONIC);
	ts = (struct timespec){0, 20 * 1000 * 1000};
	rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	abi_say("nanosleep-rel", "%d slept>=20ms %d", rc, now_ns(CLOCK_MONOTONIC) - t0 >= 20000000);
	t0 = now_ns(CLOCK_MONOTONIC);
	ts.tv_sec = (time_t)((t0 + 30000000) / 1000000000);
	ts.tv_nsec = (long)((t0 + 30000000) % 1000000000);
	rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	abi_say("nanosleep-abs", "%d slept>=30ms %d", rc, now_ns(CLOCK_MONOTONIC) - t0 >= 30000000);
	ts = (struct timespec){1, 0};
	abi_say("nanosleep-abs-past", "%d",
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL));
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000)
		ts.tv_sec++, ts.tv_nsec -= 1000000000;
	abi_say("nanosleep-abs-realtime", "%d",
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL));
	ts = (struct timespec){0, 1000};
	abi_say("nanosleep-thread-cpu", "%s",
		abi_errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL)));
	abi_say("nanosleep-raw", "%s",
		abi_errname(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &ts, NULL)));
	abi_say("nanosleep-bad-clock", "%s", abi_errname(clock_nanosleep(10, 0, &ts, NULL)));
	ts = (struct timespec){0, 1000000000};
	abi_say("nanosleep-bad-ns", "%s",
		abi_errname(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL)));
	abi_say("nanosleep-bad-ptr", "%s",
		abi_rc(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, KADDR, NULL)));
	signal(SIGALRM, on_alarm);
	ualarm(50000, 0);
	ts = (struct timespec){5, 0};
	rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem);
	abi_say("nanosleep-eintr", "%s rem>3s %d", abi_errname(rc), rem.tv_sec >= 3);
}

static int death_pipe = -1;
static volatile sig_atomic_t death_seen;

static void on_usr1(int sig)
{
	(void)sig;
	death_seen = 1;
	write(death_pipe, "d", 1);
}

/* A grandchild asks for SIGUSR1 when its parent dies, then its parent exits; with the
 * caller a child subreaper, the grandchild comes to it and is reaped by it. */
static void orphan_cases(void)
{
	int ready[2], to_top[2], death[2], st, reaped = 0, gst = -1;
	pid_t top = getpid(), mid, grand = 0, got;
	char c = 0;

	pipe(ready);
	pipe(to_top);
	pipe(death);
	abi_say("subreaper-set", "%s", abi_rc(prctl(PR_SET_CHILD_SUBREAPER, 1)));
	prctl(PR_GET_CHILD_SUBREAPER, &st);
	abi_say("subreaper-get", "%d", st);
	mid = fork();
	if (mid == 0) {
		pid_t g = fork();

		if (g == 0) {
			death_pipe = death[1];
			signal(SIGUSR1, on_usr1);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			write(ready[1], "r", 1);
			for (int i = 0; i < 300 && !death_seen; i++)
				usleep(10000);
			_exit(getppid() == top ? 7 : 8);
		}
		read(ready[0], &c, 1);
		write(to_top[1], &g, sizeof(g));
		_exit(0);
	}
	read(to_top[0], &grand, sizeof(grand));
	while ((got = waitpid(-1, &st, 0)) > 0) {
		reaped++;
		if (got == grand)
			gst = WEXITSTATUS(st);
	}
	fcntl(death[0], F_SETFL, O_NONBLOCK);
	read(death[0], &c, 1);
	abi_say("pdeathsig", "%c", c == 'd' ? 'd' : '-');
	abi_say("subreaper-reaped", "%d grandchild exit %d", reaped, gst);
	prctl(PR_SET_PDEATHSIG, SIGUSR2);
	prctl(PR_GET_PDEATHSIG, &st);
	abi_say("pdeathsig-get", "%d", st);
	abi_say("pdeathsig-bad", "%s", abi_rc(prctl(PR_SET_PDEATHSIG, 99)));
	prctl(PR_SET_PDEATHSIG, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void prctl_cases(void)
{
	char name[32] = "", comm[32] = "";
	unsigned long slack;
	int fd, rc;

	abi_area = "prctl";
	abi_say("set-name", "%s", abi_rc(prctl(PR_SET_NAME, "abi-renamed")));
	prctl(PR_GET_NAME, name);
	fd = open("/proc/self/comm", O_RDONLY);
	read(fd, comm, sizeof(comm) - 1);
	close(fd);
	comm[strcspn(comm, "\n")] = 0;
	abi_say("get-name", "%s comm %s", name, comm);
	prctl(PR_SET_NAME, "a-name-longer-than-fifteen");
	prctl(PR_GET_NAME, name);
	abi_say("long-name", "%s", name);
	abi_say("name-bad", "%s", abi_rc(prctl(PR_GET_NAME, KADDR)));
	abi_say("dumpable", "%s", abi_rc(prctl(PR_GET_DUMPABLE)));
	abi_say("dumpable-bad", "%s", abi_rc(prctl(PR_SET_DUMPABLE, 2)));
	abi_say("no-new-privs", "%s", abi_rc(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
	rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	abi_say("no-new-privs-set", "%s then %s", abi_rc(rc),
		abi_rc(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
	abi_say("no-new-privs-bad", "%s", abi_rc(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)));
	abi_say("capbset", "%s %s", abi_rc(prctl(PR_CAPBSET_READ, 0)),
		abi_rc(prctl(PR_CAPBSET_READ, 99)));
	abi_say("seccomp", "%s", abi_rc(prctl(PR_GET_SECCOMP)));
	slack = (unsigned long)prctl(PR_GET_TIMERSLACK);
	prctl(PR_SET_TIMERSLACK, 1000);
	abi_say("timerslack", "%lu then %ld", slack, (long)prctl(PR_GET_TIMERSLACK));
	abi_say("keepcaps", "%s", abi_rc(prctl(PR_GET_KEEPCAPS)));
	abi_say("unknown", "%s", abi_rc(prctl(9999)));
	orphan_cases();
}

static void sched_cases(void)
{
	unsigned cpu = 99, node = 99;
	pid_t pid;
	int st, rc;

	abi_area = "nice";
	errno = 0;
	rc = getpriority(PRIO_PROCESS, 0);
	abi_say("get", "%d %s", rc, abi_errname(errno));
	rc = setpriority(PRIO_PROCESS, 0, 5);
	abi_say("set", "%s then %d", abi_rc(rc), getpriority(PRIO_PROCESS, 0));
	rc = setpriority(PRIO_PROCESS, 0, 100);
	abi_say("set-high", "%s then %d", abi_rc(rc), getpriority(PRIO_PROCESS, 0));
	pid = fork();
	if (pid == 0)
		_exit(getpriority(PRIO_PROCESS, 0));
	waitpid(pid, &st, 0);
	abi_say("inherited", "%d", WEXITSTATUS(st));
	rc = setpriority(PRIO_PROCESS, 0, -100);
	abi_say("set-low", "%s then %d", abi_rc(rc), getpriority(PRIO_PROCESS, 0));
	rc = setpriority(PRIO_PGRP, 0, 3);
	abi_say("pgrp", "%s then %d", abi_rc(rc), getpriority(PRIO_PGRP, 0));
	abi_say("user", "%s", abi_rc(setpriority(PRIO_USER, 0, 0)));
	abi_say("bad-which", "%s", abi_rc(setpriority(7, 0, 0)));
	abi_say("missing", "%s", abi_rc(setpriority(PRIO_PROCESS, 999999, 0)));
	abi_say("raw-get", "%ld", syscall(SYS_getpriority, PRIO_PROCESS, 0));
	abi_sh("nice-cmd", "nice -n 7 nice");
	abi_area = "sched";
	rc = (int)syscall(SYS_getcpu, &cpu, &node, NULL);
	abi_say("getcpu", "%s cpu<2 %d node %u", abi_rc(rc), cpu < 2, node);
	abi_say("getcpu-bad", "%s", abi_rc(syscall(SYS_getcpu, KADDR, NULL, NULL)));
}

static void id_cases(void)
{
	int fd = open("/tmp/abi-fadvise", O_RDWR | O_CREAT | O_TRUNC, 0600), p[2];
	gid_t groups[8];

	abi_area = "id";
	abi_say("getgroups", "%s", abi_rc(getgroups(8, groups)));
	abi_say("getgroups-bad", "%s", abi_rc(getgroups(-1, groups)));
	abi_sh("id", "id");
	abi_area = "fadvise";
	abi_say("normal", "%s", abi_errname(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL)));
	abi_say("dontneed", "%s", abi_errname(posix_fadvise(fd, 0, 4096, POSIX_FADV_DONTNEED)));
	abi_say("bad-advice", "%s", abi_errname(posix_fadvise(fd, 0, 0, 99)));
	abi_say("negative-len", "%s", abi_errname(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL)));
	abi_say("badfd", "%s", abi_errname(posix_fadvise(99, 0, 0, POSIX_FADV_NORMAL)));
	pipe(p);
	abi_say("pipe", "%s", abi_errname(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL)));
	close(fd);
	unlink("/tmp/abi-fadvise");
}

int main(void)
{
	rusage_cases();
	clock_cases();
	prctl_cases();
	sched_cases();
	id_cases();
	return 0;
}
