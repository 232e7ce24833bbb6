/*
 * File-lock records: the pure part of file locking (Linux 6.1's fs/locks.c semantics).
 * fs/filelock.c does the locking, the waiting and the accounting around it; this part only
 * edits lists of records and answers questions about them, so it is host-unit-tested.
 *
 * Overview. A locked file has a struct lock_list (in its vnode) with two lists of records:
 *
 *  - posix: byte-range locks, fcntl F_SETLK (kind POSIX, owned by a process's descriptor
 *    table) and F_OFD_SETLK (kind OFD, owned by an open file description).  They share one
 *    list and conflict with each other.  One owner's records are disjoint, kept together and
 *    sorted by start; owners follow each other in the order their first record came (a new
 *    owner goes to the tail).  That is Linux's order, and what F_GETLK's "first conflicting
 *    lock" means.  Adjacent or overlapping records of one owner and one type are merged; a
 *    lock of another type or an unlock splits what it covers.
 *  - flock: whole-file locks, flock(2) (kind FLOCK, owned by an open file description), at
 *    most one per owner, in arrival order.  They never conflict with the posix list.
 *
 * Ranges are inclusive [start, end], 0 <= start <= end <= LOCKR_OFFSET_MAX; end
 * LOCKR_OFFSET_MAX means "to the end of all possible offsets" (l_len 0).  Nothing here
 * allocates: the caller passes spare records in and frees the ones handed back.
 */
#ifndef VMK_LOCKRANGE_H
#define VMK_LOCKRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmk/errno.h>

#ifndef EDEADLK
#define EDEADLK 35
#endif
#ifndef ENOLCK
#define ENOLCK 37
#endif

#define LOCKR_OFFSET_MAX INT64_MAX
/* Linux's MAX_DEADLK_ITERATIONS: how far a chain of waiting owners is followed. */
#define LOCKR_DEADLK_ITERATIONS 10

/* Lock types: the values of fcntl's F_RDLCK, F_WRLCK, F_UNLCK. */
enum { LOCKR_RD = 0, LOCKR_WR = 1, LOCKR_UN = 2 };
enum lockr_kind { LOCKR_POSIX, LOCKR_OFD, LOCKR_FLOCK };

/*
 * Whoever holds locks: embedded in a descriptor table (POSIX) or an open file (OFD, flock);
 * its address is the owner's identity.  nrecs counts the records it holds (the limits).
 */
struct lock_owner {
	unsigned nrecs;
};

/* One lock (or a request for one). */
struct lock_rec {
	struct lock_rec *next; /* in its list */
	struct lock_owner *owner;
	int64_t start, end; /* inclusive; flock: 0, LOCKR_OFFSET_MAX */
	int pid;	    /* who took it: F_GETLK's l_pid, /proc/locks */
	uint8_t kind;	    /* enum lockr_kind */
	uint8_t type;	    /* LOCKR_RD, LOCKR_WR (LOCKR_UN only in requests) */
	uint8_t mark;	    /* the caller's scratch bit (fs/filelock.c: has waiters) */
};

/* The locks of one file (zeroed: none). */
struct lock_list {
	struct lock_rec *posix; /* POSIX and OFD records */
	struct lock_rec *flock; /* flock records */
	/* fs/filelock.c's: the lists that hold records, for /proc/locks */
	struct lock_list *all_next, **all_pprev;
	uint64_t dev, ino; /* of the file, for /proc/locks */
	bool noinode;	   /* a file without a vnode (pipe, device) */
	bool vref;	   /* holds a reference on its vnode (while it has records) */
};

/* A world waiting for a lock. */
struct lock_waiter {
	struct lock_waiter *next;
	struct lock_rec req;		/* what it asks for */
	const struct lock_rec *blocker; /* the held record it waits on; NULL once that changed */
	void *sleeper;			/* the caller's (fs/filelock.c: the world) */
};

/*
 * Does the held record block req?  Never for the same owner, nor across the posix/flock
 * divide; POSIX/OFD ranges must overlap; then a write lock on either side conflicts.
 */
bool lockr_conflict(const struct lock_rec *req, const struct lock_rec *held);

/* The first record in list (in list order) that blocks req, or NULL. */
const struct lock_rec *lockr_find_conflict(const struct lock_rec *list, const struct lock_rec *req);

/* Called for each record that is about to shrink, change type or go, so that the caller can
 * wake whoever waits on it. */
typedef void (*lockr_changed_fn)(const struct lock_rec *r, void *arg);

/*
 * Apply a POSIX or OFD request (type RD, WR or UN over [start, end]) to its owner's records
 * in *list, as Linux's posix_lock_inode does; conflicts are the caller's to check first.
 * room: how many more records the owner may have (-ENOLCK, and nothing changes, when the
 * result would need more).  spare: two records (or NULLs) the result may use; those taken
 * are set to NULL.  Records no longer needed are put on *dispose (linked by next).
 * *delta: the change in the owner's record count.  0 or -ENOLCK (also when a needed spare
 * is missing).  Needs at most 2 spares; a whole-range unlock needs none.
 */
int lockr_posix_apply(struct lock_rec **list, const struct lock_rec *req, long room,
		      struct lock_rec *spare[2], struct lock_rec **dispose, long *delta,
		      lockr_changed_fn changed, void *arg);

/*
 * Apply a flock request (type RD, WR or UN) to *list, as Linux's flock_lock_inode does: the
 * owner's lock of the same type: nothing to do; of the other type: it goes first (so a
 * failed conversion leaves no lock: Linux's conversion is not atomic); then UN is done; then
 * a conflicting record is -EAGAIN (*conflict set); else the spare record (*spare, set to
 * NULL) goes to the tail.  -ENOLCK when room < 1 for a new record.  *delta and *dispose as
 * for lockr_posix_apply, also when it fails.
 */
int lockr_flock_apply(struct lock_rec **list, const struct lock_rec *req, long room,
		      struct lock_rec **spare, struct lock_rec **dispose, long *delta,
		      const struct lock_rec **conflict, lockr_changed_fn changed, void *arg);

/*
 * Would caller (a POSIX owner) waiting on record block close a cycle?  Linux's
 * posix_locks_deadlock: follow "the owner of block waits on record X" through waiters (those
 * waiting on a POSIX record), at most LOCKR_DEADLK_ITERATIONS steps, and see whether the
 * chain comes back to caller.
 */
bool lockr_deadlock(const struct lock_waiter *waiters, const struct lock_owner *caller,
		    const struct lock_rec *block);

#endif
