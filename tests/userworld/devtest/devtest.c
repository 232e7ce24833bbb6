/*
 * devtest: /dev, /proc, /tmp and getrandom as a userworld sees them (tests/qemu/devices.sh).
 * Prints "devtest: PASS name" or "devtest: FAIL name: why" per check and a closing line.
 * Argument: the number of CPUs the machine was started with (for /proc/cpuinfo).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *name, const char *why)
{
	printf("devtest: %s %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : why);
	failures += !ok;
}

/* Read a whole file into buf (NUL-terminated); bytes, or -errno. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t got = 0;
	long r;

	if (fd < 0)
		return -errno;
	/* Small reads on purpose: offsets inside the generated text must work. */
	while (got + 1 < size &&
	       (r = read(fd, buf + got, size - 1 - got < 100 ? size - 1 - got : 100)) > 0)
		got += (size_t)r;
	buf[got] = 0;
	close(fd);
	return (long)got;
}

static double uptime(void)
{
	char b[128];

	if (slurp("/proc/uptime", b, sizeof(b)) <= 0)
		return -1;
	return strtod(b, NULL);
}

static void devices(void)
{
	unsigned char a[64], b[64], z[4096];
	int fd, same = 1;
	long r;

	fd = open("/dev/null", O_RDWR);
	check(fd >= 0, "dev-null-open", strerror(errno));
	if (fd >= 0) {
		check(read(fd, a, sizeof(a)) == 0, "dev-null-eof", "read did not return 0");
		check(write(fd, "abc", 3) == 3, "dev-null-write", "write did not take 3 bytes");
		close(fd);
	}
	fd = open("/dev/zero", O_RDONLY);
	check(fd >= 0, "dev-zero-open", strerror(errno));
	if (fd >= 0) {
		int zero = 1;

		memset(z, 0xa5, sizeof(z));
		r = read(fd, z, sizeof(z));
		for (size_t i = 0; i < sizeof(z); i++)
			zero &= z[i] == 0;
		check(r == (long)sizeof(z) && zero, "dev-zero-read", "not 4096 zero bytes");
		check(write(fd, "x", 1) == -1 && errno == EBADF, "dev-zero-rdonly-write",
		      "write on a read-only descriptor did not fail with EBADF");
		close(fd);
	}
	fd = open("/dev/urandom", O_RDONLY);
	check(fd >= 0, "dev-urandom-open", strerror(errno));
	if (fd >= 0) {
		check(read(fd, a, sizeof(a)) == sizeof(a) && read(fd, b, sizeof(b)) == sizeof(b),
		      "dev-urandom-read", "short read");
		check(memcmp(a, b, sizeof(a)) != 0, "dev-urandom-differs", "two reads equal");
		for (size_t i = 1; i < sizeof(a); i++)
			same &= a[i] == a[0];
		check(!same, "dev-urandom-varied", "64 equal bytes");
		close(fd);
	}
	fd = open("/dev/random", O_RDONLY);
	check(fd >= 0 && read(fd, a, 16) == 16, "dev-random-read", "open or read failed");
	if (fd >= 0)
		close(fd);

	r = syscall(SYS_getrandom, a, sizeof(a), 0);
	check(r == (long)sizeof(a), "getrandom", "did not fill the buffer");
	r = syscall(SYS_getrandom, b, sizeof(b), GRND_NONBLOCK | GRND_RANDOM);
	check(r == (long)sizeof(b) && memcmp(a, b, sizeof(a)), "getrandom-flags",
	      "GRND_NONBLOCK|GRND_RANDOM failed or repeated");
	r = syscall(SYS_getrandom, a, sizeof(a), 0x100);
	check(r == -1 && errno == EINVAL, "getrandom-bad-flags", "expected EINVAL");
	r = syscall(SYS_getrandom, (void *)16, 8, 0);
	check(r == -1 && errno == EFAULT, "getrandom-bad-pointer", "expected EFAULT");

	fd = open("/dev/console", O_WRONLY);
	check(fd >= 0, "dev-console-open", strerror(errno));
	if (fd >= 0) {
		static const char line[] = "devtest: a line through /dev/console\n";

		check(write(fd, line, sizeof(line) - 1) == sizeof(line) - 1, "dev-console-write",
		      "short write");
		close(fd);
	}
	fd = open("/dev/tty", O_WRONLY);
	check(fd >= 0, "dev-tty-open", strerror(errno));
	if (fd >= 0)
		close(fd);
	{
		struct stat st;

		check(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
			      major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
		      "dev-null-stat", "not character device 1:3");
		check(lstat("/dev/stdout", &st) == 0 && S_ISLNK(st.st_mode), "dev-stdout-link",
		      "not a symlink");
		check(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
			      (st.st_mode & 07777) == 01777,
		      "dev-shm", "not a 1777 directory");
	}
}

static void procfiles(int ncpus)
{
	char buf[16384], path[64], *p;
	long n;
	double u1, u2;
	struct timespec d = {0, 100000000};
	int count = 0, fd;

	n = slurp("/proc/meminfo", buf, sizeof(buf));
	check(n > 0 && strstr(buf, "MemTotal:") && strstr(buf, "MemFree:") &&
		      strstr(buf, "MemAvailable:"),
	      "proc-meminfo", "missing fields");
	if (n > 0) {
		unsigned long total = strtoul(strstr(buf, "MemTotal:") + 9, NULL, 10);
		unsigned long fr = strtoul(strstr(buf, "MemFree:") + 8, NULL, 10);

		check(total > 100000 && fr > 0 && fr < total, "proc-meminfo-values",
		      "MemTotal/MemFree implausible");
	}
	u1 = uptime();
	nanosleep(&d, NULL);
	u2 = uptime();
	check(u1 > 0 && u2 > u1, "proc-uptime", "uptime did not increase over 100 ms");

	n = slurp("/proc/cpuinfo", buf, sizeof(buf));
	for (p = buf; n > 0 && (p = strstr(p, "processor\t:")); p++)
		count++;
	if (!ncpus)
		ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(path, sizeof(path), "%d processor lines, expected %d", count, ncpus);
	check(count == ncpus, "proc-cpuinfo", path);
	check(n > 0 && strstr(buf, "cpu MHz") && strstr(buf, "flags"), "proc-cpuinfo-fields",
	      "no cpu MHz or flags");

	n = slurp("/proc/self/stat", buf, sizeof(buf));
	check(n > 0 && atoi(buf) == getpid(), "proc-self-stat", "pid field is not getpid()");
	if (n > 0) {
		char *rp = strrchr(buf, ')');
		char st = 0;
		int ppid = -1;

		check(rp && sscanf(rp + 1, " %c %d", &st, &ppid) == 2 && st == 'R',
		      "proc-self-stat-state", "state of the reader is not R");
	}
	snprintf(path, sizeof(path), "/proc/%d/status", getpid());
	n = slurp(path, buf, sizeof(buf));
	check(n > 0 && strstr(buf, "VmRSS:") && strstr(buf, "PPid:"), "proc-pid-status",
	      "missing VmRSS or PPid");
	n = readlink("/proc/self", path, sizeof(path) - 1);
	if (n > 0)
		path[n] = 0;
	check(n > 0 && atoi(path) == getpid(), "proc-self-link", "does not name our pid");

	n = slurp("/proc/keel/worlds", buf, sizeof(buf));
	count = 0;
	for (p = strtok(buf, "\n"); n > 0 && p; p = strtok(NULL, "\n")) {
		const char *last = strrchr(p, ' ');

		count += last && atoi(last + 1) == getpid();
	}
	check(count == 1, "proc-keel-worlds", "no line for our own world");

	/* Listing /proc shows our pid and self; /proc/self/fd lists descriptor 1. */
	{
		DIR *dir = opendir("/proc");
		struct dirent *de;
		int me = 0, self = 0, one = 0;

		snprintf(path, sizeof(path), "%d", getpid());
		while (dir && (de = readdir(dir))) {
			me |= !strcmp(de->d_name, path);
			self |= !strcmp(de->d_name, "self");
		}
		if (dir)
			closedir(dir);
		check(me && self, "proc-readdir", "no entry for our pid or self");
		dir = opendir("/proc/self/fd");
		while (dir && (de = readdir(dir)))
			one |= !strcmp(de->d_name, "1");
		if (dir)
			closedir(dir);
		check(one, "proc-self-fd", "descriptor 1 not listed");
	}
	fd = open("/dev/stdout", O_WRONLY);
	check(fd >= 0, "dev-stdout-open", strerror(errno));
	if (fd >= 0) {
		static const char line[] = "devtest: a line through /dev/stdout\n";

		check(write(fd, line, sizeof(line) - 1) == sizeof(line) - 1, "dev-stdout-write",
		      "short write");
		close(fd);
	}

	fd = open("/proc/does-not-exist", O_RDONLY);
	check(fd < 0 && errno == ENOENT, "proc-enoent", "expected ENOENT");
	errno = 0;
	fd = open("/proc/meminfo", O_WRONLY);
	if (fd >= 0) {
		n = write(fd, "x", 1);
		close(fd);
	} else {
		n = -1;
	}
	/* Linux: root may open it for writing, the write fails with EIO; others get EACCES. */
	check(n < 0 && (errno == EIO || errno == EACCES || errno == EROFS || errno == EPERM),
	      "proc-readonly", "writing /proc/meminfo did not fail");
}

static void tmpfs(void)
{
	static const char msg[] = "hello tmpfs\n";
	struct stat st, root;
	char buf[64] = {0};
	int fd;

	check(stat("/tmp", &st) == 0 && (st.st_mode & 07777) == 01777, "tmp-mode",
	      "/tmp is not 1777");
	fd = open("/tmp/devtest.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	check(fd >= 0, "tmp-create", strerror(errno));
	if (fd < 0)
		return;
	check(write(fd, msg, sizeof(msg)) == sizeof(msg), "tmp-write", "short write");
	check(pread(fd, buf, sizeof(buf), 0) == sizeof(msg) && !strcmp(buf, msg), "tmp-read",
	      "different contents");
	check(fstat(fd, &st) == 0 && stat("/", &root) == 0 && st.st_dev != root.st_dev,
	      "tmp-st-dev", "same st_dev as /");
	close(fd);
	check(unlink("/tmp/devtest.txt") == 0, "tmp-unlink", strerror(errno));
}

int main(int argc, char **argv)
{
	int ncpus = argc > 1 ? atoi(argv[1]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	devices();
	procfiles(ncpus);
	tmpfs();
	printf("devtest: done, %d failed\n", failures);
	return 0;
}
