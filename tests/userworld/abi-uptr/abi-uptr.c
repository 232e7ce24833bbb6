/*
 * abi-uptr: system calls given buffers outside user space (a kernel address, a range that
 * runs past the top of user space) fail with EFAULT before doing anything, as Linux's
 * access_ok makes them, even where nothing would be copied (/dev/null, a zero length).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "abi.h"

#define KADDR	 ((void *)0xffffffff81000000ul) /* the kernel's text on Linux */
#define USER_END 0x00007ffffffff000ul		/* Linux's TASK_SIZE_MAX */

static long sys(long nr, long a, long b, long c)
{
	return syscall(nr, a, b, c);
}

int main(void)
{
	int null = open("/dev/null", O_RDWR), zero = open("/dev/zero", O_RDONLY), p[2];
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	struct iovec bad[2] = {{KADDR, 16}, {KADDR, 16}}, mixed[2];
	char ok[16], *straddle = (char *)(USER_END - 8);
	struct pollfd pf = {null, POLLIN, 0};

	char *hole = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(hole, 4096);
	abi_area = "uptr";
	mixed[0] = (struct iovec){ok, sizeof(ok)};
	mixed[1] = (struct iovec){KADDR, 16};
	abi_say("read-null-kernel", "%s", abi_rc(read(null, KADDR, 16)));
	abi_say("read-null-kernel-0", "%s", abi_rc(read(null, KADDR, 0)));
	abi_say("write-null-kernel", "%s", abi_rc(write(null, KADDR, 16)));
	abi_say("write-null-kernel-0", "%s", abi_rc(write(null, KADDR, 0)));
	abi_say("write-null-NULL-0", "%s", abi_rc(write(null, NULL, 0)));
	abi_say("read-null-straddle", "%s", abi_rc(read(null, straddle, 16)));
	abi_say("read-zero-kernel", "%s", abi_rc(read(zero, KADDR, 16)));
	abi_say("read-zero-straddle", "%s", abi_rc(read(zero, straddle, 16)));
	abi_say("pread-null-kernel", "%s", abi_rc(pread(null, KADDR, 16, 0)));
	abi_say("pwrite-null-kernel", "%s", abi_rc(pwrite(null, KADDR, 16, 0)));
	abi_say("readv-null-kernel", "%s", abi_rc(readv(null, bad, 2)));
	abi_say("writev-null-kernel", "%s", abi_rc(writev(null, bad, 2)));
	abi_say("readv-zero-mixed", "%s", abi_rc(readv(zero, mixed, 2)));
	abi_say("writev-null-mixed", "%s", abi_rc(writev(null, mixed, 2)));
	abi_say("preadv-null-kernel", "%s", abi_rc(preadv(null, bad, 2, 0)));
	abi_say("readv-iov-kernel", "%s", abi_rc(readv(null, KADDR, 2)));
	if (pipe(p) == 0) {
		write(p[1], "abc", 3);
		abi_say("read-pipe-kernel", "%s", abi_rc(read(p[0], KADDR, 3)));
		abi_say("read-pipe-after", "%s", abi_rc(read(p[0], ok, 3)));
		/* An unmapped user page passes the range check; the copy fails and the
		 * bytes stay in the pipe. */
		write(p[1], "abc", 3);
		abi_say("read-pipe-unmapped", "%s", abi_rc(read(p[0], hole, 3)));
		abi_say("read-pipe-after-unmapped", "%s", abi_rc(read(p[0], ok, 3)));
		abi_say("write-pipe-unmapped", "%s", abi_rc(write(p[1], hole, 3)));
		abi_say("write-pipe-kernel", "%s", abi_rc(write(p[1], KADDR, 3)));
		abi_say("pipe2-kernel", "%s", abi_rc(sys(SYS_pipe2, (long)KADDR, 0, 0)));
	}
	abi_say("getdents-kernel", "%s", abi_rc(sys(SYS_getdents64, dir, (long)KADDR, 4096)));
	abi_say("fstat-kernel", "%s", abi_rc(sys(SYS_fstat, null, (long)KADDR, 0)));
	abi_say("stat-path-kernel", "%s", abi_rc(sys(SYS_stat, (long)KADDR, (long)ok, 0)));
	abi_say("open-path-kernel", "%s", abi_rc(sys(SYS_open, (long)KADDR, O_RDONLY, 0)));
	abi_say("clock_gettime-kernel", "%s",
		abi_rc(sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)KADDR, 0)));
	abi_say("uname-kernel", "%s", abi_rc(sys(SYS_uname, (long)KADDR, 0, 0)));
	abi_say("poll-kernel", "%s", abi_rc(sys(SYS_poll, (long)KADDR, 1, 0)));
	abi_say("poll-ok", "%s", abi_rc(poll(&pf, 1, 0)));
	abi_say("nanosleep-kernel", "%s", abi_rc(sys(SYS_nanosleep, (long)KADDR, 0, 0)));
	abi_say("getcwd-kernel", "%s", abi_rc(sys(SYS_getcwd, (long)KADDR, 64, 0)));
	symlink("target", "/tmp/abi-uptr-link");
	abi_say("readlink-kernel", "%s",
		abi_rc(sys(SYS_readlink, (long)"/tmp/abi-uptr-link", (long)KADDR, 64)));
	return 0;
}
