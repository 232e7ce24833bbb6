/* The virtual CPUID: hypervisor bit, Keel's signature, what is hidden and what is offered. */
#include "lib/guest.h"

int guest_main(void)
{
	uint32_t r[4], sig[3];
	char name[13];

	cpuid(0x40000000, 0, r);
	sig[0] = r[1], sig[1] = r[2], sig[2] = r[3];
	__builtin_memcpy(name, sig, 12);
	name[12] = 0;
	report(!__builtin_memcmp(name, "KeelKeelKeel", 12), "signature", "\"%s\"", name);
	cpuid(1, 0, r);
	report(r[2] & (1u << 31), "hypervisor-bit", "ecx %#x", r[2]);
	report(!(r[2] & (1u << 5)), "no-vmx", NULL);
	report(!(r[2] & ((1u << 26) | (1u << 27) | (1u << 28))), "no-xsave-avx", NULL);
	report(!(r[2] & (1u << 21)), "no-x2apic", NULL);
	report(r[2] & (1u << 24), "tsc-deadline", NULL);
	report((r[3] & (1u << 9)) && (r[3] & (1u << 4)), "apic-and-tsc", "edx %#x", r[3]);
	report((r[1] >> 24) == 0, "apic-id", "%u", r[1] >> 24);
	cpuid(0x80000001, 0, r);
	report(!(r[2] & (1u << 2)), "no-svm", "ecx %#x", r[2]);
	report(r[3] & (1u << 29), "long-mode", NULL);
	report(!(r[3] & (1u << 27)), "no-rdtscp", NULL);
	cpuid(0x80000007, 0, r);
	report(r[3] & (1u << 8), "invariant-tsc", "edx %#x", r[3]);
	cpuid(7, 0, r);
	report(r[1] & (1u << 1), "tsc-adjust", "ebx %#x", r[1]);
	cpuid(0, 0, r);
	report(r[0] >= 1 && r[0] <= 7, "max-basic-leaf", "%u", r[0]);
	cpuid(0x12345678, 0, r);
	report(!r[0] && !r[1] && !r[2] && !r[3], "unknown-leaf-zero", NULL);
	return guest_summary();
}
