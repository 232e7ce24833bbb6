/* poweroff: ask init (pid 1) for an orderly power-off (SIGTERM), the way busybox's does. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

int main(void)
{
	if (kill(1, SIGTERM) < 0) {
		fprintf(stderr, "poweroff: cannot signal init: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
