/*
 * User address spaces: areas, demand-zero pages, protection, brk, copy-on-write fork and
 * pages shared with files.
 *
 * A page of a private area may have other owners (frame_shared): the other side of a fork,
 * or the file it was mapped from.  Such a page is mapped read-only and the first write to it
 * copies it (or, once nobody else holds it, just makes it writable).  Pages of a shared area
 * (MAP_SHARED) are never copied.
 *
 * An area may take its pages from an object (struct vma_object: a System V shared memory
 * segment) instead of demand-zero ones; the object counts the areas that refer to it
 * (open/close), so fork, split, munmap, exec and exit keep its attach count.
 *
 * TLB: every world switch between address spaces reloads CR3, so only CPUs running a thread
 * of this address space can cache its entries: with one thread (refs == 1, the caller) a
 * local flush is enough; otherwise a shootdown reaches the other CPUs.
 *
 * Locking: as->lock (a mutex) around every change and every fault.  Callers of
 * aspace_map_page may hold the VFS lock (the order is VFS lock, then as->lock), so an area
 * that goes under the lock cannot put its file there (the last reference may take the VFS
 * lock): it waits on as->dead until aspace_unlock drops the lock.  An area's object is called
 * with as->lock held (as->lock, then the object's locks).
 *
 * Limits: vm_pages and data_pages count the pages of all areas and of the private writable
 * ones but the stack (Linux's total_vm and data_vm); growth past RLIMIT_AS or RLIMIT_DATA
 * is refused with ENOMEM.
 */
#define LOG_TAG "aspace"
#include <vmk/aspace.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <vmk/smp.h>
#include <vmk/file.h>
#include <vmk/rootfs.h>
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
	as->limit_as = as->limit_data = ~0ull;
	as->refs = 1;
	return as;
}

void aspace_set_limits(struct aspace *as, uint64_t limit_as, uint64_t limit_data)
{
	mutex_lock(&as->lock);
	as->limit_as = limit_as;
	as->limit_data = limit_data;
	mutex_unlock(&as->lock);
}

/* Linux's is_data_mapping: private, writable, not the stack. */
static bool is_data(unsigned prot, unsigned flags)
{
	return (prot & PROT_WRITE) && !(flags & (VMA_SHARED | VMA_STACK));
}

static uint64_t vma_pages(const struct vma *v)
{
	return (v->end - v->start) / PAGE_SIZE;
}

static void account_add(struct aspace *as, const struct vma *v)
{
	as->vm_pages += vma_pages(v);
	if (is_data(v->prot, v->flags))
		as->data_pages += vma_pages(v);
}

static void account_sub(struct aspace *as, const struct vma *v)
{
	as->vm_pages -= vma_pages(v);
	if (is_data(v->prot, v->flags))
		as->data_pages -= vma_pages(v);
}

/* May n more pages be mapped (data: in a data area)?  Linux's may_expand_vm. */
static bool may_expand(const struct aspace *as, uint64_t n, bool data)
{
	uint64_t bytes = n * PAGE_SIZE;

	if (as->vm_pages * PAGE_SIZE + bytes > as->limit_as)
		return false;
	return !data || as->data_pages * PAGE_SIZE + bytes <= as->limit_data;
}

/* Free an area taken off the list (the lock is held): its file waits for aspace_unlock. */
static void vma_free(struct aspace *as, struct vma *v)
{
	if (!v->file) {
		kfree(v);
		return;
	}
	v->next = as->dead;
	as->dead = v;
}

/* Drop the lock, then the files of the areas that went meanwhile. */
static void aspace_unlock(struct aspace *as)
{
	struct vma *dead = as->dead;

	as->dead = NULL;
	mutex_unlock(&as->lock);
	while (dead) {
		struct vma *next = dead->next;

		file_put(dead->file);
		kfree(dead);
		dead = next;
	}
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
		file_put(v->file);
		if (v->obj)
			v->obj->ops->close(v->obj);
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
	n->pgoff = v->pgoff + (addr - v->start) / PAGE_SIZE;
	if (n->file)
		file_get(n->file);
	v->end = addr;
	v->next = n;
	if (n->obj) /* two areas now: Linux counts a split attach twice too */
		n->obj->ops->open(n->obj);
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
			account_sub(as, v);
			if (v->obj)
				v->obj->ops->close(v->obj);
			vma_free(as, v);
		} else {
			p = &v->next;
		}
	}
	return 0;
}

static void vma_insert(struct aspace *as, struct vma *n)
{
	struct vma **p = &as->vmas;

	account_add(as, n);
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

/* Pages of areas inside [start, end) (the lock is held). */
static uint64_t overlap_pages(struct aspace *as, uintptr_t start, uintptr_t end)
{
	uint64_t n = 0;

	for (struct vma *v = as->vmas; v && v->start < end; v = v->next)
		if (v->end > start)
			n += (MIN(end, v->end) - MAX(start, v->start)) / PAGE_SIZE;
	return n;
}

int aspace_map(struct aspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	       bool fixed, uintptr_t *out)
{
	return aspace_map_file(as, addr, len, prot, flags, fixed, NULL, 0, out);
}

/*
 * Map an area like t (prot, flags, file or object, pgoff) at addr when fixed (what is there
 * goes, unless noreplace: then an occupied range is -EINVAL), else at addr if that range is
 * free or anywhere else there is room.  It takes its own reference on t's file and calls its
 * object's open.  *out gets the address.  0 or -errno (-ENOMEM: no room, or past RLIMIT_AS or
 * RLIMIT_DATA).
 */
static int map_area(struct aspace *as, uintptr_t addr, size_t len, const struct vma *t, bool fixed,
		    bool noreplace, uintptr_t *out)
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
		else if (noreplace && !range_free(as, addr, addr + len))
			rc = -EINVAL;
		else if (!may_expand(as, len / PAGE_SIZE - overlap_pages(as, addr, addr + len),
				     is_data(t->prot, t->flags)))
			rc = -ENOMEM;
		else
			rc = vma_remove(as, addr, addr + len);
	} else if (!may_expand(as, len / PAGE_SIZE, is_data(t->prot, t->flags))) {
		rc = -ENOMEM;
	} else {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || !user_range_valid(addr, len) || !range_free(as, addr, addr + len))
			addr = find_gap(as, len);
		if (!addr)
			rc = -ENOMEM;
	}
	if (!rc) {
		*n = *t;
		n->start = addr;
		n->end = addr + len;
		n->next = NULL;
		if (n->file)
			file_get(n->file);
		vma_insert(as, n);
		if (n->obj)
			n->obj->ops->open(n->obj);
		*out = addr;
	} else {
		kfree(n);
	}
	aspace_unlock(as);
	return rc;
}

int aspace_map_file(struct aspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
		    bool fixed, struct file *f, uint64_t pgoff, uintptr_t *out)
{
	const struct vma t = {.prot = prot, .flags = flags, .file = f, .pgoff = pgoff};

	return map_area(as, addr, len, &t, fixed, false, out);
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
	aspace_unlock(as);
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
	uint64_t newdata = 0;

	end = addr + len;
	mutex_lock(&as->lock);
	/* Linux: the whole range must be mapped; areas that become data must fit RLIMIT_DATA. */
	for (uintptr_t va = addr; va < end;) {
		struct vma *v = vma_find(as, va);

		if (!v) {
			mutex_unlock(&as->lock);
			return -ENOMEM;
		}
		if (is_data(prot, v->flags) && !is_data(v->prot, v->flags))
			newdata += (MIN(end, v->end) - va) / PAGE_SIZE;
		if (v->obj && (prot & ~v->maxprot)) {
			mutex_unlock(&as->lock);
			return -EACCES; /* e.g. writable, of a segment attached SHM_RDONLY */
		}
		va = v->end;
	}
	if (newdata && as->data_pages * PAGE_SIZE + newdata * PAGE_SIZE > as->limit_data) {
		mutex_unlock(&as->lock);
		return -ENOMEM;
	}
	rc = vma_split(as, addr);
	if (!rc)
		rc = vma_split(as, end);
	for (struct vma *v = as->vmas; !rc && v; v = v->next) {
		if (v->start < addr || v->end > end)
			continue;
		uintptr_t va = v->start, last;
		uint64_t *e;

		account_sub(as, v);
		v->prot = prot;
		account_add(as, v);
		while ((e = pte_run(as, &va, v->end, &last)))
			for (; va < last; va += PAGE_SIZE, e++)
				if (*e & PTE_P)
					*e = (*e & PTE_ADDR) | page_flags(v, *e & PTE_ADDR);
	}
	flush(as, addr, len / PAGE_SIZE);
	aspace_unlock(as);
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

		if (!may_expand(as, (new_end - old_end) / PAGE_SIZE, true) ||
		    !range_free(as, old_end, new_end) || !(n = kzalloc(sizeof(*n))))
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
	aspace_unlock(as);
	return ret;
}

/* Make sure va (in area v) has a page: a demand-zero one, or the object's (the lock is held).
 * Returns its entry, or NULL when out of memory (or past the object's end). */
static uint64_t *page_in(struct aspace *as, const struct vma *v, uintptr_t va)
{
	uint64_t *e = vm_user_pte(as->pml4, va, true), pa;

	if (!e)
		return NULL;
	if (!(*e & PTE_P)) {
		if (v->obj) {
			if (v->obj->ops->getpage(v->obj, v->pgoff + (va - v->start) / PAGE_SIZE,
						 &pa))
				return NULL;
			frame_ref(pa);
		} else {
			pa = frame_alloc_zeroed();
			if (!pa)
				return NULL;
		}
		*e = pa | user_pte_flags(v->prot);
		if (++as->pages > as->peak_pages)
			as->peak_pages = as->pages;
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

bool aspace_mapped(struct aspace *as, uintptr_t addr)
{
	bool found;

	mutex_lock(&as->lock);
	found = vma_find(as, addr) != NULL;
	mutex_unlock(&as->lock);
	return found;
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
	rc = page_in(as, v, va) ? 0 : -ENOMEM;
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
		e = page_in(as, v, va);
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
			if (++as->pages > as->peak_pages)
				as->peak_pages = as->pages;
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

	if ((v->flags & VMA_SHARED) && !v->obj) /* an object keeps its pages itself */
		for (uintptr_t p = v->start; p < v->end; p += PAGE_SIZE)
			if (!page_in(as, v, p))
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
	c->limit_as = as->limit_as;
	c->limit_data = as->limit_data;
	tail = &c->vmas;
	for (struct vma *v = as->vmas; v && !rc; v = v->next) {
		struct vma *n;

		if (v->flags & VMA_DONTFORK)
			continue;
		n = kmalloc(sizeof(*n));
		if (!n) {
			rc = -ENOMEM;
			break;
		}
		*n = *v;
		n->next = NULL;
		if (n->file)
			file_get(n->file);
		*tail = n;
		tail = &n->next;
		account_add(c, n);
		if (n->obj)
			n->obj->ops->open(n->obj); /* the child's attach */
		if (!(v->flags & VMA_WIPEONFORK))
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

/* --- madvise --- */

enum {
	MADV_NORMAL = 0,
	MADV_RANDOM = 1,
	MADV_SEQUENTIAL = 2,
	MADV_WILLNEED = 3,
	MADV_DONTNEED = 4,
	MADV_FREE = 8,
	MADV_REMOVE = 9,
	MADV_DONTFORK = 10,
	MADV_DOFORK = 11,
	MADV_MERGEABLE = 12,
	MADV_UNMERGEABLE = 13,
	MADV_HUGEPAGE = 14,
	MADV_NOHUGEPAGE = 15,
	MADV_DONTDUMP = 16,
	MADV_DODUMP = 17,
	MADV_WIPEONFORK = 18,
	MADV_KEEPONFORK = 19,
	MADV_COLD = 20,
	MADV_PAGEOUT = 21,
	MADV_POPULATE_READ = 22,
	MADV_POPULATE_WRITE = 23,
	MADV_COLLAPSE = 25,
	MADV_HWPOISON = 100,
	MADV_SOFT_OFFLINE = 101,
};

/* Advice that only steers Linux's paging (read-ahead, huge pages, KSM, core dumps, reclaim):
 * nothing here pages or dumps, so it is accepted and has no effect, as on a Linux machine
 * without swap. */
static bool advice_is_hint(int advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_COLLAPSE:
		return true;
	default:
		return false;
	}
}

static bool advice_known(int advice)
{
	return advice_is_hint(advice) || advice == MADV_DONTNEED || advice == MADV_FREE ||
	       advice == MADV_REMOVE || advice == MADV_DONTFORK || advice == MADV_DOFORK ||
	       advice == MADV_WIPEONFORK || advice == MADV_KEEPONFORK ||
	       advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE ||
	       advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE;
}

/* A file range whose pages go back into the area after MADV_DONTNEED dropped them. */
struct remap {
	struct file *f;
	uint64_t pgoff;
	uintptr_t va;
	size_t n;
	bool shared;
};

/* One area's part [s, e) of the range (the lock is held).  0 or -errno. */
static int advise_area(struct aspace *as, struct vma *v, uintptr_t s, uintptr_t e, int advice,
		       struct remap *rm)
{
	bool anon_private = !v->file && !(v->flags & VMA_SHARED);

	switch (advice) {
	case MADV_FREE:
		if (!anon_private)
			return -EINVAL;
		/* Freeing at once is one of the outcomes MADV_FREE allows. */
		/* fall through */
	case MADV_DONTNEED:
		/* Shared anonymous pages have no other home: they stay (what a new fault would
		 * find anyway).  A file's pages are put back after the lock is dropped. */
		if (!v->file && (v->flags & VMA_SHARED))
			return 0;
		zap(as, s, e, true);
		if (v->file) {
			*rm = (struct remap){file_get(v->file),
					     v->pgoff + (s - v->start) / PAGE_SIZE, s,
					     (e - s) / PAGE_SIZE, v->flags & VMA_SHARED};
		}
		return 0;
	case MADV_REMOVE:
		/* Linux punches a hole in the backing store: the pages read as zeros. */
		if (!(v->flags & VMA_SHARED))
			return -EINVAL;
		if (!(v->prot & PROT_WRITE))
			return -EACCES;
		for (uintptr_t va = s; va < e; va += PAGE_SIZE) {
			uint64_t *pte = vm_user_pte(as->pml4, va, false);

			if (pte && (*pte & PTE_P))
				memset(phys_to_virt(*pte & PTE_ADDR), 0, PAGE_SIZE);
		}
		return 0;
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		if (!anon_private)
			return -EINVAL;
		/* fall through */
	case MADV_DONTFORK:
	case MADV_DOFORK: {
		unsigned bit = advice == MADV_DONTFORK || advice == MADV_DOFORK ? VMA_DONTFORK
										: VMA_WIPEONFORK;
		int rc = vma_split(as, s);

		if (!rc)
			rc = vma_split(as, e);
		if (rc)
			return rc;
		v = vma_find(as, s);
		if (advice == MADV_DONTFORK || advice == MADV_WIPEONFORK)
			v->flags |= bit;
		else
			v->flags &= ~bit;
		return 0;
	}
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE: {
		bool write = advice == MADV_POPULATE_WRITE;

		if (!(v->prot & (write ? PROT_WRITE : PROT_READ)))
			return -EFAULT;
		for (uintptr_t va = s; va < e; va += PAGE_SIZE) {
			uint64_t *pte = page_in(as, v, va);

			if (!pte)
				return -ENOMEM;
			if (write && !(*pte & PTE_W) && unshare(as, v, va, pte))
				return -ENOMEM;
		}
		return 0;
	}
	default:
		return 0; /* a hint */
	}
}

int aspace_advise(struct aspace *as, uintptr_t addr, size_t len, int advice)
{
	struct remap *rm = NULL;
	size_t nrm = 0, cap = 0;
	uintptr_t end, va;
	int rc = 0, hole = 0;

	if (!advice_known(advice) || !IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
		return -EPERM; /* memory-failure testing: not offered to userworlds */
	if (len > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	end = addr + len;
	if (end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	mutex_lock(&as->lock);
	for (va = addr; va < end && !rc;) {
		struct vma *v = as->vmas;
		uintptr_t s, e;

		while (v && v->end <= va)
			v = v->next;
		if (!v || v->start >= end) {
			hole = -ENOMEM;
			break;
		}
		if (v->start > va)
			hole = -ENOMEM; /* Linux: the rest is advised, the call says ENOMEM */
		s = MAX(va, v->start);
		e = MIN(end, v->end);
		va = e;
		if (advice_is_hint(advice))
			continue;
		if (nrm == cap) {
			struct remap *bigger = kmalloc((cap * 2 + 4) * sizeof(*rm));

			if (!bigger) {
				rc = -ENOMEM;
				break;
			}
			if (nrm)
				memcpy(bigger, rm, nrm * sizeof(*rm));
			kfree(rm);
			rm = bigger;
			cap = cap * 2 + 4;
		}
		rm[nrm].f = NULL;
		rc = advise_area(as, v, s, e, advice, &rm[nrm]);
		if (rm[nrm].f)
			nrm++;
	}
	aspace_unlock(as);
	/* A file's pages again where MADV_DONTNEED dropped them (VFS lock, then as->lock).  Should
	 * another thread remap that range meanwhile, it gets the file's pages: its own doing. */
	for (size_t i = 0; i < nrm; i++) {
		struct file *f = rm[i].f;
		uint64_t size = f->vnode ? f->vnode->size : 0;
		uint64_t pages = (ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
		size_t n = rm[i].pgoff < pages ? MIN(rm[i].n, pages - rm[i].pgoff) : 0;

		if (n)
			rootfs_map_pages(f->vnode, rm[i].pgoff, n, rm[i].shared, as, rm[i].va);
		file_put(f);
	}
	kfree(rm);
	return rc ? rc : hole;
}

int aspace_map_object(struct aspace *as, uintptr_t addr, size_t len, unsigned prot,
		      unsigned maxprot, bool fixed, bool noreplace, struct vma_object *obj,
		      uint64_t pgoff, uintptr_t *out)
{
	const struct vma t = {
		.prot = prot, .maxprot = maxprot, .flags = VMA_SHARED, .obj = obj, .pgoff = pgoff};

	return map_area(as, fixed ? addr : 0, len, &t, fixed, noreplace, out);
}

/* Does area v hold the piece of an object of kind ops that an attach at addr put there?
 * (Unsigned: an area below addr never does.) */
static bool attached_at(const struct vma *v, uintptr_t addr, const struct vma_object_ops *ops)
{
	return v->obj && v->obj->ops == ops && (v->start - addr) / PAGE_SIZE == v->pgoff;
}

/* The first area that starts at or above addr (the lock is held). */
static struct vma *vma_from(struct aspace *as, uintptr_t addr)
{
	struct vma *v = as->vmas;

	while (v && v->start < addr)
		v = v->next;
	return v;
}

int aspace_unmap_object(struct aspace *as, uintptr_t addr, const struct vma_object_ops *ops)
{
	struct vma_object *obj = NULL;
	uintptr_t next = 0;
	uint64_t size = 0;
	struct vma *v;

	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	mutex_lock(&as->lock);
	for (v = as->vmas; v; v = v->next) {
		if (v->end > addr && attached_at(v, addr, ops)) {
			obj = v->obj;
			size = ALIGN_UP(obj->size, PAGE_SIZE); /* read before close may free it */
			next = v->end;
			vma_remove(as, v->start, v->end); /* a whole area: cannot fail */
			break;
		}
	}
	/* The later pieces of that attach (an munmap or mprotect cut it), up to its size. */
	while (obj && (v = vma_from(as, next)) && v->end - addr <= size) {
		next = v->end;
		if (v->obj == obj && attached_at(v, addr, ops))
			vma_remove(as, v->start, v->end);
	}
	aspace_unlock(as);
	return obj ? 0 : -EINVAL;
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
		e = page_in(as, v, va);
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
