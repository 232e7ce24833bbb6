/* World lifecycle: creation with a guarded kernel stack, exit, join, and the list of worlds. */
#define LOG_TAG "world"
#include <vmk/world.h>
#include <vmk/mm.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <vmk/smp.h>
#include <string.h>
#include <vmk/proc.h>
#include <vmk/panic.h>
#include "world_priv.h"

static struct spinlock list_lock = SPINLOCK_INIT;
static struct world *all_worlds;
static unsigned next_id;

struct world *world_alloc(const char *name, const struct world_attr *attr)
{
	struct world *w = kzalloc(sizeof(*w));
	uint64_t f;

	if (!w)
		return NULL;
	for (size_t i = 0; i < sizeof(w->name) - 1 && name[i]; i++)
		w->name[i] = name[i];
	sched_entity_init(&w->se, attr ? attr->shares : 0, attr ? attr->reservation : 0,
			  attr ? attr->limit : 0);
	w->affinity = attr && attr->affinity ? attr->affinity : WORLD_ANY_CPU;
	w->state = WORLD_BLOCKED;
	waitq_init(&w->exit_wq);
	f = spin_lock_irqsave(&list_lock);
	w->id = next_id++;
	w->all_next = all_worlds;
	all_worlds = w;
	spin_unlock_irqrestore(&list_lock, f);
	return w;
}

int world_prepare_stack(struct world *w, void (*fn)(void *), void *arg)
{
	uint64_t *sp;

	w->kstack_top = kstack_alloc();
	if (!w->kstack_top)
		return -ENOMEM;
	/* What switch_to pops: r15 r14 r13 r12 rbx rbp, then the return into the trampoline;
	 * two zero words above end backtraces and keep world_start's stack ABI-aligned. */
	sp = (uint64_t *)w->kstack_top - 9;
	memset(sp, 0, 9 * sizeof(*sp));
	sp[6] = (uint64_t)world_trampoline;
	w->saved_rsp = (uint64_t)sp;
	w->entry = fn;
	w->arg = arg;
	return 0;
}

static void world_unlist(struct world *w)
{
	uint64_t f = spin_lock_irqsave(&list_lock);

	for (struct world **p = &all_worlds; *p; p = &(*p)->all_next)
		if (*p == w) {
			*p = w->all_next;
			break;
		}
	spin_unlock_irqrestore(&list_lock, f);
}

/* Undo create for a world that never ran. */
static void discard(struct world *w)
{
	sched_entity_join(&w->se, NULL);
	world_unlist(w);
	kstack_free(w->kstack_top);
	kfree(w);
}

/* A world ready to run fn(arg), made runnable (sched_place) only when start is set. */
static int create(const char *name, void (*fn)(void *), void *arg, const struct world_attr *attr,
		  struct proc *p, struct uthread *ut, int tid, struct sched_group *group,
		  bool start, struct world **out)
{
	struct world *w = world_alloc(name, attr);
	int rc;

	if (!w)
		return -ENOMEM;
	w->proc = p;
	w->ut = ut;
	w->as = p ? p->as : NULL;
	w->tid = tid;
	sched_entity_join(&w->se, group); /* not admitted yet: no lock needed */
	rc = world_prepare_stack(w, fn, arg);
	if (!rc && start)
		rc = sched_place(w);
	if (rc) {
		discard(w);
		return rc;
	}
	if (out)
		*out = w;
	return 0;
}

int world_create(const char *name, void (*fn)(void *), void *arg, const struct world_attr *attr,
		 struct world **out)
{
	return create(name, fn, arg, attr, NULL, NULL, 0, NULL, true, out);
}

int world_create_user_tid(const char *name, void (*fn)(void *), void *arg, struct proc *p,
			  struct uthread *ut, int tid, struct sched_group *group,
			  struct world **out)
{
	return create(name, fn, arg, NULL, p, ut, tid, group, false, out);
}

int world_start_new(struct world *w)
{
	int rc = sched_place(w);

	if (rc)
		discard(w);
	return rc;
}

void world_exit(int code)
{
	struct world *me = world_current();

	me->exit_code = code;
	irq_disable();
	me->state = WORLD_DEAD;
	schedule();
	__builtin_unreachable();
}

/* Detached worlds that have exited wait here for the reaper world to free them. */
static struct waitq reap_wq = WAITQ_INIT;
static struct world *reap_list;

void world_detach(struct world *w)
{
	w->detached = true;
}

void world_finish_exit(struct world *w)
{
	uint64_t f;

	if (w->detached) {
		f = spin_lock_irqsave(&reap_wq.lock);
		w->all_next_reap = reap_list;
		reap_list = w;
		waitq_wake_all_locked(&reap_wq);
		spin_unlock_irqrestore(&reap_wq.lock, f);
	}
	/* The last touch of w here: a joiner frees it once it sees on_cpu false, which it
	 * checks under this lock, so not before this unlock. */
	f = spin_lock_irqsave(&w->exit_wq.lock);
	w->on_cpu = false;
	waitq_wake_all_locked(&w->exit_wq);
	spin_unlock_irqrestore(&w->exit_wq.lock, f);
}

static void reaper(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t f = spin_lock_irqsave(&reap_wq.lock);
		struct world *w;

		while (!reap_list)
			waitq_wait(&reap_wq, &f);
		w = reap_list;
		reap_list = w->all_next_reap;
		spin_unlock_irqrestore(&reap_wq.lock, f);
		world_join(w);
	}
}

void world_reaper_start(void)
{
	if (world_create("reaper", reaper, NULL, NULL, NULL))
		panic("cannot start the world reaper");
}

int world_join(struct world *w)
{
	uint64_t f = spin_lock_irqsave(&w->exit_wq.lock);
	int code;

	/* world_finish_exit clears on_cpu under this lock, after its CPU switched away. */
	while (w->state != WORLD_DEAD || w->on_cpu)
		waitq_wait(&w->exit_wq, &f);
	spin_unlock_irqrestore(&w->exit_wq.lock, f);
	code = w->exit_code;
	sched_forget(w);
	world_unlist(w);
	kstack_free(w->kstack_top);
	kfree(w);
	return code;
}

void world_foreach(void (*fn)(struct world *w, void *arg), void *arg)
{
	uint64_t f = spin_lock_irqsave(&list_lock);

	for (struct world *w = all_worlds; w; w = w->all_next)
		fn(w, arg);
	spin_unlock_irqrestore(&list_lock, f);
}
