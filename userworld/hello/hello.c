/* hello: the first userworld, printing a greeting and its arguments on stdout. */
/*
 * It is the first program the vmkernel runs, so it asks for as little as a static musl program
 * can: besides musl's start-up (arch_prctl, set_tid_address) it uses write(2) on fd 1 and
 * exit_group(2); no stdio, no allocation.  Output:
 *
 *	hello from userworld
 *	argv[0]=/usr/bin/hello
 *	argv[1]=...
 *
 * Exit status 0, or 1 if stdout could not be written.
 */
#include <string.h>
#include <unistd.h>

/* Write all of buf, retrying short writes; 0 on success, -1 on an error. */
static int put(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(1, buf, len);

		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Decimal digits of v into the end of buf (size >= 21); returns the first digit. */
static char *fmt_uint(char *end, unsigned long v)
{
	*--end = '\0';
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

int main(int argc, char **argv)
{
	static const char greeting[] = "hello from userworld\n";
	char num[21];
	int i;

	if (put(greeting, sizeof(greeting) - 1))
		return 1;
	for (i = 0; i < argc; i++) {
		const char *n = fmt_uint(num + sizeof(num), (unsigned long)i);
		const char *arg = argv[i] ? argv[i] : "(null)";

		if (put("argv[", 5) || put(n, strlen(n)) || put("]=", 2) || put(arg, strlen(arg)) ||
		    put("\n", 1))
			return 1;
	}
	return 0;
}
