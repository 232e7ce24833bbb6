/*
 * The physical frame allocator: frame_pool (pure bitmap logic, mm/frame_pool.c) behind a
 * spinlock, built from the multiboot2 memory map.  Until vm_init() has mapped all RAM only
 * the first 4 GiB are reachable (the boot page tables), so allocations stay below that.
 */
#define LOG_TAG "frame"
#include <vmk/mm.h>
#include <vmk/bootinfo.h>
#include <vmk/frame_pool.h>
#include <vmk/spinlock.h>
#include <vmk/panic.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <string.h>

extern char __boot_start[], __kernel_end[];

static struct frame_pool pool;
static struct spinlock frame_lock = SPINLOCK_INIT;
static uint32_t *owners; /* per frame: owners beyond the first (0: one owner, or free) */
static uint64_t frame_reach = 4ull << 30; /* highest address mapped so far */

struct range {
	uint64_t start, end;
};

static bool overlaps(uint64_t s, uint64_t e, const struct range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s < r[i].end && r[i].start < e)
			return true;
	return false;
}

void frame_init(struct boot_info *bi, uint64_t mbi_phys)
{
	struct range busy[BOOT_MODS_MAX + 3];
	unsigned nbusy = 0;
	uint64_t end = memmap_usable_end(bi->mmap, bi->nmmap), nframes, maplen, need, store = 0;

	if (!end)
		panic("the memory map has no usable RAM");
	busy[nbusy++] = (struct range){0, PAGE_SIZE};
	busy[nbusy++] = (struct range){(uint64_t)__boot_start,
				       ALIGN_UP(virt_to_phys(__kernel_end), PAGE_SIZE)};
	busy[nbusy++] = (struct range){ALIGN_DOWN(mbi_phys, PAGE_SIZE),
				       ALIGN_UP(mbi_phys + bi->mbi_size, PAGE_SIZE)};
	for (unsigned i = 0; i < bi->nmods; i++)
		busy[nbusy++] = (struct range){ALIGN_DOWN(bi->mods[i].start, PAGE_SIZE),
					       ALIGN_UP(bi->mods[i].end, PAGE_SIZE)};

	nframes = end / PAGE_SIZE;
	maplen = ALIGN_UP(frame_pool_map_bytes(nframes), 8);
	need = 2 * maplen + nframes * sizeof(*owners);
	/* The two bitmaps and the owner counts go in the first usable, still-free place below
	 * 4 GiB. */
	for (unsigned i = 0; i < bi->nmmap && !store; i++) {
		const struct mem_region *r = &bi->mmap[i];

		if (r->type != MEM_USABLE)
			continue;
		/* Low memory (below 1 MiB) stays for the AP trampoline and the like. */
		for (uint64_t s = MAX(r->base, 1ull << 20); s + need <= r->base + r->len;
		     s += PAGE_SIZE) {
			uint64_t e = ALIGN_UP(s + need, PAGE_SIZE);

			if (e > frame_reach)
				break;
			if (!overlaps(s, e, busy, nbusy)) {
				store = s;
				break;
			}
		}
	}
	if (!store)
		panic("no room for the frame bitmaps and counts (%lu bytes)", need);
	busy[nbusy++] = (struct range){store, ALIGN_UP(store + need, PAGE_SIZE)};
	owners = phys_to_virt(store + 2 * maplen);
	memset(owners, 0, nframes * sizeof(*owners));

	frame_pool_init(&pool, 0, nframes, phys_to_virt(store), phys_to_virt(store + maplen));
	for (unsigned i = 0; i < bi->nmmap; i++)
		if (bi->mmap[i].type == MEM_USABLE)
			frame_pool_add(&pool, bi->mmap[i].base / PAGE_SIZE,
				       bi->mmap[i].len / PAGE_SIZE);
	for (unsigned i = 0; i < nbusy; i++)
		frame_pool_reserve(&pool, busy[i].start / PAGE_SIZE,
				   (busy[i].end - busy[i].start) / PAGE_SIZE);
	log_info("%lu MiB usable, %lu KiB reserved at boot, %lu MiB free", pool.usable >> 8,
		 pool.reserved * 4, pool.free >> 8);
}

/* vm_init() calls this once RAM is mapped above 4 GiB too. */
void frame_set_reach(uint64_t limit)
{
	frame_reach = limit;
}

int frame_alloc(size_t n, size_t align, uint64_t limit, uint64_t *pa)
{
	uint64_t pfn, f;
	int rc;

	if (!limit || limit > frame_reach)
		limit = frame_reach;
	f = spin_lock_irqsave(&frame_lock);
	rc = frame_pool_alloc(&pool, n, align ? align : 1, limit / PAGE_SIZE, &pfn);
	spin_unlock_irqrestore(&frame_lock, f);
	if (rc)
		return rc;
	*pa = pfn * PAGE_SIZE;
	return 0;
}

uint64_t frame_alloc_zeroed(void)
{
	uint64_t pa;

	if (frame_alloc(1, 1, 0, &pa))
		return 0;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void frame_free(uint64_t pa, size_t n)
{
	uint64_t f;
	int rc;

	for (size_t i = 0; i < n && pa / PAGE_SIZE + i < pool.nframes; i++)
		if (__atomic_load_n(&owners[pa / PAGE_SIZE + i], __ATOMIC_RELAXED))
			panic("frame_free(%#lx, %zu): frame %#lx still has other owners", pa, n,
			      pa + i * PAGE_SIZE);
	f = spin_lock_irqsave(&frame_lock);
	rc = frame_pool_free(&pool, pa / PAGE_SIZE, n);
	spin_unlock_irqrestore(&frame_lock, f);
	if (rc || !IS_ALIGNED(pa, PAGE_SIZE))
		panic("bad frame_free(%#lx, %zu)", pa, n);
}

void frame_ref(uint64_t pa)
{
	__atomic_add_fetch(&owners[pa / PAGE_SIZE], 1, __ATOMIC_RELAXED);
}

void frame_unref(uint64_t pa)
{
	uint32_t *c = &owners[pa / PAGE_SIZE];

	/* Seeing 0 means we are the only owner left: nobody else can touch the count.  A
	 * decrement from 0 means another owner dropped out meanwhile and left us the last. */
	if (__atomic_load_n(c, __ATOMIC_ACQUIRE) == 0 ||
	    __atomic_fetch_sub(c, 1, __ATOMIC_ACQ_REL) == 0) {
		__atomic_store_n(c, 0, __ATOMIC_RELAXED);
		frame_free(pa, 1);
	}
}

bool frame_shared(uint64_t pa)
{
	return __atomic_load_n(&owners[pa / PAGE_SIZE], __ATOMIC_ACQUIRE) != 0;
}

void frame_get_stats(struct frame_stats *st)
{
	uint64_t f = spin_lock_irqsave(&frame_lock);

	st->usable = pool.usable;
	st->free = pool.free;
	st->reserved = pool.reserved;
	st->allocated = frame_pool_allocated(&pool);
	spin_unlock_irqrestore(&frame_lock, f);
}
