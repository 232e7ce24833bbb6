/*
 * schedtest: the scheduler's resource controls measured on CPU-bound userworlds, set through
 * /dev/keel (keel/keelctl.h).  Children pin themselves to the last CPU, spin, and the parent
 * compares the CPU time each received over 3 s.  The controls are a process's, shared by its
 * threads: a limit covers them together, and they split the shares.  Prints "schedtest: PASS/FAIL
 * name ..." and "schedtest: done, N failed".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <keel/keelctl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures, ctl, ncpu;

static void report(int ok, const char *name, const char *detail)
{
	printf("schedtest: %s %s (%s)\n", ok ? "PASS" : "FAIL", name, detail);
	fflush(stdout);
	failures += !ok;
}

static pid_t spinner(int go)
{
	pid_t pid = fork();

	if (pid == 0) {
		cpu_set_t set;
		char c;

		CPU_ZERO(&set);
		CPU_SET(ncpu - 1, &set);
		sched_setaffinity(0, sizeof(set), &set);
		read(go, &c, 1);
		for (;;)
			;
	}
	return pid;
}

static int set(pid_t pid, unsigned shares, unsigned res, unsigned lim, unsigned flags)
{
	struct keel_sched ks = {
		.pid = pid, .flags = flags, .shares = shares, .reservation = res, .limit = lim};

	return ioctl(ctl, KEEL_IOC_SCHED_SET, &ks);
}

static unsigned long long runtime(pid_t pid)
{
	struct keel_sched ks = {.pid = pid};

	return ioctl(ctl, KEEL_IOC_SCHED_GET, &ks) ? 0 : ks.runtime_ns;
}

/* Run n spinners with the given controls for 3 s; their CPU times in ns. */
static void run(int n, const unsigned (*ctl3)[4], unsigned long long *ns)
{
	pid_t pid[4];
	unsigned long long t0[4];
	int go[2];
	struct timespec d = {3, 0};

	pipe(go);
	for (int i = 0; i < n; i++) {
		pid[i] = spinner(go[0]);
		if (set(pid[i], ctl3[i][0], ctl3[i][1], ctl3[i][2], ctl3[i][3]))
			report(0, "set-controls", "ioctl refused");
	}
	usleep(100000); /* let them pin themselves */
	for (int i = 0; i < n; i++)
		t0[i] = runtime(pid[i]);
	write(go[1], "gggg", (size_t)n);
	nanosleep(&d, NULL);
	for (int i = 0; i < n; i++) {
		ns[i] = runtime(pid[i]) - t0[i];
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
	close(go[0]);
	close(go[1]);
}

/* --- groups: a process's threads share its controls ------------------------------------ */

static volatile int pin_last;

static void *spin_thread(void *arg)
{
	if (pin_last) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(ncpu - 1, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	for (;;)
		;
	return arg;
}

/* A child with `threads` spinning threads (the main one included), pinned or not. */
static pid_t spinner_threads(int go, int threads, int pin)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;
		char c;

		pin_last = pin;
		read(go, &c, 1);
		for (int i = 1; i < threads; i++)
			pthread_create(&t, NULL, spin_thread, NULL);
		spin_thread(NULL);
	}
	return pid;
}

/* CPU time of each child over 3 s. */
static void measure(int n, const pid_t *pid, int go_w, unsigned long long *ns)
{
	unsigned long long t0[4];
	struct timespec d = {3, 0};

	for (int i = 0; i < n; i++)
		t0[i] = runtime(pid[i]);
	write(go_w, "gggg", (size_t)n);
	usleep(200000); /* the threads start */
	for (int i = 0; i < n; i++)
		t0[i] = runtime(pid[i]);
	nanosleep(&d, NULL);
	for (int i = 0; i < n; i++) {
		ns[i] = runtime(pid[i]) - t0[i];
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
}

static void test_groups(void)
{
	unsigned long long ns[2];
	char detail[160];
	pid_t pid[2];
	int go[2], p0, p1;

	/* Two threads, one limit of 50%: together half a CPU, on any number of CPUs. */
	pipe(go);
	pid[0] = spinner_threads(go[0], 2, 0);
	report(set(pid[0], 1000, 0, 500, 0) == 0, "group-set-limit", "ioctl");
	measure(1, pid, go[1], ns);
	p0 = (int)(ns[0] / 3000000);
	snprintf(detail, sizeof(detail), "2 threads limited to 50%% together: %d.%d%% of one CPU",
		 p0 / 10, p0 % 10);
	report(p0 >= 450 && p0 <= 550, "group-limit-2-threads", detail);

	/* Two threads and one thread, equal shares, one CPU: the process gets half, not 2/3. */
	pid[0] = spinner_threads(go[0], 2, 1);
	pid[1] = spinner_threads(go[0], 1, 1);
	measure(2, pid, go[1], ns);
	p0 = ns[0] + ns[1] ? (int)(ns[0] * 1000 / (ns[0] + ns[1])) : 0;
	p1 = 1000 - p0;
	snprintf(detail, sizeof(detail),
		 "on CPU %d: 2 threads %d.%d%%, 1 thread %d.%d%%, want 50 50 +-5", ncpu - 1,
		 p0 / 10, p0 % 10, p1 / 10, p1 % 10);
	report(p0 >= 450 && p0 <= 550, "group-shares-split", detail);
	close(go[0]);
	close(go[1]);

	/* A limit above one CPU is allowed up to the online CPUs; reservations are admitted. */
	report(set(0, 1000, 0, 1000 * (unsigned)ncpu, 0) == 0 &&
		       set(0, 1000, 0, 1000 * (unsigned)ncpu + 1, 0) == -1,
	       "group-limit-range", "up to every online CPU");
	report(set(0, 1000, 0, 0, 0) == 0, "group-reset", "back to no limit");
}

int main(void)
{
	unsigned long long ns[3], total;
	char detail[160];
	int p[3];

	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	ctl = open("/dev/keel", O_RDWR);
	report(ctl >= 0, "open-dev-keel", "the control device");

	const unsigned shares[3][4] = {{1000, 0, 0, 0}, {2000, 0, 0, 0}, {4000, 0, 0, 0}};
	run(3, shares, ns);
	total = ns[0] + ns[1] + ns[2];
	for (int i = 0; i < 3; i++)
		p[i] = total ? (int)(ns[i] * 1000 / total) : 0;
	snprintf(detail, sizeof(detail),
		 "%d CPUs, on CPU %d: %d.%d%% %d.%d%% %d.%d%%, want 14.3 28.6 57.1 +-5", ncpu,
		 ncpu - 1, p[0] / 10, p[0] % 10, p[1] / 10, p[1] % 10, p[2] / 10, p[2] % 10);
	report(p[0] >= 93 && p[0] <= 193 && p[1] >= 236 && p[1] <= 336 && p[2] >= 521 &&
		       p[2] <= 621,
	       "shares-1-2-4", detail);

	const unsigned limit[1][4] = {{1000, 0, 250, 0}};
	run(1, limit, ns);
	p[0] = (int)(ns[0] / 3000000);
	snprintf(detail, sizeof(detail), "limited to 25%%, alone on a CPU: %d.%d%%", p[0] / 10,
		 p[0] % 10);
	report(p[0] >= 200 && p[0] <= 300, "limit-25", detail);

	const unsigned resv[3][4] = {{100, 500, 0, 0}, {4000, 0, 0, 0}, {4000, 0, 0, 0}};
	run(3, resv, ns);
	total = ns[0] + ns[1] + ns[2];
	p[0] = total ? (int)(ns[0] * 1000 / total) : 0;
	snprintf(detail, sizeof(detail), "50%% reservation with 1/81 of the shares: %d.%d%%",
		 p[0] / 10, p[0] % 10);
	report(p[0] >= 450, "reservation-50", detail);

	/* A reservation in MHz: half the CPU's clock. */
	struct keel_sched ks = {.pid = 0};
	ioctl(ctl, KEEL_IOC_SCHED_GET, &ks);
	report(set(0, 1000, 2000000, 0, KEEL_SCHED_MHZ) == 0 &&
		       ioctl(ctl, KEEL_IOC_SCHED_GET, &ks) == 0 && ks.reservation == 1000 &&
		       set(0, 1000, 0, 0, 0) == 0,
	       "reservation-mhz", "2,000,000 MHz is capped at one whole CPU");
	report(set(0, 1000, 600, 500, 0) == -1, "reservation-above-limit", "refused");
	report(set(99999, 1000, 0, 0, 0) == -1, "unknown-pid", "ESRCH");
	test_groups();

	FILE *w = fopen("/proc/keel/worlds", "r");
	char line[256];
	int seen = 0;
	while (w && fgets(line, sizeof(line), w))
		seen += strstr(line, "schedtest") != NULL;
	report(seen >= 1, "proc-keel-worlds", "the test's world is listed with its CPU time");
	printf("schedtest: done, %d failed\n", failures);
	return failures != 0;
}
