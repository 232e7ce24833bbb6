/*
 * Userworlds: processes running static ELF programs in ring 3 on the Linux x86_64 syscall ABI.
 * A process has an address space, a descriptor table, a parent and children; its threads are
 * worlds (struct world.proc points back).  Faults in user mode end the process with the
 * signal Linux would send and a log line; they never reach the kernel.
 */
#ifndef VMK_PROC_H
#define VMK_PROC_H

#include <stdint.h>
#include <vmk/world.h>
#include <vmk/aspace.h>
#include <vmk/file.h>
#include <vmk/signal.h>
#include <arch/fpu.h>
#include <arch/trap.h>

#define PROC_NAME_MAX 16
#define PROC_MAX      512 /* live processes (Keel runs as one user: root) */

enum { WAIT_STOPPED = 1, WAIT_CONTINUED = 2 }; /* struct proc.wait_report */

/* CPU time and page faults (uw/rusage.c): a thread's own, charged by the timer tick and the
 * fault handler as Linux's tick accounting does; a process's exited threads' and its reaped
 * children's, under its sig_lock. */
struct rusage_acc {
	uint64_t utime_ns, stime_ns, minflt;
	uint64_t cpu_ns; /* the scheduler's CPU time of exited threads (CPU-time clocks) */
};

/* A signal's disposition (the kernel's struct sigaction). */
struct ksigaction {
	uint64_t handler; /* 0 SIG_DFL, 1 SIG_IGN, else the handler's address */
	uint64_t flags;	  /* SA_* */
	uint64_t restorer;
	uint64_t mask;
};

struct proc {
	int pid, pgid, sid;
	char name[PROC_NAME_MAX];
	/* Under the process-tree lock (proc_wq's): */
	struct proc *parent; /* NULL for what the kernel started */
	struct proc *children, *sibling;
	int exit_status; /* wait4 encoding: code << 8, or the signal number */
	bool zombie;
	bool vfork_done;       /* a CLONE_VFORK child has exec'd or exited */
	struct world *threads; /* its threads, linked by world.thread_next */
	unsigned nthreads;
	bool exiting; /* exit_group: every thread leaves at its next chance */
	int group_status;
	struct aspace *as;
	struct world *main;
	struct fdtable fds;
	struct vnode *cwd; /* referenced; NULL = the root (under the VFS mutex) */
	uint32_t umask;	   /* 022 at start; fork copies it */
	struct {
		uint64_t cur, max;
	} rlim[16];			   /* getrlimit/setrlimit; fork copies them */
	uint64_t alarm_at, alarm_interval; /* ITIMER_REAL (time_ns), 0: off */
	struct cpu_timer {
		uint64_t value, interval; /* ns of CPU time; value 0: off */
	} cpu_timer[2];			  /* ITIMER_VIRTUAL, ITIMER_PROF (under sig_lock) */
	struct proc *all_next;		  /* the list of all processes (proc_foreach) */
	struct sched_group sched;	  /* its threads' CPU controls, together (keelctl) */
	/* Signals (uw/signal.c): the pending sets, sigact and sig_queued under sig_lock, which
	 * changes to the thread list take too; masks are per thread (struct uthread). */
	struct spinlock sig_lock;
	struct sigpending sig_shared; /* process-wide (kill); each thread has its own too */
	unsigned sig_queued;	      /* entries on all its pending lists (RLIMIT_SIGPENDING) */
	struct ksigaction sigact[64];
	struct waitq sig_wq; /* rt_sigtimedwait sleeps here; every post wakes it */
	/* Stopped by a stop signal: stopped and cont_pending under stop_wq's lock. */
	struct waitq stop_wq;
	bool stopped, cont_pending;
	int stop_sig;
	int wait_report; /* WAIT_STOPPED/WAIT_CONTINUED for wait4, under the tree lock */
	struct rusage_acc ru_dead, ru_children; /* exited threads, reaped children (sig_lock) */
	uint64_t maxrss_kb, children_maxrss_kb; /* peak resident set: at exit; largest child */
	/* prctl flags (uw/prctl.c); fork copies them, execve keeps them. */
	bool undumpable, keepcaps, no_new_privs, thp_disable;
	bool child_subreaper; /* orphaned descendants come to it (under the tree lock) */
	int pdeath_sig;	      /* sent when its parent exits; fork clears it */
	int nice; /* getpriority/setpriority (uw/sys_sched.c): -20..19, fork copies it */
	/* System V semaphore adjustments (SEM_UNDO), made on first use; not inherited by
	 * fork, kept across exec, applied at exit (uw/ipc_sem.c). */
	struct sem_undo_list *sem_undo;
};

/* Per-thread user state, kept in the world. */
struct uthread {
	uint64_t sig_blocked;	       /* this thread's signal mask */
	struct sigpending sig_pending; /* signals for this thread only (tkill, faults) */
	uint64_t sig_saved_mask;   /* rt_sigsuspend/ppoll: the mask to restore after a handler */
	uint64_t sig_real_blocked; /* rt_sigtimedwait: the mask before the wait, else 0 */
	bool sig_restore;
	struct ksigaltstack sas; /* sigaltstack: fork copies it, a new thread has none */
	uint64_t fs_base;
	uint64_t clear_tid; /* set_tid_address */
	struct rusage_acc ru;
	uint64_t timer_slack_ns; /* prctl PR_SET_TIMERSLACK (0: the default) */
	struct fpu_state fpu;
};

/* The calling thread's signal state (its uthread); p is the calling process. */
#define TMASK(p) (world_current()->ut)

/* Start a process from an opened program, as a child of nobody (pid 1 style).  argv/envp
 * are NULL-terminated kernel arrays.  *out gets the process.  0 or -errno. */
struct exec_file;
int proc_spawn(const char *name, const struct exec_file *x, char *const argv[], char *const envp[],
	       struct proc **out);
/* Wait for p (spawned by the kernel) to exit and reap it; returns its wait status. */
int proc_wait_kernel(struct proc *p);
/* The process-tree lock and the queue every wait4 sleeps on. */
extern struct waitq proc_wq;
/* Find a live process by pid (under proc_wq's lock). */
struct proc *proc_find_locked(int pid);
/* Start the kernel world that delivers ITIMER_REAL/alarm signals (once, at boot). */
void itimer_start(void);
/* From every CPU's timer tick: charge the CPU timers (ITIMER_VIRTUAL/PROF) of the process
 * whose thread was interrupted. */
void itimer_tick(const struct regs *r);
/* uw/rusage.c: an exiting thread t's time and faults go to its process p, in the same hold of
 * p's sig_lock (the caller's) that takes t's uthread away; a reaped child's (its own and its
 * children's) to its parent, and *out gets them for wait4's rusage (may be NULL). */
void rusage_thread_exit_locked(struct proc *p, struct world *t);
struct linux_rusage {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd,
		msgrcv, nsignals, nvcsw, nivcsw;
};
void rusage_reap(struct proc *parent, struct proc *child, struct linux_rusage *out);
/* Charge a timer tick of ns to the thread interrupted in user mode (user) or in the kernel. */
void rusage_tick(struct uthread *ut, bool user, uint64_t ns);
/* Default resource limits for a process the kernel starts. */
void proc_rlimit_defaults(struct proc *p);
/* Check as (p's address space, or the one execve is about to give it) against p's RLIMIT_AS
 * and RLIMIT_DATA from now on. */
void proc_apply_mem_limits(struct proc *p, struct aspace *as);
/* May another process be made?  False (and logged once) at PROC_MAX or the caller's
 * RLIMIT_NPROC, whichever is lower. */
bool proc_may_fork(uint64_t rlimit_nproc);
/* Give a new process (made by fork) its pid and put it on the process list. */
void proc_register(struct proc *p);
/* Free a zombie (waits for its main world to be off the CPU). */
void proc_reap(struct proc *p);
/* Free a process whose thread never started. */
void proc_reap_unstarted(struct proc *p);
/* Start a thread (a world with tid) of p that enters user mode with frame (copied); it is
 * on p's thread list before it runs.  0 or -errno. */
int proc_start_thread(struct proc *p, struct uthread *ut, const struct regs *frame, int tid,
		      struct world **out);
/* A fresh id from the pid space (for threads). */
int proc_alloc_id(void);
/* End the calling thread (exit(2)); the last thread to leave ends the process. */
void uthread_exit(int code) __attribute__((noreturn));
/* End every thread of the calling process (exit_group(2)). */
void proc_exit_group(int status) __attribute__((noreturn));
/* End the calling process with a wait status (exit code << 8, or a signal number). */
void proc_exit(int status) __attribute__((noreturn));
/* A fault in user mode: the process gets `sig` (a handler may catch it; if it cannot, the
 * process ends with a log line saying what happened). */
void proc_fault(struct regs *r, int sig, uint64_t addr, const char *what);
/* On the way back to user mode: run the default action or set up the handler frame of the
 * first deliverable pending signal.  r is the frame about to be restored. */
void signal_deliver(struct regs *r);
struct proc *proc_current(void);
/* Call fn for every process, under a spinlock: fn must not block or take mutexes. */
void proc_foreach(void (*fn)(struct proc *p, void *arg), void *arg);

/* A program opened for exec: its file and first bytes (ELF headers, or a "#!" line). */
struct exec_file {
	struct vnode *v;
	uint64_t size;
	uint8_t *head;
	size_t head_len;
};

/* Open path (relative to p's cwd; p NULL: the root) for exec: a regular file with an execute
 * bit (-EACCES otherwise).  0 or -errno; exec_close releases it (also a failed open). */
int exec_open(struct proc *p, const char *path, struct exec_file *x);
void exec_close(struct exec_file *x);
/*
 * A new program's argument or environment strings: first nk kernel strings k[0..nk), then the
 * strings u[skip..skip + nu) of a user array in the calling process's memory (u NULL: none),
 * which are copied straight from there to the new stack.  bytes: all of them with their NULs,
 * as measured when the vector was checked (a string that grows meanwhile fails the exec).
 */
struct exec_strs {
	char *const *k;
	size_t nk;
	const char *const *u;
	size_t skip, nu;
	size_t bytes;
};

/* Linux's limits on what execve takes: 128 KiB per string (MAX_ARG_STRLEN); in all, the
 * strings and their pointers, a quarter of RLIMIT_STACK, at most 6 MiB, at least 128 KiB. */
#define EXEC_STRLEN_MAX (128 * 1024)
size_t exec_args_limit(uint64_t rlimit_stack);
/* Measure a NULL-terminated user array of strings into s (nothing is copied).  0, -EFAULT, or
 * -E2BIG for a string over EXEC_STRLEN_MAX or more than limit bytes of strings and pointers. */
int exec_strs_user(struct exec_strs *s, const char *const *uv, size_t limit);
/* The same for a kernel array (the kernel's own spawns). */
void exec_strs_kernel(struct exec_strs *s, char *const v[]);

struct exec_args {
	struct exec_strs argv, envp;
	const char *execfn;   /* the path given to execve: at the stack's top (AT_EXECFN) */
	uint64_t stack_limit; /* RLIMIT_STACK: the stack's size, and the strings' limit */
};

/* Load an opened ELF program into a fresh address space and prepare the user register frame;
 * the stack is laid out as Linux lays it out (argv then envp strings in ascending order, the
 * execfn above them, the vectors and auxiliary vector below).  On success *asp holds the new
 * address space (the caller installs it).  0 or -errno (-E2BIG past the limits). */
int exec_load(const struct exec_file *x, const struct exec_args *a, struct aspace **asp,
	      struct regs *frame);

/* uw/syscall.c: called from the SYSCALL entry with the user frame. */
void syscall_dispatch(struct regs *r);

/* Switch hooks (sched.c): save and load a world's user state. */
void uthread_switch_out(struct world *w);
void uthread_switch_in(struct world *w);

#define SIGILL	4
#define SIGTRAP 5
#define SIGBUS	7
#define SIGFPE	8
#define SIGKILL 9
#define SIGSEGV 11

#endif
