/*
 * abi-futex priority-inheritance mutexes (PTHREAD_PRIO_INHERIT, FUTEX_LOCK_PI underneath):
 * contended by several threads with a counter that must come out exact, trylock, error
 * checking, timeouts; and raw PI words whose owner process dies: a waiter is handed the lock,
 * a later locker gets ESRCH.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "futex_test.h"

#define NTHREADS 4
#define ROUNDS	 2000

static pthread_mutex_t pm;
static long counter;
static int errors;

static void *count_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (lock5(&pm)) {
			__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		long c = counter;

		if (i % 100 == 0)
			sched_yield(); /* let the others find it locked */
		counter = c + 1;
		if (pthread_mutex_unlock(&pm))
			__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void contended(void)
{
	pthread_t t[NTHREADS];

	mutex_make(&pm, M_PI);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, count_main, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	abi_say("pi-counter", "counter %ld of %d, errors %d", counter, NTHREADS * ROUNDS, errors);
	pthread_mutex_destroy(&pm);
}

struct other_call {
	pthread_mutex_t *m;
	int what; /* 0 trylock, 1 unlock, 2 timed lock (100 ms) */
	int rc;
};

static void *other_main(void *arg)
{
	struct other_call *o = arg;
	struct timespec at = in_ms(CLOCK_REALTIME, 100);

	o->rc = o->what == 0   ? pthread_mutex_trylock(o->m)
		: o->what == 1 ? pthread_mutex_unlock(o->m)
			       : pthread_mutex_timedlock(o->m, &at);
	return NULL;
}

static int from_other(pthread_mutex_t *m, int what)
{
	struct other_call o = {m, what, -1};
	pthread_t t;

	pthread_create(&t, NULL, other_main, &o);
	pthread_join(t, NULL);
	return o.rc;
}

static void held(const char *name, unsigned flags)
{
	pthread_mutex_t m;
	int r0, r1, r2, r3, r4, r5, r6;

	mutex_make(&m, flags);
	r0 = pthread_mutex_lock(&m);
	r1 = from_other(&m, 0);
	r2 = from_other(&m, 2);
	r3 = (flags & M_ERRORCHECK) ? from_other(&m, 1) : 0;
	r4 = (flags & M_ERRORCHECK) ? pthread_mutex_lock(&m) : pthread_mutex_trylock(&m);
	r5 = pthread_mutex_unlock(&m);
	r6 = (flags & M_ERRORCHECK) ? pthread_mutex_unlock(&m) : 0;
	abi_say(name,
		"lock %s, other's trylock %s, other's timedlock %s, other's unlock %s, relock %s, "
		"unlock %s, unlock again %s",
		abi_errname(r0), abi_errname(r1), abi_errname(r2), abi_errname(r3), abi_errname(r4),
		abi_errname(r5), abi_errname(r6));
	pthread_mutex_destroy(&m);
}

/* A child process holds a raw PI word and exits: a waiter here is handed it; with nobody
 * waiting, a later FUTEX_LOCK_PI finds its owner gone. */
static void owner_exits(void)
{
	volatile uint32_t *w = shmem(4096);
	int ready[2], go[2], st = 0;
	struct waiter lw;
	pid_t pid;
	long r;

	for (int waiting = 1; waiting >= 0; waiting--) {
		*w = 0;
		if (pipe(ready) || pipe(go))
			return;
		pid = fork();
		if (pid == 0) {
			long rc = futex(w, FUTEX_LOCK_PI, 0, NULL, NULL, 0);

			pipe_post(ready[1]);
			pipe_take(go[0]);
			_exit(rc ? 1 : 0);
		}
		pipe_take(ready[0]);
		if (waiting) {
			waiter_start(&lw, w, FUTEX_LOCK_PI, 0, 0, 5000);
			r = word_wait(w, FUTEX_WAITERS, FUTEX_WAITERS);
			pipe_post(go[1]);
			waitpid(pid, &st, 0);
			waiter_end(&lw);
			abi_say("pi-owner-exit-handoff",
				"child %s, waiters bit %s, waiter %s, its word %s", status_text(st),
				r ? "missing" : "set", lw.rc ? abi_errname(lw.err) : "0",
				wtext(lw.after, lw.tid, pid));
			futex(w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0); /* not ours: EPERM, harmless */
		} else {
			pipe_post(go[1]);
			waitpid(pid, &st, 0);
			r = futex(w, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
			abi_say("pi-owner-exit-nobody", "child %s, lock %s, word %s",
				status_text(st), abi_rc(r), wtext(*w, tid(), pid));
		}
		close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
	}
}

/* A private word of this process names a thread of a child process as its PI owner: when the
 * child exits, the waiter here is made the owner all the same. */
static void foreign_owner(void)
{
	static volatile uint32_t w;
	int go[2], st = 0;
	struct waiter lw;
	pid_t pid;
	long r;

	if (pipe(go))
		return;
	pid = fork();
	if (pid == 0) {
		pipe_take(go[0]);
		_exit(0);
	}
	w = (uint32_t)pid;
	waiter_start(&lw, &w, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, 0, 5000);
	r = word_wait(&w, FUTEX_WAITERS, FUTEX_WAITERS);
	sleep_ms(20);
	pipe_post(go[1]);
	waitpid(pid, &st, 0);
	waiter_end(&lw);
	abi_say("pi-owner-other-process", "child %s, waiters bit %s, waiter %s, its word %s",
		status_text(st), r ? "missing" : "set", lw.rc ? abi_errname(lw.err) : "0",
		wtext(lw.after, lw.tid, pid));
	close(go[0]), close(go[1]);
}

/* A process ends (exit_group) while its threads wait in FUTEX_LOCK_PI and FUTEX_WAIT. */
static void *lock_pi_forever(void *arg)
{
	futex(arg, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void *wait_forever(void *arg)
{
	futex(arg, FUTEX_WAIT | FUTEX_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void waiters_exit_group(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		static volatile uint32_t lock, word;
		pthread_t a, b;

		futex(&lock, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
		pthread_create(&a, NULL, lock_pi_forever, (void *)&lock);
		pthread_create(&b, NULL, wait_forever, (void *)&word);
		word_wait(&lock, FUTEX_WAITERS, FUTEX_WAITERS);
		waiters_on(&word, FUTEX_PRIVATE, 1);
		_exit(5);
	}
	waitpid(pid, &st, 0);
	abi_say("waiters-exit-group", "child %s", status_text(st));
}

void pi_cases(void)
{
	abi_area = "futex";
	contended();
	held("pi-held", M_PI);
	held("pi-errorcheck-held", M_PI | M_ERRORCHECK);
	held("plain-held", 0);
	held("errorcheck-held", M_ERRORCHECK);
	owner_exits();
	foreign_owner();
	waiters_exit_group();
}
