/*
 * abi-exec: how much execve takes: Linux allows a quarter of the stack limit (2 MiB by
 * default, at most 6 MiB, at least 128 KiB) for the argument and environment strings and
 * their pointers, and 128 KiB per string; more is E2BIG.  Also what the new program sees
 * (argc, the strings back intact, their order in memory) and real programs at those sizes
 * (xargs, a shell glob over a large directory).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"

extern char **environ;

/* As the program re-executed: report what it was given. */
static int child_report(int argc, char **argv)
{
	size_t bytes = 0, ordered = 1;
	unsigned sum = 0;

	for (int i = 0; i < argc; i++) {
		bytes += strlen(argv[i]) + 1;
		for (const char *s = argv[i]; *s; s++)
			sum = sum * 31 + (unsigned char)*s;
		if (i && argv[i] != argv[i - 1] + strlen(argv[i - 1]) + 1)
			ordered = 0;
	}
	if (argc && environ[0] && environ[0] != argv[argc - 1] + strlen(argv[argc - 1]) + 1)
		ordered = 0;
	printf("argc %d bytes %zu sum %08x contiguous %zu\n", argc, bytes, sum, ordered);
	return 0;
}

/* exec self with n args of len bytes each (plus argv[0] "child"); what it printed or the
 * errno of execve. */
static void try(const char *name, size_t n, size_t len)
{
	int p[2], st;
	char out[128] = "";
	pid_t pid;

	pipe(p);
	pid = fork();
	if (pid == 0) {
		char **v = malloc((n + 2) * sizeof(char *));
		char *s = malloc(len + 1);

		memset(s, 'a', len);
		s[len] = 0;
		v[0] = "child";
		for (size_t i = 0; i < n; i++)
			v[i + 1] = s;
		v[n + 1] = NULL;
		dup2(p[1], 1);
		execve("/proc/self/exe", v, environ);
		execve("/usr/bin/abi-exec", v, environ);
		printf("%s\n", abi_errname(errno));
		fflush(stdout);
		_exit(1);
	}
	close(p[1]);
	read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	waitpid(pid, &st, 0);
	out[strcspn(out, "\n")] = 0;
	abi_say(name, "%s", out);
}

int main(int argc, char **argv)
{
	struct rlimit r;

	if (argc > 0 && !strcmp(argv[0], "child"))
		return child_report(argc, argv);
	abi_area = "exec";
	try("small", 3, 10);
	try("200k-in-all", 200, 1000);
	try("1.5m-in-all", 1500, 1000);
	try("2.5m-in-all", 2500, 1000);
	try("many-small", 100000, 3);
	try("string-128k-minus-1", 1, 128 * 1024 - 1);
	try("string-128k", 1, 128 * 1024);
	getrlimit(RLIMIT_STACK, &r);
	r.rlim_cur = 1024 * 1024;
	setrlimit(RLIMIT_STACK, &r);
	try("stack-1m-200k", 200, 1000);
	try("stack-1m-300k", 300, 1000);
	r.rlim_cur = 64 * 1024 * 1024;
	setrlimit(RLIMIT_STACK, &r);
	try("stack-64m-5m", 5000, 1000);
	try("stack-64m-7m", 7000, 1000);
	r.rlim_cur = 8 * 1024 * 1024;
	setrlimit(RLIMIT_STACK, &r);
	abi_sh("xargs", "seq 1 100000 | xargs sh -c 'echo $#' sh | head -n 1");
	abi_sh("xargs-lines", "seq 1 100000 | xargs echo | wc -l");
	mkdir("/tmp/abi-glob", 0755);
	for (int i = 0; i < 20000; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/tmp/abi-glob/file-number-%05d", i);
		close(open(path, O_CREAT | O_WRONLY, 0644));
	}
	abi_sh("glob-ls", "ls /tmp/abi-glob/* | wc -l");
	abi_sh("glob-rm", "rm /tmp/abi-glob/*; echo $?");
	rmdir("/tmp/abi-glob");
	return 0;
}
