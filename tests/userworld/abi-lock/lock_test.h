/* abi-lock's shared helpers and the groups of cases (one file each). */
#ifndef ABI_LOCK_TEST_H
#define ABI_LOCK_TEST_H

#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include "abi.h"

#define KADDR ((void *)0xffffffff81000000ul) /* the kernel's text on Linux */
#define EOFL  0				     /* l_len 0: to the end of all offsets */

/* What a case shares with the children it starts. */
struct ctx {
	char path[64];
	int fd, up[2], down[2]; /* up: child to parent, down: parent to child */
	pid_t other;
	const char *name;
};

extern int nfiles;
extern volatile sig_atomic_t alarms;

/* A fresh empty file for one case: its path in path (64 bytes), opened read-write. */
int newfile(char *path);
/* fcntl lock command on fd: the call's result (-1 and errno on failure). */
int lk(int fd, int cmd, int type, int whence, long start, long len);
/* "F_RDLCK", "F_WRLCK", "F_UNLCK" or "typeN". */
const char *tname(int t);
/* Who l_pid names, seen from a child of the test process: P, C (child), -1, self, other. */
const char *who(pid_t pid, pid_t child);
/* The locks others hold on path, as F_GETLK finds them from offset 0 on: "0-9:W:P ...". */
void walk_locks(const char *path, char *out, size_t n, pid_t child);
/* Print that walk of path's locks as seen by a new child of this process. */
void show(const char *name, const char *path);
/* A child running fn(arg); reap() waits for it and returns its exit code (or 128 + sig). */
pid_t spawn(void (*fn)(void *), void *arg);
int reap(pid_t pid);
/* One-byte handshakes over a pipe. */
void post(int fd);
void await(int fd);
/* Waiting requests in /proc/locks ("-> " lines) now; waiters_listed waits up to 3 s for
 * n of them (1 for waiter_listed) and says whether they came. */
int waiters_now(void);
int waiters_listed(int n);
int waiter_listed(void);
/* SIGALRM with a handler and without SA_RESTART, so a blocking call ends with EINTR. */
void alarm_handler(void);
/* Open a pipe pair for c's handshakes and close them again. */
int ctx_pipes(struct ctx *c);
void ctx_close(struct ctx *c);

/* lock_fcntl.c: argument checks, one owner's shapes, conflicts, owners, OFD locks, exec. */
void test_args(void);
void test_shapes(void);
void test_conflicts(void);
void test_order(void);
void test_owners(void);
void test_ofd(void);
void test_exec(const char *self);
void after_exec(const char *path, const char *name);
/* lock_wait.c: blocking waits, signals, deadlocks, closing or killing a waiter. */
void test_waits(void);
/* lock_flock.c: flock(2), BusyBox's flock, /proc/locks, many records. */
void test_flock(void);
void test_busybox(void);
void test_proc_locks(void);
void test_many(void);

#endif
