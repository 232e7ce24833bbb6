/*
 * abi-fsinfo: file-system and system information and the calls around them: statfs/fstatfs
 * (and musl's statvfs) on every kind of file system, BusyBox df, sysinfo, madvise, sendfile.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"

#define KADDR ((void *)0xffffffff81000000ul)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; newer than musl 1.2.3's headers */
#endif

static void fs(const char *name, const char *path)
{
	struct statfs s;
	struct statvfs v;
	char vname[64];

	snprintf(vname, sizeof(vname), "%s-statvfs", name);
	if (statfs(path, &s)) {
		abi_say(name, "statfs %s", abi_errname(errno));
		return;
	}
	abi_say(name, "type %#lx bsize %ld frsize %ld namelen %ld flags %#lx blocks %s free %s",
		(unsigned long)s.f_type, (long)s.f_bsize, (long)s.f_frsize, (long)s.f_namelen,
		(unsigned long)(s.f_flags & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)),
		s.f_blocks ? ">0" : "0", s.f_bfree <= s.f_blocks ? "<=blocks" : ">blocks");
	if (statvfs(path, &v) == 0)
		abi_say(vname, "bsize %lu namemax %lu same-blocks %d", v.f_bsize, v.f_namemax,
			v.f_blocks == s.f_blocks);
}

static void statfs_cases(void)
{
	struct statfs s;
	int p[2], fd;

	fs("root", "/");
	fs("tmp", "/tmp");
	fs("proc", "/proc");
	fs("dev", "/dev");
	fs("dev-shm", "/dev/shm");
	fs("proc-self", "/proc/self/fd");
	abi_say("statfs-missing", "%s", abi_rc(statfs("/nonexistent/x", &s)));
	abi_say("statfs-notdir", "%s", abi_rc(statfs("/dev/null/x", &s)));
	abi_say("statfs-kernel-buf", "%s", abi_rc(syscall(SYS_statfs, "/tmp", KADDR)));
	abi_say("statfs-kernel-path", "%s", abi_rc(syscall(SYS_statfs, KADDR, &s)));
	if (pipe(p) == 0 && fstatfs(p[0], &s) == 0)
		abi_say("fstatfs-pipe", "type %#lx bsize %ld", (unsigned long)s.f_type,
			(long)s.f_bsize);
	fd = open("/tmp", O_RDONLY);
	if (fstatfs(fd, &s) == 0)
		abi_say("fstatfs-tmp", "type %#lx", (unsigned long)s.f_type);
	close(fd);
	abi_say("fstatfs-badfd", "%s", abi_rc(fstatfs(99, &s)));
	abi_sh("df-tmp", "df /tmp | sed -n 2p | awk '{print $1, $6, ($2 > 0)}'");
	abi_sh("df-header", "df | head -n 1");
	abi_sh("df-missing", "df /nonexistent");
}

static void sysinfo_cases(void)
{
	struct sysinfo si;

	memset(&si, 0, sizeof(si));
	abi_say("sysinfo", "%s", abi_rc(sysinfo(&si)));
	abi_say("sysinfo-fields",
		"uptime>0 %d totalram>0 %d free<=total %d unit %u procs>0 %d "
		"swap %lu high %lu",
		si.uptime > 0, si.totalram > 0, si.freeram <= si.totalram, si.mem_unit,
		si.procs > 0, si.totalswap, si.totalhigh);
	abi_say("sysinfo-kernel", "%s", abi_rc(syscall(SYS_sysinfo, KADDR)));
}

static void madvise_cases(void)
{
	const size_t len = 4 * 4096;
	char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *f, path[] = "/tmp/abi-madv";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int st, rc;

	write(fd, "file-bytes", 10);
	f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	memset(a, 'x', len);
	memset(s, 'y', len);
	f[0] = 'F';
	rc = madvise(a, len, MADV_DONTNEED);
	abi_say("dontneed-private", "%s then %d", abi_rc(rc), a[4096]);
	rc = madvise(s, len, MADV_DONTNEED);
	abi_say("dontneed-shared", "%s then %c", abi_rc(rc), s[4096]);
	rc = madvise(f, 4096, MADV_DONTNEED);
	abi_say("dontneed-file", "%s then %c", abi_rc(rc), f[0]);
	f[1] = 'I';
	rc = madvise(f, 4096, MADV_FREE);
	abi_say("free-file", "%s then %c", abi_rc(rc), f[1]);
	s[0] = 'z';
	rc = madvise(s, 4096, MADV_REMOVE);
	abi_say("remove-shared", "%s then %d", abi_rc(rc), s[0]);
	rc = madvise(a, 4096, MADV_REMOVE);
	abi_say("remove-private", "%s", abi_rc(rc));
	a[0] = 'w';
	rc = madvise(a, 4096, MADV_WIPEONFORK);
	abi_say("wipeonfork", "%s", abi_rc(rc));
	pid = fork();
	if (pid == 0)
		_exit(a[0] == 'w' ? 10 : a[0] == 0 ? 20 : 30);
	waitpid(pid, &st, 0);
	abi_say("wipeonfork-child", "exit %d parent %c", WEXITSTATUS(st), a[0]);
	abi_say("keeponfork", "%s", abi_rc(madvise(a, 4096, MADV_KEEPONFORK)));
	abi_say("wipeonfork-shared", "%s", abi_rc(madvise(s, 4096, MADV_WIPEONFORK)));
	rc = madvise(a + 2 * 4096, 4096, MADV_POPULATE_WRITE);
	abi_say("populate-write", "%s", abi_rc(rc));
	abi_say("normal", "%s", abi_rc(madvise(a, len, MADV_NORMAL)));
	abi_say("random", "%s", abi_rc(madvise(a, len, MADV_RANDOM)));
	abi_say("sequential", "%s", abi_rc(madvise(a, len, MADV_SEQUENTIAL)));
	abi_say("willneed", "%s", abi_rc(madvise(a, len, MADV_WILLNEED)));
	abi_say("free", "%s", abi_rc(madvise(a, len, MADV_FREE)));
	abi_say("hugepage", "%s", abi_rc(madvise(a, len, MADV_HUGEPAGE)));
	abi_say("nohugepage", "%s", abi_rc(madvise(a, len, MADV_NOHUGEPAGE)));
	abi_say("bad-advice", "%s", abi_rc(madvise(a, len, 999)));
	abi_say("unaligned", "%s", abi_rc(madvise(a + 1, len, MADV_NORMAL)));
	abi_say("zero-len", "%s", abi_rc(madvise(a, 0, MADV_DONTNEED)));
	munmap(a + 4096, 4096);
	abi_say("hole", "%s", abi_rc(madvise(a, len, MADV_NORMAL)));
	abi_say("hole-dontneed", "%s", abi_rc(madvise(a, len, MADV_DONTNEED)));
	abi_say("kernel", "%s", abi_rc(madvise(KADDR, 4096, MADV_NORMAL)));
	/* MADV_DONTFORK: the child does not get the area; MADV_DOFORK undoes it. */
	s[0] = 'k';
	abi_say("dontfork", "%s", abi_rc(madvise(s, len, MADV_DONTFORK)));
	pid = fork();
	if (pid == 0) {
		/* mprotect of an unmapped range is ENOMEM */
		_exit(mprotect(s, 4096, PROT_READ) == 0 ? 10 : errno == ENOMEM ? 20 : 30);
	}
	waitpid(pid, &st, 0);
	abi_say("dontfork-child", "exit %d", WEXITSTATUS(st));
	abi_say("dofork", "%s", abi_rc(madvise(s, len, MADV_DOFORK)));
	pid = fork();
	if (pid == 0)
		_exit(s[0] == 'k' ? 10 : 20);
	waitpid(pid, &st, 0);
	abi_say("dofork-child", "exit %d", WEXITSTATUS(st));
	close(fd);
	unlink(path);
}

static void sendfile_cases(void)
{
	int in = open("/tmp/abi-sf-in", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int out = open("/tmp/abi-sf-out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int app = open("/tmp/abi-sf-app", O_WRONLY | O_CREAT | O_APPEND, 0600);
	int wonly = open("/tmp/abi-sf-in", O_WRONLY), p[2];
	char buf[64] = "";
	off_t off = 2;
	ssize_t n;

	write(in, "0123456789abcdef", 16);
	lseek(in, 0, SEEK_SET);
	n = sendfile(out, in, NULL, 4);
	abi_say("file-to-file", "%s pos %ld", abi_rc(n), (long)lseek(in, 0, SEEK_CUR));
	n = sendfile(out, in, &off, 5);
	abi_say("with-offset", "%s off %ld pos %ld", abi_rc(n), (long)off,
		(long)lseek(in, 0, SEEK_CUR));
	n = pread(out, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	abi_say("out-content", "%s", buf);
	off = 14;
	n = sendfile(out, in, &off, 100);
	abi_say("past-eof", "%s off %ld", abi_rc(n), (long)off);
	off = 16;
	abi_say("at-eof", "%s", abi_rc(sendfile(out, in, &off, 100)));
	if (pipe2(p, O_NONBLOCK) == 0) {
		off = 0;
		n = sendfile(p[1], in, &off, 16);
		memset(buf, 0, sizeof(buf));
		read(p[0], buf, sizeof(buf) - 1);
		abi_say("file-to-pipe", "%s %s", abi_rc(n), buf);
		abi_say("pipe-to-file", "%s", abi_rc(sendfile(out, p[0], NULL, 4)));
	}
	abi_say("append-out", "%s", abi_rc(sendfile(app, in, NULL, 4)));
	abi_say("in-not-readable", "%s", abi_rc(sendfile(out, wonly, NULL, 4)));
	abi_say("out-not-writable", "%s", abi_rc(sendfile(in, in, NULL, 0)));
	abi_say("badfd", "%s", abi_rc(sendfile(99, in, NULL, 4)));
	off = -1;
	abi_say("negative-offset", "%s", abi_rc(sendfile(out, in, &off, 4)));
	abi_say("kernel-offset", "%s", abi_rc(syscall(SYS_sendfile, out, in, KADDR, 4)));
	abi_say("zero-count", "%s", abi_rc(sendfile(out, in, NULL, 0)));
	unlink("/tmp/abi-sf-in");
	unlink("/tmp/abi-sf-out");
	unlink("/tmp/abi-sf-app");
}

int main(void)
{
	abi_area = "statfs";
	statfs_cases();
	abi_area = "sysinfo";
	sysinfo_cases();
	abi_area = "madvise";
	madvise_cases();
	abi_area = "sendfile";
	sendfile_cases();
	return 0;
}
