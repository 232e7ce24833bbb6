/*
 * The SVM backend's VMs and vCPUs: nested page tables over the guest's frames, a VMCB per
 * vCPU with the intercepts the core needs, and VMRUN turned into vendor-neutral exits.
 */
#define LOG_TAG "svm"
#include <vmk/hv.h>
#include <vmk/mm.h>
#include <vmk/heap.h>
#include <vmk/smp.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <arch/cpu.h>
#include <string.h>
#include "vmcb.h"
#include "svm_priv.h"

#define NPT_FLAGS 0x7ull /* present, writable, user: guest accesses count as user ones */
#define PTE_ADDR  0x000ffffffffff000ull

struct svm_vm {
	uint64_t npt; /* nested PML4, physical */
};

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa, iopm, msrpm; /* IOPM: 3 pages, MSRPM: 2 pages, all intercepting */
};

/* The nested entry for gpa, making tables on the way. */
static uint64_t *npt_entry(uint64_t root, uint64_t gpa)
{
	uint64_t *t = phys_to_virt(root);

	for (int l = 3; l > 0; l--) {
		uint64_t *e = &t[(gpa >> (12 + 9 * l)) & 511], pa;

		if (!(*e & 1)) {
			if (!(pa = frame_alloc_zeroed()))
				return NULL;
			*e = pa | NPT_FLAGS;
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return &t[(gpa >> 12) & 511];
}

static void npt_free(uint64_t table, int level)
{
	uint64_t *t = phys_to_virt(table);

	for (int i = 0; level > 0 && i < 512; i++)
		if (t[i] & 1)
			npt_free(t[i] & PTE_ADDR, level - 1);
	frame_free(table, 1);
}

int svm_vm_init(struct vm *vm)
{
	struct svm_vm *s = kzalloc(sizeof(*s));

	if (!s || !(s->npt = frame_alloc_zeroed())) {
		kfree(s);
		return -ENOMEM;
	}
	vm->priv = s;
	for (size_t i = 0; i < vm->npages; i++) {
		uint64_t *e = npt_entry(s->npt, i * PAGE_SIZE);

		if (!e)
			return -ENOMEM; /* vm_destroy undoes it */
		*e = vm->pages[i] | NPT_FLAGS;
	}
	return 0;
}

void svm_vm_fini(struct vm *vm)
{
	struct svm_vm *s = vm->priv;

	npt_free(s->npt, 3);
	kfree(s);
	vm->priv = NULL;
}

static int alloc_ones(size_t pages, uint64_t *pa)
{
	if (frame_alloc(pages, 1, 0, pa))
		return -ENOMEM;
	memset(phys_to_virt(*pa), 0xff, pages * PAGE_SIZE);
	return 0;
}

static void flat_seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib)
{
	*s = (struct vmcb_seg){sel, attrib, 0xffffffff, 0};
}

int svm_vcpu_init(struct vcpu *v)
{
	struct svm_vcpu *s = kzalloc(sizeof(*s));
	struct vmcb *c;

	v->priv = s; /* svm_vcpu_fini frees what was made if this fails midway */
	if (!s || !(s->vmcb_pa = frame_alloc_zeroed()) || alloc_ones(3, &s->iopm) ||
	    alloc_ones(2, &s->msrpm))
		return -ENOMEM;
	c = s->vmcb = phys_to_virt(s->vmcb_pa);
	c->intercept1 = SVM_I1_INTR | SVM_I1_NMI | SVM_I1_SMI | SVM_I1_INIT | SVM_I1_CPUID |
			SVM_I1_HLT | SVM_I1_IOIO | SVM_I1_MSR | SVM_I1_SHUTDOWN;
	c->intercept2 = SVM_I2_VMRUN | SVM_I2_VMMCALL | SVM_I2_VMLOAD | SVM_I2_VMSAVE |
			SVM_I2_STGI | SVM_I2_CLGI | SVM_I2_SKINIT;
	c->iopm_base = s->iopm;
	c->msrpm_base = s->msrpm;
	c->asid = 1;	    /* one ASID for all guests: every VMRUN flushes (below) */
	c->tlb_control = 1; /* flush the whole TLB: TCG has no flush by ASID */
	c->np_enable = 1;
	c->vintr = SVM_V_INTR_MASKING; /* the guest's IF masks only its own interrupts */
	c->n_cr3 = ((struct svm_vm *)v->vm->priv)->npt;
	/* A 64-bit start: flat segments, paging on with the guest's own tables. */
	flat_seg(&c->cs, 0x08, 0xa9b); /* code, present, long mode, 4 KiB granular */
	flat_seg(&c->ds, 0x10, 0xc93); /* data, read/write, 32-bit, 4 KiB granular */
	c->es = c->ss = c->fs = c->gs = c->ds;
	c->tr = (struct vmcb_seg){0, 0x8b, 0xffff, 0}; /* a busy 64-bit TSS */
	c->ldtr = (struct vmcb_seg){0, 0x82, 0, 0};
	c->efer = (1ull << 8) | (1ull << 10) | (1ull << 12); /* LME, LMA, SVME */
	c->cr0 = 0x80000031;				     /* PG, NE, ET, PE */
	c->cr4 = 1ull << 5;				     /* PAE */
	c->rflags = 2;
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	c->g_pat = 0x0007040600070406ull;
	return 0;
}

void svm_vcpu_fini(struct vcpu *v)
{
	struct svm_vcpu *s = v->priv;

	if (!s)
		return;
	if (s->vmcb_pa)
		frame_free(s->vmcb_pa, 1);
	if (s->iopm)
		frame_free(s->iopm, 3);
	if (s->msrpm)
		frame_free(s->msrpm, 2);
	kfree(s);
	v->priv = NULL;
}

void svm_vcpu_start(struct vcpu *v, uint64_t rip, uint64_t rsp, uint64_t cr3)
{
	struct vmcb *c = ((struct svm_vcpu *)v->priv)->vmcb;

	c->rip = rip;
	c->rsp = rsp;
	c->cr3 = cr3;
}

uint64_t svm_reg_get(struct vcpu *v, enum hv_reg r)
{
	struct vmcb *c = ((struct svm_vcpu *)v->priv)->vmcb;

	return r == HV_RAX ? c->rax : r == HV_RIP ? c->rip : c->rsp;
}

void svm_reg_set(struct vcpu *v, enum hv_reg r, uint64_t val)
{
	struct vmcb *c = ((struct svm_vcpu *)v->priv)->vmcb;

	if (r == HV_RAX)
		c->rax = val;
	else if (r == HV_RIP)
		c->rip = val;
	else
		c->rsp = val;
}

void svm_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	struct vmcb *c = ((struct svm_vcpu *)v->priv)->vmcb;

	/* EVENTINJ: vector, type 3 (exception), error code valid, valid. */
	c->event_inj = vector | (3ull << 8) | (has_error ? 1ull << 11 : 0) | (1ull << 31) |
		       ((uint64_t)error << 32);
}

/* Run the guest until an exit the core must see; fill e. */
void svm_vcpu_run(struct vcpu *v, struct hv_exit *e)
{
	struct svm_vcpu *s = v->priv;
	struct vmcb *c = s->vmcb;
	uint64_t f = irq_save();

	svm_vmrun(s->vmcb_pa, &v->g, svm_host_area());
	irq_restore(f); /* a host interrupt that ended the run is taken here */
	memset(e, 0, sizeof(*e));
	e->code = c->exit_code;
	switch (c->exit_code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		e->kind = HV_EXIT_NONE;
		break;
	case SVM_EXIT_CPUID:
		e->kind = HV_EXIT_CPUID;
		e->insn_len = 2;
		break;
	case SVM_EXIT_VMMCALL:
		e->kind = HV_EXIT_HYPERCALL;
		e->insn_len = 3;
		break;
	case SVM_EXIT_HLT:
		e->kind = HV_EXIT_HLT;
		e->insn_len = 1;
		break;
	case SVM_EXIT_IOIO:
		e->kind = HV_EXIT_IO;
		e->io_in = c->exit_info1 & 1;
		e->io_size = (c->exit_info1 >> 4) & 7;
		e->addr = c->exit_info1 >> 16; /* the port */
		e->insn_len = (uint8_t)(c->exit_info2 - c->rip);
		break;
	case SVM_EXIT_MSR:
		e->kind = HV_EXIT_MSR;
		e->io_in = !c->exit_info1; /* 0: RDMSR, 1: WRMSR */
		e->insn_len = 2;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->kind = HV_EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_NPF:
		e->kind = HV_EXIT_MMIO;
		e->addr = c->exit_info2; /* the guest physical address */
		break;
	default:
		e->kind = c->exit_code == SVM_EXIT_INVALID ? HV_EXIT_INVALID : HV_EXIT_OTHER;
		break;
	}
}
