/* World scheduler policy: weighted fair queueing plus reservation and limit token buckets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmk/errno.h>
#include <vmk/sched_policy.h>

/*
 * The algorithm is described in vmk/sched_policy.h. Arithmetic bounds, so that nothing
 * overflows for any input and uptimes of centuries (no 128-bit arithmetic is used):
 *  - bucket tokens are milli-ns within [-cap, cap], cap = SCHED_PERIOD_NS * 999 < 2^37; a refill
 *    covers at most SCHED_REFILL_MAX_NS (enough to go from -cap to cap), a charge spends at
 *    most SCHED_SPEND_MAX_NS, so every intermediate value stays below 2^40;
 *  - one charge advances vtime by at most SCHED_CHARGE_MAX_NS * 1000 / shares < 2^50 and the
 *    lead over min_vtime is clamped to SCHED_MAX_LEAD = 2^40; a lag is kept within
 *    [-SCHED_MAX_LEAD, SCHED_MAX_LEAD], so rescaling it by old shares (< 2^20) stays below 2^60;
 *  - min_vtime moves by less than 2^42 per step, so counting its passes over multiples of 2^61
 *    (vepoch) sees every one. An entity whose vepoch snapshot is two or more behind the queue's
 *    has a vtime at least 2^61 behind: it is stale, and placed afresh. Otherwise its distance
 *    to min_vtime is below 2^63 and a signed difference gives it.
 */

#define SCHED_F_QUEUED	   0x1u
#define SCHED_F_THROTTLED  0x2u
#define SCHED_F_GTHROTTLED 0x4u /* its group's limit holds it back */

#define SCHED_PERMILLE	      1000u
#define SCHED_MAX_LEAD	      (1ll << 40)
#define SCHED_WAKE_BONUS_NS   (SCHED_SLICE_NS / 2)
#define SCHED_CHARGE_MAX_NS   (1ull << 40)
#define SCHED_REFILL_MAX_NS   (2 * SCHED_PERIOD_NS)
#define SCHED_SPEND_MAX_NS    (4 * SCHED_PERIOD_NS)
#define SCHED_VEPOCH_SHIFT    61
#define SCHED_GROUP_LIMIT_MAX 64000u /* 64 CPUs */

_Static_assert(SCHED_PERIOD_NS *SCHED_PERMILLE < (1ull << 37), "bucket capacity bound");
_Static_assert(SCHED_REFILL_MAX_NS *SCHED_GROUP_LIMIT_MAX < (1ull << 45), "group bucket bound");
_Static_assert(SCHED_SHARES_MAX < (1u << 20), "lag rescale bound");
_Static_assert(SCHED_CHARGE_MAX_NS *SCHED_PERMILLE < (1ull << 51), "vtime step bound");

static bool sched_vbefore(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/* Fill rate in per-mille of a bucket for @permille, or 0 when the control is off. */
static uint32_t sched_bucket_rate(uint32_t permille)
{
	return permille < SCHED_PERMILLE ? permille : 0;
}

static int64_t sched_bucket_cap(uint32_t rate)
{
	return (int64_t)(SCHED_PERIOD_NS * rate);
}

/* Tokens that pay for @run_ns of running (it refills while it runs), at most a full bucket. */
static int64_t sched_bucket_level(uint32_t rate, uint64_t run_ns)
{
	int64_t need = (int64_t)(run_ns * (SCHED_PERMILLE - rate));
	int64_t cap = sched_bucket_cap(rate);

	return need < cap ? need : cap;
}

/* How long the bucket lasts while running, from its current tokens (0 when empty). */
static uint64_t sched_bucket_runtime(const struct sched_bucket *b, uint32_t rate)
{
	if (b->tokens <= 0)
		return 0;
	return (uint64_t)b->tokens / (SCHED_PERMILLE - rate);
}

static void sched_bucket_clamp(struct sched_bucket *b, uint32_t rate)
{
	int64_t cap = sched_bucket_cap(rate);

	if (b->tokens > cap)
		b->tokens = cap;
	if (b->tokens < -cap)
		b->tokens = -cap;
}

/* Add what the wall time since the last refill is worth; time never runs backwards here. */
static void sched_bucket_refill(struct sched_bucket *b, uint32_t rate, uint64_t now)
{
	uint64_t dt;

	if (now <= b->stamp)
		return;
	dt = now - b->stamp;
	if (dt > SCHED_REFILL_MAX_NS)
		dt = SCHED_REFILL_MAX_NS;
	b->tokens += (int64_t)(dt * rate);
	sched_bucket_clamp(b, rate);
	b->stamp = now;
}

/*
 * Spend @ran_ns of running that ended at @now. The bucket is refilled up to the start of the
 * run first (capped), then the run's refill and cost are applied together: a full bucket must
 * not lose the refill that happens while it is being drained.
 */
static void sched_bucket_spend(struct sched_bucket *b, uint32_t rate, uint64_t ran_ns, uint64_t now)
{
	uint64_t start = ran_ns < now ? now - ran_ns : 0;
	uint64_t fill = 0;

	sched_bucket_refill(b, rate, start);
	if (now > b->stamp) {
		fill = now - b->stamp;
		if (fill > SCHED_REFILL_MAX_NS)
			fill = SCHED_REFILL_MAX_NS;
		b->stamp = now;
	}
	if (ran_ns > SCHED_SPEND_MAX_NS)
		ran_ns = SCHED_SPEND_MAX_NS;
	b->tokens += (int64_t)(fill * rate) - (int64_t)(ran_ns * SCHED_PERMILLE);
	sched_bucket_clamp(b, rate);
}

/*
 * A bucket's rate changes from @old to @new at @now: settle at the old rate, then a bucket
 * that was off starts full, and one that shrank keeps what fits.
 */
static void sched_bucket_rerate(struct sched_bucket *b, uint32_t old, uint32_t new, uint64_t now)
{
	if (old)
		sched_bucket_refill(b, old, now);
	if (!new)
		return;
	if (!old) {
		b->tokens = sched_bucket_cap(new);
		if (now > b->stamp)
			b->stamp = now;
		return;
	}
	sched_bucket_clamp(b, new);
}

/* --- Group buckets: shared by members on several CPUs, so updated atomically --- */

static void sched_gclamp(struct sched_bucket *b, int64_t cap)
{
	int64_t t = __atomic_load_n(&b->tokens, __ATOMIC_RELAXED);

	while ((t > cap || t < -cap) &&
	       !__atomic_compare_exchange_n(&b->tokens, &t, t > cap ? cap : -cap, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Refill to @now: whoever moves the stamp adds what that interval is worth. */
static void sched_grefill(struct sched_bucket *b, uint32_t rate, uint64_t now)
{
	uint64_t st = __atomic_load_n(&b->stamp, __ATOMIC_RELAXED), dt;

	while (now > st) {
		if (!__atomic_compare_exchange_n(&b->stamp, &st, now, false, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		dt = now - st < SCHED_REFILL_MAX_NS ? now - st : SCHED_REFILL_MAX_NS;
		__atomic_add_fetch(&b->tokens, (int64_t)(dt * rate), __ATOMIC_RELAXED);
		sched_gclamp(b, sched_bucket_cap(rate));
		return;
	}
}

static int64_t sched_gtokens(struct sched_bucket *b, uint32_t rate, uint64_t now)
{
	sched_grefill(b, rate, now);
	return __atomic_load_n(&b->tokens, __ATOMIC_RELAXED);
}

/* Spend @ran_ns, of which @prepaid_ns was taken when the run began. */
static void sched_gspend(struct sched_bucket *b, uint32_t rate, uint64_t ran_ns,
			 uint64_t prepaid_ns, uint64_t now)
{
	sched_grefill(b, rate, now);
	if (ran_ns > SCHED_SPEND_MAX_NS)
		ran_ns = SCHED_SPEND_MAX_NS;
	__atomic_add_fetch(&b->tokens, ((int64_t)prepaid_ns - (int64_t)ran_ns) * SCHED_PERMILLE,
			   __ATOMIC_RELAXED);
	sched_gclamp(b, sched_bucket_cap(rate));
}

/* How long member e may run on what a group bucket holds now: its part of it by shares, as
 * the other members may run meanwhile on other CPUs. */
static uint64_t sched_gslice(const struct sched_entity *e, struct sched_bucket *b)
{
	int64_t tokens = __atomic_load_n(&b->tokens, __ATOMIC_RELAXED);
	uint64_t sum = __atomic_load_n(&e->group->member_shares, __ATOMIC_RELAXED);

	if (tokens <= 0)
		return 0;
	return (uint64_t)tokens / SCHED_PERMILLE * e->shares / (sum > e->shares ? sum : e->shares);
}

/* A group bucket's rate changes from @old to @new at @now (see sched_bucket_rerate). */
static void sched_grerate(struct sched_bucket *b, uint32_t old, uint32_t new, uint64_t now)
{
	if (old)
		sched_grefill(b, old, now);
	if (new && !old) {
		__atomic_store_n(&b->tokens, sched_bucket_cap(new), __ATOMIC_RELAXED);
		__atomic_store_n(&b->stamp, now, __ATOMIC_RELAXED);
	} else if (new) {
		sched_gclamp(b, sched_bucket_cap(new));
	}
}

/* The group's limit rate and reservation rate (0: off; a reservation of 1000 is "always"). */
static uint32_t sched_glim_rate(const struct sched_group *g)
{
	return g ? __atomic_load_n(&g->limit, __ATOMIC_RELAXED) : 0;
}

static uint32_t sched_gres_rate(const struct sched_group *g)
{
	return g ? sched_bucket_rate(__atomic_load_n(&g->reservation, __ATOMIC_RELAXED)) : 0;
}

static void sched_rq_tick(struct sched_rq *rq, uint64_t now)
{
	if (now > rq->clock)
		rq->clock = now;
}

/* e's weight: its shares, or its part of its group's shares (in [1, SCHED_SHARES_MAX]). */
static uint32_t sched_weight(const struct sched_entity *e)
{
	const struct sched_group *g = e->group;
	uint64_t sum, w;

	if (!g)
		return e->shares;
	sum = __atomic_load_n(&g->member_shares, __ATOMIC_RELAXED);
	w = (uint64_t)__atomic_load_n(&g->shares, __ATOMIC_RELAXED) * e->shares / (sum ? sum : 1);
	return w < 1 ? 1 : w > SCHED_SHARES_MAX ? SCHED_SHARES_MAX : (uint32_t)w;
}

/* Vtime of @ns of running at e's weight. */
static int64_t sched_vtime_of(const struct sched_entity *e, uint64_t ns)
{
	return (int64_t)(ns * SCHED_WEIGHT_UNIT / sched_weight(e));
}

/* e's vtime minus min_vtime, within [-SCHED_MAX_LEAD, SCHED_MAX_LEAD]; stale counts as behind. */
static int64_t sched_lag(const struct sched_rq *rq, const struct sched_entity *e)
{
	int64_t lag;

	if (rq->vepoch - e->vepoch >= 2)
		return -SCHED_MAX_LEAD;
	lag = (int64_t)(e->vtime - rq->min_vtime);
	if (lag > SCHED_MAX_LEAD)
		return SCHED_MAX_LEAD;
	if (lag < -SCHED_MAX_LEAD)
		return -SCHED_MAX_LEAD;
	return lag;
}

static void sched_set_lag(struct sched_rq *rq, struct sched_entity *e, int64_t lag)
{
	e->vtime = rq->min_vtime + (uint64_t)lag;
	e->vepoch = rq->vepoch;
}

/* The reservation that let e run ahead of its share is lowered or gone: its lead goes too. */
static void sched_forgive_lead(struct sched_entity *e)
{
	if (e->rq && sched_lag(e->rq, e) > 0)
		sched_set_lag(e->rq, e, 0);
	else if (!e->rq && e->vlag > 0)
		e->vlag = 0;
}

/* A runnable-again entity: no further behind min_vtime than half a slice of its running. */
static void sched_place(struct sched_rq *rq, struct sched_entity *e)
{
	int64_t lag = sched_lag(rq, e), floor = -sched_vtime_of(e, SCHED_WAKE_BONUS_NS);

	sched_set_lag(rq, e, lag < floor ? floor : lag);
}

/* min_vtime only moves forward, by less than 2^42 a step (see the top of the file). */
static void sched_advance_min(struct sched_rq *rq, uint64_t v)
{
	if (!sched_vbefore(rq->min_vtime, v))
		return;
	rq->vepoch += ((v >> SCHED_VEPOCH_SHIFT) - (rq->min_vtime >> SCHED_VEPOCH_SHIFT)) & 7;
	rq->min_vtime = v;
}

/*
 * Refill e's limit bucket to @now and apply the throttle hysteresis. Returns true when e may
 * run; else *@when is the time it may.
 */
static bool sched_limit_ok(struct sched_rq *rq, struct sched_entity *e, uint64_t now,
			   uint64_t *when)
{
	uint32_t rate = sched_bucket_rate(e->limit);
	int64_t resume;
	uint64_t dt;

	if (!rate) {
		if (e->flags & SCHED_F_THROTTLED) {
			e->flags &= ~SCHED_F_THROTTLED;
			sched_place(rq, e);
		}
		return true;
	}
	sched_bucket_refill(&e->lim, rate, now);
	if (!(e->flags & SCHED_F_THROTTLED)) {
		if (e->lim.tokens >= sched_bucket_level(rate, SCHED_MIN_RUN_NS))
			return true;
		e->flags |= SCHED_F_THROTTLED;
	}
	resume = sched_bucket_level(rate, SCHED_SLICE_NS);
	if (e->lim.tokens >= resume) {
		/* Its vtime stood still while the others ran: place it like a waking entity. */
		e->flags &= ~SCHED_F_THROTTLED;
		sched_place(rq, e);
		return true;
	}
	dt = ((uint64_t)(resume - e->lim.tokens) + rate - 1) / rate;
	*when = e->lim.stamp + dt < e->lim.stamp ? UINT64_MAX : e->lim.stamp + dt;
	return false;
}

/*
 * The same for e's group's limit, with the throttle state kept by the group, so that all its
 * members stop and resume together: members may run while the group's bucket pays for
 * SCHED_MIN_RUN_NS of one CPU; once held back, until it pays for a slice (or is full).
 */
static bool sched_group_ok(struct sched_rq *rq, struct sched_entity *e, uint64_t now,
			   uint64_t *when)
{
	struct sched_group *g = e->group;
	uint32_t rate = sched_glim_rate(g);
	int64_t tokens, resume;
	uint32_t held;

	if (rate) {
		tokens = sched_gtokens(&g->lim, rate, now);
		resume = sched_bucket_cap(rate);
		if (resume > (int64_t)(SCHED_SLICE_NS * SCHED_PERMILLE))
			resume = (int64_t)(SCHED_SLICE_NS * SCHED_PERMILLE);
		held = __atomic_load_n(&g->throttled, __ATOMIC_RELAXED);
		if (!held && tokens < (int64_t)(SCHED_MIN_RUN_NS * SCHED_PERMILLE))
			__atomic_store_n(&g->throttled, held = 1, __ATOMIC_RELAXED);
		else if (held && tokens >= resume)
			__atomic_store_n(&g->throttled, held = 0, __ATOMIC_RELAXED);
		if (held) {
			e->flags |= SCHED_F_GTHROTTLED;
			*when = now + ((uint64_t)(resume - tokens) + rate - 1) / rate;
			return false;
		}
	}
	if (e->flags & SCHED_F_GTHROTTLED) {
		/* Its vtime stood still while the others ran: place it like a waking entity. */
		e->flags &= ~SCHED_F_GTHROTTLED;
		sched_place(rq, e);
	}
	return true;
}

/* Refill e's reservation credit, and its group's, to @now; true when either pays for
 * SCHED_MIN_RUN_NS of running. */
static bool sched_res_credit(struct sched_entity *e, uint64_t now)
{
	uint32_t rate = sched_bucket_rate(e->reservation), grate = sched_gres_rate(e->group);

	if (e->reservation >= SCHED_PERMILLE ||
	    (e->group &&
	     __atomic_load_n(&e->group->reservation, __ATOMIC_RELAXED) >= SCHED_PERMILLE))
		return true;
	if (grate && sched_gtokens(&e->group->res, grate, now) >=
			     (int64_t)(SCHED_MIN_RUN_NS * SCHED_PERMILLE))
		return true;
	if (!rate)
		return false;
	sched_bucket_refill(&e->res, rate, now);
	return e->res.tokens >= sched_bucket_level(rate, SCHED_MIN_RUN_NS);
}

static void sched_link(struct sched_rq *rq, struct sched_entity *e)
{
	e->next = NULL;
	e->prev = rq->tail;
	if (rq->tail)
		rq->tail->next = e;
	else
		rq->head = e;
	rq->tail = e;
	e->flags |= SCHED_F_QUEUED;
	rq->nr_queued++;
	rq->load += e->shares;
}

static void sched_unlink(struct sched_rq *rq, struct sched_entity *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		rq->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		rq->tail = e->prev;
	e->next = e->prev = NULL;
	e->flags &= ~SCHED_F_QUEUED;
	rq->nr_queued--;
	rq->load -= e->shares;
}

struct sched_controls {
	uint32_t shares, reservation, limit;
};

static struct sched_controls sched_normalise(uint32_t shares, uint32_t reservation, uint32_t limit)
{
	struct sched_controls c = {shares, reservation, limit};

	if (c.shares == 0)
		c.shares = SCHED_SHARES_DEFAULT;
	if (c.shares > SCHED_SHARES_MAX)
		c.shares = SCHED_SHARES_MAX;
	if (c.reservation > SCHED_PERMILLE)
		c.reservation = SCHED_PERMILLE;
	if (c.limit > SCHED_PERMILLE)
		c.limit = SCHED_PERMILLE;
	if (c.limit && c.reservation > c.limit)
		c.reservation = c.limit;
	return c;
}

void sched_entity_init(struct sched_entity *e, uint32_t shares, uint32_t reservation,
		       uint32_t limit)
{
	struct sched_controls c = sched_normalise(shares, reservation, limit);

	*e = (struct sched_entity){
		.shares = c.shares,
		.reservation = c.reservation,
		.limit = c.limit,
	};
	/* Both buckets start full; a stamp of 0 refills a full bucket to full. */
	e->lim.tokens = sched_bucket_cap(sched_bucket_rate(c.limit));
	e->res.tokens = sched_bucket_cap(sched_bucket_rate(c.reservation));
}

static struct sched_controls sched_gnormalise(uint32_t shares, uint32_t reservation, uint32_t limit)
{
	struct sched_controls c = sched_normalise(shares, reservation, SCHED_PERMILLE);

	c.limit = limit > SCHED_GROUP_LIMIT_MAX ? SCHED_GROUP_LIMIT_MAX : limit;
	if (c.limit && c.reservation > c.limit)
		c.reservation = c.limit;
	return c;
}

void sched_group_init(struct sched_group *g, uint32_t shares, uint32_t reservation, uint32_t limit)
{
	struct sched_controls c = sched_gnormalise(shares, reservation, limit);

	*g = (struct sched_group){
		.shares = c.shares, .reservation = c.reservation, .limit = c.limit};
	g->lim.tokens = sched_bucket_cap(c.limit);
	g->res.tokens = sched_bucket_cap(sched_bucket_rate(c.reservation));
}

void sched_group_set(struct sched_group *g, uint32_t shares, uint32_t reservation, uint32_t limit,
		     uint64_t now)
{
	struct sched_controls c = sched_gnormalise(shares, reservation, limit);

	sched_grerate(&g->lim, sched_glim_rate(g), c.limit, now);
	sched_grerate(&g->res, sched_gres_rate(g), sched_bucket_rate(c.reservation), now);
	if (c.reservation < __atomic_load_n(&g->reservation, __ATOMIC_RELAXED))
		__atomic_add_fetch(&g->res_cuts, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&g->shares, c.shares, __ATOMIC_RELAXED);
	__atomic_store_n(&g->reservation, c.reservation, __ATOMIC_RELAXED);
	__atomic_store_n(&g->limit, c.limit, __ATOMIC_RELAXED);
}

void sched_entity_join(struct sched_entity *e, struct sched_group *g)
{
	if (e->group) {
		if (__atomic_load_n(&e->group->reservation, __ATOMIC_RELAXED))
			sched_forgive_lead(e);
		__atomic_sub_fetch(&e->group->member_shares, e->shares, __ATOMIC_RELAXED);
		/* A run paid for but not charged yet is given back. */
		__atomic_add_fetch(&e->group->lim.tokens, (int64_t)(e->gprepaid * SCHED_PERMILLE),
				   __ATOMIC_RELAXED);
	}
	e->gprepaid = 0;
	e->group = g;
	e->flags &= ~SCHED_F_GTHROTTLED;
	if (g) {
		__atomic_add_fetch(&g->member_shares, e->shares, __ATOMIC_RELAXED);
		e->res_cuts = __atomic_load_n(&g->res_cuts, __ATOMIC_RELAXED);
	}
}

void sched_rq_init(struct sched_rq *rq, uint64_t now)
{
	*rq = (struct sched_rq){.clock = now};
}

int sched_rq_admit(struct sched_rq *rq, struct sched_entity *e)
{
	if (e->rq)
		return e->rq == rq ? 0 : -EBUSY;
	if (rq->resv_sum + e->reservation > SCHED_PERMILLE)
		return -EBUSY;
	rq->resv_sum += e->reservation;
	e->rq = rq;
	sched_set_lag(rq, e, e->vlag);
	return 0;
}

void sched_rq_release(struct sched_rq *rq, struct sched_entity *e)
{
	int64_t floor;

	if (e->rq != rq)
		return;
	if (e->flags & SCHED_F_QUEUED)
		sched_unlink(rq, e);
	/* Keep the lead; a lag beyond the wake bonus would be cut at the next enqueue anyway. */
	floor = -sched_vtime_of(e, SCHED_WAKE_BONUS_NS);
	e->vlag = sched_lag(rq, e);
	if (e->vlag < floor)
		e->vlag = floor;
	rq->resv_sum -= e->reservation;
	e->rq = NULL;
}

/* @lag * @from / @to, with |lag| <= SCHED_MAX_LEAD and shares below 2^20; result clamped. */
static int64_t sched_rescale(int64_t lag, uint32_t from, uint32_t to)
{
	uint64_t mag = (uint64_t)(lag < 0 ? -lag : lag) * from / to;

	if (mag > (uint64_t)SCHED_MAX_LEAD)
		mag = SCHED_MAX_LEAD;
	return lag < 0 ? -(int64_t)mag : (int64_t)mag;
}

int sched_entity_set(struct sched_rq *rq, struct sched_entity *e, uint32_t shares,
		     uint32_t reservation, uint32_t limit)
{
	struct sched_controls c = sched_normalise(shares, reservation, limit);
	struct sched_rq *on = e->rq;
	uint64_t now;

	(void)rq; /* the run queue e is admitted on is the one that counts */
	if (on && on->resv_sum - e->reservation + c.reservation > SCHED_PERMILLE)
		return -EBUSY;

	now = on ? on->clock : (e->lim.stamp > e->res.stamp ? e->lim.stamp : e->res.stamp);
	sched_bucket_rerate(&e->lim, sched_bucket_rate(e->limit), sched_bucket_rate(c.limit), now);
	sched_bucket_rerate(&e->res, sched_bucket_rate(e->reservation),
			    sched_bucket_rate(c.reservation), now);

	if (c.shares != e->shares) {
		if (on)
			sched_set_lag(on, e, sched_rescale(sched_lag(on, e), e->shares, c.shares));
		else
			e->vlag = sched_rescale(e->vlag, e->shares, c.shares);
		e->vrem = 0;
		if (on && (e->flags & SCHED_F_QUEUED))
			on->load = on->load - e->shares + c.shares;
	}
	if (on)
		on->resv_sum = on->resv_sum - e->reservation + c.reservation;
	if (c.reservation < e->reservation)
		sched_forgive_lead(e);
	if (e->group && c.shares != e->shares)
		__atomic_add_fetch(&e->group->member_shares, (uint64_t)c.shares - e->shares,
				   __ATOMIC_RELAXED);
	e->shares = c.shares;
	e->reservation = c.reservation;
	e->limit = c.limit;
	return 0;
}

void sched_rq_enqueue(struct sched_rq *rq, struct sched_entity *e, uint64_t now)
{
	if (e->rq != rq || (e->flags & SCHED_F_QUEUED))
		return;
	sched_rq_tick(rq, now);
	sched_place(rq, e);
	sched_link(rq, e);
}

void sched_rq_dequeue(struct sched_rq *rq, struct sched_entity *e)
{
	if (e->rq != rq || !(e->flags & SCHED_F_QUEUED))
		return;
	sched_unlink(rq, e);
}

void sched_rq_charge(struct sched_rq *rq, struct sched_entity *e, uint64_t ran_ns, uint64_t now)
{
	uint64_t ns = ran_ns < SCHED_CHARGE_MAX_NS ? ran_ns : SCHED_CHARGE_MAX_NS;
	uint64_t total = ns * SCHED_WEIGHT_UNIT + e->vrem;
	uint32_t rate, weight = sched_weight(e);
	int64_t lag;

	sched_rq_tick(rq, now);
	e->runtime_ns += ran_ns;
	if (e->rq == rq) {
		lag = sched_lag(rq, e) + (int64_t)(total / weight);
		sched_set_lag(rq, e, lag < SCHED_MAX_LEAD ? lag : SCHED_MAX_LEAD);
	}
	e->vrem = (uint32_t)(total % weight);
	rate = sched_glim_rate(e->group);
	if (e->group && (rate || e->gprepaid))
		sched_gspend(&e->group->lim, rate, ran_ns, e->gprepaid, now);
	e->gprepaid = 0;
	rate = sched_gres_rate(e->group);
	if (rate)
		sched_gspend(&e->group->res, rate, ran_ns, 0, now);
	rate = sched_bucket_rate(e->limit);
	if (rate)
		sched_bucket_spend(&e->lim, rate, ran_ns, now);
	rate = sched_bucket_rate(e->reservation);
	if (rate)
		sched_bucket_spend(&e->res, rate, ran_ns, now);
}

struct sched_entity *sched_rq_pick(struct sched_rq *rq, uint64_t now, uint64_t *slice_ns,
				   uint64_t *wake_at)
{
	struct sched_entity *e, *best = NULL, *best_res = NULL;
	uint64_t wake = 0, when = 0, slice, t;
	uint32_t rate;

	sched_rq_tick(rq, now);
	if (slice_ns)
		*slice_ns = 0;
	for (e = rq->head; e; e = e->next) {
		if (e->group &&
		    e->res_cuts != __atomic_load_n(&e->group->res_cuts, __ATOMIC_RELAXED)) {
			e->res_cuts = __atomic_load_n(&e->group->res_cuts, __ATOMIC_RELAXED);
			sched_forgive_lead(e);
		}
		if (!sched_limit_ok(rq, e, now, &when) || !sched_group_ok(rq, e, now, &when)) {
			if (!wake || when < wake)
				wake = when;
			continue;
		}
		if (!best || sched_vbefore(e->vtime, best->vtime))
			best = e;
		if (sched_res_credit(e, now) &&
		    (!best_res || sched_vbefore(e->vtime, best_res->vtime)))
			best_res = e;
	}
	if (wake_at)
		*wake_at = best ? 0 : wake;
	if (!best)
		return NULL;

	/* best holds the smallest vtime among eligible entities. */
	sched_advance_min(rq, best->vtime);
	e = best_res ? best_res : best;
	sched_unlink(rq, e);
	sched_set_lag(rq, e, sched_lag(rq, e));

	slice = SCHED_SLICE_NS;
	rate = sched_bucket_rate(e->limit);
	if (rate) {
		t = sched_bucket_runtime(&e->lim, rate);
		slice = t < slice ? t : slice;
	}
	rate = sched_bucket_rate(e->reservation);
	if (e == best_res && rate && e->res.tokens >= sched_bucket_level(rate, SCHED_MIN_RUN_NS)) {
		t = sched_bucket_runtime(&e->res, rate);
		slice = t < slice ? t : slice;
	} else if (e == best_res && sched_gres_rate(e->group)) {
		t = sched_gslice(e, &e->group->res);
		slice = t < slice ? t : slice;
	}
	if (sched_glim_rate(e->group)) {
		t = sched_gslice(e, &e->group->lim);
		slice = t < slice ? t : slice;
	}
	if (!slice)
		slice = 1;
	/* Members on other CPUs see this run's cost at once: it is paid now, settled at charge. */
	if (sched_glim_rate(e->group)) {
		__atomic_sub_fetch(&e->group->lim.tokens, (int64_t)(slice * SCHED_PERMILLE),
				   __ATOMIC_RELAXED);
		e->gprepaid = slice;
	}
	if (slice_ns)
		*slice_ns = slice;
	return e;
}

unsigned sched_rq_nr_queued(const struct sched_rq *rq)
{
	return rq->nr_queued;
}

uint64_t sched_rq_load(const struct sched_rq *rq)
{
	return rq->load;
}
