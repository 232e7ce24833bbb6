/*
 * abi-futex: futexes as musl's pthreads and raw callers use them, compared with Linux.
 * Robust mutexes (EOWNERDEAD after an owner thread or process dies, ENOTRECOVERABLE),
 * process-shared mutexes, condition variables, semaphores and barriers in MAP_SHARED memory
 * (shared futex keys), priority-inheritance mutexes, and the raw calls with bad input:
 * the robust list walk at exit (loops, the 2048-entry limit, bad pointers), the PI operations,
 * requeue, bitsets and FUTEX_WAKE_OP.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "futex_test.h"

long futex(volatile uint32_t *uaddr, int op, uint32_t val, const void *ts,
	   volatile uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

long futex_n(volatile uint32_t *uaddr, int op, uint32_t val, long val2, volatile uint32_t *uaddr2,
	     uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

int tid(void)
{
	return (int)syscall(SYS_gettid);
}

const char *wtext(uint32_t v, int self, int other)
{
	static char buf[4][64];
	static int next;
	char *b = buf[next++ % 4];
	int t = (int)(v & FUTEX_TID_MASK);
	size_t n = 0;

	b[0] = 0;
	if (t && t == self)
		n += (size_t)snprintf(b + n, 64 - n, "self");
	else if (t && t == other)
		n += (size_t)snprintf(b + n, 64 - n, "other");
	else if (t)
		n += (size_t)snprintf(b + n, 64 - n, "%d", t);
	if (v & FUTEX_WAITERS)
		n += (size_t)snprintf(b + n, 64 - n, "%sWAITERS", n ? "|" : "");
	if (v & FUTEX_OWNER_DIED)
		n += (size_t)snprintf(b + n, 64 - n, "%sOWNER_DIED", n ? "|" : "");
	if (!n)
		snprintf(b, 64, "0");
	return b;
}

long waiters_on(volatile uint32_t *addr, int flags, long n)
{
	long got = -1;

	for (int i = 0; i < 500; i++) {
		got = futex_n(addr, FUTEX_CMP_REQUEUE | flags, 0, INT_MAX, addr, *addr);
		if (got == n)
			break;
		sleep_ms(10);
	}
	return got;
}

int word_wait(volatile uint32_t *addr, uint32_t mask, uint32_t want)
{
	for (int i = 0; i < 500; i++) {
		if ((*addr & mask) == want)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts))
		;
}

struct timespec in_ms(clockid_t clk, long ms)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_nsec += (ms % 1000) * 1000000;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

void *shmem(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		abi_say("setup", "shared mmap failed: %s", abi_errname(errno));
		_exit(1);
	}
	memset(p, 0, n);
	return p;
}

void pipe_post(int fd)
{
	while (write(fd, "x", 1) != 1)
		;
}

void pipe_take(int fd)
{
	char c;

	while (read(fd, &c, 1) != 1)
		;
}

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->tid = tid();
	w->rc = futex(w->addr, w->op, w->val, w->has_ts ? &w->ts : NULL, NULL, w->val3);
	w->err = errno;
	w->after = *w->addr;
	return NULL;
}

void waiter_start(struct waiter *w, volatile uint32_t *addr, int op, uint32_t val, uint32_t val3,
		  long ms)
{
	int cmd = op & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);

	memset(w, 0, sizeof(*w));
	w->addr = addr, w->op = op, w->val = val, w->val3 = val3;
	if (ms) {
		w->has_ts = true;
		if (cmd == FUTEX_WAIT)
			w->ts = (struct timespec){ms / 1000, (ms % 1000) * 1000000};
		else if (cmd == FUTEX_LOCK_PI || (op & FUTEX_CLOCK_REALTIME))
			w->ts = in_ms(CLOCK_REALTIME, ms);
		else
			w->ts = in_ms(CLOCK_MONOTONIC, ms);
	}
	pthread_create(&w->t, NULL, waiter_main, w);
}

const char *waiter_end(struct waiter *w)
{
	pthread_join(w->t, NULL);
	return w->rc < 0 ? abi_errname(w->err) : w->rc == 0 ? "0" : "positive";
}

void mutex_make(pthread_mutex_t *m, unsigned flags)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	if (flags & M_ROBUST)
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (flags & M_PI)
		pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	if (flags & M_PSHARED)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (flags & M_ERRORCHECK)
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

int lock5(pthread_mutex_t *m)
{
	struct timespec at = in_ms(CLOCK_REALTIME, 5000);

	return pthread_mutex_timedlock(m, &at);
}

const char *status_text(int status)
{
	static char buf[4][32];
	static int next;
	char *b = buf[next++ % 4];

	if (WIFEXITED(status))
		snprintf(b, 32, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(b, 32, "signal %d", WTERMSIG(status));
	else
		snprintf(b, 32, "status %#x", status);
	return b;
}

int main(int argc, char **argv)
{
	abi_area = "futex";
	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return exec_child();
	raw_cases();
	robust_raw_cases();
	robust_cases();
	pshared_cases();
	pi_cases();
	return 0;
}
