/* Kernel heap: page-sized slabs per size class, large blocks from a page provider, poisoning. */
#ifndef VMK_HEAP_H
#define VMK_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Overview. Requests up to HEAP_MAX_CLASS_SIZE bytes are rounded up to one of HEAP_NCLASSES
 * size classes and served from slabs: one HEAP_PAGE_SIZE page that starts with a header
 * (magic, owner, class, free count, free list, list links, and one 16-bit word per object
 * that holds the requested size of a live object, 0 for a free one). Larger requests take
 * whole pages from ops->alloc_pages, with a header at the start of the first page. heap_free
 * finds either header by rounding the pointer down to its page.
 *
 * The class sizes are chosen so that each slab page is filled with little waste: 16, 32, 48,
 * 64, 96, 128, 192, 256, 320, 400, 496, 656, 800, 1008, 1344, 2016. A request of 2017 bytes
 * or more costs whole pages (one page up to HEAP_PAGE_SIZE less the large header).
 *
 * Every allocation is 16-byte aligned. No locking is done here: the caller serialises all
 * calls on one struct heap (the kernel wraps them in a spinlock). No function sleeps; the only
 * calls out are to the ops below.
 */

#define HEAP_PAGE_SIZE	    4096
#define HEAP_NCLASSES	    16
#define HEAP_MAX_CLASS_SIZE 2016 /* largest size class; larger requests take whole pages */
#define HEAP_POISON_FREE    0x6b /* fill of a free object (poison on), all but its link */
#define HEAP_POISON_ALLOC   0xa5 /* fill of a newly handed-out object (poison on) */

struct heap_ops {
	/* npages contiguous pages, HEAP_PAGE_SIZE-aligned, or NULL when none are left. */
	void *(*alloc_pages)(size_t npages, void *ctx);
	/* Give back exactly what one alloc_pages call returned (same npages). */
	void (*free_pages)(void *p, size_t npages, void *ctx);
	/*
	 * Called once per detected corruption (bad or double free, poison damaged, header
	 * smashed) with the offending pointer and a short description. May return (tests do):
	 * the heap then carries on without touching the damaged object again.
	 */
	void (*corrupt)(void *p, const char *what, void *ctx);
	void *ctx;
};

struct heap_stats {
	uint64_t bytes_requested; /* sum of requested sizes of live allocations */
	uint64_t bytes_in_use;	  /* sum of class sizes (slab) and page sizes (large) live */
	uint64_t objects_in_use;  /* live allocations, slab and large */
	uint64_t slab_pages;	  /* pages held as slabs, cached empty ones included */
	uint64_t large_pages;	  /* pages held by live large allocations */
	uint64_t allocs;	  /* successful allocations */
	uint64_t frees;		  /* successful frees */
	uint64_t failures;	  /* allocations that returned NULL for lack of memory */
	uint64_t corruptions;	  /* ops->corrupt calls */
	uint64_t class_in_use[HEAP_NCLASSES]; /* live objects per size class */
};

struct heap_slab;

/* Per size class slab lists; a slab is on exactly one of them. */
struct heap_class {
	struct heap_slab *partial; /* some objects free, some live */
	struct heap_slab *full;	   /* no free object */
	struct heap_slab *empty;   /* at most one cached slab with every object free */
	uint16_t size;		   /* object size */
	uint16_t nobjs;		   /* objects per slab */
	uint16_t objoff;	   /* offset of the first object in the slab page */
};

/* One heap; all fields are private to heap.c and set up by heap_init. */
struct heap {
	struct heap_ops ops; /* copy of the caller's ops */
	bool poison;
	struct heap_class cls[HEAP_NCLASSES];
	struct heap_stats stats;
};

/*
 * Set up an empty heap that takes its pages from ops (copied; ops itself need not stay
 * alive). poison turns on the free/alloc fills and the write-after-free check. Takes no page.
 */
void heap_init(struct heap *h, const struct heap_ops *ops, bool poison);

/*
 * Allocate size bytes, 16-byte aligned. Returns NULL for size 0 (not counted as a failure)
 * and when the page provider has nothing left (stats.failures++). With poison on the object
 * is filled with HEAP_POISON_ALLOC; a free object found with its poison damaged is reported
 * to ops->corrupt, never handed out again, and another object is used.
 */
void *heap_alloc(struct heap *h, size_t size);

/* heap_alloc, then the whole usable size (heap_size_of) is zeroed. */
void *heap_zalloc(struct heap *h, size_t size);

/*
 * Free an allocation of h. NULL is a no-op. A pointer that is not a live allocation of h
 * (double free, pointer inside an object or into a slab header, another heap's object,
 * smashed slab header) is reported to ops->corrupt, counted in stats.corruptions, and left
 * alone: nothing goes back on a free list. A double free of a large allocation is caught
 * only while its pages have not been reused by the page provider.
 */
void heap_free(struct heap *h, void *p);

/*
 * Usable size of the live allocation p (at least the size asked for). Returns 0 for NULL;
 * a pointer that is not a live allocation of h is reported like in heap_free, and gives 0.
 */
size_t heap_size_of(struct heap *h, const void *p);

/* Copy the counters into *out. */
void heap_get_stats(const struct heap *h, struct heap_stats *out);

/* Give the cached empty slab pages back to ops->free_pages. Returns the number of pages freed. */
unsigned heap_trim(struct heap *h);

#endif
