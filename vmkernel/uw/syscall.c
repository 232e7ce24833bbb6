/*
 * The Linux x86_64 system call table, and the memory, identity and arch_prctl calls (file
 * calls: sys_fd.c, sys_file.c; clocks: clock.c).  Arguments arrive in rdi, rsi, rdx, r10, r8, r9
 * and the result goes back in rax (a negative errno on failure).  Every user pointer goes through
 * copy_from_user/copy_to_user, so a bad one is -EFAULT, never a kernel fault.  A call the
 * table does not have returns -ENOSYS and is logged once per number.
 */
#define LOG_TAG "syscall"
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/rtc.h>
#include <vmk/syscall.h>
#include <vmk/panic.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/time.h>
#include <vmk/mm.h>
#include <vmk/rootfs.h>
#include <arch/cpu.h>
#include <string.h>

#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define ARCH_SET_FS   0x1002
#define ARCH_GET_FS   0x1003

static long sys_exit(long code, long a1, long a2, long a3, long a4, long a5)
{
	uthread_exit((int)((code & 0xff) << 8));
}

static long sys_exit_group(long code, long a1, long a2, long a3, long a4, long a5)
{
	proc_exit_group((int)((code & 0xff) << 8));
}

static long sys_gettid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return world_current()->tid;
}

static long sys_getpid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return proc_current()->pid;
}

static long sys_getppid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct proc *p = proc_current();

	return p->parent ? p->parent->pid : 0;
}

static long sys_getid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return 0; /* every userworld runs as root (uid and gid 0) */
}

/* No supplementary groups: the list is empty. */
static long sys_getgroups(long size, long ulist, long a2, long a3, long a4, long a5)
{
	return size < 0 ? -EINVAL : 0;
}

static long sys_arch_prctl(long code, long addr, long a2, long a3, long a4, long a5)
{
	struct uthread *ut = world_current()->ut;

	switch (code) {
	case ARCH_SET_FS:
		if ((uint64_t)addr >= USER_TOP)
			return -EPERM;
		ut->fs_base = (uint64_t)addr;
		wrmsr(MSR_FS_BASE, ut->fs_base);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user((void *)addr, &ut->fs_base, 8);
	default:
		return -EINVAL;
	}
}

static long sys_set_tid_address(long addr, long a1, long a2, long a3, long a4, long a5)
{
	world_current()->ut->clear_tid = (uint64_t)addr;
	return world_current()->tid;
}

static long sys_brk(long addr, long a1, long a2, long a3, long a4, long a5)
{
	struct aspace *as = world_current()->as;

	return (long)(addr ? aspace_brk(as, (uintptr_t)addr) : as->brk);
}

/*
 * A file mapping.  A file with pages of its own (ramfs, tmpfs) is mapped page by page: with
 * MAP_SHARED, writes reach the file (and every other mapping of it); with MAP_PRIVATE a page
 * is copied at its first write.  Pages past the end of the file are anonymous zero pages
 * (Linux raises SIGBUS there).  Other files (procfs, devices) get a private copy read with
 * pread, and a shared writable mapping of them is refused (-ENODEV).
 */
static long mmap_file(long addr, long len, long prot, long flags, long fd, long off)
{
	struct aspace *as = world_current()->as;
	bool shared = flags & MAP_SHARED, pages;
	struct file *f;
	uintptr_t got;
	long rc;

	if (off < 0 || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	rc = 0;
	if (!f->ops->pread)
		rc = -ENODEV;
	else if ((f->flags & O_ACCMODE) == O_WRONLY ||
		 (shared && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR))
		rc = -EACCES;
	/* The area keeps the file when it maps the file's own pages. */
	pages = f->vnode && f->vnode->type == VNODE_REG && f->vnode->ops->getpage;
	if (!rc)
		rc = aspace_map_file(as, (uintptr_t)addr, (size_t)len, (unsigned)prot,
				     shared ? VMA_SHARED : 0, flags & MAP_FIXED, pages ? f : NULL,
				     (uint64_t)off / PAGE_SIZE, &got);
	if (rc) {
		file_put(f);
		return rc;
	}
	rc = -ENODEV;
	if (pages) {
		uint64_t size = f->vnode->size, n;
		/* Whole pages: a mapping shorter than a page still maps the page. */
		uint64_t end = (uint64_t)off + ALIGN_UP((uint64_t)len, PAGE_SIZE);

		end = MIN(end, ALIGN_UP(size, PAGE_SIZE));
		n = end > (uint64_t)off ? (end - (uint64_t)off) / PAGE_SIZE : 0;
		rc = rootfs_map_pages(f->vnode, (uint64_t)off / PAGE_SIZE, n, shared, as, got);
	}
	if (rc == -ENODEV && !(shared && (prot & PROT_WRITE))) {
		/* A copy: read into the area made writable for the moment. */
		rc = aspace_protect(as, got, (size_t)len, PROT_READ | PROT_WRITE);
		if (!rc) {
			long n = f->ops->pread(f, (void *)got, (size_t)len, (uint64_t)off);

			rc = n < 0 ? n : aspace_protect(as, got, (size_t)len, (unsigned)prot);
		}
	}
	if (rc)
		aspace_unmap(as, got, (size_t)len);
	file_put(f);
	return rc ? rc : (long)got;
}

static long sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
	uintptr_t got;
	int rc;

	if (!(flags & (MAP_PRIVATE | MAP_SHARED)) || len <= 0 || (prot & ~7))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return mmap_file(addr, len, prot, flags, fd, off);
	rc = aspace_map(world_current()->as, (uintptr_t)addr, (size_t)len, (unsigned)prot,
			flags & MAP_SHARED ? VMA_SHARED : 0, flags & MAP_FIXED, &got);
	return rc ? rc : (long)got;
}

/* The pages of a shared file mapping are the file's own: nothing to write back. */
static long sys_msync(long addr, long len, long flags, long a3, long a4, long a5)
{
	(void)len;
	if ((addr & (PAGE_SIZE - 1)) || (flags & ~7) || ((flags & 1) && (flags & 4)))
		return -EINVAL; /* MS_ASYNC (1) with MS_SYNC (4) */
	return 0;
}

static long sys_madvise(long addr, long len, long advice, long a3, long a4, long a5)
{
	return aspace_advise(world_current()->as, (uintptr_t)addr, (size_t)len, (int)advice);
}

static long sys_munmap(long addr, long len, long a2, long a3, long a4, long a5)
{
	return aspace_unmap(world_current()->as, (uintptr_t)addr, (size_t)len);
}

static long sys_mprotect(long addr, long len, long prot, long a3, long a4, long a5)
{
	if (prot & ~7)
		return -EINVAL;
	return aspace_protect(world_current()->as, (uintptr_t)addr, (size_t)len, (unsigned)prot);
}

struct utsname {
	char f[6][65];
};

static long sys_uname(long ubuf, long a1, long a2, long a3, long a4, long a5)
{
	static const char *const val[6] = {"Keel",   "keel",   "6.1.0-keel",
					   "#1 SMP", "x86_64", "(none)"};
	struct utsname u;

	memset(&u, 0, sizeof(u));
	for (int i = 0; i < 6; i++)
		memcpy(u.f[i], val[i], strlen(val[i]));
	return copy_to_user((void *)ubuf, &u, sizeof(u));
}

static long sys_sched_yield(long a0, long a1, long a2, long a3, long a4, long a5)
{
	world_yield();
	return 0;
}

SYSCALL_DEFINE(9, sys_mmap);
SYSCALL_DEFINE(10, sys_mprotect);
SYSCALL_DEFINE(11, sys_munmap);
SYSCALL_DEFINE(12, sys_brk);
SYSCALL_DEFINE(24, sys_sched_yield);
SYSCALL_DEFINE(26, sys_msync);
SYSCALL_DEFINE(28, sys_madvise);
SYSCALL_DEFINE(39, sys_getpid);
SYSCALL_DEFINE(60, sys_exit);
SYSCALL_DEFINE(63, sys_uname);
SYSCALL_DEFINE(102, sys_getid); /* getuid */
SYSCALL_DEFINE(104, sys_getid); /* getgid */
SYSCALL_DEFINE(107, sys_getid); /* geteuid */
SYSCALL_DEFINE(108, sys_getid); /* getegid */
SYSCALL_DEFINE(110, sys_getppid);
SYSCALL_DEFINE(115, sys_getgroups);
SYSCALL_DEFINE(158, sys_arch_prctl);
SYSCALL_DEFINE(186, sys_gettid);
SYSCALL_DEFINE(218, sys_set_tid_address);
SYSCALL_DEFINE(231, sys_exit_group);

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];
static syscall_fn table[NR_SYSCALLS];

/* Gather the SYSCALL_DEFINE entries of every file into the table; a number defined twice
 * is a build mistake. */
void syscall_init(void)
{
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++) {
		if (e->nr >= NR_SYSCALLS || table[e->nr])
			panic("system call %u defined twice or out of range", e->nr);
		table[e->nr] = e->fn;
	}
}

static uint64_t logged[(NR_SYSCALLS + 63) / 64 + 1];

void syscall_dispatch(struct regs *r)
{
	uint64_t nr = r->rax;

	if (nr < NR_SYSCALLS && table[nr]) {
		r->rax = (uint64_t)table[nr]((long)r->rdi, (long)r->rsi, (long)r->rdx, (long)r->r10,
					     (long)r->r8, (long)r->r9);
		return;
	}
	if (nr >= NR_SYSCALLS)
		nr = NR_SYSCALLS; /* one log line for every out-of-range number */
	if (!(__atomic_fetch_or(&logged[nr / 64], 1ull << (nr % 64), __ATOMIC_RELAXED) &
	      (1ull << (nr % 64))))
		log_warn("pid %d (%s): unsupported system call %lu", proc_current()->pid,
			 proc_current()->name, r->rax);
	r->rax = (uint64_t)-ENOSYS;
}
