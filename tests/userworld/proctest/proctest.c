/*
 * proctest: processes and signals as a program sees them, run as init under Keel
 * (tests/qemu/procs.sh).  Prints "proctest: PASS name" / "proctest: FAIL name: why" and a
 * closing "proctest: done, N failed".  With the argument "forkbomb" or "oom" it instead
 * misbehaves on purpose and reports how the kernel refused it.
 */
#include <errno.h>
#include <poll.h>
#include <sys/select.h>
#include <time.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include "meminfo.h"

extern char **environ;
static int failures;
static volatile sig_atomic_t got_usr1, got_chld;
static sigjmp_buf segv_jump;
static volatile uintptr_t bad_addr = 24;

static void check(int ok, const char *name, const char *why)
{
	printf("proctest: %s %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : why);
	fflush(stdout);
	failures += !ok;
}

static void on_usr1(int sig)
{
	got_usr1 = sig;
}

static void on_chld(int sig)
{
	(void)sig;
	got_chld++;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGSEGV && (uintptr_t)si->si_addr == bad_addr)
		siglongjmp(segv_jump, 1);
	_exit(99);
}

static void test_fork_wait(void)
{
	int status = -1, n = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(42);
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 42,
	      "fork-wait-status", "child exit status not seen");
	check(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD, "wait-no-children",
	      "expected ECHILD");

	/* Memory is copied, not shared. */
	static int shared = 1;
	pid = fork();
	if (pid == 0) {
		shared = 2;
		_exit(shared);
	}
	waitpid(pid, &status, 0);
	check(shared == 1 && WEXITSTATUS(status) == 2, "fork-copies-memory", "memory shared");

	for (int i = 0; i < 200; i++) {
		pid = fork();
		if (pid == 0)
			_exit(i & 0x7f);
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == (i & 0x7f))
			n++;
	}
	check(n == 200, "fork-200-cycles", "a cycle failed");
}

static void test_exec(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = {"hello", "from-exec", NULL};
		execve("/usr/bin/hello", argv, environ);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork-execve", "hello failed");

	pid = vfork();
	if (pid == 0) {
		execl("/bin/busybox", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "vfork-exec-busybox", "true failed");

	char *sargv[] = {"false", NULL};
	check(posix_spawn(&pid, "/bin/busybox", NULL, NULL, sargv, environ) == 0 &&
		      waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 1,
	      "posix-spawn", "busybox false did not exit 1");

	/* "#!" scripts run through their interpreter, with its argument. */
	FILE *sf = fopen("/tmp/script.sh", "w");
	if (sf) {
		fputs("#!/bin/sh -e\nexit $(( $# + 4 ))\n", sf);
		fclose(sf);
		chmod("/tmp/script.sh", 0755);
	}
	pid = fork();
	if (pid == 0) {
		execl("/tmp/script.sh", "script.sh", "one", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 5, "execve-script",
	      "#! script did not run");

	check(execl("/nonexistent", "x", (char *)NULL) == -1 && errno == ENOENT, "execve-enoent",
	      "expected ENOENT");
	check(syscall(59, (void *)8, NULL, NULL) == -1 && errno == EFAULT, "execve-efault",
	      "expected EFAULT");
}

static void test_signals(void)
{
	struct sigaction sa = {0};
	sigset_t set, old;
	int status = -1;
	pid_t pid;

	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	check(got_usr1 == SIGUSR1, "signal-handler", "SIGUSR1 handler did not run");

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	got_usr1 = 0;
	sigprocmask(SIG_BLOCK, &set, &old);
	kill(getpid(), SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	check(!got_usr1 && sigismember(&pend, SIGUSR1), "signal-blocked-pending",
	      "a blocked signal was delivered");
	sigprocmask(SIG_SETMASK, &old, NULL);
	check(got_usr1 == SIGUSR1, "signal-unblocked-delivered", "not delivered after unblock");

	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	check(got_chld >= 1, "sigchld", "no SIGCHLD");

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "kill-sigterm",
	      "child not ended by SIGTERM");

	pid = fork();
	if (pid == 0) {
		*(volatile int *)bad_addr = 1;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "child-segv-status",
	      "parent did not see SIGSEGV");

	struct sigaction ss = {0};
	ss.sa_sigaction = on_segv;
	ss.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &ss, NULL);
	if (!sigsetjmp(segv_jump, 1)) {
		*(volatile int *)bad_addr = 1;
		check(0, "segv-handler-recovers", "the fault did not raise SIGSEGV");
	} else {
		check(1, "segv-handler-recovers", "");
	}
	check(kill(999999, 0) == -1 && errno == ESRCH, "kill-esrch", "expected ESRCH");
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter, ready;

static void *worker(void *arg)
{
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return arg;
}

static void *spin(void *arg)
{
	for (;;)
		;
	return arg;
}

static void test_threads(void)
{
	pthread_t t[4];
	void *ret;
	int ok = 1, status = -1;
	pid_t pid;

	for (long i = 0; i < 4; i++)
		ok &= pthread_create(&t[i], NULL, worker, (void *)i) == 0;
	pthread_mutex_lock(&lock);
	while (ready < 4)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	for (long i = 0; i < 4; i++)
		ok &= pthread_join(t[i], &ret) == 0 && ret == (void *)i;
	check(ok && counter == 40000, "threads-mutex-cond-join", "lost updates or join failed");

	/* exit() from main ends the whole process, spinning threads included. */
	pid = fork();
	if (pid == 0) {
		pthread_t s;

		pthread_create(&s, NULL, spin, NULL);
		usleep(50000);
		exit(3);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 3, "threads-exit-group",
	      "process with a spinning thread did not exit with 3");
}

/* --- job control: stop and continue ------------------------------------------------------- */

static char proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return '?';
	}
	fclose(f);
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static volatile sig_atomic_t got_tstp;

static void on_tstp(int sig)
{
	got_tstp = sig;
}

static void test_stop_continue(void)
{
	volatile unsigned long *ctr =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa = {0};
	unsigned long a, b;
	int status = -1;
	pid_t pid, r;

	pid = fork();
	if (pid == 0) {
		for (;;)
			(*ctr)++;
	}
	while (*ctr < 1000)
		;
	kill(pid, SIGSTOP);
	r = waitpid(pid, &status, WUNTRACED);
	check(r == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "sigstop-wuntraced",
	      "waitpid(WUNTRACED) did not report the stop");
	a = *ctr;
	usleep(100 * 1000);
	b = *ctr;
	check(a == b, "sigstop-stops", "the child ran while stopped");
	check(proc_state(pid) == 'T', "sigstop-proc-state", "/proc/<pid>/stat does not say T");
	check(waitpid(pid, &status, WNOHANG | WUNTRACED) == 0, "sigstop-reported-once",
	      "the same stop was reported twice");
	kill(pid, SIGCONT);
	r = waitpid(pid, &status, WCONTINUED);
	check(r == pid && WIFCONTINUED(status), "sigcont-wcontinued",
	      "waitpid(WCONTINUED) did not report the continue");
	while (*ctr == b) /* hangs (and the suite fails) if the child never runs again */
		;
	check(1, "sigcont-resumes", "");
	kill(pid, SIGTSTP); /* default action: stop too */
	r = waitpid(pid, &status, WUNTRACED);
	check(r == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP, "sigtstp-stops",
	      "SIGTSTP did not stop the child");
	kill(pid, SIGKILL);
	r = waitpid(pid, &status, 0);
	check(r == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "sigkill-while-stopped", "a stopped child was not killed");
	munmap((void *)ctr, 4096);

	/* A caught SIGTSTP is just a signal. */
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, NULL);
	raise(SIGTSTP);
	check(got_tstp == SIGTSTP, "sigtstp-caught", "the handler did not run");
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &sa, NULL);
}

/* --- signals and threads ------------------------------------------------------------------- */

static volatile pid_t handled_by, thread_tid;
static volatile sig_atomic_t thread_woken;

static void on_usr2(int sig)
{
	(void)sig;
	handled_by = (pid_t)syscall(SYS_gettid);
}

static void *waiter(void *arg)
{
	thread_tid = (pid_t)syscall(SYS_gettid);
	while (!handled_by)
		pause();
	thread_woken = 1;
	return arg;
}

static void test_thread_signals(void)
{
	struct sigaction sa = {0};
	sigset_t set, old;
	pthread_t t;

	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);

	/* pthread_kill (tkill): the handler runs on that thread. */
	thread_tid = 0;
	handled_by = 0;
	pthread_create(&t, NULL, waiter, NULL);
	while (!thread_tid)
		sched_yield();
	pthread_kill(t, SIGUSR2);
	pthread_join(t, NULL);
	check(handled_by == thread_tid && handled_by != getpid(), "pthread-kill-targets-thread",
	      "the handler ran on another thread");

	/* A process-wide signal the main thread blocks wakes a thread sleeping in pause(). */
	thread_tid = 0;
	handled_by = 0;
	thread_woken = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_create(&t, NULL, waiter, NULL);
	while (!thread_tid)
		sched_yield();
	pthread_sigmask(SIG_BLOCK, &set, &old); /* this thread's mask only */
	kill(getpid(), SIGUSR2);
	pthread_join(t, NULL); /* hangs if the sleeping thread is never woken */
	check(thread_woken && handled_by == thread_tid, "kill-wakes-unblocked-thread",
	      "the signal went elsewhere");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	check(syscall(SYS_tgkill, getpid() + 100000, getpid(), 0) == -1 && errno == ESRCH,
	      "tgkill-wrong-group", "expected ESRCH");
	check(syscall(SYS_tgkill, getpid(), getpid(), 0) == 0, "tgkill-self", strerror(errno));
}

/* --- CPU-time interval timers -------------------------------------------------------------- */

static volatile sig_atomic_t got_vtalrm, got_prof;

static void on_cpu_timer(int sig)
{
	if (sig == SIGVTALRM)
		got_vtalrm++;
	else
		got_prof++;
}

static void test_cpu_timers(void)
{
	struct itimerval it = {{0, 20000}, {0, 50000}}, cur;
	struct sigaction sa = {0};
	struct timespec t0, t;

	sa.sa_handler = on_cpu_timer;
	sigaction(SIGVTALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	check(setitimer(ITIMER_VIRTUAL, &it, NULL) == 0 && setitimer(ITIMER_PROF, &it, NULL) == 0,
	      "setitimer-virtual-prof", strerror(errno));
	check(getitimer(ITIMER_VIRTUAL, &cur) == 0 && cur.it_interval.tv_usec == 20000 &&
		      cur.it_value.tv_usec <= 50000,
	      "getitimer-virtual", "wrong interval or value");
	/* Sleeping costs no CPU time: nothing fires. */
	usleep(200 * 1000);
	check(!got_vtalrm, "itimer-virtual-counts-cpu-time", "it fired while the process slept");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do /* spin until both fired a few times (at most 10 s of wall time) */
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((got_vtalrm < 3 || got_prof < 3) && t.tv_sec - t0.tv_sec < 10);
	check(got_vtalrm >= 3 && got_prof >= 3, "itimer-virtual-prof-fire",
	      "SIGVTALRM/SIGPROF missing");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
	check(getitimer(ITIMER_PROF, &cur) == 0 && !cur.it_value.tv_sec && !cur.it_value.tv_usec,
	      "itimer-disarm", "still armed");
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void test_poll(void)
{
	int p[2], status;
	struct pollfd pf;
	struct timespec t0;
	fd_set rd;
	struct timeval tv = {0, 0};
	char c;
	pid_t pid;

	if (pipe(p)) {
		check(0, "poll-pipe", "pipe failed");
		return;
	}
	pf = (struct pollfd){p[0], POLLIN, 0};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check(poll(&pf, 1, 50) == 0 && ms_since(&t0) >= 50, "poll-timeout", "no 50 ms timeout");
	write(p[1], "x", 1);
	check(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN), "poll-readable", "no POLLIN");
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	check(select(p[0] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &rd), "select-readable",
	      "select did not see the byte");
	read(p[0], &c, 1);

	/* A sleeper in poll() wakes when another process writes. */
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		write(p[1], "y", 1);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check(poll(&pf, 1, -1) == 1 && ms_since(&t0) >= 90, "poll-wakes-on-write",
	      "poll did not block until the write");
	waitpid(pid, &status, 0);
	read(p[0], &c, 1);
	close(p[1]);
	check(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP), "poll-hangup", "no POLLHUP");
	close(p[0]);
	pf.fd = p[0];
	check(poll(&pf, 1, 0) == 1 && (pf.revents & POLLNVAL), "poll-bad-fd", "no POLLNVAL");
}

static int spawn_exit(int n)
{
	char *argv[] = {"proctest", "exit0", NULL};
	int ok = 0, status;

	for (int i = 0; i < n; i++) {
		pid_t pid;

		if (posix_spawn(&pid, "/usr/bin/proctest", NULL, NULL, argv, environ) == 0 &&
		    waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
			ok++;
	}
	return ok;
}

/* After 1,000 spawn/exit cycles the kernel's free memory is back where it started (after a
 * warm-up: caches and page tables made by the first cycles stay, by design). */
static void test_spawn_leak(void)
{
	char detail[128];
	long before, after;
	int ok;

	spawn_exit(20);
	before = mem_free_kb();
	ok = spawn_exit(1000);
	after = mem_free_kb();
	snprintf(detail, sizeof(detail), "%d of 1000 ran; MemFree %ld kB -> %ld kB", ok, before,
		 after);
	check(ok == 1000 && before > 0 && after == before, "spawn-1000-no-leak", detail);
	printf("proctest: spawn-1000: %s\n", detail);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Timers, limits, wall-clock time and file mappings. */
static void test_misc(void)
{
	struct itimerval it = {{0, 100000}, {0, 100000}}, off = {{0, 0}, {0, 0}};
	struct rlimit rl;
	struct timeval tv;
	struct timespec t0;
	int fd, n = 0;
	char *m;

	signal(SIGALRM, on_alarm);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	setitimer(ITIMER_REAL, &it, NULL);
	while (alarms < 3 && ms_since(&t0) < 2000)
		pause();
	setitimer(ITIMER_REAL, &off, NULL);
	check(alarms >= 3 && ms_since(&t0) >= 290, "setitimer-periodic", "no SIGALRM every 100 ms");
	alarms = 0;
	alarm(1);
	check(alarm(0) == 1 && alarms == 0, "alarm-cancel", "alarm(0) did not return the 1 s left");

	check(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 256, "getrlimit-nofile",
	      "expected 256");
	rl.rlim_cur = 8;
	setrlimit(RLIMIT_NOFILE, &rl);
	for (int i = 0; i < 20; i++) {
		int fd2 = open("/dev/null", O_RDONLY);

		if (fd2 > n)
			n = fd2;
	}
	check(n == 7 && errno == EMFILE, "setrlimit-nofile-enforced",
	      "descriptors beyond the limit of 8");
	for (int i = 3; i < 8; i++)
		close(i);
	rl.rlim_cur = 256;
	setrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_max = 100000;
	check(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EPERM, "setrlimit-above-kernel-max",
	      "expected EPERM");

	check(gettimeofday(&tv, NULL) == 0 && tv.tv_sec > 1700000000, "gettimeofday",
	      "wall clock before 2023");

	fd = open("/tmp/mapped", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, "mapped file contents", 20);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(m != MAP_FAILED && !memcmp(m, "mapped file contents", 20), "mmap-file-private",
	      "wrong contents");
	if (m != MAP_FAILED) {
		char buf[20];

		m[0] = 'M';
		pread(fd, buf, 20, 0);
		check(buf[0] == 'm', "mmap-private-copy", "the write reached the file");
	}
	close(fd);
	/* A device without pages cannot be mapped (Linux: ENODEV for /dev/null too). */
	fd = open("/dev/null", O_RDWR);
	check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
		      errno == ENODEV,
	      "mmap-device-refused", "expected ENODEV");
	close(fd);
}

static void forkbomb(void)
{
	int made = 0, err = 0;

	for (int i = 0; i < 100000; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		made++;
	}
	printf("proctest: forkbomb refused after %d processes, errno %d\n", made, err);
	kill(0, SIGKILL); /* takes us too; the kernel reaps them all */
}

static void oom(void)
{
	size_t total = 0;

	for (;;) {
		char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED)
			break;
		for (size_t i = 0; i < (16 << 20); i += 4096)
			p[i] = 1;
		total += 16 << 20;
	}
	printf("proctest: oom mmap refused after %zu MiB\n", total >> 20);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "forkbomb")) {
		forkbomb();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "exit0"))
		return 0;
	if (argc > 1 && !strcmp(argv[1], "leak")) {
		test_spawn_leak();
		return failures != 0;
	}
	if (argc > 1 && !strcmp(argv[1], "oom")) {
		oom();
		return 0;
	}
	test_fork_wait();
	test_exec();
	test_signals();
	test_threads();
	test_stop_continue();
	test_thread_signals();
	test_cpu_timers();
	test_poll();
	test_misc();
	printf("proctest: done, %d failed\n", failures);
	return failures != 0;
}
