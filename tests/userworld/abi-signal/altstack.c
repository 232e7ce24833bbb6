/* abi-signal: sigaltstack, handlers on the alternate stack, stack overflows caught there. */
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

const char *get_text(void)
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

void *thread_altstack(void *arg)
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

void case_altstack_settings(void)
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
	set_handler(SIGUSR1, on_alt, 0);
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

void case_altstack_handlers(void)
{
	struct sigaction sa;

	set_alt(alt, ALT_SIZE, 0);
	set_handler(SIGUSR1, on_alt, SA_ONSTACK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_nested;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	memset(&seen, 0, sizeof(seen));
	seen.nest = 1;
	raise(SIGUSR1);
	abi_say("altstack-handler", "%s after=%s", handler_text(), get_text());
	abi_say("altstack-nested", "onalt=%d below=%d", seen.nested_onalt, seen.nested_below);

	set_handler(SIGUSR1, on_alt, 0);
	memset(&seen, 0, sizeof(seen));
	raise(SIGUSR1);
	abi_say("altstack-not-onstack", "onalt=%d get=%s", seen.onalt, ss_name(seen.get_flags));

	set_handler(SIGUSR1, on_alt, SA_ONSTACK);
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
	set_handler(SIGSEGV, on_fault, SA_ONSTACK);
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

void case_altstack_overflow(void)
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

void case_altstack_inherit(void)
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

/* A handler that cannot get its frame onto the alternate stack (not user memory, or a range
 * that wraps around) ends the process with SIGSEGV, as on Linux; nothing else happens. */
static const char *bogus_stack(void *sp, size_t size)
{
	static char b[2][32];
	static int n;
	char *t = b[n++ % 2];
	pid_t c = fork();
	int st;

	if (c == 0) {
		set_handler(SIGUSR1, on_info, SA_ONSTACK);
		if (set_alt(sp, size, 0))
			_exit(100);
		raise(SIGUSR1);
		_exit(hits ? 101 : 102);
	}
	waitpid(c, &st, 0);
	snprintf(t, 32, WIFSIGNALED(st) ? "signal %d" : "exit %d",
		 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return t;
}

void case_altstack_bogus(void)
{
	const char *kernel = bogus_stack(KADDR, ALT_SIZE);

	abi_say("altstack-bogus", "kernel=%s wrap=%s", kernel,
		bogus_stack((void *)0x7ffffffff000ul, ~0ul - 0x1000));
}
