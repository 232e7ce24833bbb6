/*
 * The core's exit handler: every vendor-neutral exit is handled here once, for every
 * backend.  Port I/O and MMIO go to the platform's devices (all ones and dropped writes where
 * there is none, as on a PC bus), CPUID and MSRs to cpuid.c and msr.c, hypercalls below.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/log.h>
#include "core_priv.h"

/* Hypercalls (VMMCALL/VMCALL) from the guest's kernel (CPL 0; user mode gets #UD), RAX =
 * function: 1 put the byte in RBX on the VM's console, 2 end the VM with status RBX.
 * Anything else returns -1 (ENOSYS) in RAX.  False when the VM stops. */
static bool hypercall(struct vcpu *v)
{
	const struct hv_backend *b = hv_get();

	switch (b->reg_get(v, HV_RAX)) {
	case 1:
		vm_console_put(v->vm, (char)v->g.rbx);
		b->reg_set(v, HV_RAX, 0);
		return true;
	case 2:
		vm_stop_by(v, HV_STOP_EXIT, "the guest asked to exit", (int)v->g.rbx);
		return false;
	default:
		b->reg_set(v, HV_RAX, (uint64_t)-1);
		return true;
	}
}

static void port_io(struct vcpu *v, const struct hv_exit *e)
{
	const struct hv_backend *b = hv_get();
	struct vm *vm = v->vm;
	uint64_t mask = e->io_size == 4 ? 0xffffffffull : (1ull << (8 * e->io_size)) - 1;
	uint32_t val = e->io_in ? 0xffffffff : (uint32_t)b->reg_get(v, HV_RAX);
	bool claimed = false;

	if (vm->pops) {
		mutex_lock(&vm->lock);

		claimed = vm->pops->io(v, (uint16_t)e->addr, e->io_size, e->io_in, &val);
		mutex_unlock(&vm->lock);
	}
	if (e->io_in) {
		if (!claimed)
			val = 0xffffffff; /* nothing answers: the bus floats high */
		b->reg_set(v, HV_RAX, (b->reg_get(v, HV_RAX) & ~mask) | (val & mask));
	}
}

bool vcpu_handle_exit(struct vcpu *v, const struct hv_exit *e)
{
	const struct hv_backend *b = hv_get();

	switch (e->kind) {
	case HV_EXIT_NONE:	  /* a host interrupt: it has been taken */
	case HV_EXIT_INTR_WINDOW: /* the loop delivers it */
		return true;
	case HV_EXIT_CPUID:
		vcpu_cpuid(v);
		break;
	case HV_EXIT_HYPERCALL:
		if (b->reg_get(v, HV_CPL) != 0) {
			b->inject(v, 6, false, 0);
			return true;
		}
		if (!hypercall(v)) {
			b->reg_set(v, HV_RIP, b->reg_get(v, HV_RIP) + e->insn_len);
			return false;
		}
		break;
	case HV_EXIT_IO:
		if (e->io_string) {
			vcpu_fail(v, HV_STOP_UNHANDLED,
				  "string port I/O (port %#lx) is not emulated", e->addr);
			return false;
		}
		port_io(v, e);
		break;
	case HV_EXIT_MSR:
		vcpu_msr(v, !e->io_in);
		return true; /* it moves RIP itself: not on #GP */
	case HV_EXIT_MMIO:
		return vcpu_mmio(v, e);
	case HV_EXIT_HLT: {
		mutex_lock(&v->vm->lock);

		v->mode = VCPU_HALTED;
		mutex_unlock(&v->vm->lock);
		break;
	}
	case HV_EXIT_UD:
		b->inject(v, 6, false, 0);
		return true;
	case HV_EXIT_SHUTDOWN:
		vcpu_fail(v, HV_STOP_TRIPLE_FAULT, "triple fault at rip %#lx (rsp %#lx, cr2 %#lx)",
			  b->reg_get(v, HV_RIP), b->reg_get(v, HV_RSP), b->reg_get(v, HV_CR2));
		return false;
	default:
		vcpu_fail(v, HV_STOP_UNHANDLED, "unhandled exit %#lx (info %#lx)", e->code,
			  e->addr);
		return false;
	}
	b->reg_set(v, HV_RIP, b->reg_get(v, HV_RIP) + e->insn_len);
	return true;
}
