/* Between the files of the VMM core. */
#ifndef HV_CORE_PRIV_H
#define HV_CORE_PRIV_H

#include <vmk/hv.h>

/* vcpu.c: run v until its VM stops (in the calling world). */
void vcpu_loop(struct vcpu *v);
/* exits.c: handle one exit; false when the vCPU must stop looping (the VM stopped). */
bool vcpu_handle_exit(struct vcpu *v, const struct hv_exit *e);
/* cpuid.c: the virtual CPUID for v's RAX/RCX, answered in its registers. */
void vcpu_cpuid(struct vcpu *v);
/* msr.c: RDMSR/WRMSR of the MSR in v's RCX. */
void vcpu_msr(struct vcpu *v, bool write);
/* mmio.c: emulate the instruction that touched gpa; false if the VM was stopped. */
bool vcpu_mmio(struct vcpu *v, const struct hv_exit *e);
/* Stop v's VM with why (status for HV_STOP_EXIT), saying v did it. */
void vm_stop_by(struct vcpu *v, enum hv_stop_why why, const char *msg, int status);
/* Stop v's VM because of what v did, with a formatted reason (logged too). */
void vcpu_fail(struct vcpu *v, enum hv_stop_why why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
