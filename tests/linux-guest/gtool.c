/*
 * gtool: what the Linux test guest's /init needs beyond Keel's BusyBox (which leaves module
 * loading and power-off out of the appliance):
 *   gtool insmod FILE     load a kernel module (finit_module)
 *   gtool poweroff        sync, then power the machine off (ACPI S5 in a Keel VM)
 */
#include <fcntl.h>
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
	fprintf(stderr, "usage: gtool insmod FILE | gtool poweroff\n");
	return 2;
}
