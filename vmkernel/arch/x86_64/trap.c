/* The IDT and the trap dispatcher: exceptions, NMIs and device/IPI interrupts. */
#define LOG_TAG "trap"
#include <arch/trap.h>
#include <arch/cpu.h>
#include <arch/cpu_local.h>
#include <arch/apic.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/panic.h>
#include <vmk/smp.h>
#include <vmk/world.h>
#include <vmk/proc.h>
#include <vmk/aspace.h>
#include <vmk/format.h>
#include <vmk/errno.h>
#include <vmk/spinlock.h>

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

extern const uint64_t isr_table[256];
struct ex_entry {
	uint64_t insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static struct idt_entry idt[256] __aligned(16);
static irq_handler_fn irq_table[256];

static const char *const exc_names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 FP error",
	"alignment check",
	"machine check",
	"SIMD FP error",
	"virtualization",
	"control protection",
	[29] = "VMM communication",
	[30] = "security exception",
};

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = isr_table[v];

		idt[v] = (struct idt_entry){
			.off_lo = a & 0xffff,
			.sel = 0x08,
			.ist = v == VEC_DF    ? IST_DF
			       : v == VEC_NMI ? IST_NMI
			       : v == VEC_MC  ? IST_MC
					      : 0,
			/* present, interrupt gate; DPL 3 for int3, which user code may raise
			 * (SIGTRAP, as on Linux), DPL 0 for the rest (#GP from ring 3) */
			.type = v == 3 ? 0xee : 0x8e,
			.off_mid = (a >> 16) & 0xffff,
			.off_hi = a >> 32,
		};
	}
	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void irq_register(unsigned vector, irq_handler_fn fn)
{
	if (vector >= 32 && vector < 256)
		irq_table[vector] = fn;
}

static struct spinlock vector_lock;
static uint64_t vector_used[4]; /* one bit per vector */

int irq_vector_alloc(void)
{
	uint64_t f = spin_lock_irqsave(&vector_lock);
	int v = -ENOSPC;

	for (unsigned i = VEC_DEV_BASE; i < VEC_DEV_END; i++) {
		if (!(vector_used[i / 64] >> (i % 64) & 1)) {
			vector_used[i / 64] |= 1ull << (i % 64);
			v = (int)i;
			break;
		}
	}
	spin_unlock_irqrestore(&vector_lock, f);
	return v;
}

void irq_vector_free(unsigned vector)
{
	uint64_t f;

	if (vector < VEC_DEV_BASE || vector >= VEC_DEV_END)
		return;
	f = spin_lock_irqsave(&vector_lock);
	irq_table[vector] = NULL;
	vector_used[vector / 64] &= ~(1ull << (vector % 64));
	spin_unlock_irqrestore(&vector_lock, f);
}

static bool trap_fixup(struct regs *r)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == r->rip) {
			r->rip = e->fixup;
			return true;
		}
	}
	return false;
}

/* A user address faulted (from user mode, or from the kernel copying user memory): let the
 * address space supply the page.  True when the access can be retried.  Out of memory ends
 * the process (SIGKILL, as Linux's OOM killer would), with a log line. */
static bool trap_user_page(struct regs *r, uintptr_t addr)
{
	struct world *w = world_current();
	int rc;

	if (addr >= USER_TOP || !w || !w->as || w->nofault)
		return false;
	if (r->rflags & RFLAGS_IF)
		irq_enable(); /* the fault may sleep on the address space's mutex */
	rc = aspace_fault(w->as, addr, (unsigned)r->error);
	if (!rc && w->ut)
		w->ut->ru.minflt++;
	if (rc == -ENOMEM) {
		irq_enable();
		log_warn("pid %d (%s): out of memory at %#lx, killed", w->proc->pid, w->proc->name,
			 addr);
		proc_exit_group(SIGKILL);
	}
	irq_disable();
	return rc == 0;
}

/* Linux's signal for each exception raised in user mode. */
static int user_signal(unsigned vector)
{
	switch (vector) {
	case 0:
	case 16:
	case 19:
		return SIGFPE;
	case 1:
	case 3:
		return SIGTRAP;
	case 6:
		return SIGILL;
	case 17:
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

static void trap_exception(struct regs *r)
{
	const char *name = exc_names[r->vector] ? exc_names[r->vector] : "exception";

	if (r->vector == VEC_PF && trap_user_page(r, read_cr2()))
		return;
	if (r->cs & 3) {
		char what[64];

		if (r->vector == VEC_PF)
			ksnprintf(what, sizeof(what), "page fault at %#lx", read_cr2());
		else
			ksnprintf(what, sizeof(what), "%s", name);
		irq_enable();
		proc_fault(r, user_signal((unsigned)r->vector),
			   r->vector == VEC_PF ? read_cr2() : r->rip, what);
		irq_disable();
		return;
	}
	if ((r->vector == VEC_PF || r->vector == VEC_GP) && trap_fixup(r))
		return;
	if (r->vector == VEC_DF && kstack_is_guard(read_cr2()))
		panic_regs(r, "kernel stack overflow (double fault, guard page %#lx)", read_cr2());
	if (r->vector == VEC_PF)
		panic_regs(r, "page fault at %#lx (%s %s%s)", read_cr2(),
			   r->error & 1 ? "protection violation" : "page not present",
			   r->error & 16  ? "on instruction fetch"
			   : r->error & 2 ? "on write"
					  : "on read",
			   r->error & 4 ? " from user mode" : "");
	panic_regs(r, "%s (vector %lu, error code %#lx)", name, r->vector, r->error);
}

void trap_dispatch(struct regs *r)
{
	struct cpu *c = this_cpu();

	if (r->vector == VEC_NMI) {
		if (smp_stopping()) {
			for (;;) {
				irq_disable();
				cpu_halt();
			}
		}
		log_warn("NMI on CPU %u at %#lx", c->id, r->rip);
		return;
	}
	if (r->vector < 32) {
		trap_exception(r);
		return;
	}
	c->in_irq++;
	if (irq_table[r->vector])
		irq_table[r->vector](r);
	else if (r->vector != VEC_SPURIOUS)
		log_warn("unexpected interrupt vector %#lx on CPU %u", r->vector, c->id);
	if (r->vector != VEC_SPURIOUS)
		lapic_eoi();
	c->in_irq--;
	/* Preempt only a context that had interrupts on: it holds no spinlock (vmk/world.h). */
	sched_irq_exit(r->rflags & (1ul << 9));
	if (r->cs & 3) {
		irq_enable();
		signal_deliver(r);
		irq_disable();
	}
}
