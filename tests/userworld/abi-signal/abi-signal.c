/*
 * abi-signal: signals as unmodified programs use them, compared with Linux.
 *
 *   siginfo     what a SA_SIGINFO handler (or sigwaitinfo) is told: kill, tkill, sigqueue,
 *               SIGCHLD for each way a child changes, SIGPIPE, the itimer, faults; realtime
 *               signals queue in order, standard ones keep their first instance
 *   timedwait   rt_sigtimedwait (sigtimedwait, sigwaitinfo, sigwait): a child's exit with a
 *               timeout, polling, EINTR, EAGAIN, bad arguments
 *   altstack    sigaltstack: settings and errors, handlers on the alternate stack (nested,
 *               SS_AUTODISARM), a stack overflow caught there, threads, fork, vfork, exec
 *   race        process-wide signals while threads come and go: none may be lost; a child
 *               that signals itself as soon as it runs
 *
 * Every case prints what it saw, never an address or a pid ("self", "child" instead).
 * The cases are in info.c, fault.c, timedwait.c, altstack.c and race.c; this file holds the
 * helpers they share (sigtest.h) and runs them in order.
 */
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

long sys(long nr, long a, long b, long c, long d)
{
	return syscall(nr, a, b, c, d);
}

volatile int hits;
siginfo_t got;

void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	got = *si;
	__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
}

void on_noop(int sig)
{
	(void)sig;
}

void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void deflt(int sig)
{
	signal(sig, SIG_DFL);
}

void mask(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

const char *who(pid_t pid, pid_t child)
{
	static char b[4][16];
	static int n;
	char *s = b[n++ % 4];

	if (pid == getpid())
		return "self";
	if (child && pid == child)
		return "child";
	snprintf(s, 16, pid ? "other" : "0");
	return s;
}

/* si_code by name, as it reads for that signal. */
const char *code_name(int sig, int code)
{
	static char other[16];

	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_KERNEL:
		return "SI_KERNEL";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TKILL:
		return "SI_TKILL";
	case SI_TIMER:
		return "SI_TIMER";
	}
	if (sig == SIGCHLD && code >= 1 && code <= 6) {
		static const char *n[] = {"CLD_EXITED",	 "CLD_KILLED",	"CLD_DUMPED",
					  "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"};
		return n[code - 1];
	}
	if (sig == SIGSEGV && code == SEGV_MAPERR)
		return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR)
		return "SEGV_ACCERR";
	if (sig == SIGFPE && code == FPE_INTDIV)
		return "FPE_INTDIV";
	if (sig == SIGFPE && code == FPE_FLTDIV)
		return "FPE_FLTDIV";
	if (sig == SIGILL && code == ILL_ILLOPN)
		return "ILL_ILLOPN";
	snprintf(other, sizeof(other), "%d", code);
	return other;
}

const char *ss_name(int flags)
{
	static char b[4][24];
	static int n;
	char *s = b[n++ % 4];

	if (flags == SS_DISABLE)
		return "SS_DISABLE";
	if (flags == SS_ONSTACK)
		return "SS_ONSTACK";
	snprintf(s, 24, "%#x", (unsigned)flags);
	return s;
}

void put_rc(char *line, const char *label, long rc)
{
	size_t n = strlen(line);

	snprintf(line + n, LINE_MAX - n, "%s%s=%s", n ? " " : "", label, abi_rc(rc));
}

/* Wait up to ms for hits to reach want. */
int wait_hits(int want, int ms)
{
	struct timespec t = {0, 1000000};

	for (int i = 0; i < ms && __atomic_load_n(&hits, __ATOMIC_SEQ_CST) < want; i++)
		nanosleep(&t, NULL);
	return __atomic_load_n(&hits, __ATOMIC_SEQ_CST) >= want;
}

void msleep(int ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec-altstack")) {
		abi_say("altstack-exec", "%s", get_text());
		return 0;
	}
	case_sender_info();
	case_rt_queue();
	case_pending();
	case_sigchld();
	case_kernel_senders();
	case_faults();
	case_timedwait();
	case_altstack_settings();
	case_altstack_handlers();
	case_altstack_overflow();
	case_altstack_inherit();
	case_altstack_bogus();
	case_races();
	case_fork_self();
	case_main_exit();
	case_queue_bad();
	case_rlimit();
	case_sigaction();
	return 0;
}
