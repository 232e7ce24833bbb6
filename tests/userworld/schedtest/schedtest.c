/*
 * schedtest: the scheduler's resource controls measured on CPU-bound userworlds, set through
 * /dev/keel (keel/keelctl.h).  Children pin themselves to the last CPU, spin, and the parent
 * compares the CPU time each received over 3 s.  Prints "schedtest: PASS/FAIL name ..." and
 * "schedtest: done, N failed".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <keel/keelctl.h>
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

	FILE *w = fopen("/proc/keel/worlds", "r");
	char line[256];
	int seen = 0;
	while (w && fgets(line, sizeof(line), w))
		seen += strstr(line, "schedtest") != NULL;
	report(seen >= 1, "proc-keel-worlds", "the test's world is listed with its CPU time");
	printf("schedtest: done, %d failed\n", failures);
	return failures != 0;
}
