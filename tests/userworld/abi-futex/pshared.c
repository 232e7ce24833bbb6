/*
 * abi-futex process-shared synchronisation: two processes meet on futex words in the same
 * pages (shared anonymous memory over fork, a /tmp or /dev/shm file each maps by itself), but
 * not through FUTEX_PRIVATE_FLAG or in private (copy-on-write) memory.  musl's process-shared
 * mutexes, condition variables, semaphores and barriers work on those keys.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "futex_test.h"

/* The child waits on *w with op (5 s, or 300 ms when no wake should reach it); the parent
 * wakes with op until one is woken, or once after 100 ms when none should be. */
static void meet(const char *name, volatile uint32_t *w, int op, bool should_meet, int fd)
{
	int st = 0;
	long woke = 0;
	pid_t pid;

	if (w)
		*w = 0;
	pid = fork();
	if (pid == 0) {
		struct timespec ts = {should_meet ? 5 : 0, should_meet ? 0 : 300000000};

		if (fd >= 0)
			w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		_exit(futex(w, FUTEX_WAIT | op, 0, &ts, NULL, 0) ? errno : 0);
	}
	if (fd >= 0)
		w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (should_meet) {
		for (int i = 0; i < 500 && woke == 0; i++) {
			woke = futex(w, FUTEX_WAKE | op, 1, NULL, NULL, 0);
			if (!woke)
				sleep_ms(10);
		}
	} else {
		sleep_ms(100);
		woke = futex(w, FUTEX_WAKE | op, 1, NULL, NULL, 0);
	}
	waitpid(pid, &st, 0);
	abi_say(name, "wake %s, child woke with %s", abi_rc(woke),
		WIFEXITED(st) ? abi_errname(WEXITSTATUS(st)) : status_text(st));
	if (fd >= 0)
		munmap((void *)w, 4096);
}

static void keys(void)
{
	volatile uint32_t *sh = shmem(4096);
	static volatile uint32_t priv;
	const char *files[2] = {"/tmp/abi-futex-file", "/dev/shm/abi-futex-file"};

	meet("shared-anon", sh, 0, true, -1);
	meet("shared-anon-private-flag", sh, FUTEX_PRIVATE, false, -1);
	meet("private-after-fork", &priv, 0, false, -1);
	for (int i = 0; i < 2; i++) {
		int fd = open(files[i], O_RDWR | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || ftruncate(fd, 4096)) {
			abi_say(i ? "shared-shm-file" : "shared-tmp-file", "setup %s",
				abi_errname(errno));
			continue;
		}
		meet(i ? "shared-shm-file" : "shared-tmp-file", NULL, 0, true, fd);
		close(fd);
		unlink(files[i]);
	}
}

struct pingpong {
	pthread_mutex_t m;
	pthread_cond_t c;
	int turn, count;
};

/* Take turns with the other process: 0 when all rounds ran, else the failing call's error. */
static int pingpong_run(struct pingpong *s, int me, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		struct timespec at = in_ms(CLOCK_REALTIME, 5000);
		int e = pthread_mutex_lock(&s->m);

		while (!e && s->turn != me)
			e = pthread_cond_timedwait(&s->c, &s->m, &at);
		if (e) {
			pthread_mutex_unlock(&s->m);
			return e;
		}
		s->count++;
		s->turn = !me;
		pthread_cond_broadcast(&s->c);
		pthread_mutex_unlock(&s->m);
	}
	return 0;
}

static void condvar(void)
{
	struct pingpong *s = shmem(4096);
	pthread_condattr_t ca;
	int st = 0, e;
	pid_t pid;

	mutex_make(&s->m, M_PSHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&s->c, &ca);
	pid = fork();
	if (pid == 0)
		_exit(pingpong_run(s, 1, 200));
	e = pingpong_run(s, 0, 200);
	waitpid(pid, &st, 0);
	abi_say("pshared-condvar-pingpong", "parent %s, child %s, count %d", abi_errname(e),
		WIFEXITED(st) ? abi_errname(WEXITSTATUS(st)) : status_text(st), s->count);
}

static int sem_rounds(sem_t *wait_on, sem_t *post_to, int rounds, bool first)
{
	for (int i = 0; i < rounds; i++) {
		struct timespec at = in_ms(CLOCK_REALTIME, 5000);

		if (first)
			sem_post(post_to);
		if (sem_timedwait(wait_on, &at))
			return errno;
		if (!first)
			sem_post(post_to);
	}
	return 0;
}

static void semaphores(void)
{
	sem_t *s = shmem(4096);
	int st = 0, e;
	pid_t pid;

	sem_init(&s[0], 1, 0);
	sem_init(&s[1], 1, 0);
	pid = fork();
	if (pid == 0)
		_exit(sem_rounds(&s[0], &s[1], 200, false));
	e = sem_rounds(&s[1], &s[0], 200, true);
	waitpid(pid, &st, 0);
	abi_say("pshared-semaphore-pingpong", "parent %s, child %s", abi_errname(e),
		WIFEXITED(st) ? abi_errname(WEXITSTATUS(st)) : status_text(st));
}

static void barrier(void)
{
	pthread_barrier_t *b = shmem(4096);
	pthread_barrierattr_t ba;
	int st = 0, serial = 0;
	pid_t pid;

	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(b, &ba, 2);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 50; i++)
			serial += pthread_barrier_wait(b) == PTHREAD_BARRIER_SERIAL_THREAD;
		_exit(serial);
	}
	for (int i = 0; i < 50; i++)
		serial += pthread_barrier_wait(b) == PTHREAD_BARRIER_SERIAL_THREAD;
	waitpid(pid, &st, 0);
	abi_say("pshared-barrier", "rounds 50, serial %d", serial + WEXITSTATUS(st));
}

struct counted {
	pthread_mutex_t m;
	long counter;
	int errors;
};

static void count_rounds(struct counted *s, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		if (lock5(&s->m)) {
			__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		long c = s->counter;

		if (i % 50 == 0)
			sched_yield(); /* let the other side find it locked */
		s->counter = c + 1;
		pthread_mutex_unlock(&s->m);
	}
}

static void counter(const char *name, unsigned flags)
{
	struct counted *s = shmem(4096);
	int st = 0;
	pid_t pid;

	mutex_make(&s->m, flags | M_PSHARED);
	pid = fork();
	if (pid == 0) {
		count_rounds(s, 2000);
		_exit(0);
	}
	count_rounds(s, 2000);
	waitpid(pid, &st, 0);
	abi_say(name, "counter %ld, errors %d, child %s", s->counter, s->errors, status_text(st));
}

void pshared_cases(void)
{
	abi_area = "futex";
	keys();
	condvar();
	semaphores();
	counter("pshared-mutex-counter", 0);
	counter("pshared-pi-mutex-counter", M_PI);
	barrier();
}
