/*
 * abi-futex raw cases: futex(2) called directly with good and bad arguments: alignment, bad
 * and read-only memory, timeouts and clocks, bitsets, wake counts, requeue, FUTEX_WAKE_OP,
 * and the PI operations on a word (ownership, EDEADLK, EPERM, ESRCH, hand-off, a signal
 * during FUTEX_LOCK_PI).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "abi.h"
#include "futex_test.h"

#define P     FUTEX_PRIVATE
#define KADDR ((volatile uint32_t *)0xffffffff81000000ul)

static volatile uint32_t words[64] __attribute__((aligned(64)));
/* noaccess: a PROT_NONE page (reserved, so no later mmap lands there); ro: read-only. */
static volatile uint32_t *noaccess, *ro;

static void bad_input(void)
{
	volatile uint32_t *w = &words[0];
	volatile uint32_t *mis = (volatile uint32_t *)((char *)&words[1] + 1);
	struct timespec t10 = {0, 10000000}, bad = {0, 1000000000}, neg = {-1, 0}, zero = {0, 0};
	struct timespec abs;

	*w = 0;
	abi_say("wait-misaligned", "%s", abi_rc(futex(mis, FUTEX_WAIT | P, 0, &t10, NULL, 0)));
	abi_say("wait-misaligned-shared", "%s", abi_rc(futex(mis, FUTEX_WAIT, 0, &t10, NULL, 0)));
	abi_say("wake-misaligned", "%s", abi_rc(futex(mis, FUTEX_WAKE | P, 1, NULL, NULL, 0)));
	abi_say("wait-noaccess", "%s", abi_rc(futex(noaccess, FUTEX_WAIT | P, 0, &t10, NULL, 0)));
	abi_say("wait-noaccess-shared", "%s",
		abi_rc(futex(noaccess, FUTEX_WAIT, 0, &t10, NULL, 0)));
	abi_say("wait-kernel", "%s", abi_rc(futex(KADDR, FUTEX_WAIT | P, 0, &t10, NULL, 0)));
	abi_say("wake-noaccess", "%s", abi_rc(futex(noaccess, FUTEX_WAKE | P, 1, NULL, NULL, 0)));
	abi_say("wake-noaccess-shared", "%s",
		abi_rc(futex(noaccess, FUTEX_WAKE, 1, NULL, NULL, 0)));
	abi_say("wake-kernel", "%s", abi_rc(futex(KADDR, FUTEX_WAKE | P, 1, NULL, NULL, 0)));
	abi_say("wake-none", "%s", abi_rc(futex(w, FUTEX_WAKE | P, 1, NULL, NULL, 0)));
	abi_say("wake-none-shared", "%s", abi_rc(futex(w, FUTEX_WAKE, 1, NULL, NULL, 0)));
	abi_say("wait-value", "%s", abi_rc(futex(w, FUTEX_WAIT | P, 1, &t10, NULL, 0)));
	abi_say("wait-timeout", "%s", abi_rc(futex(w, FUTEX_WAIT | P, 0, &t10, NULL, 0)));
	abi_say("wait-timeout-shared", "%s", abi_rc(futex(w, FUTEX_WAIT, 0, &t10, NULL, 0)));
	abi_say("wait-readonly-shared", "%s", abi_rc(futex(ro, FUTEX_WAIT, 0, &t10, NULL, 0)));
	abi_say("wait-bad-timespec", "%s", abi_rc(futex(w, FUTEX_WAIT | P, 0, &bad, NULL, 0)));
	abi_say("wait-negative-timespec", "%s", abi_rc(futex(w, FUTEX_WAIT | P, 0, &neg, NULL, 0)));
	abi_say("wait-timespec-noaccess", "%s",
		abi_rc(futex(w, FUTEX_WAIT | P, 0, (void *)noaccess, NULL, 0)));
	abi_say("wait-zero-timeout", "%s", abi_rc(futex(w, FUTEX_WAIT | P, 0, &zero, NULL, 0)));
	abi_say("wait-realtime", "%s",
		abi_rc(futex(w, FUTEX_WAIT | P | FUTEX_CLOCK_REALTIME, 0, &t10, NULL, 0)));
	abi_say("wake-realtime", "%s",
		abi_rc(futex(w, FUTEX_WAKE | P | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0)));
	abi_say("wait-bitset-zero", "%s",
		abi_rc(futex(w, FUTEX_WAIT_BITSET | P, 0, &t10, NULL, 0)));
	abi_say("wake-bitset-zero", "%s",
		abi_rc(futex(w, FUTEX_WAKE_BITSET | P, 1, NULL, NULL, 0)));
	abs = in_ms(CLOCK_MONOTONIC, 20);
	abi_say("wait-bitset-absolute", "%s",
		abi_rc(futex(w, FUTEX_WAIT_BITSET | P, 0, &abs, NULL, ~0u)));
	abs = in_ms(CLOCK_REALTIME, 20);
	abi_say("wait-bitset-realtime", "%s",
		abi_rc(futex(w, FUTEX_WAIT_BITSET | P | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, ~0u)));
	abi_say("wait-bitset-past", "%s",
		abi_rc(futex(w, FUTEX_WAIT_BITSET | P, 0, &zero, NULL, ~0u)));
	abi_say("op-fd", "%s", abi_rc(futex(w, FUTEX_FD, 0, NULL, NULL, 0)));
	abi_say("op-14", "%s", abi_rc(futex(w, 14 | P, 0, NULL, NULL, 0)));
	abi_say("op-99", "%s", abi_rc(futex(w, 99, 0, NULL, NULL, 0)));
	abi_say("requeue-negative", "%s",
		abi_rc(futex_n(w, FUTEX_REQUEUE | P, 1, -1, &words[16], 0)));
	abi_say("cmp-requeue-negative-wake", "%s",
		abi_rc(futex_n(w, FUTEX_CMP_REQUEUE | P, (uint32_t)-1, 1, &words[16], 0)));
	abi_say("cmp-requeue-noaccess", "%s",
		abi_rc(futex_n(noaccess, FUTEX_CMP_REQUEUE | P, 1, 1, &words[16], 0)));
	abi_say("cmp-requeue-misaligned-target", "%s",
		abi_rc(futex_n(w, FUTEX_CMP_REQUEUE | P, 1, 1, mis, 0)));
}

/* Waiters, and what wakes them: bitsets, a wake of 0, requeue, FUTEX_WAKE_OP. */
static void wakeups(void)
{
	volatile uint32_t *a = &words[2], *b = &words[18];
	struct waiter w[3];
	long q, r1, r2, r3, r4, r5, r6;
	int ok;

	*a = 0;
	waiter_start(&w[0], a, FUTEX_WAIT_BITSET | P, 0, 0x1, 5000);
	q = waiters_on(a, P, 1);
	r1 = futex(a, FUTEX_WAKE_BITSET | P, INT_MAX, NULL, NULL, 0x2);
	r2 = futex(a, FUTEX_WAKE_BITSET | P, INT_MAX, NULL, NULL, 0x3);
	abi_say("bitset", "queued %ld, wake 0x2 %s, wake 0x3 %s, waiter %s", q, abi_rc(r1),
		abi_rc(r2), waiter_end(&w[0]));

	waiter_start(&w[0], a, FUTEX_WAIT | P, 0, 0, 5000);
	q = waiters_on(a, P, 1);
	r1 = futex(a, FUTEX_WAKE | P, 0, NULL, NULL, 0);
	r2 = futex(a, FUTEX_WAKE | P, 1, NULL, NULL, 0);
	abi_say("wake-zero", "queued %ld, wake 0 %s, then wake 1 %s, waiter %s", q, abi_rc(r1),
		abi_rc(r2), waiter_end(&w[0]));

	*b = 0;
	for (int i = 0; i < 3; i++)
		waiter_start(&w[i], a, FUTEX_WAIT | P, 0, 0, 5000);
	q = waiters_on(a, P, 3);
	r1 = futex_n(a, FUTEX_CMP_REQUEUE | P, 1, 1, b, 1);
	r2 = futex_n(a, FUTEX_CMP_REQUEUE | P, 1, 1, b, 0);
	r3 = waiters_on(a, P, 1);
	r4 = waiters_on(b, P, 1);
	r5 = futex(b, FUTEX_WAKE | P, INT_MAX, NULL, NULL, 0);
	r6 = futex(a, FUTEX_WAKE | P, INT_MAX, NULL, NULL, 0);
	ok = 0;
	for (int i = 0; i < 3; i++)
		ok += !strcmp(waiter_end(&w[i]), "0");
	abi_say("cmp-requeue",
		"queued %ld, wrong value %s, requeue %s, left %ld, moved %ld, wake moved %s, wake "
		"left %s, woken %d",
		q, abi_rc(r1), abi_rc(r2), r3, r4, abi_rc(r5), abi_rc(r6), ok);

	for (int i = 0; i < 2; i++)
		waiter_start(&w[i], a, FUTEX_WAIT, 0, 0, 5000);
	q = waiters_on(a, 0, 2);
	r1 = futex_n(a, FUTEX_REQUEUE, 0, 2, b, 0);
	r2 = waiters_on(b, 0, 2);
	r3 = futex(b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	ok = !strcmp(waiter_end(&w[0]), "0") + !strcmp(waiter_end(&w[1]), "0");
	abi_say("requeue-shared", "queued %ld, requeue %s, moved %ld, wake %s, woken %d", q,
		abi_rc(r1), r2, abi_rc(r3), ok);

	*b = 5;
	waiter_start(&w[0], a, FUTEX_WAIT | P, 0, 0, 5000);
	waiter_start(&w[1], b, FUTEX_WAIT | P, 5, 0, 5000);
	q = waiters_on(a, P, 1) + waiters_on(b, P, 1);
	r1 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(1, 1, 0, 5)); /* ADD 1, if == 5 */
	abi_say("wake-op", "queued %ld, wake %s, b %u, waiters %s %s", q, abi_rc(r1), *b,
		waiter_end(&w[0]), waiter_end(&w[1]));
	waiter_start(&w[0], a, FUTEX_WAIT | P, 0, 0, 5000);
	q = waiters_on(a, P, 1);
	r1 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(0, 7, 0, 100)); /* SET 7, == 100 */
	abi_say("wake-op-false", "queued %ld, wake %s, b %u, waiter %s", q, abi_rc(r1), *b,
		waiter_end(&w[0]));
	*b = 1;
	r1 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(FUTEX_OP_OPARG_SHIFT | 2, 4, 1, 0));
	abi_say("wake-op-or-shift", "%s, b %u", abi_rc(r1), *b);
	*b = 0xff;
	r1 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(3, 0x0f, 0, 0)); /* ANDN */
	r2 = *b;
	r3 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(4, 0xff, 0, 0)); /* XOR */
	abi_say("wake-op-andn-xor", "%s, b %#lx, %s, b %#x", abi_rc(r1), r2, abi_rc(r3), *b);
	*b = 10;
	r1 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(1, -1, 2, -1)); /* ADD -1, < -1 */
	abi_say("wake-op-negative", "%s, b %u", abi_rc(r1), *b);
	r1 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(5, 1, 0, 0));
	abi_say("wake-op-bad-op", "%s, b %u", abi_rc(r1), *b);
	r1 = futex_n(a, FUTEX_WAKE_OP | P, 1, 1, b, FUTEX_OP(1, 1, 6, 0));
	abi_say("wake-op-bad-cmp", "%s, b %u", abi_rc(r1), *b);
	abi_say("wake-op-noaccess", "%s",
		abi_rc(futex_n(a, FUTEX_WAKE_OP | P, 1, 1, noaccess, FUTEX_OP(1, 1, 0, 0))));
	abi_say("wake-op-readonly", "%s",
		abi_rc(futex_n(a, FUTEX_WAKE_OP | P, 1, 1, ro, FUTEX_OP(1, 1, 0, 0))));
	abi_say("wake-op-misaligned", "%s",
		abi_rc(futex_n(a, FUTEX_WAKE_OP | P, 1, 1, (volatile uint32_t *)((char *)b + 2),
			       FUTEX_OP(1, 1, 0, 0))));
}

/* A thread that only exists to be named as an owner in a word. */
static sem_t idle_go;
static volatile int idle_tid;
static void *idle_main(void *arg)
{
	(void)arg;
	idle_tid = tid();
	sem_wait(&idle_go);
	return NULL;
}

static void pi_word(void)
{
	volatile uint32_t *w = &words[4];
	volatile uint32_t *mis = (volatile uint32_t *)((char *)&words[5] + 1);
	int me = tid(), other;
	struct timespec bad = {0, 1000000000}, zero = {0, 0}, at;
	long r1, r2, r3;
	pthread_t t;

	*w = 0;
	r1 = futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-lock-free", "%s, word %s", abi_rc(r1), wtext(*w, me, 0));
	abi_say("pi-relock", "%s", abi_rc(futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0)));
	abi_say("pi-trylock-own", "%s", abi_rc(futex(w, FUTEX_TRYLOCK_PI | P, 0, NULL, NULL, 0)));
	r1 = futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-unlock", "%s, word %s", abi_rc(r1), wtext(*w, me, 0));
	abi_say("pi-unlock-free", "%s", abi_rc(futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0)));
	r1 = futex(w, FUTEX_TRYLOCK_PI | P, 0, NULL, NULL, 0);
	r2 = *w;
	r3 = futex(w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	abi_say("pi-trylock-free", "%s, word %s, unlock shared %s", abi_rc(r1),
		wtext((uint32_t)r2, me, 0), abi_rc(r3));
	*w = FUTEX_OWNER_DIED;
	r1 = futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0);
	r2 = *w;
	r3 = futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-lock-owner-died", "%s, word %s, unlock %s, word %s", abi_rc(r1),
		wtext((uint32_t)r2, me, 0), abi_rc(r3), wtext(*w, me, 0));
	*w = FUTEX_WAITERS;
	r1 = futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0);
	r2 = *w;
	futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-lock-stale-waiters", "%s, word %s", abi_rc(r1), wtext((uint32_t)r2, me, 0));
	*w = me | FUTEX_OWNER_DIED;
	abi_say("pi-lock-own-died", "%s", abi_rc(futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0)));
	*w = NO_SUCH_TID;
	r1 = futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-lock-no-owner", "%s, word %s", abi_rc(r1), wtext(*w, me, 0));
	*w = NO_SUCH_TID;
	r1 = futex(w, FUTEX_TRYLOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-trylock-no-owner", "%s, word %s", abi_rc(r1), wtext(*w, me, 0));
	abi_say("pi-unlock-no-owner", "%s",
		abi_rc(futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0)));
	*w = 0;
	abi_say("pi-lock-misaligned", "%s",
		abi_rc(futex(mis, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0)));
	abi_say("pi-trylock-misaligned", "%s",
		abi_rc(futex(mis, FUTEX_TRYLOCK_PI | P, 0, NULL, NULL, 0)));
	abi_say("pi-lock-noaccess", "%s",
		abi_rc(futex(noaccess, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0)));
	abi_say("pi-unlock-noaccess", "%s",
		abi_rc(futex(noaccess, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0)));
	abi_say("pi-lock-kernel", "%s", abi_rc(futex(KADDR, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0)));
	abi_say("pi-lock-readonly", "%s", abi_rc(futex(ro, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0)));
	abi_say("pi-lock-readonly-shared", "%s",
		abi_rc(futex(ro, FUTEX_LOCK_PI, 0, NULL, NULL, 0)));
	abi_say("pi-lock-realtime-flag", "%s",
		abi_rc(futex(w, FUTEX_LOCK_PI | P | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0)));
	abi_say("pi-lock-bad-timespec", "%s",
		abi_rc(futex(w, FUTEX_LOCK_PI | P, 0, &bad, NULL, 0)));
	r1 = futex(w, FUTEX_LOCK_PI2 | P, 0, NULL, NULL, 0);
	r2 = *w;
	r3 = futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-lock2-free", "%s, word %s, unlock %s", abi_rc(r1), wtext((uint32_t)r2, me, 0),
		abi_rc(r3));

	/* Words naming another live thread as their owner. */
	sem_init(&idle_go, 0, 0);
	pthread_create(&t, NULL, idle_main, NULL);
	while (!idle_tid)
		sleep_ms(1);
	other = idle_tid;
	*w = other;
	r1 = futex(w, FUTEX_TRYLOCK_PI | P, 0, NULL, NULL, 0);
	abi_say("pi-trylock-owned", "%s, word %s", abi_rc(r1), wtext(*w, me, other));
	abi_say("pi-unlock-owned", "%s", abi_rc(futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0)));
	*w = other;
	at = in_ms(CLOCK_REALTIME, 50);
	r1 = futex(w, FUTEX_LOCK_PI | P, 0, &at, NULL, 0);
	abi_say("pi-lock-timeout", "%s, word %s", abi_rc(r1), wtext(*w, me, other));
	at = in_ms(CLOCK_MONOTONIC, 50);
	abi_say("pi-lock2-timeout", "%s", abi_rc(futex(w, FUTEX_LOCK_PI2 | P, 0, &at, NULL, 0)));
	at = in_ms(CLOCK_REALTIME, 50);
	abi_say("pi-lock2-realtime-timeout", "%s",
		abi_rc(futex(w, FUTEX_LOCK_PI2 | P | FUTEX_CLOCK_REALTIME, 0, &at, NULL, 0)));
	abi_say("pi-lock-past", "%s", abi_rc(futex(w, FUTEX_LOCK_PI | P, 0, &zero, NULL, 0)));
	sem_post(&idle_go);
	pthread_join(t, NULL);
	/* The owner has gone now: nobody hands the word over. */
	*w = other;
	abi_say("pi-lock-owner-gone", "%s", abi_rc(futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0)));
}

/* Ownership handed over by FUTEX_UNLOCK_PI, and what other ops say about a PI futex. */
static void pi_handoff(void)
{
	volatile uint32_t *w = &words[6], *x = &words[22];
	struct waiter lw, pw;
	int me = tid();
	long r1, r2, r3, r4;
	uint32_t v;

	*w = 0;
	futex(w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0);
	waiter_start(&lw, w, FUTEX_LOCK_PI | P, 0, 0, 5000);
	r1 = word_wait(w, FUTEX_WAITERS, FUTEX_WAITERS);
	sleep_ms(20);
	r2 = futex(w, FUTEX_WAKE | P, 1, NULL, NULL, 0);
	r3 = futex_n(w, FUTEX_CMP_REQUEUE | P, 1, 1, x, *w);
	r4 = futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	v = *w;
	waiter_end(&lw);
	abi_say("pi-handoff",
		"waiters bit %s, wake %s, requeue %s, unlock %s, word %s, waiter %s with word %s",
		r1 ? "missing" : "set", abi_rc(r2), abi_rc(r3), abi_rc(r4), wtext(v, me, lw.tid),
		lw.rc ? abi_errname(lw.err) : "0", wtext(lw.after, lw.tid, me));
	*w = 0; /* its owner has exited without unlocking: start afresh */

	/* UNLOCK_PI with a plain FUTEX_WAIT waiter on the word. */
	*w = (uint32_t)me;
	waiter_start(&pw, w, FUTEX_WAIT | P, (uint32_t)me, 0, 5000);
	r1 = waiters_on(w, P, 1);
	r2 = futex(w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	r3 = futex(w, FUTEX_WAKE | P, 1, NULL, NULL, 0);
	abi_say("pi-unlock-plain-waiter", "queued %ld, unlock %s, wake %s, waiter %s", r1,
		abi_rc(r2), abi_rc(r3), waiter_end(&pw));
	*w = 0;
}

/* A handled signal while FUTEX_LOCK_PI waits: the call goes on after the handler. */
static volatile int handled;
static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

struct restart {
	volatile uint32_t *w;
	pthread_t waiter;
	sem_t locked;
};

static void *restart_holder(void *arg)
{
	struct restart *r = arg;

	futex(r->w, FUTEX_LOCK_PI | P, 0, NULL, NULL, 0);
	sem_post(&r->locked);
	word_wait(r->w, FUTEX_WAITERS, FUTEX_WAITERS);
	sleep_ms(20);
	pthread_kill(r->waiter, SIGUSR1);
	for (int i = 0; i < 500 && !handled; i++)
		sleep_ms(10);
	sleep_ms(50);
	futex(r->w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	return NULL;
}

static void pi_signal(void)
{
	struct sigaction sa = {.sa_handler = on_usr1}, old;
	struct restart r = {.w = &words[8]};
	struct timespec at;
	pthread_t h;
	long rc;
	uint32_t v;

	*r.w = 0;
	sigaction(SIGUSR1, &sa, &old); /* no SA_RESTART */
	r.waiter = pthread_self();
	sem_init(&r.locked, 0, 0);
	pthread_create(&h, NULL, restart_holder, &r);
	sem_wait(&r.locked);
	at = in_ms(CLOCK_REALTIME, 5000);
	rc = futex(r.w, FUTEX_LOCK_PI | P, 0, &at, NULL, 0);
	v = *r.w;
	pthread_join(h, NULL);
	abi_say("pi-lock-signal", "%s, handler ran %d, owner %s", abi_rc(rc), handled,
		(v & FUTEX_TID_MASK) == (uint32_t)tid() ? "self" : "not self");
	futex(r.w, FUTEX_UNLOCK_PI | P, 0, NULL, NULL, 0);
	sigaction(SIGUSR1, &old, NULL);
}

void raw_cases(void)
{
	abi_area = "futex";
	noaccess = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bad_input();
	wakeups();
	pi_word();
	pi_handoff();
	pi_signal();
}
