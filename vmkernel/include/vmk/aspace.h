/*
 * User address spaces: the lower half of a PML4 of their own (the kernel half is shared),
 * described by a sorted list of areas (VMAs).  Pages are allocated on first touch
 * (demand-zero), shared copy-on-write by fork, or mapped from a file's pages; areas carry Linux
 * PROT_* permissions, enforced by the page tables (user, writable, NX).  A mutex per address space
 * guards its areas and page tables.  RLIMIT_AS and RLIMIT_DATA are enforced here, as Linux's
 * may_expand_vm does: every area counts towards the first, private writable ones (not the
 * stack) towards the second.
 */
#ifndef VMK_ASPACE_H
#define VMK_ASPACE_H

#include <stdint.h>
#include <stddef.h>
#include <vmk/world.h>

#define USER_TOP   0x00007ffffffff000ull /* first address above user space (one guard page) */
#define USER_BASE  0x0000000000010000ull /* nothing is mapped below (mmap_min_addr) */
#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4

#define VMA_STACK      0x1  /* the main stack (reported in /proc maps) */
#define VMA_HEAP       0x2  /* the brk area */
#define VMA_SHARED     0x4  /* MAP_SHARED: pages are shared, never copied on write */
#define VMA_DONTFORK   0x8  /* madvise MADV_DONTFORK: a fork's child does not get it */
#define VMA_WIPEONFORK 0x10 /* madvise MADV_WIPEONFORK: a fork's child gets it empty */

struct file;

/*
 * An object whose pages back areas (a System V shared memory segment): an area of it maps
 * the object's page pgoff + (va - start) / PAGE_SIZE, shared (never copied on write).  Every
 * area that refers to the object counts as one attach: open is called for each new one (the
 * first mapping, a fork's copy, either half of a split) and close when one goes (munmap,
 * shmdt, exit, exec), as Linux's vm_ops open/close.  All three run with the address space's
 * lock held: they must not take it, and may take the object's own locks (the order is
 * as->lock, then the object's).
 */
struct vma_object;
struct vma_object_ops {
	/* The page at pgoff, made on first use (zeroed) and kept by the object; the area takes
	 * its own reference.  0 with *pa set, -EFAULT past the object's end, or -ENOMEM. */
	int (*getpage)(struct vma_object *obj, uint64_t pgoff, uint64_t *pa);
	void (*open)(struct vma_object *obj);
	void (*close)(struct vma_object *obj);
};
struct vma_object {
	const struct vma_object_ops *ops;
	uint64_t size; /* bytes (shmdt looks this far for the pieces of one attach) */
};

struct vma {
	uintptr_t start, end; /* page-aligned, end exclusive */
	unsigned prot, flags;
	struct file *file;	/* a mapping of a file's pages: referenced, else NULL */
	unsigned maxprot;	/* object areas: what mprotect may grant (else unused) */
	struct vma_object *obj; /* an object's pages (System V shm), else NULL */
	uint64_t pgoff;		/* the file's or obj's page at start */
	struct vma *next;
};

struct aspace {
	struct mutex lock;
	uint64_t cr3; /* PML4 physical address */
	uint64_t *pml4;
	struct vma *vmas; /* sorted by address, non-overlapping */
	uintptr_t brk_base, brk;
	uint64_t pages, peak_pages;    /* resident user pages: now, at most so far */
	uint64_t vm_pages, data_pages; /* in all areas; in private writable ones but the stack */
	uint64_t limit_as, limit_data; /* RLIMIT_AS, RLIMIT_DATA in bytes (~0: none) */
	struct vma *dead;	       /* areas whose file is put once the lock is dropped */
	unsigned refs;		       /* threads using it */
};

/* A new, empty address space; NULL when out of memory. */
struct aspace *aspace_create(void);
/* Drop a reference; the last one frees every page, page table and area. */
void aspace_put(struct aspace *as);
/* Load as (NULL: the kernel's own tables) on this CPU. */
void aspace_activate(struct aspace *as);
/* Map an anonymous area at addr (exactly there when fixed, else addr is a hint; 0 = anywhere)
 * of len bytes; replaces what was there when fixed.  *out gets the address.  0 or -errno. */
int aspace_map(struct aspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	       bool fixed, uintptr_t *out);
/* The same for the pages of an open file from page pgoff on: the area holds a reference on f
 * (MADV_DONTNEED maps the file's pages again, fork shares them).  The caller maps the pages
 * (rootfs_map_pages).  -ENOMEM also when RLIMIT_AS or RLIMIT_DATA would be exceeded. */
int aspace_map_file(struct aspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
		    bool fixed, struct file *f, uint64_t pgoff, uintptr_t *out);
int aspace_unmap(struct aspace *as, uintptr_t addr, size_t len);
/* Map len bytes of obj, from its page pgoff on, as a shared area with prot (mprotect may grant
 * no more than maxprot, else -EACCES): at addr when fixed (page-aligned; what is there goes,
 * unless noreplace, which makes an occupied range -EINVAL), else anywhere (addr 0).  Calls
 * obj->ops->open once mapped.  *out gets the address.  0 or -errno (-ENOMEM: no room). */
int aspace_map_object(struct aspace *as, uintptr_t addr, size_t len, unsigned prot,
		      unsigned maxprot, bool fixed, bool noreplace, struct vma_object *obj,
		      uint64_t pgoff, uintptr_t *out);
/* shmdt(2)'s unmapping, as Linux does it: the first area at or above addr (the one holding
 * addr included) whose object has these ops and whose offset in it equals its distance from
 * addr, then every later area of that same object that also starts where its offset says,
 * up to the object's size past addr.  0, or -EINVAL when there was none. */
int aspace_unmap_object(struct aspace *as, uintptr_t addr, const struct vma_object_ops *ops);
int aspace_protect(struct aspace *as, uintptr_t addr, size_t len, unsigned prot);
/* Set the program break (brk(2) semantics): returns the new break, or the old one on failure. */
uintptr_t aspace_brk(struct aspace *as, uintptr_t newbrk);
/* madvise(2) on [addr, addr + len): Linux's advice values; 0, -EINVAL (bad advice or address,
 * or advice the area cannot take) or -ENOMEM (part of the range is not mapped: the advice is
 * still applied to the rest).  May block. */
int aspace_advise(struct aspace *as, uintptr_t addr, size_t len, int advice);
/* Set the RLIMIT_AS and RLIMIT_DATA limits (bytes, ~0 for none) that later growth of as is
 * checked against (what is mapped already stays). */
void aspace_set_limits(struct aspace *as, uint64_t limit_as, uint64_t limit_data);
/* Resolve a page fault at addr: 0 when a page was supplied, -EFAULT when the access is not
 * allowed (error: the x86 page-fault error code: bit 1 write, bit 4 instruction fetch). */
int aspace_fault(struct aspace *as, uintptr_t addr, unsigned error);
/* Is addr inside one of as's areas, whatever their protection (a fault there is SIGSEGV's
 * SEGV_ACCERR, outside SEGV_MAPERR)?  Takes the area mutex: may sleep. */
bool aspace_mapped(struct aspace *as, uintptr_t addr);
/* A copy of as for fork(): every area, every resident page shared (copy-on-write in private
 * areas).  NULL on no memory. */
struct aspace *aspace_clone(struct aspace *as);
/* Map page pa at va (page-aligned, inside an area) in place of what was there, as one more
 * owner of pa (frame_ref): how file pages get mapped.  Read-only until written in a private
 * area.  0, -EFAULT (no area) or -ENOMEM. */
int aspace_map_page(struct aspace *as, uintptr_t va, uint64_t pa);
/* Copy into as at a user address from kernel memory, allocating pages, ignoring protection
 * (the ELF loader fills read-only segments this way).  0 or -errno. */
int aspace_fill(struct aspace *as, uintptr_t addr, const void *src, size_t len);

/* For futex keys (uw/futex.c), as Linux's get_futex_key: is addr in a MAP_SHARED area of as?
 * Then *pa is the physical address behind addr (the page is brought in if absent) and the
 * caller holds a frame reference on its page (frame_unref); in a private area *pa is 0.
 * -EFAULT when there is no area, it allows no access, write is asked of a read-only one, or
 * addr is in a never-written page of a read-only private area (Linux's zero page, which it
 * refuses too).  Takes as->lock: may sleep. */
int aspace_shared_page(struct aspace *as, uintptr_t addr, bool write, uint64_t *pa);

/* --- checked access to the current world's user memory (uw/uaccess.c) --- */

/* Linux's access_ok: does [p, p + n) stay out of the kernel half?  (Not whether it is mapped.)
 * Calls check their buffers with it before doing anything, so a kernel address is -EFAULT even
 * where nothing would be copied (a read from /dev/null, a zero length). */
bool uaccess_ok(const void *p, size_t n);
/* Let the calling world's user copies (and uaccess_ok) reach the kernel buffer [buf, buf + len)
 * as well, so that a file's read/write operations, which take user pointers, can move data to
 * or from the kernel (sendfile); NULL, 0 ends it.  Only ranges wholly inside the buffer pass. */
void uaccess_kernel_window(const void *buf, size_t len);
/* 0, or -EFAULT if any byte is outside user space or unmapped/forbidden. */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* The length of a user string: < max, max when no NUL is within max bytes, or -EFAULT. */
long strnlen_user(const char *us, size_t max);
/* Atomically: if the aligned word at uaddr holds old, store new; *cur gets what it held.
 * 0 or -EFAULT.  Like the copies, a fault pages in unless world.nofault is set (a spinlock is
 * held): then a missing or read-only page is -EFAULT and the caller faults it in unlocked. */
int cmpxchg_user_u32(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *cur);
/* Copy a NUL-terminated user string of at most max-1 bytes: length, -EFAULT, or
 * -ENAMETOOLONG when no NUL within max bytes. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

#endif
