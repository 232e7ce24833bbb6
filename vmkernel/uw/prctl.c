/*
 * prctl(2): the operations programs use to name themselves and to read and set their
 * process attributes.  Every userworld runs as root with every capability, no seccomp filter
 * and no transparent huge pages; unknown operations are EINVAL, as on Linux.
 */
#define LOG_TAG "prctl"
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/errno.h>
#include <vmk/compiler.h>
#include <string.h>

enum {
	PR_SET_PDEATHSIG = 1,
	PR_GET_PDEATHSIG = 2,
	PR_GET_DUMPABLE = 3,
	PR_SET_DUMPABLE = 4,
	PR_GET_KEEPCAPS = 7,
	PR_SET_KEEPCAPS = 8,
	PR_SET_NAME = 15,
	PR_GET_NAME = 16,
	PR_GET_SECCOMP = 21,
	PR_CAPBSET_READ = 23,
	PR_SET_TIMERSLACK = 29,
	PR_GET_TIMERSLACK = 30,
	PR_SET_CHILD_SUBREAPER = 36,
	PR_GET_CHILD_SUBREAPER = 37,
	PR_SET_NO_NEW_PRIVS = 38,
	PR_GET_NO_NEW_PRIVS = 39,
	PR_GET_TID_ADDRESS = 40,
	PR_SET_THP_DISABLE = 41,
	PR_GET_THP_DISABLE = 42,
};
#define CAP_LAST_CAP	   40	 /* Linux 6.1's */
#define TIMERSLACK_DEFAULT 50000 /* ns, Linux's default */

static long sys_prctl(long op, long a2, long a3, long a4, long a5, long a6)
{
	struct world *w = world_current();
	struct proc *p = w->proc;
	struct uthread *ut = w->ut;
	char name[PROC_NAME_MAX];
	long rc;

	switch (op) {
	case PR_SET_PDEATHSIG:
		if (a2 < 0 || a2 > 64)
			return -EINVAL;
		p->pdeath_sig = (int)a2; /* Linux: when the parent thread exits; here its process */
		return 0;
	case PR_GET_PDEATHSIG:
		return copy_to_user((void *)a2, &p->pdeath_sig, sizeof(p->pdeath_sig));
	case PR_SET_CHILD_SUBREAPER: {
		uint64_t f = spin_lock_irqsave(&proc_wq.lock);

		p->child_subreaper = !!a2;
		spin_unlock_irqrestore(&proc_wq.lock, f);
		return 0;
	}
	case PR_GET_CHILD_SUBREAPER: {
		int v = p->child_subreaper;

		return copy_to_user((void *)a2, &v, sizeof(v));
	}
	case PR_GET_DUMPABLE:
		return !p->undumpable;
	case PR_SET_DUMPABLE:
		if (a2 != 0 && a2 != 1)
			return -EINVAL;
		p->undumpable = !a2;
		return 0;
	case PR_GET_KEEPCAPS:
		return p->keepcaps;
	case PR_SET_KEEPCAPS:
		if (a2 != 0 && a2 != 1)
			return -EINVAL;
		p->keepcaps = a2;
		return 0;
	case PR_SET_NAME:
		/* The thread's name; the first thread's is the process's (/proc/PID/comm). */
		rc = strnlen_user((const char *)a2, sizeof(name) - 1); /* 15 bytes at most */
		if (rc < 0)
			return rc;
		memset(name, 0, sizeof(name));
		if (copy_from_user(name, (const void *)a2, (size_t)rc))
			return -EFAULT;
		memset(w->name, 0, sizeof(w->name));
		memcpy(w->name, name, strlen(name));
		if (w == p->main)
			memcpy(p->name, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		memset(name, 0, sizeof(name));
		memcpy(name, w->name, MIN(strlen(w->name), sizeof(name) - 1));
		return copy_to_user((void *)a2, name, sizeof(name));
	case PR_GET_SECCOMP:
		return 0;
	case PR_CAPBSET_READ:
		return a2 >= 0 && a2 <= CAP_LAST_CAP ? 1 : -EINVAL;
	case PR_SET_TIMERSLACK:
		ut->timer_slack_ns = a2 > 0 ? (uint64_t)a2 : TIMERSLACK_DEFAULT;
		return 0;
	case PR_GET_TIMERSLACK:
		return ut->timer_slack_ns ? (long)ut->timer_slack_ns : TIMERSLACK_DEFAULT;
	case PR_SET_NO_NEW_PRIVS:
		if (a2 != 1 || a3 || a4 || a5)
			return -EINVAL;
		p->no_new_privs = true; /* for good, and for every descendant */
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a2 || a3 || a4 || a5)
			return -EINVAL;
		return p->no_new_privs;
	case PR_GET_TID_ADDRESS:
		return copy_to_user((void *)a2, &ut->clear_tid, sizeof(ut->clear_tid));
	case PR_SET_THP_DISABLE:
		if (a3 || a4 || a5)
			return -EINVAL;
		p->thp_disable = !!a2;
		return 0;
	case PR_GET_THP_DISABLE:
		if (a2 || a3 || a4 || a5)
			return -EINVAL;
		return p->thp_disable;
	default:
		return -EINVAL;
	}
}
SYSCALL_DEFINE(157, sys_prctl);
