/*
 * panic(): one report (reason, registers, symbolized backtrace) from whichever CPU got there
 * first, every other CPU stopped with an NMI, then the panic= action.  Works from interrupt
 * and NMI context: it takes no lock it could wait on forever.
 */
#define LOG_TAG "panic"
#include <vmk/panic.h>
#include <vmk/log.h>
#include <vmk/console.h>
#include <vmk/format.h>
#include <vmk/ksyms.h>
#include <vmk/smp.h>
#include <vmk/mm.h>
#include <vmk/power.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <string.h>

static volatile int panicking = -1; /* logical id of the CPU reporting, -1 while none */
static enum { PANIC_HALT, PANIC_REBOOT, PANIC_POWEROFF } panic_action = PANIC_HALT;

bool panic_in_progress(void)
{
	return panicking >= 0;
}

void panic_set_action(const char *action)
{
	if (!strcmp(action, "reboot"))
		panic_action = PANIC_REBOOT;
	else if (!strcmp(action, "poweroff"))
		panic_action = PANIC_POWEROFF;
	else
		panic_action = PANIC_HALT;
}

static void print_sym(uint64_t addr)
{
	uint64_t off;
	const char *name = ksyms_lookup(addr, &off);

	if (name)
		kprintf("  [<%016lx>] %s+%#lx\n", addr, name, off);
	else
		kprintf("  [<%016lx>] ?\n", addr);
}

/* Follow the frame-pointer chain; every frame is read through probe_read64 so a smashed
 * chain ends the trace instead of faulting again. */
static void backtrace(uint64_t rip, uint64_t rbp)
{
	uint64_t last = 0, repeats = 0;

	kprintf("Backtrace:\n");
	print_sym(rip);
	for (int depth = 0; depth < 4096 && rbp; depth++) {
		uint64_t next, ret;

		if ((rbp & 7) || probe_read64((void *)rbp, &next) ||
		    probe_read64((void *)(rbp + 8), &ret) || ret < KERNEL_VMA)
			break;
		if (ret == last) { /* deep recursion: one line and a count */
			repeats++;
		} else {
			if (repeats)
				kprintf("  ... the frame above %lu more times\n", repeats);
			repeats = 0;
			print_sym(ret);
		}
		last = ret;
		if (next <= rbp)
			break;
		rbp = next;
	}
	if (repeats)
		kprintf("  ... the frame above %lu more times\n", repeats);
}

static void dump_regs(const struct regs *r)
{
	kprintf("RIP: %04lx:%016lx RFLAGS: %08lx\n", r->cs, r->rip, r->rflags);
	kprintf("RSP: %04lx:%016lx CR2: %016lx CR3: %016lx\n", r->ss, r->rsp, read_cr2(),
		read_cr3());
	kprintf("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	kprintf("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	kprintf("RBP: %016lx R8:  %016lx R9:  %016lx\n", r->rbp, r->r8, r->r9);
	kprintf("R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
	kprintf("R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
	kprintf("CR0: %016lx CR4: %016lx\n", read_cr0(), read_cr4());
}

static void __noreturn panic_common(struct regs *r, const char *fmt, va_list ap)
{
	struct cpu *c = this_cpu();
	int me = c ? (int)c->id : 0, expect = -1;
	char msg[256];

	irq_disable();
	if (!__atomic_compare_exchange_n(&panicking, &expect, me, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		/* Another CPU is reporting (or this one panicked again): stop here. */
		for (;;)
			cpu_halt();
	}
	smp_stop_others();
	console_bust_locks();

	kvsnprintf(msg, sizeof(msg), fmt, ap);
	kprintf("\n*** vmkernel PANIC on CPU %d%s: %s\n", me,
		c && c->in_irq ? " (in interrupt)" : "", msg);
	if (r) {
		dump_regs(r);
		backtrace(r->rip, r->rbp);
	} else {
		backtrace((uint64_t)__builtin_return_address(0),
			  (uint64_t)__builtin_frame_address(0));
	}
	kprintf("*** all CPUs stopped\n");

	if (panic_action == PANIC_POWEROFF)
		power_off();
	else if (panic_action == PANIC_REBOOT)
		power_reset();
	for (;;)
		cpu_halt();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_common(NULL, fmt, ap);
}

void panic_regs(struct regs *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_common(r, fmt, ap);
}
