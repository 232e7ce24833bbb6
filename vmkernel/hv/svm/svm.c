/*
 * The AMD SVM backend (AMD64 APM vol. 2, ch. 15): probing for SVM and nested paging, and
 * turning SVM on in each CPU (EFER.SVME, a host save area for VMRUN and a page for the host
 * state VMSAVE/VMLOAD switch).  VMs and vCPUs are in svm_vm.c.
 */
#define LOG_TAG "svm"
#include <vmk/hv.h>
#include <vmk/mm.h>
#include <vmk/smp.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <arch/cpu.h>
#include "svm_priv.h"

#define MSR_VM_CR	0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define EFER_SVME	(1ull << 12)
#define VM_CR_SVMDIS	(1ull << 4)

/* CPUID Fn8000_000A EDX */
#define SVM_NP	       (1u << 0)
#define SVM_NRIPS      (1u << 3)
#define SVM_VMCB_CLEAN (1u << 5)
#define SVM_FLUSH_ASID (1u << 6)
#define SVM_DECODE     (1u << 7)

static uint64_t hsave[MAX_CPUS];   /* per CPU: VMRUN's host save area */
static uint64_t hvmsave[MAX_CPUS]; /* per CPU: the host state VMSAVE/VMLOAD switch */

uint64_t svm_host_area(void)
{
	return hvmsave[this_cpu()->id];
}

static const char *yes(uint32_t feature, uint32_t edx)
{
	return edx & feature ? "yes" : "no";
}

/* ASIDs guests may use: 1 .. svm_nasid() (ASID 0 is the host's). */
static uint32_t guest_asids = 1;

uint32_t svm_nasid(void)
{
	return guest_asids;
}

static int svm_probe(const char **why)
{
	uint32_t a, b, c = 0, d, rev, nasid, max_ext;

	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x8000000a)
		cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (max_ext < 0x8000000a || !(c & (1u << 2))) {
		cpuid(1, 0, &a, &b, &c, &d);
		*why = c & (1u << 5) ? "Intel VMX found, but its backend is not built yet"
				     : "no hardware virtualization (no AMD SVM, no Intel VMX)";
		return -ENODEV;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "AMD SVM is disabled by the firmware (VM_CR.SVMDIS)";
		return -ENODEV;
	}
	cpuid(0x8000000a, 0, &rev, &nasid, &c, &d);
	log_info("SVM revision %u, %u ASIDs; NRIP-save %s, decode assists %s, flush by ASID %s, "
		 "VMCB clean bits %s",
		 rev & 0xff, nasid, yes(SVM_NRIPS, d), yes(SVM_DECODE, d), yes(SVM_FLUSH_ASID, d),
		 yes(SVM_VMCB_CLEAN, d));
	guest_asids = nasid > 1 ? nasid - 1 : 1;
	if (!(d & SVM_NP)) {
		*why = "AMD SVM without nested paging";
		return -ENODEV;
	}
	return 0;
}

static int svm_cpu_enable(void)
{
	unsigned id = this_cpu()->id;

	if ((!hsave[id] && !(hsave[id] = frame_alloc_zeroed())) ||
	    (!hvmsave[id] && !(hvmsave[id] = frame_alloc_zeroed())))
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave[id]);
	return 0;
}

static bool svm_cpu_enabled(void)
{
	return (rdmsr(MSR_EFER) & EFER_SVME) && rdmsr(MSR_VM_HSAVE_PA) == hsave[this_cpu()->id];
}

const struct hv_backend svm_backend = {
	.name = "AMD SVM with nested paging",
	.probe = svm_probe,
	.cpu_enable = svm_cpu_enable,
	.cpu_enabled = svm_cpu_enabled,
	.vm_init = svm_vm_init,
	.vm_fini = svm_vm_fini,
	.vcpu_init = svm_vcpu_init,
	.vcpu_fini = svm_vcpu_fini,
	.vcpu_start = svm_vcpu_start,
	.vcpu_run = svm_vcpu_run,
	.reg_get = svm_reg_get,
	.reg_set = svm_reg_set,
	.inject = svm_inject,
	.vcpu_start_ap = svm_vcpu_start_ap,
	.intr_window = svm_intr_window,
	.inject_intr = svm_inject_intr,
	.inject_nmi = svm_inject_nmi,
	.want_window = svm_want_window,
	.code_mode = svm_code_mode,
	.io_direct = svm_io_direct,
};
