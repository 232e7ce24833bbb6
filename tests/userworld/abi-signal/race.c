/* abi-signal: process-wide signals while threads come and go; none may be lost. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "sigtest.h"

static volatile int stop_catcher, go, ready, done, stop_churn;

static void on_count(int sig)
{
	(void)sig;
	__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
}

/* Takes SIGUSR1 only while in sigsuspend; SIGUSR2 ends it. */
static void *catcher(void *arg)
{
	sigset_t none;

	(void)arg;
	sigemptyset(&none);
	while (!stop_catcher)
		sigsuspend(&none);
	return NULL;
}

/* Unblocks SIGUSR1, waits for go, then blocks it again and ends. */
static void *runner(void *arg)
{
	(void)arg;
	mask(SIG_UNBLOCK, SIGUSR1);
	__atomic_store_n(&ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
		;
	mask(SIG_BLOCK, SIGUSR1);
	return NULL;
}

#define CLONE_THREAD_FLAGS                                                                  \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

/* A bare thread on its own stack that spins until *flag, then exits at once (no system call
 * in between: it never passes a signal check on the way). */
static long spin_thread(void *stack_top, int *tidp, volatile int *flag)
{
	register long r10 __asm__("r10") = (long)tidp;
	register long r8 __asm__("r8") = 0;
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n"
			 "2:\n\t"
			 "pause\n\t"
			 "cmpl $0, (%[flag])\n\t"
			 "je 2b\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(56L), "D"((long)CLONE_THREAD_FLAGS), "S"(stack_top), "d"(tidp),
			   "r"(r10), "r"(r8), [flag] "r"(flag)
			 : "rcx", "r11", "memory");
	return ret;
}

static void *churner(void *arg)
{
	(void)arg;
	while (!stop_churn) {
		pthread_t w;

		if (pthread_create(&w, NULL, thread_altstack, NULL) == 0)
			pthread_join(w, NULL);
	}
	return NULL;
}

void case_races(void)
{
	const int rounds = 20, churn = 100;
	pthread_t c, a;
	int k, tid;
	char *stk;

	signal(SIGUSR1, on_count);
	signal(SIGUSR2, on_noop);
	mask(SIG_BLOCK, SIGUSR1);
	pthread_create(&c, NULL, catcher, NULL);

	/* A thread that blocks the signal after it was chosen for it: another takes it. */
	hits = 0;
	for (k = 0; k < rounds; k++) {
		ready = go = 0;
		pthread_create(&a, NULL, runner, NULL);
		while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
			;
		kill(getpid(), SIGUSR1);
		__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
		if (!wait_hits(k + 1, 2000))
			break;
		pthread_join(a, NULL);
	}
	if (k < rounds)
		pthread_join(a, NULL);
	abi_say("race-block-retarget", k < rounds ? "lost after %d" : "handled %d of 20", k);

	/* A thread that exits after it was chosen for it: another takes it. */
	stk = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hits = 0;
	for (k = 0; k < rounds; k++) {
		int lost;

		go = 0;
		tid = 0;
		mask(SIG_UNBLOCK, SIGUSR1); /* the new thread inherits it unblocked */
		spin_thread(stk + 65536, &tid, &go);
		mask(SIG_BLOCK, SIGUSR1);
		kill(getpid(), SIGUSR1);
		__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
		lost = !wait_hits(k + 1, 2000);
		for (int i = 0; i < 2000 && __atomic_load_n(&tid, __ATOMIC_SEQ_CST); i++)
			msleep(1);
		if (lost)
			break;
	}
	abi_say("race-exit-retarget", k < rounds ? "lost after %d" : "handled %d of 20", k);
	munmap(stk, 65536);

	/* Threads created and joined all the time while the signal keeps coming. */
	pthread_create(&a, NULL, churner, NULL);
	hits = 0;
	for (k = 0; k < churn; k++) {
		kill(getpid(), SIGUSR1);
		if (!wait_hits(k + 1, 2000))
			break;
	}
	stop_churn = 1;
	pthread_join(a, NULL);
	msleep(20);
	abi_say("race-churn", k < churn ? "lost after %d" : "handled %d of %d", hits, churn);

	stop_catcher = 1;
	pthread_kill(c, SIGUSR2);
	pthread_join(c, NULL);
	mask(SIG_UNBLOCK, SIGUSR1);
	deflt(SIGUSR1);
	deflt(SIGUSR2);
}

/* A child that signals itself the moment fork returns (tkill, then kill): its thread must
 * already be where senders look, however soon it runs. */
void case_fork_self(void)
{
	const int n = 100;
	int took = 0, st;

	signal(SIGUSR1, on_count);
	for (int i = 0; i < n; i++) {
		pid_t c = fork();

		if (c == 0) {
			int h = hits;
			long t = syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1);
			long k = kill(getpid(), SIGUSR1);

			_exit(t || k ? 2 : hits != h + 2);
		}
		if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && !WEXITSTATUS(st))
			took++;
	}
	deflt(SIGUSR1);
	abi_say("race-fork-self", "%d of %d children took both", took, n);
}

/* The main thread has gone (pthread_exit); kill(2) must reach a live thread. */
static int report_fd;

static void on_report(int sig)
{
	char c = gettid() == getpid() ? 'm' : 't';

	(void)sig;
	write(report_fd, &c, 1);
}

static void *sleeper(void *arg)
{
	(void)arg;
	mask(SIG_UNBLOCK, SIGUSR1);
	for (;;)
		pause();
	return NULL;
}

void case_main_exit(void)
{
	struct pollfd pf;
	pthread_t t;
	int p[2], st;
	char c = 0;
	pid_t child;

	if (pipe(p))
		return;
	child = fork();
	if (child == 0) {
		report_fd = p[1];
		signal(SIGUSR1, on_report);
		mask(SIG_BLOCK, SIGUSR1);
		pthread_create(&t, NULL, sleeper, NULL);
		pthread_create(&t, NULL, sleeper, NULL);
		write(p[1], "r", 1);
		pthread_exit(NULL);
	}
	read(p[0], &c, 1);
	msleep(100); /* the main thread is gone by now */
	kill(child, SIGUSR1);
	pf = (struct pollfd){p[0], POLLIN, 0};
	c = 0;
	if (poll(&pf, 1, 3000) == 1)
		read(p[0], &c, 1);
	abi_say("race-main-exit", "%s", c == 't' ? "handled by a thread" : c ? "main?" : "lost");
	kill(child, SIGTERM);
	waitpid(child, &st, 0);
	abi_say("race-main-exit-end", "%s %d", WIFSIGNALED(st) ? "signal" : "exit",
		WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	close(p[0]);
	close(p[1]);
}
