/* Helpers shared by the signal files: signal.c (posting, delivery), sigframe.c (handler
 * frames, sigaltstack) and sys_signal.c (the system calls). */
#ifndef UW_SIGNAL_PRIV_H
#define UW_SIGNAL_PRIV_H

#include <stdint.h>
#include <stdbool.h>
#include <vmk/signal.h>
#include <vmk/proc.h>

#define SIG_DFL		  0
#define SIG_IGN		  1
#define SA_NOCLDSTOP	  0x00000001
#define SA_NOCLDWAIT	  0x00000002
#define SA_SIGINFO	  0x00000004
#define SA_UNSUPPORTED	  0x00000400
#define SA_EXPOSE_TAGBITS 0x00000800
#define SA_RESTORER	  0x04000000
#define SA_ONSTACK	  0x08000000
#define SA_RESTART	  0x10000000
#define SA_NODEFER	  0x40000000
#define SA_RESETHAND	  0x80000000
/* The flags rt_sigaction keeps (Linux's UAPI_SA_FLAGS on x86); others, SA_UNSUPPORTED
 * among them, read back as 0, so a program can tell which ones the kernel knows. */
#define SA_KNOWN                                                                                   \
	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_EXPOSE_TAGBITS | SA_RESTORER | SA_ONSTACK | \
	 SA_RESTART | SA_NODEFER | SA_RESETHAND)
#define UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))
#define STOP_SIGS   (SIG_BIT(SIGSTOP) | SIG_BIT(SIGTSTP) | SIG_BIT(SIGTTIN) | SIG_BIT(SIGTTOU))

/* Is sig's action to discard it (SIG_IGN, or SIG_DFL where the default is to ignore)?
 * SIGKILL never is.  Under p->sig_lock, or for the process itself. */
bool signal_ignored(const struct proc *p, int sig);

/* Discard the signals in mask wherever they are pending in p: its own set and every
 * thread's (under p->sig_lock). */
void signal_flush_locked(struct proc *p, uint64_t mask);

/* signal_send_info with p->sig_lock held by the caller. */
int signal_send_locked(struct proc *p, struct world *t, const struct ksiginfo *info, bool lossy);

/* Take the next signal for the calling thread that mask does not hold back (its own pending
 * set first, then the process's): the number, with *info; 0 when there is none.  Takes
 * p->sig_lock; frees the entry outside it. */
int signal_dequeue(struct proc *p, uint64_t mask, struct ksiginfo *info);

/* Make mask (less SIGKILL and SIGSTOP) the calling thread's signal mask (and end the
 * rt_sigtimedwait one, sig_real_blocked).  Process-wide signals it now blocks that are
 * pending go to another thread that does not block them (Linux's retarget_shared_pending),
 * so none waits on a thread that will not take it.  Takes p->sig_lock. */
void signal_set_blocked(uint64_t mask);

/* Build the handler's frame for sig (info as dequeued) on the user stack, or on the thread's
 * alternate stack for an SA_ONSTACK handler, and point r at the handler.  False when the
 * frame cannot be written (the caller ends the process).  May fault and sleep. */
bool sigframe_setup(struct regs *r, const struct ksiginfo *info, const struct ksigaction *sa);

#endif
