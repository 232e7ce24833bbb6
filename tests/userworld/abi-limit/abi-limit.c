/*
 * abi-limit: RLIMIT_AS and RLIMIT_DATA are enforced, so programs can test how they behave when
 * memory runs out: mmap and brk fail with ENOMEM, malloc returns NULL, pthread_create
 * fails with EAGAIN, setenv with ENOMEM.  Each case runs in a child of its own (a limit
 * cannot be raised again once lowered... it can, but the children keep the parent clean).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"

#define MiB (1024ul * 1024)

static void *idle(void *arg)
{
	return arg;
}

static const char *mm(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, -1, 0);

	if (p == MAP_FAILED)
		return abi_errname(errno);
	munmap(p, len);
	return "ok";
}

/* Under RLIMIT_AS: every mapping counts. */
static void as_cases(void)
{
	struct rlimit r = {256 * MiB, 256 * MiB};
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	pthread_t t;
	char *big;
	int rc = 0, n;

	abi_say("as-set", "%s", abi_rc(setrlimit(RLIMIT_AS, &r)));
	abi_say("as-mmap-small", "%s", mm(16 * MiB, rw, anon));
	abi_say("as-mmap-big", "%s", mm(512 * MiB, rw, anon));
	abi_say("as-mmap-big-ro", "%s", mm(512 * MiB, PROT_READ, anon));
	abi_say("as-mmap-big-shared", "%s", mm(512 * MiB, rw, MAP_SHARED | MAP_ANONYMOUS));
	abi_say("as-mmap-noreserve", "%s", mm(512 * MiB, rw, anon | MAP_NORESERVE));
	big = malloc(512 * MiB);
	abi_say("as-malloc-big", "%s %s", big ? "ok" : "NULL", big ? "" : abi_errname(errno));
	free(big);
	big = malloc(1 * MiB);
	abi_say("as-malloc-small", "%s", big ? "ok" : "NULL");
	free(big);
	abi_say("as-sbrk-big", "%s", sbrk(512 * MiB) == (void *)-1 ? abi_errname(errno) : "ok");
	/* Fill the space with mappings, then a thread (its stack is an mmap) cannot start. */
	for (n = 0; n < 64 && mmap(NULL, 8 * MiB, PROT_READ, anon, -1, 0) != MAP_FAILED; n++)
		;
	while (mmap(NULL, 64 * 1024, PROT_READ, anon, -1, 0) != MAP_FAILED)
		;
	rc = pthread_create(&t, NULL, idle, NULL);
	abi_say("as-full-pthread_create", "%s", abi_errname(rc));
	if (!rc)
		pthread_join(t, NULL);
	abi_say("as-full-mmap-page", "%s", mm(4096, rw, anon));
	r.rlim_cur = r.rlim_max = RLIM_INFINITY;
	abi_say("as-raise-unprivileged", "%s", abi_rc(setrlimit(RLIMIT_AS, &r)));
}

/* Under RLIMIT_DATA: private writable mappings and the heap count; read-only and shared
 * ones do not. */
static void data_cases(void)
{
	struct rlimit r = {64 * MiB, 64 * MiB};
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p, *big;
	size_t n;
	int rc;

	abi_say("data-set", "%s", abi_rc(setrlimit(RLIMIT_DATA, &r)));
	abi_say("data-mmap-small", "%s", mm(16 * MiB, rw, anon));
	abi_say("data-mmap-big", "%s", mm(128 * MiB, rw, anon));
	abi_say("data-mmap-big-ro", "%s", mm(128 * MiB, PROT_READ, anon));
	abi_say("data-mmap-big-shared", "%s", mm(128 * MiB, rw, MAP_SHARED | MAP_ANONYMOUS));
	p = mmap(NULL, 128 * MiB, PROT_READ, anon, -1, 0);
	abi_say("data-mprotect-writable", "%s",
		abi_rc(mprotect(p, 128 * MiB, PROT_READ | PROT_WRITE)));
	munmap(p, 128 * MiB);
	abi_say("data-sbrk-big", "%s", sbrk(128 * MiB) == (void *)-1 ? abi_errname(errno) : "ok");
	big = malloc(128 * MiB);
	abi_say("data-malloc-big", "%s", big ? "ok" : "NULL");
	free(big);
	/* Use up the limit, then setenv must fail cleanly. */
	for (n = 0; malloc(1 * MiB); n++)
		;
	while (malloc(4096))
		;
	while (malloc(64))
		;
	rc = setenv("ABI_LIMIT_TEST", "a value that needs memory", 1);
	abi_say("data-full-setenv", "%s", rc ? abi_errname(errno) : "ok");
	abi_say("data-full-count", "%s", n > 16 && n < 64 ? "16..64 MiB" : "other");
}

static void run(const char *name, void (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	abi_say(name, "%s %d", WIFEXITED(st) ? "exit" : "signal",
		WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

int main(void)
{
	struct rlimit r;

	abi_area = "limit";
	getrlimit(RLIMIT_AS, &r);
	abi_say("as-default", "%s", r.rlim_cur == RLIM_INFINITY ? "unlimited" : "limited");
	getrlimit(RLIMIT_DATA, &r);
	abi_say("data-default", "%s", r.rlim_cur == RLIM_INFINITY ? "unlimited" : "limited");
	run("as-child", as_cases);
	run("data-child", data_cases);
	r.rlim_cur = 1 * MiB;
	r.rlim_max = 512 * MiB;
	abi_say("cur-above-max", "%s",
		abi_rc(setrlimit(RLIMIT_AS, &(struct rlimit){2 * MiB, 1 * MiB})));
	abi_say("bad-resource", "%s", abi_rc(setrlimit(99, &r)));
	return 0;
}
