/* Between the files of the SVM backend. */
#ifndef HV_SVM_PRIV_H
#define HV_SVM_PRIV_H

#include <vmk/hv.h>

/* vmrun.S */
void svm_vmrun(uint64_t vmcb_pa, struct hv_gprs *g, uint64_t host_pa);
/* svm.c: how many ASIDs guests may use (1 .. n) */
uint32_t svm_nasid(void);
/* svm.c: this CPU's page for the host state VMSAVE/VMLOAD switch */
uint64_t svm_host_area(void);
/* svm_vm.c: the VM and vCPU ops */
int svm_vm_init(struct vm *vm);
void svm_vm_fini(struct vm *vm);
int svm_vcpu_init(struct vcpu *v);
void svm_vcpu_fini(struct vcpu *v);
void svm_vcpu_start(struct vcpu *v, const struct hv_start64 *s);
void svm_vcpu_run(struct vcpu *v, struct hv_exit *e);
uint64_t svm_reg_get(struct vcpu *v, enum hv_reg r);
void svm_reg_set(struct vcpu *v, enum hv_reg r, uint64_t val);
void svm_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void svm_vcpu_start_ap(struct vcpu *v, uint8_t vector);
bool svm_intr_window(struct vcpu *v);
void svm_inject_intr(struct vcpu *v, uint8_t vector);
void svm_inject_nmi(struct vcpu *v);
void svm_want_window(struct vcpu *v, bool on);
int svm_code_mode(struct vcpu *v);
void svm_io_direct(struct vcpu *v, uint16_t port, unsigned len);

#endif
