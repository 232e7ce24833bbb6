/*
 * Signals for userworlds (Linux numbering and semantics).  Delivery happens on the way back
 * to user mode; a signal whose action is the default "terminate" ends the process with a log
 * line when it is one of the fault signals.
 */
#ifndef VMK_SIGNAL_H
#define VMK_SIGNAL_H

#include <stdint.h>
#include <stdbool.h>

#define SIGHUP	  1
#define SIGINT	  2
#define SIGQUIT	  3
#define SIGABRT	  6
#define SIGUSR1	  10
#define SIGUSR2	  12
#define SIGPIPE	  13
#define SIGALRM	  14
#define SIGTERM	  15
#define SIGCHLD	  17
#define SIGCONT	  18
#define SIGSTOP	  19
#define SIGTSTP	  20
#define SIGTTIN	  21
#define SIGTTOU	  22
#define SIGVTALRM 26
#define SIGPROF	  27
#define NSIG	  64

struct proc;

/* Post sig to p (any context that may take a spinlock).  0, or -EINVAL for a bad number. */
int signal_send(struct proc *p, int sig);
/* Post sig to one thread of a process (tkill, a fault): only that thread takes it. */
struct world;
int signal_send_thread(struct world *t, int sig);
/* Post sig to the calling process (e.g. SIGPIPE on a write to a pipe nobody reads). */
void signal_self(int sig);
/* Does the calling thread have a signal pending that is not blocked?  Blocking waits return
 * -EINTR when it does (the caller restarts or not as Linux does). */
bool signal_pending(void);

#endif
