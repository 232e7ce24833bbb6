/* abi-ipc, semaphores: semget, semop, semtimedop, semctl; sleepers, wake order, SEM_UNDO. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "abi.h"
#include "ipc_test.h"

#define KEY 0x0a11ce02

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static int set; /* the set the cases share: KEY, 4 semaphores */

static int val(int n)
{
	return semctl(set, n, GETVAL);
}

static int setval(int n, int v)
{
	return semctl(set, n, SETVAL, (union semun){.val = v});
}

static int op1(int id, int n, int v, int flg)
{
	struct sembuf b = {(unsigned short)n, (short)v, (short)flg};

	return semop(id, &b, 1);
}

/* A child that does one semop on set and exits with 0 or the errno. */
struct op_arg {
	int n, v, flg;
};

static int op_child(void *arg)
{
	struct op_arg *a = arg;

	return op1(set, a->n, a->v, a->flg) ? errno : 0;
}

/* "0" or the errno name the child exited with. */
static const char *child_rc(pid_t pid)
{
	int st = 0;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return "lost";
	if (!WIFEXITED(st))
		return "killed";
	return abi_errname(WEXITSTATUS(st));
}

struct cnt {
	int cmd, n, want;
};

static bool count_is(void *arg)
{
	struct cnt *c = arg;

	return semctl(set, c->n, c->cmd) == c->want;
}

static bool wait_count(int cmd, int n, int want)
{
	struct cnt c = {cmd, n, want};

	return ipc_until(count_is, &c);
}

static bool exited(pid_t pid)
{
	int st;

	return waitpid(pid, &st, WNOHANG) == pid;
}

static void get_cases(void)
{
	struct semid_ds ds;
	time_t now = time(NULL);
	int rc;

	abi_say("sem-get-neg", "%s", abi_rc(semget(IPC_PRIVATE, -1, 0600)));
	abi_say("sem-get-semmsl+1", "%s", abi_rc(semget(IPC_PRIVATE, 32001, 0600)));
	abi_say("sem-get-zero-new", "%s", abi_rc(semget(IPC_PRIVATE, 0, 0600)));
	abi_say("sem-get-noent", "%s", abi_rc(semget(KEY, 1, 0600)));
	set = semget(KEY, 4, IPC_CREAT | 0600);
	abi_say("sem-get-create", "%s", set >= 0 ? "ok" : abi_errname(errno));
	abi_say("sem-get-zero-existing", "%s", semget(KEY, 0, 0) == set ? "same" : "other");
	abi_say("sem-get-fewer", "%s", semget(KEY, 2, 0) == set ? "same" : "other");
	abi_say("sem-get-more", "%s", abi_rc(semget(KEY, 5, 0)));
	abi_say("sem-get-excl", "%s", abi_rc(semget(KEY, 4, IPC_CREAT | IPC_EXCL | 0600)));
	rc = semctl(set, 0, IPC_STAT, (union semun){.buf = &ds});
	abi_say("sem-stat", "%s nsems %lu mode %o key %#x", abi_rc(rc), (unsigned long)ds.sem_nsems,
		ds.sem_perm.mode, ds.sem_perm.__ipc_perm_key);
	abi_say("sem-stat-times", "otime %s ctime %s", ds.sem_otime ? "set" : "0",
		ds.sem_ctime <= now && ds.sem_ctime > now - 60 ? "now" : "wrong");
}

static void ctl_cases(void)
{
	unsigned short all[4] = {1, 2, 3, 4}, bad[4] = {1, 40000, 3, 4}, got[4] = {0};
	struct semid_ds ds;
	int rc;

	abi_say("sem-getval-initial", "%d %d", val(0), val(3));
	abi_say("sem-getpid-initial", "%d", semctl(set, 0, GETPID));
	rc = setval(1, 5);
	abi_say("sem-setval", "%s val %d pid %s", abi_rc(rc), val(1),
		semctl(set, 1, GETPID) == getpid() ? "self" : "other");
	abi_say("sem-setval-past-semvmx", "%s", abi_rc(setval(1, 32768)));
	abi_say("sem-setval-negative", "%s", abi_rc(setval(1, -1)));
	abi_say("sem-setval-semnum", "%s", abi_rc(setval(4, 1)));
	abi_say("sem-getval-semnum", "%s", abi_rc(semctl(set, -1, GETVAL)));
	abi_say("sem-setall", "%s", abi_rc(semctl(set, 0, SETALL, (union semun){.array = all})));
	rc = semctl(set, 0, GETALL, (union semun){.array = got});
	abi_say("sem-getall", "%s %u %u %u %u", abi_rc(rc), got[0], got[1], got[2], got[3]);
	rc = semctl(set, 0, SETALL, (union semun){.array = bad});
	abi_say("sem-setall-range", "%s now %d", abi_rc(rc), val(1));
	abi_say("sem-setall-efault", "%s", abi_rc(semctl(set, 0, SETALL, KADDR)));
	abi_say("sem-getall-efault", "%s", abi_rc(semctl(set, 0, GETALL, KADDR)));
	abi_say("sem-stat-efault", "%s", abi_rc(semctl(set, 0, IPC_STAT, KADDR)));
	abi_say("sem-info-efault", "%s", abi_rc(semctl(0, 0, IPC_INFO, KADDR)));
	abi_say("sem-ctl-badcmd", "%s", abi_rc(semctl(set, 0, 99)));
	abi_say("sem-ctl-negid", "%s", abi_rc(semctl(-1, 0, IPC_INFO, (union semun){0})));
	abi_say("sem-ctl-ipc64", "%s",
		ipc_raw(ipc_sys(SYS_semctl, set, 0, IPC_STAT | IPC_64_, (long)&ds, 0)));
	abi_say("sem-stat-stale-seq", "%s",
		abi_rc(semctl(set + 32768, 0, IPC_STAT, (union semun){.buf = &ds})));
	rc = semctl(set + 32768, 0, SEM_STAT, (union semun){.buf = &ds});
	abi_say("sem-stat-by-index", "%s nsems %lu", rc == set ? "the id" : abi_rc(rc),
		(unsigned long)ds.sem_nsems);
	rc = semctl(set & 0x7fff, 0, SEM_STAT_ANY, (union semun){.buf = &ds});
	abi_say("sem-stat-any", "%s", rc == set ? "the id" : abi_rc(rc));
	abi_say("sem-stat-unused-index", "%s",
		abi_rc(semctl(32767, 0, SEM_STAT, (union semun){.buf = &ds})));
	semctl(set, 0, IPC_STAT, (union semun){.buf = &ds});
	ds.sem_perm.uid = 42;
	ds.sem_perm.gid = 43;
	ds.sem_perm.mode = 0660;
	abi_say("sem-set", "%s", abi_rc(semctl(set, 0, IPC_SET, (union semun){.buf = &ds})));
	semctl(set, 0, IPC_STAT, (union semun){.buf = &ds});
	abi_say("sem-set-stat", "uid %u gid %u cuid %u cgid %u mode %o", ds.sem_perm.uid,
		ds.sem_perm.gid, ds.sem_perm.cuid, ds.sem_perm.cgid, ds.sem_perm.mode);
	ds.sem_perm.gid = (gid_t)-1;
	abi_say("sem-set-badgid", "%s", abi_rc(semctl(set, 0, IPC_SET, (union semun){.buf = &ds})));
	abi_say("sem-set-efault", "%s", abi_rc(semctl(set, 0, IPC_SET, KADDR)));
}

static void op_cases(void)
{
	struct sembuf ops[501], pair[2] = {{1, 1, 0}, {0, -1, IPC_NOWAIT}};
	struct timespec ts = {0, 50 * 1000000}, bad = {0, 2000000000}, zero = {0, 0};
	unsigned short got[4];
	struct semid_ds ds;
	int rc;

	setval(0, 1);
	rc = op1(set, 0, -1, 0);
	abi_say("sem-op", "%s val %d pid %s", abi_rc(rc), val(0),
		semctl(set, 0, GETPID) == getpid() ? "self" : "other");
	semctl(set, 0, IPC_STAT, (union semun){.buf = &ds});
	abi_say("sem-op-otime", "%s", ds.sem_otime ? "set" : "0");
	abi_say("sem-op-nowait", "%s", abi_rc(op1(set, 0, -1, IPC_NOWAIT)));
	semctl(set, 0, SETALL, (union semun){.array = (unsigned short[]){0, 2, 3, 32767}});
	abi_say("sem-op-all-or-none", "%s", abi_rc(semop(set, pair, 2)));
	semctl(set, 0, GETALL, (union semun){.array = got});
	abi_say("sem-op-all-or-none-vals", "%u %u", got[0], got[1]);
	pair[1].sem_op = -2;
	pair[1].sem_num = 1;
	pair[0].sem_num = 1;
	rc = semop(set, pair, 2);
	abi_say("sem-op-same-sem", "%s val %d", abi_rc(rc), val(1));
	rc = op1(set, 3, 1, 0);
	abi_say("sem-op-range", "%s val %d", abi_rc(rc), val(3));
	abi_say("sem-op-zero-ok", "%s", abi_rc(op1(set, 0, 0, 0)));
	abi_say("sem-op-zero-nowait", "%s", abi_rc(op1(set, 2, 0, IPC_NOWAIT)));
	abi_say("sem-op-efbig", "%s", abi_rc(op1(set, 4, 1, 0)));
	for (int i = 0; i < 501; i++)
		ops[i] = (struct sembuf){0, 0, 0};
	abi_say("sem-op-semopm", "%s", abi_rc(semop(set, ops, 500)));
	abi_say("sem-op-e2big", "%s", abi_rc(semop(set, ops, 501)));
	abi_say("sem-op-none", "%s", abi_rc(semop(set, ops, 0)));
	abi_say("sem-op-efault", "%s", abi_rc(semop(set, KADDR, 1)));
	abi_say("sem-op-negid", "%s", abi_rc(semop(-1, ops, 1)));
	abi_say("sem-op-stale-seq", "%s", abi_rc(semop(set + 32768, ops, 1)));
	ops[0] = (struct sembuf){0, -1, 0};
	abi_say("sem-timedop-timeout", "%s", abi_rc(semtimedop(set, ops, 1, &ts)));
	abi_say("sem-timedop-zero", "%s", abi_rc(semtimedop(set, ops, 1, &zero)));
	abi_say("sem-timedop-badts", "%s", abi_rc(semtimedop(set, ops, 1, &bad)));
	abi_say("sem-timedop-efault", "%s",
		ipc_raw(ipc_sys(SYS_semtimedop, set, (long)ops, 1, (long)KADDR, 0)));
	abi_say("sem-timedop-done", "%s",
		abi_rc(semtimedop(set, &(struct sembuf){1, -1, 0}, 1, &ts)));
}

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void eintr_case(void)
{
	struct sigaction sa = {0}, old;
	struct itimerval it = {{0, 0}, {0, 100000}};
	int rc;

	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, &old); /* no SA_RESTART: semop is never restarted anyway */
	setval(0, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	rc = op1(set, 0, -1, 0);
	abi_say("sem-op-eintr", "%s handler %d", abi_rc(rc), alarms);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	rc = op1(set, 0, -1, 0);
	abi_say("sem-op-eintr-restart", "%s handler %d", abi_rc(rc), alarms);
	sigaction(SIGALRM, &old, NULL);
}

/* Sleepers and the order they are woken in. */
static void wake_cases(void)
{
	struct op_arg take2 = {0, -2, 0}, take1 = {0, -1, 0}, zero = {2, 0, 0};
	const char *how;
	pid_t a, b, c, d;
	bool ok;

	semctl(set, 0, SETALL, (union semun){.array = (unsigned short[]){0, 0, 0, 0}});
	a = ipc_spawn(op_child, &take1);
	ok = wait_count(GETNCNT, 0, 1);
	abi_say("sem-sleep", "%s ncnt %d", ok ? "waiting" : "timeout", semctl(set, 0, GETNCNT));
	op1(set, 0, 1, 0);
	how = child_rc(a);
	abi_say("sem-wake", "child %s val %d ncnt %d pid %s", how, val(0), semctl(set, 0, GETNCNT),
		semctl(set, 0, GETPID) == a ? "child" : "other");

	/* A wants 2, then B wants 1: one post completes B (A cannot), two more A. */
	a = ipc_spawn(op_child, &take2);
	wait_count(GETNCNT, 0, 1);
	b = ipc_spawn(op_child, &take1);
	abi_say("sem-order-queued", "ncnt %s", wait_count(GETNCNT, 0, 2) ? "2" : "timeout");
	op1(set, 0, 1, 0);
	how = child_rc(b);
	abi_say("sem-order-first", "B %s ncnt %d", how, semctl(set, 0, GETNCNT));
	op1(set, 0, 1, 0);
	ipc_msleep(100);
	ok = exited(a);
	abi_say("sem-order-partial", "A %s val %d", ok ? "done" : "waiting", val(0));
	op1(set, 0, 1, 0);
	how = child_rc(a);
	abi_say("sem-order-second", "A %s val %d", how, val(0));

	/* Two equal waiters: the first to arrive is the first served. */
	c = ipc_spawn(op_child, &take1);
	wait_count(GETNCNT, 0, 1);
	d = ipc_spawn(op_child, &take1);
	wait_count(GETNCNT, 0, 2);
	op1(set, 0, 1, 0);
	wait_count(GETNCNT, 0, 1);
	abi_say("sem-order-fifo", "%s", semctl(set, 0, GETPID) == c ? "first served" : "other");
	op1(set, 0, 1, 0);
	child_rc(c);
	child_rc(d);

	/* Wait for zero. */
	setval(2, 1);
	a = ipc_spawn(op_child, &zero);
	abi_say("sem-zcnt", "%s", wait_count(GETZCNT, 2, 1) ? "1" : "timeout");
	abi_say("sem-zcnt-ncnt", "%d", semctl(set, 2, GETNCNT));
	op1(set, 2, -1, 0);
	how = child_rc(a);
	abi_say("sem-zero-wake", "child %s zcnt %d val %d", how, semctl(set, 2, GETZCNT), val(2));
}

static int complex_child(void *arg)
{
	struct sembuf two[2] = {{0, -1, 0}, {1, -1, 0}};

	(void)arg;
	return semop(set, two, 2) ? errno : 0;
}

/* A sleeper with two operations counts on the one it is blocked on (Linux since 3.16). */
static void complex_case(void)
{
	const char *how;
	pid_t a;

	semctl(set, 0, SETALL, (union semun){.array = (unsigned short[]){0, 0, 0, 0}});
	a = ipc_spawn(complex_child, NULL);
	wait_count(GETNCNT, 0, 1);
	abi_say("sem-complex-ncnt", "%d %d", semctl(set, 0, GETNCNT), semctl(set, 1, GETNCNT));
	op1(set, 0, 1, 0);
	wait_count(GETNCNT, 1, 1);
	abi_say("sem-complex-moved", "%d %d val %d", semctl(set, 0, GETNCNT),
		semctl(set, 1, GETNCNT), val(0));
	op1(set, 1, 1, 0);
	how = child_rc(a);
	abi_say("sem-complex-done", "%s vals %d %d", how, val(0), val(1));
}

static int undo_child(void *arg)
{
	struct op_arg *a = arg;

	return op1(set, a->n, a->v, SEM_UNDO) ? errno : 0;
}

static int undo_fork_child(void *arg)
{
	pid_t g;

	(void)arg;
	if (op1(set, 0, -1, SEM_UNDO))
		return errno;
	g = fork();
	if (g == 0)
		_exit(0); /* semadj is not inherited: nothing to undo here */
	waitpid(g, NULL, 0);
	return val(0) == 4 ? 0 : 100 + val(0);
}

static int undo_exec_child(void *arg)
{
	(void)arg;
	if (op1(set, 0, 3, SEM_UNDO))
		return errno;
	execl("/bin/busybox", "true", (char *)NULL);
	return 127;
}

static int undo_pause_child(void *arg)
{
	(void)arg;
	if (op1(set, 0, -1, SEM_UNDO))
		return errno;
	pause();
	return 0;
}

/* +5 with SEM_UNDO, then wait on a pipe while the parent takes 4 away. */
static int undo_clamp_child(void *arg)
{
	int *fds = arg;
	char c;

	if (op1(set, 0, 5, SEM_UNDO))
		return errno;
	write(fds[1], "x", 1);
	read(fds[0], &c, 1);
	return 0;
}

static bool val_is(void *arg)
{
	return val(0) == (int)(intptr_t)arg;
}

static void undo_cases(void)
{
	struct op_arg down2 = {0, -2, 0};
	int to_child[2], from_child[2], fds[2], rc;
	const char *how;
	pid_t a;
	char c;

	setval(0, 5);
	how = child_rc(ipc_spawn(undo_child, &down2));
	abi_say("sem-undo-exit", "child %s val %d", how, val(0));
	how = child_rc(ipc_spawn(undo_fork_child, NULL));
	abi_say("sem-undo-fork", "child %s val %d", how, val(0));
	setval(0, 0);
	how = child_rc(ipc_spawn(undo_exec_child, NULL));
	abi_say("sem-undo-exec", "child %s val %d", how, val(0));
	setval(0, 5);
	a = ipc_spawn(undo_pause_child, NULL);
	abi_say("sem-undo-kill-taken", "%s",
		ipc_until(val_is, (void *)(intptr_t)4) ? "4" : "timeout");
	kill(a, SIGKILL);
	how = child_rc(a);
	abi_say("sem-undo-kill", "child %s val %d", how, val(0));

	/* Linux clamps an exit's adjustment at 0. */
	setval(0, 0);
	pipe(to_child);
	pipe(from_child);
	fds[0] = to_child[0];
	fds[1] = from_child[1];
	a = ipc_spawn(undo_clamp_child, fds);
	read(from_child[0], &c, 1);
	rc = op1(set, 0, -4, 0);
	abi_say("sem-undo-clamp-taken", "%s val %d", abi_rc(rc), val(0));
	write(to_child[1], "x", 1);
	how = child_rc(a);
	abi_say("sem-undo-clamp", "child %s val %d", how, val(0));

	/* SETVAL clears every process's adjustment of that semaphore. */
	setval(0, 0);
	a = ipc_spawn(undo_clamp_child, fds);
	read(from_child[0], &c, 1);
	setval(0, 7);
	write(to_child[1], "x", 1);
	how = child_rc(a);
	abi_say("sem-undo-setval-clears", "child %s val %d", how, val(0));
	close(to_child[0]);
	close(to_child[1]);
	close(from_child[0]);
	close(from_child[1]);

	/* An adjustment that would pass SEMAEM is ERANGE. */
	setval(0, 32767);
	abi_say("sem-undo-range-1", "%s", abi_rc(op1(set, 0, -32767, SEM_UNDO)));
	abi_say("sem-undo-range-2", "%s", abi_rc(op1(set, 0, 1, 0)));
	rc = op1(set, 0, -1, SEM_UNDO);
	abi_say("sem-undo-range-3", "%s val %d", abi_rc(rc), val(0));
	setval(0, 0); /* clears this process's adjustment again */
}

static void rmid_case(void)
{
	struct op_arg take1 = {0, -1, 0};
	struct seminfo si0, si1;
	int id, old = set, rc;
	pid_t a;

	a = ipc_spawn(op_child, &take1);
	wait_count(GETNCNT, 0, 1);
	abi_say("sem-rmid", "%s", abi_rc(semctl(set, 0, IPC_RMID)));
	abi_say("sem-rmid-sleeper", "%s", child_rc(a));
	abi_say("sem-rmid-gone", "%s", abi_rc(semctl(old, 0, GETVAL)));
	abi_say("sem-rmid-gone-op", "%s", abi_rc(op1(old, 0, 1, 0)));
	abi_say("sem-rmid-again", "%s", abi_rc(semctl(old, 0, IPC_RMID)));

	rc = semctl(0, 0, IPC_INFO, (union semun){.__buf = &si0});
	abi_say("sem-ipc-info",
		"%s semmap %d semmni %d semmns %d semmnu %d semmsl %d semopm %d semume %d "
		"semusz %d semvmx %d semaem %d",
		rc >= 0 ? "ok" : abi_errname(errno), si0.semmap, si0.semmni, si0.semmns, si0.semmnu,
		si0.semmsl, si0.semopm, si0.semume, si0.semusz, si0.semvmx, si0.semaem);
	semctl(0, 0, SEM_INFO, (union semun){.__buf = &si0});
	id = semget(IPC_PRIVATE, 3, 0600);
	rc = semctl(0, 0, SEM_INFO, (union semun){.__buf = &si1});
	abi_say("sem-sem-info", "%s arrays +%d sems +%d",
		rc >= (id & 0x7fff) ? "covers" : abi_errname(errno), si1.semusz - si0.semusz,
		si1.semaem - si0.semaem);
	abi_say("sem-recreate", "%s", id != old ? "new id" : "old id");
	semctl(id, 0, IPC_RMID);
}

void ipc_test_sem(void)
{
	abi_area = "ipc";
	get_cases();
	if (set < 0)
		return;
	ctl_cases();
	op_cases();
	eintr_case();
	wake_cases();
	complex_case();
	undo_cases();
	rmid_case();
}
