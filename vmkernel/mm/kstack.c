/*
 * Kernel stacks: KSTACK_PAGES pages each, with an unmapped guard page below, in their own
 * address range.  The last few freed stacks stay mapped for the next worlds (creating and
 * ending processes is frequent, and unmapping costs a TLB shootdown per page); beyond that a
 * freed stack returns its frames and its address slot goes on a free list.
 */
#define LOG_TAG "kstack"
#include <vmk/mm.h>
#include <vmk/spinlock.h>
#include <vmk/log.h>

#define SLOT_SIZE ((KSTACK_PAGES + 1) * PAGE_SIZE)

static struct spinlock kstack_lock = SPINLOCK_INIT;
static uintptr_t kstack_next = KSTACK_BASE;
static uintptr_t free_slots[256];
static unsigned nfree;
static uintptr_t cached[16]; /* tops of mapped stacks ready for reuse */
static unsigned ncached;

static void unmap_pages(uintptr_t slot, unsigned upto)
{
	for (unsigned i = 1; i <= upto; i++) {
		uint64_t pa = vm_unmap_page(slot + i * PAGE_SIZE);

		if (pa)
			frame_free(pa, 1);
	}
}

/* The address range of an unmapped stack, for reuse. */
static void slot_release(uintptr_t slot)
{
	uint64_t f = spin_lock_irqsave(&kstack_lock);

	if (nfree < sizeof(free_slots) / sizeof(free_slots[0]))
		free_slots[nfree++] = slot; /* else the address range is simply not reused */
	spin_unlock_irqrestore(&kstack_lock, f);
}

uintptr_t kstack_alloc(void)
{
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	uintptr_t slot = 0;

	if (ncached) {
		uintptr_t top = cached[--ncached];

		spin_unlock_irqrestore(&kstack_lock, f);
		return top;
	}
	if (nfree)
		slot = free_slots[--nfree];
	else if (kstack_next + SLOT_SIZE <= KSTACK_BASE + KSTACK_SIZE_MAX)
		slot = kstack_next, kstack_next += SLOT_SIZE;
	spin_unlock_irqrestore(&kstack_lock, f);
	if (!slot)
		return 0;

	/* The slot's first page stays unmapped: the guard. */
	for (unsigned i = 1; i <= KSTACK_PAGES; i++) {
		uint64_t pa = frame_alloc_zeroed();

		if (!pa || vm_map_page(slot + i * PAGE_SIZE, pa, VM_WRITE)) {
			log_err("out of memory for a kernel stack");
			if (pa)
				frame_free(pa, 1);
			unmap_pages(slot, i - 1);
			slot_release(slot);
			return 0;
		}
	}
	return slot + SLOT_SIZE;
}

void kstack_free(uintptr_t top)
{
	uintptr_t slot = top - SLOT_SIZE;
	uint64_t f;

	if (!top)
		return;
	f = spin_lock_irqsave(&kstack_lock);
	if (ncached < sizeof(cached) / sizeof(cached[0])) {
		cached[ncached++] = top;
		spin_unlock_irqrestore(&kstack_lock, f);
		return;
	}
	spin_unlock_irqrestore(&kstack_lock, f);
	unmap_pages(slot, KSTACK_PAGES);
	slot_release(slot);
}

bool kstack_is_guard(uintptr_t va)
{
	return va >= KSTACK_BASE && va < kstack_next && (va - KSTACK_BASE) % SLOT_SIZE < PAGE_SIZE;
}
