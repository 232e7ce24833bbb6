/* kmalloc/kfree: the slab heap (mm/heap.c) fed with frames, behind one spinlock. */
#define LOG_TAG "kmem"
#include <vmk/mm.h>
#include <vmk/heap.h>
#include <vmk/spinlock.h>
#include <vmk/panic.h>

static struct heap kheap;
static struct spinlock kmem_lock = SPINLOCK_INIT;

static void *kmem_pages(size_t n, void *ctx)
{
	uint64_t pa;

	(void)ctx;
	return frame_alloc(n, 1, 0, &pa) ? NULL : phys_to_virt(pa);
}

static void kmem_free_pages(void *p, size_t n, void *ctx)
{
	(void)ctx;
	frame_free(virt_to_phys(p), n);
}

static void kmem_corrupt(void *p, const char *what, void *ctx)
{
	(void)ctx;
	panic("kernel heap corruption at %p: %s", p, what);
}

static const struct heap_ops kmem_ops = {
	.alloc_pages = kmem_pages,
	.free_pages = kmem_free_pages,
	.corrupt = kmem_corrupt,
};

void kmem_init(bool poison)
{
	heap_init(&kheap, &kmem_ops, poison);
}

void *kmalloc(size_t size)
{
	uint64_t f = spin_lock_irqsave(&kmem_lock);
	void *p = heap_alloc(&kheap, size);

	spin_unlock_irqrestore(&kmem_lock, f);
	return p;
}

void *kzalloc(size_t size)
{
	uint64_t f = spin_lock_irqsave(&kmem_lock);
	void *p = heap_zalloc(&kheap, size);

	spin_unlock_irqrestore(&kmem_lock, f);
	return p;
}

void kfree(void *p)
{
	uint64_t f = spin_lock_irqsave(&kmem_lock);

	heap_free(&kheap, p);
	spin_unlock_irqrestore(&kmem_lock, f);
}

void kmem_get_stats(struct heap_stats *st)
{
	uint64_t f = spin_lock_irqsave(&kmem_lock);

	heap_get_stats(&kheap, st);
	spin_unlock_irqrestore(&kmem_lock, f);
}

unsigned kmem_trim(void)
{
	uint64_t f = spin_lock_irqsave(&kmem_lock);
	unsigned n = heap_trim(&kheap);

	spin_unlock_irqrestore(&kmem_lock, f);
	return n;
}
