/*
 * memtest: how processes share memory, as a program sees it, run as init under Keel
 * (tests/qemu/memory.sh): copy-on-write fork (isolation both ways, with a thread still
 * writing, after mprotect, and in MemFree: a fork costs page tables, not pages), MAP_SHARED
 * anonymous and file mappings, programs running from the file system's own pages (a binary
 * unlinked while it runs, exec without an execute bit), and the kernel profiler's file.
 * Prints "memtest: PASS name" / "memtest: FAIL name: why" and "memtest: done, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meminfo.h"

#define PAGE 4096
#define MiB  (1024L * 1024)

static int failures;

static void check(int ok, const char *name, const char *why)
{
	printf("memtest: %s %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : why);
	fflush(stdout);
	failures += !ok;
}

/* Run fn in a child and return its exit status (0: passed). */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int all_are(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* --- copy-on-write fork -------------------------------------------------------------------- */

static int child_writes(void *arg)
{
	char *buf = arg;

	if (!all_are(buf, 4 * PAGE, 'A'))
		return 1;
	memset(buf, 'B', 4 * PAGE);
	return all_are(buf, 4 * PAGE, 'B') ? 0 : 2;
}

static void test_cow_isolation(void)
{
	char *buf = malloc(4 * PAGE);
	int to_child[2], status;
	pid_t pid;
	char c;

	memset(buf, 'A', 4 * PAGE);
	check(in_child(child_writes, buf) == 0 && all_are(buf, 4 * PAGE, 'A'), "cow-child-writes",
	      "a child's write reached the parent, or it saw the wrong data");

	/* The parent writes after the fork: the child still sees the old contents. */
	pipe(to_child);
	pid = fork();
	if (pid == 0) {
		read(to_child[0], &c, 1);
		_exit(all_are(buf, 4 * PAGE, 'A') ? 0 : 1);
	}
	memset(buf, 'P', 4 * PAGE);
	write(to_child[1], "x", 1);
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "cow-parent-writes", "the parent's write reached the child");
	close(to_child[0]);
	close(to_child[1]);

	/* Stack and data pages too: a local variable. */
	volatile int local = 1;

	pid = fork();
	if (pid == 0) {
		local = 2;
		_exit(local == 2 ? 0 : 1);
	}
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status) &&
		      local == 1,
	      "cow-stack", "a stack write crossed the fork");
	free(buf);
}

/* A thread of the parent keeps writing while the main thread forks: the child's copy must
 * not change after the fork (no CPU may keep writing through an old writable TLB entry). */
static volatile uint64_t counter;
static volatile int stop_writer;

static void *writer(void *arg)
{
	(void)arg;
	while (!stop_writer)
		counter++;
	return NULL;
}

static int child_counter_still(void *arg)
{
	uint64_t first = counter;
	struct timespec ts = {0, 20 * 1000 * 1000};

	(void)arg;
	nanosleep(&ts, NULL);
	return counter == first ? 0 : 1;
}

static void test_cow_threads(void)
{
	pthread_t t;
	int bad = 0;

	pthread_create(&t, NULL, writer, NULL);
	while (counter < 1000)
		;
	for (int i = 0; i < 20; i++)
		bad += in_child(child_counter_still, NULL) != 0;
	stop_writer = 1;
	pthread_join(t, NULL);
	check(bad == 0, "cow-with-running-thread", "the child's copy changed after the fork");
}

/* mprotect around copy-on-write pages: read-only then writable again, still private. */
static int child_reads_q(void *arg)
{
	return all_are(arg, PAGE, 'Q') ? 0 : 1;
}

static void test_cow_mprotect(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int to_child[2], status;
	pid_t pid;
	char c;

	memset(p, 'Q', PAGE);
	pipe(to_child);
	pid = fork();
	if (pid == 0) {
		read(to_child[0], &c, 1);
		_exit(child_reads_q(p));
	}
	mprotect(p, PAGE, PROT_READ);
	mprotect(p, PAGE, PROT_READ | PROT_WRITE);
	p[0] = 'R';
	write(to_child[1], "x", 1);
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status) &&
		      p[0] == 'R',
	      "cow-after-mprotect", "a write after mprotect reached the child");
	close(to_child[0]);
	close(to_child[1]);
	munmap(p, PAGE);
}

/* MemFree: a fork of a process with 32 MiB resident costs page tables, not 32 MiB; the
 * child's writes then copy the pages; its exit gives everything back. */
static void test_cow_memfree(void)
{
	const long size = 32 * MiB;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int go[2], done[2], status;
	long before, forked, written, after;
	char detail[160], c;
	pid_t pid;

	memset(p, 1, size);
	pipe(go);
	pipe(done);
	before = mem_free_kb();
	pid = fork();
	if (pid == 0) {
		read(go[0], &c, 1);
		memset(p, 2, size);
		write(done[1], "x", 1);
		read(go[0], &c, 1);
		_exit(0);
	}
	forked = mem_free_kb();
	write(go[1], "x", 1);
	read(done[0], &c, 1);
	written = mem_free_kb();
	write(go[1], "x", 1);
	waitpid(pid, &status, 0);
	after = mem_free_kb();
	snprintf(detail, sizeof(detail),
		 "MemFree %ld kB, after fork %ld, after writes %ld, after exit %ld", before, forked,
		 written, after);
	printf("memtest: %s\n", detail);
	check(before - forked < 2048, "cow-fork-shares-pages", detail);
	check(forked - written >= size / 1024 - 1024, "cow-writes-copy-pages", detail);
	check(after - before < 256 && before - after < 256, "cow-exit-frees-copies", detail);
	check(all_are(p, size, 1), "cow-parent-data-intact", "the parent's 32 MiB changed");
	munmap(p, size);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

/* --- shared mappings ----------------------------------------------------------------------- */

static int child_writes_shared(void *arg)
{
	memset(arg, 'S', 2 * PAGE);
	return 0;
}

static void test_shared_anon(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	memset(p, 'a', 2 * PAGE);
	check(p != MAP_FAILED && in_child(child_writes_shared, p) == 0 && all_are(p, 2 * PAGE, 'S'),
	      "map-shared-anon-fork", "the child's write to a MAP_SHARED area did not reach us");
	munmap(p, 2 * PAGE);
}

struct shared_file {
	const char *path;
};

static int child_maps_file(void *arg)
{
	const struct shared_file *sf = arg;
	int fd = open(sf->path, O_RDWR);
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return 1;
	if (m[PAGE] != 'w')
		return 2;
	m[PAGE + 1] = 'c'; /* seen by the parent's own mapping and by read() */
	return 0;
}

static void test_shared_file(void)
{
	struct shared_file sf = {"/tmp/memtest-shared"};
	int fd = open(sf.path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[2], *m, *ro;
	int ok;

	ftruncate(fd, 2 * PAGE);
	m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(m != MAP_FAILED, "map-shared-file", strerror(errno));
	if (m == MAP_FAILED)
		return;
	m[0] = 'm';
	check(pread(fd, buf, 1, 0) == 1 && buf[0] == 'm', "map-shared-write-reaches-file",
	      "read() does not see a write through the mapping");
	pwrite(fd, "w", 1, PAGE);
	check(m[PAGE] == 'w', "map-shared-sees-file-writes", "the mapping misses a write()");
	ok = in_child(child_maps_file, &sf) == 0;
	check(ok && m[PAGE + 1] == 'c' && pread(fd, buf, 1, PAGE + 1) == 1 && buf[0] == 'c',
	      "map-shared-between-processes", "another process's mapping is not the same file");
	check(msync(m, 2 * PAGE, MS_SYNC) == 0, "msync", strerror(errno));

	/* A private mapping of the same file: sees the file until it writes, then its own copy. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(ro != MAP_FAILED && ro[0] == 'm', "map-private-sees-file", "wrong contents");
	ro[0] = 'p';
	check(m[0] == 'm' && pread(fd, buf, 1, 0) == 1 && buf[0] == 'm', "map-private-write-stays",
	      "a private write reached the file");
	munmap(ro, PAGE);

	/* Unmapped and closed, the data stays in the file. */
	munmap(m, 2 * PAGE);
	close(fd);
	fd = open(sf.path, O_RDONLY);
	check(pread(fd, buf, 2, PAGE) == 2 && buf[0] == 'w' && buf[1] == 'c', "map-shared-persists",
	      "the file lost what was written through the mapping");
	check(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
		      errno == EACCES,
	      "map-shared-readonly-fd-refused",
	      "expected EACCES for a writable shared map of O_RDONLY");
	close(fd);
	unlink(sf.path);
}

/* --- programs run from the file system's pages --------------------------------------------- */

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	char buf[8192];
	ssize_t n;

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		write(out, buf, (size_t)n);
	close(in);
	close(out);
	return 0;
}

/* A copy of this program runs, is unlinked and overwritten by other data, and goes on
 * running (its pages stay its own) to a clean exit. */
static void test_exec_unlinked(void)
{
	int to_child[2], status;
	char junk[PAGE];
	pid_t pid;

	copy_file("/usr/bin/memtest", "/tmp/memtest-copy", 0755);
	pipe(to_child);
	pid = fork();
	if (pid == 0) {
		dup2(to_child[0], 0);
		execl("/tmp/memtest-copy", "memtest", "wait-stdin", (char *)NULL);
		_exit(126);
	}
	close(to_child[0]);
	usleep(200 * 1000);
	unlink("/tmp/memtest-copy");
	/* Fill memory the freed file pages could go to. */
	memset(junk, 0xcc, sizeof(junk));
	for (int i = 0; i < 64; i++) {
		char name[64];
		int fd;

		snprintf(name, sizeof(name), "/tmp/memtest-junk%d", i);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		for (int k = 0; k < 16; k++)
			write(fd, junk, sizeof(junk));
		close(fd);
	}
	write(to_child[1], "x", 1);
	close(to_child[1]);
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "exec-binary-unlinked-while-running", "the program did not finish cleanly");
	for (int i = 0; i < 64; i++) {
		char name[64];

		snprintf(name, sizeof(name), "/tmp/memtest-junk%d", i);
		unlink(name);
	}
}

static void test_exec_noexec(void)
{
	int status;
	pid_t pid;

	copy_file("/usr/bin/memtest", "/tmp/memtest-noexec", 0644);
	pid = fork();
	if (pid == 0) {
		execl("/tmp/memtest-noexec", "memtest", "exit0", (char *)NULL);
		_exit(errno == EACCES ? 0 : 1);
	}
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "exec-needs-execute-bit", "expected EACCES");
	unlink("/tmp/memtest-noexec");
}

/* Eight BusyBox processes share one copy of its code: MemFree drops by far less than eight
 * times the binary's size. */
static void test_exec_shares_text(void)
{
	struct stat st;
	pid_t pids[8];
	long before, during;
	char detail[160];
	int status;

	stat("/bin/busybox", &st);
	before = mem_free_kb();
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			execl("/bin/busybox", "sleep", "1", (char *)NULL);
			_exit(127);
		}
	}
	usleep(300 * 1000);
	during = mem_free_kb();
	for (int i = 0; i < 8; i++)
		waitpid(pids[i], &status, 0);
	snprintf(detail, sizeof(detail), "busybox %ld kB; MemFree %ld kB, %ld kB with 8 running",
		 (long)st.st_size / 1024, before, during);
	printf("memtest: %s\n", detail);
	check(st.st_size > 0 && before - during < 8 * st.st_size / 1024 / 2, "exec-shares-text",
	      detail);
}

/* --- the profiler (booted with "profile") -------------------------------------------------- */

static void test_profile(void)
{
	FILE *f;
	char line[256];
	unsigned long samples = 0, user = 0;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do /* half a second in user mode */
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 500000000L);
	f = fopen("/proc/keel/profile", "r");
	if (f && fgets(line, sizeof(line), f))
		sscanf(line, "# on, %lu samples", &samples);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long n;

		if (strstr(line, " [user]") && sscanf(line, "%lu", &n) == 1)
			user = n;
	}
	if (f)
		fclose(f);
	snprintf(line, sizeof(line), "%lu samples, %lu in user mode", samples, user);
	check(samples > 0 && user >= 10 && user <= samples, "profile", line);
}

int main(int argc, char **argv)
{
	char c;

	if (argc > 1 && !strcmp(argv[1], "exit0"))
		return 0;
	if (argc > 1 && !strcmp(argv[1], "wait-stdin")) {
		/* Run some of our own code after the binary is gone: the tests above. */
		read(0, &c, 1);
		return in_child(child_reads_q, memset(malloc(PAGE), 'Q', PAGE)) == 0 ? 42 : 1;
	}
	test_cow_isolation();
	test_cow_threads();
	test_cow_mprotect();
	test_cow_memfree();
	test_shared_anon();
	test_shared_file();
	test_exec_unlinked();
	test_exec_noexec();
	test_exec_shares_text();
	test_profile();
	printf("memtest: done, %d failed\n", failures);
	return failures != 0;
}
