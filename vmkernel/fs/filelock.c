/* File locks: the lock around the records, blocking waits, limits, close hooks, /proc/locks. */
#define LOG_TAG "filelock"
#include <vmk/filelock.h>
#include <vmk/file.h>
#include <vmk/vfs.h>
#include <vmk/world.h>
#include <vmk/signal.h>
#include <vmk/mm.h>
#include <vmk/log.h>
#include <vmk/compiler.h>
#include <vmk/rootfs.h>

/*
 * Overview. Every waiter sleeps on one wait queue, lk_wq, whose spinlock is the module's lock:
 * it guards every struct lock_list, the waiters and the counts.  A waiter records the held
 * record it waits on; whoever shrinks, retypes or removes that record (lockrange reports it
 * through wake_waiters) clears the waiter's blocker and wakes that world by name, so an
 * unlock wakes only those it concerns (the queue itself is never woken as a whole).  The
 * woken world takes the lock again and retries its request from the start, as Linux's
 * posix_lock_inode_wait does; a signal ends the wait with -EINTR unless the blocker went.
 *
 * Records are allocated before the lock is taken (a POSIX request needs at most two new
 * ones) and whatever is left over or no longer needed is freed after it is dropped.
 *
 * A vnode's list holds a reference on the vnode while it has records (lock_list.vref), so a
 * vnode can never be freed under its locks, even if some were left behind by mistake; the
 * reference follows the list's state under the VFS mutex (hold_vnode), after the change.
 */

static struct waitq lk_wq = WAITQ_INIT;
static struct lock_waiter *lk_waiters; /* in the order they came (/proc/locks) */
static unsigned lk_nwaiters;
static struct lock_list *lk_lists; /* lists holding records (/proc/locks) */
static unsigned long lk_total;	   /* records in all lists */

static struct lock_list *list_of(struct file *f)
{
	return f->vnode ? &f->vnode->locks : &f->lock_list;
}

/* What the owner may still take: its own limit or the system's, whichever is nearer. */
static long room(const struct lock_owner *o)
{
	long own = FILELOCK_OWNER_MAX - (long)o->nrecs;
	long all = FILELOCK_TOTAL_MAX - (long)lk_total;

	return own < all ? own : all;
}

static void account(struct lock_owner *o, long delta)
{
	o->nrecs = (unsigned)((long)o->nrecs + delta);
	lk_total = (unsigned long)((long)lk_total + delta);
}

/* Keep l on lk_lists while it holds records; the file's identity is taken on the way in.
 * True when l went from empty to busy or back (hold_vnode is due). */
static bool track(struct lock_list *l, struct file *f)
{
	bool busy = l->posix || l->flock;

	if (busy && !l->all_pprev) {
		l->noinode = !f->vnode;
		l->ino = f->vnode ? f->vnode->ino : 0;
		l->dev = f->vnode && f->vnode->mount ? f->vnode->mount->dev : 0;
		l->all_next = lk_lists;
		if (lk_lists)
			lk_lists->all_pprev = &l->all_next;
		l->all_pprev = &lk_lists;
		lk_lists = l;
	} else if (!busy && l->all_pprev) {
		*l->all_pprev = l->all_next;
		if (l->all_next)
			l->all_next->all_pprev = l->all_pprev;
		l->all_next = NULL;
		l->all_pprev = NULL;
	} else {
		return false;
	}
	return true;
}

/*
 * Make the vnode reference of f's list match whether the list holds records.  Serialised by
 * the VFS mutex, so each change of the reference follows the list's state at that moment;
 * a put is never for a reference not yet taken.  Whoever changes a list holds a file of the
 * vnode, whose own reference keeps the vnode alive meanwhile.
 */
static void hold_vnode(struct file *f)
{
	struct vnode *v = f->vnode;
	bool busy, change;
	uint64_t fl;

	if (!v)
		return;
	kvfs_lock();
	fl = spin_lock_irqsave(&lk_wq.lock);
	busy = v->locks.posix || v->locks.flock;
	change = busy != v->locks.vref;
	v->locks.vref = busy;
	spin_unlock_irqrestore(&lk_wq.lock, fl);
	if (change && busy)
		vnode_get(v);
	else if (change)
		vnode_put(v);
	kvfs_unlock();
}

/* lockrange's report that r is about to change: wake whoever waits on it. */
static void wake_waiters(const struct lock_rec *r, void *arg)
{
	if (!lk_nwaiters)
		return;
	for (struct lock_waiter *w = lk_waiters; w; w = w->next)
		if (w->blocker == r) {
			w->blocker = NULL;
			world_wake(w->sleeper);
		}
}

static void free_recs(struct lock_rec *r)
{
	while (r) {
		struct lock_rec *next = r->next;

		kfree(r);
		r = next;
	}
}

static void warn_limit(void)
{
	static bool logged;

	if (!logged) {
		logged = true;
		log_warn("file lock limit reached (%u per owner, %u in all): ENOLCK",
			 FILELOCK_OWNER_MAX, FILELOCK_TOTAL_MAX);
	}
}

/*
 * Wait (lk_wq.lock held, flags in *fl) until the record c that blocks w's request changes:
 * 0 to try again, or -EINTR when a signal is to be handled first.
 */
static int wait_on(struct lock_waiter *w, const struct lock_rec *c, bool *queued, uint64_t *fl)
{
	if (signal_pending())
		return -EINTR;
	w->blocker = c;
	if (!*queued) {
		struct lock_waiter **pp = &lk_waiters;

		while (*pp)
			pp = &(*pp)->next;
		w->next = NULL;
		*pp = w;
		*queued = true;
		lk_nwaiters++;
	}
	waitq_wait(&lk_wq, fl);
	if (w->blocker && signal_pending())
		return -EINTR;
	return 0;
}

static void unqueue(struct lock_waiter *w)
{
	for (struct lock_waiter **pp = &lk_waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			lk_nwaiters--;
			break;
		}
	w->blocker = NULL;
}

int filelock_posix_set(struct file *f, const struct lock_rec *req, bool wait)
{
	struct lock_list *l = list_of(f);
	struct lock_rec *spare[2] = {NULL, NULL}, *dispose = NULL;
	struct lock_waiter w = {.req = *req, .sleeper = world_current()};
	bool queued = false, moved = false;
	uint64_t fl;
	long delta;
	int rc;

	if (req->type != LOCKR_UN || req->start != 0 || req->end != LOCKR_OFFSET_MAX) {
		spare[0] = kmalloc(sizeof(struct lock_rec));
		spare[1] = kmalloc(sizeof(struct lock_rec));
		if (!spare[0] || !spare[1]) {
			kfree(spare[0]);
			kfree(spare[1]);
			return -ENOLCK;
		}
	}
	fl = spin_lock_irqsave(&lk_wq.lock);
	for (;;) {
		const struct lock_rec *c = NULL;

		if (req->type != LOCKR_UN)
			c = lockr_find_conflict(l->posix, req);
		if (!c) {
			rc = lockr_posix_apply(&l->posix, req, room(req->owner), spare, &dispose,
					       &delta, wake_waiters, NULL);
			account(req->owner, delta);
			moved = track(l, f);
			break;
		}
		rc = -EAGAIN;
		if (!wait)
			break;
		w.blocker = NULL; /* not part of the chain it checks */
		if (req->kind == LOCKR_POSIX && lockr_deadlock(lk_waiters, req->owner, c)) {
			rc = -EDEADLK;
			break;
		}
		rc = wait_on(&w, c, &queued, &fl);
		if (rc)
			break;
	}
	if (queued)
		unqueue(&w);
	spin_unlock_irqrestore(&lk_wq.lock, fl);
	if (moved)
		hold_vnode(f);
	kfree(spare[0]);
	kfree(spare[1]);
	free_recs(dispose);
	if (rc == -ENOLCK)
		warn_limit();
	return rc;
}

void filelock_posix_test(struct file *f, struct lock_rec *req)
{
	struct lock_list *l = list_of(f);
	uint64_t fl = spin_lock_irqsave(&lk_wq.lock);
	const struct lock_rec *c = lockr_find_conflict(l->posix, req);

	if (c) {
		*req = *c;
		req->next = NULL;
	} else {
		req->type = LOCKR_UN;
	}
	spin_unlock_irqrestore(&lk_wq.lock, fl);
}

int filelock_flock(struct file *f, int type, int pid, bool wait)
{
	struct lock_list *l = list_of(f);
	struct lock_rec req = {.owner = &f->lock_owner, .kind = LOCKR_FLOCK, .type = (uint8_t)type};
	struct lock_rec *spare = NULL, *dispose = NULL;
	struct lock_waiter w = {.sleeper = world_current()};
	const struct lock_rec *c;
	bool queued = false, moved = false;
	uint64_t fl;
	long delta;
	int rc;

	req.end = LOCKR_OFFSET_MAX;
	req.pid = pid;
	w.req = req;
	if (type != LOCKR_UN && !(spare = kmalloc(sizeof(*spare))))
		return -ENOMEM;
	fl = spin_lock_irqsave(&lk_wq.lock);
	for (;;) {
		rc = lockr_flock_apply(&l->flock, &req, room(req.owner), &spare, &dispose, &delta,
				       &c, wake_waiters, NULL);
		account(req.owner, delta);
		moved |= track(l, f);
		if (rc != -EAGAIN || !wait)
			break;
		rc = wait_on(&w, c, &queued, &fl);
		if (rc)
			break;
	}
	if (queued)
		unqueue(&w);
	spin_unlock_irqrestore(&lk_wq.lock, fl);
	if (moved)
		hold_vnode(f);
	kfree(spare);
	free_recs(dispose);
	if (rc == -ENOLCK)
		warn_limit();
	return rc;
}

void filelock_close_posix(struct file *f, struct lock_owner *o)
{
	struct lock_list *l = list_of(f);
	struct lock_rec req = {.owner = o, .kind = LOCKR_POSIX, .type = LOCKR_UN};
	struct lock_rec *none[2] = {NULL, NULL}, *dispose = NULL;
	uint64_t fl;
	long delta;
	bool moved;

	/* Nothing to drop when the owner holds no records, or the file has no POSIX ones. */
	if (!READ_ONCE(o->nrecs) || !READ_ONCE(l->posix))
		return;
	req.end = LOCKR_OFFSET_MAX;
	fl = spin_lock_irqsave(&lk_wq.lock);
	/* A whole-range unlock needs no new record and no room: it cannot fail. */
	lockr_posix_apply(&l->posix, &req, 0, none, &dispose, &delta, wake_waiters, NULL);
	account(o, delta);
	moved = track(l, f);
	spin_unlock_irqrestore(&lk_wq.lock, fl);
	if (moved)
		hold_vnode(f);
	free_recs(dispose);
}

/* Drop every OFD and flock lock f owns (lk_wq.lock held); records to free go on *dispose. */
static bool drop_owned_locked(struct file *f, struct lock_rec **dispose)
{
	struct lock_list *l = list_of(f);
	struct lock_rec req = {.owner = &f->lock_owner, .kind = LOCKR_OFD, .type = LOCKR_UN};
	struct lock_rec *none[2] = {NULL, NULL}, *nospare = NULL;
	const struct lock_rec *c;
	long delta;

	req.end = LOCKR_OFFSET_MAX;
	lockr_posix_apply(&l->posix, &req, 0, none, dispose, &delta, wake_waiters, NULL);
	account(req.owner, delta);
	req.kind = LOCKR_FLOCK;
	lockr_flock_apply(&l->flock, &req, 0, &nospare, dispose, &delta, &c, wake_waiters, NULL);
	account(req.owner, delta);
	return track(l, f);
}

/*
 * The list of a file without a vnode dies with the file.  Every POSIX lock on it has gone
 * with the closes of its descriptors; should one be left all the same, it is dropped here
 * (its owner's count is not touched: the owner may be gone) rather than freed under the list.
 */
static unsigned purge_locked(struct lock_list *l, struct lock_rec **dispose)
{
	unsigned n = 0;

	for (int pass = 0; pass < 2; pass++) {
		struct lock_rec **head = pass ? &l->flock : &l->posix;

		while (*head) {
			struct lock_rec *r = *head;

			wake_waiters(r, NULL);
			*head = r->next;
			r->next = *dispose;
			*dispose = r;
			lk_total--;
			n++;
		}
	}
	return n;
}

void filelock_release_file(struct file *f)
{
	struct lock_rec *dispose = NULL;
	unsigned leaked = 0;
	bool moved;
	uint64_t fl;

	if (!READ_ONCE(f->lock_owner.nrecs) &&
	    (f->vnode || (!READ_ONCE(f->lock_list.posix) && !READ_ONCE(f->lock_list.flock))))
		return;
	fl = spin_lock_irqsave(&lk_wq.lock);
	moved = drop_owned_locked(f, &dispose);
	if (!f->vnode) {
		leaked = purge_locked(&f->lock_list, &dispose);
		track(&f->lock_list, f);
	}
	spin_unlock_irqrestore(&lk_wq.lock, fl);
	if (moved)
		hold_vnode(f);
	free_recs(dispose);
	if (leaked)
		log_err("%u lock records left on a file at its last close: dropped", leaked);
}

void filelock_kernel_unlock(struct file *f)
{
	filelock_release_file(f);
}

int filelock_kernel_lock(struct file *f, bool exclusive)
{
	struct lock_list *l = list_of(f);
	struct lock_rec ofd = {.owner = &f->lock_owner, .kind = LOCKR_OFD};
	struct lock_rec flk = {.owner = &f->lock_owner, .kind = LOCKR_FLOCK};
	struct lock_rec *spare[2], *fspare, *dispose = NULL;
	const struct lock_rec *c;
	bool moved = false;
	uint64_t fl;
	long delta;
	int rc;

	ofd.type = flk.type = exclusive ? LOCKR_WR : LOCKR_RD;
	ofd.end = flk.end = LOCKR_OFFSET_MAX;
	ofd.pid = -1;
	spare[0] = kmalloc(sizeof(struct lock_rec));
	spare[1] = kmalloc(sizeof(struct lock_rec));
	fspare = kmalloc(sizeof(struct lock_rec));
	rc = spare[0] && spare[1] && fspare ? 0 : -ENOLCK;
	fl = spin_lock_irqsave(&lk_wq.lock);
	/* Both or neither: check everything before changing anything. */
	if (!rc && (lockr_find_conflict(l->posix, &ofd) || lockr_find_conflict(l->flock, &flk)))
		rc = -EAGAIN;
	else if (!rc && room(&f->lock_owner) < 2)
		rc = -ENOLCK;
	if (!rc) {
		lockr_posix_apply(&l->posix, &ofd, 2, spare, &dispose, &delta, wake_waiters, NULL);
		account(&f->lock_owner, delta);
		lockr_flock_apply(&l->flock, &flk, 1, &fspare, &dispose, &delta, &c, wake_waiters,
				  NULL);
		account(&f->lock_owner, delta);
		moved = track(l, f);
	}
	spin_unlock_irqrestore(&lk_wq.lock, fl);
	if (moved)
		hold_vnode(f);
	kfree(spare[0]);
	kfree(spare[1]);
	kfree(fspare);
	free_recs(dispose);
	if (rc == -ENOLCK)
		warn_limit();
	return rc;
}

static void snap_one(struct filelock_info *out, size_t max, size_t n, const struct lock_list *l,
		     const struct lock_rec *r, bool waiter)
{
	struct filelock_info *i = out + n;

	if (n >= max)
		return;
	i->kind = r->kind;
	i->type = r->type;
	i->waiter = waiter;
	i->noinode = l->noinode;
	i->pid = r->kind == LOCKR_OFD ? -1 : r->pid;
	i->start = r->start;
	i->end = r->end;
	i->dev = l->dev;
	i->ino = l->ino;
}

/*
 * Waiters are listed after the record they wait on.  Records with waiters are marked first,
 * so that only those are matched against the waiters: O(records + waiters * marked), not
 * records * waiters, with interrupts off.
 */
size_t filelock_snapshot(struct filelock_info *out, size_t max)
{
	uint64_t fl = spin_lock_irqsave(&lk_wq.lock);
	size_t n = 0;

	for (struct lock_waiter *w = lk_waiters; w; w = w->next)
		if (w->blocker)
			((struct lock_rec *)w->blocker)->mark = 1;
	for (const struct lock_list *l = lk_lists; l; l = l->all_next)
		for (int pass = 0; pass < 2; pass++)
			for (struct lock_rec *r = pass ? l->flock : l->posix; r; r = r->next) {
				snap_one(out, max, n++, l, r, false);
				if (!r->mark)
					continue;
				r->mark = 0;
				for (const struct lock_waiter *w = lk_waiters; w; w = w->next)
					if (w->blocker == r)
						snap_one(out, max, n++, l, &w->req, true);
			}
	spin_unlock_irqrestore(&lk_wq.lock, fl);
	return n;
}

unsigned long filelock_count(void)
{
	return READ_ONCE(lk_total);
}
