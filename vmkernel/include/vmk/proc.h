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

struct proc {
	int pid;
	char name[PROC_NAME_MAX];
	struct proc *parent;
	struct proc *children, *sibling; /* guarded by the process-tree lock */
	struct aspace *as;
	struct world *main;
	struct fdtable fds;
	struct vnode *cwd; /* referenced; NULL = the root (under the VFS mutex) */
	int exit_status;   /* wait4 encoding: code << 8, or the signal number */
	bool zombie;
	struct waitq child_wq; /* the parent waits here for children to change */
	struct proc *all_next; /* the list of all processes (proc_foreach) */
};

/* Per-thread user state, kept in the world. */
struct uthread {
	uint64_t fs_base;
	uint64_t clear_tid; /* set_tid_address */
	struct fpu_state fpu;
};

/* Start a process from an ELF image in kernel memory, as a child of nobody (pid 1 style).
 * argv/envp are NULL-terminated kernel arrays.  *out gets the process.  0 or -errno. */
int proc_spawn(const char *name, const void *image, size_t size, char *const argv[],
	       char *const envp[], struct proc **out);
/* Wait for p (spawned by the kernel) to exit and reap it; returns its wait status. */
int proc_wait_kernel(struct proc *p);
/* End the calling process with a wait status (exit code << 8, or a signal number). */
void proc_exit(int status) __attribute__((noreturn));
/* A fault in user mode: log it and end the process with `sig`. */
void proc_fault(struct regs *r, int sig, const char *what) __attribute__((noreturn));
struct proc *proc_current(void);
/* Call fn for every process, under a spinlock: fn must not block or take mutexes. */
void proc_foreach(void (*fn)(struct proc *p, void *arg), void *arg);

/* Load an ELF image into a fresh address space and prepare the user register frame.
 * On success *asp holds the new address space (the caller installs it).  0 or -errno. */
int exec_load(const void *image, size_t size, char *const argv[], char *const envp[],
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
