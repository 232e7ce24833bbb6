/*
 * Kernel self-tests (selftest= on the command line).  The stress tests run the same worker on
 * every CPU at once (the boot CPU included) and then check that nothing leaked; the crash
 * tests (not in "all") end in a panic on purpose, so a test can check the panic report.
 */
#define LOG_TAG "selftest"
#include <vmk/selftest.h>
#include <vmk/cmdline.h>
#include <vmk/format.h>
#include <vmk/heap.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/power.h>
#include <vmk/smp.h>
#include <vmk/time.h>
#include <vmk/world.h>
#include <vmk/errno.h>
#include <vmk/hv.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <string.h>
#include "selftest_priv.h"

static unsigned npass, nfail;

bool selftest_report(bool pass, const char *name, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (pass)
		npass++;
	else
		nfail++;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("selftest: %s %s%s%s\n", pass ? "PASS" : "FAIL", name, msg[0] ? ": " : "", msg);
	return pass;
}

/* xorshift: each CPU its own sequence. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* --- run a worker on every CPU at once: one pinned world per CPU --- */

struct par {
	void (*fn)(unsigned cpu, void *arg);
	void *arg;
	int rounds;
	volatile unsigned errors;
};

static struct par *par_current;

static void par_entry(void *p)
{
	par_current->fn((unsigned)(uintptr_t)p, par_current->arg);
}

/* Kernel page-table pages are kept once made (the kernel half is shared by every address
 * space), so a first run that maps new stack slots is a warm-up, not a leak: leak checks take
 * their baseline after a warm-up run. */
static void run_everywhere(struct par *par)
{
	struct world *w[MAX_CPUS];

	par_current = par;
	for (unsigned i = 0; i < ncpus_online; i++) {
		struct world_attr a = {.affinity = 1ull << i};

		if (world_create("stress", par_entry, (void *)(uintptr_t)i, &a, &w[i])) {
			par->errors++;
			w[i] = NULL;
		}
	}
	for (unsigned i = 0; i < ncpus_online; i++)
		if (w[i])
			world_join(w[i]);
}

/* --- frame allocator under concurrent stress --- */

#define STRESS_ROUNDS 3000
#define STRESS_SLOTS  32

static void frame_worker(unsigned cpu, void *arg)
{
	struct par *par = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (cpu + 1), pa[STRESS_SLOTS] = {0};
	size_t n[STRESS_SLOTS] = {0};

	for (int r = 0; r < par->rounds; r++) {
		unsigned s = rnd(&seed) % STRESS_SLOTS;

		if (pa[s]) {
			uint64_t *first = phys_to_virt(pa[s]);
			uint64_t *last = phys_to_virt(pa[s] + n[s] * PAGE_SIZE - 8);

			if (*first != pa[s] || *last != ~pa[s])
				__atomic_fetch_add(&par->errors, 1, __ATOMIC_RELAXED);
			frame_free(pa[s], n[s]);
			pa[s] = 0;
		} else {
			n[s] = 1 + rnd(&seed) % 8;
			if (frame_alloc(n[s], n[s] > 4 ? 4 : 1, 0, &pa[s])) {
				__atomic_fetch_add(&par->errors, 1, __ATOMIC_RELAXED);
				pa[s] = 0;
				continue;
			}
			*(uint64_t *)phys_to_virt(pa[s]) = pa[s];
			*(uint64_t *)phys_to_virt(pa[s] + n[s] * PAGE_SIZE - 8) = ~pa[s];
		}
	}
	for (unsigned s = 0; s < STRESS_SLOTS; s++)
		if (pa[s])
			frame_free(pa[s], n[s]);
}

static bool test_frame(void)
{
	struct frame_stats before, after;
	struct par par = {.fn = frame_worker, .arg = &par};

	run_everywhere(&par); /* warm-up: rounds = 0 */
	par.rounds = STRESS_ROUNDS;
	frame_get_stats(&before);
	run_everywhere(&par);
	frame_get_stats(&after);
	return selftest_report(!par.errors && after.free == before.free, "frame",
			       "%u CPUs x %d rounds, %u errors, free frames %lu -> %lu",
			       ncpus_online, STRESS_ROUNDS, par.errors, before.free, after.free);
}

/* --- heap under concurrent stress --- */

static void heap_worker(unsigned cpu, void *arg)
{
	struct par *par = arg;
	uint64_t seed = 0x2545f4914f6cdd1dull * (cpu + 1);
	uint8_t *p[STRESS_SLOTS] = {0};
	size_t len[STRESS_SLOTS] = {0};

	for (int r = 0; r < par->rounds; r++) {
		unsigned s = rnd(&seed) % STRESS_SLOTS;

		if (p[s]) {
			uint8_t tag = (uint8_t)(s ^ cpu);

			for (size_t i = 0; i < len[s]; i += 61)
				if (p[s][i] != tag)
					__atomic_fetch_add(&par->errors, 1, __ATOMIC_RELAXED);
			kfree(p[s]);
			p[s] = NULL;
		} else {
			len[s] =
				1 + (rnd(&seed) % 16 == 0 ? rnd(&seed) % 20000 : rnd(&seed) % 2048);
			p[s] = kmalloc(len[s]);
			if (!p[s] || ((uintptr_t)p[s] & 15)) {
				__atomic_fetch_add(&par->errors, 1, __ATOMIC_RELAXED);
				continue;
			}
			memset(p[s], (uint8_t)(s ^ cpu), len[s]);
		}
	}
	for (unsigned s = 0; s < STRESS_SLOTS; s++)
		kfree(p[s]);
}

static bool test_heap(void)
{
	struct frame_stats fb, fa;
	struct heap_stats hb, ha;
	struct par par = {.fn = heap_worker, .arg = &par};

	run_everywhere(&par); /* warm-up: rounds = 0 */
	par.rounds = STRESS_ROUNDS;
	kmem_trim();
	frame_get_stats(&fb);
	kmem_get_stats(&hb);
	run_everywhere(&par);
	kmem_trim();
	kmem_get_stats(&ha);
	frame_get_stats(&fa);
	return selftest_report(
		!par.errors && ha.objects_in_use == hb.objects_in_use &&
			ha.bytes_in_use == hb.bytes_in_use && fa.free == fb.free,
		"heap",
		"%u CPUs x %d rounds, %u errors, %lu allocations, objects %lu -> %lu, "
		"free frames %lu -> %lu",
		ncpus_online, STRESS_ROUNDS, par.errors, ha.allocs - hb.allocs, hb.objects_in_use,
		ha.objects_in_use, fb.free, fa.free);
}

/* --- page tables --- */

static bool test_vm(void)
{
	uint64_t pa = frame_alloc_zeroed(), got, v;
	uintptr_t va = vm_reserve(PAGE_SIZE);
	volatile uint64_t *direct = phys_to_virt(pa), *mapped = (uint64_t *)va;
	bool ok;

	if (!pa || !va)
		return selftest_report(false, "vm", "out of memory");
	*direct = 0x1234567887654321ull;
	ok = !vm_map_page(va, pa, VM_WRITE) && vm_translate(va) == pa &&
	     *mapped == 0x1234567887654321ull;
	*mapped = 42;
	ok = ok && *direct == 42;
	got = vm_unmap_page(va);
	ok = ok && got == pa && vm_translate(va) == (uint64_t)-1;
	ok = ok && probe_read64((void *)va, &v) == -EFAULT;
	frame_free(pa, 1);
	if (!selftest_report(ok, "vm-map-unmap", "map, alias, unmap, fault after unmap"))
		return false;

	/* W^X and the unmapped low half. */
	ok = probe_write64((void *)(uintptr_t)selftest_report, 0) == -EFAULT;
	ok = ok && probe_read64(NULL, &v) == -EFAULT;
	ok = ok && vm_translate((uintptr_t)selftest_report) != (uint64_t)-1;
	return selftest_report(ok, "vm-protect", "kernel text read-only, page 0 unmapped");
}

/* --- timer accuracy --- */

/*
 * What the timer promises, checked so that an emulator running this CPU late (QEMU's TCG on
 * a busy host: ticks merge or come late) cannot fail it: the TSC against the HPET over the
 * same 200 ms; the tick's period by the LAPIC's own count against the TSC; and that ticks
 * never come early (more of them than the time allows).  Late or lost ticks are counted
 * and shown, not failed: Keel keeps time by the TSC, a late tick only delays a sleep.
 */

/* The TSC and the HPET read at one instant: an HPET read on each side, the pair kept once
 * they are close (this CPU may be away between any two instructions). */
static void clock_pair(uint64_t *tsc, uint64_t *hpet)
{
	for (int i = 0; i < 100; i++) {
		uint64_t f = irq_save(), h0 = hpet_ns(), t = rdtsc(), h1 = hpet_ns();

		irq_restore(f);
		*tsc = t;
		*hpet = h0 + (h1 - h0) / 2;
		if (h1 - h0 < 20000)
			return;
	}
}

static bool test_timer(void)
{
	const uint64_t tick = NSEC_PER_SEC / TIMER_HZ, want = TIMER_HZ / 5;
	uint64_t t0, h0, t1, h1, tns, hns, n0, n, period, allowed;
	long herr, perr, aerr;

	timer_sleep_ticks(1); /* start on a tick edge */
	clock_pair(&t0, &h0);
	n0 = this_cpu()->ticks;
	timer_sleep_ticks(want);
	n = this_cpu()->ticks - n0;
	clock_pair(&t1, &h1);
	tns = tsc_to_ns(t1 - t0);
	hns = h0 ? h1 - h0 : 0;
	period = lapic_timer_period_ns();
	herr = hns ? ((long)hns - (long)tns) * 10000 / (long)tns : 0; /* in 0.01 % */
	perr = ((long)period - (long)tick) * 10000 / (long)tick;
	aerr = perr < 0 ? -perr : perr;
	allowed = tns / tick + 1; /* the most ticks the time holds */
	return selftest_report(
		herr > -200 && herr < 200 && perr > -200 && perr < 200 && n <= allowed, "timer",
		"tick %lu ns by the LAPIC count (%c%ld.%02ld%%); %lu ticks in %lu us by the TSC "
		"(%lu late or merged); the HPET %lu us (0: none); TSC calibrated against the %s",
		period, perr < 0 ? '-' : '+', aerr / 100, aerr % 100, n, tns / 1000,
		allowed > n + 1 ? allowed - n - 1 : 0, hns / 1000, clock_reference());
}

/* --- IPIs --- */

static volatile uint64_t ipi_mask;

static void ipi_mark(void *arg)
{
	(void)arg;
	__atomic_fetch_or(&ipi_mask, 1ull << this_cpu()->id, __ATOMIC_RELAXED);
}

static bool test_ipi(void)
{
	uint64_t ticks[MAX_CPUS], f, want;
	bool ok, ticking = true;
	unsigned me;

	/* Interrupts off: this world cannot move to another CPU meanwhile. */
	f = irq_save();
	me = this_cpu()->id;
	want = ((ncpus_online >= 64) ? ~0ull : (1ull << ncpus_online) - 1) & ~(1ull << me);
	ipi_mask = 0;
	smp_call_others(ipi_mark, NULL);
	ok = ipi_mask == want;
	ipi_mask = 0;
	for (unsigned i = 0; i < ncpus_online; i++)
		if (i != me)
			smp_call_one(i, ipi_mark, NULL);
	ok = ok && ipi_mask == want;
	irq_restore(f);
	selftest_report(ok, "ipi", "%u CPUs answered a call to all and one at a time",
			ncpus_online - 1);

	for (unsigned i = 0; i < ncpus_online; i++)
		ticks[i] = cpus[i]->ticks;
	timer_sleep_ticks(20);
	for (unsigned i = 0; i < ncpus_online; i++)
		ticking = ticking && cpus[i]->ticks >= ticks[i] + 10;
	return selftest_report(ticking, "timer-all-cpus", "every CPU takes timer interrupts") && ok;
}

/* --- TLB shootdown: after a remap every CPU must see the new page, not a stale entry --- */

struct tlb_probe {
	uintptr_t va;
	uint64_t seen[MAX_CPUS];
};

static void tlb_read(void *arg)
{
	struct tlb_probe *t = arg;

	t->seen[this_cpu()->id] = *(volatile uint64_t *)t->va;
}

static bool test_tlb(void)
{
	struct tlb_probe t = {.va = vm_reserve(PAGE_SIZE)};
	uint64_t a = frame_alloc_zeroed(), b = frame_alloc_zeroed(), f;
	unsigned before = 0, after = 0;

	if (!t.va || !a || !b)
		return selftest_report(false, "tlb", "out of memory");
	*(uint64_t *)phys_to_virt(a) = 0xaaaa;
	*(uint64_t *)phys_to_virt(b) = 0xbbbb;
	f = irq_save(); /* stay on this CPU: the local read and the call must cover all */
	vm_map_page(t.va, a, 0);
	tlb_read(&t);
	smp_call_others(tlb_read, &t); /* every CPU now caches va -> a */
	for (unsigned i = 0; i < ncpus_online; i++)
		before += t.seen[i] == 0xaaaa;
	vm_unmap_page(t.va); /* shoots the entry down everywhere */
	vm_map_page(t.va, b, 0);
	tlb_read(&t);
	smp_call_others(tlb_read, &t);
	irq_restore(f);
	for (unsigned i = 0; i < ncpus_online; i++)
		after += t.seen[i] == 0xbbbb;
	vm_unmap_page(t.va);
	frame_free(a, 1);
	frame_free(b, 1);
	return selftest_report(before == ncpus_online && after == ncpus_online, "tlb-shootdown",
			       "%u of %u CPUs saw the first mapping, %u saw the remap", before,
			       ncpus_online, after);
}

/* --- crash tests: each ends in a panic report --- */

static bool __attribute__((noinline)) test_pagefault(void)
{
	*(volatile uint64_t *)0xdead0000 = 1;
	return false;
}

static void fault_in_irq(void *arg)
{
	(void)arg;
	*(volatile uint64_t *)0xdead1000 = 1;
}

static bool test_pagefault_irq(void)
{
	if (ncpus_online < 2)
		return selftest_report(false, "pagefault-irq", "needs 2 CPUs");
	smp_call_one(1, fault_in_irq, NULL);
	return false;
}

static volatile int recurse_forever = 1;

static int __attribute__((noinline)) recurse(int depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	if (!recurse_forever)
		return pad[0];
	return recurse(depth + 1) + pad[0];
}

static volatile uint64_t hv_on_mask;

static void hv_mark(void *arg)
{
	(void)arg;
	if (hv_get()->cpu_enabled())
		__atomic_fetch_or(&hv_on_mask, 1ull << this_cpu()->id, __ATOMIC_RELAXED);
}

/* The test machines (QEMU TCG, -cpu max) have SVM with nested paging: it must be on in
 * every CPU. */
static bool test_hv(void)
{
	uint64_t want = (ncpus_online >= 64) ? ~0ull : (1ull << ncpus_online) - 1, f;

	if (!hv_get())
		return selftest_report(false, "hv-enable", "no backend: VMs are unavailable");
	f = irq_save();
	hv_on_mask = 0;
	hv_mark(NULL);
	smp_call_others(hv_mark, NULL);
	irq_restore(f);
	return selftest_report(hv_on_mask == want, "hv-enable", "%s on %u of %u CPUs",
			       hv_get()->name, (unsigned)__builtin_popcountll(hv_on_mask),
			       ncpus_online);
}

/* The guest programs of kern/selftest_guests.S, by name. */
#define GUEST(name)                                                                            \
	({                                                                                     \
		extern const uint8_t selftest_guest_##name[], selftest_guest_##name##_end[];   \
		(struct guest){selftest_guest_##name,                                          \
			       (size_t)(selftest_guest_##name##_end - selftest_guest_##name)}; \
	})

struct guest {
	const uint8_t *code;
	size_t len;
};

/* Run code in a fresh 4 MiB VM, 64-bit from its first instruction at 0x10000; *mark gets
 * the 8 bytes at 0x21000.  The VM is gone on return.  0 or the error building it. */
struct guest_seen {
	uint64_t exits[HV_EXIT_KINDS];
	char out[64];
	size_t out_len;
	size_t pages_2m;
};

static int run_guest(struct guest g, struct hv_stop *stop, struct guest_seen *seen, uint64_t *mark)
{
	struct vcpu *v = NULL;
	struct vm *vm = NULL;
	uint64_t cr3;
	int rc = vm_create(4u << 20, &vm);

	if (!rc)
		rc = vm_identity_map(vm, 0x1000, &cr3);
	if (!rc)
		rc = vm_write(vm, 0x10000, g.code, g.len);
	if (!rc)
		rc = vcpu_create(vm, &v);
	if (!rc) {
		hv_get()->vcpu_start(
			v, &(struct hv_start64){.rip = 0x10000, .rsp = 0x80000, .cr3 = cr3});
		vcpu_run(v, stop);
		vm_read(vm, 0x21000, mark, sizeof(*mark));
		memcpy(seen->exits, vm->exits, sizeof(seen->exits));
		seen->pages_2m = vm->pages_2m;
		seen->out_len = vm_console_read(vm, seen->out, sizeof(seen->out));
	}
	vm_destroy(vm);
	return rc;
}

/* The first guest's output, exit status, memory and exit counts; a guest that triple-faults
 * stops with that reason; an unknown MSR gets #GP; a spinning guest is interrupted by the
 * host; no frame is left behind. */
static bool test_hv_guest(void)
{
	static struct guest_seen seen;
	struct frame_stats fb, fa;
	struct hv_stop stop = {0};
	uint64_t mark = 0;
	bool ok;
	int rc;

	kmem_trim();
	frame_get_stats(&fb);
	rc = run_guest(GUEST(first), &stop, &seen, &mark);
	ok = !rc && stop.why == HV_STOP_EXIT && stop.status == 42 && seen.out_len == 12 &&
	     !memcmp(seen.out, "KeelKeelKeel", 12) && mark == 0x1234abcd5678ef01ull &&
	     seen.exits[HV_EXIT_CPUID] == 1 && seen.exits[HV_EXIT_HYPERCALL] == 13;
	selftest_report(ok, "hv-guest",
			"error %d, stop %d status %d, console \"%.*s\", mark %#lx, %lu CPUID and "
			"%lu hypercall exits, %lu host interrupts",
			rc, stop.why, stop.status, (int)seen.out_len, seen.out, mark,
			seen.exits[HV_EXIT_CPUID], seen.exits[HV_EXIT_HYPERCALL],
			seen.exits[HV_EXIT_NONE]);
	/* The boot leaves the host's memory in large free runs: both 2 MiB are large pages. */
	ok = selftest_report(seen.pages_2m == 2, "hv-guest-large-pages",
			     "%zu of the 4 MiB VM's 2 MiB were one large nested page",
			     seen.pages_2m) &&
	     ok;
	rc = run_guest(GUEST(ud2), &stop, &seen, &mark);
	ok = selftest_report(!rc && stop.why == HV_STOP_TRIPLE_FAULT, "hv-guest-triple-fault",
			     "error %d, stop %d (%d: triple fault)", rc, stop.why,
			     HV_STOP_TRIPLE_FAULT) &&
	     ok;
	rc = run_guest(GUEST(gp), &stop, &seen, &mark);
	ok = selftest_report(!rc && stop.why == HV_STOP_EXIT && stop.status == 13 &&
				     seen.exits[HV_EXIT_MSR] == 1,
			     "hv-guest-unknown-msr",
			     "RDMSR of an unknown MSR: %lu MSR exit, guest status %d (13: its #GP "
			     "handler ran)",
			     seen.exits[HV_EXIT_MSR], stop.status) &&
	     ok;
	rc = run_guest(GUEST(spin), &stop, &seen, &mark);
	ok = selftest_report(
		     !rc && stop.why == HV_STOP_EXIT && stop.status == 7 &&
			     seen.exits[HV_EXIT_NONE] > 0,
		     "hv-guest-host-interrupts",
		     "a spinning guest was interrupted %lu times by the host, then exited %d",
		     seen.exits[HV_EXIT_NONE], stop.status) &&
	     ok;
	kmem_trim();
	frame_get_stats(&fa);
	return selftest_report(fa.free == fb.free, "hv-guest-memory",
			       "free frames %lu -> %lu after the VMs ended", fb.free, fa.free) &&
	       ok;
}

static bool test_stackoverflow(void)
{
	return recurse(0) == 0;
}

static const struct selftest tests[] = {
	{"frame", test_frame, true},
	{"heap", test_heap, true},
	{"vm", test_vm, true},
	{"timer", test_timer, true},
	{"ipi", test_ipi, true},
	{"tlb", test_tlb, true},
	{"hv", test_hv, true},
	{"hv-guest", test_hv_guest, true},
	{"world-lifecycle", selftest_world_lifecycle, true},
	{"world-sync", selftest_world_sync, true},
	{"world-sleep", selftest_world_sleep, true},
	{"sched-shares", selftest_sched_shares, true},
	{"sched-limit", selftest_sched_limit, true},
	{"sched-reservation", selftest_sched_reservation, true},
	{"filelock", selftest_filelock, true},
	{"pci-irq", selftest_pci_irq, false}, /* needs -device edu (tests/qemu/pci.sh) */
	{"pagefault", test_pagefault, false},
	{"pagefault-irq", test_pagefault_irq, false},
	{"stackoverflow", test_stackoverflow, false},
};

void selftest_run(const char *list)
{
	bool all = cmdline_list_has(list, "all");

	if (!list || !list[0])
		return;
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!(all && tests[i].in_all) && !cmdline_list_has(list, tests[i].name))
			continue;
		tests[i].fn();
	}
	kprintf("selftest: done, %u passed, %u failed\n", npass, nfail);
	power_off();
}
