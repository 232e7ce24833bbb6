/* init: the services file and the supervision of services (start, exit, restart backoff). */
/*
 * /etc/keel/services, one service a line, in start order:
 *
 *	NAME  MODE  PROGRAM [ARGS...]
 *
 * NAME is up to 31 characters of [A-Za-z0-9._-]; MODE is "respawn" (restarted whenever it
 * exits, with a backoff of 1, 2, 4 ... 60 s that starts again at 1 s once a run lasted 30 s)
 * or "once" (run to completion before the next line starts; boot waits for it).  PROGRAM is
 * an absolute path, or a name searched in PATH.  Words are separated by blanks; '...' quotes
 * literally, "..." quotes with \" and \\ escapes, a backslash outside quotes escapes the next
 * character.  '#' starts a comment where a word could start; blank lines are ignored.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

struct svc svcs[SVC_MAX];
int nsvcs;

static int name_ok(const char *n)
{
	if (!*n || strlen(n) >= SVC_NAME_MAX)
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '.' || *n == '_' || *n == '-'))
			return 0;
	return 1;
}

/* Split line into words in buf (size SVC_LINE_MAX), pointers in words[]. */
static int split(const char *p, char *buf, char **words, int max, const char **why)
{
	char *o = buf;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max) {
			*why = "too many words";
			return -1;
		}
		words[n++] = o;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '\'') {
				for (p++; *p && *p != '\''; p++)
					*o++ = *p;
				if (!*p) {
					*why = "unterminated '";
					return -1;
				}
				p++;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					*o++ = *p;
				}
				if (!*p) {
					*why = "unterminated \"";
					return -1;
				}
				p++;
			} else {
				if (*p == '\\' && p[1])
					p++;
				*o++ = *p++;
			}
		}
		*o++ = 0;
	}
	words[n] = NULL;
	return n;
}

int svc_parse_line(const char *line, struct svc *s, const char **why)
{
	char *w[SVC_ARGS_MAX + 3];
	int n;

	if (strlen(line) >= SVC_LINE_MAX) {
		*why = "line too long";
		return -1;
	}
	memset(s, 0, sizeof(*s));
	n = split(line, s->buf, w, SVC_ARGS_MAX + 2, why);
	if (n <= 0)
		return n < 0 ? -1 : 1;
	if (n < 3) {
		*why = "expected NAME MODE PROGRAM [ARGS...]";
		return -1;
	}
	if (!name_ok(w[0])) {
		*why = "bad service name";
		return -1;
	}
	snprintf(s->name, sizeof(s->name), "%s", w[0]);
	if (!strcmp(w[1], "respawn")) {
		s->mode = SVC_RESPAWN;
	} else if (!strcmp(w[1], "once")) {
		s->mode = SVC_ONCE;
	} else {
		*why = "mode must be respawn or once";
		return -1;
	}
	for (int i = 2; i <= n; i++)
		s->argv[i - 2] = w[i];
	s->state = SVC_WAITING;
	s->delay_s = SVC_BACKOFF_FIRST;
	s->last_status = -1;
	return 0;
}

int svc_load(const char *path)
{
	char line[SVC_LINE_MAX + 2];
	FILE *f = fopen(path, "r");
	int lineno = 0;

	nsvcs = 0;
	if (!f) {
		if (errno != ENOENT)
			init_log("init: cannot read %s: %s", path, strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct svc *s = &svcs[nsvcs];
		const char *why = "";
		size_t len = strlen(line);
		int rc;

		lineno++;
		if (len && line[len - 1] == '\n') {
			line[--len] = 0;
		} else if (!feof(f)) {
			init_log("init: %s:%d: line too long, skipped", path, lineno);
			for (int c = 0; c != '\n' && c != EOF;)
				c = fgetc(f);
			continue;
		}
		if (nsvcs == SVC_MAX) {
			init_log("init: %s:%d: more than %d services, the rest are ignored", path,
				 lineno, SVC_MAX);
			break;
		}
		rc = svc_parse_line(line, s, &why);
		if (rc < 0)
			init_log("init: %s:%d: %s, skipped", path, lineno, why);
		if (rc)
			continue;
		for (int i = 0; i < nsvcs; i++)
			if (!strcmp(svcs[i].name, s->name)) {
				init_log("init: %s:%d: service %s is listed twice, skipped", path,
					 lineno, s->name);
				rc = -1;
			}
		if (!rc)
			nsvcs++;
	}
	fclose(f);
	return nsvcs;
}

int svc_start(struct svc *s)
{
	pid_t pid = init_spawn(s->argv);

	if (pid < 0) {
		init_log("init: service %s: cannot fork: %s", s->name, strerror(errno));
		if (s->mode == SVC_RESPAWN) {
			s->state = SVC_BACKOFF; /* try again later */
			s->restart_at_ms = init_now_ms() + s->delay_s * 1000ull;
		} else {
			s->state = SVC_FAILED;
		}
		return -1;
	}
	s->pid = pid;
	s->state = SVC_RUNNING;
	s->started_ms = init_now_ms();
	return 0;
}

/* "status N" or "killed by signal N" */
static void describe(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

int svc_reaped(pid_t pid, int status, int stopping)
{
	char how[40];
	uint64_t now = init_now_ms();

	for (int i = 0; i < nsvcs; i++) {
		struct svc *s = &svcs[i];

		if (s->pid != pid || (s->state != SVC_RUNNING && s->state != SVC_STOPPING))
			continue;
		s->pid = 0;
		s->last_status = status;
		describe(status, how, sizeof(how));
		if (stopping || s->mode == SVC_ONCE) {
			s->state = SVC_DONE;
			init_log("init: service %s %s", s->name, how);
			return 1;
		}
		if (now - s->started_ms >= SVC_STABLE_S * 1000ull)
			s->delay_s = SVC_BACKOFF_FIRST;
		s->state = SVC_BACKOFF;
		s->restart_at_ms = now + s->delay_s * 1000ull;
		s->restarts++;
		init_log("init: service %s %s (restart in %u s)", s->name, how, s->delay_s);
		s->delay_s = s->delay_s * 2 > SVC_BACKOFF_MAX ? SVC_BACKOFF_MAX : s->delay_s * 2;
		return 1;
	}
	return 0;
}

uint64_t svc_restart_due(uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < nsvcs; i++) {
		struct svc *s = &svcs[i];

		if (s->state != SVC_BACKOFF)
			continue;
		if (s->restart_at_ms <= now) {
			init_log("init: restarting service %s", s->name);
			svc_start(s);
		}
		if (s->state == SVC_BACKOFF && s->restart_at_ms < next)
			next = s->restart_at_ms;
	}
	return next;
}
