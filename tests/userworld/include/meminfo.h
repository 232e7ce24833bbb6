/* Shared by the userworld test programs: the kernel's free memory as /proc/meminfo says. */
#ifndef TESTS_MEMINFO_H
#define TESTS_MEMINFO_H

#include <stdio.h>

/* MemFree in kB, or -1. */
static inline long mem_free_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

#endif
