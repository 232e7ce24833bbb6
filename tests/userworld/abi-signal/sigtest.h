/* What the abi-signal files share: helpers, the handlers' records, the cases. */
#ifndef SIGTEST_H
#define SIGTEST_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include "abi.h"

#define KADDR	 ((void *)0xffffffff81000000ul) /* the kernel's text on Linux */
#define NOPID	 2147483647			/* above PID_MAX_LIMIT: never a process */
#define ALT_SIZE 65536
#define LINE_MAX 256

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

/* abi.h's abi_area is one per file: name the area in each before main runs. */
static void __attribute__((constructor, used)) sigtest_area(void)
{
	abi_area = "signal";
}

long sys(long nr, long a, long b, long c, long d);
/* What SA_SIGINFO handlers saw: on_info counts in hits and keeps the last siginfo. */
extern volatile int hits;
extern siginfo_t got;
void on_info(int sig, siginfo_t *si, void *uc);
void on_noop(int sig);
void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags);
void deflt(int sig);
void mask(int how, int sig);
/* "self", "child" (when pid is child), "0" or "other". */
const char *who(pid_t pid, pid_t child);
/* si_code by name, as it reads for that signal. */
const char *code_name(int sig, int code);
const char *ss_name(int flags);
/* Append "label=RESULT" for a call's outcome to line (LINE_MAX bytes).  One call per
 * statement, so that errno is the one the call left. */
void put_rc(char *line, const char *label, long rc);
/* Wait up to ms for hits to reach want; true when it did. */
int wait_hits(int want, int ms);
void msleep(int ms);

/* fault.c: on_fault records the fault, whether it ran between alt_lo and alt_hi, and
 * siglongjmps to jb. */
extern sigjmp_buf jb;
extern siginfo_t fault;
extern int fault_onalt;
extern char *alt_lo, *alt_hi;
void on_fault(int sig, siginfo_t *si, void *ucv);

/* altstack.c */
const char *get_text(void);	  /* sigaltstack's report now */
void *thread_altstack(void *arg); /* a thread that returns get_text() */

void case_sender_info(void);
void case_rt_queue(void);
void case_pending(void);
void case_sigchld(void);
void case_kernel_senders(void);
void case_faults(void);
void case_timedwait(void);
void case_altstack_settings(void);
void case_altstack_handlers(void);
void case_altstack_overflow(void);
void case_altstack_inherit(void);
void case_altstack_bogus(void);
void case_races(void);
void case_fork_self(void);
void case_main_exit(void);
void case_queue_bad(void);
void case_rlimit(void);
void case_sigaction(void);

#endif
