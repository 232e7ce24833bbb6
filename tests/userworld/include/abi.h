/*
 * Shared by the Linux-ABI test programs (tests/userworld/abi-*): each prints result lines
 *
 *   abi AREA/CASE: TEXT
 *
 * whose TEXT must be the same on Keel and on Linux (tests/qemu/abi.sh boots both with the
 * same binaries and compares the lines case by case).  TEXT says what was seen (return
 * values, errno names, what a handler got), never a timing or an address, so it can match.
 */
#ifndef TESTS_ABI_H
#define TESTS_ABI_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const char *abi_area = "?";

/* "EFAULT" for EFAULT ...; "0" for 0; "E<n>" for a number without a name here. */
static inline const char *abi_errname(int e)
{
	static char other[16];
#define ABI_E(x) \
	case x:  \
		return #x
	switch (e) {
	case 0:
		return "0";
		ABI_E(EPERM);
		ABI_E(ENOENT);
		ABI_E(ESRCH);
		ABI_E(EINTR);
		ABI_E(EIO);
		ABI_E(ENXIO);
		ABI_E(E2BIG);
		ABI_E(ENOEXEC);
		ABI_E(EBADF);
		ABI_E(ECHILD);
		ABI_E(EAGAIN);
		ABI_E(ENOMEM);
		ABI_E(EACCES);
		ABI_E(EFAULT);
		ABI_E(EBUSY);
		ABI_E(EEXIST);
		ABI_E(ENODEV);
		ABI_E(ENOTDIR);
		ABI_E(EISDIR);
		ABI_E(EINVAL);
		ABI_E(ENFILE);
		ABI_E(EMFILE);
		ABI_E(ENOTTY);
		ABI_E(EFBIG);
		ABI_E(ENOSPC);
		ABI_E(ESPIPE);
		ABI_E(EROFS);
		ABI_E(EPIPE);
		ABI_E(ERANGE);
		ABI_E(EDEADLK);
		ABI_E(ENAMETOOLONG);
		ABI_E(ENOLCK);
		ABI_E(ENOSYS);
		ABI_E(ENOTEMPTY);
		ABI_E(ELOOP);
		ABI_E(ENOMSG);
		ABI_E(EIDRM);
		ABI_E(ENODATA);
		ABI_E(ETIME);
		ABI_E(EOVERFLOW);
		ABI_E(EOPNOTSUPP);
		ABI_E(ETIMEDOUT);
		ABI_E(EOWNERDEAD);
		ABI_E(ENOTRECOVERABLE);
	}
#undef ABI_E
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}

/* One result line: abi AREA/CASE: TEXT. */
static inline void __attribute__((format(printf, 2, 3)))
abi_say(const char *name, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("abi %s/%s: %s\n", abi_area, name, text);
	fflush(stdout);
}

/* A call's outcome as text: "= N" for N >= 0, else the errno's name ("EFAULT"). */
static inline const char *abi_rc(long rc)
{
	static char buf[4][32];
	static int next;
	char *b = buf[next++ % 4];

	if (rc >= 0)
		snprintf(b, 32, "= %ld", rc);
	else
		snprintf(b, 32, "%s", abi_errname(errno));
	return b;
}

/* Run a shell command (stderr too) as a real program would: one result line with its exit
 * status and the first line it printed. */
static inline void abi_sh(const char *name, const char *cmd)
{
	char line[256] = "", full[512];
	FILE *f;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	f = popen(full, "r");
	if (!f) {
		abi_say(name, "popen %s", abi_errname(errno));
		return;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	line[strcspn(line, "\n")] = 0;
	abi_say(name, "status %d: %s", WIFEXITED(st) ? WEXITSTATUS(st) : -1, line);
}

#endif
