/*
 * The VMM core's virtual machines (vmk/hv.h): guest memory from vmkernel frames, vCPUs, and
 * the exit loop that handles each vendor-neutral exit once.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/mm.h>
#include <vmk/heap.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <arch/cpu.h>
#include <string.h>

#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_PS (1ull << 7)

int vm_create(size_t mem_bytes, struct vm **out)
{
	const struct hv_backend *b = hv_get();
	struct vm *vm;
	int rc;

	if (!b)
		return -ENODEV;
	if (!mem_bytes || mem_bytes % (2u << 20))
		return -EINVAL;
	vm = kzalloc(sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->npages = mem_bytes / PAGE_SIZE;
	vm->pages = kzalloc(vm->npages * sizeof(*vm->pages));
	rc = vm->pages ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < vm->npages; i++)
		if (!(vm->pages[i] = frame_alloc_zeroed()))
			rc = -ENOMEM;
	if (!rc)
		rc = b->vm_init(vm);
	if (rc) {
		vm_destroy(vm);
		return rc;
	}
	*out = vm;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
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
	uint64_t pml4[512] = {0}, pdpt[512] = {0}, pd[512] = {0};
	size_t huge = vm->npages * PAGE_SIZE / (2u << 20);
	int rc;

	if (huge > 512)
		return -EINVAL; /* one page directory: up to 1 GiB */
	pml4[0] = (gpa + PAGE_SIZE) | PTE_P | PTE_W;
	pdpt[0] = (gpa + 2 * PAGE_SIZE) | PTE_P | PTE_W;
	for (size_t i = 0; i < huge; i++)
		pd[i] = (i * (2ull << 20)) | PTE_P | PTE_W | PTE_PS;
	rc = vm_write(vm, gpa, pml4, sizeof(pml4));
	if (!rc)
		rc = vm_write(vm, gpa + PAGE_SIZE, pdpt, sizeof(pdpt));
	if (!rc)
		rc = vm_write(vm, gpa + 2 * PAGE_SIZE, pd, sizeof(pd));
	*cr3 = gpa;
	return rc;
}

int vcpu_create(struct vm *vm, struct vcpu **out)
{
	struct vcpu *v = kzalloc(sizeof(*v));
	int rc;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	rc = hv_get()->vcpu_init(v);
	if (rc) {
		hv_get()->vcpu_fini(v); /* what was made before it failed */
		kfree(v);
		return rc;
	}
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

/* The virtual CPUID: the host's, with the hypervisor bit set, SVM and VMX hidden, and Keel's
 * leaves at 0x40000000. */
static void vcpu_cpuid(struct vcpu *v)
{
	const struct hv_backend *b = hv_get();
	uint32_t leaf = (uint32_t)b->reg_get(v, HV_RAX), sub = (uint32_t)v->g.rcx, a, bx, c, d;

	if (leaf == 0x40000000) {
		a = 0x40000000;
		memcpy(&bx, "Keel", 4);
		memcpy(&c, "Keel", 4);
		memcpy(&d, "Keel", 4);
	} else {
		cpuid(leaf, sub, &a, &bx, &c, &d);
		if (leaf == 1)
			c = (c | (1u << 31)) & ~(1u << 5); /* hypervisor present; no VMX */
		if (leaf == 0x80000001)
			c &= ~(1u << 2); /* no SVM */
	}
	b->reg_set(v, HV_RAX, a);
	v->g.rbx = bx;
	v->g.rcx = c;
	v->g.rdx = d;
}

/* Hypercalls (VMMCALL/VMCALL), RAX = function: 1 put the byte in RBX on the VM's console,
 * 2 end the VM with status RBX.  Anything else returns -1 (ENOSYS) in RAX. */
static bool vcpu_hypercall(struct vcpu *v, struct hv_stop *stop)
{
	const struct hv_backend *b = hv_get();
	struct vm *vm = v->vm;

	switch (b->reg_get(v, HV_RAX)) {
	case 1:
		if (vm->out_len < sizeof(vm->out) - 1)
			vm->out[vm->out_len++] = (char)v->g.rbx;
		b->reg_set(v, HV_RAX, 0);
		return false;
	case 2:
		stop->why = HV_STOP_EXIT;
		stop->status = (int)v->g.rbx;
		return true;
	default:
		b->reg_set(v, HV_RAX, (uint64_t)-1);
		return false;
	}
}

void vcpu_run(struct vcpu *v, struct hv_stop *stop)
{
	const struct hv_backend *b = hv_get();
	struct hv_exit e;

	memset(stop, 0, sizeof(*stop));
	for (;;) {
		b->vcpu_run(v, &e);
		v->vm->exits[e.kind]++;
		switch (e.kind) {
		case HV_EXIT_NONE: /* a host interrupt: it has been taken */
			continue;
		case HV_EXIT_CPUID:
			vcpu_cpuid(v);
			break;
		case HV_EXIT_HYPERCALL:
			if (vcpu_hypercall(v, stop)) {
				b->reg_set(v, HV_RIP, b->reg_get(v, HV_RIP) + e.insn_len);
				return;
			}
			break;
		case HV_EXIT_IO:
			/* No devices yet: writes go nowhere, reads see all ones. */
			if (e.io_in && e.io_size == 4)
				b->reg_set(v, HV_RAX, 0xffffffff);
			else if (e.io_in)
				b->reg_set(v, HV_RAX,
					   b->reg_get(v, HV_RAX) | ((1ull << (8 * e.io_size)) - 1));
			break;
		case HV_EXIT_MSR:
			/* No MSR is emulated yet: #GP, the architectural answer to an unknown one.
			 */
			b->inject(v, 13, true, 0);
			continue;
		case HV_EXIT_HLT:
			stop->why = HV_STOP_HALTED;
			return;
		case HV_EXIT_SHUTDOWN:
			stop->why = HV_STOP_TRIPLE_FAULT;
			return;
		default:
			stop->why = HV_STOP_UNHANDLED;
			stop->code = e.code;
			stop->addr = e.addr;
			return;
		}
		b->reg_set(v, HV_RIP, b->reg_get(v, HV_RIP) + e.insn_len);
	}
}
