/*
 * A sampling profiler for the vmkernel.  With "profile" on the command line every CPU's
 * timer tick records where it interrupted: the kernel function (by the symbol table) and its
 * caller, or "[user]" for user mode.  /proc/keel/profile lists the counts, largest first, so a slow
 * path can be found on a running appliance (make bench uses it to explain its figures).
 */
#ifndef VMK_PROFILE_H
#define VMK_PROFILE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct regs;

struct profile_entry {
	const char *name, *caller; /* caller: NULL when unknown (user mode, no frame) */
	uint64_t samples;
};

/* Turn sampling on when the command line says "profile". */
void profile_init(const char *cmdline);
/* Called from the timer interrupt with the interrupted frame (any CPU). */
void profile_tick(const struct regs *r);
/* Copy up to max entries, largest count first; returns how many.  *total gets all samples. */
size_t profile_snapshot(struct profile_entry *out, size_t max, uint64_t *total);
bool profile_enabled(void);

#endif
