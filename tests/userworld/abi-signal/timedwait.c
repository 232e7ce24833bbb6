/* abi-signal: rt_sigtimedwait (sigtimedwait, sigwaitinfo, sigwait). */
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

struct later {
	int ms, sig;
	pid_t to;
};

static void *send_later(void *arg)
{
	struct later *l = arg;

	msleep(l->ms);
	kill(l->to, l->sig);
	return NULL;
}

void case_timedwait(void)
{
	struct timespec t2 = {2, 0}, t30ms = {0, 30000000}, t0 = {0, 0};
	struct later l = {30, SIGUSR2, getpid()};
	char line[LINE_MAX];
	sigset_t s, none;
	siginfo_t si;
	pthread_t th;
	pid_t c;
	int st, sig, rc;

	/* The classic: wait for a child with a timeout. */
	sigemptyset(&s);
	sigaddset(&s, SIGCHLD);
	sigprocmask(SIG_BLOCK, &s, NULL);
	c = fork();
	if (c == 0) {
		msleep(50);
		_exit(7);
	}
	sig = sigtimedwait(&s, &si, &t2);
	abi_say("timedwait-child", "%s code=%s pid=%s status=%d", abi_rc(sig),
		code_name(SIGCHLD, si.si_code), who(si.si_pid, c), si.si_status);
	waitpid(c, &st, 0);
	mask(SIG_UNBLOCK, SIGCHLD);

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	mask(SIG_BLOCK, SIGUSR2);
	line[0] = 0;
	put_rc(line, "timeout", sigtimedwait(&s, &si, &t30ms));
	put_rc(line, "poll", sigtimedwait(&s, &si, &t0));
	abi_say("timedwait-empty", "%s", line);
	set_handler(SIGUSR2, on_info, 0);
	hits = 0;
	raise(SIGUSR2);
	sig = sigtimedwait(&s, &si, &t0);
	abi_say("timedwait-poll-pending", "%s code=%s hits=%d", abi_rc(sig),
		code_name(SIGUSR2, si.si_code), hits);

	/* From another thread of the process, while waiting without a timeout. */
	pthread_create(&th, NULL, send_later, &l);
	memset(&si, 0, sizeof(si));
	sig = sigwaitinfo(&s, &si);
	abi_say("timedwait-thread", "%s code=%s pid=%s", abi_rc(sig),
		code_name(SIGUSR2, si.si_code), who(si.si_pid, 0));
	pthread_join(th, NULL);

	raise(SIGUSR2);
	sig = 0;
	rc = sigwait(&s, &sig);
	abi_say("sigwait", "rc=%d sig=%d", rc, sig);

	mask(SIG_BLOCK, SIGRTMIN + 4);
	sigqueue(getpid(), SIGRTMIN + 4, (union sigval){.sival_int = 77});
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 4);
	sig = sigwaitinfo(&s, &si);
	abi_say("timedwait-rt-value", "sig=RTMIN+%d code=%s value=%d", sig - SIGRTMIN,
		code_name(sig, si.si_code), si.si_value.sival_int);
	mask(SIG_UNBLOCK, SIGRTMIN + 4);

	/* A handled signal outside the set interrupts: EINTR, and the handler runs. */
	set_handler(SIGUSR1, on_info, 0);
	hits = 0;
	c = fork();
	if (c == 0) {
		msleep(50);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	line[0] = 0; /* the system call: musl's sigtimedwait tries again after EINTR */
	put_rc(line, "rc", sys(SYS_rt_sigtimedwait, (long)&s, (long)&si, (long)&t2, 8));
	abi_say("timedwait-eintr", "%s hits=%d", line, hits);
	waitpid(c, &st, 0);

	/* A signal of the set that is not blocked is taken too, without its handler. */
	l.sig = SIGUSR1;
	mask(SIG_BLOCK, SIGUSR1); /* the sending thread inherits this: it cannot take it */
	pthread_create(&th, NULL, send_later, &l);
	mask(SIG_UNBLOCK, SIGUSR1);
	hits = 0;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sig = sigtimedwait(&s, &si, &t2);
	abi_say("timedwait-unblocked", "%s hits=%d", abi_rc(sig), hits);
	pthread_join(th, NULL);
	deflt(SIGUSR1);
	deflt(SIGUSR2);
	mask(SIG_UNBLOCK, SIGUSR2);

	/* Stopped and continued while waiting: EINTR, as Linux documents. */
	c = fork();
	if (c == 0) {
		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		sigprocmask(SIG_BLOCK, &s, NULL);
		rc = (int)sys(SYS_rt_sigtimedwait, (long)&s, (long)&si,
			      (long)&(struct timespec){10, 0}, 8);
		_exit(rc < 0 && errno == EINTR ? 4 : rc < 0 && errno == EAGAIN ? 5 : 6);
	}
	msleep(50);
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	rc = WIFSTOPPED(st);
	kill(c, SIGCONT);
	waitpid(c, &st, 0);
	abi_say("timedwait-stop-cont", "stopped=%d exit=%d", rc, WEXITSTATUS(st));

	/* Bad arguments. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigemptyset(&none);
	line[0] = 0;
	put_rc(line, "size4", sys(SYS_rt_sigtimedwait, (long)&s, 0, (long)&t0, 4));
	put_rc(line, "set", sys(SYS_rt_sigtimedwait, (long)KADDR, 0, (long)&t0, 8));
	put_rc(line, "ts", sys(SYS_rt_sigtimedwait, (long)&s, 0, (long)KADDR, 8));
	put_rc(line, "nsec",
	       sys(SYS_rt_sigtimedwait, (long)&s, 0, (long)&(struct timespec){0, 1000000000}, 8));
	put_rc(line, "sec",
	       sys(SYS_rt_sigtimedwait, (long)&s, 0, (long)&(struct timespec){-1, 0}, 8));
	abi_say("timedwait-bad", "%s", line);
	mask(SIG_BLOCK, SIGUSR1);
	raise(SIGUSR1);
	rc = (int)sys(SYS_rt_sigtimedwait, (long)&s, (long)KADDR, (long)&t0, 8);
	sigpending(&none);
	abi_say("timedwait-bad-info", "%s consumed=%d", abi_rc(rc), !sigismember(&none, SIGUSR1));
	mask(SIG_UNBLOCK, SIGUSR1);
	sigemptyset(&s);
	sigaddset(&s, SIGKILL);
	sigaddset(&s, SIGSTOP);
	line[0] = 0;
	put_rc(line, "rc", sys(SYS_rt_sigtimedwait, (long)&s, 0, (long)&t0, 8));
	abi_say("timedwait-kill-stop", "%s", line);
}
