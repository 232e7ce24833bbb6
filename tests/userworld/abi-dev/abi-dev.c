/*
 * abi-dev: /dev/full and the affinity of other processes (taskset -p), as on Linux.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"

static void full(void)
{
	int fd = open("/dev/full", O_RDWR);
	char buf[8] = "abcdefg";
	struct stat st;
	long rc;

	abi_area = "full";
	abi_say("open", "%s", fd >= 0 ? "ok" : abi_errname(errno));
	if (fd < 0)
		return;
	fstat(fd, &st);
	abi_say("node", "chr %d major %u minor %u mode %o", S_ISCHR(st.st_mode), major(st.st_rdev),
		minor(st.st_rdev), st.st_mode & 0777);
	abi_say("write", "%s", abi_rc(write(fd, buf, sizeof(buf))));
	abi_say("write-0", "%s", abi_rc(write(fd, buf, 0)));
	rc = read(fd, buf, sizeof(buf));
	abi_say("read", "%s %d", abi_rc(rc), buf[0] + buf[7]);
	abi_say("lseek", "%s", abi_rc(lseek(fd, 100, SEEK_SET)));
	abi_say("pwrite", "%s", abi_rc(pwrite(fd, buf, 4, 0)));
	close(fd);
	abi_sh("dd", "dd if=/dev/zero of=/dev/full bs=512 count=1");
	abi_sh("echo", "echo hello > /dev/full; echo status $?");
}

static void affinity(void)
{
	cpu_set_t set;
	pid_t child;
	int st;
	long rc;

	abi_area = "affinity";
	CPU_ZERO(&set);
	rc = syscall(SYS_sched_getaffinity, 1, sizeof(set), &set);
	abi_say("get-init", "%s cpus %d", abi_rc(rc > 0 ? 0 : rc), CPU_COUNT(&set));
	rc = syscall(SYS_sched_getaffinity, getppid(), sizeof(set), &set);
	abi_say("get-parent", "%s cpus %d", abi_rc(rc > 0 ? 0 : rc), CPU_COUNT(&set));
	abi_say("get-missing", "%s", abi_rc(syscall(SYS_sched_getaffinity, 999999, 8, &set)));
	abi_say("get-negative", "%s", abi_rc(syscall(SYS_sched_getaffinity, -1, 8, &set)));
	abi_say("get-short", "%s", abi_rc(syscall(SYS_sched_getaffinity, 0, 4, &set)));
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	abi_say("set-child", "%s", abi_rc(sched_setaffinity(child, sizeof(set), &set)));
	CPU_ZERO(&set);
	sched_getaffinity(child, sizeof(set), &set);
	abi_say("get-child", "cpus %d cpu0 %d", CPU_COUNT(&set), !!CPU_ISSET(0, &set));
	CPU_ZERO(&set);
	abi_say("set-empty", "%s", abi_rc(sched_setaffinity(child, sizeof(set), &set)));
	abi_say("set-missing", "%s", abi_rc(sched_setaffinity(999999, sizeof(set), &set)));
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "taskset -p %d | sed 's/^pid [0-9]*/pid N/'", child);
		abi_sh("taskset-child", cmd);
		snprintf(cmd, sizeof(cmd), "taskset -p 3 %d > /dev/null; echo $?", child);
		abi_sh("taskset-set-child", cmd);
	}
	abi_sh("taskset-init", "taskset -p 1");
	abi_sh("taskset-run", "taskset 1 sh -c 'taskset -p $$' | sed 's/^pid [0-9]*/pid N/'");
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
}

int main(void)
{
	full();
	affinity();
	return 0;
}
