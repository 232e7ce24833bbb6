/* abi-lock: flock(2), BusyBox's flock applet, /proc/locks, many records. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lock_test.h"

static void child_flock(void *arg)
{
	struct ctx *c = arg;
	int own = open(c->path, O_RDONLY);

	if (!strcmp(c->name, "ex")) {
		abi_say("flock-ex-vs-ex", "%s", abi_rc(flock(own, LOCK_EX | LOCK_NB)));
		abi_say("flock-sh-vs-ex", "%s", abi_rc(flock(own, LOCK_SH | LOCK_NB)));
		/* The inherited descriptor is the same open file: its lock is ours too. */
		abi_say("flock-inherited-ex", "%s", abi_rc(flock(c->fd, LOCK_EX | LOCK_NB)));
		abi_say("flock-vs-posix", "%s",
			abi_rc(lk(own, F_SETLK, F_RDLCK, SEEK_SET, 0, EOFL)));
	} else if (!strcmp(c->name, "sh")) {
		abi_say("flock-sh-vs-sh", "%s", abi_rc(flock(own, LOCK_SH | LOCK_NB)));
		/* Converting drops our LOCK_SH first, and then the parent's blocks LOCK_EX. */
		abi_say("flock-ex-vs-sh", "%s", abi_rc(flock(own, LOCK_EX | LOCK_NB)));
		abi_say("flock-sh-again", "%s", abi_rc(flock(own, LOCK_SH | LOCK_NB)));
		post(c->up[1]);
		await(c->down[0]); /* the parent tried to convert to LOCK_EX and failed */
		/* Linux's conversion drops the old lock first: the parent has none left. */
		abi_say("flock-convert-other", "%s", abi_rc(flock(own, LOCK_EX | LOCK_NB)));
	} else if (!strcmp(c->name, "held")) {
		abi_say(c->other ? "flock-dup-keeps" : "flock-after-child-unlock", "%s",
			abi_rc(flock(own, LOCK_EX | LOCK_NB)));
	} else if (!strcmp(c->name, "unlock-inherited")) {
		abi_say("flock-unlock-inherited", "%s", abi_rc(flock(c->fd, LOCK_UN)));
	} else if (!strcmp(c->name, "hold-exit")) {
		abi_say("flock-after-last-close", "%s", abi_rc(flock(own, LOCK_EX | LOCK_NB)));
		/* exits holding it; the open file goes with it */
	}
	close(own);
}

static void child_flock_wait(void *arg)
{
	struct ctx *c = arg;
	int own = open(c->path, O_RDONLY), rc, seen;

	rc = flock(own, LOCK_EX);
	fcntl(c->down[0], F_SETFL, O_NONBLOCK);
	seen = read(c->down[0], &(char){0}, 1) == 1;
	abi_say("flock-wait", "%s %s", abi_rc(rc), seen ? "after-unlock" : "before-unlock");
	close(own);
}

void test_flock(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	struct ctx c;
	pid_t pid;
	int fd3;

	c.fd = newfile(c.path);
	c.other = 0;
	if (ctx_pipes(&c))
		return;
	abi_say("flock-ex", "%s", abi_rc(flock(c.fd, LOCK_EX)));
	abi_say("flock-ex-again", "%s", abi_rc(flock(c.fd, LOCK_EX | LOCK_NB)));
	c.name = "ex";
	reap(spawn(child_flock, &c));
	abi_say("flock-posix-beside", "%s", abi_rc(lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, EOFL)));
	lk(c.fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	/* The child's LOCK_UN on the shared open file released the parent's lock. */
	c.name = "unlock-inherited";
	reap(spawn(child_flock, &c));
	c.name = "held";
	reap(spawn(child_flock, &c)); /* flock-after-child-unlock */

	abi_say("flock-sh", "%s", abi_rc(flock(c.fd, LOCK_SH)));
	c.name = "sh";
	pid = spawn(child_flock, &c);
	await(c.up[0]); /* the child holds LOCK_SH too */
	abi_say("flock-convert-blocked", "%s", abi_rc(flock(c.fd, LOCK_EX | LOCK_NB)));
	post(c.down[1]);
	reap(pid);
	abi_say("flock-after-convert", "%s", abi_rc(flock(c.fd, LOCK_SH | LOCK_NB)));
	abi_say("flock-upgrade", "%s", abi_rc(flock(c.fd, LOCK_EX | LOCK_NB)));
	abi_say("flock-downgrade", "%s", abi_rc(flock(c.fd, LOCK_SH | LOCK_NB)));
	flock(c.fd, LOCK_UN);

	/* A lock lives as long as its open file: dup keeps it, the last close drops it. */
	flock(c.fd, LOCK_EX);
	fd3 = dup(c.fd);
	close(c.fd);
	c.name = "held";
	c.other = 1;
	reap(spawn(child_flock, &c)); /* flock-dup-keeps: EAGAIN */
	close(fd3);
	c.other = 0;
	c.fd = open(c.path, O_RDWR);

	/* An exiting process's lock goes with its open file. */
	c.name = "hold-exit";
	reap(spawn(child_flock, &c));
	abi_say("flock-holder-exited", "%s", abi_rc(flock(c.fd, LOCK_EX | LOCK_NB)));
	/* A wait that the holder's unlock ends. */
	pid = spawn(child_flock_wait, &c);
	waiter_listed();
	post(c.down[1]);
	flock(c.fd, LOCK_UN);
	reap(pid);

	abi_say("flock-op-0", "%s", abi_rc(flock(c.fd, 0)));
	abi_say("flock-op-sh-ex", "%s", abi_rc(flock(c.fd, LOCK_SH | LOCK_EX)));
	abi_say("flock-op-nb", "%s", abi_rc(flock(c.fd, LOCK_NB)));
	abi_say("flock-op-16", "%s", abi_rc(flock(c.fd, 16)));
	abi_say("flock-op-un-nb", "%s", abi_rc(flock(c.fd, LOCK_UN | LOCK_NB)));
	abi_say("flock-op-mand", "%s", abi_rc(flock(c.fd, 32 | 64)));
	abi_say("flock-op-mand-bad-fd", "%s", abi_rc(flock(-1, 32)));
	abi_say("flock-bad-fd", "%s", abi_rc(flock(-1, LOCK_SH)));
	abi_say("flock-bad-fd-bad-op", "%s", abi_rc(flock(-1, 0)));
	abi_say("flock-closed-fd", "%s", abi_rc(flock(200, LOCK_UN)));
	abi_say("flock-unlock-none", "%s", abi_rc(flock(c.fd, LOCK_UN)));
	ctx_close(&c);
}

/* ---- BusyBox's flock applet as a program ---- */

static int run_flock(const char *opt1, const char *opt2, const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		const char *argv[6];
		int n = 0;

		argv[n++] = "flock";
		if (opt1)
			argv[n++] = opt1;
		if (opt2)
			argv[n++] = opt2;
		argv[n++] = path;
		argv[n++] = "true";
		argv[n] = NULL;
		execv("/usr/bin/flock", (char *const *)argv);
		_exit(127);
	}
	return reap(pid);
}

void test_busybox(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	char path[64];
	int fd = newfile(path);
	pid_t pid;
	int seen;

	flock(fd, LOCK_EX);
	abi_say("busybox-n-held-ex", "exit %d", run_flock("-n", NULL, path));
	abi_say("busybox-sn-held-ex", "exit %d", run_flock("-s", "-n", path));
	flock(fd, LOCK_SH);
	abi_say("busybox-sn-held-sh", "exit %d", run_flock("-s", "-n", path));
	abi_say("busybox-n-held-sh", "exit %d", run_flock("-n", NULL, path));
	flock(fd, LOCK_UN);
	abi_say("busybox-n-free", "exit %d", run_flock("-n", NULL, path));
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, EOFL);
	abi_say("busybox-n-posix-held", "exit %d", run_flock("-n", NULL, path));
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	/* Without -n it waits for the holder. */
	flock(fd, LOCK_EX);
	pid = fork();
	if (pid == 0)
		_exit(run_flock(NULL, NULL, path));
	seen = waiter_listed();
	flock(fd, LOCK_UN);
	abi_say("busybox-wait", "exit %d waited=%d", reap(pid), seen);
	close(fd);
}

/* ---- /proc/locks ---- */

/*
 * /proc/locks without what differs between machines: the lock number stays, the pid becomes
 * self/child/-1, "MAJ:MIN:INO" becomes "file" when it is path's device and inode.  Lines for
 * other files are left out.  Several locks are sorted (Linux lists them in no fixed order).
 */
static void show_proc_locks(const char *name, const char *path, pid_t child, int sort)
{
	char buf[8192], lines[16][200], out[1600];
	int fd = open("/proc/locks", O_RDONLY), n = 0;
	ssize_t got = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	struct stat st;
	size_t len = 0;

	if (fd >= 0)
		close(fd);
	if (got < 0 || stat(path, &st)) {
		abi_say(name, "unreadable");
		return;
	}
	buf[got] = 0;
	for (char *line = strtok(buf, "\n"); line && n < 16; line = strtok(NULL, "\n")) {
		char id[16], kind[24], mode[24], type[24], dev[64], rest[64], *arrow;
		unsigned maj, min;
		unsigned long ino;
		const char *p;
		int pid;

		arrow = strstr(line, "-> ");
		if (arrow) /* a waiting request: parse it like the lock it waits on */
			memmove(arrow, arrow + 3, strlen(arrow + 3) + 1);
		if (sscanf(line, "%15s %23s %23s %23s %d %63s %63[^\n]", id, kind, mode, type, &pid,
			   dev, rest) != 7)
			continue;
		if (sscanf(dev, "%x:%x:%lu", &maj, &min, &ino) != 3 || ino != st.st_ino ||
		    makedev(maj, min) != st.st_dev)
			continue;
		p = pid == -1 ? "-1" : pid == getpid() ? "self" : pid == child ? "child" : "other";
		snprintf(lines[n++], sizeof(lines[0]), "%s%s%s%s %s %s %s file %s", sort ? "" : id,
			 arrow ? " ->" : "", sort ? "" : " ", kind, mode, type, p, rest);
	}
	if (sort)
		qsort(lines, (size_t)n, sizeof(lines[0]),
		      (int (*)(const void *, const void *))strcmp);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? " | " : "",
					lines[i]);
	abi_say(name, "%s", n ? out : "none");
}

static void child_proc_wait(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR);

	lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1);
	close(fd);
}

void test_proc_locks(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	struct ctx c;
	pid_t pid;

	c.fd = newfile(c.path);
	show_proc_locks("proc-locks-none", c.path, 0, 0);
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	show_proc_locks("proc-locks-posix", c.path, 0, 0);
	lk(c.fd, F_SETLK, F_RDLCK, SEEK_SET, 0, EOFL);
	show_proc_locks("proc-locks-posix-eof", c.path, 0, 0);
	pid = spawn(child_proc_wait, &c);
	waiter_listed();
	show_proc_locks("proc-locks-waiter", c.path, pid, 0);
	lk(c.fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	reap(pid);
	lk(c.fd, F_OFD_SETLK, F_RDLCK, SEEK_SET, 20, 10);
	flock(c.fd, LOCK_SH);
	show_proc_locks("proc-locks-ofd-flock", c.path, 0, 1);
	close(c.fd);
	show_proc_locks("proc-locks-closed", c.path, 0, 0);
}

/* ---- limits: many records, then all gone ---- */

static int fill(int fd, int max)
{
	int n = 0;

	while (n < max && lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 2L * n, 1) == 0)
		n++;
	return n < max && errno != ENOLCK ? -errno : n;
}

void test_many(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	char path[64];
	int fd = newfile(path), a, b;

	/* Linux has no limit but memory; Keel stops an owner at ENOLCK.  Either way: fine. */
	a = fill(fd, 2000);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	b = fill(fd, 2000);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	abi_say("many-records", "%s",
		a >= 1000 && a == b ? "ok"
		: a < 0		    ? abi_errname(-a)
				    : "short");
	abi_say("many-after", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, EOFL)));
	show("many-one-left", path);
	close(fd);
}
