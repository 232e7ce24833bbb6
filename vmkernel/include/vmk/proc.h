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
#include <arch/fpu.h>
#include <arch/trap.h>

#define PROC_NAME_MAX 16
#define PROC_MAX      512 /* live processes (Keel runs as one user: root) */

enum { WAIT_STOPPED = 1, WAIT_CONTINUED = 2 }; /* struct proc.wait_report */

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
	/* Signals (uw/signal.c): the pending sets under sig_lock, which changes to the thread
	 * list take too; masks are per thread (struct uthread). */
	struct spinlock sig_lock;
	uint64_t sig_pending; /* process-wide; each thread has its own mask */
	struct ksigaction sigact[64];
	/* Stopped by a stop signal: stopped and cont_pending under stop_wq's lock. */
	struct waitq stop_wq;
	bool stopped, cont_pending;
	int stop_sig;
	int wait_report; /* WAIT_STOPPED/WAIT_CONTINUED for wait4, under the tree lock */
	/* System V semaphore adjustments (SEM_UNDO), made on first use; not inherited by
	 * fork, kept across exec, applied at exit (uw/ipc_sem.c). */
	struct sem_undo_list *sem_undo;
};

/* Per-thread user state, kept in the world. */
struct uthread {
	uint64_t sig_blocked;	 /* this thread's signal mask */
	uint64_t sig_pending;	 /* signals for this thread only (tkill, faults) */
	uint64_t sig_addr;	 /* the fault address of a pending SIGSEGV/SIGBUS/SIGFPE/SIGILL */
	uint64_t sig_saved_mask; /* rt_sigsuspend/ppoll: the mask to restore after a handler */
	bool sig_restore;
	uint64_t fs_base;
	uint64_t clear_tid; /* set_tid_address */
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
/* Default resource limits for a process the kernel starts. */
void proc_rlimit_defaults(struct proc *p);
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
/* Load an opened ELF program into a fresh address space and prepare the user register frame.
 * On success *asp holds the new address space (the caller installs it).  0 or -errno. */
int exec_load(const struct exec_file *x, char *const argv[], char *const envp[],
	      struct aspace **asp, struct regs *frame);

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
