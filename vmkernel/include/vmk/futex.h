/*
 * futex(2) for userworlds (uw/futex*.c): wait/wake/requeue/wake-op on keys that are shared
 * between processes where the memory is (futex.c), priority-inheritance locks (futex_pi.c),
 * and robust lists released when a thread dies or execs (futex_robust.c, with the walk itself
 * in futex_robust_walk.c, pure and host-tested).
 */
#ifndef VMK_FUTEX_H
#define VMK_FUTEX_H

#include <stdbool.h>
#include <stdint.h>

/* The futex word's bits, as Linux defines them for PI and robust futexes. */
#define FUTEX_WAITERS	  0x80000000u
#define FUTEX_OWNER_DIED  0x40000000u
#define FUTEX_TID_MASK	  0x3fffffffu
#define ROBUST_LIST_LIMIT 2048 /* entries walked at most, as Linux: a loop ends there */

struct aspace;

/* Wake up to n threads waiting on the futex at user address uaddr of as, which must be the
 * calling thread's address space; keyed as a FUTEX_WAKE without FUTEX_PRIVATE_FLAG is (so a
 * MAP_SHARED word reaches other processes).  Returns how many were woken, or -errno.  May
 * sleep (the address-space lock); call with no spinlock held. */
long futex_wake(struct aspace *as, uint64_t uaddr, int n);

/* Thread exit (every path: exit, exit_group, a fatal signal), before clear_child_tid: walk the
 * calling thread's robust list, then hand each PI futex it still owns to its first waiter, as
 * Linux's futex_exit_release.  User memory may be bad or hostile: that only ends the walk.
 * May sleep; call with no spinlock held.  Safe to call again (a fault ending the process). */
void futex_exit_release(void);
/* execve, past the point of no return and while the old image is still mapped: the same
 * release (Linux's futex_exec_release); the thread then has no robust list. */
void futex_exec_release(void);

/*
 * The robust-list walk (Linux's exit_robust_list), separated from memory access so that it is
 * testable on the host.  The list lives in user memory: head points to struct
 * robust_list_head { next; long futex_offset; list_op_pending; }, each entry's first word
 * links to the next (bit 0: a PI futex) and the list ends back at head; the futex word of an
 * entry is at entry + futex_offset.  The walk stops at the first pointer read that fails,
 * after ROBUST_LIST_LIMIT entries, or when `death` returns nonzero; the pending entry (not
 * counted twice when it is also on the list) is handled last.
 */
struct robust_walk_ops {
	/* Read the 8-byte pointer at uaddr: 0 or -EFAULT. */
	int (*read_ptr)(void *ctx, uint64_t uaddr, uint64_t *val);
	/* The owner of the futex word at uaddr has died (Linux's handle_futex_death): 0 to go
	 * on, nonzero to stop the walk. */
	int (*death)(void *ctx, uint64_t uaddr, bool pi, bool pending);
	void *ctx;
};
void futex_robust_walk(uint64_t head, const struct robust_walk_ops *ops);

#endif
