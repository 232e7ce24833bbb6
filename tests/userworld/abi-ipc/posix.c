/*
 * abi-ipc, POSIX named semaphores: musl's sem_open makes a file in /dev/shm (open O_CREAT |
 * O_EXCL | O_NOFOLLOW, write, link, unlink), maps it MAP_SHARED and waits on it with futexes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "abi.h"
#include "ipc_test.h"

#define NAME "/abi-ipc"

static struct timespec in_ms(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

static const char *open_rc(sem_t *s)
{
	return s == SEM_FAILED ? abi_errname(errno) : "ok";
}

static int poster_child(void *arg)
{
	sem_t *c = sem_open(NAME, 0); /* a mapping of its own */

	(void)arg;
	if (c == SEM_FAILED)
		return 1;
	ipc_msleep(300); /* the parent is asleep in sem_timedwait by now */
	return sem_post(c) ? 2 : 0;
}

/* What sem_open relies on: a MAP_SHARED mapping shorter than a page of a file shorter than a
 * page is the file's page (a write through it is in the file at once). */
static void short_file_case(void)
{
	char buf[8] = {0}, *m;
	int fd = open("/dev/shm/abi-ipc-short", O_CREAT | O_EXCL | O_RDWR, 0600);

	write(fd, "abcdefgh", 8);
	m = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED)
		m[0] = 'X';
	pread(fd, buf, 7, 0);
	abi_say("psem-short-file-map", "%s %s", m == MAP_FAILED ? abi_errname(errno) : "ok", buf);
	close(fd);
	unlink("/dev/shm/abi-ipc-short");
}

void ipc_test_posix(void)
{
	struct timespec t;
	struct stat st;
	sem_t *s, *s2;
	int v = -1, v0 = -1, rc;
	pid_t pid;

	abi_area = "ipc";
	short_file_case();
	sem_unlink(NAME);
	s = sem_open(NAME, O_CREAT, 0600, 1);
	abi_say("psem-open", "%s", open_rc(s));
	if (s == SEM_FAILED)
		return;
	s2 = sem_open(NAME, 0);
	abi_say("psem-open-again", "%s", s2 == s ? "same" : open_rc(s2));
	abi_say("psem-open-excl", "%s", open_rc(sem_open(NAME, O_CREAT | O_EXCL, 0600, 1)));
	rc = stat("/dev/shm" NAME, &st);
	abi_say("psem-file", "%s mode %o size %lld", abi_rc(rc), (unsigned)st.st_mode,
		(long long)st.st_size);
	abi_say("psem-wait", "%s", abi_rc(sem_wait(s)));
	abi_say("psem-trywait", "%s", abi_rc(sem_trywait(s)));
	t = in_ms(200);
	abi_say("psem-timedwait", "%s", abi_rc(sem_timedwait(s, &t)));
	abi_say("psem-post", "%s", abi_rc(sem_post(s)));
	sem_getvalue(s, &v);
	abi_say("psem-getvalue", "%d", v);
	sem_wait(s);

	/* Cross-process: the child posts while the parent sleeps in the futex. */
	pid = ipc_spawn(poster_child, NULL);
	t = in_ms(5000);
	rc = sem_timedwait(s, &t);
	abi_say("psem-xproc-wait", "%s", abi_rc(rc));
	abi_say("psem-xproc-child", "%s", ipc_reap(pid));
	sem_getvalue(s, &v);
	abi_say("psem-xproc-posts", "%d", v + (rc == 0)); /* seen by the wait or in the value */

	abi_say("psem-unlink", "%s", abi_rc(sem_unlink(NAME)));
	abi_say("psem-unlink-again", "%s", abi_rc(sem_unlink(NAME)));
	/* The mapping outlives the name. */
	sem_getvalue(s, &v0);
	abi_say("psem-after-unlink", "%s", abi_rc(sem_post(s)));
	v = -1;
	sem_getvalue(s, &v);
	abi_say("psem-after-unlink-value", "+%d", v - v0);
	abi_say("psem-close", "%s", abi_rc(sem_close(s)));
	abi_say("psem-close-second", "%s", abi_rc(sem_close(s2)));
	abi_say("psem-open-gone", "%s", open_rc(sem_open(NAME, 0)));
	abi_say("psem-open-slash", "%s", open_rc(sem_open("/", O_CREAT, 0600, 0)));
	abi_say("psem-open-inner-slash", "%s", open_rc(sem_open("/a/b", O_CREAT, 0600, 0)));
	abi_say("psem-open-big", "%s",
		open_rc(sem_open("/abi-ipc-big", O_CREAT, 0600, 0x80000000u)));
}
