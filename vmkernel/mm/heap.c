/* Kernel heap: page-sized slabs per size class, large page blocks, poisoning, corruption checks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmk/compiler.h>
#include <vmk/heap.h>

/*
 * Slab page layout:
 *
 *   struct heap_slab | req[nobjs] | pad to 16 | object 0 | object 1 | ... | object nobjs-1
 *
 * req[i] is the size object i was asked for while it is live, HEAP_REQ_FREE while it is free
 * and HEAP_REQ_QUARANTINE once its poison or link was found damaged (it is then never used
 * again, so a slab holding one is never released). A free object holds the free-list link in
 * its first 8 bytes and, with poison on, HEAP_POISON_FREE in the rest.
 *
 * Large block layout: struct heap_large at the start of the first page, the caller's memory
 * right after it (padded to 16), up to the end of the last page.
 *
 * Nothing read from a header is trusted until its magic, its check word (magic ^ address,
 * which catches a header copied or shifted elsewhere) and its owner match.
 */

#define HEAP_SLAB_MAGIC	    0x42414c534c45454bULL /* "KEELSLAB" */
#define HEAP_LARGE_MAGIC    0x4752414c4c45454bULL /* "KEELLARG" */
#define HEAP_LARGE_FREED    0x4445455246454c4bULL /* "KLEFREED": large block given back */
#define HEAP_REQ_FREE	    0
#define HEAP_REQ_QUARANTINE 0xffff
#define HEAP_POISON_WORD    0x6b6b6b6b6b6b6b6bULL

enum heap_list {
	HEAP_LIST_NONE,
	HEAP_LIST_PARTIAL,
	HEAP_LIST_FULL,
	HEAP_LIST_EMPTY,
};

struct heap_slab {
	uint64_t magic;
	uint64_t check;
	struct heap *owner;
	struct heap_slab *prev;
	struct heap_slab *next;
	void *free_list; /* first free object, NULL when none */
	uint16_t cls;
	uint16_t nfree;
	uint16_t where; /* enum heap_list */
	uint16_t pad;
	uint16_t req[]; /* per object: requested size, HEAP_REQ_FREE or HEAP_REQ_QUARANTINE */
};

struct heap_large {
	uint64_t magic;
	uint64_t check;
	struct heap *owner;
	uint64_t npages;
	uint64_t size; /* requested size */
};

#define HEAP_LARGE_HDR ALIGN_UP(sizeof(struct heap_large), (size_t)16)

static const uint16_t heap_class_size[HEAP_NCLASSES] = {
	16, 32, 48, 64, 96, 128, 192, 256, 320, 400, 496, 656, 800, 1008, 1344, 2016,
};

_Static_assert(HEAP_MAX_CLASS_SIZE == 2016, "HEAP_MAX_CLASS_SIZE must match the class table");
_Static_assert(HEAP_MAX_CLASS_SIZE < HEAP_REQ_QUARANTINE, "req[] must tell sizes from markers");
_Static_assert(sizeof(struct heap_slab) % 8 == 0, "req[] follows the header");

/* Count and report one detected corruption. */
static void heap_report(struct heap *h, const void *p, const char *what)
{
	h->stats.corruptions++;
	if (h->ops.corrupt)
		h->ops.corrupt((void *)(uintptr_t)p, what, h->ops.ctx);
}

static struct heap_slab *heap_slab_of(const void *p)
{
	return (struct heap_slab *)ALIGN_DOWN((uintptr_t)p, (uintptr_t)HEAP_PAGE_SIZE);
}

static char *slab_obj(const struct heap_class *c, struct heap_slab *s, size_t i)
{
	return (char *)s + c->objoff + i * c->size;
}

/* Index of the object that starts at p, or -1 when p is not an object start of s. */
static long slab_obj_index(const struct heap_class *c, const struct heap_slab *s, const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)s;

	if ((uintptr_t)p < (uintptr_t)s || off < c->objoff)
		return -1;
	off -= c->objoff;
	if (off % c->size || off / c->size >= c->nobjs)
		return -1;
	return (long)(off / c->size);
}

static bool slab_header_ok(const struct heap *h, const struct heap_slab *s)
{
	return s->magic == HEAP_SLAB_MAGIC && s->check == (HEAP_SLAB_MAGIC ^ (uintptr_t)s) &&
	       s->owner == h && s->cls < HEAP_NCLASSES && s->nfree <= h->cls[s->cls].nobjs &&
	       s->where >= HEAP_LIST_PARTIAL && s->where <= HEAP_LIST_EMPTY;
}

static void slab_unlink(struct heap_class *c, struct heap_slab *s)
{
	struct heap_slab **head = s->where == HEAP_LIST_FULL ? &c->full : &c->partial;

	if (s->where == HEAP_LIST_EMPTY) {
		c->empty = NULL;
	} else if (s->where != HEAP_LIST_NONE) {
		if (s->prev)
			s->prev->next = s->next;
		else
			*head = s->next;
		if (s->next)
			s->next->prev = s->prev;
	}
	s->prev = NULL;
	s->next = NULL;
	s->where = HEAP_LIST_NONE;
}

static void slab_link(struct heap_class *c, struct heap_slab *s, enum heap_list where)
{
	struct heap_slab **head = where == HEAP_LIST_FULL ? &c->full : &c->partial;

	s->where = where;
	s->prev = NULL;
	s->next = NULL;
	if (where == HEAP_LIST_EMPTY) {
		c->empty = s;
		return;
	}
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

/* Rebuild the free list and free count of s from req[] (after damage was found). */
static void slab_rebuild(const struct heap_class *c, struct heap_slab *s)
{
	void *list = NULL;
	uint16_t nfree = 0;

	for (size_t i = c->nobjs; i-- > 0;) {
		if (s->req[i] != HEAP_REQ_FREE)
			continue;
		*(void **)slab_obj(c, s, i) = list;
		list = slab_obj(c, s, i);
		nfree++;
	}
	s->free_list = list;
	s->nfree = nfree;
}

static bool slab_poison_intact(const void *obj, size_t size)
{
	const uint64_t *w = obj;

	for (size_t i = 1; i < size / sizeof(*w); i++) {
		if (w[i] != HEAP_POISON_WORD)
			return false;
	}
	return true;
}

/*
 * Take a free object off s, checking the list and (poison on) the object's fill. A damaged
 * object is reported and quarantined, then the list is rebuilt from req[]. Returns the object
 * index, or -1 when s has no usable free object left.
 */
static long slab_pop(struct heap *h, const struct heap_class *c, struct heap_slab *s)
{
	for (;;) {
		void *obj = s->free_list;
		const char *bad = NULL;
		long i;
		void *next;

		if (!obj && !s->nfree)
			return -1;
		if (!obj || !s->nfree) {
			heap_report(h, s, "heap: slab free list and free count disagree");
			slab_rebuild(c, s);
			continue;
		}
		i = slab_obj_index(c, s, obj);
		if (i < 0 || s->req[i] != HEAP_REQ_FREE) {
			heap_report(h, obj, "heap: slab free list head damaged");
			slab_rebuild(c, s);
			continue;
		}
		next = *(void **)obj;
		if (next) {
			long j = slab_obj_index(c, s, next);

			if (j < 0 || s->req[j] != HEAP_REQ_FREE)
				bad = "heap: free object link damaged (write after free)";
		}
		if (!bad && h->poison && !slab_poison_intact(obj, c->size))
			bad = "heap: free object poison damaged (write after free)";
		if (bad) {
			heap_report(h, obj, bad);
			s->req[i] = HEAP_REQ_QUARANTINE;
			slab_rebuild(c, s);
			continue;
		}
		s->free_list = next;
		s->nfree--;
		return i;
	}
}

static struct heap_slab *slab_new(struct heap *h, unsigned ci)
{
	struct heap_class *c = &h->cls[ci];
	struct heap_slab *s = h->ops.alloc_pages(1, h->ops.ctx);

	if (!s)
		return NULL;
	memset(s, 0, c->objoff);
	s->magic = HEAP_SLAB_MAGIC;
	s->check = HEAP_SLAB_MAGIC ^ (uintptr_t)s;
	s->owner = h;
	s->cls = (uint16_t)ci;
	if (h->poison)
		memset(slab_obj(c, s, 0), HEAP_POISON_FREE, (size_t)c->nobjs * c->size);
	slab_rebuild(c, s);
	h->stats.slab_pages++;
	return s;
}

static void slab_release(struct heap *h, struct heap_slab *s)
{
	s->magic = 0;
	s->check = 0;
	h->ops.free_pages(s, 1, h->ops.ctx);
	h->stats.slab_pages--;
}

static void *heap_alloc_small(struct heap *h, unsigned ci, size_t size)
{
	struct heap_class *c = &h->cls[ci];

	for (;;) {
		struct heap_slab *s = c->partial;
		long i;
		char *obj;

		if (s && !slab_header_ok(h, s)) {
			/* Its links cannot be trusted either: the rest of the list is lost. */
			heap_report(h, s, "heap: slab header smashed");
			c->partial = NULL;
			continue;
		}
		if (!s) {
			s = c->empty;
			if (s && !slab_header_ok(h, s)) {
				heap_report(h, s, "heap: slab header smashed");
				c->empty = NULL;
				continue;
			}
			if (s)
				slab_unlink(c, s);
			else
				s = slab_new(h, ci);
			if (!s)
				return NULL;
			slab_link(c, s, HEAP_LIST_PARTIAL);
		}
		i = slab_pop(h, c, s);
		if (!s->nfree) {
			slab_unlink(c, s);
			slab_link(c, s, HEAP_LIST_FULL);
		}
		if (i < 0)
			continue;
		s->req[i] = (uint16_t)size;
		obj = slab_obj(c, s, (size_t)i);
		if (h->poison)
			memset(obj, HEAP_POISON_ALLOC, c->size);
		h->stats.bytes_requested += size;
		h->stats.bytes_in_use += c->size;
		h->stats.objects_in_use++;
		h->stats.class_in_use[ci]++;
		h->stats.allocs++;
		return obj;
	}
}

static void *heap_alloc_large(struct heap *h, size_t size)
{
	struct heap_large *l;
	size_t npages;

	if (size > SIZE_MAX - HEAP_LARGE_HDR - (HEAP_PAGE_SIZE - 1))
		return NULL;
	npages = (size + HEAP_LARGE_HDR + HEAP_PAGE_SIZE - 1) / HEAP_PAGE_SIZE;
	l = h->ops.alloc_pages(npages, h->ops.ctx);
	if (!l)
		return NULL;
	l->magic = HEAP_LARGE_MAGIC;
	l->check = HEAP_LARGE_MAGIC ^ (uintptr_t)l;
	l->owner = h;
	l->npages = npages;
	l->size = size;
	if (h->poison)
		memset((char *)l + HEAP_LARGE_HDR, HEAP_POISON_ALLOC,
		       npages * HEAP_PAGE_SIZE - HEAP_LARGE_HDR);
	h->stats.bytes_requested += size;
	h->stats.bytes_in_use += (uint64_t)npages * HEAP_PAGE_SIZE;
	h->stats.objects_in_use++;
	h->stats.large_pages += npages;
	h->stats.allocs++;
	return (char *)l + HEAP_LARGE_HDR;
}

/*
 * Find the live allocation p. On success returns NULL and sets either *large or *slab and
 * *idx; otherwise returns what is wrong with p.
 */
static const char *heap_resolve(const struct heap *h, const void *p, struct heap_large **large,
				struct heap_slab **slab, long *idx)
{
	struct heap_slab *s = heap_slab_of(p);
	struct heap_large *l = (struct heap_large *)s;
	const struct heap_class *c;
	long i;

	*large = NULL;
	*slab = NULL;
	if (l->magic == HEAP_LARGE_MAGIC || l->magic == HEAP_LARGE_FREED) {
		if (l->check != (HEAP_LARGE_MAGIC ^ (uintptr_t)l) || l->owner != h)
			return "heap: large block header smashed or not this heap's";
		if ((const char *)p != (char *)l + HEAP_LARGE_HDR)
			return "heap: pointer inside a large block";
		if (l->magic == HEAP_LARGE_FREED)
			return "heap: large block already free (double free)";
		*large = l;
		return NULL;
	}
	if (s->magic != HEAP_SLAB_MAGIC)
		return "heap: not a heap pointer, or its slab header is smashed";
	if (!slab_header_ok(h, s))
		return "heap: slab header smashed or not this heap's";
	c = &h->cls[s->cls];
	i = slab_obj_index(c, s, p);
	if (i < 0)
		return "heap: pointer not at the start of an object";
	if (s->req[i] == HEAP_REQ_FREE)
		return "heap: object already free (double free)";
	if (s->req[i] == HEAP_REQ_QUARANTINE || s->req[i] > c->size)
		return "heap: object damaged while free (quarantined)";
	*slab = s;
	*idx = i;
	return NULL;
}

void heap_init(struct heap *h, const struct heap_ops *ops, bool poison)
{
	memset(h, 0, sizeof(*h));
	h->ops = *ops;
	h->poison = poison;
	for (unsigned ci = 0; ci < HEAP_NCLASSES; ci++) {
		struct heap_class *c = &h->cls[ci];
		size_t size = heap_class_size[ci];
		size_t n = (HEAP_PAGE_SIZE - sizeof(struct heap_slab)) / size;
		size_t off;

		for (;; n--) {
			off = ALIGN_UP(sizeof(struct heap_slab) + n * sizeof(uint16_t), (size_t)16);
			if (off + n * size <= HEAP_PAGE_SIZE)
				break;
		}
		c->size = (uint16_t)size;
		c->nobjs = (uint16_t)n;
		c->objoff = (uint16_t)off;
	}
}

void *heap_alloc(struct heap *h, size_t size)
{
	void *p;

	if (!size)
		return NULL;
	if (size <= HEAP_MAX_CLASS_SIZE) {
		unsigned ci = 0;

		while (heap_class_size[ci] < size)
			ci++;
		p = heap_alloc_small(h, ci, size);
	} else {
		p = heap_alloc_large(h, size);
	}
	if (!p)
		h->stats.failures++;
	return p;
}

void *heap_zalloc(struct heap *h, size_t size)
{
	void *p = heap_alloc(h, size);

	if (p)
		memset(p, 0, heap_size_of(h, p));
	return p;
}

void heap_free(struct heap *h, void *p)
{
	struct heap_large *l;
	struct heap_slab *s;
	struct heap_class *c;
	const char *bad;
	long i;

	if (!p)
		return;
	bad = heap_resolve(h, p, &l, &s, &i);
	if (bad) {
		heap_report(h, p, bad);
		return;
	}
	h->stats.objects_in_use--;
	h->stats.frees++;
	if (l) {
		h->stats.bytes_requested -= l->size;
		h->stats.bytes_in_use -= l->npages * HEAP_PAGE_SIZE;
		h->stats.large_pages -= l->npages;
		/* Lets a double free be caught while the provider has not reused the page. */
		l->magic = HEAP_LARGE_FREED;
		h->ops.free_pages(l, l->npages, h->ops.ctx);
		return;
	}

	c = &h->cls[s->cls];
	h->stats.bytes_requested -= s->req[i];
	h->stats.bytes_in_use -= c->size;
	h->stats.class_in_use[s->cls]--;
	s->req[i] = HEAP_REQ_FREE;
	if (h->poison)
		memset(p, HEAP_POISON_FREE, c->size);
	*(void **)p = s->free_list;
	s->free_list = p;
	s->nfree++;
	if (s->where == HEAP_LIST_FULL) {
		slab_unlink(c, s);
		slab_link(c, s, HEAP_LIST_PARTIAL);
	}
	if (s->nfree == c->nobjs) {
		slab_unlink(c, s);
		if (!c->empty)
			slab_link(c, s, HEAP_LIST_EMPTY);
		else
			slab_release(h, s);
	}
}

size_t heap_size_of(struct heap *h, const void *p)
{
	struct heap_large *l;
	struct heap_slab *s;
	const char *bad;
	long i;

	if (!p)
		return 0;
	bad = heap_resolve(h, p, &l, &s, &i);
	if (bad) {
		heap_report(h, p, bad);
		return 0;
	}
	if (l)
		return l->npages * HEAP_PAGE_SIZE - HEAP_LARGE_HDR;
	return h->cls[s->cls].size;
}

void heap_get_stats(const struct heap *h, struct heap_stats *out)
{
	*out = h->stats;
}

unsigned heap_trim(struct heap *h)
{
	unsigned n = 0;

	for (unsigned ci = 0; ci < HEAP_NCLASSES; ci++) {
		struct heap_slab *s = h->cls[ci].empty;

		if (!s)
			continue;
		if (!slab_header_ok(h, s)) {
			heap_report(h, s, "heap: slab header smashed");
			h->cls[ci].empty = NULL;
			continue;
		}
		slab_unlink(&h->cls[ci], s);
		slab_release(h, s);
		n++;
	}
	return n;
}
