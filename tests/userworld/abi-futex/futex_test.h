/*
 * abi-futex: what the cases share.  Raw futex(2) and robust-list calls with Linux's constants
 * (musl-gcc hides the kernel headers), word formatting that names tids by role, and the
 * waiting helpers that make a case deterministic: a waker acts only once the kernel has the
 * waiter queued (waiters_on) or the waiter has marked the word (word_wait).
 */
#ifndef ABI_FUTEX_TEST_H
#define ABI_FUTEX_TEST_H

#include <stdint.h>
#include <stdbool.h>
#include <time.h>

#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_FD	     2
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAKE_OP	     5
#define FUTEX_LOCK_PI	     6
#define FUTEX_UNLOCK_PI	     7
#define FUTEX_TRYLOCK_PI     8
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_LOCK_PI2	     13
#define FUTEX_PRIVATE	     128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS	     0x80000000u
#define FUTEX_OWNER_DIED     0x40000000u
#define FUTEX_TID_MASK	     0x3fffffffu
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	(((op) << 28) | ((cmp) << 24) | (((oparg)&0xfff) << 12) | ((cmparg)&0xfff))
#define FUTEX_OP_OPARG_SHIFT 8
#define NO_SUCH_TID	     999999 /* above Linux's default pid_max and Keel's pids here */
#define ROBUST_LIST_LIMIT    2048

/* The kernel's robust-list layout (struct robust_list_head), with entries holding their word
 * right after the link (futex_offset = 8). */
struct rentry {
	struct rentry *next;
	uint32_t word;
	uint32_t pad;
};
struct rhead {
	struct rentry *next;
	long futex_offset;
	struct rentry *pending;
};

long futex(volatile uint32_t *uaddr, int op, uint32_t val, const void *ts,
	   volatile uint32_t *uaddr2, uint32_t val3);
/* futex() with its fourth argument as a number (nr_requeue, nr_wake2). */
long futex_n(volatile uint32_t *uaddr, int op, uint32_t val, long val2, volatile uint32_t *uaddr2,
	     uint32_t val3);
int tid(void);
/* "self|WAITERS", "other|OWNER_DIED", "0", "999999" ...: the tid named by role. */
const char *wtext(uint32_t v, int self, int other);
/* How many waiters the kernel has queued on addr (op's private flag): a requeue onto itself
 * counts them without waking anyone.  Polls until there are n (5 s at most); returns the last
 * count seen. */
long waiters_on(volatile uint32_t *addr, int flags, long n);
/* Poll until (*addr & mask) == want (5 s at most); 0, or -1 on timeout. */
int word_wait(volatile uint32_t *addr, uint32_t mask, uint32_t want);
void sleep_ms(long ms);
/* A timespec ms from now on clk. */
struct timespec in_ms(clockid_t clk, long ms);
/* Memory shared with children (MAP_SHARED | MAP_ANONYMOUS). */
void *shmem(size_t n);
/* One byte through a pipe: the simplest cross-process "go". */
void pipe_post(int fd);
void pipe_take(int fd);

/* Mutexes made the way the cases need them (flags: M_*). */
#define M_ROBUST     1
#define M_PI	     2
#define M_PSHARED    4
#define M_ERRORCHECK 8
#include <pthread.h>
void mutex_make(pthread_mutex_t *m, unsigned flags);
/* pthread_mutex_timedlock with a deadline 5 s away: a lost wake-up shows as ETIMEDOUT. */
int lock5(pthread_mutex_t *m);
/* "exit N" or "signal N" for a wait status. */
const char *status_text(int status);

/* A thread that makes one futex call and keeps what it returned. */
struct waiter {
	volatile uint32_t *addr;
	int op;
	uint32_t val, val3;
	struct timespec ts;
	bool has_ts;
	long rc;
	int err;
	uint32_t after; /* the word when the call returned */
	int tid;
	pthread_t t;
};
/* Start one: ms is a relative timeout for FUTEX_WAIT, else an absolute one on the op's clock
 * (FUTEX_LOCK_PI: CLOCK_REALTIME); 0 for none. */
void waiter_start(struct waiter *w, volatile uint32_t *addr, int op, uint32_t val, uint32_t val3,
		  long ms);
/* Join it: "0", "positive" or the errno's name. */
const char *waiter_end(struct waiter *w);

void robust_cases(void);
void pshared_cases(void);
void pi_cases(void);
void raw_cases(void);
void robust_raw_cases(void);
int exec_child(void);

#endif
