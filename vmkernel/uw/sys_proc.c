/*
 * Process system calls: fork, vfork, clone (without threads so far), execve, wait4, the
 * session and group ids, and reboot; plus the C side of the SYSCALL entry.
 */
#define LOG_TAG "proc"
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/futex.h>
#include <vmk/syscall.h>
#include <vmk/rootfs.h>
#include <vmk/power.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <arch/cpu.h>
#include <string.h>

#define CLONE_VM	     0x00000100
#define CLONE_VFORK	     0x00004000
#define CLONE_THREAD	     0x00010000
#define CLONE_SETTLS	     0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000
#define WNOHANG		     1
#define WUNTRACED	     2
#define WCONTINUED	     8
#define RLIMIT_STACK	     3

void proc_set_name(struct proc *p, const char *path);

/* syscall.S's SYSRET path reads these fields of the frame by offset. */
_Static_assert(__builtin_offsetof(struct regs, r11) == 32 &&
		       __builtin_offsetof(struct regs, rcx) == 96 &&
		       __builtin_offsetof(struct regs, rip) == 136 &&
		       __builtin_offsetof(struct regs, rflags) == 152 &&
		       __builtin_offsetof(struct regs, ss) == 168,
	       "struct regs offsets in syscall.S");

/* Called by syscall.S with the user frame: dispatch, then deliver signals on the way out. */
void syscall_entry_c(struct regs *r)
{
	world_current()->uregs = r;
	syscall_dispatch(r);
	signal_deliver(r);
}

/* clone(CLONE_THREAD): a new world in the caller's process, sharing everything. */
static long new_thread(unsigned long flags, uint64_t newsp, uint64_t ptid, uint64_t ctid,
		       uint64_t tls, struct uthread *ut)
{
	struct world *w = world_current();
	struct proc *p = w->proc;
	struct regs frame = *w->uregs;
	int tid, rc;

	if (!ut)
		return -ENOMEM;
	if (!(flags & CLONE_VM) || !newsp) {
		kfree(ut);
		return -EINVAL;
	}
	tid = proc_alloc_id();
	/* The ids are in place before the thread can run (musl reads them at once). */
	if (((flags & CLONE_PARENT_SETTID) && copy_to_user((void *)ptid, &tid, sizeof(tid))) ||
	    ((flags & CLONE_CHILD_SETTID) && copy_to_user((void *)ctid, &tid, sizeof(tid)))) {
		kfree(ut);
		return -EFAULT;
	}
	ut->fs_base = flags & CLONE_SETTLS ? tls : w->ut->fs_base;
	ut->clear_tid = flags & CLONE_CHILD_CLEARTID ? ctid : 0;
	ut->sig_blocked = w->ut->sig_blocked; /* a new thread starts with the caller's mask */
	ut->timer_slack_ns = w->ut->timer_slack_ns;
	ut->sas = SIGALTSTACK_NONE; /* and without an alternate stack */
	fpu_save(&ut->fpu);
	frame.rax = 0;
	frame.rsp = newsp;
	__atomic_add_fetch(&p->as->refs, 1, __ATOMIC_RELAXED);
	rc = proc_start_thread(p, ut, &frame, tid, NULL);
	if (rc) {
		aspace_put(p->as);
		kfree(ut);
		return rc;
	}
	return tid;
}

static long do_fork(unsigned long flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	struct world *w = world_current();
	struct proc *parent = w->proc, *c = kzalloc(sizeof(*c));
	struct uthread *ut = kzalloc(sizeof(*ut));
	struct regs frame = *w->uregs;
	uint64_t f;
	int rc = -ENOMEM, pid;

	if (flags & CLONE_THREAD) {
		kfree(c);
		return new_thread(flags, newsp, ptid, ctid, tls, ut);
	}
	if (!proc_may_fork(parent->rlim[6].cur)) {
		kfree(c);
		kfree(ut);
		return -EAGAIN;
	}
	if (!c || !ut || !(c->as = aspace_clone(parent->as)))
		goto fail;
	fdtable_copy(&c->fds, &parent->fds);
	kvfs_lock();
	c->cwd = vnode_get(parent->cwd);
	kvfs_unlock();
	memcpy(c->name, parent->name, sizeof(c->name));
	c->pgid = parent->pgid;
	c->umask = parent->umask;
	memcpy(c->rlim, parent->rlim, sizeof(c->rlim));
	c->undumpable = parent->undumpable;
	c->keepcaps = parent->keepcaps;
	c->no_new_privs = parent->no_new_privs;
	c->thp_disable = parent->thp_disable;
	/* Controls are per process, not inherited, but for the nice value's shares. */
	c->nice = parent->nice;
	sched_group_init(&c->sched, parent->nice ? parent->sched.shares : 0, 0, 0);
	c->sid = parent->sid;
	c->sig_lock = (struct spinlock)SPINLOCK_INIT;
	/* the child thread inherits the caller's mask with its uthread */
	memcpy(c->sigact, parent->sigact, sizeof(c->sigact));
	ut->fs_base = flags & CLONE_SETTLS ? tls : w->ut->fs_base;
	ut->sig_blocked = w->ut->sig_blocked;
	ut->timer_slack_ns = w->ut->timer_slack_ns;
	ut->sas = w->ut->sas;
	fpu_save(&ut->fpu); /* the parent's live FPU state */
	frame.rax = 0;
	if (newsp)
		frame.rsp = newsp;

	proc_register(c);
	pid = c->pid;
	if (flags & CLONE_CHILD_SETTID)
		aspace_fill(c->as, ctid, &pid, sizeof(pid));
	if (flags & CLONE_CHILD_CLEARTID)
		ut->clear_tid = ctid;
	f = spin_lock_irqsave(&proc_wq.lock);
	c->parent = parent;
	c->sibling = parent->children;
	parent->children = c;
	spin_unlock_irqrestore(&proc_wq.lock, f);
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user((void *)ptid, &pid, sizeof(pid)))
		log_warn("pid %d: bad parent tid pointer in clone", parent->pid);

	rc = proc_start_thread(c, ut, &frame, pid, &c->main);
	if (rc) {
		/* Undo: nothing ran in the child. */
		f = spin_lock_irqsave(&proc_wq.lock);
		for (struct proc **pp = &parent->children; *pp; pp = &(*pp)->sibling)
			if (*pp == c) {
				*pp = c->sibling;
				break;
			}
		spin_unlock_irqrestore(&proc_wq.lock, f);
		fdtable_close_all(&c->fds);
		kvfs_lock();
		vnode_put(c->cwd);
		kvfs_unlock();
		aspace_put(c->as);
		c->main = NULL;
		proc_reap_unstarted(c);
		kfree(ut);
		return rc;
	}
	if (flags & CLONE_VFORK) {
		f = spin_lock_irqsave(&proc_wq.lock);
		while (!c->vfork_done)
			waitq_wait(&proc_wq, &f);
		spin_unlock_irqrestore(&proc_wq.lock, f);
	}
	return pid;
fail:
	if (c && c->as)
		aspace_put(c->as);
	kfree(c);
	kfree(ut);
	return rc;
}

static long sys_fork(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_fork(0, 0, 0, 0, 0);
}
SYSCALL_DEFINE(57, sys_fork);

static long sys_vfork(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_fork(CLONE_VFORK, 0, 0, 0, 0);
}
SYSCALL_DEFINE(58, sys_vfork);

static long sys_clone(long flags, long newsp, long ptid, long ctid, long tls, long a5)
{
	return do_fork((unsigned long)flags, (uint64_t)newsp, (uint64_t)ptid, (uint64_t)ctid,
		       (uint64_t)tls);
}
SYSCALL_DEFINE(56, sys_clone);

static char *strcpy_k(char *dst, const char *src)
{
	size_t n = strlen(src) + 1;

	memcpy(dst, src, n);
	return dst;
}

/* A "#!" script: run its interpreter (one level, as Linux allows up to four) with
 * argv = [interpreter, optional argument, script path, argv[1..]].  Replaces x (the script,
 * then its interpreter) and the first of *argv's strings; *line keeps the interpreter's
 * strings for as long as argv is used.  0 or -errno (-ENOEXEC for a malformed first line). */
static long exec_script(struct proc *p, const char *path, struct exec_strs *argv,
			char *const **line, struct exec_file *x)
{
	char buf[128], *interp, *arg = NULL, **v, *s;
	size_t n = 0, len, first = 0, bytes;
	const char *text = (const char *)x->head;
	long rc;

	while (n < x->head_len && n < sizeof(buf) - 1 && text[n] != '\n')
		n++;
	if (n == x->head_len || n == sizeof(buf) - 1)
		return -ENOEXEC;
	memcpy(buf, text + 2, n - 2);
	buf[n - 2] = 0;
	for (interp = buf; *interp == ' ' || *interp == '\t'; interp++)
		;
	for (s = interp; *s && *s != ' ' && *s != '\t'; s++)
		;
	if (*s) {
		*s++ = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		len = strlen(s);
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
			s[--len] = 0;
		arg = *s ? s : NULL;
	}
	if (!*interp)
		return -ENOEXEC;
	/* The script's argv[0] gives way to [interpreter, argument, path]. */
	if (argv->nu) {
		uint64_t u0;
		long l;

		if (copy_from_user(&u0, argv->u + argv->skip, sizeof(u0)))
			return -EFAULT;
		l = strnlen_user((const char *)u0, EXEC_STRLEN_MAX);
		if (l < 0)
			return l;
		first = (size_t)l + 1;
	}
	bytes = strlen(interp) + 1 + (arg ? strlen(arg) + 1 : 0) + strlen(path) + 1;
	v = kmalloc(4 * sizeof(char *) + bytes);
	if (!v)
		return -ENOMEM;
	s = (char *)(v + 4);
	n = 0;
	v[n++] = s, s += strlen(strcpy_k(s, interp)) + 1;
	if (arg)
		v[n++] = s, s += strlen(strcpy_k(s, arg)) + 1;
	v[n++] = s, s += strlen(strcpy_k(s, path)) + 1;
	v[n] = NULL;
	exec_close(x);
	rc = exec_open(p, v[0], x);
	if (!rc && x->head_len > 2 && !memcmp(x->head, "#!", 2))
		rc = -ELOOP; /* an interpreter that is itself a script: not supported */
	if (rc) {
		kfree(v);
		return rc;
	}
	argv->k = v;
	argv->nk = n;
	argv->bytes += bytes - first;
	if (argv->nu) {
		argv->skip++;
		argv->nu--;
	}
	*line = v;
	return 0;
}

/* The strings are checked here and copied by exec_load straight from this process's memory
 * to the new stack, which is built while the old image still runs. */
static long sys_execve(long upath, long uargv, long uenvp, long a3, long a4, long a5)
{
	struct world *w = world_current();
	struct proc *p = w->proc;
	char *path = kmalloc(4096);
	char *const *line = NULL;
	struct aspace *as, *old;
	struct exec_file x = {0};
	struct exec_args ea;
	struct regs frame;
	size_t limit;
	long rc;
	uint64_t f;

	if (!path)
		return -ENOMEM;
	ea.stack_limit = p->rlim[RLIMIT_STACK].cur;
	ea.execfn = path;
	limit = exec_args_limit(ea.stack_limit);
	rc = strncpy_from_user(path, (const char *)upath, 4096);
	if (rc >= 0)
		rc = exec_strs_user(&ea.argv, (const char *const *)uargv, limit);
	if (!rc)
		rc = exec_strs_user(&ea.envp, (const char *const *)uenvp, limit - ea.argv.bytes);
	if (!rc)
		rc = exec_open(p, path, &x);
	if (!rc && x.head_len > 2 && !memcmp(x.head, "#!", 2))
		rc = exec_script(p, path, &ea.argv, &line, &x);
	if (!rc)
		rc = exec_load(&x, &ea, &as, &frame);
	if (!rc)
		proc_apply_mem_limits(p, as);
	exec_close(&x);
	kfree((void *)line);
	if (rc) {
		kfree(path);
		return rc;
	}
	/* Past the point of no return: the old image goes, and what it held with it (robust and
	 * PI futexes, while still mapped; the clear_child_tid address). */
	futex_exec_release();
	w->ut->clear_tid = 0;
	irq_disable();
	old = w->as;
	w->as = p->as = as;
	aspace_activate(as);
	w->ut->fs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	fpu_init_state(&w->ut->fpu);
	fpu_restore(&w->ut->fpu);
	irq_enable();
	aspace_put(old);
	fdtable_close_cloexec(&p->fds);
	signal_exec(p, w->ut);
	proc_set_name(p, path);
	kfree(path);
	*w->uregs = frame;
	f = spin_lock_irqsave(&proc_wq.lock);
	p->vfork_done = true;
	waitq_wake_all_locked(&proc_wq);
	spin_unlock_irqrestore(&proc_wq.lock, f);
	return 0;
}
SYSCALL_DEFINE(59, sys_execve);

static bool wait_match(struct proc *me, struct proc *c, long pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == -1)
		return true;
	return c->pgid == (pid == 0 ? me->pgid : -pid);
}

/* wait4: a zombie child is reaped; with WUNTRACED a stopped child, with WCONTINUED a
 * continued one is reported (once) and stays. */
static long sys_wait4(long pid, long ustatus, long options, long urusage, long a4, long a5)
{
	struct proc *me = proc_current(), *found, *report;
	struct linux_rusage ru;
	uint64_t f;
	int status = 0, cpid = 0;
	bool any;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | 0x40000000))
		return -EINVAL;
	f = spin_lock_irqsave(&proc_wq.lock);
	for (;;) {
		any = false;
		found = report = NULL;
		for (struct proc **pp = &me->children; *pp; pp = &(*pp)->sibling) {
			struct proc *c = *pp;

			if (!wait_match(me, c, pid))
				continue;
			any = true;
			if (c->zombie) {
				found = c;
				*pp = found->sibling;
				break;
			}
			if (((options & WUNTRACED) && c->wait_report == WAIT_STOPPED) ||
			    ((options & WCONTINUED) && c->wait_report == WAIT_CONTINUED)) {
				report = c;
				break;
			}
		}
		if (found || report || !any || (options & WNOHANG) || signal_pending())
			break;
		waitq_wait(&proc_wq, &f);
	}
	if (report) {
		status =
			report->wait_report == WAIT_STOPPED ? report->stop_sig << 8 | 0x7f : 0xffff;
		report->wait_report = 0;
		cpid = report->pid;
	}
	spin_unlock_irqrestore(&proc_wq.lock, f);
	if (!found && !report)
		return !any ? -ECHILD : (options & WNOHANG) ? 0 : -EINTR;
	memset(&ru, 0, sizeof(ru)); /* a stopped or continued child: no figures */
	if (found) {
		status = found->exit_status;
		cpid = found->pid;
		rusage_reap(me, found, &ru);
		proc_reap(found);
	}
	if (urusage && copy_to_user((void *)urusage, &ru, sizeof(ru)))
		return -EFAULT;
	if (ustatus && copy_to_user((void *)ustatus, &status, sizeof(status)))
		return -EFAULT;
	return cpid;
}
SYSCALL_DEFINE(61, sys_wait4);

static long sys_setpgid(long pid, long pgid, long a2, long a3, long a4, long a5)
{
	struct proc *me = proc_current();

	if (pgid < 0)
		return -EINVAL;
	if (pid && pid != me->pid)
		return -ESRCH; /* only for oneself so far */
	me->pgid = pgid ? (int)pgid : me->pid;
	return 0;
}
SYSCALL_DEFINE(109, sys_setpgid);

static long sys_getpgid(long pid, long a1, long a2, long a3, long a4, long a5)
{
	struct proc *me = proc_current();

	return pid && pid != me->pid ? -ESRCH : me->pgid;
}
SYSCALL_DEFINE(121, sys_getpgid);

static long sys_getpgrp(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return proc_current()->pgid;
}
SYSCALL_DEFINE(111, sys_getpgrp);

static long sys_setsid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct proc *me = proc_current();

	if (me->pgid == me->pid)
		return -EPERM; /* already a group leader */
	me->sid = me->pgid = me->pid;
	return me->sid;
}
SYSCALL_DEFINE(112, sys_setsid);

static long sys_getsid(long pid, long a1, long a2, long a3, long a4, long a5)
{
	struct proc *me = proc_current();

	return pid && pid != me->pid ? -ESRCH : me->sid;
}
SYSCALL_DEFINE(124, sys_getsid);

/* reboot(2): magic numbers, then the command (power off, restart, halt). */
static long sys_reboot(long magic1, long magic2, long cmd, long arg, long a4, long a5)
{
	if ((uint32_t)magic1 != 0xfee1dead ||
	    ((uint32_t)magic2 != 672274793 && (uint32_t)magic2 != 85072278 &&
	     (uint32_t)magic2 != 369367448 && (uint32_t)magic2 != 537993216))
		return -EINVAL;
	switch ((uint32_t)cmd) {
	case 0x4321fedc: /* POWER_OFF */
	case 0xcdef0123: /* HALT */
		log_info("pid %d (%s) asked for power-off", proc_current()->pid,
			 proc_current()->name);
		power_off();
	case 0x01234567: /* RESTART */
		log_info("pid %d (%s) asked for a restart", proc_current()->pid,
			 proc_current()->name);
		power_reset();
	case 0x89abcdef: /* CAD_ON */
	case 0:		 /* CAD_OFF */
		return 0;
	default:
		return -EINVAL;
	}
}
SYSCALL_DEFINE(169, sys_reboot);
