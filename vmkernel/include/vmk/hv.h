/*
 * The hypervisor layer (vmkernel/hv/): a vendor-neutral VMM core over one backend, AMD SVM
 * (hv/svm/) today, Intel VMX beside it later.  The core picks the backend once at boot and
 * reaches the hardware only through its ops table; the backend turns each hardware exit into
 * one vendor-neutral struct hv_exit that the core handles (hv/vm.c).
 *
 * So far: probing and enabling every CPU; VMs with guest memory from vmkernel frames behind
 * nested page tables; vCPUs started in 64-bit mode, run by the calling world; exits for CPUID
 * (a virtual CPUID), hypercalls, port I/O (no devices yet), MSRs (#GP for all so far), HLT
 * and shutdown.  The MMIO
 * decoder is vmk/x86_decode.h.  vCPU worlds, interrupts, devices and the userworld interface
 * come next.
 */
#ifndef VMK_HV_H
#define VMK_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A vCPU's general registers other than RAX, RSP and RIP (those live in the backend's
 * control block); the order is fixed for the backends' entry code. */
struct hv_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

enum hv_reg { HV_RAX, HV_RIP, HV_RSP };

enum hv_exit_kind {
	HV_EXIT_NONE, /* a host interrupt ended the run: run again */
	HV_EXIT_CPUID,
	HV_EXIT_HYPERCALL, /* VMMCALL / VMCALL */
	HV_EXIT_IO,	   /* port I/O: addr is the port */
	HV_EXIT_MSR,	   /* RDMSR (io_in set) or WRMSR of the MSR in RCX */
	HV_EXIT_MMIO,	   /* a nested page fault: addr is the guest physical address */
	HV_EXIT_HLT,
	HV_EXIT_SHUTDOWN, /* triple fault */
	HV_EXIT_INVALID,  /* the hardware refused the guest state */
	HV_EXIT_OTHER,
	HV_EXIT_KINDS
};

struct hv_exit {
	enum hv_exit_kind kind;
	uint64_t code;	  /* the backend's own exit code, for logs */
	uint64_t addr;	  /* IO: port; MMIO: guest physical address */
	uint8_t insn_len; /* bytes to skip once handled */
	uint8_t io_in, io_size;
};

struct vm {
	size_t npages;
	uint64_t *pages; /* host physical address of each 4 KiB guest page */
	void *priv;	 /* the backend's */
	uint64_t exits[HV_EXIT_KINDS];
	char out[256]; /* what the guest wrote with the console hypercall */
	size_t out_len;
};

struct vcpu {
	struct vm *vm;
	struct hv_gprs g;
	void *priv; /* the backend's */
};

enum hv_stop_why { HV_STOP_EXIT, HV_STOP_HALTED, HV_STOP_TRIPLE_FAULT, HV_STOP_UNHANDLED };

struct hv_stop {
	enum hv_stop_why why;
	int status;	     /* HV_STOP_EXIT: what the guest asked for */
	uint64_t code, addr; /* HV_STOP_UNHANDLED: the backend's exit code, its address */
};

struct hv_backend {
	const char *name; /* e.g. "AMD SVM with nested paging" */
	/* Can this machine run VMs with this backend?  0, or -ENODEV with *why saying what
	 * is missing (shown on the console). */
	int (*probe)(const char **why);
	/* Switch virtualization on in the calling CPU (every CPU, once).  0 or -errno. */
	int (*cpu_enable)(void);
	/* Is it on in the calling CPU? (self-tests) */
	bool (*cpu_enabled)(void);
	/* Nested page tables over vm->pages (vm->priv); fini frees them. */
	int (*vm_init)(struct vm *vm);
	void (*vm_fini)(struct vm *vm);
	/* A vCPU's control block (v->priv); fini frees it. */
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_fini)(struct vcpu *v);
	/* Start state: 64-bit mode, flat segments, paging with the guest's tables at cr3. */
	void (*vcpu_start)(struct vcpu *v, uint64_t rip, uint64_t rsp, uint64_t cr3);
	/* Run the guest on this CPU until its next exit, described in e. */
	void (*vcpu_run)(struct vcpu *v, struct hv_exit *e);
	/* Deliver exception `vector` (with error code `error` when has_error) before the guest's
	 * next instruction. */
	void (*inject)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	uint64_t (*reg_get)(struct vcpu *v, enum hv_reg r);
	void (*reg_set)(struct vcpu *v, enum hv_reg r, uint64_t val);
};

extern const struct hv_backend svm_backend;

/* At boot, on the boot CPU with every CPU online: choose the backend, print
 * "hv: <name>" (or why VMs are unavailable) and enable it on every CPU. */
void hv_init(void);
/* The chosen backend, or NULL when this machine cannot run VMs. */
const struct hv_backend *hv_get(void);

/* A VM with mem_bytes (a multiple of 2 MiB) of zeroed guest memory.  0, -ENODEV (no
 * backend), -EINVAL, -ENOMEM. */
int vm_create(size_t mem_bytes, struct vm **out);
void vm_destroy(struct vm *vm);
/* Copy to or from guest physical memory.  0 or -EFAULT (outside the guest's memory). */
int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);
int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len);
/* Page tables at gpa (three pages) mapping all guest memory 1:1 with 2 MiB pages, for a
 * 64-bit start; *cr3 gets their root.  0, -EINVAL (over 1 GiB), -EFAULT. */
int vm_identity_map(struct vm *vm, uint64_t gpa, uint64_t *cr3);
int vcpu_create(struct vm *vm, struct vcpu **out);
void vcpu_destroy(struct vcpu *v);
/* Run v in the calling world until the guest stops: a hypercall to exit, HLT (no interrupts
 * yet to wake it), a triple fault, or an exit not handled yet.  Host interrupts and the
 * scheduler's tick keep working meanwhile. */
void vcpu_run(struct vcpu *v, struct hv_stop *stop);

#endif
