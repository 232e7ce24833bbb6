/*
 * Loading a VM's guest (hv/platform.h: platform_boot): a Linux bzImage through the x86 boot
 * protocol's 64-bit entry (hv/dev/linux_boot.c), as Firecracker does, or an ELF64 program
 * (Keel's test guests) entered in 64-bit mode with the first 4 GiB identity-mapped.  Files
 * are read from the host's file system in pieces; nothing in them is trusted.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/elf.h>
#include <vmk/mm.h>
#include <vmk/log.h>
#include <vmk/vfs.h>
#include <vmk/rootfs.h>
#include <vmk/errno.h>
#include <hv/platform.h>
#include <hv/linux_boot.h>
#include <hv/acpi_tables.h>
#include <string.h>
#include "platform_priv.h"

#define ELF_PGT_GPA 0x1000 /* six pages of identity map: below the test guests at 1 MiB */
#define ELF_STACK   0x80000

static int src_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	int64_t got = rootfs_pread(ctx, off, dst, len);

	return got < 0 ? (int)got : (size_t)got == len ? 0 : -ENOEXEC;
}

static int mem_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	return vm_write(ctx, gpa, src, len);
}

static int file_size(struct vnode *v, uint64_t *size)
{
	struct vfs_stat st;
	int rc = rootfs_stat(v, &st);

	*size = st.size;
	return rc;
}

/* Copy len bytes of the file at off to guest memory at gpa, a page at a time. */
static int copy_in(struct vm *vm, struct vnode *f, uint64_t off, uint64_t gpa, uint64_t len)
{
	uint8_t *buf = kmalloc(PAGE_SIZE);
	int rc = buf ? 0 : -ENOMEM;

	while (!rc && len) {
		size_t n = len < PAGE_SIZE ? len : PAGE_SIZE;

		rc = src_read(f, off, buf, n);
		if (!rc)
			rc = vm_write(vm, gpa, buf, n) ? -ENOEXEC : 0;
		off += n;
		gpa += n;
		len -= n;
	}
	kfree(buf);
	return rc;
}

static int boot_elf(struct vm *vm, struct vnode *kernel, const uint8_t *head, size_t len,
		    uint64_t size)
{
	uint64_t mem = vm->npages * PAGE_SIZE, cr3;
	struct elf_image *img = kzalloc(sizeof(*img));
	int rc = img ? elf_parse(head, len, size, img) : -ENOMEM;

	for (unsigned i = 0; !rc && i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		/* Loaded at its address, which is physical: inside RAM, clear of the tables. */
		if (img->pie || s->vaddr + s->memsz > mem || s->vaddr < ELF_PGT_GPA + 6 * PAGE_SIZE)
			rc = -ENOEXEC;
		else
			rc = copy_in(vm, kernel, s->offset, s->vaddr, s->filesz);
	}
	if (!rc && (img->entry < img->lo || img->entry >= img->hi))
		rc = -ENOEXEC;
	if (!rc)
		rc = vm_identity_map(vm, ELF_PGT_GPA, &cr3) ? -ENOEXEC : 0;
	if (!rc)
		hv_get()->vcpu_start(
			vm->vcpus[0],
			&(struct hv_start64){.rip = img->entry, .rsp = ELF_STACK, .cr3 = cr3});
	kfree(img);
	return rc;
}

static int boot_linux(struct vm *vm, struct vnode *kernel, uint64_t ksize, struct vnode *initrd,
		      const char *cmdline)
{
	struct platform *p = vm->plat;
	struct linux_boot_src k = {ksize, src_read, kernel}, i = {0, src_read, initrd};
	struct linux_boot_cfg cfg = {vm->npages * PAGE_SIZE, p->rsdp, ACPI_TABLES_GPA, p->acpi_len};
	struct hvdev_mem mem = {NULL, mem_write, vm};
	struct linux_boot_entry e;
	int rc = initrd ? file_size(initrd, &i.size) : 0;

	if (!rc)
		rc = linux_boot_load(&k, initrd ? &i : NULL, cmdline, &cfg, &mem, &e);
	if (rc)
		return rc;
	hv_get()->vcpu_start(vm->vcpus[0], &(struct hv_start64){.rip = e.rip,
								.rsp = e.rsp,
								.rsi = e.rsi,
								.cr3 = e.cr3,
								.gdt_base = e.gdt_base,
								.gdt_limit = e.gdt_limit,
								.cs = e.cs,
								.ds = e.ds});
	log_info("vm%u: Linux boot protocol %u.%02u, kernel at %#lx, initrd %lu bytes at %#lx",
		 vm->id, e.protocol >> 8, e.protocol & 0xff, e.kernel_addr, e.initrd_size,
		 e.initrd_addr);
	return 0;
}

int platform_boot(struct vm *vm, struct vnode *kernel, struct vnode *initrd, const char *cmdline)
{
	uint8_t *head = kmalloc(PAGE_SIZE);
	uint64_t size = 0;
	int64_t got;
	int rc;

	if (!head)
		return -ENOMEM;
	rc = file_size(kernel, &size);
	got = rc ? rc : rootfs_pread(kernel, 0, head, PAGE_SIZE);
	if (got < 0)
		rc = (int)got;
	else if (got >= 4 && !memcmp(head, "\177ELF", 4))
		rc = boot_elf(vm, kernel, head, (size_t)got, size);
	else
		rc = boot_linux(vm, kernel, size, initrd, cmdline);
	kfree(head);
	/* A command line too long is the caller's EINVAL; a kernel that does not fit the VM's
	 * memory (the loader's ENOMEM) is ENOEXEC, like any kernel that cannot be started. */
	if (rc == -E2BIG || rc == -EINVAL)
		return -EINVAL;
	return rc ? -ENOEXEC : 0;
}
