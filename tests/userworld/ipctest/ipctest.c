/*
 * ipctest: System V IPC's limits and robustness on Keel (tests/qemu/ipc.sh); what Linux does
 * is compared by abi-ipc, this checks what only Keel bounds: a userworld that creates
 * objects until it is refused gets ENOSPC/ENOMEM, never a dead kernel; every object taken
 * apart gives its memory back (MemFree); removal while others sleep in semop and msgrcv,
 * with threads and processes, ends every sleeper with EIDRM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>
#include "meminfo.h"

#define MAXOBJ 40000

static int failures;
static int ids[MAXOBJ];

static void check(int ok, const char *name, const char *why)
{
	printf("ipctest: %s %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : why);
	fflush(stdout);
	if (!ok)
		failures++;
}

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int op1(int id, int n, int v, int flg)
{
	struct sembuf b = {(unsigned short)n, (short)v, (short)flg};

	return semop(id, &b, 1);
}

/* As many 1-byte segments as SHMMNI allows, then ENOSPC. */
static void test_shm_segments(void)
{
	char why[128];
	int n = 0, err = 0;

	while (n < MAXOBJ && (ids[n] = shmget(IPC_PRIVATE, 1, 0600)) >= 0)
		n++;
	err = errno;
	snprintf(why, sizeof(why), "%d segments, then %s", n, strerror(err));
	check(n == 4096 && err == ENOSPC, "shm-shmmni", why);
	while (n--)
		shmctl(ids[n], IPC_RMID, NULL);
	n = shmget(IPC_PRIVATE, 1, 0600);
	check(n >= 0, "shm-after-shmmni", "no segment after freeing them");
	shmctl(n, IPC_RMID, NULL);
}

/* 32 MiB segments until the shared memory cap (half of RAM); each touched in full, then all
 * given back. */
static void test_shm_memory(void)
{
	const size_t sz = 32 << 20;
	long before = mem_free_kb(), touched, after;
	char why[160];
	int n = 0, err;

	errno = 0;
	check(shmget(IPC_PRIVATE, 64ul << 30, 0600) < 0 && errno == ENOMEM, "shm-past-ram",
	      strerror(errno));
	while (n < 64 && (ids[n] = shmget(IPC_PRIVATE, sz, 0600)) >= 0)
		n++;
	err = errno;
	for (int i = 0; i < n; i++) {
		char *p = shmat(ids[i], NULL, 0);

		if (p != (void *)-1) {
			memset(p, 0x5a, sz);
			shmdt(p);
		}
	}
	touched = mem_free_kb();
	for (int i = 0; i < n; i++)
		shmctl(ids[i], IPC_RMID, NULL);
	after = mem_free_kb();
	snprintf(why, sizeof(why), "%d segments then %s; MemFree %ld kB, touched %ld, freed %ld", n,
		 strerror(err), before, touched, after);
	printf("ipctest: %s\n", why);
	check(n > 0 && n < 64 && err == ENOSPC, "shm-cap", why);
	check(before - touched >= (long)(n * (sz >> 10)) - 1024, "shm-pages-made", why);
	check(before - after < 1024, "shm-pages-freed", why);
}

/* Sets of SEMMSL semaphores until the IPC memory budget refuses (ENOSPC). */
static void test_sem_memory(void)
{
	long before = mem_free_kb(), after;
	char why[160];
	int n = 0, err;

	while (n < MAXOBJ && (ids[n] = semget(IPC_PRIVATE, 32000, 0600)) >= 0)
		n++;
	err = errno;
	if (n)
		op1(ids[n - 1], 31999, 1, 0);
	for (int i = 0; i < n; i++)
		semctl(ids[i], 0, IPC_RMID);
	after = mem_free_kb();
	snprintf(why, sizeof(why), "%d sets of 32000 then %s; MemFree %ld kB, after %ld", n,
		 strerror(err), before, after);
	printf("ipctest: %s\n", why);
	check(n > 0 && n < MAXOBJ && err == ENOSPC, "sem-budget", why);
	check(before - after < 1024, "sem-budget-freed", why);
}

/* Queues allowed 4 MiB each, filled with 8 KiB messages until the budget says ENOMEM. */
static void test_msg_memory(void)
{
	static struct {
		long type;
		char text[8192];
	} m = {1, {0}};
	long before = mem_free_kb(), after;
	int nq = 0, sent = 0, err = 0;
	char why[160];

	while (!err && nq < 1000) {
		struct msqid_ds ds;
		int q = msgget(IPC_PRIVATE, 0600);

		if (q < 0) {
			err = errno;
			break;
		}
		ids[nq++] = q;
		msgctl(q, IPC_STAT, &ds);
		ds.msg_qbytes = 4 << 20;
		msgctl(q, IPC_SET, &ds);
		for (int i = 0; i < 512; i++, sent++)
			if (msgsnd(q, &m, sizeof(m.text), IPC_NOWAIT)) {
				err = errno;
				break;
			}
	}
	for (int i = 0; i < nq; i++)
		msgctl(ids[i], IPC_RMID, NULL);
	after = mem_free_kb();
	snprintf(why, sizeof(why), "%d queues, %d messages, then %s; MemFree %ld kB, after %ld", nq,
		 sent, strerror(err), before, after);
	printf("ipctest: %s\n", why);
	check(err == ENOMEM, "msg-budget", why);
	check(before - after < 1024, "msg-budget-freed", why);
}

/* One round of everything, with a child each time. */
static void churn_once(void)
{
	int shm = shmget(IPC_PRIVATE, 3 * 4096, 0600), sem = semget(IPC_PRIVATE, 2, 0600);
	int q = msgget(IPC_PRIVATE, 0600);
	struct {
		long type;
		char text[64];
	} m = {3, "churn"};
	char *p = shmat(shm, NULL, 0);
	pid_t pid;

	p[0] = p[8192] = 1;
	pid = fork();
	if (pid == 0) {
		p[4096] = 2;
		op1(sem, 0, 1, SEM_UNDO);
		msgsnd(q, &m, 5, 0);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT);
	op1(sem, 1, 1, SEM_UNDO);
	shmdt(p);
	shmctl(shm, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
	msgctl(q, IPC_RMID, NULL);
}

static void test_churn(void)
{
	long before, after;
	char why[96];

	for (int i = 0; i < 20; i++) /* warm the heap's caches */
		churn_once();
	before = mem_free_kb();
	for (int i = 0; i < 300; i++)
		churn_once();
	after = mem_free_kb();
	snprintf(why, sizeof(why), "MemFree %ld kB before 300 rounds, %ld after", before, after);
	printf("ipctest: %s\n", why);
	check(before - after < 512, "churn-no-leak", why);
}

static int race_sem, race_q;

static void *sem_sleeper(void *arg)
{
	(void)arg;
	return (void *)(long)(op1(race_sem, 0, -1, SEM_UNDO) ? errno : 0);
}

static void *msg_sleeper(void *arg)
{
	struct {
		long type;
		char text[8];
	} m;

	(void)arg;
	return (void *)(long)(msgrcv(race_q, &m, sizeof(m.text), 0, 0) < 0 ? errno : 0);
}

/* Threads and child processes asleep in semop and msgrcv while the objects go. */
static void test_rmid_races(void)
{
	int bad = 0, rounds = 60;
	char why[96];

	for (int r = 0; r < rounds; r++) {
		pthread_t t[4];
		pid_t kids[2];
		int st;

		race_sem = semget(IPC_PRIVATE, 1, 0600);
		race_q = msgget(IPC_PRIVATE, 0600);
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, i & 1 ? msg_sleeper : sem_sleeper, NULL);
		for (int i = 0; i < 2; i++) {
			kids[i] = fork();
			if (kids[i] == 0)
				_exit((int)(long)(i ? msg_sleeper(NULL) : sem_sleeper(NULL)));
		}
		if (r & 1)
			usleep(2000); /* some rounds remove before everyone sleeps */
		semctl(race_sem, 0, IPC_RMID);
		msgctl(race_q, IPC_RMID, NULL);
		for (int i = 0; i < 4; i++) {
			void *rc;

			pthread_join(t[i], &rc);
			bad += (long)rc != EIDRM && (long)rc != EINVAL;
		}
		for (int i = 0; i < 2; i++) {
			waitpid(kids[i], &st, 0);
			bad += !WIFEXITED(st) ||
			       (WEXITSTATUS(st) != EIDRM && WEXITSTATUS(st) != EINVAL);
		}
	}
	snprintf(why, sizeof(why), "%d of %d sleepers ended otherwise", bad, rounds * 6);
	check(bad == 0, "rmid-wakes-sleepers", why);
}

static int undo_sem;

static void *undo_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++)
		op1(undo_sem, 0, 1, SEM_UNDO);
	return NULL;
}

/* Threads of one process share its adjustments: made concurrently, all undone at exit. */
static void test_thread_undo(void)
{
	char why[64];
	pid_t pid;

	undo_sem = semget(IPC_PRIVATE, 1, 0600);
	pid = fork();
	if (pid == 0) {
		pthread_t t[4];

		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, undo_thread, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		_exit(semctl(undo_sem, 0, GETVAL) == 800 ? 0 : 1);
	}
	int st, v;

	waitpid(pid, &st, 0);
	v = semctl(undo_sem, 0, GETVAL);
	snprintf(why, sizeof(why), "child %d, value after exit %d", WEXITSTATUS(st), v);
	check(WIFEXITED(st) && !WEXITSTATUS(st) && v == 0, "threads-share-undo", why);
	semctl(undo_sem, 0, IPC_RMID);
}

static void *blocked_thread(void *arg)
{
	(void)arg;
	op1(undo_sem, 1, -1, 0); /* sleeps until the process is killed */
	return NULL;
}

/* A process killed while two of its threads sleep in semop: they leave the queue, its
 * adjustments are applied, nothing waits any more. */
static void test_kill_sleeping_threads(void)
{
	char why[96];
	int st, v, ncnt;
	pid_t pid;

	undo_sem = semget(IPC_PRIVATE, 2, 0600);
	semctl(undo_sem, 0, SETVAL, (union semun){.val = 5});
	pid = fork();
	if (pid == 0) {
		pthread_t t[2];

		op1(undo_sem, 0, -3, SEM_UNDO);
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, blocked_thread, NULL);
		pause();
		_exit(0);
	}
	for (int i = 0; i < 500 && semctl(undo_sem, 1, GETNCNT) < 2; i++)
		usleep(10000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	v = semctl(undo_sem, 0, GETVAL);
	ncnt = semctl(undo_sem, 1, GETNCNT);
	snprintf(why, sizeof(why), "%s, value %d, sleepers left %d",
		 WIFSIGNALED(st) ? "killed" : "exited", v, ncnt);
	check(WIFSIGNALED(st) && v == 5 && ncnt == 0, "kill-sleeping-threads", why);
	semctl(undo_sem, 0, IPC_RMID);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_shm_segments();
	test_shm_memory();
	test_sem_memory();
	test_msg_memory();
	test_churn();
	test_rmid_races();
	test_thread_undo();
	test_kill_sleeping_threads();
	printf("ipctest: done, %d failed\n", failures);
	return failures != 0;
}
