/* CPU identification: the feature bits the kernel decides on, read once on the boot CPU. */
#include <arch/cpu.h>
#include <string.h>

struct cpu_features cpu_feat;

void cpu_features_init(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	cpu_feat.max_leaf = a;
	memcpy(cpu_feat.vendor, &b, 4);
	memcpy(cpu_feat.vendor + 4, &d, 4);
	memcpy(cpu_feat.vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_feat.pge = d & (1u << 13);
	cpu_feat.pat = d & (1u << 16);
	cpu_feat.vmx = c & (1u << 5);
	cpu_feat.rdrand = c & (1u << 30);
	cpu_feat.hypervisor = c & (1u << 31);
	if (cpu_feat.max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_feat.smep = b & (1u << 7);
		cpu_feat.smap = b & (1u << 20);
	}
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	cpu_feat.max_ext_leaf = a;
	if (a >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu_feat.nx = d & (1u << 20);
		cpu_feat.pdpe1gb = d & (1u << 26);
		cpu_feat.svm = c & (1u << 2);
	}
	if (cpu_feat.max_ext_leaf >= 0x80000004) {
		uint32_t *w = (uint32_t *)cpu_feat.brand;

		for (uint32_t leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &w[leaf * 4], &w[leaf * 4 + 1],
			      &w[leaf * 4 + 2], &w[leaf * 4 + 3]);
	}
	if (cpu_feat.max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cpu_feat.invariant_tsc = d & (1u << 8);
	}
}
