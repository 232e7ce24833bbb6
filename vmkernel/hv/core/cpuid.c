/*
 * The virtual CPUID: the host's, curated.  The guest sees what the VMM can stand behind: the
 * hypervisor bit and Keel's leaf at 0x40000000, its own APIC id, an xAPIC with the
 * TSC-deadline timer (hv/dev/lapic.c), an invariant TSC with TSC_ADJUST (with the three,
 * Linux trusts the TSC without a watchdog), and not what it cannot use or would reach the host
 * through: VMX/SVM, XSAVE and AVX (the host switches only FXSAVE state), x2APIC, MONITOR,
 * RDTSCP/RDPID (TSC_AUX is the host's), machine checks, MTRRs, performance counters,
 * thermal and power management, and topology leaves.
 */
#include <vmk/hv.h>
#include <arch/cpu.h>
#include <string.h>
#include "core_priv.h"

#define MAX_BASIC    0x7u
#define MAX_EXTENDED 0x80000008u

/* leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, FMA?, CX16, SSE4.1, SSE4.2, MOVBE, POPCNT, AES,
 * RDRAND, and (set below) TSC-deadline and hypervisor. */
#define L1_ECX_KEEP                                                                              \
	((1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 22) | \
	 (1u << 23) | (1u << 25) | (1u << 30))
#define L1_ECX_TSC_DEADLINE (1u << 24)
#define L1_ECX_HYPERVISOR   (1u << 31)
/* leaf 1 EDX: FPU VME DE PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT PSE36 CLFLUSH MMX FXSR SSE
 * SSE2 (no MCE, MTRR, MCA, ACPI thermal, HTT, TM, PBE, DS). */
#define L1_EDX_KEEP                                                                               \
	((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |      \
	 (1u << 8) | (1u << 9) | (1u << 11) | (1u << 13) | (1u << 15) | (1u << 16) | (1u << 17) | \
	 (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26))
/* leaf 7 EBX: FSGSBASE BMI1 SMEP BMI2 ERMS INVPCID RDSEED ADX SMAP CLFLUSHOPT CLWB SHA; and
 * (set below) TSC_ADJUST (msr.c). */
#define L7_EBX_KEEP                                                                            \
	((1u << 0) | (1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 18) | \
	 (1u << 19) | (1u << 20) | (1u << 23) | (1u << 24) | (1u << 29))
#define L7_EBX_TSC_ADJUST (1u << 1)
/* 0x80000001 ECX: LAHF/SAHF, CMP legacy, ABM/LZCNT, SSE4A, misaligned SSE, 3DNow prefetch. */
#define E1_ECX_KEEP ((1u << 0) | (1u << 1) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8))
/* 0x80000001 EDX: the leaf-1 bits AMD repeats, SYSCALL, NX, MMX ext, FXSR opt, 1 GiB pages,
 * LM (no RDTSCP). */
#define E1_EDX_KEEP \
	(L1_EDX_KEEP | (1u << 11) | (1u << 20) | (1u << 22) | (1u << 25) | (1u << 26) | (1u << 29))
/* 0x80000007 EDX: the invariant TSC (Linux's CONSTANT_TSC and NONSTOP_TSC). */
#define E7_EDX_INVARIANT_TSC (1u << 8)

void vcpu_cpuid(struct vcpu *v)
{
	const struct hv_backend *b = hv_get();
	uint32_t leaf = (uint32_t)b->reg_get(v, HV_RAX), sub = (uint32_t)v->g.rcx, a, bx, c, d;

	if (leaf >= 0x40000000 && leaf < 0x80000000) {
		a = leaf == 0x40000000 ? 0x40000000 : 0;
		memcpy(&bx, leaf == 0x40000000 ? "Keel" : "\0\0\0", 4);
		c = d = bx;
	} else if ((leaf < 0x80000000 && leaf > MAX_BASIC) || leaf > MAX_EXTENDED) {
		a = bx = c = d = 0;
	} else {
		cpuid(leaf, sub, &a, &bx, &c, &d);
		switch (leaf) {
		case 0:
			a = a < MAX_BASIC ? a : MAX_BASIC;
			break;
		case 1:
			/* APIC id; one logical processor per package (no HTT). */
			bx = (bx & 0xffff) | (v->id << 24) | (1u << 16);
			c = (c & L1_ECX_KEEP) | L1_ECX_TSC_DEADLINE | L1_ECX_HYPERVISOR;
			d &= L1_EDX_KEEP;
			break;
		case 7:
			if (sub == 0) {
				a = 0;
				bx = (bx & L7_EBX_KEEP) | L7_EBX_TSC_ADJUST;
			} else {
				a = bx = 0;
			}
			c = d = 0;
			break;
		case 0x80000000:
			a = a < MAX_EXTENDED ? a : MAX_EXTENDED;
			break;
		case 0x80000001:
			c &= E1_ECX_KEEP;
			d &= E1_EDX_KEEP;
			break;
		case 0x80000007:
			/* Always: the guest's TSC is the host's, which Keel keeps time by; every
			 * CPU with nested paging has an invariant TSC, but QEMU's TCG does not
			 * say so. */
			a = bx = c = 0;
			d = E7_EDX_INVARIANT_TSC;
			break;
		case 0x80000008:
			bx = c = d = 0; /* address sizes only */
			break;
		case 2:
		case 3:
		case 4:
		case 5:
		case 6:
			a = bx = c = d = 0;
			break;
		default:
			break;
		}
	}
	b->reg_set(v, HV_RAX, a);
	v->g.rbx = bx;
	v->g.rcx = c;
	v->g.rdx = d;
}
