/* CPU scheduler policy for worlds: shares, reservation and limit on one run queue, no locking. */
#ifndef VMK_SCHED_POLICY_H
#define VMK_SCHED_POLICY_H

#include <stdint.h>

/*
 * Overview. This is the policy half of the world scheduler: which queued entity runs next on
 * one CPU and for how long. The mechanism (context switch, per-CPU run queues and their locks,
 * timer preemption, balancing) lives elsewhere and calls these functions with the run queue's
 * lock held. Nothing here locks, sleeps, allocates or reads a clock: times are nanoseconds on
 * one monotonic clock (the same on every CPU), passed in by the caller.
 *
 * Controls per entity (ESXi's): shares, a proportional weight >= 1; reservation, a guaranteed
 * minimum, and limit, a maximum, both in per-mille of one CPU (limit 0 = none).
 *
 * Shares: weighted fair queueing with virtual time. Running d ns advances an entity's vtime by
 * d * SCHED_WEIGHT_UNIT / shares; among eligible entities the smallest vtime runs (ties: the
 * one queued first). The queue's min_vtime follows the smallest vtime among eligible queued
 * entities at each pick and never goes back. An entity that becomes runnable is placed at
 * max(vtime, min_vtime - bonus), bonus = the vtime of SCHED_SLICE_NS / 2 of its own running:
 * a sleeper neither keeps old credit nor waits behind the others. A vtime more than 2^40
 * ahead of min_vtime is clamped there (about 18 minutes of running at default shares).
 * vtime is a wrapping 64-bit counter compared by signed difference; the queue counts how often
 * min_vtime passed 2^61 so that a vtime left stale by a very long sleep is recognised.
 *
 * Limit: a token bucket filled at L/1000 ns of CPU per ns of wall time, up to
 * SCHED_PERIOD_NS * L / 1000 (starts full), emptied by running, allowed into debt down to
 * minus one capacity (an overrun is paid back). When the bucket cannot pay for
 * SCHED_MIN_RUN_NS of running, the entity is throttled and stays so until the bucket can pay
 * for a whole SCHED_SLICE_NS (or is full): a capped world alone on a CPU runs in slices, e.g.
 * 10 ms on, 30 ms off at 250 per-mille, instead of flickering.
 *
 * Reservation: a second bucket of the same shape filled at R/1000 (the entity's reservation
 * credit: what it was guaranteed over the last period and has not received). Every ns of
 * running costs it, whether the entity was picked for its reservation or by vtime. An entity
 * whose credit pays for at least SCHED_MIN_RUN_NS of running is picked before every entity
 * without such credit; among those, smallest vtime first. A run queue admits reservations
 * summing to at most 1000 per-mille, so they can all be met. Reservation <= limit (clamped).
 * Running on its reservation beyond its shares puts an entity's vtime ahead of the others'
 * (so it gets max(reservation, its share), not both); when the reservation that paid for
 * that lead is lowered or ends (sched_entity_set, sched_group_set, leaving its group), the
 * lead is forgiven (a lag above 0 becomes 0), so it goes on by shares at once instead of
 * waiting for the others to catch up.
 *
 * Slice: min(SCHED_SLICE_NS, time until the limit bucket is empty, time until the reservation
 * credit is spent if it was picked for it), counting what the bucket refills while it runs.
 *
 * Complexity: the queue is an unsorted doubly-linked list (n is tens per CPU). enqueue,
 * dequeue, charge, admit, release, set: O(1). pick: O(n), one pass that also refills buckets,
 * finds the earliest throttled entity and updates min_vtime. No entity is re-keyed while
 * queued, so a bucket refill or a shares change needs no re-sorting.
 *
 * Groups (ESXi's controls for a group of worlds: a process's threads, a VM's vCPUs): an entity
 * may belong to a struct sched_group, wherever it runs. The members split the group's shares
 * in proportion to their own (a member's weight is group shares * own shares / the members'
 * sum, at least 1), and one limit bucket and one reservation bucket, filled at the group's
 * rates, pay for all their running on every CPU. A member may run only while the group's
 * limit bucket pays for SCHED_MIN_RUN_NS (with the same hysteresis as above, for all members
 * at once), and is picked
 * for reservation while the group's credit pays for SCHED_MIN_RUN_NS, besides its own
 * controls. Group limits are in per-mille of one CPU and may exceed 1000 (several CPUs); a
 * group's reservation is at most 1000 and is not admitted here (the caller checks a global
 * sum). Members on different run queues update the group's buckets and member sum with atomic
 * operations, so a group has no lock; changes of membership happen under the member's run
 * queue lock.
 *
 * Every field of struct sched_rq and every field of struct sched_entity after runtime_ns is
 * private to sched_policy.c. The first four entity fields may be read (under the run queue
 * lock); change controls only through sched_entity_set.
 */

#define SCHED_WEIGHT_UNIT    1000u
#define SCHED_SHARES_DEFAULT 1000u
#define SCHED_SHARES_MAX     1000000u	  /* larger shares are clamped */
#define SCHED_SLICE_NS	     10000000ull  /* longest run before the caller picks again */
#define SCHED_PERIOD_NS	     100000000ull /* accounting window of the limit/reservation buckets */
#define SCHED_MIN_RUN_NS     1000000ull	  /* shortest run a bucket must pay for (see above) */

/* Policy-private: a token bucket, in milli-ns of CPU time (1000 = 1 ns). */
struct sched_bucket {
	int64_t tokens;
	uint64_t stamp; /* wall time up to which it has been refilled */
};

struct sched_rq;

struct sched_group {
	uint32_t shares;      /* >= 1 */
	uint32_t reservation; /* per-mille of one CPU, at most 1000 */
	uint32_t limit;	      /* per-mille of one CPU (may exceed 1000), 0 = unlimited */
	/* Policy-private below (atomic). */
	uint64_t member_shares; /* sum of the members' own shares */
	uint32_t throttled;	/* the limit holds every member back */
	uint32_t res_cuts;	/* times the reservation was lowered (members forgive leads) */
	struct sched_bucket lim, res;
};

struct sched_entity {
	uint32_t shares;      /* >= 1 */
	uint32_t reservation; /* per-mille of one CPU */
	uint32_t limit;	      /* per-mille of one CPU, 0 = unlimited */
	uint64_t runtime_ns;  /* total CPU time charged, for accounting */

	/* Policy-private below. */
	struct sched_entity *next, *prev; /* run queue links while queued */
	struct sched_rq *rq;		  /* run queue admitted on, NULL when none */
	uint64_t vtime;			  /* virtual time on rq's timeline (while admitted) */
	uint64_t vepoch;		  /* rq->vepoch when vtime was last placed */
	int64_t vlag;			  /* vtime - min_vtime, kept while not admitted */
	uint32_t vrem;			  /* remainder of the last vtime division */
	uint32_t flags;			  /* SCHED_F_* in sched_policy.c */
	struct sched_bucket lim;	  /* limit tokens */
	struct sched_bucket res;	  /* reservation credit */
	struct sched_group *group;	  /* NULL: none */
	uint64_t gprepaid; /* ns of the group's limit paid at pick, settled at charge */
	uint32_t res_cuts; /* its group's res_cuts when it last forgave its lead */
};

struct sched_rq {
	struct sched_entity *head, *tail; /* queued entities, in enqueue order */
	unsigned nr_queued;
	uint32_t resv_sum;  /* per-mille reserved by admitted entities */
	uint64_t load;	    /* sum of shares of queued entities */
	uint64_t min_vtime; /* wraps; compared by signed difference */
	uint64_t vepoch;    /* how often min_vtime passed a multiple of 2^61 */
	uint64_t clock;	    /* latest time passed in */
};

/*
 * Set up @e, not admitted, not queued, runtime 0, both buckets full. Controls are normalised:
 * shares 0 -> SCHED_SHARES_DEFAULT, above SCHED_SHARES_MAX -> SCHED_SHARES_MAX; reservation and
 * limit above 1000 -> 1000; a reservation above a non-zero limit is lowered to the limit.
 * A limit of 1000 is stored as given but limits nothing.
 */
void sched_entity_init(struct sched_entity *e, uint32_t shares, uint32_t reservation,
		       uint32_t limit);

/* Set up an empty run queue at time @now (min_vtime 0, nothing reserved). */
void sched_rq_init(struct sched_rq *rq, uint64_t now);

/*
 * Place @e (initialised, not admitted anywhere) on @rq: account its reservation and put its
 * vtime on rq's timeline, keeping the lead or lag it had on its previous run queue (a new
 * entity starts at min_vtime). Call once when e comes to this CPU, before enqueueing it.
 * Returns 0 (also when e is already admitted on rq; nothing is counted twice), or -EBUSY when
 * rq's reservations would exceed 1000 per-mille or e is still admitted on another run queue
 * (nothing changes). To migrate e: release it on the old queue, then admit it on the new one;
 * if that fails, admit it back on the old one, which cannot fail while both locks are held.
 */
int sched_rq_admit(struct sched_rq *rq, struct sched_entity *e);

/*
 * Undo sched_rq_admit: e leaves this CPU for good (exit, or migration: admit it on the new
 * run queue next). A queued e is dequeued first. Its buckets and runtime go with it (one
 * clock for all CPUs).
 */
void sched_rq_release(struct sched_rq *rq, struct sched_entity *e);

/*
 * Change the controls of @e (normalised as in sched_entity_init). When e is admitted, rq must
 * be its run queue and the new reservation must fit there, else -EBUSY and nothing changes;
 * when it is not, rq is unused and this cannot fail. Takes effect at once, also for a queued
 * or running e: the buckets are refilled up to rq's clock at the old rates first, a newly
 * enabled bucket starts full, and the vtime lead or lag over min_vtime is scaled by
 * old shares / new shares (so raising the shares of a world that ran far ahead helps now).
 */
int sched_entity_set(struct sched_rq *rq, struct sched_entity *e, uint32_t shares,
		     uint32_t reservation, uint32_t limit);

/*
 * @e becomes runnable at @now: it must be admitted on rq and not queued (else the call is
 * ignored). Its vtime is placed as the overview says. The caller decides whether to preempt
 * the running entity; the policy does not.
 */
void sched_rq_enqueue(struct sched_rq *rq, struct sched_entity *e, uint64_t now);

/* Take queued @e off rq (it blocks, or leaves); ignored if e is not queued on rq. */
void sched_rq_dequeue(struct sched_rq *rq, struct sched_entity *e);

/*
 * @e, the entity that was running (picked from rq, not queued), ran for @ran_ns ending at
 * @now: add to runtime_ns, advance vtime, spend limit tokens and reservation credit. Charge
 * every run, including a partial one that ended by blocking, before enqueueing e again.
 * ran_ns may exceed the slice (late timer); the excess is paid back from the buckets.
 */
void sched_rq_charge(struct sched_rq *rq, struct sched_entity *e, uint64_t ran_ns, uint64_t now);

/*
 * Remove and return the entity to run next at @now, or NULL when no queued entity is eligible.
 * *@slice_ns: how long it may run before the caller charges it and picks again (>= 1; 0 with
 * NULL). *@wake_at: with NULL and throttled entities queued, the earliest time one becomes
 * eligible (program a timer for it even when idle; only an enqueue, a dequeue or
 * sched_entity_set can make it earlier or later); otherwise 0. Either pointer may be NULL. Charge
 * and re-enqueue the previous runner first if it is still runnable, or it is not a candidate.
 */
struct sched_entity *sched_rq_pick(struct sched_rq *rq, uint64_t now, uint64_t *slice_ns,
				   uint64_t *wake_at);

/*
 * Set up @g with its controls (normalised: shares as for an entity, reservation at most 1000,
 * a reservation above a non-zero limit lowered to it), no members, both buckets full.
 */
void sched_group_init(struct sched_group *g, uint32_t shares, uint32_t reservation, uint32_t limit);

/*
 * Change g's controls at @now (normalised as in sched_group_init): the buckets are settled at
 * the old rates first; a newly enabled one starts full. The caller serialises changes of one
 * group; members may be picked and charged meanwhile on any CPU.
 */
void sched_group_set(struct sched_group *g, uint32_t shares, uint32_t reservation, uint32_t limit,
		     uint64_t now);

/*
 * Make @e a member of @g, leaving its previous group (NULL: none). With e admitted, hold its
 * run queue's lock.
 */
void sched_entity_join(struct sched_entity *e, struct sched_group *g);

/* Number of queued entities (the running one is not queued). */
unsigned sched_rq_nr_queued(const struct sched_rq *rq);

/* Sum of the shares of queued entities, for load balancing. */
uint64_t sched_rq_load(const struct sched_rq *rq);

#endif
