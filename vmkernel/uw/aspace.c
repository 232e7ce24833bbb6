/*
 * User address spaces: areas, demand-zero pages, protection, brk, copy-on-write fork and
 * pages shared with files.
 *
 * A page of a private area may have other owners (frame_shared): the other side of a fork,
 * or the file it was mapped from.  Such a page is mapped read-only and the first write to it
 * copies it (or, once nobody else holds it, just makes it writable).  Pages of a shared area
 * (MAP_SHARED) are never copied.
 *
 * TLB: every world switch between address spaces reloads CR3, so only CPUs running a thread
 * of this address space can cache its entries: with one thread (refs == 1, the caller) a
 * local flush is enough; otherwise a shootdown reaches the other CPUs.
 *
 * Locking: as->lock (a mutex) around every change and every fault.  Callers of
 * aspace_map_page may hold the VFS lock (the order is VFS lock, then as->lock).
 */
#define LOG_TAG "aspace"
#include <vmk/aspace.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <vmk/smp.h>
#include <arch/cpu.h>
#include <string.h>

#define PTE_P	 (1ull << 0)
#define PTE_W	 (1ull << 1)
#define PTE_U	 (1ull << 2)
#define PTE_NX	 (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define MMAP_TOP 0x00007f0000000000ull /* mmap areas are placed top-down from here */
#define PT_SPAN	 (512ull * PAGE_SIZE)  /* what one page table maps */

static uint64_t user_pte_flags(unsigned prot)
{
	uint64_t f = PTE_P | PTE_U;

	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC) && cpu_feat.nx)
		f |= PTE_NX;
	return f;
}

/* The entry flags for page pa in area v: a private page with other owners stays read-only
 * until written (copy on write). */
static uint64_t page_flags(const struct vma *v, uint64_t pa)
{
	uint64_t f = user_pte_flags(v->prot);

	if (!(v->flags & VMA_SHARED) && frame_shared(pa))
		f &= ~PTE_W;
	return f;
}

struct aspace *aspace_create(void)
{
	struct aspace *as = kzalloc(sizeof(*as));
	uint64_t *k = phys_to_virt(vm_kernel_cr3());

	if (!as)
		return NULL;
	as->cr3 = frame_alloc_zeroed();
	if (!as->cr3) {
		kfree(as);
		return NULL;
	}
	as->pml4 = phys_to_virt(as->cr3);
	memcpy(as->pml4 + 256, k + 256, 256 * sizeof(uint64_t));
	mutex_init(&as->lock);
	as->refs = 1;
	return as;
}

void aspace_activate(struct aspace *as)
{
	uint64_t cr3 = as ? as->cr3 : vm_kernel_cr3();

	if (read_cr3() != cr3)
		write_cr3(cr3);
}

/* Forget the TLB entries of [va, va + n pages) wherever this address space may be loaded. */
static void flush(struct aspace *as, uintptr_t va, unsigned long n)
{
	if (__atomic_load_n(&as->refs, __ATOMIC_ACQUIRE) > 1) {
		tlb_shootdown(va, n);
	} else if (read_cr3() == as->cr3) {
		if (n > 32)
			write_cr3(as->cr3); /* user entries are never global */
		else
			for (unsigned long i = 0; i < n; i++)
				invlpg(va + i * PAGE_SIZE);
	}
}

/*
 * The first entry for [va, end) that has a page table, with *last its table's end (the
 * entries from the returned one up to *last are consecutive); NULL when none is left.
 */
static uint64_t *pte_run(struct aspace *as, uintptr_t *va, uintptr_t end, uintptr_t *last)
{
	while (*va < end) {
		uint64_t *e = vm_user_pte(as->pml4, *va, false);
		uintptr_t table_end = ALIGN_DOWN(*va, PT_SPAN) + PT_SPAN;

		*last = MIN(end, table_end);
		if (e)
			return e;
		*va = *last;
	}
	return NULL;
}

/* Drop the pages of [start, end) (the lock is held); flush: their TLB entries too (not when
 * the address space is being freed: no CPU has it loaded). */
static void zap(struct aspace *as, uintptr_t start, uintptr_t end, bool flush_tlb)
{
	bool dropped = false;
	uintptr_t va = start, last;
	uint64_t *e;

	while ((e = pte_run(as, &va, end, &last))) {
		for (; va < last; va += PAGE_SIZE, e++) {
			if (!(*e & PTE_P))
				continue;
			frame_unref(*e & PTE_ADDR);
			*e = 0;
			as->pages--;
			dropped = true;
		}
	}
	if (dropped && flush_tlb)
		flush(as, start, (end - start) / PAGE_SIZE);
}

/* Free the page-table pages of the user half. */
static void free_tables(uint64_t *table, int level)
{
	for (int i = 0; i < (level == 3 ? 256 : 512); i++) {
		if (!(table[i] & PTE_P))
			continue;
		if (level > 1)
			free_tables(phys_to_virt(table[i] & PTE_ADDR), level - 1);
		frame_free(table[i] & PTE_ADDR, 1);
	}
}

void aspace_put(struct aspace *as)
{
	if (!as || __atomic_sub_fetch(&as->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (struct vma *v = as->vmas, *next; v; v = next) {
		next = v->next;
		zap(as, v->start, v->end, false);
		kfree(v);
	}
	free_tables(as->pml4, 3);
	/* No CPU may still have this CR3 loaded: its last thread is gone and switched out. */
	frame_free(as->cr3, 1);
	kfree(as);
}

static struct vma *vma_find(struct aspace *as, uintptr_t addr)
{
	for (struct vma *v = as->vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

/* Cut areas so that none straddles addr (the lock is held).  0 or -ENOMEM. */
static int vma_split(struct aspace *as, uintptr_t addr)
{
	struct vma *v = vma_find(as, addr), *n;

	if (!v || v->start == addr)
		return 0;
	n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->start = addr;
	v->end = addr;
	v->next = n;
	return 0;
}

/* Remove [start, end) from the area list and drop its pages (the lock is held). */
static int vma_remove(struct aspace *as, uintptr_t start, uintptr_t end)
{
	int rc = vma_split(as, start);

	if (!rc)
		rc = vma_split(as, end);
	if (rc)
		return rc;
	for (struct vma **p = &as->vmas; *p;) {
		struct vma *v = *p;

		if (v->start >= start && v->end <= end) {
			*p = v->next;
			zap(as, v->start, v->end, true);
			kfree(v);
		} else {
			p = &v->next;
		}
	}
	return 0;
}

static void vma_insert(struct aspace *as, struct vma *n)
{
	struct vma **p = &as->vmas;

	while (*p && (*p)->start < n->start)
		p = &(*p)->next;
	n->next = *p;
	*p = n;
}

static bool range_free(struct aspace *as, uintptr_t start, uintptr_t end)
{
	for (struct vma *v = as->vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return false;
	return true;
}

/* A free range of len bytes, top-down below MMAP_TOP; 0 if none. */
static uintptr_t find_gap(struct aspace *as, size_t len)
{
	uintptr_t top = MMAP_TOP;

	for (;;) {
		uintptr_t start = top - len;
		struct vma *clash = NULL;

		if (len > top || start < USER_BASE)
			return 0;
		for (struct vma *v = as->vmas; v; v = v->next)
			if (v->start < top && start < v->end)
				clash = v; /* the highest clashing area is the last one found */
		if (!clash)
			return start;
		top = clash->start;
	}
}

static bool user_range_valid(uintptr_t addr, size_t len)
{
	return addr >= USER_BASE && len <= USER_TOP && addr <= USER_TOP - len;
}

int aspace_map(struct aspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	       bool fixed, uintptr_t *out)
{
	struct vma *n;
	int rc = 0;

	if (!len || len > USER_TOP || (fixed && !IS_ALIGNED(addr, PAGE_SIZE)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	mutex_lock(&as->lock);
	if (fixed) {
		if (!user_range_valid(addr, len))
			rc = -ENOMEM;
		else
			rc = vma_remove(as, addr, addr + len);
	} else {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || !user_range_valid(addr, len) || !range_free(as, addr, addr + len))
			addr = find_gap(as, len);
		if (!addr)
			rc = -ENOMEM;
	}
	if (!rc) {
		n->start = addr;
		n->end = addr + len;
		n->prot = prot;
		n->flags = flags;
		vma_insert(as, n);
		*out = addr;
	} else {
		kfree(n);
	}
	mutex_unlock(&as->lock);
	return rc;
}

int aspace_unmap(struct aspace *as, uintptr_t addr, size_t len)
{
	int rc;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!user_range_valid(addr, len))
		return -EINVAL;
	mutex_lock(&as->lock);
	rc = vma_remove(as, addr, addr + len);
	mutex_unlock(&as->lock);
	return rc;
}

int aspace_protect(struct aspace *as, uintptr_t addr, size_t len, unsigned prot)
{
	uintptr_t end;
	int rc;

	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!user_range_valid(addr, len))
		return -ENOMEM;
	end = addr + len;
	mutex_lock(&as->lock);
	/* Linux: the whole range must be mapped. */
	for (uintptr_t va = addr; va < end;) {
		struct vma *v = vma_find(as, va);

		if (!v) {
			mutex_unlock(&as->lock);
			return -ENOMEM;
		}
		va = v->end;
	}
	rc = vma_split(as, addr);
	if (!rc)
		rc = vma_split(as, end);
	for (struct vma *v = as->vmas; !rc && v; v = v->next) {
		if (v->start < addr || v->end > end)
			continue;
		uintptr_t va = v->start, last;
		uint64_t *e;

		v->prot = prot;
		while ((e = pte_run(as, &va, v->end, &last)))
			for (; va < last; va += PAGE_SIZE, e++)
				if (*e & PTE_P)
					*e = (*e & PTE_ADDR) | page_flags(v, *e & PTE_ADDR);
	}
	flush(as, addr, len / PAGE_SIZE);
	mutex_unlock(&as->lock);
	return rc;
}

uintptr_t aspace_brk(struct aspace *as, uintptr_t newbrk)
{
	uintptr_t old_end, new_end, ret;

	mutex_lock(&as->lock);
	ret = as->brk;
	if (newbrk < as->brk_base || newbrk > MMAP_TOP)
		goto out;
	old_end = ALIGN_UP(as->brk, PAGE_SIZE);
	new_end = ALIGN_UP(newbrk, PAGE_SIZE);
	if (new_end > old_end) {
		struct vma *n;

		if (!range_free(as, old_end, new_end) || !(n = kzalloc(sizeof(*n))))
			goto out;
		n->start = old_end;
		n->end = new_end;
		n->prot = PROT_READ | PROT_WRITE;
		n->flags = VMA_HEAP;
		vma_insert(as, n);
	} else if (new_end < old_end && vma_remove(as, new_end, old_end)) {
		goto out;
	}
	as->brk = ret = newbrk;
out:
	mutex_unlock(&as->lock);
	return ret;
}

/* Make sure va has a page (the lock is held); returns its entry or NULL when out of memory. */
static uint64_t *page_in(struct aspace *as, uintptr_t va, unsigned prot)
{
	uint64_t *e = vm_user_pte(as->pml4, va, true), pa;

	if (!e)
		return NULL;
	if (!(*e & PTE_P)) {
		pa = frame_alloc_zeroed();
		if (!pa)
			return NULL;
		*e = pa | user_pte_flags(prot);
		as->pages++;
	}
	return e;
}

/* Give the present page at *e (va, in area v) to this address space alone: a private page
 * others still hold is copied (the lock is held).  0 or -ENOMEM. */
static int unshare(struct aspace *as, struct vma *v, uintptr_t va, uint64_t *e)
{
	uint64_t pa = *e & PTE_ADDR, copy;

	if (!(v->flags & VMA_SHARED) && frame_shared(pa)) {
		if (frame_alloc(1, 1, 0, &copy))
			return -ENOMEM;
		memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
		*e = copy | user_pte_flags(v->prot);
		frame_unref(pa);
	} else {
		*e = pa | user_pte_flags(v->prot);
	}
	flush(as, va, 1);
	return 0;
}

int aspace_fault(struct aspace *as, uintptr_t addr, unsigned error)
{
	uintptr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
	struct vma *v;
	uint64_t *e;
	int rc = -EFAULT;

	mutex_lock(&as->lock);
	v = vma_find(as, addr);
	if (!v)
		goto out;
	if ((error & 2) && !(v->prot & PROT_WRITE))
		goto out;
	if ((error & 16) && !(v->prot & PROT_EXEC))
		goto out;
	if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		goto out;
	e = vm_user_pte(as->pml4, va, false);
	if ((error & 1) && e && (*e & PTE_P)) {
		/* Present but refused: a write to a copy-on-write page, or a TLB entry older than
		 * a protection change (the area allows the access, checked above). */
		if ((error & 2) && !(*e & PTE_W))
			rc = unshare(as, v, va, e);
		else
			rc = 0, invlpg(va);
		goto out;
	}
	if (e && (*e & PTE_P)) {
		rc = 0; /* another thread supplied it meanwhile */
		goto out;
	}
	rc = page_in(as, va, v->prot) ? 0 : -ENOMEM;
out:
	mutex_unlock(&as->lock);
	return rc;
}

int aspace_fill(struct aspace *as, uintptr_t addr, const void *src, size_t len)
{
	const uint8_t *s = src;
	int rc = 0;

	mutex_lock(&as->lock);
	while (len) {
		struct vma *v = vma_find(as, addr);
		size_t n = MIN(len, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
		uintptr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
		uint64_t *e;

		if (!v) {
			rc = -EFAULT;
			break;
		}
		e = page_in(as, va, v->prot);
		if (!e) {
			rc = -ENOMEM;
			break;
		}
		if (!(v->flags & VMA_SHARED) && frame_shared(*e & PTE_ADDR) &&
		    (rc = unshare(as, v, va, e)))
			break;
		memcpy((uint8_t *)phys_to_virt(*e & PTE_ADDR) + (addr & (PAGE_SIZE - 1)), s, n);
		addr += n;
		s += n;
		len -= n;
	}
	mutex_unlock(&as->lock);
	return rc;
}

int aspace_map_page(struct aspace *as, uintptr_t va, uint64_t pa)
{
	struct vma *v;
	uint64_t *e;
	int rc = -EFAULT;

	mutex_lock(&as->lock);
	v = vma_find(as, va);
	if (v && IS_ALIGNED(va, PAGE_SIZE)) {
		e = vm_user_pte(as->pml4, va, true);
		rc = e ? 0 : -ENOMEM;
	}
	if (!rc) {
		frame_ref(pa);
		if (*e & PTE_P) {
			frame_unref(*e & PTE_ADDR);
			flush(as, va, 1);
		} else {
			as->pages++;
		}
		*e = pa | page_flags(v, pa);
	}
	mutex_unlock(&as->lock);
	return rc;
}

/* Share every page of area v of as with c (a fork): private pages become copy-on-write in
 * both; a MAP_SHARED area gets all its pages first, so that both sides keep one set (the
 * lock of as is held; c is not in use yet).  0 or -ENOMEM. */
static int share_area(struct aspace *as, struct aspace *c, const struct vma *v)
{
	uintptr_t va = v->start, last;
	uint64_t *e, *ce;

	if (v->flags & VMA_SHARED)
		for (uintptr_t p = v->start; p < v->end; p += PAGE_SIZE)
			if (!page_in(as, p, v->prot))
				return -ENOMEM;

	while ((e = pte_run(as, &va, v->end, &last))) {
		for (; va < last; va += PAGE_SIZE, e++) {
			if (!(*e & PTE_P))
				continue;
			ce = vm_user_pte(c->pml4, va, true);
			if (!ce)
				return -ENOMEM;
			frame_ref(*e & PTE_ADDR);
			if (!(v->flags & VMA_SHARED))
				*e &= ~PTE_W;
			*ce = *e;
			c->pages++;
		}
	}
	return 0;
}

struct aspace *aspace_clone(struct aspace *as)
{
	struct aspace *c = aspace_create();
	struct vma **tail;
	int rc = 0;

	if (!c)
		return NULL;
	mutex_lock(&as->lock);
	c->brk_base = as->brk_base;
	c->brk = as->brk;
	tail = &c->vmas;
	for (struct vma *v = as->vmas; v && !rc; v = v->next) {
		struct vma *n = kmalloc(sizeof(*n));

		if (!n) {
			rc = -ENOMEM;
			break;
		}
		*n = *v;
		n->next = NULL;
		*tail = n;
		tail = &n->next;
		rc = share_area(as, c, v);
	}
	/* Our own entries lost their write permission, finished or not. */
	flush(as, 0, ~0ul);
	mutex_unlock(&as->lock);
	if (rc) {
		aspace_put(c);
		return NULL;
	}
	return c;
}

int aspace_shared_page(struct aspace *as, uintptr_t addr, bool write, uint64_t *pa)
{
	uintptr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
	struct vma *v;
	uint64_t *e;
	int rc = -EFAULT;

	mutex_lock(&as->lock);
	v = vma_find(as, addr);
	if (!v || !(v->prot & (PROT_READ | PROT_WRITE)) || (write && !(v->prot & PROT_WRITE)))
		goto out;
	e = vm_user_pte(as->pml4, va, false);
	if (!(v->flags & VMA_SHARED)) {
		if ((e && (*e & PTE_P)) || (v->prot & PROT_WRITE)) {
			*pa = 0;
			rc = 0;
		}
		goto out;
	}
	if (!e || !(*e & PTE_P))
		e = page_in(as, va, v->prot);
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	frame_ref(*e & PTE_ADDR);
	*pa = (*e & PTE_ADDR) | (addr & (PAGE_SIZE - 1));
	rc = 0;
out:
	mutex_unlock(&as->lock);
	return rc;
}
