/* Kernel stacks: KSTACK_PAGES pages each, with an unmapped guard page below, in their own area. */
#define LOG_TAG "kstack"
#include <vmk/mm.h>
#include <vmk/spinlock.h>
#include <vmk/log.h>

#define SLOT_SIZE ((KSTACK_PAGES + 1) * PAGE_SIZE)

static struct spinlock kstack_lock = SPINLOCK_INIT;
static uintptr_t kstack_next = KSTACK_BASE;

uintptr_t kstack_alloc(void)
{
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	uintptr_t slot = kstack_next;

	if (slot + SLOT_SIZE > KSTACK_BASE + KSTACK_SIZE_MAX)
		slot = 0;
	else
		kstack_next += SLOT_SIZE;
	spin_unlock_irqrestore(&kstack_lock, f);
	if (!slot)
		return 0;

	/* The slot's first page stays unmapped: the guard. */
	for (unsigned i = 1; i <= KSTACK_PAGES; i++) {
		uint64_t pa = frame_alloc_zeroed();

		if (!pa || vm_map_page(slot + i * PAGE_SIZE, pa, VM_WRITE)) {
			log_err("out of memory for a kernel stack");
			while (--i >= 1)
				frame_free(vm_unmap_page(slot + i * PAGE_SIZE), 1);
			if (pa)
				frame_free(pa, 1);
			return 0;
		}
	}
	return slot + SLOT_SIZE;
}

bool kstack_is_guard(uintptr_t va)
{
	return va >= KSTACK_BASE && va < kstack_next && (va - KSTACK_BASE) % SLOT_SIZE < PAGE_SIZE;
}
