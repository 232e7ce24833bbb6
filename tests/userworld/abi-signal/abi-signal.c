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
 *   race        process-wide signals while threads come and go: none may be lost
 *
 * Every case prints what it saw, never an address or a pid ("self", "child" instead).
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
#include "abi.h"

#define KADDR	 ((void *)0xffffffff81000000ul) /* the kernel's text on Linux */
#define NOPID	 2147483647			/* above PID_MAX_LIMIT: never a process */
#define ALT_SIZE 65536

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

static long sys(long nr, long a, long b, long c, long d)
{
	return syscall(nr, a, b, c, d);
}

/* --- what the handlers saw --- */

static volatile int hits;
static siginfo_t got;
static int order[16], norder;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	got = *si;
	__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
}

/* Records (signal - SIGRTMIN) * 100 + si_value for each run. */
static void on_order(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (norder < 16)
		order[norder++] = (sig - SIGRTMIN) * 100 + si->si_value.sival_int;
	hits++;
}

static void on_noop(int sig)
{
	(void)sig;
}

static void catch (int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void deflt(int sig)
{
	signal(sig, SIG_DFL);
}

static void mask(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

static const char *who(pid_t pid, pid_t child)
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
static const char *code_name(int sig, int code)
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

static const char *ss_name(int flags)
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

/* Append "label=RESULT" for a call's outcome to line (LINE_MAX bytes).  One call per
 * statement, so that errno is the one the call left. */
#define LINE_MAX 256
static void put_rc(char *line, const char *label, long rc)
{
	size_t n = strlen(line);

	snprintf(line + n, LINE_MAX - n, "%s%s=%s", n ? " " : "", label, abi_rc(rc));
}

/* Wait up to ms for hits to reach want. */
static int wait_hits(int want, int ms)
{
	struct timespec t = {0, 1000000};

	for (int i = 0; i < ms && __atomic_load_n(&hits, __ATOMIC_SEQ_CST) < want; i++)
		nanosleep(&t, NULL);
	return __atomic_load_n(&hits, __ATOMIC_SEQ_CST) >= want;
}

static void msleep(int ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

/* --- siginfo --- */

static void case_sender_info(void)
{
	union sigval v = {.sival_int = 42};

	catch (SIGUSR1, on_info, 0);
	catch (SIGUSR2, on_info, 0);
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

static void case_rt_queue(void)
{
	sigset_t s, old;
	union sigval v;
	char text[128] = "";
	int vals[][2] = {{1, 1}, {1, 2}, {0, 9}, {1, 3}};

	catch (SIGRTMIN, on_order, 0);
	catch (SIGRTMIN + 1, on_order, 0);
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
	catch (SIGRTMIN + 2, on_info, 0);
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

static void case_pending(void)
{
	char line[LINE_MAX];
	sigset_t s;

	mask(SIG_BLOCK, SIGUSR2);
	mask(SIG_BLOCK, SIGRTMIN + 3);
	catch (SIGUSR2, on_info, 0);
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

static void case_sigchld(void)
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
	catch (SIGCHLD, on_info, 0);
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

static void case_kernel_senders(void)
{
	struct itimerval it = {{0, 0}, {0, 20000}};
	sigset_t none;
	int p[2];
	long rc;

	catch (SIGPIPE, on_info, 0);
	hits = 0;
	if (pipe(p) == 0) {
		close(p[0]);
		rc = write(p[1], "x", 1);
		abi_say("sigpipe-info", "write=%s hits=%d code=%s pid=%s", abi_rc(rc), hits,
			code_name(SIGPIPE, got.si_code), who(got.si_pid, 0));
		close(p[1]);
	}
	deflt(SIGPIPE);

	catch (SIGALRM, on_info, 0);
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

/* --- faults --- */

static sigjmp_buf jb;
static siginfo_t fault;
static uintptr_t fault_pc;
static int fault_onalt;
static char *alt_lo, *alt_hi;

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	char here;

	(void)sig;
	fault = *si;
	fault_pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	fault_onalt = &here >= alt_lo && &here < alt_hi;
	siglongjmp(jb, 1);
}

static const char *fault_text(int sig, uintptr_t want_addr)
{
	static char b[96];

	snprintf(b, sizeof(b), "signo=%d code=%s addr=%s", fault.si_signo,
		 code_name(sig, fault.si_code),
		 (uintptr_t)fault.si_addr == want_addr	? "ok"
		 : (uintptr_t)fault.si_addr == fault_pc ? "pc"
							: "other");
	return b;
}

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fault = *si;
	hits++;
}

/* MXCSR unmasked divide-by-zero: the handler masks it in the saved state and returns, so
 * the instruction runs again and gives infinity. */
static void on_simd(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	fault = *si;
	hits++;
	uc->uc_mcontext.fpregs->mxcsr = 0x1f80;
}

static void case_faults(void)
{
	volatile int zero = 0, seven = 7, r = 0;
	char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double num = 1.0, den = 0.0;
	unsigned mx = 0x1f80 & ~0x200u; /* ZM clear: divide-by-zero unmasked */

	munmap(gone, 4096);
	catch (SIGSEGV, on_fault, SA_NODEFER);
	catch (SIGFPE, on_fault, SA_NODEFER);
	catch (SIGILL, on_fault, SA_NODEFER);
	if (!sigsetjmp(jb, 1))
		*(volatile char *)(gone + 8) = 1;
	abi_say("segv-maperr", "%s", fault_text(SIGSEGV, (uintptr_t)(gone + 8)));
	if (!sigsetjmp(jb, 1))
		*(volatile char *)(page + 16) = 1;
	abi_say("segv-accerr", "%s", fault_text(SIGSEGV, (uintptr_t)(page + 16)));
	mprotect(page, 4096, PROT_NONE);
	if (!sigsetjmp(jb, 1))
		r = *(volatile char *)(page + 24);
	abi_say("segv-prot-none", "%s", fault_text(SIGSEGV, (uintptr_t)(page + 24)));
	if (!sigsetjmp(jb, 1))
		__asm__ volatile("hlt");
	abi_say("segv-privileged", "%s", fault_text(SIGSEGV, 0));
	if (!sigsetjmp(jb, 1))
		r = seven / zero;
	abi_say("fpe-intdiv", "%s", fault_text(SIGFPE, 0));
	if (!sigsetjmp(jb, 1))
		__asm__ volatile("ud2");
	abi_say("ill-illopn", "%s", fault_text(SIGILL, 0));
	(void)r;
	deflt(SIGSEGV);
	deflt(SIGFPE);
	deflt(SIGILL);

	catch (SIGTRAP, on_trap, 0);
	hits = 0;
	__asm__ volatile("int3");
	abi_say("trap-int3", "hits=%d code=%s resumed=1", hits, code_name(SIGTRAP, fault.si_code));
	deflt(SIGTRAP);

	/* (QEMU's TCG raises no SIMD exceptions: there the division just gives infinity.) */
	catch (SIGFPE, on_simd, 0);
	memset(&fault, 0, sizeof(fault));
	hits = 0;
	__asm__ volatile("ldmxcsr %1\n\tdivsd %2, %0" : "+x"(num) : "m"(mx), "x"(den));
	abi_say("fpe-simd", "hits=%d code=%s addr=%s result=%s", hits,
		code_name(SIGFPE, fault.si_code), fault.si_addr ? "pc" : "0",
		num > 1e308 ? "inf" : "other");
	deflt(SIGFPE);
	munmap(page, 4096);
}

/* --- rt_sigtimedwait --- */

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

static void case_timedwait(void)
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
	catch (SIGUSR2, on_info, 0);
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
	catch (SIGUSR1, on_info, 0);
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

/* --- sigaltstack --- */

static char *alt;
static struct {
	int nest, onalt, get_flags, set_rc, nested_onalt, nested_below;
	char *uc_sp;
	size_t uc_size;
	int uc_flags;
	char *outer_local;
} seen;

static int onalt_now(const char *p)
{
	return p >= alt && p < alt + ALT_SIZE;
}

static void on_nested(int sig)
{
	char here;

	(void)sig;
	seen.nested_onalt = onalt_now(&here);
	seen.nested_below = &here < seen.outer_local;
}

static void on_alt(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	stack_t cur, again = {.ss_sp = alt, .ss_size = ALT_SIZE};
	char here;

	(void)sig, (void)si;
	seen.onalt = onalt_now(&here);
	seen.outer_local = &here;
	sigaltstack(NULL, &cur);
	seen.get_flags = cur.ss_flags;
	seen.set_rc = sigaltstack(&again, NULL) ? -errno : 0;
	seen.uc_sp = uc->uc_stack.ss_sp;
	seen.uc_size = uc->uc_stack.ss_size;
	seen.uc_flags = uc->uc_stack.ss_flags;
	if (seen.nest)
		raise(SIGUSR2);
}

static const char *ss_text(const stack_t *s)
{
	static char b[4][64];
	static int n;
	char *t = b[n++ % 4];

	snprintf(t, 64, "sp=%s size=%zu flags=%s",
		 !s->ss_sp	   ? "0"
		 : s->ss_sp == alt ? "alt"
				   : "other",
		 s->ss_size, ss_name(s->ss_flags));
	return t;
}

static const char *get_text(void)
{
	stack_t o;

	memset(&o, 0x55, sizeof(o));
	if (sigaltstack(NULL, &o))
		return abi_errname(errno);
	return ss_text(&o);
}

/* The system call itself: musl's wrapper refuses some flags and sizes on its own. */
static int set_alt(void *sp, size_t size, int flags)
{
	stack_t s = {.ss_sp = sp, .ss_flags = flags, .ss_size = size};

	return (int)sys(SYS_sigaltstack, (long)&s, 0, 0, 0);
}

static void *thread_altstack(void *arg)
{
	(void)arg;
	return (void *)get_text();
}

static const char *handler_text(void)
{
	static char b[160];

	snprintf(b, sizeof(b), "onalt=%d get=%s set=%s uc=%s/%zu/%s", seen.onalt,
		 ss_name(seen.get_flags), seen.set_rc ? abi_errname(-seen.set_rc) : "0",
		 seen.uc_sp == alt ? "alt"
		 : seen.uc_sp	   ? "other"
				   : "0",
		 seen.uc_size, ss_name(seen.uc_flags));
	return b;
}

/* uc_stack as a handler sees it with no alternate stack, in the main thread and in a new
 * one (Linux: a new thread's is disabled, the first process's never set). */
static void *thread_uc_stack(void *arg)
{
	(void)arg;
	raise(SIGUSR1);
	return NULL;
}

static void case_altstack_settings(void)
{
	stack_t big = {.ss_size = ALT_SIZE};
	pthread_t th;
	void *res;

	char r1[16], r2[16], r3[16];

	alt = malloc(ALT_SIZE);
	abi_say("altstack-initial", "%s", get_text());
	snprintf(r1, sizeof(r1), "%s", abi_rc(set_alt(alt, ALT_SIZE, 0)));
	abi_say("altstack-set", "%s then %s", r1, get_text());
	snprintf(r1, sizeof(r1), "%s", abi_rc(set_alt(alt, 2047, 0)));
	snprintf(r2, sizeof(r2), "%s", abi_rc(set_alt(alt, 2048, 0)));
	abi_say("altstack-small", "2047=%s 2048=%s then %s", r1, r2, get_text());
	snprintf(r1, sizeof(r1), "%s", abi_rc(set_alt(alt, ALT_SIZE, 4)));
	snprintf(r2, sizeof(r2), "%s", abi_rc(set_alt(alt, ALT_SIZE, 3)));
	snprintf(r3, sizeof(r3), "%s", abi_rc(set_alt(alt, ALT_SIZE, SS_ONSTACK)));
	abi_say("altstack-flags", "4=%s 3=%s onstack=%s then %s", r1, r2, r3, get_text());
	snprintf(r1, sizeof(r1), "%s", abi_rc(set_alt(alt, 100, SS_DISABLE)));
	abi_say("altstack-disable", "%s then %s", r1, get_text());
	snprintf(r1, sizeof(r1), "%s", abi_rc(set_alt(NULL, 0, 0)));
	abi_say("altstack-zero-size", "%s then %s", r1, get_text());
	big.ss_sp = alt;
	snprintf(r1, sizeof(r1), "%s", abi_rc(sys(SYS_sigaltstack, (long)KADDR, 0, 0, 0)));
	snprintf(r2, sizeof(r2), "%s", abi_rc(sys(SYS_sigaltstack, (long)&big, (long)KADDR, 0, 0)));
	abi_say("altstack-efault", "ss=%s oss=%s then %s", r1, r2, get_text());
	pthread_create(&th, NULL, thread_altstack, NULL);
	pthread_join(th, &res);
	abi_say("altstack-new-thread", "%s", (char *)res);

	set_alt(NULL, 0, SS_DISABLE);
	catch (SIGUSR1, on_alt, 0);
	memset(&seen, 0, sizeof(seen));
	raise(SIGUSR1);
	abi_say("uc-stack-none-main", "uc=%s/%zu/%s", seen.uc_sp ? "set" : "0", seen.uc_size,
		ss_name(seen.uc_flags));
	memset(&seen, 0, sizeof(seen));
	pthread_create(&th, NULL, thread_uc_stack, NULL);
	pthread_join(th, NULL);
	abi_say("uc-stack-none-thread", "uc=%s/%zu/%s", seen.uc_sp ? "set" : "0", seen.uc_size,
		ss_name(seen.uc_flags));
	deflt(SIGUSR1);
}

static void case_altstack_handlers(void)
{
	struct sigaction sa;

	set_alt(alt, ALT_SIZE, 0);
	catch (SIGUSR1, on_alt, SA_ONSTACK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_nested;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	memset(&seen, 0, sizeof(seen));
	seen.nest = 1;
	raise(SIGUSR1);
	abi_say("altstack-handler", "%s after=%s", handler_text(), get_text());
	abi_say("altstack-nested", "onalt=%d below=%d", seen.nested_onalt, seen.nested_below);

	catch (SIGUSR1, on_alt, 0);
	memset(&seen, 0, sizeof(seen));
	raise(SIGUSR1);
	abi_say("altstack-not-onstack", "onalt=%d get=%s", seen.onalt, ss_name(seen.get_flags));

	catch (SIGUSR1, on_alt, SA_ONSTACK);
	set_alt(alt, ALT_SIZE, SS_AUTODISARM);
	memset(&seen, 0, sizeof(seen));
	raise(SIGUSR1);
	abi_say("altstack-autodisarm", "%s after=%s", handler_text(), get_text());
	set_alt(NULL, 0, SS_DISABLE);
	deflt(SIGUSR1);
	deflt(SIGUSR2);
}

/* Recursion that ends only at a fault (depth never reaches the limit): each level a page of
 * stack. */
static volatile int depth, depth_limit = 1 << 30;

static int __attribute__((noinline)) recurse(int n)
{
	volatile char page[4096];

	page[0] = (char)n;
	if (++depth >= depth_limit)
		return 0;
	return recurse(n + 1) + page[0];
}

/* Overflow the calling thread's stack twice, catching SIGSEGV on the alternate stack each
 * time: bits 1 caught, 2 on the alternate stack, 4 off it afterwards, 8 twice. */
static int overflow_twice(void)
{
	static char stack[ALT_SIZE];
	volatile int caught = 0, result = 0;
	int code = 0;

	alt_lo = stack;
	alt_hi = stack + sizeof(stack);
	set_alt(stack, sizeof(stack), 0);
	catch (SIGSEGV, on_fault, SA_ONSTACK);
	for (int i = 0; i < 2; i++) {
		fault_onalt = 0;
		if (!sigsetjmp(jb, 1))
			recurse(0);
		caught++;
		if (fault_onalt)
			result |= 2;
		code = fault.si_code;
	}
	stack_t now;

	sigaltstack(NULL, &now);
	if (caught)
		result |= 1;
	if (now.ss_flags == 0)
		result |= 4;
	if (caught == 2)
		result |= 8;
	return result | code << 4;
}

static const char *overflow_text(int r)
{
	static char b[96];

	snprintf(b, sizeof(b), "caught=%d onalt=%d left=%d twice=%d code=%s", r & 1, !!(r & 2),
		 !!(r & 4), !!(r & 8), code_name(SIGSEGV, r >> 4));
	return b;
}

static void *thread_overflow(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)overflow_twice();
}

static void case_altstack_overflow(void)
{
	pthread_t th;
	void *res;
	pid_t c;
	int st;

	/* The main thread's 8 MiB stack, in a child. */
	c = fork();
	if (c == 0)
		_exit(overflow_twice());
	waitpid(c, &st, 0);
	abi_say("altstack-overflow-main", "%s",
		WIFEXITED(st) ? overflow_text(WEXITSTATUS(st)) : "killed");

	/* A thread's stack (musl: 128 KiB below a guard page), in a child. */
	c = fork();
	if (c == 0) {
		pthread_create(&th, NULL, thread_overflow, NULL);
		pthread_join(th, &res);
		_exit((int)(intptr_t)res);
	}
	waitpid(c, &st, 0);
	abi_say("altstack-overflow-thread", "%s",
		WIFEXITED(st) ? overflow_text(WEXITSTATUS(st)) : "killed");
}

static void case_altstack_inherit(void)
{
	stack_t o;
	pid_t c;
	int st, same;

	set_alt(alt, ALT_SIZE, 0);
	c = fork();
	if (c == 0) {
		sigaltstack(NULL, &o);
		_exit(o.ss_sp == alt && o.ss_size == ALT_SIZE && o.ss_flags == 0);
	}
	waitpid(c, &st, 0);
	same = WEXITSTATUS(st);
	c = vfork();
	if (c == 0) {
		sigaltstack(NULL, &o);
		_exit(o.ss_sp == alt && o.ss_size == ALT_SIZE && o.ss_flags == 0);
	}
	waitpid(c, &st, 0);
	abi_say("altstack-fork", "fork=%d vfork=%d", same, WEXITSTATUS(st));
	c = fork();
	if (c == 0) {
		execl("/usr/bin/abi-signal", "abi-signal", "exec-altstack", (char *)NULL);
		_exit(127);
	}
	waitpid(c, &st, 0);
	abi_say("altstack-exec-status", "%d", WEXITSTATUS(st));
	set_alt(NULL, 0, SS_DISABLE);
}

/* --- races: process-wide signals while threads come and go --- */

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

static void case_races(void)
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

static void case_main_exit(void)
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

static void case_queue_bad(void)
{
	char line[LINE_MAX];
	siginfo_t si;
	pthread_t th;
	int tid = gettid();

	catch (SIGUSR1, on_info, 0);
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

static void case_rlimit(void)
{
	pid_t c = fork();
	int st;

	if (c == 0) {
		struct rlimit rl = {4, 4};
		union sigval v = {.sival_int = 1};
		char text[LINE_MAX] = "";

		setrlimit(RLIMIT_SIGPENDING, &rl);
		catch (SIGRTMIN + 5, on_info, 0);
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

static void case_sigaction(void)
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

int main(int argc, char **argv)
{
	abi_area = "signal";
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
	case_races();
	case_main_exit();
	case_queue_bad();
	case_rlimit();
	case_sigaction();
	return 0;
}
