/*
 * Signals for userworlds (Linux numbering and semantics).  Delivery happens on the way back
 * to user mode; a signal whose action is the default "terminate" ends the process with a log
 * line when it is one of the fault signals.
 *
 * Every pending signal carries Linux's siginfo (struct ksiginfo: who sent it and why).  A
 * standard signal (1-31) is pending at most once per target, with the information of its
 * first instance; a realtime signal (32-64) queues every instance, in order, up to the
 * process's RLIMIT_SIGPENDING (at most SIG_QUEUE_MAX).  The pending sets themselves
 * (struct sigpending, uw/sigqueue.c) are plain data, host-tested; uw/signal.c owns the
 * locking.
 */
#ifndef VMK_SIGNAL_H
#define VMK_SIGNAL_H

#include <stdint.h>
#include <stdbool.h>

#define SIGHUP	  1
#define SIGINT	  2
#define SIGQUIT	  3
#define SIGABRT	  6
#define SIGUSR1	  10
#define SIGUSR2	  12
#define SIGPIPE	  13
#define SIGALRM	  14
#define SIGTERM	  15
#define SIGCHLD	  17
#define SIGCONT	  18
#define SIGSTOP	  19
#define SIGTSTP	  20
#define SIGTTIN	  21
#define SIGTTOU	  22
#define SIGVTALRM 26
#define SIGPROF	  27
#define SIGSYS	  31
#define SIGRTMIN  32 /* the kernel's; C libraries keep the first few for themselves */
#define NSIG	  64

/* si_code values (Linux's): who sent a signal, or why the kernel did. */
#define SI_USER	      0	   /* kill(2) */
#define SI_KERNEL     0x80 /* the kernel (itimers, some faults) */
#define SI_QUEUE      -1   /* sigqueue(3) */
#define SI_TKILL      -6   /* tkill(2), tgkill(2) */
#define CLD_EXITED    1	   /* SIGCHLD: si_status is the exit code */
#define CLD_KILLED    2	   /* ... the signal that ended it */
#define CLD_STOPPED   5	   /* ... the signal that stopped it */
#define CLD_CONTINUED 6	   /* ... SIGCONT */
#define SEGV_MAPERR   1	   /* no mapping at si_addr */
#define SEGV_ACCERR   2	   /* a mapping that forbids the access */
#define ILL_ILLOPN    2
#define FPE_INTDIV    1
#define BUS_ADRALN    1
#define TRAP_TRACE    2

/*
 * Linux's kernel_siginfo: the first 48 bytes of a user siginfo_t (the rest is zero when it
 * reaches user space).  The union starts at offset 16, as in siginfo_t.
 */
struct ksiginfo {
	int32_t signo, errno_, code, pad;
	union {
		struct {
			int32_t pid;	/* the sender's process id */
			uint32_t uid;	/* its user id (Keel: always 0) */
			uint64_t value; /* sigqueue(3)'s si_value */
		} kill;			/* SI_USER, SI_TKILL, SI_QUEUE */
		struct {
			int32_t pid; /* the child */
			uint32_t uid;
			int32_t status; /* exit code or signal number (CLD_*) */
			int32_t pad;
			int64_t utime, stime; /* clock ticks; Keel reports 0 */
		} chld;
		struct {
			uint64_t addr; /* the faulting address, or instruction */
		} fault;
		uint8_t raw[32]; /* rt_sigqueueinfo: whatever the sender put there */
	};
};
_Static_assert(sizeof(struct ksiginfo) == 48, "struct ksiginfo is Linux's kernel_siginfo");

/* One queued instance of a signal (uw/sigqueue.c). */
struct sigq {
	struct sigq *next;
	struct ksiginfo info;
};

/*
 * A pending set: the signals pending for a process (shared by its threads) or for one
 * thread.  set has bit sig-1 for every pending signal; the list holds the information of
 * each queued instance in arrival order.  A set bit without a list entry is an instance whose
 * information was lost (no memory, or over the limit for kill(2)): Linux delivers those with
 * si_code SI_USER and no sender.  All zero is an empty set.  The caller serialises access
 * (uw/signal.c: the process's sig_lock).
 */
struct sigpending {
	uint64_t set;
	struct sigq *head, *last;
};

#define SIG_BIT(sig)  (1ull << ((sig)-1))
#define SIG_STD_MASK  0x7fffffffull /* 1-31: one pending instance each */
#define SIG_QUEUE_MAX 1024	    /* queued instances per process, whatever the rlimit */
#define SIG_SYNC_MASK                                                      \
	(SIG_BIT(4) | SIG_BIT(5) | SIG_BIT(7) | SIG_BIT(8) | SIG_BIT(11) | \
	 SIG_BIT(SIGSYS)) /* ILL TRAP BUS FPE SEGV SYS: a fault's signal goes first */

/* Would another instance of sig be kept (not coalesced with a pending one)? */
bool sigpending_wants(const struct sigpending *sp, int sig);
/* Mark sig pending; q (may be NULL: information lost) has its info filled by the caller and
 * is appended.  The caller checked sigpending_wants. */
void sigpending_add(struct sigpending *sp, int sig, struct sigq *q);
/* The signal to take next among those pending and not in mask: a synchronous (fault) signal
 * first, then the lowest number; 0 for none. */
int sigpending_next(const struct sigpending *sp, uint64_t mask);
/* Take one instance of pending signal sig: *info gets its information (or Linux's "lost"
 * form), and the entry it came from is returned for the caller to free (NULL if none).  sig
 * stays pending while more instances are queued. */
struct sigq *sigpending_take(struct sigpending *sp, int sig, struct ksiginfo *info);
/* Discard every pending signal in mask; returns the removed entries, linked by next. */
struct sigq *sigpending_flush(struct sigpending *sp, uint64_t mask);

/* A thread's alternate signal stack (sigaltstack(2)); size 0: none. */
#define SS_ONSTACK    1
#define SS_DISABLE    2
#define SS_AUTODISARM (1u << 31)
struct ksigaltstack {
	uint64_t sp, size;
	uint32_t flags; /* as last given to sigaltstack (SS_AUTODISARM ...) */
};
/* What a new thread (clone with CLONE_VM, without CLONE_VFORK) starts with. */
#define SIGALTSTACK_NONE ((struct ksigaltstack){0, 0, SS_DISABLE})

struct proc;
struct world;
struct uthread;

/* Post sig to p from the kernel (si_code SI_KERNEL: itimers and the like).  Any context that
 * may take a spinlock.  0, or -EINVAL for a bad number. */
int signal_send(struct proc *p, int sig);
/*
 * Post a signal with its information (info->signo is the number) to process p, or to its
 * thread t when t is not NULL (t must be one of p's threads, on its list).  lossy: when the
 * queue is full, a realtime signal is still posted without its information (kill(2) and the
 * kernel) rather than refused.  0, -EINVAL for a bad number, -EAGAIN for a realtime signal
 * over the limit (not lossy).  Any context that may take a spinlock; does not sleep.
 */
int signal_send_info(struct proc *p, struct world *t, const struct ksiginfo *info, bool lossy);
/* Post sig to the calling process as if it had sent it itself (SIGPIPE: SI_USER, own pid). */
void signal_self(int sig);
/* Does the calling thread have a signal pending that is not blocked?  Blocking waits return
 * -EINTR when it does (the caller restarts or not as Linux does). */
bool signal_pending(void);
/* Tell child's parent about it with SIGCHLD: code CLD_STOPPED or CLD_CONTINUED (unless the
 * parent asked for SA_NOCLDSTOP), or 0 for its end (CLD_EXITED or CLD_KILLED, from
 * child->exit_status).  Under the process-tree lock (proc_wq's), which keeps the parent
 * alive. */
void signal_notify_parent(struct proc *child, int code);

/* Thread life (uw/proc.c).  t has just left p's thread list (under p->sig_lock): wake
 * another thread for the process-wide signals it might have been woken for, as Linux's
 * retarget_shared_pending does. */
void signal_thread_unlinked(struct proc *p, struct world *t);
/* Free what is still pending for a thread that no sender can reach any more. */
void signal_uthread_release(struct proc *p, struct uthread *ut);
/* Free what is still pending for a process nobody can signal any more (at reap). */
void signal_proc_release(struct proc *p);
/* execve in the calling thread ut of p: caught signals go back to their default action
 * (ignored ones stay ignored), flags and masks are cleared, the alternate stack is
 * forgotten (its flags stay, as on Linux); masks and pending signals are kept. */
void signal_exec(struct proc *p, struct uthread *ut);

#endif
