/*
 * fstest: file system calls, files and pipes from user space (tests/qemu/files.sh).  Run as
 * init; argv[1] is a writable directory to work in (default /root).  Each check prints
 * "fstest: PASS name" or "fstest: FAIL name: why"; the last line is "fstest: done, N failed".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static char why[256];

static void check(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("fstest: PASS %s\n", name);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("fstest: FAIL %s: %s (errno %d)\n", name, why, errno);
	failures++;
}

/* A raw call's result: the value, or -errno. */
static long raw(long r)
{
	return r < 0 ? -errno : r;
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

/* The whole file (up to 255 bytes) as a string, or "" */
static const char *read_file(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

static void bad_input(void)
{
	char longname[300], *longpath = malloc(5000);
	struct stat st;
	int fd;

	check(raw(syscall(SYS_open, (char *)8, O_RDONLY)) == -EFAULT, "open-bad-pointer",
	      "expected EFAULT");
	check(raw(syscall(SYS_open, (char *)0xffff800000000000ul, O_RDONLY)) == -EFAULT,
	      "open-kernel-pointer", "expected EFAULT");
	check(raw(syscall(SYS_stat, "/", (void *)16)) == -EFAULT, "stat-bad-buffer",
	      "expected EFAULT");
	check(raw(syscall(SYS_pipe, (void *)16)) == -EFAULT, "pipe-bad-pointer", "expected EFAULT");
	fd = open("/usr/bin/fstest", O_RDONLY);
	check(fd >= 0 && raw(syscall(SYS_read, fd, (void *)16, 100)) == -EFAULT, "read-bad-buffer",
	      "expected EFAULT");
	check(raw(syscall(SYS_getcwd, (void *)16, 100)) == -EFAULT, "getcwd-bad-buffer",
	      "expected EFAULT");
	close(fd);

	check(raw(syscall(SYS_read, -1, longname, 1)) == -EBADF, "read-bad-fd", "expected EBADF");
	check(raw(syscall(SYS_write, 200, "x", 1)) == -EBADF, "write-bad-fd", "expected EBADF");
	check(raw(syscall(SYS_write, 100000, "x", 1)) == -EBADF, "write-huge-fd", "expected EBADF");
	check(raw(syscall(SYS_close, 77)) == -EBADF, "close-bad-fd", "expected EBADF");
	check(raw(syscall(SYS_fstat, 77, &st)) == -EBADF, "fstat-bad-fd", "expected EBADF");
	check(raw(syscall(SYS_lseek, 77, 0, SEEK_SET)) == -EBADF, "lseek-bad-fd", "expected EBADF");
	check(raw(syscall(SYS_dup2, 77, 5)) == -EBADF, "dup2-bad-fd", "expected EBADF");
	check(raw(syscall(SYS_dup2, 0, -1)) == -EBADF, "dup2-bad-target", "expected EBADF");
	check(raw(syscall(SYS_openat, 77, "x", O_RDONLY)) == -EBADF, "openat-bad-dirfd",
	      "expected EBADF");

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	check(raw(syscall(SYS_open, longname, O_RDONLY)) == -ENAMETOOLONG, "long-component",
	      "expected ENAMETOOLONG");
	memset(longpath, 'a', 4999);
	for (int i = 100; i < 4999; i += 100)
		longpath[i] = '/';
	longpath[4999] = 0;
	check(raw(syscall(SYS_mkdir, longpath, 0755)) == -ENAMETOOLONG, "long-path",
	      "expected ENAMETOOLONG");
	longpath[4095] = 0; /* 4095 bytes and the NUL: the longest path that may be given */
	check(raw(syscall(SYS_stat, longpath, &st)) == -ENOENT, "longest-path", "expected ENOENT");
	free(longpath);
}

static void errors(void)
{
	struct stat st;

	check(raw(syscall(SYS_open, "nonexistent", O_RDONLY)) == -ENOENT, "enoent",
	      "expected ENOENT");
	check(write_file("file", "data") == 0, "create", "could not write file");
	check(raw(syscall(SYS_open, "file/x", O_RDONLY)) == -ENOTDIR, "enotdir",
	      "expected ENOTDIR");
	check(raw(syscall(SYS_mkdir, "file/x", 0755)) == -ENOTDIR, "mkdir-enotdir",
	      "expected ENOTDIR");
	check(mkdir("dir", 0755) == 0, "mkdir", "failed");
	check(raw(syscall(SYS_mkdir, "dir", 0755)) == -EEXIST, "mkdir-eexist", "expected EEXIST");
	check(raw(syscall(SYS_open, "dir", O_WRONLY)) == -EISDIR, "open-dir-write",
	      "expected EISDIR");
	check(raw(syscall(SYS_open, "file", O_RDONLY | O_DIRECTORY)) == -ENOTDIR, "o-directory",
	      "expected ENOTDIR");
	check(raw(syscall(SYS_open, "file", O_WRONLY | O_CREAT | O_EXCL, 0644)) == -EEXIST,
	      "o-excl", "expected EEXIST");
	check(raw(syscall(SYS_unlink, "dir")) == -EISDIR, "unlink-dir", "expected EISDIR");
	check(raw(syscall(SYS_rmdir, "file")) == -ENOTDIR, "rmdir-file", "expected ENOTDIR");
	check(write_file("dir/inner", "x") == 0 && raw(syscall(SYS_rmdir, "dir")) == -ENOTEMPTY,
	      "rmdir-enotempty", "expected ENOTEMPTY");
	check(unlink("dir/inner") == 0 && rmdir("dir") == 0 && stat("dir", &st) < 0 &&
		      errno == ENOENT,
	      "rmdir", "directory still there");
	check(raw(syscall(SYS_read, open("/", O_RDONLY | O_DIRECTORY), &st, 1)) == -EISDIR,
	      "read-dir", "expected EISDIR");
	check(access("file", R_OK | W_OK) == 0 &&
		      raw(syscall(SYS_access, "nope", F_OK)) == -ENOENT &&
		      raw(syscall(SYS_access, "file", 8)) == -EINVAL,
	      "access", "wrong answers");
	unlink("file");
}

static void read_write(void)
{
	char buf[64];
	struct stat st;
	int fd, fd2;
	long n;

	/* A read-only descriptor does not write. */
	write_file("rw", "hello");
	fd = open("rw", O_RDONLY);
	check(raw(syscall(SYS_write, fd, "x", 1)) == -EBADF, "write-readonly-fd", "expected EBADF");
	close(fd);
	fd = open("rw", O_WRONLY);
	check(raw(syscall(SYS_read, fd, buf, 1)) == -EBADF, "read-writeonly-fd", "expected EBADF");
	close(fd);

	/* O_APPEND writes at the end whatever the offset. */
	fd = open("rw", O_RDWR | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	n = write(fd, " world", 6);
	check(n == 6 && !strcmp(read_file("rw"), "hello world"), "o-append", "got '%s'",
	      read_file("rw"));
	check(lseek(fd, 0, SEEK_CUR) == 11, "o-append-offset", "offset not at the end");
	close(fd);

	/* O_TRUNC */
	fd = open("rw", O_RDWR | O_TRUNC);
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "o-trunc", "size %ld",
	      (long)st.st_size);
	close(fd);

	/* Holes: seek past the end and write; the gap reads as zeros. */
	fd = open("hole", O_RDWR | O_CREAT | O_TRUNC, 0644);
	check(lseek(fd, 1 << 20, SEEK_SET) == 1 << 20 && write(fd, "end", 3) == 3 &&
		      fstat(fd, &st) == 0 && st.st_size == (1 << 20) + 3,
	      "hole-size", "size %ld", (long)st.st_size);
	memset(buf, 0x55, sizeof(buf));
	n = pread(fd, buf, sizeof(buf), 4096 * 10);
	check(n == sizeof(buf) && buf[0] == 0 && buf[63] == 0, "hole-zeros", "n=%ld", n);
	check(st.st_blocks < 64, "hole-sparse", "%ld blocks", (long)st.st_blocks);
	check(lseek(fd, -3, SEEK_END) == 1 << 20 && read(fd, buf, 10) == 3 &&
		      !memcmp(buf, "end", 3),
	      "seek-end", "wrong data at the end");
	check(read(fd, buf, 10) == 0, "read-eof", "expected 0 at EOF");
	check(raw(syscall(SYS_lseek, fd, -1L, SEEK_SET)) == -EINVAL &&
		      raw(syscall(SYS_lseek, fd, 0, 7)) == -EINVAL,
	      "lseek-einval", "expected EINVAL");

	/* pread/pwrite leave the offset alone; readv/writev/preadv */
	lseek(fd, 5, SEEK_SET);
	check(pwrite(fd, "abc", 3, 100) == 3 && pread(fd, buf, 3, 100) == 3 &&
		      !memcmp(buf, "abc", 3) && lseek(fd, 0, SEEK_CUR) == 5,
	      "pread-pwrite", "offset moved or wrong data");
	{
		struct iovec iov[3] = {{"one", 3}, {"", 0}, {"two", 3}};
		char a[2], b[4];
		struct iovec riov[2] = {{a, 2}, {b, 4}};

		lseek(fd, 0, SEEK_SET);
		check(writev(fd, iov, 3) == 6, "writev", "short");
		lseek(fd, 0, SEEK_SET);
		check(readv(fd, riov, 2) == 6 && !memcmp(a, "on", 2) && !memcmp(b, "etwo", 4),
		      "readv", "wrong data");
		memset(b, 0, 4);
		check(preadv(fd, riov, 2, 1) == 6 && !memcmp(a, "ne", 2) && !memcmp(b, "two\0", 4),
		      "preadv", "wrong data");
		check(raw(syscall(SYS_writev, fd, (void *)16, 1)) == -EFAULT, "writev-bad-iov",
		      "expected EFAULT");
	}
	/* ftruncate and truncate */
	check(ftruncate(fd, 10) == 0 && fstat(fd, &st) == 0 && st.st_size == 10, "ftruncate",
	      "size %ld", (long)st.st_size);
	check(truncate("hole", 2) == 0 && stat("hole", &st) == 0 && st.st_size == 2, "truncate",
	      "size %ld", (long)st.st_size);
	close(fd);
	fd = open("hole", O_RDONLY);
	check(raw(syscall(SYS_ftruncate, fd, 0)) == -EINVAL, "ftruncate-readonly",
	      "expected EINVAL");
	close(fd);
	unlink("hole");

	/* unlink while open: the data stays readable through the descriptor */
	write_file("gone", "still here");
	fd = open("gone", O_RDONLY);
	check(unlink("gone") == 0 && access("gone", F_OK) < 0, "unlink", "name still there");
	memset(buf, 0, sizeof(buf));
	check(read(fd, buf, sizeof(buf)) == 10 && !strcmp(buf, "still here") &&
		      fstat(fd, &st) == 0 && st.st_nlink == 0,
	      "unlink-while-open", "read '%s'", buf);
	close(fd);

	/* dup, dup2 onto an open descriptor, dup3 */
	write_file("d1", "first");
	write_file("d2", "second");
	fd = open("d1", O_RDONLY);
	fd2 = open("d2", O_RDONLY);
	check(dup2(fd, fd2) == fd2 && read(fd2, buf, 5) == 5 && !memcmp(buf, "first", 5),
	      "dup2-over-open", "fd2 still reads d2");
	check(lseek(fd, 0, SEEK_CUR) == 5, "dup-shares-offset", "offset not shared");
	check(dup2(fd, fd) == fd && raw(syscall(SYS_dup3, fd, fd, 0)) == -EINVAL, "dup2-same",
	      "wrong");
	n = dup(fd);
	check(n > fd2, "dup", "got %ld", n);
	close((int)n);
	check(dup3(fd, 50, O_CLOEXEC) == 50 && fcntl(50, F_GETFD) == FD_CLOEXEC, "dup3-cloexec",
	      "no FD_CLOEXEC");
	close(50);
	close(fd);
	close(fd2);
	unlink("d1");
	unlink("d2");

	/* fcntl */
	fd = open("rw", O_RDWR | O_CLOEXEC);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC && fcntl(fd, F_SETFD, 0) == 0 &&
		      fcntl(fd, F_GETFD) == 0,
	      "fcntl-fd-flags", "FD_CLOEXEC wrong");
	check((fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND)) == O_RDWR &&
		      fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0 &&
		      (fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK)) ==
			      (O_RDWR | O_APPEND | O_NONBLOCK),
	      "fcntl-fl", "flags %#x", fcntl(fd, F_GETFL));
	write(fd, "abc", 3);
	write(fd, "def", 3);
	check(!strcmp(read_file("rw"), "abcdef"), "fcntl-setfl-append", "got '%s'",
	      read_file("rw"));
	n = fcntl(fd, F_DUPFD, 40);
	check(n == 40 && fcntl(40, F_GETFD) == 0, "fcntl-dupfd", "got %ld", n);
	n = fcntl(fd, F_DUPFD_CLOEXEC, 40);
	check(n == 41 && fcntl(41, F_GETFD) == FD_CLOEXEC, "fcntl-dupfd-cloexec", "got %ld", n);
	close(40);
	close(41);
	check(raw(syscall(SYS_fcntl, fd, 9999, 0)) == -EINVAL, "fcntl-bad-cmd", "expected EINVAL");
	check(fsync(fd) == 0 && fdatasync(fd) == 0 && raw(syscall(SYS_fsync, 99)) == -EBADF,
	      "fsync", "wrong");
	close(fd);
	unlink("rw");
}

static void directories(void)
{
	char buf[512], path[256];
	const char *names[] = {"alpha", "beta", "gamma", "sub"};
	int seen[4] = {0}, dots = 0, fd;
	long n;
	DIR *d;
	struct dirent *e;

	mkdir("list", 0755);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "list/%s", names[i]);
		write_file(path, "x");
	}
	mkdir("list/sub", 0700);

	/* The raw call: linux_dirent64 records. */
	fd = open("list", O_RDONLY | O_DIRECTORY);
	n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	check(n > 0, "getdents64", "returned %ld", n);
	for (long off = 0; off < n;) {
		struct {
			uint64_t ino;
			int64_t off;
			unsigned short reclen;
			unsigned char type;
			char name[];
		} *de = (void *)(buf + off);

		if (!strcmp(de->name, ".") || !strcmp(de->name, ".."))
			dots++;
		for (int i = 0; i < 4; i++)
			if (!strcmp(de->name, names[i]))
				seen[i] += i == 3 ? de->type == DT_DIR : de->type == DT_REG;
		if (de->reclen % 8 || !de->reclen)
			break;
		off += de->reclen;
	}
	check(dots == 2 && seen[0] == 1 && seen[1] == 1 && seen[2] == 1 && seen[3] == 1,
	      "getdents64-entries", "dots %d, %d %d %d %d", dots, seen[0], seen[1], seen[2],
	      seen[3]);
	check(syscall(SYS_getdents64, fd, buf, sizeof(buf)) == 0, "getdents64-end",
	      "expected 0 at the end");
	lseek(fd, 0, SEEK_SET);
	check(raw(syscall(SYS_getdents64, fd, buf, 8)) == -EINVAL, "getdents64-small",
	      "expected EINVAL");
	check(raw(syscall(SYS_getdents64, fd, (void *)16, 512)) == -EFAULT, "getdents64-fault",
	      "expected EFAULT");
	close(fd);
	fd = open("list/alpha", O_RDONLY);
	check(raw(syscall(SYS_getdents64, fd, buf, sizeof(buf))) == -ENOTDIR, "getdents64-notdir",
	      "expected ENOTDIR");
	close(fd);

	/* libc's readdir on top of it; a removal shows */
	unlink("list/beta");
	memset(seen, 0, sizeof(seen));
	d = opendir("list");
	while (d && (e = readdir(d)))
		for (int i = 0; i < 4; i++)
			seen[i] += !strcmp(e->d_name, names[i]);
	if (d)
		closedir(d);
	check(seen[0] && !seen[1] && seen[2] && seen[3], "readdir", "wrong listing");

	/* openat/mkdirat/unlinkat/newfstatat relative to a dirfd */
	fd = open("list", O_RDONLY | O_DIRECTORY);
	{
		struct stat st;
		int f2 = openat(fd, "made", O_WRONLY | O_CREAT, 0600);
		int ff = open("list/alpha", O_RDONLY);

		check(f2 >= 0 && fstatat(fd, "made", &st, 0) == 0 && S_ISREG(st.st_mode), "openat",
		      "not created in the dirfd");
		check(mkdirat(fd, "d2", 0755) == 0 && unlinkat(fd, "d2", AT_REMOVEDIR) == 0 &&
			      unlinkat(fd, "made", 0) == 0,
		      "unlinkat", "failed");
		check(raw(syscall(SYS_unlinkat, fd, "alpha", 0x1)) == -EINVAL, "unlinkat-flags",
		      "expected EINVAL");
		check(raw(syscall(SYS_openat, ff, "x", O_RDONLY)) == -ENOTDIR, "openat-file-dirfd",
		      "expected ENOTDIR");
		check(fstatat(ff, "", &st, AT_EMPTY_PATH) == 0 && S_ISREG(st.st_mode) &&
			      st.st_size == 1,
		      "fstatat-empty-path", "wrong");
		check(raw(syscall(SYS_newfstatat, ff, "", &st, 0)) == -ENOENT,
		      "fstatat-empty-no-flag", "expected ENOENT");
		close(f2);
		close(ff);
	}
	close(fd);

	/* chdir, getcwd, fchdir */
	{
		char cwd[256], start[256];

		getcwd(start, sizeof(start));
		check(chdir("list/sub") == 0 && getcwd(cwd, sizeof(cwd)) &&
			      !strcmp(cwd + strlen(cwd) - 9, "/list/sub") &&
			      !strncmp(cwd, start, strlen(start)),
		      "getcwd-after-chdir", "got '%s'", cwd);
		check(write_file("here", "x") == 0 && access("../sub/here", F_OK) == 0,
		      "relative-to-cwd", "file not where expected");
		unlink("here");
		check(raw(syscall(SYS_getcwd, cwd, 3)) == -ERANGE, "getcwd-erange",
		      "expected ERANGE");
		check(raw(syscall(SYS_chdir, "/usr/bin/fstest")) == -ENOTDIR, "chdir-notdir",
		      "expected ENOTDIR");
		fd = open(start, O_RDONLY | O_DIRECTORY);
		check(fchdir(fd) == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, start), "fchdir",
		      "got '%s'", cwd);
		close(fd);
		check(chdir("/") == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"),
		      "getcwd-root", "got '%s'", cwd);
		chdir(start);
	}
	unlink("list/alpha");
	unlink("list/gamma");
	rmdir("list/sub");
	check(rmdir("list") == 0, "cleanup-list", "directory not empty");
}

static void names(void)
{
	char buf[64];
	struct stat st, lst;
	long n;

	/* rename over an existing file */
	write_file("old", "new contents");
	write_file("target", "old contents");
	check(rename("old", "target") == 0 && !strcmp(read_file("target"), "new contents") &&
		      access("old", F_OK) < 0,
	      "rename-over", "got '%s'", read_file("target"));
	mkdir("rd", 0755);
	check(raw(syscall(SYS_rename, "target", "rd")) == -EISDIR, "rename-file-over-dir",
	      "expected EISDIR");
	check(raw(syscall(SYS_renameat2, AT_FDCWD, "target", AT_FDCWD, "target2", 1)) == 0 &&
		      write_file("target", "x") == 0 &&
		      raw(syscall(SYS_renameat2, AT_FDCWD, "target", AT_FDCWD, "target2", 1)) ==
			      -EEXIST,
	      "renameat2-noreplace", "wrong");
	check(raw(syscall(SYS_rename, "nope", "x")) == -ENOENT, "rename-enoent", "expected ENOENT");
	rmdir("rd");

	/* hard links */
	check(link("target2", "hard") == 0 && stat("hard", &st) == 0 && st.st_nlink == 2, "link",
	      "nlink %ld", (long)st.st_nlink);
	check(raw(syscall(SYS_link, "target2", "hard")) == -EEXIST, "link-eexist",
	      "expected EEXIST");
	unlink("hard");

	/* symlinks: readlink, stat follows, lstat does not */
	check(symlink("target2", "sym") == 0, "symlink", "failed");
	n = readlink("sym", buf, sizeof(buf));
	check(n == 7 && !memcmp(buf, "target2", 7), "readlink", "got %ld", n);
	check(readlink("sym", buf, 3) == 3 && !memcmp(buf, "tar", 3), "readlink-short", "wrong");
	check(raw(syscall(SYS_readlink, "target2", buf, sizeof(buf))) == -EINVAL,
	      "readlink-not-link", "expected EINVAL");
	check(stat("sym", &st) == 0 && lstat("sym", &lst) == 0 && S_ISREG(st.st_mode) &&
		      S_ISLNK(lst.st_mode) && st.st_size == 12 && lst.st_size == 7,
	      "stat-vs-lstat", "modes %o %o", st.st_mode, lst.st_mode);
	check(!strcmp(read_file("sym"), "new contents"), "open-through-symlink", "wrong data");
	check(raw(syscall(SYS_open, "sym", O_RDONLY | O_NOFOLLOW)) == -ELOOP, "o-nofollow",
	      "expected ELOOP");
	check(symlink("missing", "dangling") == 0 && stat("dangling", &st) < 0 && errno == ENOENT &&
		      lstat("dangling", &st) == 0,
	      "dangling-symlink", "wrong");
	check(raw(syscall(SYS_symlink, "x", "sym")) == -EEXIST, "symlink-eexist",
	      "expected EEXIST");
	unlink("sym");
	unlink("dangling");
	unlink("target");
	unlink("target2");
}

static void attributes(void)
{
	struct stat st;
	struct statfs sf;
	struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
	mode_t old;
	int fd;

	old = umask(027);
	fd = open("m", O_WRONLY | O_CREAT | O_TRUNC, 0666);
	check(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640 && umask(old) == 027, "umask",
	      "mode %o", st.st_mode & 0777);
	check(chmod("m", 04751) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 04751,
	      "chmod", "mode %o", st.st_mode);
	check(fchmod(fd, 0600) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 0600,
	      "fchmod", "mode %o", st.st_mode);
	check(chown("m", 12, 34) == 0 && stat("m", &st) == 0 && st.st_uid == 12 &&
		      st.st_gid == 34 && fchown(fd, -1, 56) == 0 && stat("m", &st) == 0 &&
		      st.st_uid == 12 && st.st_gid == 56,
	      "chown", "%d:%d", st.st_uid, st.st_gid);
	check(utimensat(AT_FDCWD, "m", ts, 0) == 0 && stat("m", &st) == 0 &&
		      st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1200000000 &&
		      st.st_mtim.tv_nsec == 7,
	      "utimensat", "mtime %ld", (long)st.st_mtim.tv_sec);
	check(futimens(fd, NULL) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec != 1200000000,
	      "futimens-now", "mtime unchanged");
	ts[0].tv_nsec = 2000000000;
	check(raw(syscall(SYS_utimensat, AT_FDCWD, "m", ts, 0)) == -EINVAL, "utimensat-einval",
	      "expected EINVAL");
	close(fd);
	unlink("m");
	check(mknod("fifo", S_IFIFO | 0644, 0) == 0 && lstat("fifo", &st) == 0 &&
		      S_ISFIFO(st.st_mode),
	      "mknod-fifo", "wrong");
	unlink("fifo");
	check(statfs("/", &sf) == 0 && sf.f_bsize > 0 && sf.f_namelen == 255, "statfs", "wrong");
	check(fstatfs(0, &sf) == 0 && raw(syscall(SYS_statfs, "/nope", &sf)) == -ENOENT, "fstatfs",
	      "wrong");
	check(fstat(1, &st) == 0 && S_ISCHR(st.st_mode), "fstat-console", "mode %o", st.st_mode);
	sync();
}

static void pipes(void)
{
	int p[2], q[2];
	char buf[128], *big;
	struct stat st;
	long n;

	signal(SIGPIPE, SIG_IGN);
	check(pipe(p) == 0, "pipe", "failed");
	check(write(p[1], "through the pipe", 16) == 16 && read(p[0], buf, sizeof(buf)) == 16 &&
		      !memcmp(buf, "through the pipe", 16),
	      "pipe-write-read", "wrong data");
	check(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "pipe-fstat", "mode %o", st.st_mode);
	check(raw(syscall(SYS_write, p[0], "x", 1)) == -EBADF &&
		      raw(syscall(SYS_read, p[1], buf, 1)) == -EBADF,
	      "pipe-wrong-end", "expected EBADF");
	check(raw(syscall(SYS_lseek, p[0], 0, SEEK_SET)) == -ESPIPE, "pipe-lseek",
	      "expected ESPIPE");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	check(raw(syscall(SYS_read, p[0], buf, 1)) == -EAGAIN, "pipe-read-eagain",
	      "expected EAGAIN");
	write(p[1], "abc", 3);
	close(p[1]);
	check(read(p[0], buf, sizeof(buf)) == 3 && read(p[0], buf, sizeof(buf)) == 0, "pipe-eof",
	      "no EOF after the last writer");
	close(p[0]);

	check(pipe2(q, O_NONBLOCK | O_CLOEXEC) == 0 && fcntl(q[0], F_GETFD) == FD_CLOEXEC &&
		      (fcntl(q[1], F_GETFL) & O_NONBLOCK),
	      "pipe2-flags", "wrong flags");
	big = malloc(1 << 17);
	memset(big, 'z', 1 << 17);
	n = write(q[1], big, 1 << 17);
	check(n == 65536, "pipe-fill", "wrote %ld", n);
	check(raw(syscall(SYS_write, q[1], "x", 1)) == -EAGAIN, "pipe-write-eagain",
	      "expected EAGAIN");
	n = read(q[0], big, 100);
	/* 100 bytes free: a 4096-byte write (<= PIPE_BUF) is all or nothing */
	check(n == 100 && raw(syscall(SYS_write, q[1], big, 4096)) == -EAGAIN, "pipe-buf-atomic",
	      "partial atomic write");
	check(raw(syscall(SYS_pipe2, q, 0x1)) == -EINVAL, "pipe2-bad-flags", "expected EINVAL");
	close(q[0]);
	check(raw(syscall(SYS_write, q[1], "x", 1)) == -EPIPE, "pipe-epipe", "expected EPIPE");
	close(q[1]);
	free(big);

	/* A blocking pipe in one process: fill part, drain in pieces. */
	pipe(p);
	for (int i = 0; i < 10; i++)
		write(p[1], "0123456789", 10);
	n = 0;
	while (n < 100) {
		long r = read(p[0], buf, 7);

		if (r <= 0)
			break;
		n += r;
	}
	check(n == 100, "pipe-pieces", "read %ld", n);
	close(p[1]);
	check(read(p[0], buf, 7) == 0, "pipe-eof-blocking", "no EOF");
	close(p[0]);
}

/* Device nodes open through their drivers; a walk crosses into and out of mounts. */
static void devices(void)
{
	char buf[16], cwd[64];
	struct stat st;
	int fd;

	fd = open("/dev/null", O_RDWR);
	check(fd >= 0 && write(fd, "abc", 3) == 3 && read(fd, buf, sizeof(buf)) == 0 &&
		      fstat(fd, &st) == 0 && S_ISCHR(st.st_mode),
	      "dev-null", "fd %d", fd);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, sizeof(buf));
	check(fd >= 0 && read(fd, buf, sizeof(buf)) == sizeof(buf) && !buf[0] && !buf[15],
	      "dev-zero", "fd %d", fd);
	close(fd);
	getcwd(cwd, sizeof(cwd));
	check(chdir("/dev") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/dev") &&
		      chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"),
	      "getcwd-mounts", "got '%s'", buf);
	chdir(cwd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Pipes between processes: a blocked reader wakes for a writer in another process, a
 * signal interrupts a blocked read, SIGPIPE ends a writer nobody reads. */
static void pipes_fork(void)
{
	struct sigaction sa;
	char buf[1000];
	int p[2], status = -1;
	long total = 0, n;
	pid_t pid;

	pipe(p);
	pid = fork();
	if (pid == 0) {
		char chunk[3000];

		close(p[0]);
		memset(chunk, 'c', sizeof(chunk));
		for (int i = 0; i < 100; i++) /* 300 KB: the writer blocks on a full pipe */
			if (write(p[1], chunk, sizeof(chunk)) != sizeof(chunk))
				_exit(3);
		_exit(0);
	}
	check(pid > 0, "fork", "fork failed");
	if (pid < 0)
		return;
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total += n;
	close(p[0]);
	check(total == 300000 && n == 0, "pipe-between-processes", "read %ld bytes", total);
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "pipe-writer-exit", "status %#x", status);

	/* A signal interrupts a blocked read (no SA_RESTART). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pipe(p);
	pid = fork();
	if (pid == 0) {
		struct timespec d = {0, 100000000};

		nanosleep(&d, NULL);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	n = raw(syscall(SYS_read, p[0], buf, 1));
	check(n == -EINTR, "pipe-read-eintr", "read returned %ld", n);
	waitpid(pid, &status, 0);
	close(p[0]);
	close(p[1]);

	/* SIGPIPE's default action ends a writer whose reader is gone. */
	pipe(p);
	close(p[0]);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		write(p[1], "x", 1);
		_exit(0);
	}
	close(p[1]);
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE,
	      "sigpipe", "status %#x", status);
}

/* A directory tree like a real program makes: install-style work under /tmp-like space. */
static void tree(void)
{
	char path[128];
	int ok = 1;

	mkdir("t", 0755);
	for (int i = 0; i < 40 && ok; i++) {
		snprintf(path, sizeof(path), "t/f%02d", i);
		ok = write_file(path, path) == 0;
	}
	for (int i = 0; i < 40 && ok; i += 2) {
		snprintf(path, sizeof(path), "t/f%02d", i);
		ok = unlink(path) == 0;
	}
	{
		DIR *d = opendir("t");
		struct dirent *e;
		int n = 0;

		while (d && (e = readdir(d)))
			n += e->d_name[0] == 'f';
		if (d)
			closedir(d);
		check(ok && n == 20, "tree", "%d entries", n);
	}
	for (int i = 1; i < 40; i += 2) {
		snprintf(path, sizeof(path), "t/f%02d", i);
		unlink(path);
	}
	check(rmdir("t") == 0, "tree-cleanup", "not empty");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/root";
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (stat(dir, &st) < 0)
		mkdir(dir, 0755);
	if (chdir(dir) < 0) {
		printf("fstest: FAIL chdir: cannot work in %s\n", dir);
		printf("fstest: done, 1 failed\n");
		return 1;
	}
	printf("fstest: working in %s\n", dir);
	bad_input();
	errors();
	read_write();
	directories();
	names();
	attributes();
	pipes();
	pipes_fork();
	devices();
	tree();
	printf("fstest: done, %d failed\n", failures);
	return failures ? 1 : 0;
}
