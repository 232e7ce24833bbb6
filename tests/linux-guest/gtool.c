/*
 * gtool: what the Linux test guest's /init needs beyond Keel's BusyBox (which leaves module
 * loading and power-off out of the appliance):
 *   gtool insmod FILE     load a kernel module (finit_module)
 *   gtool poweroff        sync, then power the machine off (ACPI S5 in a Keel VM)
 *   gtool spin N          a CPU-bound loop of N steps; prints the time it took (make bench)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "insmod")) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) < 0) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "poweroff")) {
		sync();
		reboot(RB_POWER_OFF);
		perror("poweroff");
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "spin")) {
		uint64_t n = strtoull(argv[2], NULL, 10), x = 88172645463325252ull, t0, t1;
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		t0 = __builtin_ia32_rdtsc();
		for (uint64_t i = 0; i < n; i++) { /* xorshift64: registers only, no exits */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		t1 = __builtin_ia32_rdtsc();
		clock_gettime(CLOCK_MONOTONIC, &b);
		/* The TSC too: a nested guest that cannot calibrate it keeps time by other
		 * clocks, and make bench compares the same clock on both sides. */
		printf("linux-guest: spin %llu steps in %lld ns, %llu TSC ticks (%llx)\n",
		       (unsigned long long)n,
		       (long long)((b.tv_sec - a.tv_sec) * 1000000000ll + b.tv_nsec - a.tv_nsec),
		       (unsigned long long)(t1 - t0), (unsigned long long)x);
		return 0;
	}
	fprintf(stderr, "usage: gtool insmod FILE | gtool poweroff | gtool spin N\n");
	return 2;
}
