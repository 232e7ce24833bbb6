/*
 * User address spaces: the lower half of a PML4 of their own (the kernel half is shared),
 * described by a sorted list of areas (VMAs).  Pages are allocated on first touch
 * (demand-zero), shared copy-on-write by fork, or mapped from a file's pages; areas carry Linux
 * PROT_* permissions, enforced by the page tables (user, writable, NX).  A mutex per address space
 * guards its areas and page tables.
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

#define VMA_STACK  0x1 /* the main stack (reported in /proc maps) */
#define VMA_HEAP   0x2 /* the brk area */
#define VMA_SHARED 0x4 /* MAP_SHARED: pages are shared, never copied on write */

struct vma {
	uintptr_t start, end; /* page-aligned, end exclusive */
	unsigned prot, flags;
	struct vma *next;
};

struct aspace {
	struct mutex lock;
	uint64_t cr3; /* PML4 physical address */
	uint64_t *pml4;
	struct vma *vmas; /* sorted by address, non-overlapping */
	uintptr_t brk_base, brk;
	uint64_t pages; /* resident user pages */
	unsigned refs;	/* threads using it */
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
int aspace_unmap(struct aspace *as, uintptr_t addr, size_t len);
int aspace_protect(struct aspace *as, uintptr_t addr, size_t len, unsigned prot);
/* Set the program break (brk(2) semantics): returns the new break, or the old one on failure. */
uintptr_t aspace_brk(struct aspace *as, uintptr_t newbrk);
/* Resolve a page fault at addr: 0 when a page was supplied, -EFAULT when the access is not
 * allowed (error: the x86 page-fault error code: bit 1 write, bit 4 instruction fetch). */
int aspace_fault(struct aspace *as, uintptr_t addr, unsigned error);
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
/* 0, or -EFAULT if any byte is outside user space or unmapped/forbidden. */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* Atomically: if the aligned word at uaddr holds old, store new; *cur gets what it held.
 * 0 or -EFAULT.  Like the copies, a fault pages in unless world.nofault is set (a spinlock is
 * held): then a missing or read-only page is -EFAULT and the caller faults it in unlocked. */
int cmpxchg_user_u32(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *cur);
/* Copy a NUL-terminated user string of at most max-1 bytes: length, -EFAULT, or
 * -ENAMETOOLONG when no NUL within max bytes. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

#endif
