/* abi-signal: the siginfo of faults (SEGV_MAPERR, SEGV_ACCERR, #GP, #DE, #UD, int3, SIMD). */
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

sigjmp_buf jb;
siginfo_t fault;
static uintptr_t fault_pc;
int fault_onalt;
char *alt_lo, *alt_hi;

void on_fault(int sig, siginfo_t *si, void *ucv)
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

void case_faults(void)
{
	volatile int zero = 0, seven = 7, r = 0;
	char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double num = 1.0, den = 0.0;
	unsigned mx = 0x1f80 & ~0x200u; /* ZM clear: divide-by-zero unmasked */

	munmap(gone, 4096);
	set_handler(SIGSEGV, on_fault, SA_NODEFER);
	set_handler(SIGFPE, on_fault, SA_NODEFER);
	set_handler(SIGILL, on_fault, SA_NODEFER);
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

	set_handler(SIGTRAP, on_trap, 0);
	hits = 0;
	__asm__ volatile("int3");
	abi_say("trap-int3", "hits=%d code=%s resumed=1", hits, code_name(SIGTRAP, fault.si_code));
	deflt(SIGTRAP);

	/* (QEMU's TCG raises no SIMD exceptions: there the division just gives infinity.) */
	set_handler(SIGFPE, on_simd, 0);
	memset(&fault, 0, sizeof(fault));
	hits = 0;
	__asm__ volatile("ldmxcsr %1\n\tdivsd %2, %0" : "+x"(num) : "m"(mx), "x"(den));
	abi_say("fpe-simd", "hits=%d code=%s addr=%s result=%s", hits,
		code_name(SIGFPE, fault.si_code), fault.si_addr ? "pc" : "0",
		num > 1e308 ? "inf" : "other");
	deflt(SIGFPE);
	munmap(page, 4096);
}
