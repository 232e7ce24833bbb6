/*
 * abirun: run every Linux-ABI test program (/usr/bin/abi-*, in name order) one after another,
 * the same way on Keel and on Linux (tests/qemu/abi.sh boots both with this as init).
 *
 * It prints "abirun: start NAME", lets NAME write its "abi AREA/CASE: TEXT" lines to the
 * console, then "abirun: NAME exit N" (or "signal N", or "killed after N s"), and at the end
 * "abirun: done".  As pid 1 on Linux it first mounts what Keel's kernel mounts itself (proc,
 * devtmpfs, tmpfs on /tmp and /dev/shm); at the end pid 1 powers the machine off.
 * Arguments, if any, name the programs to run instead of all of them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIME_LIMIT_S 60
#define MAX_PROGS    64

/* Linux's initramfs has none of what Keel's kernel mounts at boot. */
static void linux_mounts(void)
{
	struct stat st;

	if (stat("/proc/self", &st) == 0)
		return; /* Keel, or already mounted */
	mkdir("/proc", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mkdir("/dev/shm", 01777);
	mount("tmpfs", "/dev/shm", "tmpfs", 0, "mode=1777");
	mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
}

/* Without a console on fds 0-2 (no /dev/console in the archive), make and open one. */
static void console_fds(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
	fd = open("/dev/console", O_RDWR);
	for (int i = 0; fd >= 0 && i < 3; i++)
		if (fd != i)
			dup2(fd, i);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_progs(char **names)
{
	DIR *d = opendir("/usr/bin");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) && n < MAX_PROGS)
		if (!strncmp(e->d_name, "abi-", 4))
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	return n;
}

static void run(const char *name)
{
	char path[256];
	time_t start = time(NULL);
	int status;
	pid_t pid, got;

	snprintf(path, sizeof(path), "/usr/bin/%s", name);
	printf("abirun: start %s\n", name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {path, NULL};

		execv(path, argv);
		_exit(127);
	}
	if (pid < 0) {
		printf("abirun: %s fork failed: %s\n", name, strerror(errno));
		return;
	}
	while ((got = waitpid(pid, &status, WNOHANG)) == 0) {
		if (time(NULL) - start > TIME_LIMIT_S) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			printf("abirun: %s killed after %d s\n", name, TIME_LIMIT_S);
			return;
		}
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	if (got < 0)
		printf("abirun: %s waitpid: %s\n", name, strerror(errno));
	else if (WIFEXITED(status))
		printf("abirun: %s exit %d\n", name, WEXITSTATUS(status));
	else
		printf("abirun: %s signal %d\n", name, WTERMSIG(status));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char *names[MAX_PROGS];
	int n;

	if (getpid() == 1) {
		linux_mounts();
		console_fds();
		setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
		chdir("/");
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		n = 0;
		for (int i = 1; i < argc && n < MAX_PROGS; i++)
			names[n++] = argv[i];
	} else {
		n = list_progs(names);
	}
	for (int i = 0; i < n; i++)
		run(names[i]);
	printf("abirun: done\n");
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return 0;
}
