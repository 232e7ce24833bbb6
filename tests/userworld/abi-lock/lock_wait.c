/* abi-lock: blocking waits: wake-ups, signals, deadlocks, closing or killing a waiter. */
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

/* ---- blocking waits ---- */

static void child_setlkw(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR), rc, seen;
	int ofd = c->name[0] == 'o';

	rc = lk(fd, ofd ? F_OFD_SETLKW : F_SETLKW, F_WRLCK, SEEK_SET, 5, 1);
	/* The parent posts before it unlocks: a byte here means we waited for the unlock. */
	fcntl(c->down[0], F_SETFL, O_NONBLOCK);
	seen = read(c->down[0], &(char){0}, 1) == 1;
	abi_say(c->name, "%s %s", abi_rc(rc), seen ? "after-unlock" : "before-unlock");
	close(fd);
}

static void run_setlkw(const char *name, int ofd)
{
	struct ctx c;
	pid_t pid;

	c.fd = newfile(c.path);
	c.name = name;
	if (ctx_pipes(&c))
		return;
	lk(c.fd, ofd ? F_OFD_SETLK : F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	pid = spawn(child_setlkw, &c);
	waiter_listed();
	post(c.down[1]);
	lk(c.fd, ofd ? F_OFD_SETLK : F_SETLK, F_UNLCK, SEEK_SET, 0, 10);
	reap(pid);
	ctx_close(&c);
}

/* A wait that a signal ends: EINTR, the handler ran, nothing was taken. */
static void child_eintr(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR), rc;

	alarm_handler();
	alarm(1);
	if (!strcmp(c->name, "flock-eintr"))
		rc = flock(fd, LOCK_EX);
	else if (!strcmp(c->name, "ofd-setlkw-eintr"))
		rc = lk(fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
	else
		rc = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
	abi_say(c->name, "%s handler=%d", abi_rc(rc), (int)alarms);
	close(fd);
}

static void run_eintr(const char *name)
{
	struct ctx c;

	c.fd = newfile(c.path);
	c.name = name;
	if (!strcmp(name, "flock-eintr"))
		flock(c.fd, LOCK_SH);
	else
		lk(c.fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10);
	char after[64];

	reap(spawn(child_eintr, &c));
	snprintf(after, sizeof(after), "%s-after", name);
	show(after, c.path); /* what the parent holds; flock locks are not fcntl's to see */
	close(c.fd);
}

/* The child holds byte 1 and waits for byte 0 (the parent's); the parent asking for byte 1
 * would wait for the child: EDEADLK. */
static void child_deadlock(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR);

	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1);
	post(c->up[1]);
	abi_say("deadlock-child", "%s", abi_rc(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1)));
	close(fd);
}

static void test_deadlock(void)
{
	struct ctx c;
	pid_t pid;

	c.fd = newfile(c.path);
	if (ctx_pipes(&c))
		return;
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	pid = spawn(child_deadlock, &c);
	await(c.up[0]);
	waiter_listed();
	abi_say("deadlock-setlk", "%s", abi_rc(lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1)));
	abi_say("deadlock-setlkw", "%s", abi_rc(lk(c.fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1)));
	/* A read of byte 1 would wait on the same lock: the same cycle. */
	abi_say("deadlock-rd", "%s", abi_rc(lk(c.fd, F_SETLKW, F_RDLCK, SEEK_SET, 1, 1)));
	lk(c.fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
	reap(pid);
	ctx_close(&c);
}

/* Three processes: P holds 0, C1 holds 1 and waits for 2, C2 holds 2 and waits for 0. */
static void child_chain(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR), mine = c->name[1] - '0';

	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, mine, 1);
	post(c->up[1]);
	await(c->down[0]); /* both hold their byte */
	abi_say(mine == 1 ? "deadlock3-c1" : "deadlock3-c2", "%s",
		abi_rc(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, mine == 1 ? 2 : 0, 1)));
	close(fd);
}

static void test_deadlock3(void)
{
	struct ctx c1, c2;
	pid_t p1, p2;

	c1.fd = newfile(c1.path);
	if (ctx_pipes(&c1))
		return;
	c2 = c1;
	lk(c1.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	c1.name = "c1";
	c2.name = "c2";
	p1 = spawn(child_chain, &c1);
	p2 = spawn(child_chain, &c2);
	await(c1.up[0]);
	await(c1.up[0]);
	post(c1.down[1]);
	post(c1.down[1]);
	waiters_listed(2); /* both children asleep */
	abi_say("deadlock3-parent", "%s", abi_rc(lk(c1.fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1)));
	lk(c1.fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
	reap(p2);
	reap(p1);
	ctx_close(&c1);
}

/* OFD locks get no deadlock detection: the cycle stays until a signal ends a wait. */
static void child_ofd_cycle(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR);

	lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 1, 1);
	post(c->up[1]);
	abi_say("ofd-cycle-child", "%s", abi_rc(lk(fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 1)));
	close(fd);
}

static void test_ofd_cycle(void)
{
	struct ctx c;
	pid_t pid;
	int rc;

	c.fd = newfile(c.path);
	if (ctx_pipes(&c))
		return;
	lk(c.fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	pid = spawn(child_ofd_cycle, &c);
	await(c.up[0]);
	waiter_listed();
	alarm_handler();
	alarm(1);
	rc = lk(c.fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	abi_say("ofd-cycle-parent", "%s handler=%d", abi_rc(rc), (int)alarms);
	lk(c.fd, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 1);
	reap(pid);
	ctx_close(&c);
}

/* Another thread closes the descriptor a thread waits with: the lock it then gets is undone
 * and the wait ends with EBADF (Linux's close/fcntl race check). */
static void *thread_wait(void *arg)
{
	struct ctx *c = arg;

	abi_say("close-while-waiting", "%s",
		abi_rc(lk(c->other, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1)));
	return NULL;
}

static void child_close_while_waiting(void *arg)
{
	struct ctx *c = arg;
	pthread_t t;

	c->other = open(c->path, O_RDWR);
	if (pthread_create(&t, NULL, thread_wait, c))
		return;
	waiter_listed();
	close(c->other);
	post(c->up[1]);
	pthread_join(t, NULL);
	post(c->up[1]);
	await(c->down[0]);
}

static void test_close_while_waiting(void)
{
	struct ctx c;
	pid_t pid;

	c.fd = newfile(c.path);
	if (ctx_pipes(&c))
		return;
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	pid = spawn(child_close_while_waiting, &c);
	await(c.up[0]); /* the waiter's descriptor is closed */
	lk(c.fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 10);
	await(c.up[0]); /* its wait has ended */
	show("close-while-waiting-held", c.path);
	post(c.down[1]);
	reap(pid);
	ctx_close(&c);
}

/* SIGKILL ends a wait: the process goes, its request with it. */
static void child_wait_forever(void *arg)
{
	struct ctx *c = arg;
	int fd = open(c->path, O_RDWR);

	lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
	abi_say("kill-waiter-got-lock", "unexpected");
}

static void test_kill_waiter(void)
{
	struct ctx c;
	pid_t pid;
	int st;

	c.fd = newfile(c.path);
	lk(c.fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	pid = spawn(child_wait_forever, &c);
	waiter_listed();
	kill(pid, SIGKILL);
	st = reap(pid);
	abi_say("kill-waiter", "status %d waiters %d", st, waiters_now());
	abi_say("kill-waiter-after", "%s", abi_rc(lk(c.fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 10)));
	close(c.fd);
}

void test_waits(void)
{
	abi_area = "lock";
	run_setlkw("setlkw-wait", 0);
	run_setlkw("ofd-setlkw-wait", 1);
	run_eintr("setlkw-eintr");
	run_eintr("ofd-setlkw-eintr");
	run_eintr("flock-eintr");
	test_deadlock();
	test_deadlock3();
	test_ofd_cycle();
	test_close_while_waiting();
	test_kill_waiter();
}
