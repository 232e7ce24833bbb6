/* The VMM core's start: choosing the backend and enabling it on every CPU (vmk/hv.h). */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/smp.h>
#include <vmk/log.h>
#include <vmk/console.h>

static const struct hv_backend *const backends[] = {&svm_backend};
static const struct hv_backend *chosen;
static unsigned enabled_cpus, failed_cpus;

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
}
