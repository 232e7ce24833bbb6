/*
 * File locks (fs/filelock.c): fcntl record locks (POSIX and open-file-description), flock(2)
 * locks and whole-file locks taken by the kernel, with Linux 6.1 semantics.  The records and
 * the range logic are vmk/lockrange.h's; this layer adds the lock that guards them, blocking
 * waits, the limits and the hooks that drop locks when descriptors and files close.
 *
 * Where locks live: a file with a vnode keeps them in the vnode (vnode.locks), so every
 * descriptor and hard link of the file shares them; a file without one (a pipe end, a
 * device opened through devfs) keeps them in the struct file itself (file.lock_list).
 *
 * Owners: a POSIX lock belongs to a process's descriptor table (fdtable.lock_owner: all its
 * threads, all its descriptors of the file); it goes when the process closes any descriptor
 * of the file, and at exit; fork does not inherit it.  OFD and flock locks belong to an open
 * file (file.lock_owner), shared by dup and fork, and go when its last reference does.
 *
 * Locking: one spinlock (that of the module's wait queue) guards every lock list, the
 * waiters and the counts; it is never held across a user copy, an allocation or a sleep.
 * Every function here may sleep (it allocates) unless it says otherwise, and none may be
 * called with a spinlock held.
 *
 * Limits: an owner may hold FILELOCK_OWNER_MAX records, the whole system FILELOCK_TOTAL_MAX
 * (about 64 bytes each); past them a request that needs a new record gets -ENOLCK.
 */
#ifndef VMK_FILELOCK_H
#define VMK_FILELOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmk/lockrange.h>

#define FILELOCK_OWNER_MAX 1024
#define FILELOCK_TOTAL_MAX 32768

struct file;

/*
 * fcntl F_SETLK/F_SETLKW (req->kind LOCKR_POSIX) and F_OFD_SETLK/F_OFD_SETLKW (LOCKR_OFD):
 * lock req->type (LOCKR_RD/WR, or LOCKR_UN to unlock) over [req->start, req->end] for
 * req->owner, recording req->pid.  The caller has checked the range and the file's access
 * mode.  Without wait a conflicting lock of another owner is -EAGAIN; with wait the caller
 * sleeps until it goes: -EINTR when a signal is to be handled, -EDEADLK (POSIX only) when
 * the wait would close a cycle of processes waiting on each other's locks.  -ENOLCK past
 * the limits or out of memory.  0 on success.
 */
int filelock_posix_set(struct file *f, const struct lock_rec *req, bool wait);

/*
 * F_GETLK/F_OFD_GETLK: the first lock (in Linux's order) that would block req, copied into
 * *req (kind, type, range, pid), or req->type set to LOCKR_UN when none would.  Never
 * sleeps.
 */
void filelock_posix_test(struct file *f, struct lock_rec *req);

/*
 * flock(2) on f for owner f->lock_owner: type LOCKR_RD (LOCK_SH), LOCKR_WR (LOCK_EX) or
 * LOCKR_UN.  A held lock of the other type is dropped first (Linux's conversion is not
 * atomic).  Without wait a conflict is -EAGAIN (EWOULDBLOCK); with wait the caller sleeps:
 * -EINTR on a signal.  -ENOMEM or -ENOLCK past the limits.  pid is recorded for /proc/locks.
 */
int filelock_flock(struct file *f, int type, int pid, bool wait);

/*
 * A descriptor of f is being closed by the process whose table owns o: drop o's POSIX locks
 * on f's file (on every descriptor of it).  Called by the descriptor table code (fd.c)
 * before it drops its reference on f.  Cheap when the file has no POSIX locks.
 */
void filelock_close_posix(struct file *f, struct lock_owner *o);

/*
 * f's last reference is going (file_put): drop the OFD and flock locks it owns, the
 * kernel's included.  Cheap when it owns none.
 */
void filelock_release_file(struct file *f);

/*
 * For kernel users (the hypervisor locking a VM's disk image, so that two VMs never write
 * one image): take a whole-file lock on f, shared or exclusive, owned by f, without waiting.
 * It is an OFD lock over the whole file and a flock lock together, so it conflicts with
 * every kind of userworld lock (fcntl POSIX and OFD, flock, BusyBox's flock applet) and with
 * other kernel locks taken through other open files.  Taking it again on f changes its type
 * if nothing else conflicts.  0, -EAGAIN when another owner holds a conflicting lock
 * (nothing changes then), -ENOLCK past the limits or out of memory.  The lock goes with
 * filelock_kernel_unlock or when f's last reference does.
 */
int filelock_kernel_lock(struct file *f, bool exclusive);
void filelock_kernel_unlock(struct file *f);

/* One line of /proc/locks. */
struct filelock_info {
	uint8_t kind, type;
	bool waiter; /* a request waiting on the lock listed before it */
	bool noinode;
	int pid; /* as /proc/locks shows it: -1 for OFD locks */
	int64_t start, end;
	uint64_t dev, ino;
};

/*
 * A snapshot of every held lock, each followed by the requests waiting on it, into out
 * (room for max).  Returns how many there are, which may exceed max.  Never sleeps.
 */
size_t filelock_snapshot(struct filelock_info *out, size_t max);

/* Records held in the whole system (tests check that nothing leaks).  Never sleeps. */
unsigned long filelock_count(void);

#endif
