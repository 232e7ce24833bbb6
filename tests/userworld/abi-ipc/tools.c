/*
 * abi-ipc, BusyBox's ipcs and ipcrm run as real programs over objects made here.  Their
 * output is compared in a normal form: the lines that show our keys, with the id column
 * (which depends on what ran before) left out, and ipcs -l and -u as they are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "ipc_test.h"

#define KEYS	"0x0a11ce1" /* our keys' prefix in ipcs's output */
#define SHM_KEY 0x0a11ce10
#define SEM_KEY 0x0a11ce11
#define MSG_KEY 0x0a11ce12

static char out[16384];

/* Run BusyBox applet argv[0] with its stdout in out; "exit N" or how it ended. */
static const char *tool(char *const argv[])
{
	static char how[32];
	size_t len = 0;
	ssize_t n;
	int p[2], st;
	pid_t pid;

	out[0] = 0;
	if (pipe(p))
		return "pipe failed";
	pid = fork();
	if (pid == 0) {
		char *args[16] = {"busybox"};
		int null = open("/dev/null", O_WRONLY);

		for (int i = 0; argv[i] && i < 14; i++)
			args[i + 1] = argv[i];
		dup2(p[1], 1);
		dup2(null, 2);
		close(p[0]);
		execv("/bin/busybox", args);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = 0;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid)
		return "lost";
	snprintf(how, sizeof(how), WIFEXITED(st) ? "exit %d" : "signal %d",
		 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return how;
}

/* Say each line of out that holds one of our keys, words joined by one space, word skip
 * (the id) left out; "none" when there is none. */
static void say_ours(const char *name, int skip)
{
	char *save, *line, buf[sizeof(out)];
	int n = 0;

	memcpy(buf, out, sizeof(buf));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char norm[256] = "", *w, *save2;
		int i = 0;

		if (!strstr(line, KEYS))
			continue;
		for (w = strtok_r(line, " \t", &save2); w; w = strtok_r(NULL, " \t", &save2), i++)
			if (i != skip && strlen(norm) + strlen(w) + 2 < sizeof(norm)) {
				strcat(norm, norm[0] ? " " : "");
				strcat(norm, w);
			}
		abi_say(name, "%s", norm);
		n++;
	}
	if (!n)
		abi_say(name, "none");
}

/* Say every non-empty line of out, numbered. */
static void say_all(const char *prefix)
{
	char *save, *line, name[64], buf[sizeof(out)];
	int n = 0;

	memcpy(buf, out, sizeof(buf));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		snprintf(name, sizeof(name), "%s-%d", prefix, ++n);
		abi_say(name, "%s", line);
	}
}

void ipc_test_tools(void)
{
	struct {
		long type;
		char text[16];
	} m = {1, "abcdef"};
	int shm, sem, msg;

	abi_area = "ipc";
	shm = shmget(SHM_KEY, 8192, IPC_CREAT | 0640);
	sem = semget(SEM_KEY, 3, IPC_CREAT | 0600);
	msg = msgget(MSG_KEY, IPC_CREAT | 0622);
	msgsnd(msg, &m, 6, 0);
	msgsnd(msg, &m, 3, 0);
	abi_say("tool-objects", "%s", shm >= 0 && sem >= 0 && msg >= 0 ? "made" : "failed");

	abi_say("tool-ipcs-m", "%s", tool((char *[]){"ipcs", "-m", NULL}));
	say_ours("tool-ipcs-m-line", 1);
	abi_say("tool-ipcs-s", "%s", tool((char *[]){"ipcs", "-s", NULL}));
	say_ours("tool-ipcs-s-line", 1);
	abi_say("tool-ipcs-q", "%s", tool((char *[]){"ipcs", "-q", NULL}));
	say_ours("tool-ipcs-q-line", 1);
	abi_say("tool-ipcs-l", "%s", tool((char *[]){"ipcs", "-l", NULL}));
	say_all("tool-ipcs-l-out");
	abi_say("tool-ipcs-u", "%s", tool((char *[]){"ipcs", "-u", NULL}));
	say_all("tool-ipcs-u-out");

	abi_say("tool-ipcrm-M", "%s", tool((char *[]){"ipcrm", "-M", "0x0a11ce10", NULL}));
	abi_say("tool-ipcrm-M-gone", "%s", abi_rc(shmget(SHM_KEY, 0, 0)));
	char id[16];

	snprintf(id, sizeof(id), "%d", sem);
	abi_say("tool-ipcrm-s", "%s", tool((char *[]){"ipcrm", "-s", id, NULL}));
	abi_say("tool-ipcrm-s-gone", "%s", abi_rc(semget(SEM_KEY, 0, 0)));
	abi_say("tool-ipcrm-Q", "%s", tool((char *[]){"ipcrm", "-Q", "0x0a11ce12", NULL}));
	abi_say("tool-ipcrm-Q-gone", "%s", abi_rc(msgget(MSG_KEY, 0)));
	abi_say("tool-ipcrm-Q-again", "%s", tool((char *[]){"ipcrm", "-Q", "0x0a11ce12", NULL}));
	abi_say("tool-ipcrm-m-bad", "%s", tool((char *[]){"ipcrm", "-m", "2147483647", NULL}));
	abi_say("tool-ipcs-after", "%s", tool((char *[]){"ipcs", NULL}));
	say_ours("tool-ipcs-after-line", 1);
}
