/* Processes: creation from an ELF image, the user thread's start, exit, faults, reaping. */
#define LOG_TAG "proc"
#include <vmk/proc.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/panic.h>
#include <arch/cpu.h>
#include <string.h>

void user_enter(struct regs *frame) __attribute__((noreturn));

static struct spinlock pid_lock = SPINLOCK_INIT;
static int next_pid = 1;

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
	uint64_t f;
	int rc = -ENOMEM;

	if (!p || !ut || !st)
		goto fail;
	rc = exec_load(image, size, argv, envp, &p->as, &st->frame);
	if (rc)
		goto fail;
	for (size_t i = 0; i < sizeof(p->name) - 1 && name[i]; i++)
		p->name[i] = name[i];
	mutex_init(&p->fd_lock);
	waitq_init(&p->child_wq);
	for (int fd = 0; fd < 3; fd++)
		p->fds[fd] = console_file();
	fpu_init_state(&ut->fpu);
	f = spin_lock_irqsave(&pid_lock);
	p->pid = next_pid++;
	spin_unlock_irqrestore(&pid_lock, f);

	/* The world is created runnable: its process must be complete before. */
	rc = world_create_user(p->name, uthread_start, st, NULL, p, ut, &w);
	if (rc)
		goto fail;
	p->main = w;
	*out = p;
	return 0;
fail:
	if (p) {
		aspace_put(p->as);
		for (int fd = 0; fd < 3; fd++)
			if (p->fds[fd])
				file_put(p->fds[fd]);
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
	mutex_lock(&p->fd_lock);
	for (int fd = 0; fd < PROC_FD_MAX; fd++)
		if (p->fds[fd]) {
			file_put(p->fds[fd]);
			p->fds[fd] = NULL;
		}
	mutex_unlock(&p->fd_lock);
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
	kfree(p);
	return status;
}
