/*
 * keel-vm: run one virtual machine in the foreground.
 *
 *   keel-vm run --kernel FILE [--initrd FILE] [--cmdline STRING] [--mem MIB] [--vcpus N]
 *               [--disk FILE [--ro]] [--stats]
 *
 * The guest's console is this program's stdout (and stdin is typed at it).  Exit status: 0
 * when the guest powers off (or a test guest exits with status 0), otherwise non-zero with the
 * reason on stderr: 1 usage or the VM could not be made, 2 the guest stopped otherwise, and a
 * test guest's own non-zero exit status (its low 8 bits, or 2 when those are 0).  SIGINT/SIGTERM
 * press the guest's power button first; a second one stops the VM at once.  --stats prints,
 * on stderr at the end, the guest's run time and its exits per second of it, by kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <keel/vmm.h>

static const char *const why_text[] = {
	[KEEL_VM_NOT_STOPPED] = "still running",
	[KEEL_VM_EXIT] = "the guest exited",
	[KEEL_VM_POWEROFF] = "the guest powered off",
	[KEEL_VM_RESET] = "the guest reset the machine",
	[KEEL_VM_HALTED] = "the guest halted",
	[KEEL_VM_TRIPLE_FAULT] = "the guest crashed (triple fault)",
	[KEEL_VM_UNHANDLED] = "the guest did something Keel does not emulate",
	[KEEL_VM_KILLED] = "the VM was stopped",
};

static volatile sig_atomic_t signals;

/* "keel-vm: stats: run MS ms, N exits (R/s): KIND N (R/s) ..." for the kinds that occurred. */
static void print_stats(const struct keel_vm_status *st)
{
	static const char *const names[] = KEEL_VM_EXIT_NAMES;
	double secs = st->run_ns / 1e9;
	unsigned long long total = 0;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		total += st->exits[i];
	fprintf(stderr, "keel-vm: stats: run %llu ms, %llu exits (%.0f/s):",
		(unsigned long long)(st->run_ns / 1000000), total, secs > 0 ? total / secs : 0);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (st->exits[i])
			fprintf(stderr, " %s %llu (%.0f/s)", names[i],
				(unsigned long long)st->exits[i],
				secs > 0 ? st->exits[i] / secs : 0);
	fputc('\n', stderr);
}

static void on_signal(int sig)
{
	(void)sig;
	signals++;
}

static void usage(void)
{
	fprintf(stderr, "usage: keel-vm run --kernel FILE [--initrd FILE] [--cmdline STRING] "
			"[--mem MIB] [--vcpus N] [--disk FILE [--ro]] [--stats]\n");
	exit(1);
}

static int open_or_die(const char *what, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "keel-vm: %s %s: %s\n", what, path, strerror(errno));
		exit(1);
	}
	return fd;
}

static unsigned long number(const char *what, const char *s)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (!*s || *end) {
		fprintf(stderr, "keel-vm: %s: not a number: %s\n", what, s);
		exit(1);
	}
	return n;
}

/* Copy what the guest wrote to stdout; false at the end (the VM stopped). */
static int pump_console(int vm)
{
	char buf[4096];
	ssize_t n = read(vm, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(1, buf + off, (size_t)(n - off));

		if (w < 0 && errno != EINTR)
			break;
		off += w > 0 ? w : 0;
	}
	return n > 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kernel", required_argument, 0, 'k'},
		{"initrd", required_argument, 0, 'i'},
		{"cmdline", required_argument, 0, 'c'},
		{"mem", required_argument, 0, 'm'},
		{"vcpus", required_argument, 0, 'n'},
		{"disk", required_argument, 0, 'd'},
		{"ro", no_argument, 0, 'r'},
		{"stats", no_argument, 0, 's'},
		{0, 0, 0, 0},
	};
	struct keel_vm_config cfg = {.mem_mib = 256, .vcpus = 1, .initrd_fd = -1, .disk_fd = -1};
	const char *kernel = NULL, *initrd = NULL, *disk = NULL, *cmdline = "console=ttyS0";
	struct keel_vm_status st;
	int ro = 0, stats = 0, vm, sent = 0, in = 0, o;

	if (argc < 2 || strcmp(argv[1], "run"))
		usage();
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			kernel = optarg;
			break;
		case 'i':
			initrd = optarg;
			break;
		case 'c':
			cmdline = optarg;
			break;
		case 'm':
			cfg.mem_mib = (uint32_t)number("--mem", optarg);
			break;
		case 'n':
			cfg.vcpus = (uint32_t)number("--vcpus", optarg);
			break;
		case 'd':
			disk = optarg;
			break;
		case 'r':
			ro = 1;
			break;
		case 's':
			stats = 1;
			break;
		default:
			usage();
		}
	}
	if (!kernel || optind != argc)
		usage();
	cfg.kernel_fd = open_or_die("kernel", kernel, O_RDONLY);
	if (initrd)
		cfg.initrd_fd = open_or_die("initrd", initrd, O_RDONLY);
	if (disk)
		cfg.disk_fd = open_or_die("disk", disk, ro ? O_RDONLY : O_RDWR);
	cfg.cmdline = (uint64_t)(uintptr_t)cmdline;
	vm = open_or_die("device", "/dev/vmm", O_RDWR);
	if (ioctl(vm, KEEL_VM_IOC_CREATE, &cfg) < 0) {
		const char *hint = errno == ENOEXEC  ? " (not a bzImage or ELF64 kernel)"
				   : errno == ENOMEM ? " (not enough host memory)"
				   : errno == ENODEV ? " (this machine cannot run VMs)"
						     : "";

		fprintf(stderr, "keel-vm: cannot start the VM: %s%s\n", strerror(errno), hint);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (;;) {
		struct pollfd p[2] = {{vm, POLLIN, 0}, {in, POLLIN, 0}};

		if (signals > sent) {
			ioctl(vm, KEEL_VM_IOC_STOP, sent ? KEEL_VM_STOP_KILL : KEEL_VM_STOP_ACPI);
			sent = signals;
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if ((p[0].revents & POLLIN) && !pump_console(vm))
			break;
		if (p[1].revents & (POLLIN | POLLHUP)) {
			char buf[64];
			ssize_t n = read(0, buf, sizeof(buf));

			/* The guest's UART takes what its FIFO has room for: offer the
			 * rest again until the guest has read enough. */
			for (ssize_t off = 0, w; n > 0 && off<n; off += w> 0 ? w : 0) {
				w = write(vm, buf + off, (size_t)(n - off));
				if (w < 0) {
					perror("keel-vm: console input");
					break;
				}
				if (!w)
					usleep(10000);
			}
			if (n <= 0)
				in = -1; /* stdin ended: the console goes on */
		}
	}
	if (ioctl(vm, KEEL_VM_IOC_STATUS, &st) < 0) {
		perror("keel-vm: status");
		return 2;
	}
	if (stats)
		print_stats(&st);
	if (st.why == KEEL_VM_POWEROFF || (st.why == KEEL_VM_EXIT && st.status == 0))
		return 0;
	fprintf(stderr, "keel-vm: %s%s%s\n", st.why < 8 ? why_text[st.why] : "stopped",
		st.msg[0] ? ": " : "", st.msg);
	return st.why == KEEL_VM_EXIT ? (st.status & 0xff ? st.status & 0xff : 2) : 2;
}
