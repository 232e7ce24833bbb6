/* init: Keel's pid 1 — boot checks, services, rc.local.d, reaping, power-off and reboot. */
/*
 * One loop, driven by a self-pipe: signal handlers only set flags and write a byte to the
 * pipe; the loop reaps children (wait4(-1), so orphans handed to pid 1 go too), moves boot
 * forward (services in file order, a "once" service finished before the next line, then
 * "keel: ready", then /etc/rc.local.d/ one program at a time), restarts services whose
 * backoff ran out and refreshes the status screen, then sleeps in poll() until the next
 * signal or timer.  Nothing here waits for one child alone, so a poweroff from an rc.local.d
 * script is served while that script still runs.
 *
 * Power: SIGTERM or SIGUSR2 powers off, SIGINT or SIGUSR1 reboots (busybox init's signals):
 * SIGTERM to every service's session and then to every process, up to 5 s for them to end,
 * SIGKILL for the rest, sync(), reboot(2).  init never reads the console.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define STATUS_PERIOD_MS 5000
#define STOP_GRACE_MS	 5000

enum power { POWER_NONE, POWER_OFF, POWER_REBOOT };

static int sigpipe[2] = {-1, -1};
static volatile sig_atomic_t power_req;
static const int handled[] = {SIGCHLD, SIGTERM, SIGUSR2, SIGINT, SIGUSR1, SIGHUP};

void init_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	for (int off = 0; off < n;) {
		ssize_t w = write(2, buf + off, (size_t)(n - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (int)w;
	}
}

uint64_t init_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	int e = errno;
	char c = 0;

	if (sig == SIGTERM || sig == SIGUSR2)
		power_req = POWER_OFF;
	else if (sig == SIGINT || sig == SIGUSR1)
		power_req = POWER_REBOOT;
	if (write(sigpipe[1], &c, 1) < 0) {
		/* full pipe: a wake-up is pending anyway */
	}
	errno = e;
}

static void signals_setup(void)
{
	struct sigaction sa;

	if (pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
		init_log("init: pipe2: %s (signals are seen late)", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaction(handled[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

pid_t init_spawn(char *const argv[])
{
	pid_t pid = fork();
	sigset_t none;
	int fd;

	if (pid)
		return pid;
	/* the child: back to default signals, its own session, the standard descriptors */
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		signal(handled[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open("/dev/console", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (strchr(argv[0], '/'))
		execv(argv[0], argv);
	else
		execvp(argv[0], argv);
	if (errno == ENOEXEC) {
		/* a script without "#!" support in the kernel: hand it to the shell */
		char *sh[SVC_ARGS_MAX + 3] = {"/bin/sh"};
		int n = 1;

		while (argv[n - 1] && n < SVC_ARGS_MAX + 2) {
			sh[n] = argv[n - 1];
			n++;
		}
		sh[n] = NULL;
		execv("/bin/sh", sh);
	}
	init_log("init: cannot run %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* The kernel mounts /proc, /dev and /tmp itself; check they are there. */
static void boot_checks(void)
{
	static const char *const need[][2] = {
		{"/proc", "/proc/uptime"}, {"/dev", "/dev/null"}, {"/tmp", "/tmp"}};
	struct stat st;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (stat(need[i][1], &st) == 0)
			continue;
		if (stat(need[i][0], &st) < 0 && mkdir(need[i][0], 0755) < 0)
			init_log("init: %s is missing and cannot be made: %s", need[i][0],
				 strerror(errno));
		else
			init_log("init: warning: %s is not mounted", need[i][0]);
	}
}

/* Set the host name from /etc/hostname when it differs from the kernel's. */
static void set_hostname(void)
{
	char name[65] = "";
	struct utsname u;
	FILE *f = fopen("/etc/hostname", "r");
	size_t n;

	if (!f)
		return;
	if (!fgets(name, sizeof(name), f))
		name[0] = 0;
	fclose(f);
	n = strcspn(name, " \t\r\n");
	name[n] = 0;
	if (!n || (uname(&u) == 0 && !strcmp(u.nodename, name)))
		return;
	/* sethostname(2) may not exist yet: then keep the kernel's name, quietly */
	if (sethostname(name, n) < 0 && errno != ENOSYS && errno != EPERM)
		init_log("init: cannot set the host name to %s: %s", name, strerror(errno));
}

/* --- rc.local.d -------------------------------------------------------------------------- */

static struct dirent **rc_list;
static int rc_count, rc_next;
static pid_t rc_pid;
static char rc_name[256];

static int rc_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void rc_begin(void)
{
	rc_count = scandir(INIT_RCLOCAL_DIR, &rc_list, rc_filter, alphasort);
	if (rc_count < 0)
		rc_count = 0;
	rc_next = 0;
}

/* Start the next rc.local.d program; returns 0 when there is none left. */
static int rc_start_next(void)
{
	while (rc_next < rc_count) {
		struct dirent *d = rc_list[rc_next++];
		char path[sizeof(INIT_RCLOCAL_DIR) + 256];
		char *argv[2] = {path, NULL};
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", INIT_RCLOCAL_DIR, d->d_name);
		snprintf(rc_name, sizeof(rc_name), "%s", d->d_name);
		free(d);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
			continue;
		rc_pid = init_spawn(argv);
		if (rc_pid > 0)
			return 1;
		init_log("init: rc.local.d/%s: cannot fork: %s", rc_name, strerror(errno));
	}
	free(rc_list);
	rc_list = NULL;
	rc_count = 0;
	rc_pid = 0;
	return 0;
}

/* --- the main loop ----------------------------------------------------------------------- */

enum phase { PH_SERVICES, PH_RCLOCAL, PH_RUNNING };

/* Reap every child that has ended.  Returns 1 when init has no children left. */
static int reap(int stopping)
{
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, NULL)) > 0) {
		if (svc_reaped(pid, status, stopping))
			continue;
		if (rc_pid && pid == rc_pid) {
			if (WIFSIGNALED(status))
				init_log("init: rc.local.d/%s killed by signal %d", rc_name,
					 WTERMSIG(status));
			else
				init_log("init: rc.local.d/%s exited with status %d", rc_name,
					 WEXITSTATUS(status));
			rc_pid = -1; /* finished: the loop starts the next one */
		}
		/* anything else: an orphan handed to pid 1, now gone */
	}
	return pid < 0 && errno == ECHILD;
}

static void drain(void)
{
	char buf[64];

	while (read(sigpipe[0], buf, sizeof(buf)) > 0)
		;
}

/* Sleep until a signal arrives or until deadline (ms since boot; UINT64_MAX: no limit). */
static void sleep_until(uint64_t deadline)
{
	struct pollfd p = {.fd = sigpipe[0], .events = POLLIN};
	uint64_t now = init_now_ms();
	int ms = -1;

	if (deadline != UINT64_MAX)
		ms = deadline <= now ? 0 : deadline - now > 60000 ? 60000 : (int)(deadline - now);
	if (sigpipe[0] < 0) {
		usleep(ms < 0 || ms > 1000 ? 1000000 : (unsigned)ms * 1000);
		return;
	}
	poll(&p, 1, ms);
	drain();
}

static void __attribute__((noreturn)) shutdown_and(int what)
{
	uint64_t deadline;
	int left = 1;

	init_log("init: %s: stopping services", what == POWER_OFF ? "power-off" : "reboot");
	for (int i = 0; i < nsvcs; i++) {
		struct svc *s = &svcs[i];

		if (s->state == SVC_RUNNING) {
			kill(-s->pid, SIGTERM);
			kill(s->pid, SIGTERM);
			s->state = SVC_STOPPING;
		} else if (s->state == SVC_BACKOFF || s->state == SVC_WAITING) {
			s->state = SVC_DONE;
		}
	}
	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
	deadline = init_now_ms() + STOP_GRACE_MS;
	while (init_now_ms() < deadline) {
		if (reap(1)) {
			left = 0;
			break;
		}
		sleep_until(init_now_ms() + 100);
	}
	if (left) {
		init_log("init: processes still running after %d s: sending SIGKILL",
			 STOP_GRACE_MS / 1000);
		kill(-1, SIGKILL);
		deadline = init_now_ms() + 2000;
		while (init_now_ms() < deadline) {
			if (reap(1))
				break;
			sleep_until(init_now_ms() + 50);
		}
	}
	sync();
	init_log("init: %s", what == POWER_OFF ? "powering off" : "rebooting");
	reboot(what == POWER_OFF ? RB_POWER_OFF : RB_AUTOBOOT);
	init_log("init: reboot(2) failed: %s; halting here", strerror(errno));
	for (;;) {
		reap(1);
		sleep_until(UINT64_MAX);
	}
}

int main(int argc, char **argv)
{
	enum phase phase = PH_SERVICES;
	uint64_t next_status = 0, wake;
	int next_svc = 0;

	(void)argc;
	(void)argv;
	if (getpid() != 1)
		init_log("init: warning: running as pid %d, not 1", (int)getpid());
	signals_setup();
	umask(022);
	if (chdir("/") < 0)
		init_log("init: chdir /: %s", strerror(errno));
	boot_checks();
	set_hostname();
	svc_load(INIT_SERVICES);
	status_init();
	init_log("init: starting %d service%s from %s", nsvcs, nsvcs == 1 ? "" : "s",
		 INIT_SERVICES);

	for (;;) {
		uint64_t now;

		if (power_req)
			shutdown_and(power_req);
		reap(0);
		now = init_now_ms();
		wake = svc_restart_due(now);

		/* boot: services in order; a once service must finish before the next */
		while (phase == PH_SERVICES && next_svc < nsvcs) {
			struct svc *s = &svcs[next_svc];

			if (s->state == SVC_WAITING)
				svc_start(s);
			if (s->mode == SVC_ONCE && s->state == SVC_RUNNING)
				break;
			next_svc++;
		}
		if (phase == PH_SERVICES && next_svc == nsvcs) {
			init_log("keel: ready");
			status_update(1);
			next_status = now + STATUS_PERIOD_MS;
			phase = PH_RCLOCAL;
			rc_begin();
			rc_pid = -1;
		}
		if (phase == PH_RCLOCAL && rc_pid < 0 && !rc_start_next())
			phase = PH_RUNNING;

		/* Wake at least every 5 s: the kernel does not signal init when it hands it an
		 * orphan that is already a zombie, so reap on every turn of the loop. */
		if (now + STATUS_PERIOD_MS < wake)
			wake = now + STATUS_PERIOD_MS;
		if (phase != PH_SERVICES) {
			if (now >= next_status) {
				status_update(0);
				next_status = now + STATUS_PERIOD_MS;
			}
			if (next_status < wake)
				wake = next_status;
		}
		sleep_until(wake);
	}
}
