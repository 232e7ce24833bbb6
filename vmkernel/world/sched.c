/*
 * The scheduler's mechanism: one run queue per CPU (a spinlock, the policy's queue, the
 * current and idle worlds, timed sleepers), context switches, the tick, wakeups across CPUs,
 * and work stealing by CPUs that would otherwise idle.  Which world runs next is the policy's
 * decision (world/sched_policy.c).
 *
 * A run queue's lock is held across the context switch and released by the world switched
 * to (finish_switch), so no other CPU can see a world half switched out.
 */
#define LOG_TAG "sched"
#include <vmk/world.h>
#include <vmk/smp.h>
#include <vmk/time.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <arch/apic.h>
#include <arch/trap.h>
#include <string.h>

struct runq {
	struct spinlock lock;
	struct sched_rq policy;
	struct world *current;
	struct world *idle;
	struct world *sleepers; /* timed sleeps on this CPU, unsorted */
	uint64_t slice_end;	/* when the current world's slice ends */
	volatile bool need_resched;
	volatile unsigned nr_queued;
};

static struct runq runqs[MAX_CPUS];

#include <vmk/aspace.h>
#include <vmk/proc.h>
#include "world_priv.h"

static struct runq *this_rq(void)
{
	return &runqs[this_cpu()->id];
}

/* One gs-relative load: with two (this_cpu(), then ->world) a world preempted in between and
 * moved to another CPU would read the world now running on the old one. */
struct world *world_current(void)
{
	struct world *w;

	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(w) : "i"(CPU_WORLD));
	return w;
}

static void resched_ipi(struct regs *r)
{
	(void)r;
	this_rq()->need_resched = true;
}

/* Make a world the current one of its CPU's queue; called with rq->lock held. */
static void enqueue(struct runq *rq, struct world *w, uint64_t now)
{
	sched_rq_enqueue(&rq->policy, &w->se, now);
	w->queued = true;
	rq->nr_queued++;
}

static struct world *dequeue_pick(struct runq *rq, uint64_t now, uint64_t *slice)
{
	uint64_t wake_at;
	struct sched_entity *se = sched_rq_pick(&rq->policy, now, slice, &wake_at);
	struct world *w;

	if (!se)
		return NULL;
	w = container_of(se, struct world, se);
	w->queued = false;
	rq->nr_queued--;
	return w;
}

/* An idle CPU takes one waiting world from the busiest other queue that lets it. */
static struct world *steal(struct runq *mine, unsigned me, uint64_t now, uint64_t *slice)
{
	unsigned best = MAX_CPUS, most = 0;
	struct runq *rq;
	struct world *w;

	for (unsigned i = 0; i < ncpus_online; i++)
		if (i != me && runqs[i].nr_queued > most)
			most = runqs[i].nr_queued, best = i;
	if (best == MAX_CPUS)
		return NULL;
	rq = &runqs[best];
	if (!spin_trylock(&rq->lock))
		return NULL;
	w = dequeue_pick(rq, now, slice);
	if (w && w->affinity & (1ull << me)) {
		/* A world is admitted on one queue at a time: move its admission over. */
		sched_rq_release(&rq->policy, &w->se);
		if (sched_rq_admit(&mine->policy, &w->se)) {
			sched_rq_admit(&rq->policy, &w->se); /* cannot fail: it was there */
			enqueue(rq, w, now);
			w = NULL;
		} else {
			w->cpu = me;
		}
	} else if (w) {
		enqueue(rq, w, now); /* not allowed here: leave it where it was */
		w = NULL;
	}
	spin_unlock(&rq->lock);
	return w;
}

static void sched_move(struct world *w);

static void finish_switch(struct world *prev)
{
	struct runq *rq = this_rq();

	if (prev->state == WORLD_DEAD) {
		spin_unlock(&rq->lock);
		world_finish_exit(prev); /* clears on_cpu: its last touch of prev */
		return;
	}
	prev->on_cpu = false;
	spin_unlock(&rq->lock);
	if (prev->migrate) /* its context is saved: it can start on another CPU */
		sched_move(prev);
}

void schedule(void)
{
	uint64_t f = irq_save(), now, slice = SCHED_SLICE_NS;
	struct cpu *c = this_cpu();
	struct runq *rq = &runqs[c->id];
	struct world *prev, *next;

	spin_lock(&rq->lock);
	prev = rq->current;
	now = time_ns();
	rq->need_resched = false;
	if (!prev->idle) {
		sched_rq_charge(&rq->policy, &prev->se, now - prev->run_start, now);
		if (prev->state == WORLD_RUNNABLE && !(prev->affinity & (1ull << c->id))) {
			prev->migrate = true; /* finish_switch moves it to a CPU it may use */
			sched_rq_release(&rq->policy, &prev->se);
		} else if (prev->state == WORLD_RUNNABLE) {
			enqueue(rq, prev, now);
		}
	}
	next = dequeue_pick(rq, now, &slice);
	if (!next)
		next = steal(rq, c->id, now, &slice);
	if (!next)
		next = rq->idle;
	next->run_start = now;
	rq->slice_end = now + slice;
	if (next == prev) {
		spin_unlock(&rq->lock);
		irq_restore(f);
		return;
	}
	timer_tick_resume(); /* a guest's deferred tick is for its vCPU world only */
	rq->current = next;
	next->on_cpu = true;
	c->world = next;
	if (next->kstack_top)
		cpu_set_kernel_stack(next->kstack_top);
	if (next->as != prev->as)
		aspace_activate(next->as);
	if (prev->ut)
		uthread_switch_out(prev);
	if (next->ut)
		uthread_switch_in(next);
	prev = switch_to(&prev->saved_rsp, next->saved_rsp, prev);
	finish_switch(prev);
	irq_restore(f);
}

/* First code a new world runs (from world_trampoline). */
void world_start(struct world *prev)
{
	struct world *me;

	finish_switch(prev);
	irq_enable();
	me = world_current();
	me->entry(me->arg);
	world_exit(0);
}

void world_yield(void)
{
	schedule();
}

void world_wake(struct world *w)
{
	struct runq *rq = &runqs[w->cpu];
	uint64_t f = spin_lock_irqsave(&rq->lock);

	if (w->state != WORLD_BLOCKED) {
		spin_unlock_irqrestore(&rq->lock, f);
		return;
	}
	if (w->wake_at) {
		for (struct world **p = &rq->sleepers; *p; p = &(*p)->sleep_next)
			if (*p == w) {
				*p = w->sleep_next;
				break;
			}
		w->wake_at = 0;
	}
	w->state = WORLD_RUNNABLE;
	/* Still on its CPU in the middle of blocking: schedule() there will keep it running. */
	if (rq->current != w) {
		enqueue(rq, w, time_ns());
		if (rq->current == rq->idle && w->cpu != this_cpu()->id)
			lapic_send_ipi(cpus[w->cpu]->apic_id, VEC_RESCHED);
		else if (w->cpu == this_cpu()->id)
			rq->need_resched = rq->current == rq->idle;
	}
	spin_unlock_irqrestore(&rq->lock, f);
}

/* Put the calling world on its CPU's timed-sleep list (it blocks right after). */
void sched_arm_timeout(uint64_t deadline)
{
	struct world *me = world_current();
	struct runq *rq = this_rq();
	uint64_t f = spin_lock_irqsave(&rq->lock);

	me->wake_at = deadline ? deadline : 1;
	me->sleep_next = rq->sleepers;
	rq->sleepers = me;
	spin_unlock_irqrestore(&rq->lock, f);
}

/* Take the calling world off the timed-sleep list if the timer has not fired. */
void sched_disarm_timeout(void)
{
	struct world *me = world_current();
	struct runq *rq = &runqs[me->cpu];
	uint64_t f = spin_lock_irqsave(&rq->lock);

	if (me->wake_at) {
		for (struct world **p = &rq->sleepers; *p; p = &(*p)->sleep_next)
			if (*p == me) {
				*p = me->sleep_next;
				break;
			}
		me->wake_at = 0;
	}
	spin_unlock_irqrestore(&rq->lock, f);
}

void world_sleep_ns(uint64_t ns)
{
	struct world *me = world_current();
	struct runq *rq = this_rq();
	uint64_t f = spin_lock_irqsave(&rq->lock);

	me->wake_at = time_ns() + (ns ? ns : 1);
	me->state = WORLD_BLOCKED;
	me->sleep_next = rq->sleepers;
	rq->sleepers = me;
	spin_unlock_irqrestore(&rq->lock, f);
	schedule();
}

/* Timer interrupt on this CPU. */
void sched_tick(void)
{
	struct runq *rq = this_rq();
	uint64_t now = time_ns();
	struct world *due = NULL;

	spin_lock(&rq->lock);
	for (struct world **p = &rq->sleepers; *p;) {
		struct world *w = *p;

		if (w->wake_at <= now) {
			*p = w->sleep_next;
			w->wake_at = 0;
			w->state = WORLD_RUNNABLE;
			if (rq->current != w)
				enqueue(rq, w, now);
			due = w;
		} else {
			p = &w->sleep_next;
		}
	}
	if (rq->current == rq->idle) {
		rq->need_resched = rq->nr_queued > 0;
		for (unsigned i = 0; i < ncpus_online && !rq->need_resched; i++)
			rq->need_resched = runqs[i].nr_queued > 0;
	} else if (now >= rq->slice_end || due) {
		rq->need_resched = true;
	}
	spin_unlock(&rq->lock);
}

uint64_t sched_next_event(void)
{
	struct runq *rq = this_rq();
	uint64_t next = UINT64_MAX;

	spin_lock(&rq->lock);
	if (rq->nr_queued)
		next = rq->slice_end;
	for (struct world *w = rq->sleepers; w; w = w->sleep_next)
		if (w->wake_at < next)
			next = w->wake_at;
	spin_unlock(&rq->lock);
	return next;
}

void sched_irq_exit(bool irq_on)
{
	struct cpu *c = this_cpu();

	if (irq_on && c->in_irq == 0 && c->world && runqs[c->id].need_resched)
		schedule();
}

int world_set_controls(struct world *w, uint32_t shares, uint32_t reservation, uint32_t limit)
{
	struct runq *rq = &runqs[w->cpu];
	uint64_t f = spin_lock_irqsave(&rq->lock);
	int rc = sched_entity_set(&rq->policy, &w->se, shares, reservation, limit);

	spin_unlock_irqrestore(&rq->lock, f);
	return rc;
}

void world_leave_group(void)
{
	uint64_t f = irq_save();
	struct runq *rq = this_rq();

	spin_lock(&rq->lock);
	sched_entity_join(&world_current()->se, NULL);
	spin_unlock(&rq->lock);
	irq_restore(f);
}

/* Put a new world on the least loaded CPU it may use whose reservations leave room. */
int sched_place(struct world *w)
{
	bool tried[MAX_CPUS] = {false};
	uint64_t now = time_ns();

	for (;;) {
		unsigned best = MAX_CPUS, best_load = ~0u;
		struct runq *rq;
		uint64_t f;

		for (unsigned i = 0; i < ncpus_online; i++) {
			unsigned load = runqs[i].nr_queued + (runqs[i].current != runqs[i].idle);

			if (!tried[i] && (w->affinity & (1ull << i)) && load < best_load)
				best = i, best_load = load;
		}
		if (best == MAX_CPUS)
			return -EBUSY; /* no allowed CPU can honour its reservation */
		tried[best] = true;
		rq = &runqs[best];
		f = spin_lock_irqsave(&rq->lock);
		if (sched_rq_admit(&rq->policy, &w->se)) {
			spin_unlock_irqrestore(&rq->lock, f);
			continue;
		}
		w->cpu = best;
		w->state = WORLD_RUNNABLE;
		enqueue(rq, w, now);
		if (rq->current == rq->idle && best != this_cpu()->id)
			lapic_send_ipi(cpus[best]->apic_id, VEC_RESCHED);
		else if (best == this_cpu()->id)
			rq->need_resched = true;
		spin_unlock_irqrestore(&rq->lock, f);
		return 0;
	}
}

/* A world whose affinity no longer includes its CPU, switched out: queue it elsewhere.  If no
 * allowed CPU can take its reservation, it runs with none rather than not at all. */
static void sched_move(struct world *w)
{
	w->migrate = false;
	if (sched_place(w)) {
		log_warn("world %u (%s): no CPU it may use can take its reservation of %u; it runs "
			 "without",
			 w->id, w->name, w->se.reservation);
		w->se.reservation = 0;
		if (sched_place(w))
			panic("world %u cannot be placed on any CPU it may use", w->id);
	}
}

int world_set_affinity(struct world *w, uint64_t mask)
{
	mask &= (ncpus_online >= 64 ? ~0ull : (1ull << ncpus_online) - 1);
	if (!mask)
		return -EINVAL;
	w->affinity = mask;
	if (w == world_current() && !(mask & (1ull << this_cpu()->id)))
		schedule(); /* it leaves this CPU now */
	return 0;
}

/* Release a dead world's reservation on its last CPU. */
void sched_forget(struct world *w)
{
	struct runq *rq = &runqs[w->cpu];
	uint64_t f = spin_lock_irqsave(&rq->lock);

	sched_rq_release(&rq->policy, &w->se);
	spin_unlock_irqrestore(&rq->lock, f);
}

void sched_idle(void)
{
	for (;;) {
		struct cpu *c = this_cpu();

		irq_disable();
		if (runqs[c->id].need_resched || runqs[c->id].nr_queued) {
			irq_enable();
			schedule();
			continue;
		}
		cpu_idle(); /* sti; hlt: an interrupt ends it */
	}
}

void sched_init_cpu(const char *name, bool is_idle)
{
	struct cpu *c = this_cpu();
	struct runq *rq = &runqs[c->id];
	struct world *cur = world_alloc(name, NULL), *idle;

	if (!cur)
		panic("no memory for the scheduler of CPU %u", c->id);
	if (c->id == 0)
		irq_register(VEC_RESCHED, resched_ipi);
	sched_rq_init(&rq->policy, time_ns());
	cur->cpu = c->id;
	cur->on_cpu = true;
	cur->state = WORLD_RUNNABLE;
	cur->run_start = time_ns();
	if (is_idle) {
		idle = cur;
	} else {
		if (sched_rq_admit(&rq->policy, &cur->se))
			panic("cannot admit the boot world");
		idle = world_alloc("idle", NULL);
		if (!idle || world_prepare_stack(idle, (void (*)(void *))sched_idle, NULL))
			panic("no memory for the idle world of CPU %u", c->id);
		idle->cpu = c->id;
	}
	idle->idle = true;
	idle->affinity = 1ull << c->id;
	rq->idle = idle;
	rq->current = cur;
	rq->slice_end = time_ns() + SCHED_SLICE_NS;
	c->world = cur;
}
