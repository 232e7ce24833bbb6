/* abi-ipc, message queues: msgget, msgsnd, msgrcv, msgctl; senders and receivers that wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "abi.h"
#include "ipc_test.h"

#define KEY 0x0a11ce03

struct m {
	long type;
	char text[8200];
};

static int q; /* the queue the cases share */

static int snd(int id, long type, const char *text, int flags)
{
	struct m b = {.type = type};

	strcpy(b.text, text);
	return msgsnd(id, &b, strlen(text), flags);
}

/* Receive into a fresh buffer: "type:text" or the errno name. */
static const char *rcv(int id, size_t size, long type, int flags)
{
	static char out[64];
	struct m b;
	ssize_t n;

	memset(&b, 0, sizeof(b));
	n = msgrcv(id, &b, size, type, flags);
	if (n < 0)
		return abi_errname(errno);
	snprintf(out, sizeof(out), "%ld:%.*s (%zd)", b.type, (int)n, b.text, n);
	return out;
}

static struct msqid_ds st(int id)
{
	struct msqid_ds ds;

	memset(&ds, 0, sizeof(ds));
	msgctl(id, IPC_STAT, &ds);
	return ds;
}

static const char *who(pid_t p, pid_t child)
{
	return p == getpid() ? "self" : p == child ? "child" : p == 0 ? "0" : "other";
}

static void basic_cases(void)
{
	struct msqid_ds ds;
	time_t now = time(NULL);
	struct m b = {.type = 1};

	abi_say("msg-get-noent", "%s", abi_rc(msgget(KEY, 0600)));
	q = msgget(KEY, IPC_CREAT | 0620);
	abi_say("msg-get-create", "%s", q >= 0 ? "ok" : abi_errname(errno));
	abi_say("msg-get-same", "%s", msgget(KEY, 0) == q ? "same" : "other");
	abi_say("msg-get-excl", "%s", abi_rc(msgget(KEY, IPC_CREAT | IPC_EXCL | 0600)));
	ds = st(q);
	abi_say("msg-stat", "mode %o qnum %lu cbytes %lu qbytes %lu lspid %d lrpid %d",
		ds.msg_perm.mode, (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_cbytes,
		(unsigned long)ds.msg_qbytes, ds.msg_lspid, ds.msg_lrpid);
	abi_say("msg-stat-times", "stime %s rtime %s ctime %s", ds.msg_stime ? "set" : "0",
		ds.msg_rtime ? "set" : "0",
		ds.msg_ctime <= now && ds.msg_ctime > now - 60 ? "now" : "wrong");

	abi_say("msg-snd", "%s", abi_rc(snd(q, 5, "hello", 0)));
	ds = st(q);
	abi_say("msg-snd-stat", "qnum %lu cbytes %lu lspid %s stime %s", (unsigned long)ds.msg_qnum,
		(unsigned long)ds.msg_cbytes, who(ds.msg_lspid, 0), ds.msg_stime ? "set" : "0");
	abi_say("msg-snd-type0", "%s", abi_rc(snd(q, 0, "x", 0)));
	abi_say("msg-snd-negtype", "%s", abi_rc(snd(q, -3, "x", 0)));
	abi_say("msg-snd-msgmax+1", "%s", abi_rc(msgsnd(q, &b, 8193, 0)));
	abi_say("msg-snd-msgmax", "%s", abi_rc(msgsnd(q, &b, 8192, 0)));
	abi_say("msg-snd-efault", "%s", abi_rc(msgsnd(q, KADDR, 4, 0)));
	/* mtype readable, the text on an unmapped page. */
	char *pg = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(pg + 4096, 4096);
	*(long *)(pg + 4096 - sizeof(long)) = 1;
	abi_say("msg-snd-text-efault", "%s", abi_rc(msgsnd(q, pg + 4096 - sizeof(long), 4, 0)));
	munmap(pg, 4096);
	abi_say("msg-snd-negid", "%s", abi_rc(snd(-1, 1, "x", 0)));
	abi_say("msg-snd-stale-seq", "%s", abi_rc(snd(q + 32768, 1, "x", 0)));
	ds = st(q);
	abi_say("msg-snd-stat2", "qnum %lu cbytes %lu", (unsigned long)ds.msg_qnum,
		(unsigned long)ds.msg_cbytes);
	abi_say("msg-rcv-first", "%s", rcv(q, 100, 0, 0));
	ds = st(q);
	abi_say("msg-rcv-stat", "qnum %lu cbytes %lu lrpid %s rtime %s", (unsigned long)ds.msg_qnum,
		(unsigned long)ds.msg_cbytes, who(ds.msg_lrpid, 0), ds.msg_rtime ? "set" : "0");
	abi_say("msg-rcv-big", "%s", rcv(q, 8192, 0, MSG_NOERROR));
}

static void select_cases(void)
{
	long types[] = {5, 3, 7, 3, 2, 2};
	const char *texts[] = {"five", "three-a", "seven", "three-b", "two-a", "two-b"};

	for (int i = 0; i < 6; i++)
		snd(q, types[i], texts[i], 0);
	abi_say("msg-copy-1", "%s", rcv(q, 100, 1, MSG_COPY_ | IPC_NOWAIT));
	abi_say("msg-copy-past", "%s", rcv(q, 100, 6, MSG_COPY_ | IPC_NOWAIT));
	abi_say("msg-copy-wait", "%s", rcv(q, 100, 1, MSG_COPY_));
	abi_say("msg-copy-except", "%s", rcv(q, 100, 1, MSG_COPY_ | IPC_NOWAIT | MSG_EXCEPT));
	abi_say("msg-copy-small", "%s", rcv(q, 2, 0, MSG_COPY_ | IPC_NOWAIT | MSG_NOERROR));
	abi_say("msg-copy-qnum", "%lu", (unsigned long)st(q).msg_qnum);
	abi_say("msg-rcv-type3", "%s", rcv(q, 100, 3, 0));
	abi_say("msg-rcv-le4", "%s", rcv(q, 100, -4, 0));
	abi_say("msg-rcv-except5", "%s", rcv(q, 100, 5, MSG_EXCEPT));
	abi_say("msg-rcv-absent", "%s", rcv(q, 100, 9, IPC_NOWAIT));
	abi_say("msg-rcv-le1", "%s", rcv(q, 100, -1, IPC_NOWAIT));
	abi_say("msg-rcv-small", "%s", rcv(q, 2, 0, 0));
	abi_say("msg-rcv-small-qnum", "%lu", (unsigned long)st(q).msg_qnum);
	abi_say("msg-rcv-noerror", "%s", rcv(q, 2, 0, MSG_NOERROR));
	abi_say("msg-rcv-any", "%s", rcv(q, 100, 0, 0));
	abi_say("msg-rcv-lemin", "%s", rcv(q, 100, (long)(~0ul >> 1) * -1 - 1, 0));
	abi_say("msg-rcv-empty", "%s", rcv(q, 100, 0, IPC_NOWAIT));
	abi_say("msg-rcv-efault", "%s",
		abi_rc(snd(q, 4, "four", 0) ? -1 : msgrcv(q, KADDR, 100, 0, 0)));
	abi_say("msg-rcv-efault-qnum", "%lu", (unsigned long)st(q).msg_qnum);
	abi_say("msg-rcv-negsize", "%s", abi_rc(msgrcv(q, KADDR, (size_t)-1, 0, 0)));
	abi_say("msg-rcv-negid", "%s", rcv(-1, 100, 0, IPC_NOWAIT));
}

struct rcv_arg {
	size_t size;
	long type;
	int flags;
};

/* A child receiving one message: exit 0 when it got "nine", else the errno. */
static int rcv_child(void *arg)
{
	struct rcv_arg *a = arg;
	struct m b;
	ssize_t n = msgrcv(q, &b, a->size, a->type, a->flags);

	if (n < 0)
		return errno;
	return n == 4 && !memcmp(b.text, "nine", 4) ? 0 : 99;
}

static int snd_child(void *arg)
{
	(void)arg;
	return snd(q, 1, "sixty bytes sixty bytes sixty bytes sixty bytes sixty bytes.", 0) ? errno
											    : 0;
}

static const char *child_rc(pid_t pid)
{
	int st = 0;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return "lost";
	return WIFEXITED(st) ? abi_errname(WEXITSTATUS(st)) : "killed";
}

static int pingpong_child(void *arg)
{
	struct m b;

	(void)arg;
	if (snd(q, 1, "ping", 0) || msgrcv(q, &b, sizeof(b.text), 2, 0) != 4)
		return errno ? errno : 98;
	return memcmp(b.text, "pong", 4) ? 99 : 0;
}

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void wait_cases(void)
{
	struct rcv_arg nine = {100, 9, 0}, tiny = {2, 0, 0};
	struct sigaction sa = {0}, old;
	struct itimerval it = {{0, 0}, {0, 100000}};
	struct msqid_ds ds;
	const char *how;
	pid_t a;

	a = ipc_spawn(rcv_child, &nine);
	ipc_msleep(200);
	snd(q, 8, "eight", 0);
	snd(q, 9, "nine", 0);
	how = child_rc(a);
	abi_say("msg-rcv-wait", "child %s", how);
	ds = st(q);
	abi_say("msg-rcv-wait-stat", "qnum %lu lrpid %s", (unsigned long)ds.msg_qnum,
		who(ds.msg_lrpid, a));
	abi_say("msg-rcv-wait-left", "%s", rcv(q, 100, 0, IPC_NOWAIT));

	/* A receiver too small for what arrives gets E2BIG; the message stays. */
	a = ipc_spawn(rcv_child, &tiny);
	ipc_msleep(200);
	snd(q, 3, "too long for it", 0);
	how = child_rc(a);
	abi_say("msg-rcv-wait-e2big", "child %s qnum %lu", how, (unsigned long)st(q).msg_qnum);
	rcv(q, 100, 0, IPC_NOWAIT);

	/* A full queue: IPC_NOWAIT is EAGAIN; a blocked sender goes on after a receive. */
	ds = st(q);
	ds.msg_qbytes = 100;
	abi_say("msg-set-qbytes", "%s", abi_rc(msgctl(q, IPC_SET, &ds)));
	abi_say("msg-full-first", "%s",
		abi_rc(snd(q, 1, "sixty bytes sixty bytes sixty bytes sixty bytes sixty bytes.",
			   0)));
	abi_say("msg-full-nowait", "%s",
		abi_rc(snd(q, 1, "sixty bytes sixty bytes sixty bytes sixty bytes sixty bytes.",
			   IPC_NOWAIT)));
	a = ipc_spawn(snd_child, NULL);
	ipc_msleep(200);
	abi_say("msg-full-blocked", "qnum %lu", (unsigned long)st(q).msg_qnum);
	rcv(q, 100, 0, 0);
	how = child_rc(a);
	ds = st(q);
	abi_say("msg-full-sender", "child %s qnum %lu lspid %s", how, (unsigned long)ds.msg_qnum,
		who(ds.msg_lspid, a));
	rcv(q, 100, 0, 0);
	ds = st(q);
	ds.msg_qbytes = 16384;
	msgctl(q, IPC_SET, &ds);

	a = ipc_spawn(pingpong_child, NULL);
	abi_say("msg-pingpong-ping", "%s", rcv(q, 100, 1, 0));
	snd(q, 2, "pong", 0);
	abi_say("msg-pingpong", "child %s", child_rc(a));

	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	how = rcv(q, 100, 0, 0);
	abi_say("msg-rcv-eintr", "%s handler %d", how, alarms);
	sigaction(SIGALRM, &old, NULL);
}

static void ctl_cases(void)
{
	struct msqid_ds ds;
	struct msginfo mi, m0, m1;
	struct rcv_arg any = {100, 0, 0};
	int rc, old = q, id;
	pid_t a, b;

	ds = st(q);
	ds.msg_perm.uid = 7;
	ds.msg_perm.mode = 0644;
	ds.msg_qbytes = 32768; /* past MSGMNB: root may */
	abi_say("msg-set", "%s", abi_rc(msgctl(q, IPC_SET, &ds)));
	ds = st(q);
	abi_say("msg-set-stat", "uid %u cuid %u mode %o qbytes %lu", ds.msg_perm.uid,
		ds.msg_perm.cuid, ds.msg_perm.mode, (unsigned long)ds.msg_qbytes);
	abi_say("msg-set-efault", "%s", abi_rc(msgctl(q, IPC_SET, KADDR)));
	abi_say("msg-stat-efault", "%s", abi_rc(msgctl(q, IPC_STAT, KADDR)));
	abi_say("msg-ctl-badcmd", "%s", abi_rc(msgctl(q, 99, &ds)));
	abi_say("msg-ctl-negcmd", "%s", abi_rc(msgctl(q, -1, &ds)));
	abi_say("msg-ctl-ipc64", "%s",
		ipc_raw(ipc_sys(SYS_msgctl, q, IPC_STAT | IPC_64_, (long)&ds, 0, 0)));
	rc = msgctl(q + 32768, MSG_STAT, &ds);
	abi_say("msg-stat-by-index", "%s", rc == q ? "the id" : abi_rc(rc));
	rc = msgctl(q & 0x7fff, MSG_STAT_ANY, &ds);
	abi_say("msg-stat-any", "%s", rc == q ? "the id" : abi_rc(rc));
	abi_say("msg-stat-stale-seq", "%s", abi_rc(msgctl(q + 32768, IPC_STAT, &ds)));
	rc = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	abi_say("msg-ipc-info",
		"%s msgpool %d msgmap %d msgmax %d msgmnb %d msgmni %d msgssz %d msgtql %d "
		"msgseg %u",
		rc >= 0 ? "ok" : abi_errname(errno), mi.msgpool, mi.msgmap, mi.msgmax, mi.msgmnb,
		mi.msgmni, mi.msgssz, mi.msgtql, mi.msgseg);
	msgctl(0, MSG_INFO, (struct msqid_ds *)&m0);
	id = msgget(IPC_PRIVATE, 0600);
	snd(id, 1, "abc", 0);
	snd(id, 1, "defgh", 0);
	rc = msgctl(0, MSG_INFO, (struct msqid_ds *)&m1);
	abi_say("msg-msg-info", "%s queues +%d messages +%d bytes +%d",
		rc >= (id & 0x7fff) ? "covers" : abi_errname(errno), m1.msgpool - m0.msgpool,
		m1.msgmap - m0.msgmap, m1.msgtql - m0.msgtql);
	msgctl(id, IPC_RMID, NULL);
	msgctl(0, MSG_INFO, (struct msqid_ds *)&m1);
	abi_say("msg-msg-info-rmid", "queues +%d messages +%d bytes +%d", m1.msgpool - m0.msgpool,
		m1.msgmap - m0.msgmap, m1.msgtql - m0.msgtql);

	/* Removal wakes a sleeping receiver and a sleeping sender with EIDRM. */
	a = ipc_spawn(rcv_child, &any);
	ipc_msleep(200);
	ds = st(q);
	ds.msg_qbytes = 0; /* nothing fits: the next sender sleeps */
	msgctl(q, IPC_SET, &ds);
	b = ipc_spawn(snd_child, NULL);
	ipc_msleep(200);
	abi_say("msg-rmid", "%s", abi_rc(msgctl(q, IPC_RMID, NULL)));
	abi_say("msg-rmid-receiver", "%s", child_rc(a));
	abi_say("msg-rmid-sender", "%s", child_rc(b));
	abi_say("msg-rmid-gone", "%s", abi_rc(msgctl(old, IPC_STAT, &ds)));
	abi_say("msg-rmid-gone-snd", "%s", abi_rc(snd(old, 1, "x", 0)));
	id = msgget(KEY, IPC_CREAT | 0600);
	abi_say("msg-recreate", "%s", id != old ? "new id" : "old id");
	msgctl(id, IPC_RMID, NULL);
}

void ipc_test_msg(void)
{
	abi_area = "ipc";
	basic_cases();
	if (q < 0)
		return;
	select_cases();
	wait_cases();
	ctl_cases();
}
