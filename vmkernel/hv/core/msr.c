/*
 * RDMSR/WRMSR: the MSRs an x86-64 guest (Linux) needs, answered by the VMM; the APIC's own
 * (IA32_APIC_BASE, TSC_DEADLINE) by the platform; every other one gets #GP, as on a CPU
 * without it, logged the first few times per VM.  The SYSCALL/SYSENTER MSRs, FS/GS base and
 * KernelGSBase never exit: the backend lets the guest reach its own copies.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <arch/cpu.h>
#include "core_priv.h"

#define MSR_TSC		0x10
#define MSR_TSC_ADJUST	0x3b
#define MSR_PLATFORM_ID 0x17
#define MSR_UCODE_REV	0x8b /* AMD: patch level */
#define MSR_PAT		0x277

#define MSR_K7_HWCR	   0xc0010015
#define MSR_K8_INT_PENDING 0xc0010055 /* Linux reads it unguarded on AMD (the E400 check) */
#define EFER_ALLOWED                                                                 \
	((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 11)) /* SCE LME LMA NXE \
								   */
#define MSR_LOGGED_PER_VM 16

/* 1 handled (*val for reads), -EINVAL #GP. */
static int core_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	const struct hv_backend *b = hv_get();

	switch (msr) {
	case MSR_EFER:
		if (!write) {
			*val = b->reg_get(v, HV_EFER);
			return 1;
		}
		/* LMA is the CPU's to set; changing LME with paging on is refused (#GP). */
		if ((*val & ~EFER_ALLOWED) || (((*val ^ b->reg_get(v, HV_EFER)) & (1ull << 8)) &&
					       (b->reg_get(v, HV_CR0) & (1ull << 31))))
			return -EINVAL;
		b->reg_set(v, HV_EFER,
			   (*val & ~(1ull << 10)) | (b->reg_get(v, HV_EFER) & (1ull << 10)));
		return 1;
	case MSR_PAT:
		if (!write) {
			*val = b->reg_get(v, HV_PAT);
			return 1;
		}
		for (int i = 0; i < 8; i++) {
			uint8_t t = (uint8_t)(*val >> (8 * i));

			if (t > 7 || t == 2 || t == 3)
				return -EINVAL; /* reserved memory types */
		}
		b->reg_set(v, HV_PAT, *val);
		return 1;
	case MSR_TSC:
		if (!write)
			*val = rdtsc();
		return 1; /* a guest's TSC writes are ignored: all vCPUs share the host's */
	case MSR_TSC_ADJUST:
		if (!write)
			*val = 0;
		return 1; /* the same: it stays 0 */
	case MSR_UCODE_REV:
	case MSR_PLATFORM_ID:
	case MSR_K7_HWCR:
	case MSR_K8_INT_PENDING:
		if (!write)
			*val = 0;
		return 1;
	default:
		return 0;
	}
}

void vcpu_msr(struct vcpu *v, bool write)
{
	const struct hv_backend *b = hv_get();
	struct vm *vm = v->vm;
	uint32_t msr = (uint32_t)v->g.rcx;
	uint64_t val = write ? ((v->g.rdx << 32) | (uint32_t)b->reg_get(v, HV_RAX)) : 0;
	int rc = core_msr(v, msr, write, &val);

	if (!rc && vm->pops) {
		mutex_lock(&vm->lock);
		rc = vm->pops->msr(v, msr, write, &val);
		mutex_unlock(&vm->lock);
	}
	if (rc <= 0) {
		if (!rc &&
		    __atomic_fetch_add(&vm->msr_logged, 1, __ATOMIC_RELAXED) < MSR_LOGGED_PER_VM)
			log_info("vm%u vcpu%u: %s of MSR %#x: #GP", vm->id, v->id,
				 write ? "WRMSR" : "RDMSR", msr);
		vcpu_inject_gp(v);
		return;
	}
	if (!write) {
		b->reg_set(v, HV_RAX, (uint32_t)val);
		v->g.rdx = val >> 32;
	}
	b->reg_set(v, HV_RIP, b->reg_get(v, HV_RIP) + 2);
}
