/*
 * Self-tests of worlds and the scheduler (selftest=worlds,sched or all): lifecycle with a leak
 * check, blocking primitives under contention, sleeps, and the resource controls measured on
 * CPU-bound worlds sharing one CPU.
 */
#define LOG_TAG "selftest"
#include <vmk/selftest.h>
#include <vmk/world.h>
#include <vmk/heap.h>
#include <vmk/mm.h>
#include <vmk/smp.h>
#include <vmk/time.h>
#include <arch/cpu.h>
#include "../kern/selftest_priv.h"

static void exit_with(void *arg)
{
	world_exit((int)(uintptr_t)arg);
}

bool selftest_world_lifecycle(void)
{
	struct frame_stats fb, fa;
	struct heap_stats hb, ha;
	unsigned bad = 0, rounds = 200, create_failed = 0, wrong_code = 0;
	int last_rc = 0, last_code = 0;

	/* Warm-up (page tables for new stack slots stay, see selftest.c), then the baseline. */
	struct world *warm[8];

	for (unsigned i = 0; i < 8; i++)
		if (world_create("warm", exit_with, NULL, NULL, &warm[i]))
			warm[i] = NULL;
	for (unsigned i = 0; i < 8; i++)
		if (warm[i])
			world_join(warm[i]);
	kmem_trim();
	frame_get_stats(&fb);
	kmem_get_stats(&hb);
	for (unsigned r = 0; r < rounds; r++) {
		struct world *w[8];

		for (unsigned i = 0; i < 8; i++) {
			int rc = world_create("t", exit_with, (void *)(uintptr_t)(r * 8 + i), NULL,
					      &w[i]);

			if (rc)
				w[i] = NULL, bad++, create_failed++, last_rc = rc;
		}
		for (unsigned i = 0; i < 8; i++) {
			int code = w[i] ? world_join(w[i]) : 0;

			if (w[i] && code != (int)(r * 8 + i))
				bad++, wrong_code++, last_code = code;
		}
	}
	kmem_trim();
	frame_get_stats(&fa);
	kmem_get_stats(&ha);
	return selftest_report(
		!bad && fa.free == fb.free && ha.objects_in_use == hb.objects_in_use,
		"world-lifecycle",
		"%u worlds created, run on %u CPUs and joined, %u errors (%u creations failed, "
		"last %d; %u wrong exit codes, last %d); free frames %lu -> %lu, heap objects "
		"%lu -> %lu",
		rounds * 8, ncpus_online, bad, create_failed, last_rc, wrong_code, last_code,
		fb.free, fa.free, hb.objects_in_use, ha.objects_in_use);
}

/* --- mutex, semaphore, condition variable --- */

#define SYNC_WORKERS 4
#define SYNC_ROUNDS  500
#define RING	     4

static struct {
	struct mutex m;
	struct condvar not_empty, not_full;
	struct semaphore done;
	volatile uint64_t counter;
	int ring[RING];
	unsigned head, tail, count;
	uint64_t sum;
} sy;

static void sync_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < SYNC_ROUNDS; i++) {
		mutex_lock(&sy.m);
		uint64_t v = sy.counter;

		if (i % 16 == 0)
			world_yield(); /* let others contend while we hold it */
		sy.counter = v + 1;
		mutex_unlock(&sy.m);
	}
	sem_up(&sy.done);
}

static void producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= SYNC_ROUNDS; i++) {
		mutex_lock(&sy.m);
		while (sy.count == RING)
			cond_wait(&sy.not_full, &sy.m);
		sy.ring[sy.head++ % RING] = i;
		sy.count++;
		cond_signal(&sy.not_empty);
		mutex_unlock(&sy.m);
	}
}

static void consumer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= SYNC_ROUNDS; i++) {
		mutex_lock(&sy.m);
		while (sy.count == 0)
			cond_wait(&sy.not_empty, &sy.m);
		sy.sum += sy.ring[sy.tail++ % RING];
		sy.count--;
		cond_signal(&sy.not_full);
		mutex_unlock(&sy.m);
	}
}

bool selftest_world_sync(void)
{
	struct world *w[SYNC_WORKERS + 2];
	uint64_t want = (uint64_t)SYNC_ROUNDS * (SYNC_ROUNDS + 1) / 2;
	bool ok = true;

	mutex_init(&sy.m);
	cond_init(&sy.not_empty);
	cond_init(&sy.not_full);
	sem_init(&sy.done, 0);
	for (int i = 0; i < SYNC_WORKERS; i++)
		ok = ok && !world_create("mutex", sync_worker, NULL, NULL, &w[i]);
	for (int i = 0; i < SYNC_WORKERS && ok; i++)
		sem_down(&sy.done);
	ok = ok && sy.counter == (uint64_t)SYNC_WORKERS * SYNC_ROUNDS;
	for (int i = 0; i < SYNC_WORKERS; i++)
		world_join(w[i]);
	ok = ok && !world_create("producer", producer, NULL, NULL, &w[SYNC_WORKERS]);
	ok = ok && !world_create("consumer", consumer, NULL, NULL, &w[SYNC_WORKERS + 1]);
	world_join(w[SYNC_WORKERS]);
	world_join(w[SYNC_WORKERS + 1]);
	ok = ok && sy.sum == want && sy.count == 0;
	return selftest_report(ok, "world-sync",
			       "mutex counter %lu of %d, semaphore, condvar ring sum %lu of %lu",
			       sy.counter, SYNC_WORKERS * SYNC_ROUNDS, sy.sum, want);
}

bool selftest_world_sleep(void)
{
	const uint64_t want = 200000000;
	uint64_t t0 = time_ns(), dt, late;

	world_sleep_ns(want);
	dt = time_ns() - t0;
	/* Never early.  Late by what the host allows: an emulator on a busy host runs this CPU
	 * late now and then, so only a sleep twice as long (a lost or misscheduled wakeup) fails.
	 */
	late = dt > want ? dt - want : 0;
	return selftest_report(dt >= want && late < want, "world-sleep",
			       "200 ms sleep took %lu us (%lu us late)", dt / 1000, late / 1000);
}

/* --- resource controls: CPU-bound worlds pinned to one CPU --- */

static volatile bool spin_stop;

static void spinner(void *arg)
{
	(void)arg;
	while (!spin_stop)
		cpu_relax();
}

/* Run n spinners with the given controls on the last CPU for `ms`; their CPU times in ns. */
static void run_spinners(unsigned n, const struct world_attr *attr, unsigned ms, uint64_t *ns)
{
	struct world *w[4];
	uint64_t start[4];

	spin_stop = false;
	for (unsigned i = 0; i < n; i++) {
		struct world_attr a = attr[i];

		a.affinity = 1ull << (ncpus_online - 1);
		if (world_create("spin", spinner, NULL, &a, &w[i]))
			w[i] = NULL;
		start[i] = w[i] ? w[i]->se.runtime_ns : 0;
	}
	world_sleep_ns((uint64_t)ms * 1000000);
	for (unsigned i = 0; i < n; i++)
		ns[i] = w[i] ? w[i]->se.runtime_ns - start[i] : 0;
	spin_stop = true;
	for (unsigned i = 0; i < n; i++)
		if (w[i])
			world_join(w[i]);
}

/* Percent of `total` with one decimal, as tenths. */
static unsigned tenths(uint64_t part, uint64_t total)
{
	return total ? (unsigned)(part * 1000 / total) : 0;
}

bool selftest_sched_shares(void)
{
	const struct world_attr a[3] = {{.shares = 1000}, {.shares = 2000}, {.shares = 4000}};
	uint64_t ns[3], total;
	unsigned p[3], want[3] = {143, 286, 571};
	bool ok = true;

	run_spinners(3, a, 3000, ns);
	total = ns[0] + ns[1] + ns[2];
	for (int i = 0; i < 3; i++) {
		p[i] = tenths(ns[i], total);
		ok = ok && p[i] + 50 >= want[i] && p[i] <= want[i] + 50;
	}
	return selftest_report(ok, "sched-shares",
			       "shares 1:2:4 on one CPU got %u.%u%% %u.%u%% %u.%u%% "
			       "(want 14.3 28.6 57.1 +-5)",
			       p[0] / 10, p[0] % 10, p[1] / 10, p[1] % 10, p[2] / 10, p[2] % 10);
}

bool selftest_sched_limit(void)
{
	const struct world_attr a[1] = {{.limit = 250}};
	uint64_t ns[1];
	unsigned p;

	run_spinners(1, a, 2000, ns);
	p = tenths(ns[0], 2000000000ull);
	return selftest_report(p >= 200 && p <= 300, "sched-limit",
			       "a world limited to 25%% alone on a CPU got %u.%u%%", p / 10,
			       p % 10);
}

bool selftest_sched_reservation(void)
{
	const struct world_attr a[3] = {
		{.shares = 100, .reservation = 500}, {.shares = 4000}, {.shares = 4000}};
	uint64_t ns[3];
	unsigned p;

	run_spinners(3, a, 2000, ns);
	p = tenths(ns[0], ns[0] + ns[1] + ns[2]);
	return selftest_report(p >= 450, "sched-reservation",
			       "a 50%% reservation with 1/81 of the shares got %u.%u%% under "
			       "contention",
			       p / 10, p % 10);
}
