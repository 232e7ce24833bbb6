/* Unit tests for vmk/sched_policy.h: a simulated CPU checks shares, limits and reservations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/compiler.h>
#include <vmk/errno.h>
#include <vmk/sched_policy.h>

#define US   1000ull
#define MS   1000000ull
#define SEC  1000000000ull
#define MAXW 16

/*
 * The simulator plays the kernel's part on one CPU: pick, run for the slice (or until the
 * world's burst ends and it blocks), charge, re-enqueue; with nothing eligible it idles until
 * wake_at or the next sleeper's wake-up. It never preempts on a wake-up, like a kernel that
 * waits for the slice to end.
 */
struct sim_world {
	struct sched_entity se;
	uint64_t burst_ns; /* 0: always runnable; else run this long, then sleep sleep_ns */
	uint64_t sleep_ns;
	uint64_t left;	      /* of the current burst */
	uint64_t wake;	      /* when a sleeping world becomes runnable */
	bool runnable;	      /* queued (between steps) */
	bool sleeping;	      /* blocked with a wake time */
	uint64_t ready_since; /* when it last became runnable */
	uint64_t max_wait;    /* longest runnable-to-running wait */
};

struct sim {
	struct sched_rq rq;
	struct sim_world w[MAXW];
	unsigned n;
	uint64_t now;
	uint64_t idle_ns;
	unsigned runs;	     /* picks that ran something */
	unsigned idles;	     /* picks that returned NULL */
	uint64_t snap[MAXW]; /* runtimes at sim_mark */
	uint64_t snap_now, snap_idle;
};

/* One simulation at a time, in static memory: a failed assertion leaks nothing. */
static struct sim sim_state;

static struct sim *sim_new(uint64_t now)
{
	struct sim *s = &sim_state;

	memset(s, 0, sizeof(*s));
	s->now = now;
	sched_rq_init(&s->rq, now);
	return s;
}

/* Add a world, admitted but not runnable yet. */
static unsigned sim_add(struct sim *s, uint32_t shares, uint32_t resv, uint32_t limit)
{
	struct sim_world *w = &s->w[s->n];

	assert_true(s->n < MAXW);
	sched_entity_init(&w->se, shares, resv, limit);
	assert_int_equal(sched_rq_admit(&s->rq, &w->se), 0);
	return s->n++;
}

static void sim_start(struct sim *s, unsigned i)
{
	struct sim_world *w = &s->w[i];

	w->runnable = true;
	w->sleeping = false;
	w->left = w->burst_ns;
	w->ready_since = s->now;
	sched_rq_enqueue(&s->rq, &w->se, s->now);
}

static void sim_behaviour(struct sim *s, unsigned i, uint64_t burst, uint64_t sleep)
{
	s->w[i].burst_ns = burst;
	s->w[i].sleep_ns = sleep;
	s->w[i].left = burst;
}

/* The queue agrees with the simulator: count and load of the runnable worlds. */
static void sim_check(struct sim *s)
{
	unsigned nr = 0;
	uint64_t load = 0;

	for (unsigned i = 0; i < s->n; i++) {
		if (s->w[i].runnable) {
			nr++;
			load += s->w[i].se.shares;
		}
	}
	assert_int_equal(sched_rq_nr_queued(&s->rq), nr);
	assert_int_equal(sched_rq_load(&s->rq), load);
}

static struct sim_world *sim_world_of(struct sim *s, struct sched_entity *e)
{
	for (unsigned i = 0; i < s->n; i++)
		if (&s->w[i].se == e)
			return &s->w[i];
	fail_msg("pick returned an entity that is not in the simulation");
	return NULL;
}

static void sim_run(struct sim *s, uint64_t dur)
{
	uint64_t end = s->now + dur;

	while (s->now < end) {
		uint64_t slice = 12345, wake_at = 12345, run, next;
		struct sched_entity *e;
		struct sim_world *w;

		for (unsigned i = 0; i < s->n; i++) {
			w = &s->w[i];
			if (w->sleeping && w->wake <= s->now) {
				w->sleeping = false;
				w->runnable = true;
				w->ready_since = w->wake;
				sched_rq_enqueue(&s->rq, &w->se, s->now);
			}
		}
		sim_check(s);
		e = sched_rq_pick(&s->rq, s->now, &slice, &wake_at);
		if (!e) {
			assert_int_equal(slice, 0);
			next = end;
			if (wake_at) {
				assert_true(wake_at > s->now);
				next = MIN(next, wake_at);
			}
			for (unsigned i = 0; i < s->n; i++)
				if (s->w[i].sleeping)
					next = MIN(next, s->w[i].wake);
			assert_true(next > s->now);
			s->idle_ns += next - s->now;
			s->now = next;
			s->idles++;
			continue;
		}
		w = sim_world_of(s, e);
		assert_true(w->runnable);
		assert_int_equal(wake_at, 0);
		assert_true(slice >= 1 && slice <= SCHED_SLICE_NS);
		w->runnable = false;
		w->max_wait = MAX(w->max_wait, s->now - w->ready_since);
		run = slice;
		if (w->burst_ns)
			run = MIN(run, w->left);
		run = MIN(run, end - s->now);
		s->now += run;
		s->runs++;
		sched_rq_charge(&s->rq, e, run, s->now);
		if (w->burst_ns) {
			w->left -= run;
			if (!w->left) {
				w->sleeping = true;
				w->wake = s->now + w->sleep_ns;
				w->left = w->burst_ns;
				continue;
			}
		}
		w->runnable = true;
		w->ready_since = s->now;
		sched_rq_enqueue(&s->rq, e, s->now);
	}
	sim_check(s);
}

/* Start a measurement window (CPU shares and longest waits). */
static void sim_mark(struct sim *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		s->snap[i] = s->w[i].se.runtime_ns;
		s->w[i].max_wait = 0;
	}
	s->snap_now = s->now;
	s->snap_idle = s->idle_ns;
}

/* World i's CPU share since sim_mark, in percent. */
static double sim_pct(struct sim *s, unsigned i)
{
	return 100.0 * (double)(s->w[i].se.runtime_ns - s->snap[i]) /
	       (double)(s->now - s->snap_now);
}

static double sim_idle_pct(struct sim *s)
{
	return 100.0 * (double)(s->idle_ns - s->snap_idle) / (double)(s->now - s->snap_now);
}

#define assert_near(got, want, tol)                                                 \
	do {                                                                        \
		double g_ = (got), w_ = (want), t_ = (tol);                         \
		if (g_ < w_ - t_ || g_ > w_ + t_)                                   \
			fail_msg("%s = %.3f, want %.3f +- %.3f", #got, g_, w_, t_); \
	} while (0)

#define assert_at_least(got, want)                                               \
	do {                                                                     \
		double g_ = (got), w_ = (want);                                  \
		if (g_ < w_)                                                     \
			fail_msg("%s = %.3f, want at least %.3f", #got, g_, w_); \
	} while (0)

#define assert_at_most(got, want)                                               \
	do {                                                                    \
		double g_ = (got), w_ = (want);                                 \
		if (g_ > w_)                                                    \
			fail_msg("%s = %.3f, want at most %.3f", #got, g_, w_); \
	} while (0)

static void test_init_normalises(void **state)
{
	struct sched_entity e;
	struct sched_rq rq;

	(void)state;
	sched_entity_init(&e, 0, 0, 0);
	assert_int_equal(e.shares, SCHED_SHARES_DEFAULT);
	assert_int_equal(e.reservation, 0);
	assert_int_equal(e.limit, 0);
	assert_int_equal(e.runtime_ns, 0);
	sched_entity_init(&e, 5000000, 1500, 2000);
	assert_int_equal(e.shares, SCHED_SHARES_MAX);
	assert_int_equal(e.reservation, 1000);
	assert_int_equal(e.limit, 1000);
	sched_entity_init(&e, 7, 600, 300);
	assert_int_equal(e.shares, 7);
	assert_int_equal(e.reservation, 300);
	assert_int_equal(e.limit, 300);

	/* sched_entity_set normalises the same way, admitted or not. */
	assert_int_equal(sched_entity_set(NULL, &e, 0, 900, 100), 0);
	assert_int_equal(e.shares, SCHED_SHARES_DEFAULT);
	assert_int_equal(e.reservation, 100);
	assert_int_equal(e.limit, 100);
	sched_rq_init(&rq, 0);
	assert_int_equal(sched_rq_admit(&rq, &e), 0);
	assert_int_equal(sched_entity_set(&rq, &e, 3, 2000, 0), 0);
	assert_int_equal(e.shares, 3);
	assert_int_equal(e.reservation, 1000);
	assert_int_equal(rq.resv_sum, 1000);
}

static void test_pick_empty(void **state)
{
	struct sched_rq rq;
	uint64_t slice = 1, wake = 1;

	(void)state;
	sched_rq_init(&rq, 5 * SEC);
	assert_null(sched_rq_pick(&rq, 5 * SEC, &slice, &wake));
	assert_int_equal(slice, 0);
	assert_int_equal(wake, 0);
	assert_null(sched_rq_pick(&rq, 6 * SEC, NULL, NULL));
	assert_int_equal(sched_rq_nr_queued(&rq), 0);
	assert_int_equal(sched_rq_load(&rq), 0);
}

/* CPU-bound worlds with shares 1:2:4 get 1/7, 2/7 and 4/7 of the CPU. */
static void check_shares_124(uint64_t start, bool near_wrap)
{
	struct sim *s = sim_new(start);
	unsigned a, b, c;

	if (near_wrap) /* min_vtime crosses 2^64 after about 0.4 s */
		s->rq.min_vtime = UINT64_MAX - SEC / 2;
	a = sim_add(s, 1000, 0, 0);
	b = sim_add(s, 2000, 0, 0);
	c = sim_add(s, 4000, 0, 0);
	sim_start(s, a);
	sim_start(s, b);
	sim_start(s, c);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, a), 100.0 / 7, 1);
	assert_near(sim_pct(s, b), 200.0 / 7, 1);
	assert_near(sim_pct(s, c), 400.0 / 7, 1);
	assert_int_equal(s->idle_ns, 0);
	assert_int_equal(s->w[a].se.runtime_ns + s->w[b].se.runtime_ns + s->w[c].se.runtime_ns,
			 10 * SEC);
	/* Fair at every scale: over the last 100 ms too, within two slices. */
	sim_mark(s);
	sim_run(s, 100 * MS);
	assert_near(sim_pct(s, c), 400.0 / 7, 20);
	if (near_wrap) {
		assert_true(s->rq.min_vtime < (1ull << 62));
		assert_int_equal(s->rq.vepoch, 1);
	}
}

static void test_shares_124(void **state)
{
	(void)state;
	check_shares_124(0, false);
}

static void test_shares_124_near_wrap(void **state)
{
	(void)state;
	check_shares_124((1ull << 63) - SEC, true);
}

/* Limit 250 alone: 25% of the CPU, idle the rest, in slices rather than flickering. */
static void check_limit_alone(uint64_t start)
{
	struct sim *s = sim_new(start);
	unsigned a = sim_add(s, 1000, 0, 250);

	sim_start(s, a);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, a), 25, 1);
	assert_near(sim_idle_pct(s), 75, 1);
	/* 10 ms on, 30 ms off: about 250 runs and 250 idles in 10 s, not thousands. */
	assert_true(s->runs < 400);
	assert_true(s->idles < 400);
}

static void test_limit_alone(void **state)
{
	(void)state;
	check_limit_alone(0);
}

static void test_limit_alone_near_2_63(void **state)
{
	(void)state;
	check_limit_alone((1ull << 63) - 5 * SEC);
}

/* The exact throttle cycle: a full bucket, a short tail slice, then wake_at. */
static void test_limit_wake_at(void **state)
{
	struct sched_rq rq;
	struct sched_entity e;
	uint64_t now = 1000 * SEC, slice, wake;

	(void)state;
	sched_rq_init(&rq, now);
	sched_entity_init(&e, 1000, 0, 250);
	assert_int_equal(sched_rq_admit(&rq, &e), 0);
	sched_rq_enqueue(&rq, &e, now);
	/* 25 ms of tokens, refilled at 1/4 while running: 10 + 10 + 10 + 3.333 ms. */
	for (int i = 0; i < 3; i++) {
		assert_ptr_equal(sched_rq_pick(&rq, now, &slice, &wake), &e);
		assert_int_equal(slice, 10 * MS);
		assert_int_equal(wake, 0);
		now += slice;
		sched_rq_charge(&rq, &e, slice, now);
		sched_rq_enqueue(&rq, &e, now);
	}
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, &wake), &e);
	assert_int_equal(slice, 3333333);
	now += slice;
	sched_rq_charge(&rq, &e, slice, now);
	sched_rq_enqueue(&rq, &e, now);
	/* Empty: throttled until the bucket pays for a whole slice (7.5 ms at 1/4 = 30 ms). */
	assert_null(sched_rq_pick(&rq, now, &slice, &wake));
	assert_int_equal(slice, 0);
	assert_true(wake >= now + 30 * MS - 2 && wake <= now + 30 * MS);
	assert_int_equal(sched_rq_nr_queued(&rq), 1);
	/* Not a nanosecond early; the answer does not move while waiting. */
	uint64_t w0 = wake;
	assert_null(sched_rq_pick(&rq, w0 - 1, &slice, &wake));
	assert_int_equal(wake, w0);
	assert_ptr_equal(sched_rq_pick(&rq, w0, &slice, &wake), &e);
	assert_int_equal(slice, 10 * MS);
	assert_int_equal(wake, 0);
	assert_int_equal(e.runtime_ns, 33333333);
}

/* A run far past its slice (a late timer) is paid back, but at most one period of debt. */
static void test_limit_overrun(void **state)
{
	struct sched_rq rq;
	struct sched_entity e;
	uint64_t now = 0, slice, wake;

	(void)state;
	sched_rq_init(&rq, now);
	sched_entity_init(&e, 1000, 0, 250);
	assert_int_equal(sched_rq_admit(&rq, &e), 0);
	sched_rq_enqueue(&rq, &e, now);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, &wake), &e);
	now += 25 * MS; /* 25 - 25 * 3/4 = 6.25 ms of tokens left: not throttled */
	sched_rq_charge(&rq, &e, 25 * MS, now);
	sched_rq_enqueue(&rq, &e, now);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, &wake), &e);
	assert_int_equal(slice, 6250 * US * 4 / 3);
	now += 5 * SEC; /* the debt stops at -25 ms */
	sched_rq_charge(&rq, &e, 5 * SEC, now);
	sched_rq_enqueue(&rq, &e, now);
	assert_null(sched_rq_pick(&rq, now, &slice, &wake));
	/* From -25 ms to 7.5 ms at 1/4: 130 ms. */
	assert_true(wake >= now + 130 * MS - 2 && wake <= now + 130 * MS);
	assert_ptr_equal(sched_rq_pick(&rq, wake, &slice, NULL), &e);
}

/* A limit holds against worlds with fewer shares; the CPU does not idle meanwhile. */
static void test_limit_contention(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 4000, 0, 250), b = sim_add(s, 1000, 0, 0);

	(void)state;
	sim_start(s, a);
	sim_start(s, b);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, a), 25, 1);
	assert_near(sim_pct(s, b), 75, 1);
	assert_int_equal(s->idle_ns, 0);
}

/* Reservation 500 with shares 1 against two worlds of 1000 shares: at least half the CPU. */
static void test_reservation(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1, 500, 0), b = sim_add(s, 1000, 0, 0), c = sim_add(s, 1000, 0, 0);

	(void)state;
	sim_start(s, b);
	sim_start(s, c);
	sim_start(s, a);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_at_least(sim_pct(s, a), 50);
	assert_at_most(sim_pct(s, a), 52);
	assert_near(sim_pct(s, b), sim_pct(s, c), 1);
	assert_int_equal(s->idle_ns, 0);
	/* And in every later second, not just on average. */
	for (int i = 0; i < 3; i++) {
		sim_mark(s);
		sim_run(s, SEC);
		assert_near(sim_pct(s, a), 50, 1);
	}
}

/* A reservation is a minimum: shares that entitle to more still get more. */
static void test_reservation_below_shares(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 4000, 200, 0), b = sim_add(s, 1000, 0, 0);

	(void)state;
	sim_start(s, a);
	sim_start(s, b);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, a), 80, 1);
}

/* Several reservations on one CPU are all met under contention. */
static void test_reservations_several(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1, 300, 0), b = sim_add(s, 1, 300, 0), c = sim_add(s, 1, 100, 0);

	(void)state;
	for (int i = 0; i < 4; i++)
		sim_start(s, sim_add(s, 1000, 0, 0));
	sim_start(s, a);
	sim_start(s, b);
	sim_start(s, c);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_at_least(sim_pct(s, a), 30);
	assert_at_least(sim_pct(s, b), 30);
	assert_at_least(sim_pct(s, c), 10);
	assert_int_equal(s->idle_ns, 0);
}

/* Slice of a world picked for its reservation: as long as its credit lasts. */
static void test_reservation_slice(void **state)
{
	struct sched_rq rq;
	struct sched_entity a, b;
	uint64_t now = 0, slice;

	(void)state;
	sched_rq_init(&rq, now);
	sched_entity_init(&a, 1, 500, 0);
	sched_entity_init(&b, 1000, 0, 0);
	assert_int_equal(sched_rq_admit(&rq, &a), 0);
	assert_int_equal(sched_rq_admit(&rq, &b), 0);
	sched_rq_enqueue(&rq, &b, now);
	sched_rq_enqueue(&rq, &a, now);
	/* A full bucket (50 ms at 1/2 refill) lasts 100 ms: ten slices ahead of b. */
	for (int i = 0; i < 10; i++) {
		assert_ptr_equal(sched_rq_pick(&rq, now, &slice, NULL), &a);
		assert_int_equal(slice, 10 * MS);
		now += slice;
		sched_rq_charge(&rq, &a, slice, now);
		sched_rq_enqueue(&rq, &a, now);
	}
	/* Credit spent: b (smaller vtime) runs. It blocks after 4 ms, in which a's credit grew by
	 * 2 ms, enough for 4 ms of running at 1/2 refill. */
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, NULL), &b);
	now += 4 * MS;
	sched_rq_charge(&rq, &b, 4 * MS, now);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, NULL), &a);
	assert_int_equal(slice, 4 * MS);
}

static void test_admission(void **state)
{
	struct sched_rq rq, rq2;
	struct sched_entity a, b, c, d, z;

	(void)state;
	sched_rq_init(&rq, 0);
	sched_rq_init(&rq2, 0);
	sched_entity_init(&a, 0, 600, 0);
	sched_entity_init(&b, 0, 400, 0);
	sched_entity_init(&c, 0, 1, 0);
	sched_entity_init(&d, 0, 300, 0);
	sched_entity_init(&z, 0, 0, 0);
	assert_int_equal(sched_rq_admit(&rq, &a), 0);
	assert_int_equal(sched_rq_admit(&rq, &b), 0);
	assert_int_equal(rq.resv_sum, 1000);
	assert_int_equal(sched_rq_admit(&rq, &c), -EBUSY);
	assert_int_equal(rq.resv_sum, 1000);
	assert_null(c.rq);
	/* No reservation always fits; admitting twice on the same queue counts once. */
	assert_int_equal(sched_rq_admit(&rq, &z), 0);
	assert_int_equal(sched_rq_admit(&rq, &a), 0);
	assert_int_equal(rq.resv_sum, 1000);
	/* Admitted on one queue, it cannot be admitted on another. */
	assert_int_equal(sched_rq_admit(&rq2, &a), -EBUSY);
	assert_int_equal(rq2.resv_sum, 0);

	/* Raising a reservation past the total fails and changes nothing. */
	assert_int_equal(sched_entity_set(&rq, &a, 2000, 601, 900), -EBUSY);
	assert_int_equal(a.shares, SCHED_SHARES_DEFAULT);
	assert_int_equal(a.reservation, 600);
	assert_int_equal(a.limit, 0);
	assert_int_equal(rq.resv_sum, 1000);
	assert_int_equal(sched_entity_set(&rq, &a, 2000, 500, 900), 0);
	assert_int_equal(rq.resv_sum, 900);
	assert_int_equal(sched_rq_admit(&rq, &c), 0);
	assert_int_equal(rq.resv_sum, 901);

	sched_rq_release(&rq, &b);
	assert_int_equal(rq.resv_sum, 501);
	assert_null(b.rq);
	sched_rq_release(&rq, &b); /* not admitted: ignored */
	assert_int_equal(rq.resv_sum, 501);
	assert_int_equal(sched_rq_admit(&rq, &d), 0);
	assert_int_equal(sched_rq_admit(&rq2, &b), 0);
	assert_int_equal(rq.resv_sum, 801);
	assert_int_equal(rq2.resv_sum, 400);
	/* Release of a queued world takes it off the queue too. */
	sched_rq_enqueue(&rq, &d, 0);
	assert_int_equal(sched_rq_nr_queued(&rq), 1);
	sched_rq_release(&rq, &d);
	assert_int_equal(sched_rq_nr_queued(&rq), 0);
	assert_int_equal(sched_rq_load(&rq), 0);
	assert_null(sched_rq_pick(&rq, 0, NULL, NULL));
	assert_int_equal(rq.resv_sum, 501);
}

/* Migration keeps a world's lead over min_vtime and moves its reservation. */
static void test_migration(void **state)
{
	struct sched_rq r1, r2;
	struct sched_entity a, b, x;
	uint64_t now = 0, slice;

	(void)state;
	sched_rq_init(&r1, now);
	sched_rq_init(&r2, now);
	r2.min_vtime = 777 * SEC; /* unrelated timelines */
	sched_entity_init(&a, 1000, 400, 0);
	sched_entity_init(&b, 1000, 0, 0);
	sched_entity_init(&x, 1000, 0, 0);
	assert_int_equal(sched_rq_admit(&r1, &a), 0);
	assert_int_equal(sched_rq_admit(&r1, &b), 0);
	assert_int_equal(sched_rq_admit(&r2, &x), 0);
	sched_rq_enqueue(&r1, &b, now);
	/* a ran 8 ms that b did not: 8 ms ahead of r1's min_vtime. */
	now += 8 * MS;
	sched_rq_charge(&r1, &a, 8 * MS, now);
	assert_int_equal((int64_t)(a.vtime - r1.min_vtime), 8 * MS);
	sched_rq_release(&r1, &a);
	assert_int_equal(r1.resv_sum, 0);
	assert_int_equal(sched_rq_admit(&r2, &a), 0);
	assert_int_equal(r2.resv_sum, 400);
	assert_int_equal(a.vtime, 777 * SEC + 8 * MS);
	/* On r2, x (no lead) goes first unless a's reservation says otherwise: it does. */
	sched_rq_enqueue(&r2, &x, now);
	sched_rq_enqueue(&r2, &a, now);
	assert_ptr_equal(sched_rq_pick(&r2, now, &slice, NULL), &a);
	assert_int_equal(a.runtime_ns, 8 * MS);
}

/* A world that slept 5 s wakes next to the others: it runs soon but does not take over. */
static void test_sleeper_long(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 1000, 0, 0), c = sim_add(s, 1000, 0, 0);

	(void)state;
	sim_start(s, a);
	sim_start(s, b);
	sim_run(s, 5 * SEC);
	assert_int_equal(s->w[c].se.runtime_ns, 0);
	sim_start(s, c);
	sim_run(s, 1); /* the next decision picks it */
	assert_int_equal(s->w[c].se.runtime_ns, 1);
	sim_mark(s);
	sim_run(s, 300 * MS);
	/* A third of 300 ms plus at most the wake bonus and one slice of rounding. */
	assert_at_most(s->w[c].se.runtime_ns, 100 * MS + SCHED_SLICE_NS / 2 + SCHED_SLICE_NS);
	assert_at_least(s->w[c].se.runtime_ns, 90 * MS);
	sim_mark(s);
	sim_run(s, 5 * SEC);
	assert_near(sim_pct(s, a), 100.0 / 3, 1);
	assert_near(sim_pct(s, c), 100.0 / 3, 1);
}

/* An interactive world (2 ms of work every 20 ms) among CPU hogs: never waits past a slice. */
static void test_sleeper_interactive(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 1000, 0, 0), c = sim_add(s, 1000, 0, 0);

	(void)state;
	sim_behaviour(s, c, 2 * MS, 18 * MS);
	sim_start(s, a);
	sim_start(s, b);
	sim_start(s, c);
	sim_run(s, 100 * MS); /* c starts third, behind two full slices */
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_at_most(s->w[c].max_wait, SCHED_SLICE_NS);
	/* Its demand is 2 of every 20-30 ms (it waits for the current slice to end). */
	assert_at_least(sim_pct(s, c), 6.6);
	assert_at_most(sim_pct(s, c), 10);
	assert_at_least(sim_pct(s, a), 45);
	assert_at_least(sim_pct(s, b), 45);
	assert_near(sim_pct(s, a), sim_pct(s, b), 1);
}

/* Changing shares at run time takes effect at once. */
static void test_shares_change(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 1000, 0, 0);

	(void)state;
	sim_start(s, a);
	sim_start(s, b);
	sim_mark(s);
	sim_run(s, 2 * SEC);
	assert_near(sim_pct(s, a), 50, 1);
	/* Both are queued between simulator steps: the load follows. */
	assert_int_equal(sched_entity_set(&s->rq, &s->w[a].se, 3000, 0, 0), 0);
	assert_int_equal(sched_rq_load(&s->rq), 4000);
	sim_mark(s);
	sim_run(s, 4 * SEC);
	assert_near(sim_pct(s, a), 75, 1);
	/* Adding a limit at run time takes effect too. */
	assert_int_equal(sched_entity_set(&s->rq, &s->w[a].se, 3000, 0, 100), 0);
	sim_mark(s);
	sim_run(s, 4 * SEC);
	assert_near(sim_pct(s, a), 10, 1);
	/* And removing it. */
	assert_int_equal(sched_entity_set(&s->rq, &s->w[a].se, 1000, 0, 0), 0);
	sim_mark(s);
	sim_run(s, 4 * SEC);
	assert_near(sim_pct(s, a), 50, 1);
}

/* A world with 1 share runs far ahead in vtime; raising its shares brings it back now. */
static void test_shares_raise_after_lead(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1, 0, 0), b = sim_add(s, 1000, 0, 0);

	(void)state;
	sim_start(s, a);
	sim_start(s, b);
	sim_mark(s);
	sim_run(s, SEC);
	assert_at_most(sim_pct(s, a), 1.5); /* its first slice, then 1/1001 */
	assert_int_equal(sched_entity_set(&s->rq, &s->w[a].se, 1000, 0, 0), 0);
	sim_mark(s);
	sim_run(s, SEC);
	assert_near(sim_pct(s, a), 50, 1.5);
}

/* A vtime left 2^63 or more behind by a very long sleep is still placed behind, not ahead. */
static void test_stale_sleeper(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 1000, 0, 0);
	int64_t bonus = (int64_t)(SCHED_SLICE_NS / 2);

	(void)state;
	sim_start(s, a);
	sim_run(s, SEC);
	/*
	 * Stand-in for months of a 1-share world running alone: min_vtime has moved on by 5 * 2^61
	 * (the queue saw five multiples of 2^61 go by). b's vtime, compared by signed difference
	 * alone, would now look 3 * 2^61 ahead.
	 */
	sched_rq_dequeue(&s->rq, &s->w[a].se);
	s->w[a].runnable = false;
	s->rq.min_vtime += 5ull << 61;
	s->rq.vepoch += 5;
	sim_start(s, b);
	assert_int_equal((int64_t)(s->w[b].se.vtime - s->rq.min_vtime), -bonus);
	sim_start(s, a);
	assert_int_equal((int64_t)(s->w[a].se.vtime - s->rq.min_vtime), -bonus);
	sim_mark(s);
	sim_run(s, SEC);
	assert_near(sim_pct(s, a), 50, 1);
	assert_near(sim_pct(s, b), 50, 1);
}

/* The real thing, faster: min_vtime passes multiples of 2^61 and vepoch counts each one. */
static void test_vepoch_counts(void **state)
{
	struct sched_rq rq;
	struct sched_entity d, c;
	uint64_t now = 0, start, slice;

	(void)state;
	sched_rq_init(&rq, now);
	rq.min_vtime = (1ull << 61) - (1ull << 45);
	start = rq.min_vtime;
	sched_entity_init(&d, 1, 0, 0);
	sched_entity_init(&c, 1, 0, 0);
	assert_int_equal(sched_rq_admit(&rq, &d), 0);
	assert_int_equal(sched_rq_admit(&rq, &c), 0);
	/* d alone, charged 2^40 ns at a time: its lead is clamped at 2^40, min_vtime follows. */
	sched_rq_enqueue(&rq, &d, now);
	for (int i = 0; rq.min_vtime - start < (1ull << 46); i++) {
		assert_true(i < 100); /* 64 steps of 2^40 */
		assert_ptr_equal(sched_rq_pick(&rq, now, &slice, NULL), &d);
		now += 1ull << 40;
		sched_rq_charge(&rq, &d, 1ull << 40, now);
		assert_true((int64_t)(d.vtime - rq.min_vtime) <= (1ll << 40));
		sched_rq_enqueue(&rq, &d, now);
	}
	assert_int_equal(rq.vepoch, 1);
	assert_int_equal(d.runtime_ns, now);
	sched_rq_enqueue(&rq, &c, now);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, NULL), &c);
}

/* Dequeue from every position; the pick order of equal vtimes is FIFO. */
static void test_queue_edges(void **state)
{
	struct sched_rq rq, other;
	struct sched_entity e[4], stranger;
	uint64_t slice;

	(void)state;
	sched_rq_init(&rq, 0);
	sched_rq_init(&other, 0);
	for (int i = 0; i < 4; i++) {
		sched_entity_init(&e[i], 1000u * (i + 1), 0, 0);
		assert_int_equal(sched_rq_admit(&rq, &e[i]), 0);
	}
	sched_entity_init(&stranger, 0, 0, 0);

	/* Only element. */
	sched_rq_enqueue(&rq, &e[0], 0);
	sched_rq_dequeue(&rq, &e[0]);
	assert_int_equal(sched_rq_nr_queued(&rq), 0);
	assert_int_equal(sched_rq_load(&rq), 0);
	assert_null(sched_rq_pick(&rq, 0, NULL, NULL));
	sched_rq_dequeue(&rq, &e[0]); /* not queued: ignored */
	assert_int_equal(sched_rq_nr_queued(&rq), 0);

	/* Head, tail, middle. */
	for (int i = 0; i < 4; i++)
		sched_rq_enqueue(&rq, &e[i], 0);
	sched_rq_enqueue(&rq, &e[2], 0);     /* already queued: ignored */
	sched_rq_enqueue(&rq, &stranger, 0); /* not admitted: ignored */
	sched_rq_dequeue(&other, &e[1]);     /* another queue: ignored */
	assert_int_equal(sched_rq_nr_queued(&rq), 4);
	assert_int_equal(sched_rq_load(&rq), 10000);
	sched_rq_dequeue(&rq, &e[0]);
	sched_rq_dequeue(&rq, &e[3]);
	assert_int_equal(sched_rq_nr_queued(&rq), 2);
	assert_int_equal(sched_rq_load(&rq), 5000);
	sched_rq_enqueue(&rq, &e[0], 0);
	sched_rq_enqueue(&rq, &e[3], 0);
	sched_rq_dequeue(&rq, &e[2]);
	assert_int_equal(sched_rq_load(&rq), 7000);

	/* Equal vtimes: queue order is e1, e0, e3. */
	assert_ptr_equal(sched_rq_pick(&rq, 0, &slice, NULL), &e[1]);
	assert_ptr_equal(sched_rq_pick(&rq, 0, &slice, NULL), &e[0]);
	sched_rq_dequeue(&rq, &e[0]); /* picked, so not queued: ignored */
	assert_int_equal(sched_rq_nr_queued(&rq), 1);
	assert_ptr_equal(sched_rq_pick(&rq, 0, &slice, NULL), &e[3]);
	assert_null(sched_rq_pick(&rq, 0, &slice, NULL));
	assert_int_equal(sched_rq_load(&rq), 0);

	/* Re-enqueue after picks and dequeues: links are clean. */
	for (int i = 3; i >= 0; i--)
		sched_rq_enqueue(&rq, &e[i], 0);
	sched_rq_dequeue(&rq, &e[3]);
	sched_rq_dequeue(&rq, &e[0]);
	assert_ptr_equal(sched_rq_pick(&rq, 0, &slice, NULL), &e[2]);
	assert_ptr_equal(sched_rq_pick(&rq, 0, &slice, NULL), &e[1]);
	assert_null(sched_rq_pick(&rq, 0, &slice, NULL));
	assert_null(rq.head);
	assert_null(rq.tail);
}

/* Smaller vtime wins over queue order; a throttled world is skipped, not lost. */
static void test_pick_order(void **state)
{
	struct sched_rq rq;
	struct sched_entity a, b, l;
	uint64_t now = 0, slice, wake;

	(void)state;
	sched_rq_init(&rq, now);
	sched_entity_init(&a, 1000, 0, 0);
	sched_entity_init(&b, 1000, 0, 0);
	sched_entity_init(&l, 1000, 0, 10);
	assert_int_equal(sched_rq_admit(&rq, &a), 0);
	assert_int_equal(sched_rq_admit(&rq, &b), 0);
	assert_int_equal(sched_rq_admit(&rq, &l), 0);
	now += 3 * MS;
	sched_rq_charge(&rq, &a, 3 * MS, now); /* a is 3 ms ahead */
	sched_rq_enqueue(&rq, &a, now);
	sched_rq_enqueue(&rq, &b, now);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, NULL), &b);
	now += 5 * MS;
	sched_rq_charge(&rq, &b, 5 * MS, now); /* b is 5 ms ahead */
	sched_rq_enqueue(&rq, &b, now);
	/* l: 1 ms of tokens (period 100 ms at 1%), which buys about 1.01 ms of running. */
	sched_rq_enqueue(&rq, &l, now);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, NULL), &l);
	assert_int_equal(slice, 1 * MS * 1000 / 990);
	now += slice;
	sched_rq_charge(&rq, &l, slice, now);
	sched_rq_enqueue(&rq, &l, now);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, &wake), &a);
	assert_int_equal(wake, 0);
	assert_ptr_equal(sched_rq_pick(&rq, now, &slice, &wake), &b);
	/* Only l is left, throttled: it needs a full bucket again, 100 ms. */
	assert_null(sched_rq_pick(&rq, now, &slice, &wake));
	assert_true(wake >= now + 100 * MS - 2 && wake <= now + 100 * MS);
	assert_int_equal(sched_rq_nr_queued(&rq), 1);
	assert_ptr_equal(sched_rq_pick(&rq, wake, &slice, &wake), &l);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

/*
 * Random CPU-bound mixes: every limit and every reservation holds, and the CPU never idles
 * while a world without a limit is runnable.
 */
static void test_random_guarantees(void **state)
{
	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 24; round++) {
		struct sim *s = sim_new(rng_below(1ull << 62));
		unsigned n = 2 + rng_below(7), resv_left = 950;
		bool unlimited = false;
		uint64_t dur = 4 * SEC;

		for (unsigned i = 0; i < n; i++) {
			uint32_t shares = 1 + rng_below(rng_below(2) ? 10000 : 10);
			uint32_t resv = rng_below(3) ? 0 : rng_below(resv_left / 2 + 1);
			uint32_t limit = rng_below(2) ? 0 : resv + rng_below(1000 - resv);

			if (limit == 0 || limit == 1000)
				unlimited = true;
			sched_entity_init(&s->w[i].se, shares, resv, limit);
			resv_left -= s->w[i].se.reservation;
			s->n++;
			assert_int_equal(sched_rq_admit(&s->rq, &s->w[i].se), 0);
			sim_start(s, i);
		}
		sim_mark(s);
		sim_run(s, dur);
		for (unsigned i = 0; i < n; i++) {
			struct sched_entity *e = &s->w[i].se;
			uint64_t got = e->runtime_ns;

			if (e->limit && e->limit < 1000)
				assert_at_most(got, dur / 1000 * e->limit +
							    SCHED_PERIOD_NS / 1000 * e->limit);
			if (e->reservation)
				assert_at_least(got,
						dur / 1000 * e->reservation - 2 * SCHED_SLICE_NS);
		}
		if (unlimited)
			assert_int_equal(s->idle_ns, 0);
	}
}

/*
 * Random API sequences (enqueue, dequeue, pick, charge, set, release, admit, big and odd
 * times) against a model of which worlds are queued: counts, load, reservations, and that pick
 * returns only queued worlds. The sanitizers watch the arithmetic.
 */
static void test_random_ops(void **state)
{
	enum { N = 12 };
	struct sched_rq rq;
	struct sched_entity e[N];
	bool queued[N] = {false}, admitted[N] = {false}, running[N] = {false};
	uint64_t now = UINT64_MAX / 2 - 3600 * SEC;

	(void)state;
	rng_state = 0x1234567887654321ull;
	sched_rq_init(&rq, now);
	for (int i = 0; i < N; i++)
		sched_entity_init(&e[i], (uint32_t)rng_below(3000), (uint32_t)rng_below(150),
				  (uint32_t)rng_below(1200));
	for (int step = 0; step < 200000; step++) {
		int i = (int)rng_below(N);
		uint64_t slice, wake, ran;
		struct sched_entity *p;
		unsigned nr = 0;
		uint64_t load = 0;
		uint32_t resv = 0;

		switch (rng_below(9)) {
		case 0:
			if (!admitted[i]) {
				int rc = sched_rq_admit(&rq, &e[i]);

				admitted[i] = rc == 0;
				assert_true(rc == 0 || rc == -EBUSY);
			}
			break;
		case 1:
			if (admitted[i] && !running[i]) {
				sched_rq_release(&rq, &e[i]);
				admitted[i] = queued[i] = false;
			}
			break;
		case 2:
		case 3:
			if (running[i])
				break;
			sched_rq_enqueue(&rq, &e[i], now);
			queued[i] = admitted[i];
			break;
		case 4:
			sched_rq_dequeue(&rq, &e[i]);
			queued[i] = false;
			break;
		case 5:
		case 6:
			p = sched_rq_pick(&rq, now, &slice, &wake);
			if (p) {
				int k = (int)(p - e);

				assert_true(k >= 0 && k < N && queued[k]);
				assert_true(slice >= 1 && slice <= SCHED_SLICE_NS);
				queued[k] = false;
				running[k] = true;
			} else if (wake) {
				assert_true(wake > now);
			}
			break;
		case 7:
			for (int k = 0; k < N; k++) {
				if (!running[k])
					continue;
				ran = rng_below(8) ? rng_below(2 * SCHED_SLICE_NS) : rng();
				ran = MIN(ran, 1000 * SEC);
				now += ran;
				sched_rq_charge(&rq, &e[k], ran, now);
				running[k] = false;
				if (rng_below(2)) {
					sched_rq_enqueue(&rq, &e[k], now);
					queued[k] = true;
				}
			}
			break;
		case 8: {
			uint32_t sh = (uint32_t)(rng_below(4) ? rng_below(5000) : rng());
			uint32_t r = (uint32_t)rng_below(400), l = (uint32_t)rng_below(1100);
			struct sched_entity before = e[i];
			int rc = sched_entity_set(&rq, &e[i], sh, r, l);

			if (rc) {
				assert_int_equal(rc, -EBUSY);
				assert_true(admitted[i]);
				assert_memory_equal(&before, &e[i], sizeof(before));
			}
			break;
		}
		}
		now += rng_below(3) ? rng_below(SCHED_SLICE_NS) : 0;
		for (int k = 0; k < N; k++) {
			if (queued[k]) {
				nr++;
				load += e[k].shares;
			}
			if (admitted[k])
				resv += e[k].reservation;
			assert_true(e[k].shares >= 1 && e[k].shares <= SCHED_SHARES_MAX);
			assert_true(e[k].reservation <= 1000 && e[k].limit <= 1000);
			assert_true(!e[k].limit || e[k].reservation <= e[k].limit);
		}
		assert_int_equal(sched_rq_nr_queued(&rq), nr);
		assert_int_equal(sched_rq_load(&rq), load);
		assert_int_equal(rq.resv_sum, resv);
		assert_true(resv <= 1000);
	}
}

/* --- Groups ----------------------------------------------------------------------------- */

/* Two members of one group and a world alone, equal shares: the group's two share one half. */
static void test_group_shares(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 1000, 0, 0), c = sim_add(s, 1000, 0, 0);
	struct sched_group g;

	(void)state;
	sched_group_init(&g, 1000, 0, 0);
	sched_entity_join(&s->w[a].se, &g);
	sched_entity_join(&s->w[b].se, &g);
	sim_start(s, a);
	sim_start(s, b);
	sim_start(s, c);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, a), 25, 1);
	assert_near(sim_pct(s, b), 25, 1);
	assert_near(sim_pct(s, c), 50, 1);
	/* Leaving the group: three equals. */
	sched_entity_join(&s->w[b].se, NULL);
	assert_int_equal(g.member_shares, 1000);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, b), 100.0 / 3, 1);
}

/* A group limit covers all its members together, and can be set while they run. */
static void test_group_limit_one_cpu(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 1000, 0, 0);
	struct sched_group g;

	(void)state;
	sched_group_init(&g, 1000, 0, 0);
	sched_entity_join(&s->w[a].se, &g);
	sched_entity_join(&s->w[b].se, &g);
	sim_start(s, a);
	sim_start(s, b);
	sim_run(s, SEC);
	assert_int_equal(s->idle_ns, 0);
	sched_group_set(&g, 1000, 0, 300, s->now);
	sim_run(s, SEC); /* the full bucket drains first */
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, a) + sim_pct(s, b), 30, 1);
	assert_near(sim_pct(s, a), sim_pct(s, b), 1);
	assert_near(sim_idle_pct(s), 70, 1);
}

/* A group reservation holds against bigger shares. */
static void test_group_reservation(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 4000, 0, 0), c = sim_add(s, 4000, 0, 0);
	struct sched_group g;

	(void)state;
	sched_group_init(&g, 10, 500, 0);
	sched_entity_join(&s->w[a].se, &g);
	sim_start(s, a);
	sim_start(s, b);
	sim_start(s, c);
	sim_mark(s);
	sim_run(s, 10 * SEC);
	assert_near(sim_pct(s, a), 50, 2);
}

/*
 * A member running on its group's reservation, well beyond its shares, is far ahead in vtime.
 * When the reservation is cut, or the member leaves the group (a process exits), it goes on
 * at its share at once: its lead is forgiven, not waited out (that took minutes).
 */
static void test_group_reservation_ends(void **state)
{
	for (int leave = 0; leave < 2; leave++) {
		struct sim *s = sim_new(0);
		unsigned a = sim_add(s, 1000, 0, 0), b = sim_add(s, 4000, 0, 0),
			 c = sim_add(s, 4000, 0, 0);
		struct sched_group g;

		(void)state;
		sched_group_init(&g, 1000, 500, 0);
		sched_entity_join(&s->w[a].se, &g);
		sim_start(s, a);
		sim_start(s, b);
		sim_start(s, c);
		sim_run(s, 10 * SEC);
		if (leave)
			sched_entity_join(&s->w[a].se, NULL);
		else
			sched_group_set(&g, 1000, 0, 0, s->now);
		sim_mark(s);
		sim_run(s, 2 * SEC);
		assert_near(sim_pct(s, a), 100.0 / 9, 2);
	}
}

/* The same for an entity's own reservation, lowered from 50% to 0. */
static void test_reservation_cut(void **state)
{
	struct sim *s = sim_new(0);
	unsigned a = sim_add(s, 1000, 500, 0), b = sim_add(s, 4000, 0, 0),
		 c = sim_add(s, 4000, 0, 0);

	(void)state;
	sim_start(s, a);
	sim_start(s, b);
	sim_start(s, c);
	sim_run(s, 10 * SEC);
	assert_int_equal(sched_entity_set(&s->rq, &s->w[a].se, 1000, 0, 0), 0);
	sim_mark(s);
	sim_run(s, 2 * SEC);
	assert_near(sim_pct(s, a), 100.0 / 9, 2);
}

/*
 * Members on two CPUs, both always runnable, group limit 50% of one CPU: together 50%, half
 * each. Each CPU is an event stream (a slice ends: charge, pick again), so runs overlap as
 * they do on real CPUs and both spend the group's bucket at once.
 */
static void test_group_limit_two_cpus(void **state)
{
	struct sched_rq rq[2];
	struct sched_entity e[2], *running[2] = {NULL, NULL};
	struct sched_group g;
	uint64_t t[2] = {SEC, SEC}, start[2] = {0, 0}, end = 12 * SEC, mark = 2 * SEC;
	uint64_t at_mark = 0;
	bool marked = false;

	(void)state;
	sched_group_init(&g, 1000, 0, 500);
	for (int i = 0; i < 2; i++) {
		sched_rq_init(&rq[i], SEC);
		sched_entity_init(&e[i], 1000, 0, 0);
		sched_entity_join(&e[i], &g);
		assert_int_equal(sched_rq_admit(&rq[i], &e[i]), 0);
		sched_rq_enqueue(&rq[i], &e[i], SEC);
	}
	assert_int_equal(g.member_shares, 2000);
	for (;;) {
		int i = t[0] <= t[1] ? 0 : 1;
		uint64_t slice, wake_at, now = t[i];

		if (!marked && now >= mark) {
			at_mark = e[0].runtime_ns + e[1].runtime_ns;
			for (int k = 0; k < 2; k++)
				if (running[k])
					at_mark +=
						mark - start[k]; /* already running past the mark */
			marked = true;
		}
		if (running[i]) {
			sched_rq_charge(&rq[i], running[i], now - start[i], now);
			sched_rq_enqueue(&rq[i], running[i], now);
			running[i] = NULL;
		}
		if (now >= end) {
			t[i] = UINT64_MAX;
			if (t[1 - i] == UINT64_MAX)
				break;
			continue;
		}
		running[i] = sched_rq_pick(&rq[i], now, &slice, &wake_at);
		if (running[i]) {
			assert_ptr_equal(running[i], &e[i]);
			start[i] = now;
			t[i] = MIN(now + slice, end);
		} else {
			assert_true(wake_at > now);
			t[i] = MIN(wake_at, end);
		}
	}
	assert_near(100.0 * (double)(e[0].runtime_ns + e[1].runtime_ns - at_mark) /
			    (double)(end - mark),
		    50, 2);
	assert_near(100.0 * (double)e[0].runtime_ns / (double)(e[0].runtime_ns + e[1].runtime_ns),
		    50, 5);
	sched_group_init(&g, 0, 2000, 100000);
	assert_int_equal(g.shares, SCHED_SHARES_DEFAULT);
	assert_int_equal(g.reservation, 1000);
	assert_int_equal(g.limit, 64000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_normalises),
		cmocka_unit_test(test_pick_empty),
		cmocka_unit_test(test_shares_124),
		cmocka_unit_test(test_shares_124_near_wrap),
		cmocka_unit_test(test_limit_alone),
		cmocka_unit_test(test_limit_alone_near_2_63),
		cmocka_unit_test(test_limit_wake_at),
		cmocka_unit_test(test_limit_overrun),
		cmocka_unit_test(test_limit_contention),
		cmocka_unit_test(test_reservation),
		cmocka_unit_test(test_reservation_below_shares),
		cmocka_unit_test(test_reservations_several),
		cmocka_unit_test(test_reservation_slice),
		cmocka_unit_test(test_admission),
		cmocka_unit_test(test_migration),
		cmocka_unit_test(test_sleeper_long),
		cmocka_unit_test(test_sleeper_interactive),
		cmocka_unit_test(test_shares_change),
		cmocka_unit_test(test_shares_raise_after_lead),
		cmocka_unit_test(test_stale_sleeper),
		cmocka_unit_test(test_vepoch_counts),
		cmocka_unit_test(test_queue_edges),
		cmocka_unit_test(test_pick_order),
		cmocka_unit_test(test_random_guarantees),
		cmocka_unit_test(test_random_ops),
		cmocka_unit_test(test_group_shares),
		cmocka_unit_test(test_group_limit_one_cpu),
		cmocka_unit_test(test_group_reservation),
		cmocka_unit_test(test_group_reservation_ends),
		cmocka_unit_test(test_reservation_cut),
		cmocka_unit_test(test_group_limit_two_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
