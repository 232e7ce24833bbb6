/*
 * Worlds: every schedulable context (kernel thread, userworld thread, later a guest vCPU).
 * Each CPU has a run queue ordered by the scheduling policy (vmk/sched_policy.h: shares,
 * reservation, limit); the LAPIC tick preempts, idle CPUs halt and steal work from busy ones.
 *
 * Locking rule for the whole kernel: spinlocks are only ever held with interrupts off
 * (spin_lock_irqsave), so a world interrupted with interrupts on holds none and may be
 * preempted.  Functions here that may block say so; none may be called with a spinlock held.
 */
#ifndef VMK_WORLD_H
#define VMK_WORLD_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <vmk/sched_policy.h>
#include <vmk/spinlock.h>

enum world_state {
	WORLD_RUNNABLE, /* queued or running */
	WORLD_BLOCKED,	/* waiting on a wait queue or a timer */
	WORLD_DEAD,	/* exited; waiting to be joined */
};

struct waitq {
	struct spinlock lock;
	struct world *head, *tail;
};
#define WAITQ_INIT                  \
	{                           \
		SPINLOCK_INIT, 0, 0 \
	}

#define WORLD_NAME_MAX 24
#define WORLD_ANY_CPU  (~0ull)

struct world {
	unsigned id;
	char name[WORLD_NAME_MAX];
	volatile enum world_state state;
	struct sched_entity se; /* policy state; runtime_ns is the CPU time used */
	unsigned cpu;		/* run queue it belongs to (guarded by that queue's lock) */
	uint64_t affinity;	/* CPUs it may run on (bit per logical CPU) */
	volatile bool on_cpu;	/* its context is live on some CPU (not yet switched out) */
	bool queued;		/* in its run queue's policy queue */
	bool idle;		/* a CPU's idle world: never queued */
	uintptr_t kstack_top;	/* 0 for worlds that adopted a boot stack */
	uint64_t saved_rsp;	/* context while switched out */
	uint64_t run_start;	/* when it last started running (ns) */
	uint64_t wake_at;	/* sleep deadline (ns), 0 when not sleeping */
	void (*entry)(void *);
	void *arg;
	int exit_code;
	struct waitq *waiting_on;    /* the wait queue it sleeps on, if any */
	struct world *wq_next;	     /* link in that wait queue */
	struct world *sleep_next;    /* link in its CPU's timed-sleep list */
	struct world *all_next;	     /* link in the list of all worlds */
	struct waitq exit_wq;	     /* joiners wait here */
	struct aspace *as;	     /* user address space, NULL for kernel-only worlds */
	struct proc *proc;	     /* the userworld it is a thread of, or NULL */
	struct uthread *ut;	     /* its user-mode state (FPU, TLS base), or NULL */
	struct regs *uregs;	     /* the user frame of the system call in progress */
	int tid;		     /* thread id (the pid for a process's first thread) */
	struct world *thread_next;   /* its process's other threads (under proc_wq's lock) */
	bool detached;		     /* freed by the reaper when it exits; nobody joins it */
	struct world *all_next_reap; /* link on the reaper's list */
	bool nofault;		     /* user copies must not page in (a spinlock is held) */
	const void *kcopy;	     /* a kernel buffer user copies may reach (uaccess.c) */
	size_t kcopy_len;
	bool migrate; /* leaving its CPU (affinity changed) */
	/* Futexes (uw/futex*.c): here, not in struct uthread, because PI lockers and
	 * get_robust_list read them for other threads, which stay listed (and allocated) until
	 * after their uthread is freed. */
	uint64_t robust_list; /* set_robust_list's head (a user address), 0 for none */
	bool futex_dead;      /* its robust list is done: PI lockers no longer wait for it */
};

struct world_attr {
	uint32_t shares;      /* 0 = default */
	uint32_t reservation; /* per-mille of one CPU */
	uint32_t limit;	      /* per-mille of one CPU, 0 = none */
	uint64_t affinity;    /* 0 = any CPU */
};

/* Start the scheduler on this CPU.  The running context becomes a world named `name`: the
 * CPU's idle world when `is_idle` (an AP), else an ordinary world (the boot CPU's main thread),
 * and then an idle world is made for the CPU. */
void sched_init_cpu(const char *name, bool is_idle);
/* The idle loop (an AP's boot context ends here): halt until there is work. */
void sched_idle(void) __attribute__((noreturn));

/* Create a runnable world running fn(arg).  0 or -ENOMEM / -EBUSY (reservation refused). */
int world_create(const char *name, void (*fn)(void *), void *arg, const struct world_attr *attr,
		 struct world **out);
/* The same for a thread of a userworld, but not yet runnable: the world carries p's address
 * space and ut, and is a member of group (its process's controls).  The caller lists it
 * where senders and exit_group look for it, then starts it with world_start_new, which on
 * failure (-EBUSY) frees it: the caller unlists it first. */
struct proc;
struct uthread;
int world_create_user_tid(const char *name, void (*fn)(void *), void *arg, struct proc *p,
			  struct uthread *ut, int tid, struct sched_group *group,
			  struct world **out);
int world_start_new(struct world *w);
/* End the calling world. */
void world_exit(int code) __attribute__((noreturn));
/* Nobody will join w: when it exits, a kernel world frees it. */
void world_detach(struct world *w);
/* Start that kernel world (once, at boot). */
void world_reaper_start(void);
/* Wait for w to exit, free it, return its exit code.  Blocks. */
int world_join(struct world *w);
struct world *world_current(void);
/* Give up the CPU to another runnable world, if any. */
void world_yield(void);
/* Sleep at least ns nanoseconds (tick granularity).  Blocks. */
void world_sleep_ns(uint64_t ns);
/* Restrict w to the CPUs in mask (bit per logical CPU); the calling world moves at once if
 * its CPU is no longer allowed, another at its next switch.  0 or -EINVAL (no online CPU). */
int world_set_affinity(struct world *w, uint64_t mask);
/* Change shares/reservation/limit; -EBUSY if the reservation does not fit on its CPU. */
int world_set_controls(struct world *w, uint32_t shares, uint32_t reservation, uint32_t limit);
/* The calling world leaves its group (before it exits: the group may go first). */
void world_leave_group(void);
/* Call fn for every world (under the world-list lock: fn must not block). */
void world_foreach(void (*fn)(struct world *w, void *arg), void *arg);

/* Scheduler hooks for the arch code. */
void sched_tick(void);		  /* timer interrupt: account, wake sleepers, preempt */
void sched_irq_exit(bool irq_on); /* end of an interrupt: switch if a reschedule is due */
void schedule(void);		  /* pick and switch; the caller set its own state first */
/* When this CPU's scheduler next needs a timer interrupt (time_ns): the end of the current
 * slice if other worlds wait, or the earliest timed sleeper here; UINT64_MAX for none.
 * Interrupts off. */
uint64_t sched_next_event(void);

/* --- wait queues and the primitives built on them (world/sync.c) --- */

void waitq_init(struct waitq *wq);
/* Block on wq.  The caller holds wq->lock (spin_lock_irqsave, flags in *flags), which also
 * guards the condition it waits for; the lock is dropped while blocked and held again on
 * return.  Wakeups can be spurious (world_wake from a signal leaves the queue too): re-check
 * the condition in a loop. */
void waitq_wait(struct waitq *wq, uint64_t *flags);
/* Wake one / all waiters; the _locked forms are for callers holding wq->lock.  Any context.
 * Return how many were woken. */
unsigned waitq_wake_one(struct waitq *wq);
unsigned waitq_wake_all(struct waitq *wq);
unsigned waitq_wake_one_locked(struct waitq *wq);
unsigned waitq_wake_all_locked(struct waitq *wq);
/* waitq_wait with a deadline (time_ns()): also returns once the deadline passes.
 * True when it returned because of the deadline. */
bool waitq_wait_until(struct waitq *wq, uint64_t *flags, uint64_t deadline);
/* Make a blocked world runnable (any context). */
void world_wake(struct world *w);

struct mutex {
	struct waitq wq; /* its lock guards owner */
	struct world *owner;
};
#define MUTEX_INIT            \
	{                     \
		WAITQ_INIT, 0 \
	}
void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m); /* blocks */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m); /* must be the owner */

struct semaphore {
	struct waitq wq; /* its lock guards count */
	long count;
};
void sem_init(struct semaphore *s, long count);
void sem_down(struct semaphore *s); /* blocks */
bool sem_trydown(struct semaphore *s);
void sem_up(struct semaphore *s);

struct condvar {
	struct waitq wq;
};
void cond_init(struct condvar *c);
/* Atomically release m and wait; m is held again on return.  Blocks.  Spurious wakeups
 * happen: wait in a loop on the condition. */
void cond_wait(struct condvar *c, struct mutex *m);
void cond_signal(struct condvar *c);
void cond_broadcast(struct condvar *c);

#endif
