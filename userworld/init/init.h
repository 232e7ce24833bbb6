/* init: shared declarations of pid 1 (service supervisor, rc.local.d, power, status screen). */
#ifndef KEEL_INIT_H
#define KEEL_INIT_H

#include <stdint.h>
#include <sys/types.h>

#define INIT_SERVICES	  "/etc/keel/services"
#define INIT_RCLOCAL_DIR  "/etc/rc.local.d"
#define SVC_MAX		  64
#define SVC_NAME_MAX	  32
#define SVC_ARGS_MAX	  32
#define SVC_LINE_MAX	  1024
#define SVC_BACKOFF_FIRST 1  /* seconds before the first restart */
#define SVC_BACKOFF_MAX	  60 /* the backoff doubles up to this */
#define SVC_STABLE_S	  30 /* up this long: the backoff starts again at 1 s */

enum svc_mode { SVC_RESPAWN, SVC_ONCE };

enum svc_state {
	SVC_WAITING,  /* not started yet (boot has not reached it) */
	SVC_RUNNING,  /* pid is alive */
	SVC_BACKOFF,  /* exited; restarts at restart_at */
	SVC_DONE,     /* a once service that finished */
	SVC_FAILED,   /* could not be started (fork failed) and will not be retried */
	SVC_STOPPING, /* shutdown: sent SIGTERM */
};

struct svc {
	char name[SVC_NAME_MAX];
	enum svc_mode mode;
	char *argv[SVC_ARGS_MAX + 1]; /* point into buf */
	char buf[SVC_LINE_MAX];
	enum svc_state state;
	pid_t pid;
	uint64_t started_ms;	/* when the current run began */
	uint64_t restart_at_ms; /* SVC_BACKOFF: when to start again */
	unsigned delay_s;	/* the next restart delay */
	unsigned restarts;
	int last_status; /* wait status of the last exit, -1 before one */
};

extern struct svc svcs[SVC_MAX];
extern int nsvcs;

/* Log one line on the console (fd 2) with one write, so lines from several processes do
 * not interleave mid-line.  A newline is added. */
void init_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds since boot (CLOCK_MONOTONIC). */
uint64_t init_now_ms(void);

/* Fork and exec argv (argv[0] an absolute path, else searched in PATH) in a new session,
 * stdin /dev/null, stdout and stderr /dev/console, signals back to their defaults.
 * Returns the pid, or -1 with errno set if fork failed. */
pid_t init_spawn(char *const argv[]);

/* Parse the services file at path into svcs[]; bad lines are logged and skipped.  A missing
 * file means no services.  Returns the number of services. */
int svc_load(const char *path);

/* Parse one services line (no newline) into s.  Returns 0, 1 for a blank or comment line,
 * or -1 with *why set to the reason. */
int svc_parse_line(const char *line, struct svc *s, const char **why);

/* Start s now (state RUNNING, or FAILED with a log line).  Returns 0 or -1. */
int svc_start(struct svc *s);

/* A child with this pid ended with wait status: update its service, log it and schedule the
 * restart (not while stopping).  Returns 1 if pid was a service, 0 otherwise. */
int svc_reaped(pid_t pid, int status, int stopping);

/* Restart services whose backoff has run out.  Returns the earliest pending restart time,
 * or UINT64_MAX if none. */
uint64_t svc_restart_due(uint64_t now);

/* The status screen: open /dev/tty0 if it is another device than /dev/console. */
void status_init(void);
/* Show the screen if forced or the services' states changed since the last one. */
void status_update(int force);

#endif
