/*
 * abi-futex robust mutexes as musl's pthreads use them: the owner (a thread, or a process
 * sharing the mutex in MAP_SHARED memory) dies holding it, by returning, _exit(), SIGKILL or
 * exit_group from another thread; the next locker gets EOWNERDEAD, pthread_mutex_consistent
 * makes it usable again, and unlocking without it leaves ENOTRECOVERABLE.  With M_PI the same
 * through FUTEX_LOCK_PI.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "futex_test.h"

struct hold {
	pthread_mutex_t *m;
	sem_t locked;
	int ms;
};

static void *hold_and_return(void *arg)
{
	struct hold *h = arg;

	pthread_mutex_lock(h->m);
	sem_post(&h->locked);
	sleep_ms(h->ms);
	return NULL; /* still holding it */
}

/* The owner thread returns holding m (waiting: while this thread is blocked in the lock). */
static void thread_owner(const char *name, unsigned flags, bool waiting)
{
	pthread_mutex_t m;
	struct hold h = {.m = &m, .ms = waiting ? 100 : 0};
	pthread_t t;
	int r1, r2, r3, r4, r5;

	mutex_make(&m, flags | M_ROBUST);
	sem_init(&h.locked, 0, 0);
	pthread_create(&t, NULL, hold_and_return, &h);
	sem_wait(&h.locked);
	if (!waiting)
		pthread_join(t, NULL);
	r1 = lock5(&m);
	if (waiting)
		pthread_join(t, NULL);
	r2 = pthread_mutex_consistent(&m);
	r3 = pthread_mutex_unlock(&m);
	r4 = lock5(&m);
	r5 = pthread_mutex_unlock(&m);
	abi_say(name, "lock %s, consistent %s, unlock %s, relock %s, unlock %s", abi_errname(r1),
		abi_errname(r2), abi_errname(r3), abi_errname(r4), abi_errname(r5));
	pthread_mutex_destroy(&m);
}

static void not_recoverable(const char *name, unsigned flags)
{
	pthread_mutex_t m;
	struct hold h = {.m = &m};
	pthread_t t;
	int r1, r2, r3, r4;

	mutex_make(&m, flags | M_ROBUST);
	sem_init(&h.locked, 0, 0);
	pthread_create(&t, NULL, hold_and_return, &h);
	pthread_join(t, NULL);
	r1 = lock5(&m);
	r2 = pthread_mutex_unlock(&m);
	r3 = lock5(&m);
	r4 = pthread_mutex_trylock(&m);
	abi_say(name, "lock %s, unlock %s, lock %s, trylock %s", abi_errname(r1), abi_errname(r2),
		abi_errname(r3), abi_errname(r4));
}

enum death { DIE_EXIT, DIE_EXIT_WAITING, DIE_KILL, DIE_KILL_WAITING, DIE_GROUP };

static void *kill_later(void *arg)
{
	sleep_ms(100);
	kill(*(pid_t *)arg, SIGKILL);
	return NULL;
}

/* Lock and never return (returning would let musl release it in user space). */
static void *lock_and_stay(void *arg)
{
	struct hold *h = arg;

	pthread_mutex_lock(h->m);
	sem_post(&h->locked);
	for (;;)
		pause();
	return NULL;
}

/* A child process owns a process-shared robust mutex and dies as told. */
static void process_owner(const char *name, unsigned flags, enum death how)
{
	pthread_mutex_t *m = shmem(4096);
	int ready[2], st = 0, r1, r2, r3, r4;
	pthread_t killer;
	pid_t pid;

	mutex_make(m, flags | M_ROBUST | M_PSHARED);
	if (pipe(ready))
		return;
	pid = fork();
	if (pid == 0) {
		if (how == DIE_GROUP) { /* another thread holds it; main leaves with exit_group */
			struct hold h = {.m = m};
			pthread_t t;

			sem_init(&h.locked, 0, 0);
			pthread_create(&t, NULL, lock_and_stay, &h);
			sem_wait(&h.locked);
			pipe_post(ready[1]);
			sleep_ms(100);
			_exit(0);
		}
		int r = pthread_mutex_lock(m);

		pipe_post(ready[1]);
		if (how == DIE_EXIT_WAITING)
			sleep_ms(100);
		if (how == DIE_KILL || how == DIE_KILL_WAITING)
			for (;;)
				pause();
		_exit(r);
	}
	pipe_take(ready[0]);
	if (how == DIE_KILL)
		kill(pid, SIGKILL);
	if (how == DIE_EXIT || how == DIE_KILL)
		waitpid(pid, &st, 0);
	if (how == DIE_KILL_WAITING)
		pthread_create(&killer, NULL, kill_later, &pid);
	r1 = lock5(m);
	if (how == DIE_KILL_WAITING)
		pthread_join(killer, NULL);
	if (how != DIE_EXIT && how != DIE_KILL)
		waitpid(pid, &st, 0);
	r2 = pthread_mutex_consistent(m);
	r3 = pthread_mutex_unlock(m);
	r4 = lock5(m);
	pthread_mutex_unlock(m);
	abi_say(name, "child %s, lock %s, consistent %s, unlock %s, relock %s", status_text(st),
		abi_errname(r1), abi_errname(r2), abi_errname(r3), abi_errname(r4));
	close(ready[0]), close(ready[1]);
}

/* A third process waits in the lock while the owner is killed. */
static void third_waiter(const char *name, unsigned flags)
{
	pthread_mutex_t *m = shmem(4096);
	int ready[2], st1 = 0, st2 = 0;
	pid_t owner, waiter;

	mutex_make(m, flags | M_ROBUST | M_PSHARED);
	if (pipe(ready))
		return;
	owner = fork();
	if (owner == 0) {
		pthread_mutex_lock(m);
		pipe_post(ready[1]);
		for (;;)
			pause();
	}
	pipe_take(ready[0]);
	waiter = fork();
	if (waiter == 0) {
		int r = lock5(m);

		if (r == EOWNERDEAD)
			pthread_mutex_consistent(m);
		pthread_mutex_unlock(m);
		_exit(r);
	}
	sleep_ms(100);
	kill(owner, SIGKILL);
	waitpid(owner, &st1, 0);
	waitpid(waiter, &st2, 0);
	abi_say(name, "owner %s, waiter got %s", status_text(st1),
		WIFEXITED(st2) ? abi_errname(WEXITSTATUS(st2)) : status_text(st2));
	close(ready[0]), close(ready[1]);
}

void robust_cases(void)
{
	abi_area = "futex";
	thread_owner("robust-thread-exit", 0, false);
	thread_owner("robust-thread-exit-waiting", 0, true);
	not_recoverable("robust-not-recoverable", 0);
	process_owner("robust-process-exit", 0, DIE_EXIT);
	process_owner("robust-process-exit-waiting", 0, DIE_EXIT_WAITING);
	process_owner("robust-process-kill", 0, DIE_KILL);
	process_owner("robust-process-kill-waiting", 0, DIE_KILL_WAITING);
	process_owner("robust-process-exit-group", 0, DIE_GROUP);
	third_waiter("robust-third-waiter", 0);
	thread_owner("pi-robust-thread-exit", M_PI, false);
	thread_owner("pi-robust-thread-exit-waiting", M_PI, true);
	not_recoverable("pi-robust-not-recoverable", M_PI);
	process_owner("pi-robust-process-exit", M_PI, DIE_EXIT);
	process_owner("pi-robust-process-exit-waiting", M_PI, DIE_EXIT_WAITING);
	process_owner("pi-robust-process-kill", M_PI, DIE_KILL);
	process_owner("pi-robust-process-kill-waiting", M_PI, DIE_KILL_WAITING);
	process_owner("pi-robust-process-exit-group", M_PI, DIE_GROUP);
	third_waiter("pi-robust-third-waiter", M_PI);
}
