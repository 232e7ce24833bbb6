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

#define NPT_FLAGS 0x7ull  /* present, writable, user: guest accesses count as user ones */
#define NPT_LARGE 0x80ull /* a 2 MiB page (in a page directory) */
#define PTE_ADDR  0x000ffffffffff000ull
#define EFER_LMA  (1ull << 10)
#define EFER_SVME (1ull << 12)

struct svm_vm {
	uint64_t npt; /* nested PML4, physical */
};

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa, iopm, msrpm; /* IOPM: 3 pages, MSRPM: 2 pages, all intercepting */
};

/* The nested entry for gpa at level (0: a 4 KiB page, 1: a 2 MiB page), making tables on
 * the way. */
static uint64_t *npt_entry(uint64_t root, uint64_t gpa, int level)
{
	uint64_t *t = phys_to_virt(root);

	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[(gpa >> (12 + 9 * l)) & 511], pa;

		if (!(*e & 1)) {
			if (!(pa = frame_alloc_zeroed()))
				return NULL;
			*e = pa | NPT_FLAGS;
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return &t[(gpa >> (12 + 9 * level)) & 511];
}

static void npt_free(uint64_t table, int level)
{
	uint64_t *t = phys_to_virt(table);

	for (int i = 0; level > 0 && i < 512; i++)
		if ((t[i] & 1) && !(t[i] & NPT_LARGE))
			npt_free(t[i] & PTE_ADDR, level - 1);
	frame_free(table, 1);
}

/* Does the guest's 2 MiB from page i sit in one aligned run of host frames? */
static bool run_2m(const struct vm *vm, size_t i)
{
	if (i % HV_PAGES_2M || vm->npages - i < HV_PAGES_2M ||
	    vm->pages[i] % (HV_PAGES_2M * PAGE_SIZE))
		return false;
	for (size_t j = 1; j < HV_PAGES_2M; j++)
		if (vm->pages[i + j] != vm->pages[i] + j * PAGE_SIZE)
			return false;
	return true;
}

int svm_vm_init(struct vm *vm)
{
	struct svm_vm *s = kzalloc(sizeof(*s));

	if (!s || !(s->npt = frame_alloc_zeroed())) {
		kfree(s);
		return -ENOMEM;
	}
	vm->priv = s;
	for (size_t i = 0; i < vm->npages;) {
		bool large = run_2m(vm, i);
		uint64_t *e = npt_entry(s->npt, i * PAGE_SIZE, large);

		if (!e)
			return -ENOMEM; /* vm_destroy undoes it */
		*e = vm->pages[i] | NPT_FLAGS | (large ? NPT_LARGE : 0);
		vm->pages_2m += large;
		i += large ? HV_PAGES_2M : 1;
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

/* Let the guest reach an MSR without an exit (2 bits per MSR: read, write). */
static void msr_pass(uint64_t msrpm, uint32_t msr)
{
	uint8_t *pm = phys_to_virt(msrpm);
	uint32_t base = msr >= 0xc0010000 ? 0x1000 : msr >= 0xc0000000 ? 0x800 : 0;
	uint32_t bit = (msr & 0x1fff) * 2;

	pm[base + bit / 8] &= (uint8_t) ~(3u << (bit % 8));
}

void svm_io_direct(struct vcpu *v, uint16_t port, unsigned len)
{
	struct svm_vcpu *s = v->priv;
	uint8_t *pm = phys_to_virt(s->iopm);

	for (unsigned p = port; p < (unsigned)port + len && p <= 0xffff; p++)
		pm[p / 8] &= (uint8_t) ~(1u << (p % 8));
}

/* The MSRs VMLOAD/VMSAVE switch: the guest's own copies, no exit. */
static const uint32_t passed_msrs[] = {
	0x174,	    0x175,	0x176,	    /* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083, /* STAR, LSTAR, CSTAR */
	0xc0000084, 0xc0000100, 0xc0000101, /* SFMASK, FS_BASE, GS_BASE */
	0xc0000102,			    /* KERNEL_GS_BASE */
};

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
	for (size_t i = 0; i < sizeof(passed_msrs) / sizeof(passed_msrs[0]); i++)
		msr_pass(s->msrpm, passed_msrs[i]);
	c = s->vmcb = phys_to_virt(s->vmcb_pa);
	c->intercept1 = SVM_I1_INTR | SVM_I1_NMI | SVM_I1_SMI | SVM_I1_INIT | SVM_I1_CPUID |
			SVM_I1_INVD | SVM_I1_HLT | SVM_I1_INVLPGA | SVM_I1_IOIO | SVM_I1_MSR |
			SVM_I1_SHUTDOWN;
	c->intercept2 = SVM_I2_VMRUN | SVM_I2_VMMCALL | SVM_I2_VMLOAD | SVM_I2_VMSAVE |
			SVM_I2_STGI | SVM_I2_CLGI | SVM_I2_SKINIT | SVM_I2_RDTSCP | SVM_I2_MONITOR |
			SVM_I2_MWAIT | SVM_I2_XSETBV;
	c->iopm_base = s->iopm;
	c->msrpm_base = s->msrpm;
	c->asid = 1 + (v->vm->id - 1) % svm_nasid(); /* each VM its own, while they last */
	/* And every VMRUN flushes the whole TLB (TCG has no flush by ASID), so ASIDs shared
	 * when VMs outnumber them stay correct. */
	c->tlb_control = 1;
	c->np_enable = 1;
	c->vintr = SVM_V_INTR_MASKING; /* the guest's IF masks only its own interrupts */
	c->n_cr3 = ((struct svm_vm *)v->vm->priv)->npt;
	/* A 64-bit start: flat segments, paging on with the guest's own tables. */
	flat_seg(&c->cs, 0x08, 0xa9b); /* code, present, long mode, 4 KiB granular */
	flat_seg(&c->ds, 0x10, 0xc93); /* data, read/write, 32-bit, 4 KiB granular */
	c->es = c->ss = c->fs = c->gs = c->ds;
	c->tr = (struct vmcb_seg){0, 0x8b, 0xffff, 0}; /* a busy 64-bit TSS */
	c->ldtr = (struct vmcb_seg){0, 0x82, 0, 0};
	c->efer = EFER_LME | EFER_LMA | EFER_SVME;
	c->cr0 = 0x80000031; /* PG, NE, ET, PE */
	c->cr4 = 1ull << 5;  /* PAE */
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

static struct vmcb *vmcb_of(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->priv)->vmcb;
}

void svm_vcpu_start(struct vcpu *v, const struct hv_start64 *st)
{
	struct vmcb *c = vmcb_of(v);
	uint16_t cs = st->cs ? st->cs : 0x08, ds = st->ds ? st->ds : 0x10;

	c->rip = st->rip;
	c->rsp = st->rsp;
	c->cr3 = st->cr3;
	v->g.rsi = st->rsi;
	c->gdtr = (struct vmcb_seg){0, 0, st->gdt_limit, st->gdt_base};
	c->cs.selector = cs;
	c->ds.selector = c->es.selector = c->ss.selector = ds;
	c->fs.selector = c->gs.selector = ds;
}

/* INIT then SIPI: real mode at vector:0000, as an application processor wakes. */
void svm_vcpu_start_ap(struct vcpu *v, uint8_t vector)
{
	struct vmcb *c = vmcb_of(v);
	struct vmcb_seg data = {0, 0x93, 0xffff, 0};

	c->cs = (struct vmcb_seg){(uint16_t)(vector << 8), 0x9b, 0xffff, (uint64_t)vector << 12};
	c->ds = c->es = c->ss = c->fs = c->gs = data;
	c->gdtr = c->idtr = (struct vmcb_seg){0, 0, 0xffff, 0};
	c->tr = (struct vmcb_seg){0, 0x8b, 0xffff, 0};
	c->ldtr = (struct vmcb_seg){0, 0x82, 0xffff, 0};
	c->efer = EFER_SVME;
	c->cr0 = 0x60000010; /* CD, NW, ET */
	c->cr2 = c->cr3 = c->cr4 = 0;
	c->rflags = 2;
	c->rip = 0;
	c->rsp = 0;
	c->rax = 0;
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	c->event_inj = 0;
	c->interrupt_shadow = 0;
	c->vintr = SVM_V_INTR_MASKING;
	memset(&v->g, 0, sizeof(v->g));
	v->g.rdx = 0x600; /* a family-6 processor's reset signature, roughly */
}

uint64_t svm_reg_get(struct vcpu *v, enum hv_reg r)
{
	struct vmcb *c = vmcb_of(v);

	switch (r) {
	case HV_RAX:
		return c->rax;
	case HV_RIP:
		return c->rip;
	case HV_RSP:
		return c->rsp;
	case HV_RFLAGS:
		return c->rflags;
	case HV_CR0:
		return c->cr0;
	case HV_CR2:
		return c->cr2;
	case HV_CR3:
		return c->cr3;
	case HV_CR4:
		return c->cr4;
	case HV_EFER:
		return c->efer & ~EFER_SVME; /* the guest's view: no SVM */
	case HV_PAT:
		return c->g_pat;
	case HV_GDTR_BASE:
		return c->gdtr.base;
	case HV_GDTR_LIMIT:
		return c->gdtr.limit;
	case HV_CS_BASE:
		return c->cs.base;
	case HV_CPL:
		return c->cpl;
	}
	return 0;
}

void svm_reg_set(struct vcpu *v, enum hv_reg r, uint64_t val)
{
	struct vmcb *c = vmcb_of(v);

	switch (r) {
	case HV_RAX:
		c->rax = val;
		break;
	case HV_RIP:
		c->rip = val;
		break;
	case HV_RSP:
		c->rsp = val;
		break;
	case HV_RFLAGS:
		c->rflags = val | 2;
		break;
	case HV_CR0:
		c->cr0 = val;
		break;
	case HV_CR2:
		c->cr2 = val;
		break;
	case HV_CR3:
		c->cr3 = val;
		break;
	case HV_CR4:
		c->cr4 = val;
		break;
	case HV_EFER:
		c->efer = val | EFER_SVME; /* VMRUN refuses a guest without it */
		break;
	case HV_PAT:
		c->g_pat = val;
		break;
	case HV_GDTR_BASE:
		c->gdtr.base = val;
		break;
	case HV_GDTR_LIMIT:
		c->gdtr.limit = (uint32_t)val;
		break;
	case HV_CS_BASE:
		c->cs.base = val;
		break;
	case HV_CPL:
		break;
	}
}

void svm_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	vmcb_of(v)->event_inj = vector | SVM_EV_EXC | (has_error ? SVM_EV_ERR : 0) | SVM_EV_VALID |
				((uint64_t)error << 32);
}

bool svm_intr_window(struct vcpu *v)
{
	struct vmcb *c = vmcb_of(v);

	return (c->rflags & (1ull << 9)) && !(c->interrupt_shadow & 1) &&
	       !(c->event_inj & SVM_EV_VALID);
}

void svm_inject_intr(struct vcpu *v, uint8_t vector)
{
	vmcb_of(v)->event_inj = vector | SVM_EV_INTR | SVM_EV_VALID;
}

void svm_inject_nmi(struct vcpu *v)
{
	vmcb_of(v)->event_inj = 2 | SVM_EV_NMI | SVM_EV_VALID;
}

/* A virtual interrupt request the guest cannot take yet: the VINTR intercept fires when it
 * can (its IF set, no shadow), and the core then injects the real one. */
void svm_want_window(struct vcpu *v, bool on)
{
	struct vmcb *c = vmcb_of(v);

	if (on) {
		c->vintr |= SVM_V_IRQ | SVM_V_INTR_PRIO | SVM_V_IGN_TPR;
		c->intercept1 |= SVM_I1_VINTR;
	} else {
		c->vintr &= ~(SVM_V_IRQ | SVM_V_INTR_PRIO | SVM_V_IGN_TPR);
		c->intercept1 &= ~SVM_I1_VINTR;
	}
}

int svm_code_mode(struct vcpu *v)
{
	struct vmcb *c = vmcb_of(v);

	if ((c->efer & EFER_LMA) && (c->cs.attrib & (1u << 9)))
		return 8;
	if (!(c->cr0 & 1))
		return 2; /* real mode */
	return c->cs.attrib & (1u << 10) ? 4 : 2;
}

/* INTn (type 4), or INT3/INTO (#BP, #OF: exceptions an instruction raises). */
static bool svm_soft_event(uint64_t ev)
{
	uint64_t type = ev & (7ull << 8);
	uint8_t vector = (uint8_t)ev;

	return type == (4ull << 8) || (type == SVM_EV_EXC && (vector == 3 || vector == 4));
}

/* Run the guest until an exit the core must see; fill e.  Interrupts are off. */
void svm_vcpu_run(struct vcpu *v, struct hv_exit *e)
{
	struct svm_vcpu *s = v->priv;
	struct vmcb *c = s->vmcb;

	svm_vmrun(s->vmcb_pa, &v->g, svm_host_area());
	memset(e, 0, sizeof(*e));
	e->code = c->exit_code;
	/* An event cut short by the exit is delivered again on the next run; but a software
	 * interrupt or exception (INTn, INT3, INTO) is not: without NRIP-save RIP still points
	 * at the instruction, which runs again. */
	c->event_inj = 0;
	if ((c->exit_int_info & SVM_EV_VALID) && !svm_soft_event(c->exit_int_info))
		c->event_inj = c->exit_int_info;
	switch (c->exit_code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		e->kind = HV_EXIT_NONE;
		break;
	case SVM_EXIT_VINTR:
		e->kind = HV_EXIT_INTR_WINDOW;
		svm_want_window(v, false);
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
		e->io_string = (c->exit_info1 >> 2) & 3; /* STR or REP */
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
		log_info("shutdown: idtr %#lx/%#x gdtr %#lx/%#x cr0 %#lx cr3 %#lx cr4 %#lx efer "
			 "%#lx "
			 "int_info %#lx",
			 c->idtr.base, c->idtr.limit, c->gdtr.base, c->gdtr.limit, c->cr0, c->cr3,
			 c->cr4, c->efer, c->exit_int_info);
		break;
	case SVM_EXIT_NPF:
		e->kind = HV_EXIT_MMIO;
		e->addr = c->exit_info2; /* the guest physical address */
		e->mmio_write = (c->exit_info1 >> 1) & 1;
		e->mmio_fetch = (c->exit_info1 >> 4) & 1;
		e->mmio_walk = (c->exit_info1 >> 33) & 1;
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_XSETBV:
	case SVM_EXIT_INVD:
		e->kind = HV_EXIT_UD; /* the virtual CPU has no such instruction */
		break;
	default:
		e->kind = c->exit_code == SVM_EXIT_INVALID ? HV_EXIT_INVALID : HV_EXIT_OTHER;
		e->addr = c->exit_info1;
		break;
	}
}
