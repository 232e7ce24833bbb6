/* Processes: creation from an ELF image, the user thread's start, exit, faults, reaping. */
#define LOG_TAG "proc"
#include <vmk/proc.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <vmk/rootfs.h>
#include <arch/cpu.h>
#include <string.h>

void user_enter(struct regs *frame) __attribute__((noreturn));

static struct spinlock pid_lock = SPINLOCK_INIT; /* next_pid and the process list */
static int next_pid = 1;
static struct proc *all_procs;

void proc_foreach(void (*fn)(struct proc *p, void *arg), void *arg)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);

	for (struct proc *p = all_procs; p; p = p->all_next)
		fn(p, arg);
	spin_unlock_irqrestore(&pid_lock, f);
}

static void proc_list_add(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);

	p->pid = next_pid++;
	p->all_next = all_procs;
	all_procs = p;
	spin_unlock_irqrestore(&pid_lock, f);
}

static void proc_list_remove(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&pid_lock);

	for (struct proc **pp = &all_procs; *pp; pp = &(*pp)->all_next)
		if (*pp == p) {
			*pp = p->all_next;
			break;
		}
	spin_unlock_irqrestore(&pid_lock, f);
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

struct start {
	struct regs frame;
};

/* The first code of a user thread: enter ring 3 with the frame exec prepared. */
static void uthread_start(void *arg)
{
	struct start *st = arg;
	struct regs frame = st->frame;
	struct world *me = world_current();

	kfree(st);
	irq_disable();
	aspace_activate(me->as);
	uthread_switch_in(me);
	user_enter(&frame);
}

int proc_spawn(const char *name, const void *image, size_t size, char *const argv[],
	       char *const envp[], struct proc **out)
{
	struct proc *p = kzalloc(sizeof(*p));
	struct uthread *ut = kzalloc(sizeof(*ut));
	struct start *st = kzalloc(sizeof(*st));
	struct world *w;
	int rc = -ENOMEM;

	if (!p || !ut || !st)
		goto fail;
	rc = exec_load(image, size, argv, envp, &p->as, &st->frame);
	if (rc)
		goto fail;
	for (size_t i = 0; i < sizeof(p->name) - 1 && name[i]; i++)
		p->name[i] = name[i];
	waitq_init(&p->child_wq);
	fdtable_init(&p->fds);
	for (int fd = 0; fd < 3; fd++)
		p->fds.fd[fd] = console_file();
	fpu_init_state(&ut->fpu);
	proc_list_add(p);

	/* The world is created runnable: its process must be complete before. */
	rc = world_create_user(p->name, uthread_start, st, NULL, p, ut, &w);
	if (rc) {
		proc_list_remove(p);
		goto fail;
	}
	p->main = w;
	*out = p;
	return 0;
fail:
	if (p) {
		aspace_put(p->as);
		fdtable_close_all(&p->fds);
	}
	kfree(st);
	kfree(ut);
	kfree(p);
	return rc;
}

void proc_exit(int status)
{
	struct world *me = world_current();
	struct proc *p = me->proc;
	struct aspace *as = me->as;
	struct uthread *ut = me->ut;
	uint64_t f;

	irq_disable();
	me->as = NULL; /* from here on a kernel world: its address space can go */
	me->ut = NULL;
	p->as = NULL;
	aspace_activate(NULL);
	irq_enable();
	aspace_put(as);
	kfree(ut);
	fdtable_close_all(&p->fds);
	kvfs_lock();
	vnode_put(p->cwd);
	p->cwd = NULL;
	kvfs_unlock();
	f = spin_lock_irqsave(&p->child_wq.lock);
	p->exit_status = status;
	p->zombie = true;
	waitq_wake_all_locked(&p->child_wq);
	spin_unlock_irqrestore(&p->child_wq.lock, f);
	world_exit(status);
}

void proc_fault(struct regs *r, int sig, const char *what)
{
	struct proc *p = proc_current();

	log_warn("pid %d (%s) killed by signal %d: %s at rip %#lx, rsp %#lx", p->pid, p->name, sig,
		 what, r->rip, r->rsp);
	proc_exit(sig);
}

int proc_wait_kernel(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->child_wq.lock);
	int status;

	while (!p->zombie)
		waitq_wait(&p->child_wq, &f);
	spin_unlock_irqrestore(&p->child_wq.lock, f);
	world_join(p->main);
	status = p->exit_status;
	proc_list_remove(p);
	kfree(p);
	return status;
}
