/* abi-signal: what receivers are told (siginfo) by each sender, queueing; bad input to the senders,
 * sigaction, sigprocmask, limits. */
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

static int order[16], norder;

/* Records (signal - SIGRTMIN) * 100 + si_value for each run. */
static void on_order(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (norder < 16)
		order[norder++] = (sig - SIGRTMIN) * 100 + si->si_value.sival_int;
	hits++;
}

void case_sender_info(void)
{
	union sigval v = {.sival_int = 42};

	set_handler(SIGUSR1, on_info, 0);
	set_handler(SIGUSR2, on_info, 0);
	hits = 0;
	kill(getpid(), SIGUSR1);
	abi_say("kill-info", "hits=%d signo=%d code=%s pid=%s uid=%d", hits, got.si_signo,
		code_name(got.si_signo, got.si_code), who(got.si_pid, 0), (int)got.si_uid);
	hits = 0;
	raise(SIGUSR1);
	abi_say("tkill-info", "hits=%d code=%s pid=%s", hits, code_name(SIGUSR1, got.si_code),
		who(got.si_pid, 0));
	hits = 0;
	sys(SYS_tgkill, getpid(), gettid(), SIGUSR2, 0);
	abi_say("tgkill-info", "hits=%d signo=%d code=%s pid=%s", hits, got.si_signo,
		code_name(SIGUSR2, got.si_code), who(got.si_pid, 0));
	hits = 0;
	sigqueue(getpid(), SIGUSR1, v);
	abi_say("sigqueue-info", "hits=%d code=%s value=%d pid=%s", hits,
		code_name(SIGUSR1, got.si_code), got.si_value.sival_int, who(got.si_pid, 0));

	/* A standard signal pending twice is delivered once, as its first instance. */
	mask(SIG_BLOCK, SIGUSR1);
	hits = 0;
	kill(getpid(), SIGUSR1);
	v.sival_int = 7;
	sigqueue(getpid(), SIGUSR1, v);
	mask(SIG_UNBLOCK, SIGUSR1);
	abi_say("std-first-kept", "hits=%d code=%s", hits, code_name(SIGUSR1, got.si_code));
	deflt(SIGUSR1);
	deflt(SIGUSR2);
}

void case_rt_queue(void)
{
	sigset_t s, old;
	union sigval v;
	char text[128] = "";
	int vals[][2] = {{1, 1}, {1, 2}, {0, 9}, {1, 3}};

	set_handler(SIGRTMIN, on_order, 0);
	set_handler(SIGRTMIN + 1, on_order, 0);
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	sigaddset(&s, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &s, &old);
	for (int i = 0; i < 4; i++) {
		v.sival_int = vals[i][1];
		sigqueue(getpid(), SIGRTMIN + vals[i][0], v);
	}
	norder = hits = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < norder; i++) {
		char one[16];

		snprintf(one, sizeof(one), "%s%d:%d", i ? " " : "", order[i] / 100, order[i] % 100);
		strcat(text, one);
	}
	abi_say("rt-queue-order", "runs=%d %s", hits, text);

	/* kill(2) queues realtime signals too. */
	set_handler(SIGRTMIN + 2, on_info, 0);
	mask(SIG_BLOCK, SIGRTMIN + 2);
	for (int i = 0; i < 3; i++)
		kill(getpid(), SIGRTMIN + 2);
	hits = 0;
	mask(SIG_UNBLOCK, SIGRTMIN + 2);
	abi_say("rt-kill-queued", "runs=%d code=%s", hits, code_name(0, got.si_code));
	deflt(SIGRTMIN);
	deflt(SIGRTMIN + 1);
	deflt(SIGRTMIN + 2);
}

void case_pending(void)
{
	char line[LINE_MAX];
	sigset_t s;

	mask(SIG_BLOCK, SIGUSR2);
	mask(SIG_BLOCK, SIGRTMIN + 3);
	set_handler(SIGUSR2, on_info, 0);
	raise(SIGUSR2);
	raise(SIGRTMIN + 3);
	sigpending(&s);
	abi_say("sigpending", "USR2=%d RTMIN+3=%d USR1=%d", sigismember(&s, SIGUSR2),
		sigismember(&s, SIGRTMIN + 3), sigismember(&s, SIGUSR1));
	/* SIG_IGN discards what is pending, blocked or not. */
	signal(SIGUSR2, SIG_IGN);
	signal(SIGRTMIN + 3, SIG_IGN);
	sigpending(&s);
	abi_say("ign-discards", "USR2=%d RTMIN+3=%d", sigismember(&s, SIGUSR2),
		sigismember(&s, SIGRTMIN + 3));
	/* A blocked signal whose action is to ignore it is kept (sigwait may want it). */
	mask(SIG_BLOCK, SIGCHLD);
	deflt(SIGCHLD);
	kill(getpid(), SIGCHLD);
	kill(getpid(), SIGUSR2);
	sigpending(&s);
	abi_say("ignored-blocked-kept", "CHLD(SIG_DFL)=%d USR2(SIG_IGN)=%d",
		sigismember(&s, SIGCHLD), sigismember(&s, SIGUSR2));
	signal(SIGCHLD, SIG_IGN); /* setting SIG_IGN drops them */
	signal(SIGUSR2, SIG_IGN);
	sigpending(&s);
	abi_say("ign-drops-blocked", "CHLD=%d USR2=%d", sigismember(&s, SIGCHLD),
		sigismember(&s, SIGUSR2));
	deflt(SIGCHLD);
	deflt(SIGUSR2);
	deflt(SIGRTMIN + 3);
	mask(SIG_UNBLOCK, SIGUSR2);
	mask(SIG_UNBLOCK, SIGRTMIN + 3);
	mask(SIG_UNBLOCK, SIGCHLD);
	/* rt_sigpending takes a set up to 8 bytes. */
	line[0] = 0;
	put_rc(line, "9", sys(SYS_rt_sigpending, (long)&s, 9, 0, 0));
	put_rc(line, "4", sys(SYS_rt_sigpending, (long)&s, 4, 0, 0));
	put_rc(line, "8", sys(SYS_rt_sigpending, (long)&s, 8, 0, 0));
	put_rc(line, "bad", sys(SYS_rt_sigpending, (long)KADDR, 8, 0, 0));
	abi_say("sigpending-size", "%s", line);
}

/* Take one SIGCHLD (blocked) within 5 s: "code=... pid=child status=N", or why not. */
static const char *take_chld(pid_t child)
{
	static char b[96];
	struct timespec t = {5, 0};
	sigset_t s;
	siginfo_t si;
	int sig;

	sigemptyset(&s);
	sigaddset(&s, SIGCHLD);
	sig = sigtimedwait(&s, &si, &t);
	if (sig < 0)
		snprintf(b, sizeof(b), "%s", abi_errname(errno));
	else
		snprintf(b, sizeof(b), "%s/%s/%d", code_name(SIGCHLD, si.si_code),
			 who(si.si_pid, child), si.si_status);
	return b;
}

void case_sigchld(void)
{
	char stop[96], cont[96];
	pid_t c;
	int st;

	mask(SIG_BLOCK, SIGCHLD);
	c = fork();
	if (c == 0)
		_exit(3);
	abi_say("sigchld-exit", "%s", take_chld(c));
	waitpid(c, &st, 0);

	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGTERM);
	abi_say("sigchld-killed", "%s", take_chld(c));
	waitpid(c, &st, 0);

	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGSTOP);
	snprintf(stop, sizeof(stop), "%s", take_chld(c));
	kill(c, SIGCONT);
	snprintf(cont, sizeof(cont), "%s", take_chld(c));
	kill(c, SIGKILL);
	abi_say("sigchld-stop-cont-kill", "%s %s %s", stop, cont, take_chld(c));
	waitpid(c, &st, 0);
	mask(SIG_UNBLOCK, SIGCHLD);

	/* The same through a SA_SIGINFO handler. */
	set_handler(SIGCHLD, on_info, 0);
	hits = 0;
	c = fork();
	if (c == 0)
		_exit(5);
	wait_hits(1, 5000);
	abi_say("sigchld-handler", "hits=%d code=%s pid=%s status=%d", hits,
		code_name(SIGCHLD, got.si_code), who(got.si_pid, c), got.si_status);
	waitpid(c, &st, 0);
	deflt(SIGCHLD);
}

void case_kernel_senders(void)
{
	struct itimerval it = {{0, 0}, {0, 20000}};
	sigset_t none;
	int p[2];
	long rc;

	set_handler(SIGPIPE, on_info, 0);
	hits = 0;
	if (pipe(p) == 0) {
		close(p[0]);
		rc = write(p[1], "x", 1);
		abi_say("sigpipe-info", "write=%s hits=%d code=%s pid=%s", abi_rc(rc), hits,
			code_name(SIGPIPE, got.si_code), who(got.si_pid, 0));
		close(p[1]);
	}
	deflt(SIGPIPE);

	set_handler(SIGALRM, on_info, 0);
	mask(SIG_BLOCK, SIGALRM);
	hits = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	sigemptyset(&none);
	while (!hits)
		sigsuspend(&none);
	abi_say("itimer-info", "hits=%d code=%s pid=%d", hits, code_name(SIGALRM, got.si_code),
		got.si_pid);
	mask(SIG_UNBLOCK, SIGALRM);
	deflt(SIGALRM);
}

/* --- sigqueue and friends: bad input, limits --- */

static volatile int stop_tid;
static volatile pid_t sleeper_tid;

/* Tells its id, then sleeps until stop_tid (SIGUSR2 wakes it). */
static void *tid_sleeper(void *arg)
{
	sigset_t none;

	(void)arg;
	sigemptyset(&none);
	__atomic_store_n(&sleeper_tid, gettid(), __ATOMIC_SEQ_CST);
	while (!stop_tid)
		sigsuspend(&none);
	return NULL;
}

void case_queue_bad(void)
{
	char line[LINE_MAX];
	siginfo_t si;
	pthread_t th;
	int tid = gettid();

	set_handler(SIGUSR1, on_info, 0);
	signal(SIGUSR2, on_noop);
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 5;
	line[0] = 0;
	put_rc(line, "efault", sys(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (long)KADDR, 0));
	put_rc(line, "eperm",
	       sys(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, (long)&(siginfo_t){.si_code = SI_USER},
		   0));
	put_rc(line, "esrch", sys(SYS_rt_sigqueueinfo, NOPID, SIGUSR1, (long)&si, 0));
	put_rc(line, "einval", sys(SYS_rt_sigqueueinfo, getpid(), 65, (long)&si, 0));
	put_rc(line, "neg", sys(SYS_rt_sigqueueinfo, -1, SIGUSR1, (long)&si, 0));
	abi_say("sigqueueinfo-bad", "%s", line);
	memset(&si, 0, sizeof(si));
	si.si_code = SI_KERNEL;
	hits = 0;
	sys(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (long)&si, 0);
	abi_say("sigqueueinfo-self-kernel", "hits=%d code=%s", hits,
		code_name(SIGUSR1, got.si_code));
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 6;
	hits = 0;
	line[0] = 0;
	put_rc(line, "rc", syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGUSR1, &si));
	abi_say("tgsigqueueinfo", "%s hits=%d value=%d", line, hits, got.si_value.sival_int);
	line[0] = 0;
	put_rc(line, "tgid0", syscall(SYS_rt_tgsigqueueinfo, 0, tid, SIGUSR1, &si));
	put_rc(line, "nopid", syscall(SYS_rt_tgsigqueueinfo, getpid(), NOPID, SIGUSR1, &si));
	put_rc(line, "efault", syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGUSR1, KADDR));
	abi_say("tgsigqueueinfo-bad", "%s", line);

	line[0] = 0;
	put_rc(line, "self65", kill(getpid(), 65));
	put_rc(line, "nopid65", kill(NOPID, 65));
	put_rc(line, "nopid0", kill(NOPID, 0));
	put_rc(line, "self0", kill(getpid(), 0));
	put_rc(line, "selfneg", kill(getpid(), -1));
	put_rc(line, "intmin", kill((pid_t)0x80000000, SIGUSR1));
	abi_say("kill-bad", "%s", line);
	line[0] = 0;
	put_rc(line, "neg", sys(SYS_tkill, -1, SIGUSR1, 0, 0));
	put_rc(line, "nopid65", sys(SYS_tkill, NOPID, 65, 0, 0));
	put_rc(line, "self65", sys(SYS_tgkill, getpid(), tid, 65, 0));
	put_rc(line, "tg0", sys(SYS_tgkill, 0, tid, SIGUSR1, 0));
	put_rc(line, "wrongtg", sys(SYS_tgkill, getppid(), tid, 0, 0));
	put_rc(line, "self0", sys(SYS_tgkill, getpid(), tid, 0, 0));
	abi_say("tkill-bad", "%s", line);

	/* kill(2) given a thread's id signals its process. */
	hits = 0;
	stop_tid = 0;
	pthread_create(&th, NULL, tid_sleeper, NULL);
	while (!__atomic_load_n(&sleeper_tid, __ATOMIC_SEQ_CST))
		;
	line[0] = 0;
	put_rc(line, "rc", kill(sleeper_tid, SIGUSR1));
	wait_hits(1, 2000);
	abi_say("kill-thread-id", "%s hits=%d", line, hits);
	stop_tid = 1;
	pthread_kill(th, SIGUSR2);
	pthread_join(th, NULL);
	deflt(SIGUSR1);
	deflt(SIGUSR2);
}

void case_rlimit(void)
{
	pid_t c = fork();
	int st;

	if (c == 0) {
		struct rlimit rl = {4, 4};
		union sigval v = {.sival_int = 1};
		char text[LINE_MAX] = "";

		setrlimit(RLIMIT_SIGPENDING, &rl);
		set_handler(SIGRTMIN + 5, on_info, 0);
		mask(SIG_BLOCK, SIGRTMIN + 5);
		for (int i = 0; i < 5; i++)
			put_rc(text, "q", sigqueue(getpid(), SIGRTMIN + 5, v));
		put_rc(text, "tkill", sys(SYS_tkill, gettid(), SIGRTMIN + 5, 0, 0));
		put_rc(text, "kill", kill(getpid(), SIGRTMIN + 5));
		abi_say("rlimit-sigpending", "%s", text);
		hits = 0;
		mask(SIG_UNBLOCK, SIGRTMIN + 5);
		abi_say("rlimit-sigpending-runs", "%d", hits);
		_exit(0);
	}
	waitpid(c, &st, 0);
}

void case_sigaction(void)
{
	struct sigaction sa, old;
	uint64_t kact[4] = {(uint64_t)(uintptr_t)on_noop, 0, 0, 0}, kold[4];
	char line[LINE_MAX];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_noop;
	sa.sa_flags = SA_SIGINFO | 0x400 /* SA_UNSUPPORTED */ | 0x20000 | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	abi_say("sigaction-flags", "%#x", (unsigned)old.sa_flags & ~0x04000000u);
	line[0] = 0;
	put_rc(line, "kill", sys(SYS_rt_sigaction, SIGKILL, (long)kact, 0, 8));
	put_rc(line, "stop", sys(SYS_rt_sigaction, SIGSTOP, (long)kact, 0, 8));
	put_rc(line, "65", sys(SYS_rt_sigaction, 65, (long)kact, 0, 8));
	put_rc(line, "0", sys(SYS_rt_sigaction, 0, 0, (long)kold, 8));
	put_rc(line, "size", sys(SYS_rt_sigaction, SIGUSR1, (long)kact, 0, 4));
	put_rc(line, "act", sys(SYS_rt_sigaction, SIGUSR1, (long)KADDR, 0, 8));
	put_rc(line, "oact", sys(SYS_rt_sigaction, SIGUSR1, 0, (long)KADDR, 8));
	put_rc(line, "killold", sys(SYS_rt_sigaction, SIGKILL, 0, (long)kold, 8));
	put_rc(line, "65act0", sys(SYS_rt_sigaction, 65, (long)KADDR, 0, 8));
	abi_say("sigaction-bad", "%s", line);
	deflt(SIGUSR1);
	line[0] = 0;
	kold[0] = 0;
	put_rc(line, "how", sys(SYS_rt_sigprocmask, 3, (long)kold, 0, 8));
	put_rc(line, "how-noset", sys(SYS_rt_sigprocmask, 3, 0, 0, 8));
	put_rc(line, "size", sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)kold, 0, 4));
	put_rc(line, "set", sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)KADDR, 0, 8));
	put_rc(line, "old", sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)KADDR, 8));
	abi_say("sigprocmask-bad", "%s", line);
	{
		sigset_t all, now, saved;

		sigfillset(&all);
		sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&saved, 8);
		sys(SYS_rt_sigprocmask, SIG_SETMASK, 0, (long)&now, 8);
		sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&saved, 0, 8);
		abi_say("sigprocmask-unblockable", "KILL=%d STOP=%d USR1=%d",
			sigismember(&now, SIGKILL), sigismember(&now, SIGSTOP),
			sigismember(&now, SIGUSR1));
	}
}
