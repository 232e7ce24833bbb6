/*
 * Memory management: physical frames, the kernel heap, kernel page tables and stacks.
 * All functions here may be called from any CPU; none sleeps.  The frame allocator and the
 * heap take their own spinlocks with interrupts off, so they are usable from interrupt context.
 */
#ifndef VMK_MM_H
#define VMK_MM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <arch/layout.h>

struct boot_info;

/* --- physical frames (mm/frame.c) --- */

/* Build the frame allocator from the sanitized memory map, reserving the kernel image, the
 * boot information and the boot modules. */
void frame_init(struct boot_info *bi, uint64_t mbi_phys);
/* n contiguous frames aligned to align frames, below limit (physical address, 0 = any).
 * Returns 0 and the physical address in *pa, or -ENOMEM. */
int frame_alloc(size_t n, size_t align, uint64_t limit, uint64_t *pa);
/* One zeroed frame; returns its physical address or 0 when memory is exhausted. */
uint64_t frame_alloc_zeroed(void);
/* Give frames back; a bad or double free is a kernel bug and panics. */
void frame_free(uint64_t pa, size_t n);
/* Single frames may have several owners (a page shared copy-on-write after fork, a file's
 * page mapped into processes).  frame_ref adds an owner; frame_unref drops one and frees the
 * frame with the last; frame_shared says whether more than one owner holds it now. */
void frame_ref(uint64_t pa);
void frame_unref(uint64_t pa);
bool frame_shared(uint64_t pa);

struct frame_stats {
	uint64_t usable, free, reserved, allocated; /* frames */
};
void frame_get_stats(struct frame_stats *st);
/* Highest physical address the kernel can reach yet (vm_init raises it past 4 GiB). */
void frame_set_reach(uint64_t limit);

/* --- kernel heap (mm/kmem.c, over mm/heap.c) --- */

void kmem_init(bool poison);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
struct heap_stats;
void kmem_get_stats(struct heap_stats *st);
/* Return cached empty slabs to the frame allocator; returns pages freed. */
unsigned kmem_trim(void);

/* --- kernel page tables (mm/vm.c) --- */

#define VM_WRITE 0x1 /* writable */
#define VM_EXEC	 0x2 /* executable (otherwise NX) */
#define VM_MMIO	 0x4 /* uncached */
#define VM_WC	 0x8 /* write-combining (framebuffers) */

/* Build the final kernel page tables (direct map of RAM, image with W^X) and switch to them. */
void vm_init(const struct boot_info *bi);
/* Per-CPU paging setup (CR0.WP, CR4.PGE/SMEP/SMAP, EFER.NXE, PAT) and the kernel CR3. */
void vm_cpu_init(void);
/* Map [pa, pa+len) somewhere in kernel space: the direct map for RAM mapped cacheable,
 * otherwise a fresh mapping in the MMIO window.  Returns NULL when out of space. */
void *vm_map_phys(uint64_t pa, size_t len, unsigned flags);
/* Map one page at a kernel virtual address (MMIO window or stack area).  0 or -errno. */
int vm_map_page(uintptr_t va, uint64_t pa, unsigned flags);
/* Unmap one page and shoot it down on every CPU; returns the physical address it had or 0. */
uint64_t vm_unmap_page(uintptr_t va);
/* Physical address behind va, or -1 when unmapped. */
uint64_t vm_translate(uintptr_t va);
/* Reserve len bytes of MMIO-window address space (page-aligned, not mapped). */
uintptr_t vm_reserve(size_t len);
/* The 4 KiB-level entry for user address va in the page table rooted at root, creating
 * user-accessible intermediate tables when `create`; NULL if absent or out of memory.
 * The caller serialises changes to that address space. */
uint64_t *vm_user_pte(uint64_t *root, uintptr_t va, bool create);
/* The kernel PML4's physical address. */
uint64_t vm_kernel_cr3(void);

/* --- kernel stacks (mm/kstack.c) --- */

/* A KSTACK_PAGES stack with an unmapped guard page below it; returns its top, or 0. */
uintptr_t kstack_alloc(void);
/* Unmap a stack from kstack_alloc() and give its frames back (0 is ignored). */
void kstack_free(uintptr_t top);
/* Is va inside a stack guard page?  (The double-fault handler uses it to name overflows.) */
bool kstack_is_guard(uintptr_t va);

/* --- fault-tolerant access (arch/x86_64/probe.S) --- */

/* Read 8 bytes at va; 0, or -EFAULT if the access faulted. */
int probe_read64(const void *va, uint64_t *val);
/* Write 8 bytes at va; 0, or -EFAULT if the access faulted. */
int probe_write64(void *va, uint64_t val);

#endif
