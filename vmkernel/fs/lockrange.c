/* File-lock records: conflicts, POSIX split/merge, flock conversion, deadlock chains (pure). */
#include <vmk/lockrange.h>

bool lockr_conflict(const struct lock_rec *req, const struct lock_rec *held)
{
	if (req->owner == held->owner)
		return false;
	if ((req->kind == LOCKR_FLOCK) != (held->kind == LOCKR_FLOCK))
		return false;
	if (req->kind != LOCKR_FLOCK && (held->end < req->start || req->end < held->start))
		return false;
	return held->type == LOCKR_WR || req->type == LOCKR_WR;
}

const struct lock_rec *lockr_find_conflict(const struct lock_rec *list, const struct lock_rec *req)
{
	for (const struct lock_rec *r = list; r; r = r->next)
		if (lockr_conflict(req, r))
			return r;
	return NULL;
}

/*
 * Is r (the request's owner's) changed by req?  It overlaps the range, or it has the type
 * being locked and touches the range, so that the two merge.  Comparisons use start - 1 and
 * end + 1 only where they cannot overflow.
 */
static bool affected(const struct lock_rec *r, const struct lock_rec *req)
{
	if (r->end >= req->start && r->start <= req->end)
		return true;
	if (req->type == LOCKR_UN || r->type != req->type)
		return false;
	return (req->start > 0 && r->end == req->start - 1) ||
	       (req->end < LOCKR_OFFSET_MAX && r->start == req->end + 1);
}

/* A record for a new piece: a reused one from *pool, else a spare. */
static struct lock_rec *take(struct lock_rec **pool, struct lock_rec *spare[2])
{
	struct lock_rec *r = *pool;

	if (r) {
		*pool = r->next;
		return r;
	}
	for (int i = 0; i < 2; i++)
		if (spare[i]) {
			r = spare[i];
			spare[i] = NULL;
			return r;
		}
	return NULL;
}

/*
 * The owner's affected records form one run in its sorted group (any record between two
 * affected ones lies inside the range).  They are replaced by at most three pieces: what
 * sticks out on the left of a record of another type, the new lock (grown over the records
 * of its type it touches), what sticks out on the right.  The first record of the new lock's
 * type keeps its identity as the new lock (it only grows, so its waiters need no wake-up);
 * every other affected record is reported to changed() and reused or disposed of.
 */
int lockr_posix_apply(struct lock_rec **list, const struct lock_rec *req, long room,
		      struct lock_rec *spare[2], struct lock_rec **dispose, long *delta,
		      lockr_changed_fn changed, void *arg)
{
	struct lock_rec **at = list, *first, *after, *keep = NULL, *pool = NULL;
	struct lock_rec left = {0}, right = {0}, *piece[3];
	bool has_left = false, has_right = false;
	int64_t ns = req->start, ne = req->end;
	long n = 0, pieces, np = 0;

	*delta = 0;
	while (*at && (*at)->owner != req->owner)
		at = &(*at)->next;
	/* *at: the owner's first record, or the tail.  Skip the records before the run. */
	while (*at && (*at)->owner == req->owner && !affected(*at, req) && (*at)->end < req->start)
		at = &(*at)->next;
	first = *at;
	after = first;
	while (after && after->owner == req->owner && affected(after, req)) {
		if (req->type != LOCKR_UN && after->type == req->type) {
			ns = after->start < ns ? after->start : ns;
			ne = after->end > ne ? after->end : ne;
			if (!keep)
				keep = after;
		} else {
			if (after->start < req->start) {
				left = *after;
				has_left = true;
			}
			if (after->end > req->end) {
				right = *after;
				has_right = true;
			}
		}
		n++;
		after = after->next;
	}
	pieces = has_left + has_right + (req->type != LOCKR_UN);
	if (pieces - n > room)
		return -ENOLCK;
	if (pieces - n > (spare[0] != NULL) + (spare[1] != NULL))
		return -ENOLCK;

	/* Unlink the run; everything in it but keep becomes reusable. */
	for (struct lock_rec *r = first, *next; r != after; r = next) {
		next = r->next;
		if (r == keep)
			continue;
		changed(r, arg);
		r->next = pool;
		pool = r;
	}
	if (has_left) {
		struct lock_rec *p = take(&pool, spare);

		*p = left;
		p->end = req->start - 1;
		piece[np++] = p;
	}
	if (req->type != LOCKR_UN) {
		struct lock_rec *p = keep ? keep : take(&pool, spare);

		if (!keep) {
			*p = *req;
		}
		p->start = ns;
		p->end = ne;
		piece[np++] = p;
	}
	if (has_right) {
		struct lock_rec *p = take(&pool, spare);

		*p = right;
		p->start = req->end + 1;
		piece[np++] = p;
	}
	for (long i = np - 1; i >= 0; i--) {
		piece[i]->next = after;
		after = piece[i];
	}
	*at = after;
	while (pool) {
		struct lock_rec *r = pool;

		pool = r->next;
		r->next = *dispose;
		*dispose = r;
	}
	*delta = pieces - n;
	return 0;
}

int lockr_flock_apply(struct lock_rec **list, const struct lock_rec *req, long room,
		      struct lock_rec **spare, struct lock_rec **dispose, long *delta,
		      const struct lock_rec **conflict, lockr_changed_fn changed, void *arg)
{
	struct lock_rec **at = list;

	*delta = 0;
	*conflict = NULL;
	while (*at && (*at)->owner != req->owner)
		at = &(*at)->next;
	if (*at) {
		struct lock_rec *old = *at;

		if (old->type == req->type)
			return 0;
		changed(old, arg);
		*at = old->next;
		old->next = *dispose;
		*dispose = old;
		(*delta)--;
	}
	if (req->type == LOCKR_UN)
		return 0;
	*conflict = lockr_find_conflict(*list, req);
	if (*conflict)
		return -EAGAIN;
	if (*delta + 1 > room || !*spare)
		return -ENOLCK;
	while (*at)
		at = &(*at)->next;
	**spare = *req;
	(*spare)->next = NULL;
	(*spare)->start = 0;
	(*spare)->end = LOCKR_OFFSET_MAX;
	*at = *spare;
	*spare = NULL;
	(*delta)++;
	return 0;
}

/* The record that a waiter of owner o waits on, if o is waiting on a POSIX record. */
static const struct lock_rec *waits_for(const struct lock_waiter *waiters,
					const struct lock_owner *o)
{
	for (const struct lock_waiter *w = waiters; w; w = w->next)
		if (w->blocker && w->blocker->kind == LOCKR_POSIX && w->req.owner == o)
			return w->blocker;
	return NULL;
}

bool lockr_deadlock(const struct lock_waiter *waiters, const struct lock_owner *caller,
		    const struct lock_rec *block)
{
	int i = 0;

	while ((block = waits_for(waiters, block->owner))) {
		if (i++ > LOCKR_DEADLK_ITERATIONS)
			return false;
		if (block->owner == caller)
			return true;
	}
	return false;
}
