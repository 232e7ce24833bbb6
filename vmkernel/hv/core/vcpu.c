/*
 * The vCPU loop: deliver what is due, enter the guest, handle the exit, again, until the VM
 * stops.  A halted vCPU (or an application processor waiting for its SIPI) sleeps on its wait
 * queue until an interrupt or a deadline of its devices is due; vcpu_kick wakes it, or forces
 * a vCPU in guest mode on another CPU out with an IPI.
 *
 * The kick protocol: the kicker sets v->kicked, then reads v->guest_cpu; the vCPU publishes
 * guest_cpu, then reads kicked, both with interrupts off and a full barrier between, so one
 * of them sees the other: either the vCPU does not enter, or the IPI (held back by GIF until
 * the guest runs) ends the run at once.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/log.h>
#include <vmk/smp.h>
#include <vmk/time.h>
#include <vmk/format.h>
#include <vmk/errno.h>
#include <arch/apic.h>
#include <arch/trap.h>
#include <arch/cpu.h>
#include <stdarg.h>
#include <string.h>
#include "core_priv.h"

void vcpu_kick(struct vcpu *v)
{
	int cpu;

	__atomic_store_n(&v->kicked, true, __ATOMIC_SEQ_CST);
	cpu = __atomic_load_n(&v->guest_cpu, __ATOMIC_SEQ_CST);
	if (cpu >= 0 && (unsigned)cpu != this_cpu()->id)
		lapic_send_ipi(cpus[cpu]->apic_id, VEC_RESCHED);
	waitq_wake_all(&v->wq);
}

void vcpu_fail(struct vcpu *v, enum hv_stop_why why, const char *fmt, ...)
{
	char msg[sizeof(v->vm->stop.msg)];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("vm%u vcpu%u stopped: %s", v->vm->id, v->id, msg);
	vm_stop_by(v, why, msg, 0);
}

void vcpu_inject_gp(struct vcpu *v)
{
	hv_get()->inject(v, 13, true, 0);
}

/* Where the decoder's register numbers (RCX, RDX, RBX, RBP, RSI, RDI, R8-R15) live in struct
 * hv_gprs; RAX and RSP are in the backend's control block. */
static const uint8_t gpr_slot[16] = {0, 1, 2, 0, 0, 5, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13};

uint64_t vcpu_gpr_get(struct vcpu *v, unsigned reg)
{
	if (reg == 0)
		return hv_get()->reg_get(v, HV_RAX);
	if (reg == 4)
		return hv_get()->reg_get(v, HV_RSP);
	return ((uint64_t *)&v->g)[gpr_slot[reg & 15]];
}

void vcpu_gpr_set(struct vcpu *v, unsigned reg, uint64_t val)
{
	if (reg == 0)
		hv_get()->reg_set(v, HV_RAX, val);
	else if (reg == 4)
		hv_get()->reg_set(v, HV_RSP, val);
	else
		((uint64_t *)&v->g)[gpr_slot[reg & 15]] = val;
}

/* Queue the NMI or interrupt v should take next, or ask to hear when it can.  Under lock. */
static void deliver_events(struct vcpu *v)
{
	const struct hv_backend *b = hv_get();
	struct vm *vm = v->vm;
	int vec;

	if (!vm->pops || !b->intr_window(v)) {
		b->want_window(v, vm->pops && (v->nmi_pending || vm->pops->intr_pending(v) >= 0));
		return;
	}
	b->want_window(v, false);
	if (v->nmi_pending) {
		v->nmi_pending = false;
		b->inject_nmi(v);
	} else if ((vec = vm->pops->intr_pending(v)) >= 0 &&
		   (vec = vm->pops->intr_ack(v, vec)) >= 0) {
		b->inject_intr(v, (uint8_t)vec);
	}
}

/* Can anything wake a halted v?  Under lock. */
static bool wake_due(struct vcpu *v)
{
	if (v->nmi_pending)
		return true;
	return (hv_get()->reg_get(v, HV_RFLAGS) & RFLAGS_IF) && v->vm->pops->intr_pending(v) >= 0;
}

/* Every vCPU halted with interrupts off (or waiting for a SIPI nobody will send)?  Under
 * lock. */
static bool vm_dead_halt(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *o = vm->vcpus[i];

		if (o->mode == VCPU_RUN || o->nmi_pending ||
		    (o->mode == VCPU_HALTED && (hv_get()->reg_get(o, HV_RFLAGS) & RFLAGS_IF)))
			return false;
	}
	return true;
}

/* v is halted or waits for a SIPI: sleep until something is due.  Under vm->lock, which is
 * dropped while it sleeps. */
static void vcpu_sleep(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t f, deadline = vm->pops->poll(v, time_ns());

	if (v->mode == VCPU_WAIT_SIPI && v->sipi) {
		v->sipi = false;
		hv_get()->vcpu_start_ap(v, v->sipi_vector);
		v->mode = VCPU_RUN;
		return;
	}
	if (v->mode == VCPU_HALTED && wake_due(v)) {
		v->mode = VCPU_RUN;
		return;
	}
	if (vm_dead_halt(vm)) {
		mutex_unlock(&vm->lock);
		vcpu_fail(v, HV_STOP_HALTED, "every vCPU halted with interrupts off");
		mutex_lock(&vm->lock);
		return;
	}
	v->kicked = false;
	mutex_unlock(&vm->lock);
	f = spin_lock_irqsave(&v->wq.lock);
	/* vm_stop sets the state before it kicks: checking both here loses neither. */
	if (!__atomic_load_n(&v->kicked, __ATOMIC_SEQ_CST) && vm->state == VM_RUNNING) {
		if (deadline == UINT64_MAX)
			waitq_wait(&v->wq, &f);
		else
			waitq_wait_until(&v->wq, &f, deadline);
	}
	spin_unlock_irqrestore(&v->wq.lock, f);
	mutex_lock(&vm->lock);
}

void vcpu_loop(struct vcpu *v)
{
	const struct hv_backend *b = hv_get();
	struct vm *vm = v->vm;
	struct hv_exit e;
	uint64_t f, t0, deadline;

	for (;;) {
		mutex_lock(&vm->lock);
		if (vm->state != VM_RUNNING) {
			mutex_unlock(&vm->lock);
			return;
		}
		if (v->mode != VCPU_RUN) {
			if (!vm->pops) { /* a bare VM: nothing can wake it */
				mutex_unlock(&vm->lock);
				vcpu_fail(v, HV_STOP_HALTED, "halted");
				return;
			}
			vcpu_sleep(v);
			mutex_unlock(&vm->lock);
			continue;
		}
		deadline = vm->pops ? vm->pops->poll(v, time_ns()) : UINT64_MAX;
		__atomic_store_n(&v->kicked, false, __ATOMIC_SEQ_CST);
		deliver_events(v);
		mutex_unlock(&vm->lock);

		f = irq_save();
		__atomic_store_n(&v->guest_cpu, (int)this_cpu()->id, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->kicked, __ATOMIC_SEQ_CST) || vm->state != VM_RUNNING) {
			v->guest_cpu = -1;
			irq_restore(f);
			continue;
		}
		fpu_restore(&v->fpu);
		timer_tick_defer(deadline);
		t0 = time_ns();
		b->vcpu_run(v, &e);
		fpu_save(&v->fpu);
		__atomic_store_n(&v->guest_cpu, -1, __ATOMIC_SEQ_CST);
		irq_restore(f);
		__atomic_add_fetch(&vm->run_ns, time_ns() - t0, __ATOMIC_RELAXED);
		__atomic_add_fetch(&vm->exits[e.kind], 1, __ATOMIC_RELAXED);
		if (!vcpu_handle_exit(v, &e))
			return;
	}
}

void vcpu_run(struct vcpu *v, struct hv_stop *stop)
{
	struct world *me = world_current();
	uint64_t affinity = me->affinity;
	struct vm *vm = v->vm;

	world_set_affinity(me, hv_guest_cpus());
	vm->state = VM_RUNNING;
	vcpu_loop(v);
	*stop = vm->stop;
	world_set_affinity(me, affinity);
}
