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
#include "meminfo.h"

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

/* The waiter's own process unmaps the page while it waits: the futex is the page's, so a wake
 * through the other process's mapping still reaches it. */
struct unmap_wait {
	volatile uint32_t *w;
	long rc;
};

static void *unmap_waiter(void *arg)
{
	struct unmap_wait *u = arg;
	struct timespec ts = {5, 0};

	u->rc = futex(u->w, FUTEX_WAIT, 0, &ts, NULL, 0) ? errno : 0;
	return NULL;
}

static void waiter_unmapped(void)
{
	volatile uint32_t *w = shmem(4096);
	int ready[2], st = 0;
	long woke = 0;
	pid_t pid;

	if (pipe(ready))
		return;
	pid = fork();
	if (pid == 0) {
		struct unmap_wait u = {w, -1};
		pthread_t t;

		pthread_create(&t, NULL, unmap_waiter, &u);
		waiters_on(w, 0, 1);
		munmap((void *)w, 4096);
		pipe_post(ready[1]);
		pthread_join(t, NULL);
		_exit((int)u.rc);
	}
	pipe_take(ready[0]);
	woke = futex(w, FUTEX_WAKE, 1, NULL, NULL, 0);
	waitpid(pid, &st, 0);
	abi_say("shared-waiter-unmapped", "wake %s, child woke with %s", abi_rc(woke),
		WIFEXITED(st) ? abi_errname(WEXITSTATUS(st)) : status_text(st));
	close(ready[0]), close(ready[1]);
}

/* Shared keys hold their page while in use: waits, wakes and a requeue that moves a waiter
 * from page to page must leave every page freeable (MemFree comes back). */
#define LEAK_PAGES  64
#define LEAK_ROUNDS 50
static void keys_free_pages(void)
{
	long before = mem_free_kb(), after, moved = 0;
	struct timespec zero = {0, 0};

	for (int r = 0; r < LEAK_ROUNDS; r++) {
		volatile uint32_t *m = shmem(LEAK_PAGES * 4096),
				  *last = m + (LEAK_PAGES - 1) * 1024;
		struct waiter w;

		for (int i = 0; i < LEAK_PAGES; i++) {
			futex(m + i * 1024, FUTEX_WAIT, 0, &zero, NULL, 0);
			futex(m + i * 1024, FUTEX_WAKE, 1, NULL, NULL, 0);
		}
		waiter_start(&w, m, FUTEX_WAIT, 0, 0, 5000);
		waiters_on(m, 0, 1);
		moved += futex_n(m, FUTEX_CMP_REQUEUE, 0, 1, last, 0);
		futex(last, FUTEX_WAKE, 1, NULL, NULL, 0);
		waiter_end(&w);
		munmap((void *)m, LEAK_PAGES * 4096);
	}
	after = mem_free_kb();
	abi_say("shared-keys-free-pages", "requeued %ld of %d, MemFree back within 4 MiB: %s",
		moved, LEAK_ROUNDS, before > 0 && before - after < 4096 ? "yes" : "no");
	if (before - after >= 4096)
		printf("abi-futex: MemFree %ld kB before, %ld kB after\n", before, after);
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
	waiter_unmapped();
	keys_free_pages();
	condvar();
	semaphores();
	counter("pshared-mutex-counter", 0);
	counter("pshared-pi-mutex-counter", M_PI);
	barrier();
}
