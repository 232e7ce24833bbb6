/*
 * abi-futex robust-list cases with hand-built lists: set_robust_list/get_robust_list and their
 * bad arguments, and what the kernel's walk does when a child process that registered a list
 * ends (exit, SIGKILL, execve, exit_group with another thread): words owned by the dead
 * thread get OWNER_DIED and a waiter is woken; PI entries are not woken; list_op_pending is
 * handled; a list that loops or runs past 2048 entries, a bad pointer or a misaligned entry
 * ends the walk without harm.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "futex_test.h"

#define NENTRIES 3000
#define KPTR	 ((struct rentry *)0xffffffff81000000ul)

struct rarea {
	struct rhead h;
	struct rentry e[NENTRIES];
};

enum child_end { END_EXIT, END_KILL, END_EXEC };

struct rchild {
	pid_t pid;
	int ready[2], go[2];
};

static void *noaccess; /* a PROT_NONE page: reserved, so no later mmap lands there */

/* A child that registers h as its robust list, says so, and ends as told once let go. */
static void child_start(struct rchild *c, struct rhead *h, enum child_end end)
{
	if (pipe(c->ready) || pipe(c->go))
		_exit(1);
	c->pid = fork();
	if (c->pid == 0) {
		long rc = syscall(SYS_set_robust_list, h, sizeof(struct rhead));

		pipe_post(c->ready[1]);
		if (end == END_KILL)
			for (;;)
				pause();
		pipe_take(c->go[0]);
		if (end == END_EXEC) {
			char *argv[] = {"/usr/bin/abi-futex", "exec-child", NULL};

			execv(argv[0], argv);
			_exit(127);
		}
		_exit(rc ? 1 : 0);
	}
	pipe_take(c->ready[0]);
}

static const char *child_end(struct rchild *c, enum child_end end)
{
	int st = 0;

	if (end == END_KILL)
		kill(c->pid, SIGKILL);
	else
		pipe_post(c->go[1]);
	waitpid(c->pid, &st, 0);
	close(c->ready[0]), close(c->ready[1]), close(c->go[0]), close(c->go[1]);
	return status_text(st);
}

static void list_init(struct rarea *a)
{
	memset(a, 0, sizeof(*a));
	a->h.next = (struct rentry *)&a->h;
	a->h.futex_offset = offsetof(struct rentry, word);
}

static struct rentry *pi(struct rentry *e)
{
	return (struct rentry *)((uintptr_t)e | 1);
}

/* The calls themselves, from a thread of this process. */
struct calls {
	struct rhead h;
	volatile int tid;
	sem_t checked;
};

static void *robust_calls(void *arg)
{
	struct calls *c = arg;
	struct rhead *got = (struct rhead *)1;
	size_t len = 0;
	long rc;

	c->h.next = (struct rentry *)&c->h;
	c->h.futex_offset = offsetof(struct rentry, word);
	abi_say("set-robust-len", "23 %s, 25 %s, 0 %s, 24 %s",
		abi_rc(syscall(SYS_set_robust_list, &c->h, 23)),
		abi_rc(syscall(SYS_set_robust_list, &c->h, 25)),
		abi_rc(syscall(SYS_set_robust_list, &c->h, 0)),
		abi_rc(syscall(SYS_set_robust_list, &c->h, 24)));
	rc = syscall(SYS_get_robust_list, 0, &got, &len);
	abi_say("get-robust-self", "%s, head %s, len %zu", abi_rc(rc),
		got == &c->h ? "same" : "other", len);
	abi_say("get-robust-bad-head-ptr", "%s",
		abi_rc(syscall(SYS_get_robust_list, 0, noaccess, &len)));
	abi_say("get-robust-bad-len-ptr", "%s",
		abi_rc(syscall(SYS_get_robust_list, 0, &got, noaccess)));
	c->tid = tid();
	sem_wait(&c->checked);
	return NULL;
}

static void calls(void)
{
	struct calls c = {.tid = 0};
	struct rhead *got = NULL;
	struct rchild ch;
	size_t len = 0;
	pthread_t t;
	long rc;

	sem_init(&c.checked, 0, 0);
	pthread_create(&t, NULL, robust_calls, &c);
	while (!c.tid)
		sleep_ms(1);
	rc = syscall(SYS_get_robust_list, c.tid, &got, &len);
	abi_say("get-robust-thread", "%s, head %s, len %zu", abi_rc(rc),
		got == &c.h ? "same" : "other", len);
	sem_post(&c.checked);
	pthread_join(t, NULL);
	abi_say("get-robust-no-such", "%s",
		abi_rc(syscall(SYS_get_robust_list, NO_SUCH_TID, &got, &len)));
	abi_say("get-robust-negative", "%s", abi_rc(syscall(SYS_get_robust_list, -1, &got, &len)));

	/* A fresh child (fork) has no list until it sets one. */
	if (pipe(ch.ready) || pipe(ch.go))
		return;
	ch.pid = fork();
	if (ch.pid == 0) {
		pipe_post(ch.ready[1]);
		pipe_take(ch.go[0]);
		_exit(0);
	}
	pipe_take(ch.ready[0]);
	got = (struct rhead *)1;
	rc = syscall(SYS_get_robust_list, ch.pid, &got, &len);
	abi_say("get-robust-child", "%s, head %s", abi_rc(rc), got ? "set" : "NULL");
	child_end(&ch, END_EXIT);

	/* Heads the kernel cannot read: the child still ends normally. */
	child_start(&ch, noaccess, END_EXIT);
	abi_say("robust-head-noaccess", "child %s", child_end(&ch, END_EXIT));
	child_start(&ch, (struct rhead *)KPTR, END_EXIT);
	abi_say("robust-head-kernel", "child %s", child_end(&ch, END_EXIT));
}

static void walks(struct rarea *a)
{
	struct rentry *e = a->e;
	struct waiter w1, w3;
	struct rchild c;
	const char *st;
	int me = getpid(), k, n;

	/* Owned, owned with a waiter, someone else's, a PI entry, and a pending one. */
	list_init(a);
	child_start(&c, &a->h, END_EXIT);
	k = c.pid;
	a->h.next = &e[0], e[0].next = &e[1], e[1].next = &e[2], e[2].next = pi(&e[3]);
	e[3].next = (struct rentry *)&a->h;
	a->h.pending = &e[4];
	e[0].word = k, e[1].word = k | FUTEX_WAITERS, e[2].word = me;
	e[3].word = k | FUTEX_WAITERS, e[4].word = k;
	waiter_start(&w1, &e[1].word, FUTEX_WAIT, k | FUTEX_WAITERS, 0, 5000);
	waiter_start(&w3, &e[3].word, FUTEX_WAIT, k | FUTEX_WAITERS, 0, 500);
	n = waiters_on(&e[1].word, 0, 1) + waiters_on(&e[3].word, 0, 1);
	st = child_end(&c, END_EXIT);
	abi_say("robust-walk",
		"child %s, queued %d, owned %s, owned+waiters %s, other's %s, pi %s, pending %s, "
		"waiter %s, pi waiter %s",
		st, n, wtext(e[0].word, k, me), wtext(e[1].word, k, me), wtext(e[2].word, k, me),
		wtext(e[3].word, k, me), wtext(e[4].word, k, me), waiter_end(&w1), waiter_end(&w3));

	/* A pending entry whose word is free: its waiter is woken, the word left alone. */
	list_init(a);
	child_start(&c, &a->h, END_EXIT);
	a->h.pending = &e[0];
	waiter_start(&w1, &e[0].word, FUTEX_WAIT, 0, 0, 5000);
	n = waiters_on(&e[0].word, 0, 1);
	st = child_end(&c, END_EXIT);
	abi_say("robust-pending-free", "child %s, queued %d, word %s, waiter %s", st, n,
		wtext(e[0].word, c.pid, me), waiter_end(&w1));

	/* Loops: the walk ends. */
	list_init(a);
	child_start(&c, &a->h, END_EXIT);
	a->h.next = &e[0], e[0].next = &e[0], e[0].word = c.pid;
	st = child_end(&c, END_EXIT);
	abi_say("robust-loop-self", "child %s, word %s", st, wtext(e[0].word, c.pid, me));
	list_init(a);
	child_start(&c, &a->h, END_EXIT);
	a->h.next = &e[0], e[0].next = &e[1], e[1].next = &e[0];
	e[0].word = e[1].word = c.pid;
	st = child_end(&c, END_EXIT);
	abi_say("robust-loop-two", "child %s, words %s %s", st, wtext(e[0].word, c.pid, me),
		wtext(e[1].word, c.pid, me));

	/* Longer than the limit, with the pending entry past it. */
	for (int pend = 0; pend < 2; pend++) {
		list_init(a);
		child_start(&c, &a->h, END_EXIT);
		a->h.next = &e[0];
		for (int i = 0; i < NENTRIES; i++) {
			e[i].next = i + 1 < NENTRIES ? &e[i + 1] : (struct rentry *)&a->h;
			e[i].word = c.pid;
		}
		a->h.pending = pend ? &e[NENTRIES - 1] : NULL;
		st = child_end(&c, END_EXIT);
		n = 0;
		for (int i = 0; i < NENTRIES; i++)
			n += e[i].word == FUTEX_OWNER_DIED;
		abi_say(pend ? "robust-limit-pending" : "robust-limit",
			"child %s, %d of %d marked, first unmarked %s", st, n, NENTRIES,
			wtext(e[n < NENTRIES ? n : 0].word, c.pid, me));
	}

	/* Bad links end the walk; the pending entry is then left alone too. */
	struct rentry *bad[3] = {noaccess, KPTR, (struct rentry *)((char *)&e[1] + 2)};
	const char *name[3] = {"robust-next-noaccess", "robust-next-kernel",
			       "robust-misaligned-entry"};
	for (int i = 0; i < 3; i++) {
		list_init(a);
		child_start(&c, &a->h, END_EXIT);
		a->h.next = &e[0], e[0].next = bad[i], e[1].next = &e[2];
		e[2].next = (struct rentry *)&a->h;
		a->h.pending = &e[3];
		e[0].word = e[1].word = e[2].word = e[3].word = c.pid;
		st = child_end(&c, END_EXIT);
		abi_say(name[i], "child %s, first %s, next %s, after %s, pending %s", st,
			wtext(e[0].word, c.pid, me), wtext(e[1].word, c.pid, me),
			wtext(e[2].word, c.pid, me), wtext(e[3].word, c.pid, me));
	}

	/* Death by SIGKILL, and execve (the list goes with the old program). */
	enum child_end ends[2] = {END_KILL, END_EXEC};
	const char *ename[2] = {"robust-kill", "robust-exec"};
	for (int i = 0; i < 2; i++) {
		list_init(a);
		child_start(&c, &a->h, ends[i]);
		a->h.next = &e[0], e[0].next = (struct rentry *)&a->h, e[0].word = c.pid;
		st = child_end(&c, ends[i]);
		abi_say(ename[i], "child %s, word %s", st, wtext(e[0].word, c.pid, me));
	}
}

/* exit_group: a second thread of the child owns the word on its own list. */
struct second {
	struct rarea *a;
	int ready;
};

static void *second_main(void *arg)
{
	struct second *s = arg;

	s->a->e[0].word = (uint32_t)tid();
	syscall(SYS_set_robust_list, &s->a->h, sizeof(struct rhead));
	pipe_post(s->ready);
	for (;;)
		pause();
	return NULL;
}

static void group_exit(struct rarea *a)
{
	int ready[2], st = 0;
	struct second s = {a, 0};
	pid_t pid;

	list_init(a);
	a->h.next = &a->e[0], a->e[0].next = (struct rentry *)&a->h;
	if (pipe(ready))
		return;
	pid = fork();
	if (pid == 0) {
		pthread_t t;

		s.ready = ready[1];
		pthread_create(&t, NULL, second_main, &s);
		pipe_take(ready[0]);
		_exit(4);
	}
	waitpid(pid, &st, 0);
	abi_say("robust-exit-group-thread", "child %s, word %s", status_text(st),
		wtext(a->e[0].word, 0, 0));
	close(ready[0]), close(ready[1]);
}

void robust_raw_cases(void)
{
	struct rarea *a = shmem(sizeof(struct rarea));

	abi_area = "futex";
	noaccess = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	calls();
	walks(a);
	group_exit(a);
}

int exec_child(void)
{
	struct rhead *got = (struct rhead *)1;
	size_t len = 0;
	long rc = syscall(SYS_get_robust_list, 0, &got, &len);

	abi_area = "futex";
	abi_say("exec-robust-head", "%s, head %s, len %zu", abi_rc(rc), got ? "set" : "NULL", len);
	return 0;
}
