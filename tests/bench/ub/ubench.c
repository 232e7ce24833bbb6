/* ubench: userworld micro-benchmarks, the same static binary on Keel and on Linux.
 *
 *   ubench NAME [ITERATIONS]     NAME: null-syscall page-fault pipe-rtt fork-exec, or all
 *
 * Each benchmark times a fixed number of iterations with clock_gettime(CLOCK_MONOTONIC), five
 * times, and prints the median as one machine-readable line:
 *
 *   bench: NAME NS_PER_OP ITERATIONS
 *
 * or, when a system call it needs fails, "bench: NAME error ERRNO" after a readable
 * "ubench: NAME: what: strerror" line.  pipe-rtt also prints "bench: ctx-switch ...", half of
 * the round trip: a 1-byte ping-pong between two processes is two context switches per round
 * trip (on one CPU; across two CPUs it is two wake-ups).  Before each benchmark it prints
 * "ubench: start NAME", so a console that stops says where.
 *
 * Run as pid 1 (the /init of a Linux initramfs, or Keel's init=) it makes sure it has a
 * console and, when done, powers the machine off with reboot(RB_POWER_OFF); where that call
 * does not exist it just exits (Keel powers off with its own "poweroff" option).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UB_RUNS	     5
#define UB_PAGE	     4096UL
#define UB_FAULT_MEM (64UL << 20)
#define UB_EXIT_PATH "/usr/bin/ubexit"

/* A benchmark: run() does ITERS operations once and returns the nanoseconds they took, or a
 * negative errno (after saying what failed). */
struct ubench {
	const char *name;
	long iters; /* default iterations per run */
	int (*run)(long iters, double *ns);
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int failed(const char *name, const char *what, int err)
{
	printf("ubench: %s: %s: %s (errno %d)\n", name, what, strerror(err), err);
	fflush(stdout);
	return -err;
}

/* --- null system call: getppid, which no libc caches ------------------------------------ */
static int run_null(long iters, double *ns)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < iters; i++)
		getppid();
	*ns = (double)(now_ns() - t0);
	return 0;
}

/* --- pipe round trip: parent and child bounce one byte over two pipes --------------------- */
static int run_pipe(long iters, double *ns)
{
	int to_child[2], to_parent[2], status, err;
	char c = 'x';
	uint64_t t0;
	pid_t pid;

	if (pipe(to_child))
		return failed("pipe-rtt", "pipe", errno);
	if (pipe(to_parent)) {
		err = errno;
		close(to_child[0]);
		close(to_child[1]);
		return failed("pipe-rtt", "pipe", err);
	}
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(to_child[0]);
		close(to_child[1]);
		close(to_parent[0]);
		close(to_parent[1]);
		return failed("pipe-rtt", "fork", err);
	}
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		for (long i = 0; i < iters; i++) {
			if (read(to_child[0], &c, 1) != 1 || write(to_parent[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	err = 0;
	t0 = now_ns();
	for (long i = 0; i < iters && !err; i++) {
		if (write(to_child[1], &c, 1) != 1)
			err = failed("pipe-rtt", "write", errno ? errno : EIO);
		else if (read(to_parent[0], &c, 1) != 1)
			err = failed("pipe-rtt", "read", errno ? errno : EIO);
	}
	*ns = (double)(now_ns() - t0);
	close(to_child[1]);
	close(to_parent[0]);
	if (waitpid(pid, &status, 0) != pid)
		return err ? err : failed("pipe-rtt", "waitpid", errno);
	if (!err && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return failed("pipe-rtt", "child", EIO);
	return err;
}

/* --- fork + exec + wait of a program that exits at once ------------------------------------ */
static int run_forkexec(long iters, double *ns)
{
	char *argv[] = {UB_EXIT_PATH, NULL};
	char *envp[] = {NULL};
	uint64_t t0 = now_ns();
	int status;
	pid_t pid;

	for (long i = 0; i < iters; i++) {
		pid = fork();
		if (pid < 0)
			return failed("fork-exec", "fork", errno);
		if (pid == 0) {
			execve(UB_EXIT_PATH, argv, envp);
			failed("fork-exec", "execve " UB_EXIT_PATH, errno);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid)
			return failed("fork-exec", "waitpid", errno);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return failed("fork-exec", "child status", ECHILD);
	}
	*ns = (double)(now_ns() - t0);
	return 0;
}

/* --- page faults: touch one byte of every page of fresh anonymous memory --------------------
 * ITERS is ignored: a run is always the UB_FAULT_MEM region, 16384 pages.  Transparent huge
 * pages are turned off for the region (Debian's cloud kernel has THP "always"): the figure is
 * the cost of a 4 KiB demand-zero fault on both systems.  Where madvise does not exist the
 * region is small pages anyway. */
static int run_fault(long iters, double *ns)
{
	volatile char *p;
	uint64_t t0;

	(void)iters;
	p = mmap(NULL, UB_FAULT_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return failed("page-fault", "mmap 64 MiB", errno);
	madvise((void *)p, UB_FAULT_MEM, MADV_NOHUGEPAGE);
	t0 = now_ns();
	for (unsigned long off = 0; off < UB_FAULT_MEM; off += UB_PAGE)
		p[off] = 1;
	*ns = (double)(now_ns() - t0);
	if (munmap((void *)p, UB_FAULT_MEM))
		return failed("page-fault", "munmap", errno);
	return 0;
}

static const struct ubench benches[] = {
	/* Those that need only memory and a clock first: a hang in process code leaves them. */
	{"null-syscall", 200000, run_null},
	{"page-fault", UB_FAULT_MEM / UB_PAGE, run_fault},
	{"pipe-rtt", 5000, run_pipe},
	{"fork-exec", 100, run_forkexec},
};
#define UB_NBENCH (sizeof(benches) / sizeof(benches[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run one benchmark UB_RUNS times and print its line(s); 0 or a negative errno. */
static int bench_one(const struct ubench *b, long iters)
{
	double per_op[UB_RUNS], ns, med;
	int rc;

	if (b->run == run_fault)
		iters = UB_FAULT_MEM / UB_PAGE;
	printf("ubench: start %s\n", b->name);
	fflush(stdout);
	for (int r = 0; r < UB_RUNS; r++) {
		rc = b->run(iters, &ns);
		if (rc) {
			printf("bench: %s error %d\n", b->name, -rc);
			if (b->run == run_pipe)
				printf("bench: ctx-switch error %d\n", -rc);
			fflush(stdout);
			return rc;
		}
		per_op[r] = ns / (double)iters;
	}
	qsort(per_op, UB_RUNS, sizeof(per_op[0]), cmp_double);
	med = per_op[UB_RUNS / 2];
	printf("bench: %s %.1f %ld\n", b->name, med, iters);
	if (b->run == run_pipe) {
		printf("ubench: ctx-switch is half the pipe round trip (two switches per round "
		       "trip)\n");
		printf("bench: ctx-switch %.1f %ld\n", med / 2, iters * 2);
	}
	fflush(stdout);
	return 0;
}

/* As pid 1 under Linux the kernel may have found no /dev/console to give us: make one. */
static void ensure_console(void)
{
	int fd;

	/* A zero-length write checks fd 1 with a call every kernel has. */
	if (write(1, "", 0) == 0)
		return;
	mkdir("/dev", 0755);
	mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: ubench NAME [ITERATIONS], NAME one of: all");
	for (size_t i = 0; i < UB_NBENCH; i++)
		fprintf(stderr, " %s", benches[i].name);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "all";
	long iters = 0;
	int found = 0, nfail = 0;

	if (getpid() == 1)
		ensure_console();
	if (argc > 2) {
		char *end;

		iters = strtol(argv[2], &end, 0);
		if (*end || iters <= 0) {
			usage();
			return 2;
		}
	}
	for (size_t i = 0; i < UB_NBENCH; i++) {
		if (strcmp(name, "all") && strcmp(name, benches[i].name))
			continue;
		found = 1;
		if (bench_one(&benches[i], iters ? iters : benches[i].iters))
			nfail++;
	}
	if (!found) {
		usage();
		return 2;
	}
	printf("ubench: done, %d failed\n", nfail);
	fflush(stdout);
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
	return nfail ? 1 : 0;
}
