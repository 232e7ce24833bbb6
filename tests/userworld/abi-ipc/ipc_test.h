/* abi-ipc's shared helpers: forking children that report back, polling, raw system calls. */
#ifndef ABI_IPC_TEST_H
#define ABI_IPC_TEST_H

#include <stdbool.h>
#include <sys/types.h>

#define KADDR	  ((void *)0xffffffff81000000ul) /* a kernel address: EFAULT */
#define MSG_COPY_ 040000			 /* Linux's MSG_COPY (musl has no name for it) */
#define IPC_64_	  0x0100			 /* what some C libraries OR into cmd */

/* Fork; the child runs fn(arg) and exits with its return value.  The child's pid. */
pid_t ipc_spawn(int (*fn)(void *), void *arg);
/* Wait for pid: "exit N" or "signal N" (static buffer). */
const char *ipc_reap(pid_t pid);
/* Poll until cond(arg) holds, up to 10 s: true when it did. */
bool ipc_until(bool (*cond)(void *), void *arg);
/* Sleep ms milliseconds. */
void ipc_msleep(long ms);
/* Raw system call (no C library checks in the way). */
long ipc_sys(long nr, long a, long b, long c, long d, long e);
/* "errno name" or "= N", the way abi_rc prints it, for a raw call's result. */
const char *ipc_raw(long rc);

void ipc_test_shm(void);
void ipc_test_sem(void);
void ipc_test_msg(void);
void ipc_test_posix(void);
void ipc_test_tools(void);

#endif
