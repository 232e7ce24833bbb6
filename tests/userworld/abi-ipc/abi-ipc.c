/*
 * abi-ipc: System V IPC (shared memory, semaphores, message queues) and POSIX named
 * semaphores as unmodified musl programs and BusyBox's ipcs/ipcrm use them: every call with
 * its error cases, objects shared between processes (fork, exit, exec), sleepers woken in
 * Linux's order, removal while others wait, SEM_UNDO at exit.  Lines never name ids, pids or
 * times: they say how those compare (the creator is this process, a time is set ...).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "abi.h"
#include "ipc_test.h"

pid_t ipc_spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

const char *ipc_reap(pid_t pid)
{
	static char buf[32];
	int st = 0;

	if (pid < 0)
		return "fork failed";
	if (waitpid(pid, &st, 0) != pid)
		snprintf(buf, sizeof(buf), "waitpid %s", abi_errname(errno));
	else if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(st));
	else
		snprintf(buf, sizeof(buf), "signal %d", WTERMSIG(st));
	return buf;
}

void ipc_msleep(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

bool ipc_until(bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < 1000; i++) {
		if (cond(arg))
			return true;
		ipc_msleep(10);
	}
	return false;
}

long ipc_sys(long nr, long a, long b, long c, long d, long e)
{
	return syscall(nr, a, b, c, d, e);
}

const char *ipc_raw(long rc)
{
	return abi_rc(rc);
}

int main(void)
{
	abi_area = "ipc";
	setvbuf(stdout, NULL, _IOLBF, 0);
	ipc_test_shm();
	ipc_test_sem();
	ipc_test_msg();
	ipc_test_posix();
	ipc_test_tools();
	return 0;
}
