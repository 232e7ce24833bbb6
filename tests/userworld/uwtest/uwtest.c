/*
 * uwtest: userworld checks run as init under Keel (tests/qemu/userworld.sh).  Each case is one
 * argument; "ok" cases print "uwtest: PASS name" or "uwtest: FAIL name: why" and exit 0;
 * crash cases do something a user program must not be able to get away with, and the kernel
 * must end just this process with the right signal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *name, const char *why)
{
	printf("uwtest: %s %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : why);
	failures += !ok;
}

static void ok_cases(void)
{
	struct utsname u;
	struct timespec a, b, d = {0, 50000000};
	char *p, *heap;
	long r;

	/* A bad pointer is -EFAULT, never a crash. */
	r = syscall(SYS_write, 1, (void *)8, 10);
	check(r == -1 && errno == EFAULT, "write-bad-pointer", "expected EFAULT");
	r = syscall(SYS_write, 1, (void *)0xffff800000000000ul, 10);
	check(r == -1 && errno == EFAULT, "write-kernel-pointer", "expected EFAULT");
	r = syscall(SYS_uname, (void *)0xffffffff80000000ul);
	check(r == -1 && errno == EFAULT, "uname-kernel-pointer", "expected EFAULT");
	r = syscall(999);
	check(r == -1 && errno == ENOSYS, "unknown-syscall", "expected ENOSYS");
	check(uname(&u) == 0 && !strcmp(u.machine, "x86_64"), "uname", "wrong machine");

	/* Memory: mmap, touch, protect, unmap; brk through malloc. */
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "mmap", "mmap failed");
	if (p != MAP_FAILED) {
		memset(p, 0x5a, 1 << 20);
		check(p[12345] == 0x5a && p[(1 << 20) - 1] == 0x5a, "mmap-touch", "bad contents");
		check(mprotect(p, 4096, PROT_READ) == 0, "mprotect", "failed");
		check(munmap(p, 1 << 20) == 0, "munmap", "failed");
	}
	heap = malloc(3 << 20);
	check(heap != NULL, "malloc-large", "NULL");
	free(heap);
	/* musl's sbrk() refuses to move the break (its malloc owns it): use the system call. */
	heap = (char *)syscall(SYS_brk, 0);
	r = syscall(SYS_brk, heap + 65536);
	check(r == (long)(heap + 65536), "brk", "break did not move");
	if (r == (long)(heap + 65536)) {
		heap[65535] = 1;
		check(syscall(SYS_brk, heap) == (long)heap, "brk-shrink",
		      "break did not move back");
	}

	/* Time. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	r = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	check(r >= 50000000 && r < 200000000, "nanosleep", "50 ms sleep out of range");
	printf("uwtest: done, %d failed\n", failures);
}

/* Addresses kept out of the compiler's sight, so it compiles the bad accesses as written. */
static volatile uintptr_t low_addr = 16, kernel_addr = 0xffffffff80200000ul;

int main(int argc, char **argv)
{
	volatile int zero = 0;

	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];

		fflush(stdout);
		if (!strcmp(c, "ok"))
			ok_cases();
		else if (!strcmp(c, "segv"))
			*(volatile int *)low_addr = 1;
		else if (!strcmp(c, "kernel-read"))
			printf("%d\n", *(volatile int *)kernel_addr);
		else if (!strcmp(c, "divzero"))
			printf("%d\n", 1000 / zero); /* (gcc turns 1 / x into no division) */
		else if (!strcmp(c, "privileged"))
			__asm__ volatile("hlt");
		else if (!strcmp(c, "write-rodata"))
			*(volatile char *)"constant" = 'x';
		else if (!strcmp(c, "exec-stack")) {
			unsigned char code[] = {0xc3};
			((void (*)(void))code)();
		} else if (!strcmp(c, "exit7"))
			exit(7);
	}
	return failures ? 1 : 0;
}
