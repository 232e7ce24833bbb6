/*
 * The sampling profiler (vmk/profile.h): an open-addressed table filled lock-free from the
 * timer interrupt of every CPU.  A sample is keyed by the interrupted function and its caller
 * (found through the frame pointer), both names being strings inside the kernel image, so the
 * pair packs into one 64-bit key of two offsets.  A full table counts under "[other]".
 */
#include <vmk/profile.h>
#include <vmk/ksyms.h>
#include <vmk/cmdline.h>
#include <vmk/mm.h>
#include <arch/trap.h>

#define SLOTS 2048 /* a power of two */

struct slot {
	uint64_t key; /* 0: free */
	uint64_t samples;
};

static struct slot table[SLOTS];
static uint64_t total_samples, other_samples;
static bool enabled;

void profile_init(const char *cmdline)
{
	enabled = cmdline_get(cmdline, "profile", NULL, 0);
}

bool profile_enabled(void)
{
	return enabled;
}

static uint32_t name_off(const char *name)
{
	return name ? (uint32_t)((uintptr_t)name - KERNEL_VMA) : 0;
}

static const char *off_name(uint32_t off)
{
	return off ? (const char *)(KERNEL_VMA + off) : NULL;
}

/* The function that called the one interrupted, by the return address above its frame. */
static const char *caller_of(const struct regs *r)
{
	uint64_t ret;

	if ((r->rbp & 7) || r->rbp < 0xffff800000000000ull ||
	    probe_read64((void *)(r->rbp + 8), &ret) || ret < KERNEL_VMA)
		return NULL;
	return ksyms_lookup(ret, NULL);
}

void profile_tick(const struct regs *r)
{
	const char *name = "[user]", *caller = NULL;
	uint64_t key, h;

	if (!enabled)
		return;
	__atomic_add_fetch(&total_samples, 1, __ATOMIC_RELAXED);
	if (!(r->cs & 3)) {
		name = ksyms_lookup(r->rip, NULL);
		caller = name ? caller_of(r) : NULL;
		if (!name)
			name = "[unknown]";
	}
	key = (uint64_t)name_off(name) << 32 | name_off(caller);
	h = (key * 0x9e3779b97f4a7c15ull) >> 53;
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &table[(h + i) & (SLOTS - 1)];
		uint64_t cur = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);

		if (!cur && __atomic_compare_exchange_n(&s->key, &cur, key, false, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
			cur = key;
		if (cur == key) {
			__atomic_add_fetch(&s->samples, 1, __ATOMIC_RELAXED);
			return;
		}
	}
	__atomic_add_fetch(&other_samples, 1, __ATOMIC_RELAXED);
}

size_t profile_snapshot(struct profile_entry *out, size_t max, uint64_t *total)
{
	size_t n = 0;

	*total = __atomic_load_n(&total_samples, __ATOMIC_RELAXED);
	for (unsigned i = 0; i <= SLOTS; i++) {
		struct profile_entry e = {"[other]", NULL,
					  __atomic_load_n(&other_samples, __ATOMIC_RELAXED)};
		size_t k;

		if (i < SLOTS) {
			uint64_t key = __atomic_load_n(&table[i].key, __ATOMIC_ACQUIRE);

			e.name = off_name((uint32_t)(key >> 32));
			e.caller = off_name((uint32_t)key);
			e.samples = __atomic_load_n(&table[i].samples, __ATOMIC_RELAXED);
		}
		if (!e.name || !e.samples)
			continue;
		/* Insertion into the sorted prefix; what falls off the end is dropped. */
		for (k = n < max ? n : max; k > 0 && out[k - 1].samples < e.samples; k--)
			if (k < max)
				out[k] = out[k - 1];
		if (k < max) {
			out[k] = e;
			if (n < max)
				n++;
		}
	}
	return n;
}
