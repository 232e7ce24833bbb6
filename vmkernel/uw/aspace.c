/*
 * User address spaces: areas, demand-zero pages, protection, brk, fork copies.
 * Locking: as->lock (a mutex) around every change and every fault.
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

static uint64_t user_pte_flags(unsigned prot)
{
	uint64_t f = PTE_P | PTE_U;

	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC) && cpu_feat.nx)
		f |= PTE_NX;
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

/* Drop the pages of [start, end) (the lock is held). */
static void zap(struct aspace *as, uintptr_t start, uintptr_t end)
{
	bool flushed = false;

	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *e = vm_user_pte(as->pml4, va, false);

		if (e && (*e & PTE_P)) {
			frame_free(*e & PTE_ADDR, 1);
			*e = 0;
			as->pages--;
			flushed = true;
		}
	}
	if (flushed)
		tlb_shootdown(start, (end - start) / PAGE_SIZE);
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
		zap(as, v->start, v->end);
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
			zap(as, v->start, v->end);
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
		v->prot = prot;
		for (uintptr_t va = v->start; va < v->end; va += PAGE_SIZE) {
			uint64_t *e = vm_user_pte(as->pml4, va, false);

			if (e && (*e & PTE_P))
				*e = (*e & PTE_ADDR) | user_pte_flags(prot);
		}
	}
	mutex_unlock(&as->lock);
	tlb_shootdown(addr, len / PAGE_SIZE);
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

int aspace_fault(struct aspace *as, uintptr_t addr, unsigned error)
{
	struct vma *v;
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
	if (error & 1) {
		/* Present but refused: stale TLB after a protection change, or a real violation. */
		uint64_t *e = vm_user_pte(as->pml4, addr, false);

		invlpg(addr);
		rc = (e && (*e & PTE_P) && (!(error & 2) || (*e & PTE_W))) ? 0 : -EFAULT;
		goto out;
	}
	rc = page_in(as, ALIGN_DOWN(addr, PAGE_SIZE), v->prot) ? 0 : -ENOMEM;
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
		uint64_t *e;

		if (!v) {
			rc = -EFAULT;
			break;
		}
		e = page_in(as, ALIGN_DOWN(addr, PAGE_SIZE), v->prot);
		if (!e) {
			rc = -ENOMEM;
			break;
		}
		memcpy((uint8_t *)phys_to_virt(*e & PTE_ADDR) + (addr & (PAGE_SIZE - 1)), s, n);
		addr += n;
		s += n;
		len -= n;
	}
	mutex_unlock(&as->lock);
	return rc;
}

struct aspace *aspace_clone(struct aspace *as)
{
	struct aspace *c = aspace_create();
	struct vma **tail;

	if (!c)
		return NULL;
	mutex_lock(&as->lock);
	c->brk_base = as->brk_base;
	c->brk = as->brk;
	tail = &c->vmas;
	for (struct vma *v = as->vmas; v; v = v->next) {
		struct vma *n = kmalloc(sizeof(*n));

		if (!n)
			goto fail;
		*n = *v;
		n->next = NULL;
		*tail = n;
		tail = &n->next;
		for (uintptr_t va = v->start; va < v->end; va += PAGE_SIZE) {
			uint64_t *e = vm_user_pte(as->pml4, va, false), *ce;

			if (!e || !(*e & PTE_P))
				continue;
			ce = page_in(c, va, v->prot);
			if (!ce)
				goto fail;
			memcpy(phys_to_virt(*ce & PTE_ADDR), phys_to_virt(*e & PTE_ADDR),
			       PAGE_SIZE);
		}
	}
	mutex_unlock(&as->lock);
	return c;
fail:
	mutex_unlock(&as->lock);
	aspace_put(c);
	return NULL;
}
