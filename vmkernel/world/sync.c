/* Wait queues, and the blocking primitives on them: mutexes, semaphores, condition variables. */
#define LOG_TAG "sync"
#include <vmk/world.h>
#include <vmk/panic.h>
#include <vmk/time.h>
#include "world_priv.h"

void waitq_init(struct waitq *wq)
{
	wq->lock = (struct spinlock)SPINLOCK_INIT;
	wq->head = wq->tail = NULL;
}

void waitq_wait(struct waitq *wq, uint64_t *flags)
{
	struct world *me = world_current();

	me->wq_next = NULL;
	me->waiting_on = wq;
	if (wq->tail)
		wq->tail->wq_next = me;
	else
		wq->head = me;
	wq->tail = me;
	me->state = WORLD_BLOCKED;
	spin_unlock(&wq->lock); /* interrupts stay off until schedule() has switched */
	schedule();
	irq_restore(*flags);
	*flags = spin_lock_irqsave(&wq->lock);
	/* Woken by something else (a signal): leave the queue ourselves. */
	if (me->waiting_on == wq) {
		struct world *prev = NULL;

		for (struct world *w = wq->head; w; prev = w, w = w->wq_next) {
			if (w != me)
				continue;
			if (prev)
				prev->wq_next = w->wq_next;
			else
				wq->head = w->wq_next;
			if (wq->tail == w)
				wq->tail = prev;
			break;
		}
		me->waiting_on = NULL;
		me->wq_next = NULL;
	}
}

bool waitq_wait_until(struct waitq *wq, uint64_t *flags, uint64_t deadline)
{
	if (time_ns() >= deadline)
		return true;
	/* The world is on its CPU until it blocks, so it cannot migrate in between. */
	sched_arm_timeout(deadline);
	waitq_wait(wq, flags);
	sched_disarm_timeout();
	return time_ns() >= deadline;
}

static struct world *waitq_pop(struct waitq *wq)
{
	struct world *w = wq->head;

	if (w) {
		wq->head = w->wq_next;
		if (!wq->head)
			wq->tail = NULL;
		w->wq_next = NULL;
		w->waiting_on = NULL;
	}
	return w;
}

unsigned waitq_wake_one_locked(struct waitq *wq)
{
	struct world *w = waitq_pop(wq);

	if (w)
		world_wake(w);
	return w != NULL;
}

unsigned waitq_wake_all_locked(struct waitq *wq)
{
	unsigned n = 0;

	while (waitq_wake_one_locked(wq))
		n++;
	return n;
}

unsigned waitq_wake_one(struct waitq *wq)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	unsigned n = waitq_wake_one_locked(wq);

	spin_unlock_irqrestore(&wq->lock, f);
	return n;
}

unsigned waitq_wake_all(struct waitq *wq)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	unsigned n = waitq_wake_all_locked(wq);

	spin_unlock_irqrestore(&wq->lock, f);
	return n;
}

void mutex_init(struct mutex *m)
{
	waitq_init(&m->wq);
	m->owner = NULL;
}

void mutex_lock(struct mutex *m)
{
	struct world *me = world_current();
	uint64_t f = spin_lock_irqsave(&m->wq.lock);

	ASSERT(m->owner != me);
	while (m->owner)
		waitq_wait(&m->wq, &f);
	m->owner = me;
	spin_unlock_irqrestore(&m->wq.lock, f);
}

bool mutex_trylock(struct mutex *m)
{
	uint64_t f = spin_lock_irqsave(&m->wq.lock);
	bool got = !m->owner;

	if (got)
		m->owner = world_current();
	spin_unlock_irqrestore(&m->wq.lock, f);
	return got;
}

void mutex_unlock(struct mutex *m)
{
	uint64_t f = spin_lock_irqsave(&m->wq.lock);

	ASSERT(m->owner == world_current());
	m->owner = NULL;
	waitq_wake_one_locked(&m->wq);
	spin_unlock_irqrestore(&m->wq.lock, f);
}

void sem_init(struct semaphore *s, long count)
{
	waitq_init(&s->wq);
	s->count = count;
}

void sem_down(struct semaphore *s)
{
	uint64_t f = spin_lock_irqsave(&s->wq.lock);

	while (s->count <= 0)
		waitq_wait(&s->wq, &f);
	s->count--;
	spin_unlock_irqrestore(&s->wq.lock, f);
}

bool sem_trydown(struct semaphore *s)
{
	uint64_t f = spin_lock_irqsave(&s->wq.lock);
	bool got = s->count > 0;

	if (got)
		s->count--;
	spin_unlock_irqrestore(&s->wq.lock, f);
	return got;
}

void sem_up(struct semaphore *s)
{
	uint64_t f = spin_lock_irqsave(&s->wq.lock);

	s->count++;
	waitq_wake_one_locked(&s->wq);
	spin_unlock_irqrestore(&s->wq.lock, f);
}

void cond_init(struct condvar *c)
{
	waitq_init(&c->wq);
}

void cond_wait(struct condvar *c, struct mutex *m)
{
	uint64_t f = spin_lock_irqsave(&c->wq.lock);

	mutex_unlock(m); /* a signal now needs c->wq.lock, which we hold: none is lost */
	waitq_wait(&c->wq, &f);
	spin_unlock_irqrestore(&c->wq.lock, f);
	mutex_lock(m);
}

void cond_signal(struct condvar *c)
{
	waitq_wake_one(&c->wq);
}

void cond_broadcast(struct condvar *c)
{
	waitq_wake_all(&c->wq);
}
