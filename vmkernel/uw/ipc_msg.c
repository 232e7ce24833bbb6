/*
 * System V message queues: msgget, msgsnd, msgrcv, msgctl (Linux 6.1 semantics).
 *
 * A queue keeps its messages in arrival order.  A message is copied in from the sender
 * before any lock is taken, and out to the receiver after it left the queue.  As on Linux a
 * new message goes straight to the first sleeping receiver it matches (a receiver whose
 * buffer is too small without MSG_NOERROR is woken with E2BIG instead, and the message goes
 * on to the next); senders that found the queue full (msg_qbytes bytes, or as many
 * messages) sleep until a receive, an IPC_SET or an IPC_RMID wakes them to try again.
 * IPC_RMID wakes every sleeper with EIDRM.  Signals end a wait with EINTR (msgsnd and msgrcv
 * are never restarted after a handler).
 *
 * Locks: the table mutex, then a queue's wait-queue spinlock (its messages, counters and
 * sleepers).  Messages, queues and their headers are charged to the IPC memory budget.
 */
#define LOG_TAG "msg"
#include "ipc_priv.h"
#include <vmk/compiler.h>
#include <vmk/aspace.h>
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/syscall.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <string.h>

#define MSGR_WAITING 1 /* msg_receiver.status until a sender or IPC_RMID settles it */
#define INT_MAX_     0x7fffffff

struct msg_receiver {
	struct msg_receiver *next;
	struct world *w;
	long type;
	enum ipc_msg_mode mode;
	size_t maxsize;
	int pid;
	int status;	     /* 0 with msg, -E2BIG, -EIDRM, or -EAGAIN: look again */
	struct ipc_msg *msg; /* what a sender handed over */
};

struct msg_sender {
	struct msg_sender *next;
	struct world *w;
	size_t size;
};

struct msg_queue {
	struct ipc_kperm perm; /* first: the table holds &perm */
	struct waitq wq;       /* its lock guards what follows; sleepers wait on it */
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct ipc_msg *head, **tail;
	struct msg_receiver *receivers; /* in arrival order */
	struct msg_sender *senders;
};

static struct ipc_ids msg_ids = IPC_IDS_INIT(MSGMNI);
static uint64_t msg_hdrs, msg_bytes; /* over every queue (atomic): MSG_INFO */

static struct msg_queue *queue_of(struct ipc_kperm *k)
{
	return (struct msg_queue *)k;
}

static size_t msg_charge_size(size_t size)
{
	return sizeof(struct ipc_msg) + size;
}

static void msg_free(struct ipc_msg *m)
{
	ipc_mem_uncharge(msg_charge_size(m->size));
	kfree(m);
}

static void queue_put(struct msg_queue *q)
{
	if (ipc_unref(&q->perm)) {
		ipc_mem_uncharge(sizeof(*q));
		kfree(q);
	}
}

static int queue_get(int id, bool check, struct msg_queue **out)
{
	struct ipc_kperm *k;
	int rc;

	mutex_lock(&msg_ids.lock);
	rc = ipc_find_id(&msg_ids, id, check, &k);
	if (!rc) {
		ipc_ref(k);
		*out = queue_of(k);
	}
	mutex_unlock(&msg_ids.lock);
	return rc;
}

static bool fits(const struct msg_queue *q, size_t size)
{
	return size + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

/* Wake the sleeping senders that would now fit (queue lock held); each tries again. */
static void wake_senders(struct msg_queue *q, bool all)
{
	for (struct msg_sender *s = q->senders; s; s = s->next)
		if (all || fits(q, s->size))
			world_wake(s->w);
}

/* Settle every sleeping receiver with status rc (queue lock held). */
static void wake_receivers(struct msg_queue *q, int rc)
{
	while (q->receivers) {
		struct msg_receiver *r = q->receivers;

		q->receivers = r->next;
		r->status = rc;
		world_wake(r->w);
	}
}

static void receiver_del(struct msg_queue *q, struct msg_receiver *r)
{
	for (struct msg_receiver **p = &q->receivers; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
}

static void sender_del(struct msg_queue *q, struct msg_sender *s)
{
	for (struct msg_sender **p = &q->senders; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
}

/* --- msgget --- */

static int msq_create(struct ipc_ids *ids, int32_t key, int flags, long arg)
{
	struct msg_queue *q;
	int id;

	if (!ipc_mem_charge(sizeof(*q)))
		return -ENOMEM;
	q = kzalloc(sizeof(*q));
	if (!q) {
		ipc_mem_uncharge(sizeof(*q));
		return -ENOMEM;
	}
	waitq_init(&q->wq);
	q->ctime = ipc_now();
	q->qbytes = MSGMNB;
	q->tail = &q->head;
	id = ipc_add(ids, &q->perm, key, flags);
	if (id < 0) {
		ipc_mem_uncharge(sizeof(*q));
		kfree(q);
	}
	return id;
}

static long sys_msgget(long key, long flags, long a2, long a3, long a4, long a5)
{
	return ipc_get(&msg_ids, (int32_t)key, (int)flags, 0, msq_create, NULL);
}
SYSCALL_DEFINE(68, sys_msgget);

/* --- msgsnd --- */

/* Give m to the first sleeping receiver it matches; false when none takes it (queue lock
 * held).  Receivers too small for it get E2BIG on the way. */
static bool hand_over(struct msg_queue *q, struct ipc_msg *m)
{
	for (struct msg_receiver **p = &q->receivers, *r; (r = *p);) {
		if (!ipc_msg_match(m->mtype, r->type, r->mode)) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		if (r->maxsize < m->size) {
			r->status = -E2BIG;
			world_wake(r->w);
			continue;
		}
		q->lrpid = r->pid;
		q->rtime = ipc_now();
		r->msg = m;
		r->status = 0;
		world_wake(r->w);
		return true;
	}
	return false;
}

static long sys_msgsnd(long lid, long umsg, long lsize, long lflags, long a4, long a5)
{
	int id = (int)lid, flags = (int)lflags;
	size_t size = (size_t)lsize;
	struct msg_sender s = {0};
	struct msg_queue *q;
	struct ipc_msg *m;
	long mtype, rc;
	uint64_t f;

	if (copy_from_user(&mtype, (const void *)umsg, sizeof(mtype)))
		return -EFAULT;
	if (size > MSGMAX || (long)size < 0 || id < 0)
		return -EINVAL;
	if (mtype < 1)
		return -EINVAL;
	if (!ipc_mem_charge(msg_charge_size(size)))
		return -ENOMEM;
	m = kmalloc(msg_charge_size(size));
	if (!m) {
		ipc_mem_uncharge(msg_charge_size(size));
		return -ENOMEM;
	}
	m->next = NULL;
	m->mtype = mtype;
	m->size = size;
	rc = copy_from_user(m->text, (const char *)umsg + sizeof(long), size);
	if (!rc)
		rc = queue_get(id, true, &q);
	if (rc) {
		msg_free(m);
		return rc;
	}
	f = spin_lock_irqsave(&q->wq.lock);
	for (;;) {
		if (!ipc_perm_ok(&q->perm, 0222)) {
			rc = -EACCES;
			break;
		}
		if (q->perm.deleted) {
			rc = -EIDRM;
			break;
		}
		if (fits(q, size))
			break;
		if (flags & IPC_NOWAIT) {
			rc = -EAGAIN;
			break;
		}
		s.w = world_current();
		s.size = size;
		s.next = q->senders;
		q->senders = &s;
		waitq_wait(&q->wq, &f);
		sender_del(q, &s);
		if (q->perm.deleted) {
			rc = -EIDRM;
			break;
		}
		if (signal_pending()) {
			rc = -EINTR;
			break;
		}
	}
	if (!rc) {
		q->lspid = ipc_pid();
		q->stime = ipc_now();
		if (!hand_over(q, m)) {
			*q->tail = m;
			q->tail = &m->next;
			q->cbytes += size;
			q->qnum++;
			__atomic_add_fetch(&msg_hdrs, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&msg_bytes, size, __ATOMIC_RELAXED);
		}
		m = NULL;
	}
	spin_unlock_irqrestore(&q->wq.lock, f);
	queue_put(q);
	if (m)
		msg_free(m);
	return rc;
}
SYSCALL_DEFINE(69, sys_msgsnd);

/* --- msgrcv --- */

/* Take *link's message off q (queue lock held). */
static struct ipc_msg *take(struct msg_queue *q, struct ipc_msg **link)
{
	struct ipc_msg *m = *link;

	*link = m->next;
	if (q->tail == &m->next)
		q->tail = link;
	q->qnum--;
	q->cbytes -= m->size;
	q->rtime = ipc_now();
	q->lrpid = ipc_pid();
	__atomic_sub_fetch(&msg_hdrs, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&msg_bytes, m->size, __ATOMIC_RELAXED);
	wake_senders(q, false);
	return m;
}

/* MSG_COPY: a copy of m for a buffer of bufsz bytes (queue lock held); Linux refuses, with
 * EINVAL, a message larger than min(bufsz, MSGMAX) even with MSG_NOERROR. */
static struct ipc_msg *copy_of(const struct ipc_msg *m, size_t bufsz, int *rc)
{
	struct ipc_msg *c;

	if (m->size > MIN(bufsz, (size_t)MSGMAX)) {
		*rc = -EINVAL;
		return NULL;
	}
	if (!ipc_mem_charge(msg_charge_size(m->size)) || !(c = kmalloc(msg_charge_size(m->size)))) {
		*rc = -ENOMEM;
		return NULL;
	}
	memcpy(c, m, msg_charge_size(m->size));
	c->next = NULL;
	return c;
}

static long sys_msgrcv(long lid, long umsg, long lsize, long type, long lflags, long a5)
{
	int id = (int)lid, flags = (int)lflags, rc;
	size_t bufsz = (size_t)lsize, n;
	struct msg_receiver r = {0};
	enum ipc_msg_mode mode;
	struct ipc_msg *m = NULL;
	struct msg_queue *q;
	uint64_t f;

	if (id < 0 || (long)bufsz < 0)
		return -EINVAL;
	if ((flags & MSG_COPY) && ((flags & MSG_EXCEPT) || !(flags & IPC_NOWAIT)))
		return -EINVAL;
	mode = ipc_msg_mode(&type, flags);
	rc = queue_get(id, true, &q);
	if (rc)
		return rc;
	f = spin_lock_irqsave(&q->wq.lock);
	for (;;) {
		struct ipc_msg **link;

		if (!ipc_perm_ok(&q->perm, 0444)) {
			rc = -EACCES;
			break;
		}
		if (q->perm.deleted) {
			rc = -EIDRM;
			break;
		}
		link = ipc_msg_find(&q->head, &type, mode);
		if (link) {
			if (bufsz < (*link)->size && !(flags & MSG_NOERROR))
				rc = -E2BIG;
			else if (flags & MSG_COPY)
				m = copy_of(*link, bufsz, &rc);
			else
				m = take(q, link);
			break;
		}
		if (flags & IPC_NOWAIT) {
			rc = -ENOMSG;
			break;
		}
		r = (struct msg_receiver){
			.w = world_current(),
			.type = type,
			.mode = mode,
			.maxsize = flags & MSG_NOERROR ? INT_MAX_ : bufsz,
			.pid = ipc_pid(),
			.status = MSGR_WAITING,
		};
		/* Arrival order: at the tail. */
		struct msg_receiver **p = &q->receivers;

		while (*p)
			p = &(*p)->next;
		*p = &r;
		waitq_wait(&q->wq, &f);
		if (r.status == MSGR_WAITING) {
			receiver_del(q, &r);
			if (signal_pending()) {
				rc = -EINTR;
				break;
			}
		} else if (r.status != -EAGAIN) {
			rc = r.status;
			m = r.msg;
			break;
		}
	}
	spin_unlock_irqrestore(&q->wq.lock, f);
	queue_put(q);
	if (!m)
		return rc;
	n = MIN(bufsz, m->size);
	if (copy_to_user((void *)umsg, &m->mtype, sizeof(long)) ||
	    copy_to_user((char *)umsg + sizeof(long), m->text, n))
		n = (size_t)-EFAULT; /* the message is gone all the same, as on Linux */
	msg_free(m);
	return (long)n;
}
SYSCALL_DEFINE(70, sys_msgrcv);

/* --- msgctl --- */

static int msq_stat(int id, int cmd, struct msqid64_ds *out)
{
	struct msg_queue *q;
	uint64_t f;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = queue_get(id, cmd == IPC_STAT, &q);
	if (rc)
		return rc;
	f = spin_lock_irqsave(&q->wq.lock);
	if (cmd != MSG_STAT_ANY && !ipc_perm_ok(&q->perm, 0444))
		rc = -EACCES;
	else if (q->perm.deleted)
		rc = -EIDRM;
	if (!rc) {
		ipc_perm_out(&q->perm, &out->msg_perm);
		out->msg_stime = q->stime;
		out->msg_rtime = q->rtime;
		out->msg_ctime = q->ctime;
		out->msg_cbytes = q->cbytes;
		out->msg_qnum = q->qnum;
		out->msg_qbytes = q->qbytes;
		out->msg_lspid = q->lspid;
		out->msg_lrpid = q->lrpid;
		rc = cmd == IPC_STAT ? 0 : q->perm.id;
	}
	spin_unlock_irqrestore(&q->wq.lock, f);
	queue_put(q);
	return rc;
}

/* IPC_SET, IPC_RMID (Linux's msgctl_down and freeque). */
static int msq_change(int id, int cmd, const struct msqid64_ds *in)
{
	struct ipc_kperm *k;
	struct msg_queue *q;
	struct ipc_msg *m;
	uint64_t f;
	int rc;

	mutex_lock(&msg_ids.lock);
	rc = ipc_find_id(&msg_ids, id, true, &k);
	if (!rc)
		rc = ipc_owner_ok(k);
	/* Raising msg_qbytes past MSGMNB needs CAP_SYS_RESOURCE: root has it. */
	if (rc) {
		mutex_unlock(&msg_ids.lock);
		return rc;
	}
	q = queue_of(k);
	f = spin_lock_irqsave(&q->wq.lock);
	if (cmd == IPC_SET) {
		rc = ipc_perm_set(k, &in->msg_perm);
		if (!rc) {
			q->qbytes = in->msg_qbytes;
			q->ctime = ipc_now();
			wake_receivers(q, -EAGAIN); /* permissions may have changed: look again */
			wake_senders(q, false);
		}
		spin_unlock_irqrestore(&q->wq.lock, f);
		mutex_unlock(&msg_ids.lock);
		return rc;
	}
	wake_receivers(q, -EIDRM);
	wake_senders(q, true);
	ipc_remove(&msg_ids, k);
	m = q->head;
	q->head = NULL;
	q->tail = &q->head;
	__atomic_sub_fetch(&msg_hdrs, q->qnum, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&msg_bytes, q->cbytes, __ATOMIC_RELAXED);
	q->qnum = q->cbytes = 0;
	spin_unlock_irqrestore(&q->wq.lock, f);
	mutex_unlock(&msg_ids.lock);
	while (m) {
		struct ipc_msg *next = m->next;

		msg_free(m);
		m = next;
	}
	queue_put(q); /* the table's reference */
	return 0;
}

static long sys_msgctl(long lid, long lcmd, long ubuf, long a3, long a4, long a5)
{
	int id = (int)lid, cmd = (int)lcmd;
	void *buf = (void *)ubuf;
	long rc;

	if (id < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO: {
		struct msginfo mi = {
			.msgmni = MSGMNI,
			.msgmax = MSGMAX,
			.msgmnb = MSGMNB,
			.msgssz = MSGSSZ,
			.msgseg = MSGSEG,
		};

		mutex_lock(&msg_ids.lock);
		if (cmd == MSG_INFO) {
			uint64_t hdrs = __atomic_load_n(&msg_hdrs, __ATOMIC_RELAXED);
			uint64_t bytes = __atomic_load_n(&msg_bytes, __ATOMIC_RELAXED);

			mi.msgpool = msg_ids.idr.in_use;
			mi.msgmap = (int32_t)MIN(hdrs, (uint64_t)INT_MAX_);
			mi.msgtql = (int32_t)MIN(bytes, (uint64_t)INT_MAX_);
		} else {
			mi.msgmap = MSGMAP;
			mi.msgpool = MSGPOOL;
			mi.msgtql = MSGTQL;
		}
		rc = ipc_idr_info_max(&msg_ids.idr);
		mutex_unlock(&msg_ids.lock);
		return copy_to_user(buf, &mi, sizeof(mi)) ? -EFAULT : rc;
	}
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY: {
		struct msqid64_ds ds;

		rc = msq_stat(id, cmd, &ds);
		if (rc >= 0 && copy_to_user(buf, &ds, sizeof(ds)))
			rc = -EFAULT;
		return rc;
	}
	case IPC_SET: {
		struct msqid64_ds ds;

		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		return msq_change(id, cmd, &ds);
	}
	case IPC_RMID:
		return msq_change(id, cmd, NULL);
	default:
		return -EINVAL;
	}
}
SYSCALL_DEFINE(71, sys_msgctl);
