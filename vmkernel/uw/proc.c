/*
 * Processes: creation from an ELF image, the user thread's start and FPU/TLS switching, the
 * process tree (parents, children, zombies), exit and reaping.
 *
 * One lock, proc_wq's, guards the tree and the zombie states; every waiter (wait4, the
 * kernel waiting for init, vfork parents) sleeps on proc_wq and re-checks its condition.
 */
#define LOG_TAG "proc"
#include <vmk/proc.h>
#include <vmk/signal.h>
#include <vmk/futex.h>
#include <vmk/ipc.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <vmk/rootfs.h>
#include <arch/cpu.h>
#include <string.h>

void user_enter(struct regs *frame) __attribute__((noreturn));

struct waitq proc_wq = WAITQ_INIT;
static struct spinlock pid_lock = SPINLOCK_INIT; /* next_pid and the process list */
static int next_pid = 1;
static struct proc *all_procs;
static struct proc *init_proc; /* pid 1: orphans go to it */

void proc_foreach(void (*fn)(struct proc *p, void *arg), void *arg)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);

	for (struct proc *p = all_procs; p; p = p->all_next)
		fn(p, arg);
	spin_unlock_irqrestore(&pid_lock, f);
}

static unsigned nprocs;

bool proc_may_fork(uint64_t rlimit_nproc)
{
	static bool logged;
	uint64_t limit = MIN((uint64_t)PROC_MAX, rlimit_nproc);

	if (READ_ONCE(nprocs) < limit)
		return true;
	if (!logged) {
		logged = true;
		log_warn("process limit (%lu) reached: fork refused with EAGAIN", limit);
	}
	return false;
}

void proc_register(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);

	nprocs++;
	p->pid = next_pid++;
	p->all_next = all_procs;
	all_procs = p;
	spin_unlock_irqrestore(&pid_lock, f);
}

static void proc_unregister(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);

	nprocs--;
	for (struct proc **pp = &all_procs; *pp; pp = &(*pp)->all_next)
		if (*pp == p) {
			*pp = p->all_next;
			break;
		}
	spin_unlock_irqrestore(&pid_lock, f);
}

struct proc *proc_find_locked(int pid)
{
	struct proc *found = NULL;
	uint64_t f = spin_lock_irqsave(&pid_lock);

	for (struct proc *p = all_procs; p && !found; p = p->all_next)
		if (p->pid == pid && !p->zombie)
			found = p;
	spin_unlock_irqrestore(&pid_lock, f);
	return found;
}

struct proc *proc_current(void)
{
	struct world *w = world_current();

	return w ? w->proc : NULL;
}

void uthread_switch_out(struct world *w)
{
	fpu_save(&w->ut->fpu);
}

void uthread_switch_in(struct world *w)
{
	fpu_restore(&w->ut->fpu);
	wrmsr(MSR_FS_BASE, w->ut->fs_base);
}

/* The first code of a user thread: enter ring 3 with the frame it was given. */
static void uthread_start(void *arg)
{
	struct regs frame, *st = arg;
	struct world *me = world_current();

	frame = *st;
	kfree(st);
	irq_disable();
	aspace_activate(me->as);
	uthread_switch_in(me);
	irq_enable();
	signal_deliver(&frame); /* one posted while it was being made may be for it */
	irq_disable();
	user_enter(&frame);
}

int proc_alloc_id(void)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);
	int id = next_pid++;

	spin_unlock_irqrestore(&pid_lock, f);
	return id;
}

/* Link w into p's thread list, or take it out again (under p->sig_lock: senders walk the
 * list under it). */
static void thread_link(struct proc *p, struct world *w, bool link)
{
	uint64_t f = spin_lock_irqsave(&p->sig_lock);

	if (link) {
		w->thread_next = p->threads;
		p->threads = w;
		p->nthreads++;
	} else {
		for (struct world **pp = &p->threads; *pp; pp = &(*pp)->thread_next)
			if (*pp == w) {
				*pp = w->thread_next;
				break;
			}
		p->nthreads--;
	}
	spin_unlock_irqrestore(&p->sig_lock, f);
}

/* The new world is on the thread list before it can run: a signal it sends itself at once
 * (tkill from a child just forked) must find it, and exit_group must see it.  The tree's
 * lock is held across, as exit_group walks the list under it: nothing here blocks. */
int proc_start_thread(struct proc *p, struct uthread *ut, const struct regs *frame, int tid,
		      struct world **out)
{
	struct regs *st = kmalloc(sizeof(*st));
	struct world *w;
	uint64_t f;
	int rc;

	if (!st)
		return -ENOMEM;
	*st = *frame;
	f = spin_lock_irqsave(&proc_wq.lock);
	rc = world_create_user_tid(p->name, uthread_start, st, p, ut, tid, &p->sched, &w);
	if (!rc) {
		thread_link(p, w, true);
		if (out)
			*out = w;
		rc = world_start_new(w);
		if (rc) {
			thread_link(p, w, false);
			if (out)
				*out = NULL;
		}
	}
	spin_unlock_irqrestore(&proc_wq.lock, f);
	if (rc)
		kfree(st);
	return rc;
}

static void set_name(struct proc *p, const char *path)
{
	const char *base = path;

	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			base = s + 1;
	memset(p->name, 0, sizeof(p->name));
	for (size_t i = 0; i < sizeof(p->name) - 1 && base[i]; i++)
		p->name[i] = base[i];
}

void proc_set_name(struct proc *p, const char *path)
{
	set_name(p, path);
}

int proc_spawn(const char *name, const struct exec_file *x, char *const argv[], char *const envp[],
	       struct proc **out)
{
	struct proc *p = kzalloc(sizeof(*p));
	struct uthread *ut = kzalloc(sizeof(*ut));
	struct exec_args ea = {.execfn = name};
	struct regs frame;
	int rc = -ENOMEM;

	if (!p || !ut)
		goto fail;
	proc_rlimit_defaults(p);
	exec_strs_kernel(&ea.argv, argv);
	exec_strs_kernel(&ea.envp, envp);
	ea.stack_limit = p->rlim[3].cur; /* RLIMIT_STACK */
	rc = exec_load(x, &ea, &p->as, &frame);
	if (rc)
		goto fail;
	set_name(p, name);
	sched_group_init(&p->sched, 0, 0, 0);
	fdtable_init(&p->fds);
	p->sig_lock = (struct spinlock)SPINLOCK_INIT;
	p->umask = 022;
	for (int fd = 0; fd < 3; fd++)
		p->fds.fd[fd] = console_file();
	fpu_init_state(&ut->fpu);
	proc_register(p);
	p->pgid = p->sid = p->pid;
	if (p->pid == 1)
		init_proc = p;
	rc = proc_start_thread(p, ut, &frame, p->pid, &p->main);
	if (rc) {
		proc_unregister(p);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	if (p) {
		aspace_put(p->as);
		fdtable_close_all(&p->fds);
	}
	kfree(ut);
	kfree(p);
	return rc;
}

/* Under the tree lock; sig_lock too, as signal senders walk the list under it, and the
 * process list's while p->main changes (procfs reads it under that lock): a main thread that
 * leaves first is no longer p->main, which would dangle once the world is freed. */
static void thread_unlink(struct proc *p, struct world *me)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);

	spin_lock(&p->sig_lock);
	for (struct world **pp = &p->threads; *pp; pp = &(*pp)->thread_next)
		if (*pp == me) {
			*pp = me->thread_next;
			break;
		}
	p->nthreads--;
	if (p->main == me)
		p->main = NULL;
	if (me->ut) /* its usage moves to the process with it (the last thread's went already) */
		rusage_thread_exit_locked(p, me);
	signal_thread_unlinked(p, me);
	spin_unlock(&p->sig_lock);
	spin_unlock_irqrestore(&pid_lock, f);
}

void uthread_exit(int code)
{
	struct world *me = world_current();
	struct proc *p = me->proc;
	struct uthread *ut = me->ut;
	struct aspace *as = me->as;
	bool last;
	uint64_t f;

	futex_exit_release(); /* robust list and PI futexes first, as Linux */
	if (ut->clear_tid) {  /* pthread_join waits on this futex */
		uint64_t ctid = ut->clear_tid;
		int zero = 0;

		ut->clear_tid = 0; /* once, even if a fault below ends the process */
		if (!copy_to_user((void *)ctid, &zero, sizeof(zero)))
			futex_wake(as, ctid, 1);
	}
	f = spin_lock_irqsave(&proc_wq.lock);
	last = p->nthreads == 1;
	if (!last)
		thread_unlink(p, me);
	spin_unlock_irqrestore(&proc_wq.lock, f);
	if (last)
		proc_exit(p->exiting ? p->group_status : code);

	/* Not the last: this world goes alone; the reaper frees it, maybe after p. */
	world_leave_group();
	irq_disable();
	me->as = NULL;
	me->ut = NULL;
	aspace_activate(NULL);
	irq_enable();
	aspace_put(as);
	signal_uthread_release(p, ut);
	kfree(ut);
	world_detach(me);
	world_exit(code);
}

void proc_exit_group(int status)
{
	struct proc *p = proc_current();
	uint64_t f = spin_lock_irqsave(&proc_wq.lock);

	if (!p->exiting) {
		p->exiting = true;
		p->group_status = status;
	}
	for (struct world *t = p->threads; t; t = t->thread_next)
		if (t != world_current())
			world_wake(t); /* they see p->exiting at their next return to user mode */
	spin_unlock_irqrestore(&proc_wq.lock, f);
	uthread_exit(status);
}

void proc_exit(int status)
{
	struct world *me = world_current();
	struct proc *p = me->proc, *parent, *reaper;
	struct aspace *as = me->as;
	struct uthread *ut = me->ut;
	uint64_t f;

	world_leave_group(); /* p, and its group with it, may be freed before this world */
	p->maxrss_kb = as->peak_pages * (PAGE_SIZE / 1024);
	irq_disable();
	me->as = NULL;		 /* from here on a kernel world: its address space can go */
	spin_lock(&p->sig_lock); /* senders look at a listed thread's ut under it */
	rusage_thread_exit_locked(p, me);
	me->ut = NULL;
	spin_unlock(&p->sig_lock);
	p->as = NULL;
	aspace_activate(NULL);
	irq_enable();
	aspace_put(as); /* detaches its System V shared memory too */
	signal_uthread_release(p, ut);
	kfree(ut);
	ipc_sem_exit(p); /* before the parent can see it gone */
	fdtable_close_all(&p->fds);
	kvfs_lock();
	vnode_put(p->cwd);
	p->cwd = NULL;
	kvfs_unlock();

	f = spin_lock_irqsave(&proc_wq.lock);
	if (p->nthreads)
		thread_unlink(p, me);
	p->main = me; /* the last thread: the one proc_reap joins */
	p->exit_status = status;
	p->zombie = true;
	p->vfork_done = true;
	/* Orphans go to the nearest ancestor that is a child subreaper (prctl) and still
	 * alive, else to init (or stay parentless if init itself is leaving); those that asked
	 * for it (PR_SET_PDEATHSIG) get their signal. */
	reaper = p->parent;
	while (reaper && (!reaper->child_subreaper || reaper->zombie || reaper->exiting))
		reaper = reaper->parent;
	if (!reaper)
		reaper = init_proc != p ? init_proc : NULL;
	while (p->children) {
		struct proc *c = p->children;

		p->children = c->sibling;
		c->parent = reaper;
		if (c->pdeath_sig && !c->zombie)
			signal_send(c, c->pdeath_sig);
		if (c->parent) {
			c->sibling = reaper->children;
			reaper->children = c;
			if (c->zombie) /* the new parent must hear of it, as on Linux */
				signal_notify_parent(c, 0);
		}
	}
	parent = p->parent;
	if (parent) /* under the tree lock: the parent cannot be reaped meanwhile */
		signal_notify_parent(p, 0);
	waitq_wake_all_locked(&proc_wq);
	spin_unlock_irqrestore(&proc_wq.lock, f);
	world_exit(status);
}

void proc_reap(struct proc *p)
{
	proc_unregister(p); /* off the list first: kill() may still look at listed ones */
	world_join(p->main);
	signal_proc_release(p);
	kfree(p);
}

/* A process whose thread never started (fork failed late): drop it. */
void proc_reap_unstarted(struct proc *p)
{
	proc_unregister(p);
	signal_proc_release(p);
	kfree(p);
}

int proc_wait_kernel(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&proc_wq.lock);
	int status;

	while (!p->zombie)
		waitq_wait(&proc_wq, &f);
	spin_unlock_irqrestore(&proc_wq.lock, f);
	status = p->exit_status;
	if (init_proc == p)
		init_proc = NULL;
	proc_reap(p);
	return status;
}
