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
#include <arch/fpu.h>
#include <arch/trap.h>

#define PROC_NAME_MAX 16
#define PROC_FD_MAX   64

struct file;

/* What a descriptor refers to; today the console, later VFS files, pipes and sockets. */
struct file_ops {
	long (*read)(struct file *f, void *ubuf, size_t len);
	long (*write)(struct file *f, const void *ubuf, size_t len);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	void (*release)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	unsigned refs;
	int flags;
	void *priv;
};

struct proc {
	int pid;
	char name[PROC_NAME_MAX];
	struct proc *parent;
	struct proc *children, *sibling; /* guarded by the process-tree lock */
	struct aspace *as;
	struct world *main;
	struct file *fds[PROC_FD_MAX]; /* guarded by fd_lock */
	struct mutex fd_lock;
	int exit_status; /* wait4 encoding: code << 8, or the signal number */
	bool zombie;
	struct waitq child_wq; /* the parent waits here for children to change */
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

/* Load an ELF image into a fresh address space and prepare the user register frame.
 * On success *asp holds the new address space (the caller installs it).  0 or -errno. */
int exec_load(const void *image, size_t size, char *const argv[], char *const envp[],
	      struct aspace **asp, struct regs *frame);

/* uw/syscall.c: called from the SYSCALL entry with the user frame. */
void syscall_dispatch(struct regs *r);
/* The console as a file (fd 0, 1, 2 of processes the kernel starts). */
struct file *console_file(void);
void file_put(struct file *f);

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
