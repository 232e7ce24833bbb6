/*
 * System V semaphores: semget, semop, semtimedop, semctl (Linux 6.1 semantics).
 *
 * A set holds its values and a FIFO of pending operations (struct sem_queue, on each
 * sleeper's stack).  As on Linux, a sleeper's operations are carried out by whoever makes
 * them possible: after every change (semop, SETVAL, SETALL, an exit's undo) sem_update
 * retries the waits for zero, then the pending alterations in arrival order, starting over
 * after each one that succeeds; the sleeper is woken with the result (0, or -EAGAIN/-ERANGE
 * when an operation it queued can no longer be done).  IPC_RMID wakes every sleeper with
 * EIDRM.  A sleeper that wakes for its own reasons (timeout, signal) leaves the queue itself.
 *
 * SEM_UNDO: each process that uses it gets a struct sem_undo_list (struct proc.sem_undo,
 * shared by its threads, not inherited by fork, kept across exec), holding one struct
 * sem_undo per set, which is also on the set's list (so SETVAL and SETALL can clear every
 * process's adjustments and IPC_RMID can free them).  ipc_sem_exit applies them.
 *
 * Locks, outermost first: the table mutex, a set's wait-queue spinlock (its values, queue and
 * undo list), an undo list's spinlock.  A set lives while it is in the table or someone
 * holds a reference (a sleeper, a semctl in progress).
 */
#define LOG_TAG "sem"
#include "ipc_priv.h"
#include <vmk/aspace.h>
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/time.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <string.h>

#define SEMQ_WAITING 1 /* sem_queue.status until someone completes it */

struct sem_undo {
	struct sem_undo *set_next;  /* the set's list (set lock) */
	struct sem_undo *proc_next; /* the process's list (ulp->lock) */
	struct sem_undo_list *ulp;
	int semid;
	unsigned nsems;
	int16_t adj[];
};

struct sem_undo_list {
	struct spinlock lock;
	struct sem_undo *head;
};

struct sem_queue {
	struct sem_queue *next, *prev;
	struct world *w;
	const struct ipc_sembuf *ops;
	unsigned nops;
	struct sem_undo *un; /* NULL without SEM_UNDO */
	int pid;
	bool alter;	   /* some op is not a wait for zero */
	unsigned blocking; /* the op it waits on (GETNCNT, GETZCNT) */
	int status;
};

struct sem_set {
	struct ipc_kperm perm; /* first: the table holds &perm */
	struct waitq wq;       /* its lock guards what follows; sleepers wait on it */
	int64_t otime, ctime;
	unsigned nsems;
	size_t charged; /* bytes of the IPC budget */
	struct sem_queue *head, *tail;
	struct sem_undo *undos;
	struct ipc_sem sems[];
};

static struct ipc_ids sem_ids = IPC_IDS_INIT(SEMMNI);
static long sem_used; /* semaphores in all sets (table mutex) */

static struct sem_set *set_of(struct ipc_kperm *k)
{
	return (struct sem_set *)k;
}

static void set_put(struct sem_set *s)
{
	if (ipc_unref(&s->perm)) {
		ipc_mem_uncharge(s->charged);
		kfree(s);
	}
}

/* Look id up and hold the set: 0 or -EINVAL. */
static int set_get(int id, bool check, struct sem_set **out)
{
	struct ipc_kperm *k;
	int rc;

	mutex_lock(&sem_ids.lock);
	rc = ipc_find_id(&sem_ids, id, check, &k);
	if (!rc) {
		ipc_ref(k);
		*out = set_of(k);
	}
	mutex_unlock(&sem_ids.lock);
	return rc;
}

static size_t undo_size(unsigned nsems)
{
	return sizeof(struct sem_undo) + nsems * sizeof(int16_t);
}

/* --- the pending queue (set lock held) --- */

static void queue_add(struct sem_set *s, struct sem_queue *q)
{
	q->next = NULL;
	q->prev = s->tail;
	if (s->tail)
		s->tail->next = q;
	else
		s->head = q;
	s->tail = q;
}

static void queue_del(struct sem_set *s, struct sem_queue *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		s->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		s->tail = q->prev;
}

/* q is done with result rc: off the queue, and its sleeper woken to return rc. */
static void queue_complete(struct sem_set *s, struct sem_queue *q, int rc)
{
	queue_del(s, q);
	if (!rc)
		s->otime = ipc_now();
	q->status = rc;
	world_wake(q->w);
}

static int queue_try(struct sem_set *s, struct sem_queue *q)
{
	return ipc_sem_try(s->sems, q->un ? q->un->adj : NULL, q->ops, q->nops, q->pid,
			   &q->blocking);
}

/* Values changed: complete what can now be completed, in Linux's order (waits for zero
 * first; then alterations in arrival order, starting over after each success, since it may
 * have made an earlier one possible or impossible). */
static void sem_update(struct sem_set *s)
{
	struct sem_queue *q, *next;
	bool again;
	int rc;

	do {
		again = false;
		for (q = s->head; q; q = next) {
			next = q->next;
			if (!q->alter && (rc = queue_try(s, q)) != IPC_SEM_BLOCK)
				queue_complete(s, q, rc);
		}
		for (q = s->head; q && !again; q = next) {
			next = q->next;
			if (!q->alter || (rc = queue_try(s, q)) == IPC_SEM_BLOCK)
				continue;
			queue_complete(s, q, rc);
			again = rc == 0;
		}
	} while (again);
}

/* GETNCNT (zero false) / GETZCNT: sleepers whose blocking operation is a decrement / a wait
 * for zero on semaphore n (SUSv3, as Linux counts since 3.16). */
static int count_waiters(struct sem_set *s, unsigned n, bool zero)
{
	int count = 0;

	for (struct sem_queue *q = s->head; q; q = q->next) {
		const struct ipc_sembuf *op = &q->ops[q->blocking];

		if (op->sem_num == n && (zero ? op->sem_op == 0 : op->sem_op < 0))
			count++;
	}
	return count;
}

/* --- undo entries --- */

static struct sem_undo_list *ulp_get(struct proc *p)
{
	struct sem_undo_list *u = __atomic_load_n(&p->sem_undo, __ATOMIC_ACQUIRE), *none = NULL;

	if (u)
		return u;
	u = kzalloc(sizeof(*u));
	if (!u)
		return NULL;
	u->lock = (struct spinlock)SPINLOCK_INIT;
	/* Another thread of p may have made one meanwhile. */
	if (!__atomic_compare_exchange_n(&p->sem_undo, &none, u, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		kfree(u);
		u = none;
	}
	return u;
}

/* The undo entry of ulp for set s, made (zeroed) if it has none: NULL when out of memory
 * (set lock held). */
static struct sem_undo *undo_get(struct sem_set *s, struct sem_undo_list *ulp)
{
	struct sem_undo *un;
	uint64_t f;

	for (un = s->undos; un; un = un->set_next)
		if (un->ulp == ulp)
			return un;
	if (!ipc_mem_charge(undo_size(s->nsems)))
		return NULL;
	un = kzalloc(undo_size(s->nsems));
	if (!un) {
		ipc_mem_uncharge(undo_size(s->nsems));
		return NULL;
	}
	un->ulp = ulp;
	un->semid = s->perm.id;
	un->nsems = s->nsems;
	un->set_next = s->undos;
	s->undos = un;
	f = spin_lock_irqsave(&ulp->lock);
	un->proc_next = ulp->head;
	ulp->head = un;
	spin_unlock_irqrestore(&ulp->lock, f);
	return un;
}

/* Take un off its process's list (set lock held). */
static void undo_unlink_proc(struct sem_undo *un)
{
	uint64_t f = spin_lock_irqsave(&un->ulp->lock);

	for (struct sem_undo **p = &un->ulp->head; *p; p = &(*p)->proc_next)
		if (*p == un) {
			*p = un->proc_next;
			break;
		}
	spin_unlock_irqrestore(&un->ulp->lock, f);
}

static void undo_free(struct sem_undo *un)
{
	ipc_mem_uncharge(undo_size(un->nsems));
	kfree(un);
}

void ipc_sem_exit(struct proc *p)
{
	struct sem_undo_list *ulp = p->sem_undo;

	if (!ulp)
		return;
	for (;;) {
		struct sem_undo *un, **pp;
		struct sem_set *s;
		uint64_t f = spin_lock_irqsave(&ulp->lock);
		int semid = ulp->head ? ulp->head->semid : -1;

		spin_unlock_irqrestore(&ulp->lock, f);
		if (semid < 0)
			break;
		/* A set that is gone took our entry with it (IPC_RMID frees the entries under the
		 * table mutex), so the list has moved on. */
		if (set_get(semid, true, &s))
			continue;
		un = NULL;
		f = spin_lock_irqsave(&s->wq.lock);
		for (pp = &s->undos; !s->perm.deleted && *pp; pp = &(*pp)->set_next)
			if ((*pp)->ulp == ulp) {
				un = *pp;
				*pp = un->set_next;
				break;
			}
		if (!un && !s->perm.deleted) {
			/* Cannot happen: a live set has every entry that names it.  Leave rather
			 * than spin on the entry. */
			log_err("pid %d: undo entry for semid %d missing from its set", p->pid,
				semid);
			spin_unlock_irqrestore(&s->wq.lock, f);
			set_put(s);
			return;
		}
		if (un) {
			undo_unlink_proc(un);
			for (unsigned i = 0; i < s->nsems; i++) {
				int v;

				if (!un->adj[i])
					continue;
				/* Linux clamps to [0, SEMVMX] rather than drop the adjustment. */
				v = s->sems[i].val + un->adj[i];
				s->sems[i].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
				s->sems[i].pid = p->pid;
			}
			s->otime = ipc_now();
			sem_update(s);
		}
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (un)
			undo_free(un);
		set_put(s);
	}
	p->sem_undo = NULL;
	kfree(ulp);
}

/* --- semget --- */

static int sem_create(struct ipc_ids *ids, int32_t key, int flags, long arg)
{
	unsigned nsems = (unsigned)arg;
	size_t size = sizeof(struct sem_set) + nsems * sizeof(struct ipc_sem);
	struct sem_set *s;
	int id;

	if (!nsems)
		return -EINVAL;
	if (sem_used + nsems > SEMMNS || !ipc_mem_charge(size))
		return -ENOSPC;
	s = kzalloc(size);
	if (!s) {
		ipc_mem_uncharge(size);
		return -ENOMEM;
	}
	waitq_init(&s->wq);
	s->nsems = nsems;
	s->charged = size;
	s->ctime = ipc_now();
	id = ipc_add(ids, &s->perm, key, flags);
	if (id < 0) {
		ipc_mem_uncharge(size);
		kfree(s);
		return id;
	}
	sem_used += nsems;
	return id;
}

static int sem_check(struct ipc_kperm *k, long arg)
{
	return (unsigned long)arg > set_of(k)->nsems ? -EINVAL : 0;
}

static long sys_semget(long key, long nsems, long flags, long a3, long a4, long a5)
{
	if ((int)nsems < 0 || (int)nsems > SEMMSL)
		return -EINVAL;
	return ipc_get(&sem_ids, (int32_t)key, (int)flags, (int)nsems, sem_create, sem_check);
}
SYSCALL_DEFINE(64, sys_semget);

/* --- semop, semtimedop --- */

/* Sleep until q is completed, the deadline passes (0: none) or a signal comes; returns the
 * result (set lock held throughout, dropped while asleep). */
static int sem_wait(struct sem_set *s, struct sem_queue *q, uint64_t deadline, uint64_t *f)
{
	for (;;) {
		bool timed_out = deadline ? waitq_wait_until(&s->wq, f, deadline)
					  : (waitq_wait(&s->wq, f), false);

		if (q->status != SEMQ_WAITING)
			return q->status; /* done by whoever completed it, or EIDRM */
		if (timed_out || signal_pending()) {
			queue_del(s, q);
			return timed_out ? -EAGAIN : -EINTR;
		}
	}
}

static long semtimedop(int id, const void *uops, unsigned nops, const void *uts)
{
	struct {
		int64_t sec, nsec;
	} ts;
	struct sem_undo_list *ulp = NULL;
	struct ipc_sembuf *ops;
	struct sem_queue q = {0};
	unsigned max = 0, blocking;
	uint64_t deadline = 0, f;
	bool undos = false, alter = false;
	struct sem_set *s;
	long rc;

	if (uts && copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (nops < 1 || id < 0)
		return -EINVAL;
	if (nops > SEMOPM)
		return -E2BIG;
	ops = kmalloc(nops * sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	rc = copy_from_user(ops, uops, nops * sizeof(*ops));
	if (!rc && uts) {
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
			rc = -EINVAL;
		deadline = time_ns() + (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
	}
	for (unsigned i = 0; i < nops; i++) {
		max = ops[i].sem_num > max ? ops[i].sem_num : max;
		undos |= (ops[i].sem_flg & SEM_UNDO) != 0;
		alter |= ops[i].sem_op != 0;
	}
	if (!rc && undos && !(ulp = ulp_get(proc_current())))
		rc = -ENOMEM;
	if (!rc)
		rc = set_get(id, true, &s);
	if (rc) {
		kfree(ops);
		return rc;
	}
	f = spin_lock_irqsave(&s->wq.lock);
	if (max >= s->nsems)
		rc = -EFBIG;
	else if (!ipc_perm_ok(&s->perm, alter ? 0222 : 0444))
		rc = -EACCES;
	else if (s->perm.deleted)
		rc = -EIDRM;
	else if (undos && !(q.un = undo_get(s, ulp)))
		rc = -ENOMEM;
	if (rc)
		goto out;
	q.pid = proc_current()->pid;
	rc = ipc_sem_try(s->sems, q.un ? q.un->adj : NULL, ops, nops, q.pid, &blocking);
	if (!rc) {
		s->otime = ipc_now();
		if (alter)
			sem_update(s);
	} else if (rc == IPC_SEM_BLOCK) {
		q.w = world_current();
		q.ops = ops;
		q.nops = nops;
		q.alter = alter;
		q.blocking = blocking;
		q.status = SEMQ_WAITING;
		queue_add(s, &q);
		rc = sem_wait(s, &q, deadline, &f);
	}
out:
	spin_unlock_irqrestore(&s->wq.lock, f);
	set_put(s);
	kfree(ops);
	return rc;
}

static long sys_semop(long id, long uops, long nops, long a3, long a4, long a5)
{
	return semtimedop((int)id, (const void *)uops, (unsigned)nops, NULL);
}
SYSCALL_DEFINE(65, sys_semop);

static long sys_semtimedop(long id, long uops, long nops, long uts, long a4, long a5)
{
	return semtimedop((int)id, (const void *)uops, (unsigned)nops, (const void *)uts);
}
SYSCALL_DEFINE(220, sys_semtimedop);

/* --- semctl --- */

static int sem_info(int cmd, struct seminfo *si)
{
	int rc;

	memset(si, 0, sizeof(*si));
	si->semmni = SEMMNI;
	si->semmns = SEMMNS;
	si->semmsl = SEMMSL;
	si->semopm = SEMOPM;
	si->semvmx = SEMVMX;
	si->semmnu = SEMMNU;
	si->semmap = SEMMAP;
	si->semume = SEMUME;
	mutex_lock(&sem_ids.lock);
	si->semusz = cmd == SEM_INFO ? sem_ids.idr.in_use : SEMUSZ;
	si->semaem = cmd == SEM_INFO ? (int32_t)sem_used : SEMAEM;
	rc = ipc_idr_info_max(&sem_ids.idr);
	mutex_unlock(&sem_ids.lock);
	return rc;
}

static int sem_stat(int id, int cmd, struct semid64_ds *out)
{
	struct sem_set *s;
	uint64_t f;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = set_get(id, cmd == IPC_STAT, &s);
	if (rc)
		return rc;
	f = spin_lock_irqsave(&s->wq.lock);
	if (cmd != SEM_STAT_ANY && !ipc_perm_ok(&s->perm, 0444))
		rc = -EACCES;
	else if (s->perm.deleted)
		rc = -EIDRM;
	if (!rc) {
		ipc_perm_out(&s->perm, &out->sem_perm);
		out->sem_otime = s->otime;
		out->sem_ctime = s->ctime;
		out->sem_nsems = s->nsems;
		rc = cmd == IPC_STAT ? 0 : s->perm.id;
	}
	spin_unlock_irqrestore(&s->wq.lock, f);
	set_put(s);
	return rc;
}

/* Clear semaphore n's adjustment (n < 0: all) in every process (set lock held). */
static void undo_clear(struct sem_set *s, int n)
{
	for (struct sem_undo *un = s->undos; un; un = un->set_next)
		if (n >= 0)
			un->adj[n] = 0;
		else
			memset(un->adj, 0, s->nsems * sizeof(un->adj[0]));
}

static int sem_setval(int id, int n, int val)
{
	struct sem_set *s;
	uint64_t f;
	int rc;

	if (val < 0 || val > SEMVMX)
		return -ERANGE;
	rc = set_get(id, true, &s);
	if (rc)
		return rc;
	f = spin_lock_irqsave(&s->wq.lock);
	if (n < 0 || (unsigned)n >= s->nsems)
		rc = -EINVAL;
	else if (!ipc_perm_ok(&s->perm, 0222))
		rc = -EACCES;
	else if (s->perm.deleted)
		rc = -EIDRM;
	if (!rc) {
		undo_clear(s, n);
		s->sems[n].val = val;
		s->sems[n].pid = ipc_pid();
		s->ctime = ipc_now();
		sem_update(s);
	}
	spin_unlock_irqrestore(&s->wq.lock, f);
	set_put(s);
	return rc;
}

/* GETALL, SETALL: the values move through a kernel buffer, copied outside the lock. */
static int sem_all(int id, int cmd, void *uarray)
{
	struct sem_set *s;
	uint16_t *io = NULL;
	uint64_t f;
	int rc;

	rc = set_get(id, true, &s);
	if (rc)
		return rc;
	if (!ipc_perm_ok(&s->perm, cmd == SETALL ? 0222 : 0444)) {
		rc = -EACCES;
		goto out;
	}
	io = kmalloc(s->nsems * sizeof(*io));
	if (!io) {
		rc = -ENOMEM;
		goto out;
	}
	if (cmd == SETALL) {
		if (copy_from_user(io, uarray, s->nsems * sizeof(*io))) {
			rc = -EFAULT;
			goto out;
		}
		for (unsigned i = 0; i < s->nsems; i++)
			if (io[i] > SEMVMX) {
				rc = -ERANGE;
				goto out;
			}
	}
	f = spin_lock_irqsave(&s->wq.lock);
	if (s->perm.deleted) {
		rc = -EIDRM;
	} else if (cmd == GETALL) {
		for (unsigned i = 0; i < s->nsems; i++)
			io[i] = (uint16_t)s->sems[i].val;
	} else {
		for (unsigned i = 0; i < s->nsems; i++) {
			s->sems[i].val = io[i];
			s->sems[i].pid = ipc_pid();
		}
		undo_clear(s, -1);
		s->ctime = ipc_now();
		sem_update(s);
	}
	spin_unlock_irqrestore(&s->wq.lock, f);
	if (!rc && cmd == GETALL && copy_to_user(uarray, io, s->nsems * sizeof(*io)))
		rc = -EFAULT;
out:
	kfree(io);
	set_put(s);
	return rc;
}

/* GETVAL, GETPID, GETNCNT, GETZCNT. */
static int sem_get1(int id, int n, int cmd)
{
	struct sem_set *s;
	uint64_t f;
	int rc;

	rc = set_get(id, true, &s);
	if (rc)
		return rc;
	if (!ipc_perm_ok(&s->perm, 0444)) {
		set_put(s);
		return -EACCES;
	}
	if (n < 0 || (unsigned)n >= s->nsems) {
		set_put(s);
		return -EINVAL;
	}
	f = spin_lock_irqsave(&s->wq.lock);
	if (s->perm.deleted)
		rc = -EIDRM;
	else if (cmd == GETVAL)
		rc = s->sems[n].val;
	else if (cmd == GETPID)
		rc = s->sems[n].pid;
	else
		rc = count_waiters(s, (unsigned)n, cmd == GETZCNT);
	spin_unlock_irqrestore(&s->wq.lock, f);
	set_put(s);
	return rc;
}

/* IPC_SET, IPC_RMID (Linux's semctl_down and freeary). */
static int sem_change(int id, int cmd, const struct semid64_ds *in)
{
	struct ipc_kperm *k;
	struct sem_set *s;
	uint64_t f;
	int rc;

	mutex_lock(&sem_ids.lock);
	rc = ipc_find_id(&sem_ids, id, true, &k);
	if (!rc)
		rc = ipc_owner_ok(k);
	if (rc) {
		mutex_unlock(&sem_ids.lock);
		return rc;
	}
	s = set_of(k);
	f = spin_lock_irqsave(&s->wq.lock);
	if (cmd == IPC_SET) {
		rc = ipc_perm_set(k, &in->sem_perm);
		if (!rc)
			s->ctime = ipc_now();
		spin_unlock_irqrestore(&s->wq.lock, f);
		mutex_unlock(&sem_ids.lock);
		return rc;
	}
	while (s->undos) {
		struct sem_undo *un = s->undos;

		s->undos = un->set_next;
		undo_unlink_proc(un);
		undo_free(un);
	}
	while (s->head)
		queue_complete(s, s->head, -EIDRM);
	ipc_remove(&sem_ids, k);
	sem_used -= s->nsems;
	spin_unlock_irqrestore(&s->wq.lock, f);
	mutex_unlock(&sem_ids.lock);
	set_put(s); /* the table's reference */
	return 0;
}

static long sys_semctl(long lid, long lnum, long lcmd, long arg, long a4, long a5)
{
	int id = (int)lid, n = (int)lnum, cmd = (int)lcmd;
	void *p = (void *)arg;
	long rc;

	if (id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO: {
		struct seminfo si;

		rc = sem_info(cmd, &si);
		return copy_to_user(p, &si, sizeof(si)) ? -EFAULT : rc;
	}
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY: {
		struct semid64_ds ds;

		rc = sem_stat(id, cmd, &ds);
		if (rc >= 0 && copy_to_user(p, &ds, sizeof(ds)))
			rc = -EFAULT;
		return rc;
	}
	case GETALL:
	case SETALL:
		return sem_all(id, cmd, p);
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
		return sem_get1(id, n, cmd);
	case SETVAL:
		return sem_setval(id, n, (int)arg);
	case IPC_SET: {
		struct semid64_ds ds;

		if (copy_from_user(&ds, p, sizeof(ds)))
			return -EFAULT;
		return sem_change(id, cmd, &ds);
	}
	case IPC_RMID:
		return sem_change(id, cmd, NULL);
	default:
		return -EINVAL;
	}
}
SYSCALL_DEFINE(66, sys_semctl);
