/*
 * /dev/vmm (character device 10:241): the interface userworlds use to run VMs.  One open file
 * is one VM; the structures and the protocol are in userworld/lib/include/keel/vmm.h, shared
 * with user programs (keel-vm, later the management agent).
 */
#define LOG_TAG "vmm"
#include <vmk/hv.h>
#include <vmk/file.h>
#include <vmk/chardev.h>
#include <vmk/aspace.h>
#include <vmk/mm.h>
#include <vmk/vfs.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <vmk/signal.h>
#include <hv/platform.h>
#include <string.h>
#include "../../userworld/lib/include/keel/vmm.h"

_Static_assert(KEEL_VM_EXIT_KINDS >= HV_EXIT_KINDS, "keel_vm_status.exits");
_Static_assert(KEEL_VM_MAX_VCPUS == HV_MAX_VCPUS, "vcpus");

struct vmm_file {
	struct mutex lock; /* guards vm (create/destroy) */
	struct vm *vm;
};

/* The file's state, made on first use. */
static struct vmm_file *vmm_of(struct file *f)
{
	struct vmm_file *vf = __atomic_load_n(chardev_data(f), __ATOMIC_ACQUIRE), *none = NULL;

	if (vf || !(vf = kzalloc(sizeof(*vf))))
		return vf;
	mutex_init(&vf->lock);
	if (!__atomic_compare_exchange_n(chardev_data(f), &none, vf, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		kfree(vf); /* another thread's came first */
		vf = none;
	}
	return vf;
}

/* Its VM, once created (then it stays until release). */
static struct vm *vmm_vm(struct file *f)
{
	struct vmm_file *vf = vmm_of(f);

	return vf ? __atomic_load_n(&vf->vm, __ATOMIC_ACQUIRE) : NULL;
}

/* The vnode of descriptor fd, referenced through its file (*fp: file_put when done); NULL
 * for fd -1.  0, -EBADF, or -EINVAL (not a regular file). */
static int fd_vnode(int fd, struct file **fp, struct vnode **out)
{
	*fp = NULL;
	*out = NULL;
	if (fd == -1)
		return 0;
	if (!(*fp = fd_get(fd)))
		return -EBADF;
	if (!(*fp)->vnode || (*fp)->vnode->type != VNODE_REG) {
		file_put(*fp);
		*fp = NULL;
		return -EINVAL;
	}
	*out = (*fp)->vnode;
	return 0;
}

static long vmm_create(struct vmm_file *vf, const struct keel_vm_config *uc)
{
	struct keel_vm_config c;
	struct file *kf = NULL, *inf = NULL, *df = NULL;
	struct platform_cfg pc = {0};
	struct vnode *kernel, *initrd;
	char *cmdline = NULL;
	struct vm *vm = NULL;
	struct vcpu *v;
	long rc;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (!c.mem_mib || c.mem_mib > 3072 || !c.vcpus || c.vcpus > HV_MAX_VCPUS || c.flags)
		return -EINVAL;
	if (!(cmdline = kzalloc(KEEL_VM_MAX_CMDLINE)))
		return -ENOMEM;
	rc = c.cmdline ? strncpy_from_user(cmdline, (const char *)c.cmdline, KEEL_VM_MAX_CMDLINE)
		       : 0;
	if (rc >= KEEL_VM_MAX_CMDLINE)
		rc = -EINVAL;
	if (rc >= 0)
		rc = fd_vnode(c.kernel_fd, &kf, &kernel);
	if (!rc && !kernel)
		rc = -EBADF;
	if (!rc)
		rc = fd_vnode(c.initrd_fd, &inf, &initrd);
	if (!rc)
		rc = fd_vnode(c.disk_fd, &df, &pc.disk);
	if (!rc && df)
		pc.disk_ro = (df->flags & O_ACCMODE) == O_RDONLY;
	if (!rc)
		rc = vm_create(((size_t)c.mem_mib + 1) / 2 * (2u << 20), &vm);
	for (unsigned i = 0; !rc && i < c.vcpus; i++)
		rc = vcpu_create(vm, &v);
	if (!rc)
		rc = platform_create(vm, &pc);
	if (!rc)
		rc = platform_boot(vm, kernel, initrd, cmdline);
	if (!rc)
		rc = vm_start(vm);
	if (rc) {
		if (vm && vm->state != VM_CREATED)
			vm_wait(vm);
		vm_destroy(vm);
	} else {
		__atomic_store_n(&vf->vm, vm, __ATOMIC_RELEASE);
		log_info("vm%u: %u MiB, %u vCPUs%s started", vm->id, c.mem_mib, c.vcpus,
			 pc.disk ? ", a disk," : "");
	}
	if (kf)
		file_put(kf);
	if (inf)
		file_put(inf);
	if (df)
		file_put(df);
	kfree(cmdline);
	return rc;
}

static long vmm_status(struct vm *vm, struct keel_vm_status *us)
{
	struct keel_vm_status st;
	uint64_t fl;

	memset(&st, 0, sizeof(st));
	fl = spin_lock_irqsave(&vm->wq.lock);
	st.state = vm->state;
	st.why = vm->stop.why;
	st.status = vm->stop.status;
	st.vcpu = vm->stop.vcpu;
	memcpy(st.msg, vm->stop.msg, sizeof(st.msg));
	spin_unlock_irqrestore(&vm->wq.lock, fl);
	st.run_ns = __atomic_load_n(&vm->run_ns, __ATOMIC_RELAXED);
	for (int i = 0; i < HV_EXIT_KINDS; i++)
		st.exits[i] = __atomic_load_n(&vm->exits[i], __ATOMIC_RELAXED);
	return copy_to_user(us, &st, sizeof(st)) ? -EFAULT : 0;
}

static long vmm_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct vmm_file *vf = vmm_of(f);
	long rc = 0;

	if (!vf)
		return -ENOMEM;
	mutex_lock(&vf->lock);
	if (cmd == KEEL_VM_IOC_CREATE)
		rc = vf->vm ? -EBUSY : vmm_create(vf, (const struct keel_vm_config *)arg);
	else if (!vf->vm && (cmd == KEEL_VM_IOC_STATUS || cmd == KEEL_VM_IOC_STOP))
		rc = -EINVAL;
	else if (cmd == KEEL_VM_IOC_STATUS)
		rc = vmm_status(vf->vm, (struct keel_vm_status *)arg);
	else if (cmd == KEEL_VM_IOC_STOP && arg == KEEL_VM_STOP_KILL)
		vm_stop(vf->vm, HV_STOP_KILLED, "stopped by the host");
	else if (cmd == KEEL_VM_IOC_STOP && arg == KEEL_VM_STOP_ACPI)
		rc = platform_power_button(vf->vm);
	else
		rc = cmd == KEEL_VM_IOC_STOP ? -EINVAL : -ENOTTY;
	mutex_unlock(&vf->lock);
	poll_notify();
	return rc;
}

/* Readable: console output waits, or the VM has stopped (end of file). */
static bool vmm_readable(struct vm *vm)
{
	return vm->con_head != vm->con_tail || vm->state == VM_STOPPED;
}

static long vmm_read(struct file *f, void *ubuf, size_t len)
{
	struct vm *vm = vmm_vm(f);
	char buf[256];
	size_t n;
	uint64_t fl;

	if (!vm)
		return -EINVAL;
	fl = spin_lock_irqsave(&vm->wq.lock);
	while (!vmm_readable(vm)) {
		if (f->flags & O_NONBLOCK) {
			spin_unlock_irqrestore(&vm->wq.lock, fl);
			return -EAGAIN;
		}
		waitq_wait(&vm->wq, &fl);
		if (signal_pending()) {
			spin_unlock_irqrestore(&vm->wq.lock, fl);
			return -EINTR;
		}
	}
	spin_unlock_irqrestore(&vm->wq.lock, fl);
	n = vm_console_read(vm, buf, len < sizeof(buf) ? len : sizeof(buf));
	if (n && copy_to_user(ubuf, buf, n))
		return -EFAULT;
	return (long)n;
}

static long vmm_write(struct file *f, const void *ubuf, size_t len)
{
	struct vm *vm = vmm_vm(f);
	char buf[64];
	size_t n = len < sizeof(buf) ? len : sizeof(buf);

	if (!vm)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	return (long)platform_console_input(vm, buf, n);
}

static unsigned vmm_poll(struct file *f)
{
	struct vm *vm = vmm_vm(f);

	if (!vm)
		return POLLOUT;
	return (vmm_readable(vm) ? POLLIN : 0) | POLLOUT;
}

static void vmm_release(struct file *f)
{
	struct vmm_file *vf = *chardev_data(f);

	if (vf && vf->vm) {
		vm_stop(vf->vm, HV_STOP_KILLED, "its /dev/vmm file was closed");
		vm_wait(vf->vm);
		log_info("vm%u ended: %s", vf->vm->id, vf->vm->stop.msg);
		vm_destroy(vf->vm);
	}
	kfree(vf);
	chardev_release(f);
}

const struct file_ops vmm_ops = {
	.read = vmm_read,
	.write = vmm_write,
	.ioctl = vmm_ioctl,
	.poll = vmm_poll,
	.release = vmm_release,
};
