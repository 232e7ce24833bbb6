/*
 * The VMM core's virtual machines (vmk/hv.h): guest memory from vmkernel frames, vCPUs, the
 * life cycle of a VM (start a world per vCPU, stop, wait) and the guest's console ring.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/mm.h>
#include <vmk/heap.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <vmk/format.h>
#include <vmk/file.h>
#include "core_priv.h"
#include <arch/cpu.h>
#include <string.h>

#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_PS (1ull << 7)

/* Frames a VM may not take: what the host keeps for itself (16 MiB). */
#define HV_HOST_RESERVE_PAGES 4096

static unsigned vm_ids;
static struct spinlock all_lock = SPINLOCK_INIT;
static struct vm *all_vms;

const char *const hv_exit_names[HV_EXIT_KINDS] = {
	"none", "cpuid",       "hypercall", "io",	"msr",	   "mmio",
	"hlt",	"intr_window", "ud",	    "shutdown", "invalid", "other",
};

void vm_foreach(void (*fn)(struct vm *vm, void *arg), void *arg)
{
	uint64_t f = spin_lock_irqsave(&all_lock);

	for (struct vm *vm = all_vms; vm; vm = vm->all_next)
		fn(vm, arg);
	spin_unlock_irqrestore(&all_lock, f);
}

/* Zeroed frames for every guest page: 2 MiB runs (aligned, so the backend can map them with
 * large nested pages) while the host has them, single frames after that. */
static int alloc_guest_memory(struct vm *vm)
{
	bool runs = true;
	uint64_t pa;

	for (size_t i = 0; i < vm->npages;) {
		if (runs && vm->npages - i >= HV_PAGES_2M &&
		    !frame_alloc(HV_PAGES_2M, HV_PAGES_2M, 0, &pa)) {
			memset(phys_to_virt(pa), 0, HV_PAGES_2M * PAGE_SIZE);
			for (size_t j = 0; j < HV_PAGES_2M; j++)
				vm->pages[i++] = pa + j * PAGE_SIZE;
			continue;
		}
		runs = false;
		if (!(vm->pages[i++] = frame_alloc_zeroed()))
			return -ENOMEM;
	}
	return 0;
}

int vm_create(size_t mem_bytes, struct vm **out)
{
	const struct hv_backend *b = hv_get();
	struct frame_stats st;
	struct vm *vm;
	uint64_t f;
	int rc;

	if (!b)
		return -ENODEV;
	if (!mem_bytes || mem_bytes % (2u << 20))
		return -EINVAL;
	frame_get_stats(&st);
	if (mem_bytes / PAGE_SIZE + HV_HOST_RESERVE_PAGES > st.free)
		return -ENOMEM; /* said before any frame is taken */
	vm = kzalloc(sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	vm->id = __atomic_add_fetch(&vm_ids, 1, __ATOMIC_RELAXED);
	waitq_init(&vm->wq);
	vm->npages = mem_bytes / PAGE_SIZE;
	vm->pages = kzalloc(vm->npages * sizeof(*vm->pages));
	rc = vm->pages ? alloc_guest_memory(vm) : -ENOMEM;
	if (!rc)
		rc = b->vm_init(vm);
	if (rc) {
		vm_destroy(vm);
		return rc;
	}
	f = spin_lock_irqsave(&all_lock);
	vm->all_next = all_vms;
	all_vms = vm;
	spin_unlock_irqrestore(&all_lock, f);
	*out = vm;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	uint64_t f;

	if (!vm)
		return;
	f = spin_lock_irqsave(&all_lock);
	for (struct vm **p = &all_vms; *p; p = &(*p)->all_next)
		if (*p == vm) {
			*p = vm->all_next;
			break;
		}
	spin_unlock_irqrestore(&all_lock, f);
	if (vm->pops && vm->pops->fini)
		vm->pops->fini(vm);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	if (vm->priv)
		hv_get()->vm_fini(vm);
	for (size_t i = 0; vm->pages && i < vm->npages; i++)
		if (vm->pages[i])
			frame_free(vm->pages[i], 1);
	kfree(vm->pages);
	kfree(vm);
}

/* Copy between guest memory at gpa and the host: to_guest or from it.  0 or -EFAULT. */
static int vm_copy(struct vm *vm, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	uint8_t *p = buf;

	if (gpa + len < gpa || gpa + len > vm->npages * PAGE_SIZE)
		return -EFAULT;
	while (len) {
		size_t off = gpa % PAGE_SIZE, n = len < PAGE_SIZE - off ? len : PAGE_SIZE - off;
		uint8_t *page = phys_to_virt(vm->pages[gpa / PAGE_SIZE]);

		if (to_guest)
			memcpy(page + off, p, n);
		else
			memcpy(p, page + off, n);
		gpa += n;
		p += n;
		len -= n;
	}
	return 0;
}

int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	return vm_copy(vm, gpa, (void *)src, len, true);
}

int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	return vm_copy(vm, gpa, dst, len, false);
}

int vm_identity_map(struct vm *vm, uint64_t gpa, uint64_t *cr3)
{
	uint64_t e[512];
	int rc;

	/* gpa: PML4, +1 page: PDPT, +2..+5 pages: four page directories of 2 MiB pages. */
	memset(e, 0, sizeof(e));
	e[0] = (gpa + PAGE_SIZE) | PTE_P | PTE_W;
	rc = vm_write(vm, gpa, e, sizeof(e));
	for (int i = 0; i < 4; i++)
		e[i] = (gpa + (2 + i) * PAGE_SIZE) | PTE_P | PTE_W;
	if (!rc)
		rc = vm_write(vm, gpa + PAGE_SIZE, e, sizeof(e));
	for (int d = 0; !rc && d < 4; d++) {
		for (int i = 0; i < 512; i++)
			e[i] = ((uint64_t)(d * 512 + i) << 21) | PTE_P | PTE_W | PTE_PS;
		rc = vm_write(vm, gpa + (2 + d) * PAGE_SIZE, e, sizeof(e));
	}
	*cr3 = gpa;
	return rc;
}

int vcpu_create(struct vm *vm, struct vcpu **out)
{
	struct vcpu *v;
	int rc;

	if (vm->nvcpus == HV_MAX_VCPUS)
		return -ENOSPC;
	if (!(v = kzalloc(sizeof(*v))))
		return -ENOMEM;
	v->vm = vm;
	v->id = vm->nvcpus;
	v->guest_cpu = -1;
	v->mode = v->id ? VCPU_WAIT_SIPI : VCPU_RUN;
	waitq_init(&v->wq);
	fpu_init_state(&v->fpu);
	rc = hv_get()->vcpu_init(v);
	if (rc) {
		hv_get()->vcpu_fini(v); /* what was made before it failed */
		kfree(v);
		return rc;
	}
	vm->vcpus[vm->nvcpus++] = v;
	*out = v;
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (!v)
		return;
	hv_get()->vcpu_fini(v);
	kfree(v);
}

/* A vCPU's world: run until the VM stops, then say so. */
static void vcpu_world(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	uint64_t f;

	vcpu_loop(v);
	mutex_lock(&vm->lock);
	v->world = NULL;
	mutex_unlock(&vm->lock);
	/* Under the wait queue's lock: vm_wait's caller may free the VM as soon as it drops. */
	f = spin_lock_irqsave(&vm->wq.lock);
	vm->running--;
	waitq_wake_all_locked(&vm->wq);
	spin_unlock_irqrestore(&vm->wq.lock, f);
	world_exit(0);
}

int vm_start(struct vm *vm)
{
	struct world_attr attr = {.affinity = hv_guest_cpus()};
	char name[WORLD_NAME_MAX];
	struct world *w;
	uint64_t f;
	unsigned i;
	int rc = 0;

	if (vm->state != VM_CREATED || !vm->nvcpus)
		return -EINVAL;
	/* Under the lock, which each vCPU world takes first: none gets far (or exits) before
	 * all are made and detached. */
	mutex_lock(&vm->lock);
	vm->state = VM_RUNNING;
	for (i = 0; i < vm->nvcpus && !rc; i++) {
		ksnprintf(name, sizeof(name), "vm%u.vcpu%u", vm->id, i);
		rc = world_create(name, vcpu_world, vm->vcpus[i], &attr, &w);
		if (!rc) {
			vm->vcpus[i]->world = w;
			world_detach(w);
			f = spin_lock_irqsave(&vm->wq.lock);
			vm->running++;
			spin_unlock_irqrestore(&vm->wq.lock, f);
		}
	}
	mutex_unlock(&vm->lock);
	if (rc)
		vm_stop(vm, HV_STOP_KILLED, "could not start its vCPUs");
	return rc;
}

/* Record the first reason the VM stops and end its run; vcpu -1 when the host stopped it. */
static void stop(struct vm *vm, enum hv_stop_why why, const char *msg, int vcpu, int status)
{
	uint64_t f = spin_lock_irqsave(&vm->wq.lock);

	if (vm->stop.why == HV_STOP_NONE) {
		vm->stop.why = why;
		vm->stop.vcpu = vcpu < 0 ? 0 : (unsigned)vcpu;
		vm->stop.status = status;
		ksnprintf(vm->stop.msg, sizeof(vm->stop.msg), "%s", msg ? msg : "");
	}
	if (vm->state == VM_RUNNING)
		vm->state = VM_STOPPED;
	waitq_wake_all_locked(&vm->wq);
	spin_unlock_irqrestore(&vm->wq.lock, f);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vcpu_kick(vm->vcpus[i]);
	poll_notify(); /* console readers see the end */
}

void vm_stop(struct vm *vm, enum hv_stop_why why, const char *msg)
{
	stop(vm, why, msg, -1, 0);
}

void vm_stop_by(struct vcpu *v, enum hv_stop_why why, const char *msg, int status)
{
	stop(v->vm, why, msg, (int)v->id, status);
}

void vm_wait(struct vm *vm)
{
	uint64_t f = spin_lock_irqsave(&vm->wq.lock);

	while (__atomic_load_n(&vm->running, __ATOMIC_ACQUIRE))
		waitq_wait(&vm->wq, &f);
	spin_unlock_irqrestore(&vm->wq.lock, f);
}

void vm_console_put(struct vm *vm, char c)
{
	uint64_t f = spin_lock_irqsave(&vm->wq.lock);
	bool was_empty;

	if (vm->con_head - vm->con_tail == VM_CONSOLE_RING) {
		vm->con_tail++; /* nobody read it: the oldest byte goes */
		vm->con_dropped++;
	}
	vm->con[vm->con_head++ % VM_CONSOLE_RING] = c;
	was_empty = vm->con_head - vm->con_tail == 1;
	waitq_wake_all_locked(&vm->wq);
	spin_unlock_irqrestore(&vm->wq.lock, f);
	if (was_empty)
		poll_notify();
}

size_t vm_console_read(struct vm *vm, char *buf, size_t len)
{
	uint64_t f = spin_lock_irqsave(&vm->wq.lock);
	size_t n = 0;

	while (n < len && vm->con_tail != vm->con_head)
		buf[n++] = vm->con[vm->con_tail++ % VM_CONSOLE_RING];
	spin_unlock_irqrestore(&vm->wq.lock, f);
	return n;
}
