/* The VMM core's start: choosing the backend and enabling it on every CPU (vmk/hv.h). */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/smp.h>
#include <vmk/log.h>
#include <vmk/console.h>
#include <arch/cpu.h>
#include <string.h>

static const struct hv_backend *const backends[] = {&svm_backend};
static const struct hv_backend *chosen;
static unsigned enabled_cpus, failed_cpus;
static uint64_t guest_cpus;

uint64_t hv_guest_cpus(void)
{
	return guest_cpus;
}

/* Is this QEMU's software CPU (TCG)?  Its hypervisor leaf says "TCGTCGTCGTCG". */
static bool on_qemu_tcg(void)
{
	uint32_t a, sig[3], c, d;

	cpuid(1, 0, &a, &sig[0], &c, &d);
	if (!(c & (1u << 31)))
		return false;
	cpuid(0x40000000, 0, &a, &sig[0], &sig[1], &sig[2]);
	return !memcmp(sig, "TCGTCGTCGTCG", 12);
}

/*
 * Which CPUs may enter guests: all of them, except the boot CPU under QEMU's TCG when there
 * are others.  There, every FXRSTOR, FRSTOR or FLDENV on any CPU rewrites the boot CPU's
 * hidden flag word from its own thread without a lock (QEMU 7.2's cpu_clear_ignne works on
 * first_cpu), and that word holds the boot CPU's SVM state: a VMRUN or #VMEXIT there at the
 * same moment can lose or regain its nested-paging bit, and then the guest walks its page
 * tables without nested paging or the host walks its own through the guest's (guest triple
 * faults, host resets).  Off the boot CPU the race rewrites a word that does not change.
 */
static void choose_guest_cpus(void)
{
	guest_cpus = ncpus_online >= 64 ? ~0ull : (1ull << ncpus_online) - 1;
	if (ncpus_online > 1 && on_qemu_tcg()) {
		guest_cpus &= ~1ull;
		kprintf("hv: QEMU TCG: guests kept off the boot CPU (a QEMU race)\n");
	}
}

const struct hv_backend *hv_get(void)
{
	return chosen;
}

static void enable_here(void *arg)
{
	(void)arg;
	if (chosen->cpu_enable())
		__atomic_add_fetch(&failed_cpus, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&enabled_cpus, 1, __ATOMIC_RELAXED);
}

void hv_init(void)
{
	const char *why = "no backend";

	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]) && !chosen; i++)
		if (!backends[i]->probe(&why))
			chosen = backends[i];
	if (!chosen) {
		kprintf("hv: %s: VMs are unavailable\n", why);
		return;
	}
	enable_here(NULL);
	smp_call_others(enable_here, NULL);
	if (failed_cpus) {
		kprintf("hv: %s could not be enabled on %u of %u CPUs: VMs are unavailable\n",
			chosen->name, failed_cpus, failed_cpus + enabled_cpus);
		chosen = NULL;
		return;
	}
	kprintf("hv: %s\n", chosen->name);
	choose_guest_cpus();
}
