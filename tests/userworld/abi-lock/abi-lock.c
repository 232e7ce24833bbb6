/*
 * abi-lock: file locks as Linux 6.1 has them.  fcntl record locks (F_GETLK, F_SETLK,
 * F_SETLKW: owned by the process, split/merged per owner, gone when the process closes any
 * descriptor of the file or exits, not inherited by fork, EDEADLK for a cycle of waiting
 * processes), open-file-description locks (F_OFD_*: owned by the open file, shared by dup
 * and fork, gone with its last close), flock(2) (whole-file, non-atomic conversion,
 * independent of fcntl locks), blocking waits woken by an unlock or ended by a signal, bad
 * input, BusyBox's flock applet, /proc/locks and the record limit.
 *
 * Parent and child processes talk over pipes; where a test needs a process to be asleep in a
 * lock wait, it waits until /proc/locks shows the waiter (both kernels list waiting requests
 * there as "-> " lines).  What a process holds is shown by a child walking F_GETLK from
 * offset 0: "0-9:W:P" is a write lock on bytes 0-9 whose l_pid is the walker's parent.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lock_test.h"

int nfiles; /* files made so far (/tmp/abi-lock.N) */

/* A fresh empty file for one case: its path in path (64 bytes), opened read-write. */
int newfile(char *path)
{
	snprintf(path, 64, "/tmp/abi-lock.%d", nfiles++);
	unlink(path);
	return open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
}

/* fcntl lock command on fd: the call's result (-1 and errno on failure). */
int lk(int fd, int cmd, int type, int whence, long start, long len)
{
	struct flock l = {.l_type = (short)type, .l_whence = (short)whence};

	l.l_start = start;
	l.l_len = len;
	return fcntl(fd, cmd, &l);
}

const char *tname(int t)
{
	static char other[16];

	switch (t) {
	case F_RDLCK:
		return "F_RDLCK";
	case F_WRLCK:
		return "F_WRLCK";
	case F_UNLCK:
		return "F_UNLCK";
	}
	snprintf(other, sizeof(other), "type%d", t);
	return other;
}

/* Who l_pid names, seen from a child of the test process. */
const char *who(pid_t pid, pid_t child)
{
	if (pid == -1)
		return "-1";
	if (pid == getppid())
		return "P";
	if (child && pid == child)
		return "C";
	if (pid == getpid())
		return "self";
	return "other";
}

/* The locks others hold on path, as F_GETLK finds them from offset 0 on. */
void walk_locks(const char *path, char *out, size_t n, pid_t child)
{
	int fd = open(path, O_RDWR);
	size_t len = 0;
	long at = 0;

	out[0] = 0;
	for (int i = 0; i < 64; i++) {
		struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		char end[32];

		l.l_start = at;
		l.l_len = EOFL;
		if (fcntl(fd, F_GETLK, &l) < 0) {
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "",
						abi_errname(errno));
			break;
		}
		if (l.l_type == F_UNLCK)
			break;
		if (l.l_len)
			snprintf(end, sizeof(end), "%ld", (long)(l.l_start + l.l_len - 1));
		else
			snprintf(end, sizeof(end), "EOF");
		len += (size_t)snprintf(out + len, n - len, "%s%ld-%s:%c:%s", len ? " " : "",
					(long)l.l_start, end, l.l_type == F_WRLCK ? 'W' : 'R',
					who(l.l_pid, child));
		if (!l.l_len || len >= n - 1)
			break;
		at = (long)(l.l_start + l.l_len);
	}
	if (!len)
		snprintf(out, n, "none");
	close(fd);
}

/* Print the walk of path's locks as seen by a new child of this process. */
void show(const char *name, const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		char buf[400];

		walk_locks(path, buf, sizeof(buf), 0);
		abi_say(name, "%s", buf);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* A child running fn(arg); reap() waits for it and returns its exit code (or 128 + sig). */
pid_t spawn(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

int reap(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* One-byte handshakes over a pipe. */
void post(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		_exit(99);
}

void await(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(98);
}

int waiters_now(void)
{
	char buf[8192];
	int fd = open("/proc/locks", O_RDONLY), n = 0;
	ssize_t got = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[got > 0 ? got : 0] = 0;
	for (char *s = buf; (s = strstr(s, "-> ")); s++)
		n++;
	return n;
}

int waiters_listed(int want)
{
	for (int i = 0; i < 300; i++) {
		if (waiters_now() >= want)
			return 1;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return 0;
}

int waiter_listed(void)
{
	return waiters_listed(1);
}

volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM with a handler and without SA_RESTART, so a blocking call ends with EINTR. */
void alarm_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
}

int ctx_pipes(struct ctx *c)
{
	return pipe(c->up) || pipe(c->down) ? -1 : 0;
}

void ctx_close(struct ctx *c)
{
	close(c->fd);
	close(c->up[0]);
	close(c->up[1]);
	close(c->down[0]);
	close(c->down[1]);
}

/* ---- argument checks ---- */

int main(int argc, char **argv)
{
	abi_area = "lock";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "--after-exec")) {
		after_exec(argv[2], argv[3]);
		return 0;
	}
	test_args();
	test_shapes();
	test_conflicts();
	test_order();
	test_owners();
	test_ofd();
	test_exec(argv[0]);
	test_waits();
	test_flock();
	test_busybox();
	test_proc_locks();
	test_many();
	for (int i = 0; i < nfiles; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/tmp/abi-lock.%d", i);
		unlink(path);
	}
	return 0;
}
