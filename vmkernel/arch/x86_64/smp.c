/*
 * SMP: the boot CPU starts every other CPU the MADT lists (INIT-SIPI-SIPI through a real-mode
 * trampoline), and CPUs call functions on each other with IPIs (TLB shootdown is one such
 * call).  A CPU waiting for the call lock runs any call aimed at itself, so two CPUs calling
 * each other with interrupts off cannot deadlock.
 */
#define LOG_TAG "smp"
#include <vmk/smp.h>
#include <vmk/profile.h>
#include <vmk/proc.h>
#include <vmk/mm.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <vmk/platform.h>
#include <vmk/spinlock.h>
#include <vmk/time.h>
#include <vmk/errno.h>
#include <vmk/world.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/trap.h>
#include <string.h>

struct cpu cpu0;
struct cpu *cpus[MAX_CPUS] = {&cpu0};
unsigned ncpus_online = 1;

static volatile bool stopping;
static struct spinlock call_lock = SPINLOCK_INIT;
static struct {
	void (*fn)(void *);
	void *arg;
	volatile unsigned pending;
} call;
static volatile uint8_t call_pending[MAX_CPUS];

extern const char ap_tramp_start[], ap_tramp_end[], ap_tramp64[], tramp_gdt[];
extern char tramp_gdtr[], tramp_farptr[], tramp_cr3[], tramp_efer[], tramp_stack[];
extern char tramp_cpu[], tramp_entry[];

bool smp_stopping(void)
{
	return stopping;
}

void smp_stop_others(void)
{
	if (stopping)
		return;
	stopping = true;
	if (ncpus_online > 1) {
		lapic_send_ipi(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
		udelay(10000);
	}
}

static void call_run(struct cpu *c)
{
	if (!__atomic_exchange_n(&call_pending[c->id], 0, __ATOMIC_ACQ_REL))
		return;
	call.fn(call.arg);
	c->ipi_calls++;
	__atomic_fetch_sub(&call.pending, 1, __ATOMIC_RELEASE);
}

static void call_ipi(struct regs *r)
{
	(void)r;
	call_run(this_cpu());
}

static void timer_tick(struct regs *r)
{
	struct cpu *c = this_cpu();

	timer_tick_resume(); /* a deferred tick's one shot: ticking again */
	c->ticks++;
	profile_tick(r);
	itimer_tick(r);
	if (c->world)
		sched_tick();
}

/* Take the call lock, serving calls aimed at us meanwhile; returns the saved flags. */
static uint64_t call_lock_take(void)
{
	uint64_t f = irq_save();

	while (!spin_trylock(&call_lock)) {
		call_run(this_cpu());
		cpu_relax();
	}
	return f;
}

static void call_post(unsigned target)
{
	call_pending[target] = 1;
	lapic_send_ipi(cpus[target]->apic_id, VEC_CALL);
}

static void call_wait_release(uint64_t f)
{
	while (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE))
		cpu_relax();
	spin_unlock(&call_lock);
	irq_restore(f);
}

void smp_call_others(void (*fn)(void *), void *arg)
{
	unsigned me = this_cpu()->id;
	uint64_t f;

	if (ncpus_online < 2)
		return;
	f = call_lock_take();
	call.fn = fn;
	call.arg = arg;
	call.pending = ncpus_online - 1;
	for (unsigned i = 0; i < ncpus_online; i++)
		if (i != me)
			call_post(i);
	call_wait_release(f);
}

int smp_call_one(unsigned cpu, void (*fn)(void *), void *arg)
{
	uint64_t f;

	if (cpu >= ncpus_online)
		return -EINVAL;
	if (cpu == this_cpu()->id) {
		f = irq_save();
		fn(arg);
		irq_restore(f);
		return 0;
	}
	f = call_lock_take();
	call.fn = fn;
	call.arg = arg;
	call.pending = 1;
	call_post(cpu);
	call_wait_release(f);
	return 0;
}

struct flush_args {
	uintptr_t va;
	unsigned long npages;
};

static void tlb_flush_local(void *p)
{
	const struct flush_args *a = p;

	if (a->npages > 32) {
		write_cr3(read_cr3()); /* global kernel pages need CR4.PGE toggled */
		write_cr4(read_cr4() & ~CR4_PGE);
		write_cr4(read_cr4() | CR4_PGE);
		return;
	}
	for (unsigned long i = 0; i < a->npages; i++)
		invlpg(a->va + i * PAGE_SIZE);
}

void tlb_shootdown(uintptr_t va, unsigned long npages)
{
	struct flush_args a = {va, npages};

	tlb_flush_local(&a);
	smp_call_others(tlb_flush_local, &a);
}

/* --- bring-up --- */

static void tramp_set(char *base, char *field, uint64_t v, size_t size)
{
	memcpy(base + (field - ap_tramp_start), &v, size);
}

static void __noreturn ap_main(struct cpu *c)
{
	vm_cpu_init();
	cpu_local_init(c);
	fpu_init_cpu();
	idt_load();
	lapic_enable();
	lapic_timer_start(VEC_TIMER, lapic_timer_hz(), TIMER_HZ);
	sched_init_cpu("idle", true);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	irq_enable();
	sched_idle();
}

/* A page table for the trampoline: the first 2 MiB identity-mapped, the kernel half shared. */
static uint64_t tramp_page_table(void)
{
	uint64_t pml4, pdpt, pd;
	uint64_t *k = phys_to_virt(vm_kernel_cr3()), *t;

	if (frame_alloc(1, 1, 4ull << 30, &pml4) || frame_alloc(1, 1, 4ull << 30, &pdpt) ||
	    frame_alloc(1, 1, 4ull << 30, &pd))
		panic("no memory for the AP start-up page table");
	t = phys_to_virt(pml4);
	memset(t, 0, PAGE_SIZE);
	memcpy(t + 256, k + 256, 256 * sizeof(uint64_t));
	t[0] = pdpt | 3;
	t = phys_to_virt(pdpt);
	memset(t, 0, PAGE_SIZE);
	t[0] = pd | 3;
	t = phys_to_virt(pd);
	memset(t, 0, PAGE_SIZE);
	t[0] = 0 | 0x83; /* 2 MiB page at 0 */
	return pml4;
}

static bool ap_start(char *tramp, uint64_t tramp_pa, struct cpu *c)
{
	tramp_set(tramp, tramp_stack, c->stack_top, 8);
	tramp_set(tramp, tramp_cpu, (uint64_t)c, 8);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_ipi(c->apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	udelay(10000);
	for (int sipi = 0; sipi < 2 && !c->online; sipi++) {
		lapic_send_ipi(c->apic_id, ICR_STARTUP | (uint32_t)(tramp_pa >> 12));
		/* Emulated CPUs can take a while to get going: wait up to a second. */
		for (int i = 0; i < (sipi ? 10000 : 20); i++) {
			if (__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
				return true;
			udelay(100);
		}
	}
	return c->online;
}

unsigned smp_boot_aps(void)
{
	const struct acpi_info *a = &platform_acpi;
	uint32_t me = lapic_id();
	uint64_t tramp_pa, cr3;
	bool all_started = true;
	char *tramp;

	irq_register(VEC_TIMER, timer_tick);
	irq_register(VEC_CALL, call_ipi);
	cpu0.apic_id = me;

	if (frame_alloc(1, 1, 1ull << 20, &tramp_pa))
		panic("no page below 1 MiB for the AP trampoline");
	tramp = phys_to_virt(tramp_pa);
	memcpy(tramp, ap_tramp_start, ap_tramp_end - ap_tramp_start);
	cr3 = tramp_page_table();
	tramp_set(tramp, tramp_gdtr + 2, tramp_pa + (tramp_gdt - ap_tramp_start), 4);
	tramp_set(tramp, tramp_farptr, tramp_pa + (ap_tramp64 - ap_tramp_start), 4);
	tramp_set(tramp, tramp_cr3, cr3, 4);
	tramp_set(tramp, tramp_efer, EFER_LME | (cpu_feat.nx ? EFER_NXE : 0), 4);
	tramp_set(tramp, tramp_entry, (uint64_t)ap_main, 8);

	for (unsigned i = 0; i < a->ncpus; i++) {
		const struct acpi_cpu *ac = &a->cpus[i];
		struct cpu *c;

		if (!ac->enabled || ac->apic_id == me)
			continue;
		if (ncpus_online == MAX_CPUS) {
			log_warn("more than %u CPUs: the rest stay offline", MAX_CPUS);
			break;
		}
		c = kzalloc(sizeof(*c));
		if (!c || !(c->stack_top = kstack_alloc()))
			panic("no memory to start CPU with APIC id %u", ac->apic_id);
		c->id = ncpus_online;
		c->apic_id = ac->apic_id;
		c->self = c;
		cpus[c->id] = c;
		if (!ap_start(tramp, tramp_pa, c)) {
			log_err("CPU with APIC id %u did not start", ac->apic_id);
			cpus[c->id] = NULL;
			all_started = false; /* it might still wake up: keep what it would use */
			continue;
		}
		ncpus_online++;
	}
	if (all_started) {
		uint64_t *t = phys_to_virt(cr3), pdpt = t[0] & ~0xfffull;

		frame_free(((uint64_t *)phys_to_virt(pdpt))[0] & ~0xfffull, 1);
		frame_free(pdpt, 1);
		frame_free(cr3, 1);
		frame_free(tramp_pa, 1);
	}
	return ncpus_online;
}
