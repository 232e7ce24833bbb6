/* abi-lock: fcntl record locks: arguments, one owner's shapes, conflicts, owners, OFD locks. */
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

void test_args(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	char path[64];
	int fd = newfile(path), ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
	int op = open(path, O_PATH), dir = open("/tmp", O_RDONLY | O_DIRECTORY), p[2], rc;
	struct flock l;
	struct flock *rdonly;

	memset(&l, 0, sizeof(l));
	l.l_type = F_WRLCK;
	l.l_whence = SEEK_CUR;
	l.l_start = 7;
	l.l_len = 3;
	l.l_pid = 12345;
	rc = fcntl(fd, F_GETLK, &l); /* the call first: argument order is unspecified */
	abi_say("getlk-free", "%s %s whence=%d start=%ld len=%ld pid=%d", abi_rc(rc),
		tname(l.l_type), l.l_whence, (long)l.l_start, (long)l.l_len, (int)l.l_pid);
	abi_say("bad-type-3", "%s", abi_rc(lk(fd, F_SETLK, 3, SEEK_SET, 0, 1)));
	abi_say("bad-type-neg", "%s", abi_rc(lk(fd, F_SETLK, -1, SEEK_SET, 0, 1)));
	abi_say("bad-whence", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, 3, 0, 1)));
	abi_say("start-negative", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1)));
	abi_say("len-before-0", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 4, -5)));
	lseek(fd, 10, SEEK_SET);
	abi_say("start-overflow", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, INT64_MAX, 1)));
	abi_say("cur-negative", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -11, 1)));
	lseek(fd, 0, SEEK_SET);
	abi_say("len-overflow", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 2, INT64_MAX)));
	abi_say("len-max", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, INT64_MAX)));
	show("len-max-held", path);
	abi_say("len-min", "%s", abi_rc(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, INT64_MIN)));
	abi_say("bad-type-and-range", "%s", abi_rc(lk(fd, F_SETLK, 9, SEEK_SET, 2, INT64_MAX)));
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	abi_say("rdlck-wronly", "%s", abi_rc(lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	abi_say("wrlck-rdonly", "%s", abi_rc(lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	abi_say("wrlck-rdonly-w", "%s", abi_rc(lk(ro, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1)));
	abi_say("unlck-rdonly", "%s", abi_rc(lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 1)));
	abi_say("rdlck-rdonly", "%s", abi_rc(lk(ro, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	abi_say("wrlck-wronly", "%s", abi_rc(lk(wo, F_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
	show("ro-wo-held", path);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	abi_say("getlk-unlck", "%s", abi_rc(lk(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1)));
	abi_say("getlk-bad-type", "%s", abi_rc(lk(fd, F_GETLK, 5, SEEK_SET, 0, 1)));
	abi_say("getlk-bad-whence", "%s", abi_rc(lk(fd, F_GETLK, F_RDLCK, 7, 0, 1)));
	abi_say("ofd-getlk-unlck", "%s", abi_rc(lk(fd, F_OFD_GETLK, F_UNLCK, SEEK_SET, 0, 1)));
	abi_say("bad-fd", "%s", abi_rc(lk(-1, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	abi_say("closed-fd", "%s", abi_rc(lk(200, F_GETLK, F_WRLCK, SEEK_SET, 0, 1)));
	abi_say("opath-setlk", "%s", abi_rc(lk(op, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	abi_say("opath-getlk", "%s", abi_rc(lk(op, F_GETLK, F_RDLCK, SEEK_SET, 0, 1)));
	abi_say("opath-ofd", "%s", abi_rc(lk(op, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	abi_say("opath-flock", "%s", abi_rc(flock(op, LOCK_SH)));
	abi_say("efault-setlk", "%s", abi_rc(syscall(SYS_fcntl, fd, F_SETLK, 8L)));
	abi_say("efault-setlkw", "%s", abi_rc(syscall(SYS_fcntl, fd, F_SETLKW, KADDR)));
	abi_say("efault-getlk", "%s", abi_rc(syscall(SYS_fcntl, fd, F_GETLK, KADDR)));
	abi_say("efault-ofd", "%s", abi_rc(syscall(SYS_fcntl, fd, F_OFD_SETLK, KADDR)));
	/* F_GETLK writes the struct back even when nothing conflicts. */
	rdonly = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rdonly->l_type = F_RDLCK;
	rdonly->l_whence = SEEK_SET;
	mprotect(rdonly, 4096, PROT_READ);
	abi_say("getlk-readonly-struct", "%s", abi_rc(fcntl(fd, F_GETLK, rdonly)));
	munmap(rdonly, 4096);
	memset(&l, 0, sizeof(l));
	l.l_type = F_WRLCK;
	l.l_pid = 1;
	abi_say("ofd-setlk-pid", "%s", abi_rc(fcntl(fd, F_OFD_SETLK, &l)));
	abi_say("ofd-setlkw-pid", "%s", abi_rc(fcntl(fd, F_OFD_SETLKW, &l)));
	abi_say("ofd-getlk-pid", "%s", abi_rc(fcntl(fd, F_OFD_GETLK, &l)));
	l.l_pid = 0;
	l.l_type = 4;
	abi_say("ofd-bad-type", "%s", abi_rc(fcntl(fd, F_OFD_SETLK, &l)));
	abi_say("dir-rdlck", "%s", abi_rc(lk(dir, F_SETLK, F_RDLCK, SEEK_SET, 0, EOFL)));
	abi_say("dir-wrlck", "%s", abi_rc(lk(dir, F_SETLK, F_WRLCK, SEEK_SET, 0, EOFL)));
	abi_say("dir-flock", "%s", abi_rc(flock(dir, LOCK_EX | LOCK_NB)));
	if (pipe(p) == 0) {
		abi_say("pipe-rdlck", "%s", abi_rc(lk(p[0], F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
		abi_say("pipe-wrlck-rd-end", "%s",
			abi_rc(lk(p[0], F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
		abi_say("pipe-flock", "%s", abi_rc(flock(p[1], LOCK_EX | LOCK_NB)));
		close(p[0]);
		close(p[1]);
	}
	close(fd);
	close(ro);
	close(wo);
	close(op);
	close(dir);
}

/* ---- what one owner holds: split, merge, type changes ---- */

void test_shapes(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	char path[64];
	int fd = newfile(path);

	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10);
	show("merge-adjacent", path);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 15, 15);
	show("merge-overlap", path);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 5, 5);
	show("split-unlock", path);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 12, 3);
	show("split-type", path);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 10);
	show("remerge", path);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 30, 10);
	show("no-merge-other-type", path);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 25, 10);
	show("read-over-both", path);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 50, EOFL);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 60, 10);
	show("eof-split", path);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	show("unlock-all", path);
	abi_say("unlock-nothing", "%s", abi_rc(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 3, 4)));
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	show("upgrade", path);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 3, 3);
	show("downgrade-middle", path);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 100, -10);
	show("negative-len", path);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	lseek(fd, 100, SEEK_SET);
	lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -10, 20);
	show("seek-cur", path);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	lseek(fd, 0, SEEK_SET);
	if (write(fd, "0123456789012345678901234567890123456789012345678", 50) == 50) {
		lk(fd, F_SETLK, F_RDLCK, SEEK_END, -5, EOFL);
		lk(fd, F_SETLK, F_WRLCK, SEEK_END, -20, -5);
		show("seek-end", path);
	}
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, INT64_MAX, 1);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	show("first-and-last-byte", path);
	close(fd);
}

/* ---- conflicts between processes ---- */

static void child_conflicts(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR);
	struct flock l;

	abi_say("wr-vs-wr", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
	abi_say("rd-vs-wr", "%s", abi_rc(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 9, 5)));
	abi_say("wr-beside", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 1)));
	abi_say("wr-beside-w", "%s", abi_rc(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 11, 1)));
	memset(&l, 0, sizeof(l));
	l.l_type = F_RDLCK;
	l.l_whence = SEEK_CUR;
	l.l_len = EOFL;
	fcntl(fd, F_GETLK, &l);
	abi_say("getlk-reports", "%s whence=%d start=%ld len=%ld pid=%s", tname(l.l_type),
		l.l_whence, (long)l.l_start, (long)l.l_len, who(l.l_pid, 0));
	/* Its own locks never block it. */
	l.l_type = F_WRLCK;
	l.l_whence = SEEK_SET;
	l.l_start = 10;
	l.l_len = 2;
	fcntl(fd, F_GETLK, &l);
	abi_say("getlk-own", "%s start=%ld", tname(l.l_type), (long)l.l_start);
	post(c->up[1]);
	await(c->down[0]); /* the parent now holds a read lock on 0-9 */
	abi_say("rd-vs-rd", "%s", abi_rc(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10)));
	abi_say("wr-vs-rd", "%s", abi_rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 9, 1)));
	close(fd);
}

void test_conflicts(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	struct ctx c;
	pid_t pid;

	c.fd = newfile(c.path);
	if (ctx_pipes(&c))
		return;
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	pid = spawn(child_conflicts, &c);
	await(c.up[0]);
	/* The child's locks on 10-11 are the first thing a walk from 10 finds. */
	lk(c.fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10);
	post(c.down[1]);
	reap(pid);
	show("after-child-exit", c.path);
	ctx_close(&c);
}

/* F_GETLK reports the first conflicting lock in Linux's order: by owner, in the order each
 * owner's first lock came. */
static void child_hold_20(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR);

	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10);
	post(c->up[1]);
	await(c->down[0]);
	close(fd);
}

static void child_probe_order(void *arg)
{
	struct ctx *c = arg;
	char buf[200];

	walk_locks(c->path, buf, sizeof(buf), c->other);
	abi_say(c->name, "%s", buf);
	/* One probe over everything: which lock comes first? */
	int fd = open(c->path, O_RDWR);
	struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	fcntl(fd, F_GETLK, &l);
	snprintf(buf, sizeof(buf), "%s-first", c->name);
	abi_say(buf, "%s start=%ld pid=%s", tname(l.l_type), (long)l.l_start,
		who(l.l_pid, c->other));
	close(fd);
}

void test_order(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	struct ctx c;
	pid_t holder;

	c.fd = newfile(c.path);
	if (ctx_pipes(&c))
		return;
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	holder = spawn(child_hold_20, &c);
	await(c.up[0]);
	c.other = holder;
	c.name = "order-1";
	reap(spawn(child_probe_order, &c));
	/* The parent's locks go and come back: now they are behind the child's. */
	lk(c.fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL);
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	c.name = "order-2";
	reap(spawn(child_probe_order, &c));
	post(c.down[1]);
	reap(holder);
	ctx_close(&c);
}

/* ---- who owns what: fork, exit, close of any descriptor, threads ---- */

static void child_not_inherited(void *arg)
{
	struct ctx *c = arg;

	abi_say("fork-child-setlk", "%s", abi_rc(lk(c->fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	abi_say("fork-child-unlock", "%s", abi_rc(lk(c->fd, F_SETLK, F_UNLCK, SEEK_SET, 0, EOFL)));
	close(c->fd); /* the parent's lock is not the child's to drop */
}

static void child_lock_and_exit(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR);

	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	post(c->up[1]);
	await(c->down[0]);
	/* exits holding it */
}

/* The unlinked file through the descriptor inherited from the parent. */
static void child_unlinked(void *arg)
{
	struct ctx *c = arg;
	struct flock l = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	int rc = fcntl(c->other, F_GETLK, &l);

	abi_say("unlinked-file", "%s %s len=%ld pid=%s", abi_rc(rc), tname(l.l_type), (long)l.l_len,
		who(l.l_pid, 0));
}

static void *thread_lock(void *arg)
{
	struct ctx *c = arg;
	struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	abi_say("thread-setlk", "%s", abi_rc(lk(c->fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 10)));
	fcntl(c->fd, F_GETLK, &l);
	abi_say("thread-getlk", "%s", tname(l.l_type));
	return NULL;
}

void test_owners(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	struct ctx c;
	struct flock l;
	char path2[80];
	pthread_t t;
	pid_t pid;
	int fd2, fd3;

	c.fd = newfile(c.path);
	if (ctx_pipes(&c))
		return;
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	reap(spawn(child_not_inherited, &c));
	show("fork-parent-keeps", c.path);

	/* Threads share the process's locks. */
	if (pthread_create(&t, NULL, thread_lock, &c) == 0)
		pthread_join(t, NULL);
	show("thread-merged", c.path);

	/* Closing any descriptor of the file drops them all. */
	fd2 = open(c.path, O_RDONLY);
	close(fd2);
	show("close-other-open", c.path);
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	fd3 = dup(c.fd);
	close(fd3);
	show("close-dup", c.path);
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	fd2 = open(c.path, O_RDONLY);
	fd3 = open("/dev/null", O_RDONLY);
	dup2(fd3, fd2); /* replacing a descriptor of the file closes it */
	show("dup2-over", c.path);
	close(fd2);
	close(fd3);

	/* Hard links are one file. */
	snprintf(path2, sizeof(path2), "%s.link", c.path);
	unlink(path2);
	link(c.path, path2);
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	show("hardlink-shared", path2);
	fd2 = open(path2, O_RDONLY);
	close(fd2);
	show("hardlink-close", c.path);
	unlink(path2);

	/* A file unlinked while locked: its locks stay with it until the last close. */
	close(c.fd);
	fd2 = open(c.path, O_RDWR);
	lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	unlink(c.path);
	c.other = fd2;
	reap(spawn(child_unlinked, &c));
	close(fd2);
	c.fd = open(c.path, O_RDWR | O_CREAT | O_TRUNC, 0644); /* a new file by that name */
	show("unlinked-new-file", c.path);

	/* A process's locks go when it exits. */
	pid = spawn(child_lock_and_exit, &c);
	await(c.up[0]);
	memset(&l, 0, sizeof(l));
	l.l_type = F_RDLCK;
	fcntl(c.fd, F_GETLK, &l);
	abi_say("child-holds", "%s start=%ld len=%ld pid-is-child=%d", tname(l.l_type),
		(long)l.l_start, (long)l.l_len, l.l_pid == pid);
	post(c.down[1]);
	reap(pid);
	abi_say("child-exited", "%s", abi_rc(lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
	ctx_close(&c);
}

/* ---- open file description locks ---- */

static void child_ofd(void *arg)
{
	struct ctx *c = arg;
	int own = open(c->path, O_RDWR), rc;
	struct flock l;

	memset(&l, 0, sizeof(l));
	l.l_type = F_RDLCK;
	rc = fcntl(own, F_GETLK, &l);
	abi_say("ofd-posix-getlk", "%s %s pid=%s", abi_rc(rc), tname(l.l_type), who(l.l_pid, 0));
	memset(&l, 0, sizeof(l));
	l.l_type = F_RDLCK;
	rc = fcntl(own, F_OFD_GETLK, &l);
	abi_say("ofd-ofd-getlk", "%s %s start=%ld len=%ld pid=%d", abi_rc(rc), tname(l.l_type),
		(long)l.l_start, (long)l.l_len, (int)l.l_pid);
	/* The inherited descriptor is the same open file: the same owner. */
	abi_say("ofd-inherited", "%s", abi_rc(lk(c->fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 20)));
	abi_say("ofd-own-open", "%s", abi_rc(lk(own, F_OFD_SETLK, F_WRLCK, SEEK_SET, 15, 1)));
	abi_say("ofd-vs-posix-child", "%s", abi_rc(lk(c->fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	close(own);
}

void test_ofd(void)
{
	abi_area = "lock"; /* abi.h keeps it per file */
	struct ctx c;
	struct flock l;
	int fd2, fd3;

	c.fd = newfile(c.path);
	abi_say("ofd-setlk", "%s", abi_rc(lk(c.fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
	lk(c.fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 10, 5);
	show("ofd-merged", c.path);
	reap(spawn(child_ofd, &c));
	show("ofd-after-child", c.path);

	/* One process: its POSIX locks and its OFD locks are different owners. */
	fd2 = open(c.path, O_RDWR);
	abi_say("posix-vs-own-ofd", "%s", abi_rc(lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
	abi_say("posix-vs-own-ofd-same-fd", "%s",
		abi_rc(lk(c.fd, F_SETLK, F_RDLCK, SEEK_SET, 5, 1)));
	abi_say("ofd-other-open", "%s", abi_rc(lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	memset(&l, 0, sizeof(l));
	l.l_type = F_RDLCK;
	fcntl(fd2, F_GETLK, &l);
	abi_say("posix-getlk-sees-own-ofd", "%s pid=%d", tname(l.l_type), (int)l.l_pid);
	lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 100, 1);
	memset(&l, 0, sizeof(l));
	l.l_type = F_RDLCK;
	l.l_start = 100;
	fcntl(c.fd, F_OFD_GETLK, &l);
	abi_say("ofd-getlk-sees-own-posix", "%s start=%ld pid-is-self=%d", tname(l.l_type),
		(long)l.l_start, l.l_pid == getpid());
	/* Closing another descriptor drops POSIX locks, not OFD ones. */
	close(fd2);
	show("ofd-survives-close", c.path);
	/* An OFD lock lives as long as its open file. */
	fd3 = dup(c.fd);
	close(c.fd);
	show("ofd-dup-keeps", c.path);
	lk(fd3, F_OFD_SETLK, F_UNLCK, SEEK_SET, 10, 1);
	show("ofd-unlock-via-dup", c.path);
	close(fd3);
	show("ofd-last-close", c.path);
}

/* exec keeps the process's locks (the same process and descriptor table); a close-on-exec
 * descriptor of the file is closed by exec, and that drops them. */
static void exec_child(const char *self, const char *path, int cloexec, const char *name)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(path, O_RDWR | (cloexec ? O_CLOEXEC : 0));

		lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
		execl(self, self, "--after-exec", path, name, (char *)NULL);
		_exit(127);
	}
	reap(pid);
}

void test_exec(const char *self)
{
	char path[64];
	int fd = newfile(path);

	abi_area = "lock";
	exec_child(self, path, 0, "exec-keeps");
	exec_child(self, path, 1, "exec-cloexec-drops");
	close(fd);
}

/* In the program exec started: what it holds now. */
void after_exec(const char *path, const char *name)
{
	show(name, path);
}
