/* init: the read-only status screen on /dev/tty0 (version, CPUs, memory, uptime, services). */
/*
 * Written only when /dev/tty0 is another device than /dev/console (st_rdev), and, because
 * today both still end up on the serial console, only at "keel: ready" and afterwards when a
 * service changed state (checked every 5 s), never every 5 s regardless.  Plain text: ANSI
 * escapes (clear screen, home) only when TERM names a terminal that has them and tty0 is not
 * the serial line, which the kernel cannot tell us yet, so none are used.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

#define SCREEN_MAX 8192

static int tty = -1;
static char screen[SCREEN_MAX];
static size_t len;
static const char rule[] =
	"+------------------------------------------------------------------------------+\n";

/* Append text to the screen. */
static void add(const char *text)
{
	size_t n = strlen(text);

	if (n > sizeof(screen) - 1 - len)
		n = sizeof(screen) - 1 - len;
	memcpy(screen + len, text, n);
	len += n;
}

/* Append one boxed row, cut or padded to the box's width. */
static void __attribute__((format(printf, 1, 2))) row(const char *fmt, ...)
{
	char in[128], out[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in, sizeof(in), fmt, ap);
	va_end(ap);
	snprintf(out, sizeof(out), "| %-76.76s |\n", in);
	add(out);
}
static char last_sig[SVC_MAX * 2 + 1]; /* the services' states when last shown */

void status_init(void)
{
	struct stat con, t0;

	if (stat("/dev/console", &con) < 0 || stat("/dev/tty0", &t0) < 0)
		return;
	if (!S_ISCHR(t0.st_mode) || (S_ISCHR(con.st_mode) && con.st_rdev == t0.st_rdev))
		return; /* tty0 is the console itself: the log is the screen */
	tty = open("/dev/tty0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

/* Read a small file into buf (NUL-terminated); returns the length or -1. */
static int slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

static unsigned long meminfo_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	unsigned long v = 0;

	if (p && sscanf(p + strlen(key), ": %lu", &v) != 1)
		v = 0;
	return v;
}

static const char *state_text(const struct svc *s, char *buf, size_t len, uint64_t now)
{
	uint64_t wait;

	switch (s->state) {
	case SVC_WAITING:
		return "waiting";
	case SVC_RUNNING:
		snprintf(buf, len, "running (pid %d)", (int)s->pid);
		return buf;
	case SVC_BACKOFF:
		wait = (s->restart_at_ms > now ? s->restart_at_ms - now : 0) + 999;
		snprintf(buf, len, "restarting in %llu s (%u restarts)",
			 (unsigned long long)(wait / 1000), s->restarts);
		return buf;
	case SVC_DONE:
		if (s->last_status >= 0 && WIFSIGNALED(s->last_status))
			snprintf(buf, len, "done (killed by signal %d)", WTERMSIG(s->last_status));
		else
			snprintf(buf, len, "done (status %d)",
				 s->last_status >= 0 ? WEXITSTATUS(s->last_status) : 0);
		return buf;
	case SVC_FAILED:
		return "failed to start";
	case SVC_STOPPING:
		return "stopping";
	}
	return "?";
}

void status_update(int force)
{
	static char text[65536];
	char sig[sizeof(last_sig)], st[64], version[128] = "Keel";
	uint64_t now = init_now_ms();
	unsigned long total, avail;
	double up = 0;
	int cpus = 0;
	struct utsname u;

	if (tty < 0)
		return;
	for (int i = 0; i < nsvcs; i++) {
		sig[2 * i] = (char)('0' + svcs[i].state);
		sig[2 * i + 1] = svcs[i].restarts ? 'r' : '-';
	}
	sig[2 * nsvcs] = 0;
	if (!force && !strcmp(sig, last_sig))
		return;
	memcpy(last_sig, sig, sizeof(sig));

	if (slurp("/proc/version", text, sizeof(text)) > 0) {
		text[strcspn(text, "\n")] = 0;
		snprintf(version, sizeof(version), "%.127s", text);
	} else if (uname(&u) == 0) {
		snprintf(version, sizeof(version), "%.60s %.60s", u.sysname, u.release);
	}
	if (slurp("/proc/cpuinfo", text, sizeof(text)) > 0)
		for (const char *p = text; (p = strstr(p, "processor")); p++)
			if (p == text || p[-1] == '\n')
				cpus++;
	if (slurp("/proc/meminfo", text, sizeof(text)) <= 0)
		text[0] = 0;
	total = meminfo_kb(text, "MemTotal");
	avail = meminfo_kb(text, "MemFree");
	if (slurp("/proc/uptime", text, sizeof(text)) <= 0 || sscanf(text, "%lf", &up) != 1)
		up = (double)now / 1000;

	len = 0;
	add(rule);
	row("%s", version);
	row("CPUs: %d   Memory: %lu MiB, %lu MiB free   Up: %lud %02lu:%02lu:%02lu", cpus,
	    total / 1024, avail / 1024, (unsigned long)up / 86400, (unsigned long)up / 3600 % 24,
	    (unsigned long)up / 60 % 60, (unsigned long)up % 60);
	row("Services:%s", nsvcs ? "" : " none");
	for (int i = 0; i < nsvcs; i++)
		row("  %-20s %s", svcs[i].name, state_text(&svcs[i], st, sizeof(st), now));
	row("Managed remotely; this console has no shell.");
	add(rule);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(tty, screen + off, len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
}
