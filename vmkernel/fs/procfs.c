/* /proc: synthetic read-only files about memory, CPUs, time, processes and worlds. */
#define LOG_TAG "procfs"
#include <vmk/procfs.h>
#include <vmk/devfs.h>
#include <vmk/rootfs.h>
#include <vmk/proc.h>
#include <vmk/file.h>
#include <vmk/world.h>
#include <vmk/smp.h>
#include <vmk/mm.h>
#include <vmk/heap.h>
#include <vmk/time.h>
#include <vmk/rtc.h>
#include <vmk/format.h>
#include <vmk/profile.h>
#include <vmk/hv.h>
#include <vmk/filelock.h>
#include <vmk/pci.h>
#include <vmk/errno.h>
#include <arch/cpu.h>
#include <stdarg.h>
#include <string.h>

/*
 * Overview. Every vnode is a struct pnode made by lookup and freed when its last reference
 * goes (the root lives with the mount). A node is a kind plus the pid and descriptor it is
 * about; nothing is stored in advance. A regular file's text is generated into a kernel
 * buffer when it is read at offset 0 (or first read at all) and kept with the vnode, so a
 * reader walking through a file sees one consistent snapshot. Process and world data are
 * copied out under the list spinlocks (proc_foreach, world_foreach) and formatted afterwards.
 *
 * Honesty notes: the kernel does not split a world's CPU time into user and system time, so
 * it is all reported as user time; idle time is the CPUs' uptime less the CPU time of the
 * worlds alive now (time of worlds that have exited counts as idle).
 */

enum pkind {
	P_ROOT,
	P_MEMINFO,
	P_UPTIME,
	P_CPUINFO,
	P_LOADAVG,
	P_STAT,
	P_MOUNTS,
	P_LOCKS,
	P_SELF,
	P_KEEL,
	P_KEEL_WORLDS,
	P_KEEL_PROFILE,
	P_KEEL_VMS,
	P_KEEL_PCI,
	P_BUS,
	P_BUS_PCI,
	P_BUS_PCI_DEVICES,
	P_PID,
	P_PID_STAT,
	P_PID_STATUS,
	P_PID_CMDLINE,
	P_PID_COMM,
	P_PID_FD,
	P_PID_FDLINK,
};

/* Copy a string into a fixed field, truncating, always NUL-terminated. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

struct pent {
	const char *name;
	enum pkind kind;
	enum vnode_type type;
};

static const struct pent root_ents[] = {
	{"meminfo", P_MEMINFO, VNODE_REG}, {"uptime", P_UPTIME, VNODE_REG},
	{"cpuinfo", P_CPUINFO, VNODE_REG}, {"loadavg", P_LOADAVG, VNODE_REG},
	{"stat", P_STAT, VNODE_REG},	   {"mounts", P_MOUNTS, VNODE_REG},
	{"self", P_SELF, VNODE_LNK},	   {"keel", P_KEEL, VNODE_DIR},
	{"locks", P_LOCKS, VNODE_REG},	   {"bus", P_BUS, VNODE_DIR},
};
static const struct pent bus_ents[] = {
	{"pci", P_BUS_PCI, VNODE_DIR},
};
static const struct pent bus_pci_ents[] = {
	{"devices", P_BUS_PCI_DEVICES, VNODE_REG},
};
static const struct pent pid_ents[] = {
	{"stat", P_PID_STAT, VNODE_REG},       {"status", P_PID_STATUS, VNODE_REG},
	{"cmdline", P_PID_CMDLINE, VNODE_REG}, {"comm", P_PID_COMM, VNODE_REG},
	{"fd", P_PID_FD, VNODE_DIR},
};
static const struct pent keel_ents[] = {
	{"worlds", P_KEEL_WORLDS, VNODE_REG},
	{"profile", P_KEEL_PROFILE, VNODE_REG},
	{"vms", P_KEEL_VMS, VNODE_REG},
	{"pci", P_KEEL_PCI, VNODE_REG},
};
#define NENTS(a) (sizeof(a) / sizeof((a)[0]))

#define COOKIE_FIRST 2		/* after "." and ".." */
#define COOKIE_PIDS  0x10000ull /* root: pid p has cookie COOKIE_PIDS + p */
#define TEXT_MAX     (1u << 20)

struct procfs {
	struct vfs_env env;
	struct mount *m;
	struct pnode *root;
};

struct pnode {
	struct vnode v;
	struct procfs *fs;
	enum pkind kind;
	int pid, fd;
	char *text; /* generated contents, cap bytes allocated */
	size_t len, cap;
};

static const struct vnode_ops procfs_vnode_ops;

static struct pnode *pn(struct vnode *v)
{
	return v->priv;
}

/* ---- Snapshots taken under the list spinlocks ---- */

struct psnap {
	bool found;
	int pid, ppid, pgid, sid;
	char name[PROC_NAME_MAX];
	char state;
	unsigned cpu;
	uint64_t runtime_ns, rss_pages;
	uint64_t fds[FD_MAX / 64]; /* open descriptors */
};

static char world_state_char(const struct world *w)
{
	if (!w || w->state == WORLD_DEAD)
		return 'Z';
	return w->state == WORLD_BLOCKED ? 'S' : 'R';
}

static void psnap_fn(struct proc *p, void *arg)
{
	struct psnap *s = arg;
	struct world *w = p->main;
	struct aspace *as = __atomic_load_n(&p->as, __ATOMIC_RELAXED);
	struct proc *parent = __atomic_load_n(&p->parent, __ATOMIC_RELAXED);

	if (p->pid != s->pid || s->found)
		return;
	s->found = true;
	s->ppid = parent ? parent->pid : 0;
	s->pgid = p->pgid;
	s->sid = p->sid;
	memcpy(s->name, p->name, sizeof(s->name));
	s->name[sizeof(s->name) - 1] = 0;
	s->state = p->zombie ? 'Z' : READ_ONCE(p->stopped) ? 'T' : world_state_char(w);
	s->cpu = w ? w->cpu : 0;
	s->runtime_ns = w ? w->se.runtime_ns : 0;
	s->rss_pages = as ? as->pages : 0;
	for (int i = 0; i < FD_MAX; i++)
		if (__atomic_load_n(&p->fds.fd[i], __ATOMIC_RELAXED))
			s->fds[i / 64] |= 1ull << (i % 64);
}

/* Copy what /proc shows of process pid; false when there is none. */
static bool proc_snap(int pid, struct psnap *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	proc_foreach(psnap_fn, s);
	return s->found;
}

struct pidlist {
	int *pids;
	size_t n, cap;
};

static void pidlist_fn(struct proc *p, void *arg)
{
	struct pidlist *l = arg;

	if (l->n < l->cap)
		l->pids[l->n] = p->pid;
	l->n++;
}

static void count_fn(struct proc *p, void *arg)
{
	(*(size_t *)arg)++;
}

/* Every pid, sorted; NULL with n 0 when none or out of memory.  Free with env->free
 * (*cap ints). */
static int *pids_sorted(struct procfs *fs, size_t *n, size_t *cap)
{
	struct pidlist l = {0};

	proc_foreach(count_fn, &l.cap);
	l.cap += 16;
	*cap = l.cap;
	l.pids = fs->env.alloc(l.cap * sizeof(int), fs->env.ctx);
	if (!l.pids) {
		*n = 0;
		return NULL;
	}
	proc_foreach(pidlist_fn, &l);
	if (l.n > l.cap)
		l.n = l.cap;
	for (size_t i = 1; i < l.n; i++)
		for (size_t j = i; j > 0 && l.pids[j - 1] > l.pids[j]; j--) {
			int t = l.pids[j];

			l.pids[j] = l.pids[j - 1];
			l.pids[j - 1] = t;
		}
	*n = l.n;
	return l.pids;
}

struct wsnap {
	unsigned id, cpu;
	char name[WORLD_NAME_MAX];
	char state[8];
	bool idle;
	int pid;
	uint32_t shares, reservation, limit;
	uint64_t runtime_ns;
};

struct wlist {
	struct wsnap *w;
	size_t n, cap;
};

static void wcount_fn(struct world *w, void *arg)
{
	(*(size_t *)arg)++;
}

static void wlist_fn(struct world *w, void *arg)
{
	struct wlist *l = arg;
	struct wsnap *s;
	const char *st;

	if (l->n >= l->cap)
		return;
	s = &l->w[l->n++];
	s->id = w->id;
	s->cpu = w->cpu;
	memcpy(s->name, w->name, sizeof(s->name));
	s->name[sizeof(s->name) - 1] = 0;
	s->idle = w->idle;
	if (w->idle)
		st = "idle";
	else if (w->state == WORLD_DEAD)
		st = "dead";
	else if (w->state == WORLD_BLOCKED)
		st = "blocked";
	else
		st = w->on_cpu ? "running" : "ready";
	copy_str(s->state, sizeof(s->state), st);
	s->pid = w->proc ? w->proc->pid : 0;
	s->shares = w->se.shares;
	s->reservation = w->se.reservation;
	s->limit = w->se.limit;
	s->runtime_ns = w->se.runtime_ns;
}

/* Every world, in list order; the caller frees l->w with env->free (l->cap entries). */
static int worlds_snap(struct procfs *fs, struct wlist *l)
{
	memset(l, 0, sizeof(*l));
	world_foreach(wcount_fn, &l->cap);
	l->cap += 16;
	l->w = fs->env.alloc(l->cap * sizeof(*l->w), fs->env.ctx);
	if (!l->w)
		return -ENOMEM;
	memset(l->w, 0, l->cap * sizeof(*l->w));
	world_foreach(wlist_fn, l);
	return 0;
}

/* ---- Text generation ---- */

struct pbuf {
	char *b;
	size_t len, cap;
	bool full;
};

static void __printf(2, 3) pb_printf(struct pbuf *pb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pb->full)
		return;
	va_start(ap, fmt);
	n = kvsnprintf(pb->b + pb->len, pb->cap - pb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= pb->cap - pb->len)
		pb->full = true;
	else
		pb->len += (size_t)n;
}

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / USER_HZ);
}

/* Busy time of the live non-idle worlds, per CPU they are on now, and in total. */
struct cputimes {
	uint64_t busy[MAX_CPUS], total;
	unsigned running, worlds;
};

static void cputimes_fn(struct world *w, void *arg)
{
	struct cputimes *t = arg;

	if (w->idle)
		return;
	t->worlds++;
	if (w->state == WORLD_RUNNABLE)
		t->running++;
	if (w->cpu < MAX_CPUS)
		t->busy[w->cpu] += w->se.runtime_ns;
	t->total += w->se.runtime_ns;
}

/* The boot CPU never sets its online flag: it is online by definition. */
static bool cpu_online(unsigned i)
{
	return i < MAX_CPUS && cpus[i] && (i == 0 || cpus[i]->online);
}

static unsigned cpus_online(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += cpu_online(i);
	return n ? n : 1;
}

static void gen_meminfo(struct pbuf *pb)
{
	struct frame_stats fs;
	struct heap_stats hs;
	uint64_t kb = PAGE_SIZE / 1024;

	frame_get_stats(&fs);
	kmem_get_stats(&hs);
	pb_printf(pb, "MemTotal:       %8lu kB\n", fs.usable * kb);
	pb_printf(pb, "MemFree:        %8lu kB\n", fs.free * kb);
	pb_printf(pb, "MemAvailable:   %8lu kB\n", fs.free * kb);
	pb_printf(pb, "Buffers:        %8lu kB\n", 0ul);
	pb_printf(pb, "Cached:         %8lu kB\n", 0ul);
	pb_printf(pb, "SwapCached:     %8lu kB\n", 0ul);
	pb_printf(pb, "Active:         %8lu kB\n", 0ul);
	pb_printf(pb, "Inactive:       %8lu kB\n", 0ul);
	pb_printf(pb, "SwapTotal:      %8lu kB\n", 0ul);
	pb_printf(pb, "SwapFree:       %8lu kB\n", 0ul);
	pb_printf(pb, "Shmem:          %8lu kB\n", 0ul);
	pb_printf(pb, "Slab:           %8lu kB\n", hs.slab_pages * kb);
	pb_printf(pb, "KernelHeap:     %8lu kB\n", (hs.slab_pages + hs.large_pages) * kb);
}

static void gen_uptime(struct pbuf *pb)
{
	struct cputimes t;
	uint64_t up = time_ns(), all = up * cpus_online(), idle;

	memset(&t, 0, sizeof(t));
	world_foreach(cputimes_fn, &t);
	idle = all > t.total ? all - t.total : 0;
	pb_printf(pb, "%lu.%02lu %lu.%02lu\n", up / NSEC_PER_SEC, up % NSEC_PER_SEC / 10000000,
		  idle / NSEC_PER_SEC, idle % NSEC_PER_SEC / 10000000);
}

static void maxpid_fn(struct proc *p, void *arg)
{
	if (p->pid > *(int *)arg)
		*(int *)arg = p->pid;
}

/* No load averages are kept: 0.00, with the runnable and total worlds and the newest pid. */
static void gen_loadavg(struct pbuf *pb)
{
	struct cputimes t;
	int last = 0;

	memset(&t, 0, sizeof(t));
	world_foreach(cputimes_fn, &t);
	proc_foreach(maxpid_fn, &last);
	pb_printf(pb, "0.00 0.00 0.00 %u/%u %d\n", t.running, t.worlds, last);
}

static void gen_stat(struct pbuf *pb)
{
	struct cputimes t;
	uint64_t up = time_ns(), sum_busy = 0, sum_idle = 0;
	size_t nprocs = 0;

	memset(&t, 0, sizeof(t));
	world_foreach(cputimes_fn, &t);
	proc_foreach(count_fn, &nprocs);
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (!cpu_online(i))
			continue;
		sum_busy += t.busy[i];
		sum_idle += up > t.busy[i] ? up - t.busy[i] : 0;
	}
	pb_printf(pb, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", ns_to_ticks(sum_busy),
		  ns_to_ticks(sum_idle));
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (!cpu_online(i))
			continue;
		pb_printf(pb, "cpu%u %lu 0 0 %lu 0 0 0 0 0 0\n", i, ns_to_ticks(t.busy[i]),
			  ns_to_ticks(up > t.busy[i] ? up - t.busy[i] : 0));
	}
	pb_printf(pb, "intr 0\nctxt 0\nbtime %ld\nprocesses %zu\nprocs_running %u\n",
		  (long)(rtc_boot_epoch_ns() / (int64_t)NSEC_PER_SEC), nprocs, t.running);
	pb_printf(pb, "procs_blocked 0\n");
}

struct flagbit {
	uint8_t reg; /* 0 = 1.EDX, 1 = 1.ECX, 2 = 7.EBX, 3 = 0x80000001.EDX, 4 = 0x80000001.ECX */
	uint8_t bit;
	const char *name;
};

static const struct flagbit flagbits[] = {
	{0, 0, "fpu"},	       {0, 4, "tsc"},	    {0, 5, "msr"},     {0, 6, "pae"},
	{0, 9, "apic"},	       {0, 11, "sep"},	    {0, 13, "pge"},    {0, 15, "cmov"},
	{0, 16, "pat"},	       {0, 19, "clflush"},  {0, 23, "mmx"},    {0, 24, "fxsr"},
	{0, 25, "sse"},	       {0, 26, "sse2"},	    {0, 28, "ht"},     {3, 11, "syscall"},
	{3, 20, "nx"},	       {3, 26, "pdpe1gb"},  {3, 27, "rdtscp"}, {3, 29, "lm"},
	{1, 0, "pni"},	       {1, 1, "pclmulqdq"}, {1, 5, "vmx"},     {1, 9, "ssse3"},
	{1, 12, "fma"},	       {1, 13, "cx16"},	    {1, 19, "sse4_1"}, {1, 20, "sse4_2"},
	{1, 21, "x2apic"},     {1, 22, "movbe"},    {1, 23, "popcnt"}, {1, 25, "aes"},
	{1, 26, "xsave"},      {1, 28, "avx"},	    {1, 29, "f16c"},   {1, 30, "rdrand"},
	{1, 31, "hypervisor"}, {4, 0, "lahf_lm"},   {4, 2, "svm"},     {4, 5, "abm"},
	{2, 0, "fsgsbase"},    {2, 3, "bmi1"},	    {2, 5, "avx2"},    {2, 7, "smep"},
	{2, 8, "bmi2"},	       {2, 9, "erms"},	    {2, 18, "rdseed"}, {2, 19, "adx"},
	{2, 20, "smap"},       {2, 29, "sha_ni"},
};

static void gen_cpuinfo(struct pbuf *pb)
{
	uint32_t a, b, c, d, regs[5] = {0}, sig;
	unsigned family, model, n = cpus_online();
	uint64_t khz = tsc_hz() / 1000;
	const char *brand = cpu_feat.brand;

	cpuid(1, 0, &sig, &b, &c, &d);
	regs[0] = d;
	regs[1] = c;
	if (cpu_feat.max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		regs[2] = b;
	}
	if (cpu_feat.max_ext_leaf >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		regs[3] = d;
		regs[4] = c;
	}
	family = (sig >> 8) & 0xf;
	model = (sig >> 4) & 0xf;
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family >= 6)
		model |= ((sig >> 16) & 0xf) << 4;
	while (*brand == ' ')
		brand++;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (!cpu_online(i))
			continue;
		pb_printf(pb, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n",
			  i, cpu_feat.vendor, family, model);
		pb_printf(pb, "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n",
			  *brand ? brand : "unknown", sig & 0xf, khz / 1000, khz % 1000);
		pb_printf(pb,
			  "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n", n,
			  i, n);
		pb_printf(pb, "apicid\t\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\nwp\t\t: yes\n",
			  cpus[i]->apic_id);
		pb_printf(pb, "flags\t\t:");
		for (size_t f = 0; f < NENTS(flagbits); f++)
			if (regs[flagbits[f].reg] & (1u << flagbits[f].bit))
				pb_printf(pb, " %s", flagbits[f].name);
		if (cpu_feat.invariant_tsc)
			pb_printf(pb, " constant_tsc nonstop_tsc");
		pb_printf(pb, "\nbogomips\t: %lu.%02lu\n\n", khz * 2 / 1000, khz * 2 % 1000 / 10);
	}
}

/* Mounts noted by whoever makes them (rootfs), for /proc/mounts. */
#define MOUNTS_MAX 16
static struct {
	char spec[16], dir[32], type[16], opts[24];
} mounts[MOUNTS_MAX];
static unsigned nmounts;

void procfs_note_mount(const char *spec, const char *dir, const char *type, const char *opts)
{
	if (nmounts >= MOUNTS_MAX)
		return;
	copy_str(mounts[nmounts].spec, sizeof(mounts[0].spec), spec);
	copy_str(mounts[nmounts].dir, sizeof(mounts[0].dir), dir);
	copy_str(mounts[nmounts].type, sizeof(mounts[0].type), type);
	copy_str(mounts[nmounts].opts, sizeof(mounts[0].opts), opts);
	nmounts++;
}

static void gen_mounts(struct pbuf *pb)
{
	for (unsigned i = 0; i < nmounts; i++)
		pb_printf(pb, "%s %s %s %s 0 0\n", mounts[i].spec, mounts[i].dir, mounts[i].type,
			  mounts[i].opts);
}

/*
 * The file locks (vmk/filelock.h) as Linux's lock_get_status prints them: one numbered line
 * per lock, each followed by the requests waiting on it ("-> ", under the same number).
 */
static void gen_locks(struct procfs *fs, struct pbuf *pb)
{
	static const char *const kinds[] = {"POSIX  ADVISORY ", "OFDLCK ADVISORY ",
					    "FLOCK  ADVISORY "};
	static const char *const types[] = {"READ", "WRITE", "UNLCK"};
	size_t max = 256, n;
	struct filelock_info *e;
	unsigned id = 0;

	for (;;) {
		e = fs->env.alloc(max * sizeof(*e), fs->env.ctx);
		if (!e) {
			pb->full = true;
			return;
		}
		n = filelock_snapshot(e, max);
		if (n <= max || max >= 65536)
			break;
		fs->env.free(e, max * sizeof(*e), fs->env.ctx);
		max = n + 64;
	}
	for (size_t i = 0; i < n && i < max; i++) {
		if (!e[i].waiter)
			id++;
		pb_printf(pb, "%u: %s%s %s ", id, e[i].waiter ? "-> " : "", kinds[e[i].kind % 3],
			  types[e[i].type % 3]);
		if (e[i].noinode)
			pb_printf(pb, "%d <none>:0 ", e[i].pid);
		else
			pb_printf(pb, "%d %02x:%02x:%lu ", e[i].pid, VFS_MAJOR(e[i].dev),
				  VFS_MINOR(e[i].dev), e[i].ino);
		if (e[i].kind == LOCKR_FLOCK || e[i].end == LOCKR_OFFSET_MAX)
			pb_printf(pb, "%ld EOF\n", e[i].kind == LOCKR_FLOCK ? 0 : e[i].start);
		else
			pb_printf(pb, "%ld %ld\n", e[i].start, e[i].end);
	}
	fs->env.free(e, max * sizeof(*e), fs->env.ctx);
}

static void gen_worlds(struct procfs *fs, struct pbuf *pb)
{
	struct wlist l;

	if (worlds_snap(fs, &l)) {
		pb->full = true;
		return;
	}
	pb_printf(pb, "id name cpu state shares reservation limit runtime_ns pid\n");
	for (size_t i = 0; i < l.n; i++) {
		struct wsnap *w = &l.w[i];

		for (char *c = w->name; *c; c++)
			if (*c == ' ' || *c == '\t')
				*c = '_';
		pb_printf(pb, "%u %s %u %s %u %u %u %lu %d\n", w->id, w->name[0] ? w->name : "-",
			  w->cpu, w->state, w->shares, w->reservation, w->limit, w->runtime_ns,
			  w->pid);
	}
	fs->env.free(l.w, l.cap * sizeof(*l.w), fs->env.ctx);
}

static void vm_line(struct vm *vm, void *arg)
{
	static const char *const states[] = {"created", "running", "stopped"};
	struct pbuf *pb = arg;

	pb_printf(pb, "%u %u %lu %lu %s %lu", vm->id, vm->nvcpus, vm->npages / 256,
		  vm->pages_2m * 2, states[vm->state], vm->run_ns / 1000000);
	for (int i = 0; i < HV_EXIT_KINDS; i++)
		pb_printf(pb, " %lu", __atomic_load_n(&vm->exits[i], __ATOMIC_RELAXED));
	pb_printf(pb, "\n");
}

/* The VMs (vmk/hv.h): one line each, with its exit counts by kind. */
static void gen_vms(struct pbuf *pb)
{
	pb_printf(pb, "# id vcpus mem_mib mib_in_2m_pages state run_ms");
	for (int i = 0; i < HV_EXIT_KINDS; i++)
		pb_printf(pb, " %s", hv_exit_names[i]);
	pb_printf(pb, "\n");
	vm_foreach(vm_line, pb);
}

/* PCI (vmk/pci.h): Linux's /proc/bus/pci/devices, and Keel's readable listing. */
static void gen_pci(struct pbuf *pb, size_t (*fill)(char *, size_t))
{
	size_t n = fill(pb->b + pb->len, pb->cap - pb->len);

	if (n >= pb->cap - pb->len)
		pb->full = true;
	else
		pb->len += n;
}

/* The profiler's counts (vmk/profile.h): "samples percent function <- caller", largest first. */
static void gen_profile(struct procfs *fs, struct pbuf *pb)
{
	size_t max = 256, n;
	struct profile_entry *e = fs->env.alloc(max * sizeof(*e), fs->env.ctx);
	uint64_t total;

	if (!e) {
		pb->full = true;
		return;
	}
	n = profile_snapshot(e, max, &total);
	pb_printf(pb, "# %s, %lu samples\n", profile_enabled() ? "on" : "off (boot with profile)",
		  total);
	for (size_t i = 0; i < n; i++)
		pb_printf(pb, "%8lu %3lu.%lu%% %s%s%s\n", e[i].samples, e[i].samples * 100 / total,
			  e[i].samples * 1000 / total % 10, e[i].name, e[i].caller ? " <- " : "",
			  e[i].caller ? e[i].caller : "");
	fs->env.free(e, max * sizeof(*e), fs->env.ctx);
}

static const char *state_name(char s)
{
	switch (s) {
	case 'R':
		return "R (running)";
	case 'S':
		return "S (sleeping)";
	case 'T':
		return "T (stopped)";
	default:
		return "Z (zombie)";
	}
}

static int gen_pid(struct pnode *n, struct pbuf *pb)
{
	struct psnap s;
	unsigned nfds = 0;

	if (!proc_snap(n->pid, &s))
		return -ESRCH;
	for (int i = 0; i < FD_MAX / 64; i++)
		nfds += (unsigned)__builtin_popcountll(s.fds[i]);
	switch (n->kind) {
	case P_PID_STAT:
		/* Fields 1-52 of proc(5); CPU time is all user time (see the overview). */
		pb_printf(pb,
			  "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %lu 0 0 0 20 0 1 0 0 %lu %lu",
			  s.pid, s.name, s.state, s.ppid, s.pgid, s.sid, ns_to_ticks(s.runtime_ns),
			  s.rss_pages * PAGE_SIZE, s.rss_pages);
		pb_printf(pb,
			  " 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 %u 0 0 0 0 0 0 0 0 "
			  "0 0 0 0 0\n",
			  s.cpu);
		break;
	case P_PID_STATUS:
		pb_printf(pb,
			  "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n",
			  s.name, state_name(s.state), s.pid, s.pid);
		pb_printf(pb, "PPid:\t%d\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
			  s.ppid);
		pb_printf(pb, "FDSize:\t%u\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nThreads:\t1\n",
			  FD_MAX, s.rss_pages * (PAGE_SIZE / 1024),
			  s.rss_pages * (PAGE_SIZE / 1024));
		pb_printf(pb, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
		(void)nfds;
		break;
	case P_PID_CMDLINE:
		/* Only the name is kept: argv is in the process's memory, not copied. */
		if (s.state != 'Z')
			pb_printf(pb, "%s%c", s.name, 0);
		break;
	case P_PID_COMM:
		pb_printf(pb, "%s\n", s.name);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Generate n's text into n->text (the file system's memory). */
static int generate(struct pnode *n)
{
	struct procfs *fs = n->fs;
	size_t cap = 4096;
	int rc = 0;

	for (;;) {
		struct pbuf pb = {fs->env.alloc(cap, fs->env.ctx), 0, cap, false};

		if (!pb.b)
			return -ENOMEM;
		switch (n->kind) {
		case P_MEMINFO:
			gen_meminfo(&pb);
			break;
		case P_UPTIME:
			gen_uptime(&pb);
			break;
		case P_CPUINFO:
			gen_cpuinfo(&pb);
			break;
		case P_LOADAVG:
			gen_loadavg(&pb);
			break;
		case P_STAT:
			gen_stat(&pb);
			break;
		case P_MOUNTS:
			gen_mounts(&pb);
			break;
		case P_LOCKS:
			gen_locks(fs, &pb);
			break;
		case P_KEEL_WORLDS:
			gen_worlds(fs, &pb);
			break;
		case P_KEEL_PROFILE:
			gen_profile(fs, &pb);
			break;
		case P_KEEL_VMS:
			gen_vms(&pb);
			break;
		case P_KEEL_PCI:
			gen_pci(&pb, pci_proc_keel);
			break;
		case P_BUS_PCI_DEVICES:
			gen_pci(&pb, pci_proc_devices);
			break;
		default:
			rc = gen_pid(n, &pb);
			break;
		}
		if (rc || !pb.full || cap >= TEXT_MAX) {
			if (rc) {
				fs->env.free(pb.b, cap, fs->env.ctx);
				return rc;
			}
			if (n->text)
				fs->env.free(n->text, n->cap, fs->env.ctx);
			n->text = pb.b;
			n->len = pb.len;
			n->cap = cap;
			return 0;
		}
		fs->env.free(pb.b, cap, fs->env.ctx);
		cap *= 2;
	}
}

/* ---- Nodes ---- */

static uint64_t node_ino(enum pkind kind, int pid, int fd)
{
	return 1 + (uint64_t)kind + ((uint64_t)(uint32_t)pid << 8) +
	       ((uint64_t)(uint32_t)(fd + 1) << 40);
}

static struct vnode *node_new(struct procfs *fs, enum pkind kind, enum vnode_type type, int pid,
			      int fd)
{
	struct pnode *n = fs->env.alloc(sizeof(*n), fs->env.ctx);
	int64_t now = rtc_boot_epoch_ns() + (int64_t)time_ns();

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->fs = fs;
	n->kind = kind;
	n->pid = pid;
	n->fd = fd;
	n->v.type = type;
	n->v.mode = type == VNODE_DIR ? 0555 : type == VNODE_LNK ? 0777 : 0444;
	if (kind == P_PID_FD)
		n->v.mode = 0500;
	n->v.nlink = type == VNODE_DIR ? 2 : 1;
	n->v.ino = node_ino(kind, pid, fd);
	n->v.atime_ns = n->v.mtime_ns = n->v.ctime_ns = now;
	n->v.ops = &procfs_vnode_ops;
	n->v.priv = n;
	n->v.mount = fs->m;
	return vnode_get(&n->v);
}

static void node_free(struct pnode *n)
{
	struct procfs *fs = n->fs;

	if (n->text)
		fs->env.free(n->text, n->cap, fs->env.ctx);
	fs->env.free(n, sizeof(*n), fs->env.ctx);
}

static bool name_is(const char *name, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(name, s, len);
}

/* A decimal number without sign or leading zeros, or -1. */
static int parse_num(const char *name, size_t len)
{
	long v = 0;

	if (!len || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return (int)v;
}

static int table_lookup(struct pnode *d, const struct pent *t, size_t nt, const char *name,
			size_t len, struct vnode **out)
{
	for (size_t i = 0; i < nt; i++)
		if (name_is(name, len, t[i].name)) {
			*out = node_new(d->fs, t[i].kind, t[i].type, d->pid, -1);
			return *out ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

/* Is descriptor fd of process pid open? */
static bool fd_open(int pid, int fd)
{
	struct psnap s;

	if (fd < 0 || fd >= FD_MAX || !proc_snap(pid, &s))
		return false;
	return s.fds[fd / 64] & (1ull << (fd % 64));
}

static int procfs_lookup(struct vnode *dv, const char *name, size_t len, struct vnode **out)
{
	struct pnode *d = pn(dv);
	struct psnap s;
	int num;

	if (dv->type != VNODE_DIR)
		return -ENOTDIR;
	if (name_is(name, len, ".")) {
		*out = vnode_get(dv);
		return 0;
	}
	if (name_is(name, len, "..")) {
		if (d->kind == P_PID_FD)
			*out = node_new(d->fs, P_PID, VNODE_DIR, d->pid, -1);
		else if (d->kind == P_BUS_PCI)
			*out = node_new(d->fs, P_BUS, VNODE_DIR, 0, -1);
		else
			*out = vnode_get(&d->fs->root->v);
		return *out ? 0 : -ENOMEM;
	}
	switch (d->kind) {
	case P_ROOT:
		if (!table_lookup(d, root_ents, NENTS(root_ents), name, len, out))
			return 0;
		num = parse_num(name, len);
		if (num < 0 || !proc_snap(num, &s))
			return -ENOENT;
		*out = node_new(d->fs, P_PID, VNODE_DIR, num, -1);
		return *out ? 0 : -ENOMEM;
	case P_KEEL:
		return table_lookup(d, keel_ents, NENTS(keel_ents), name, len, out);
	case P_BUS:
		return table_lookup(d, bus_ents, NENTS(bus_ents), name, len, out);
	case P_BUS_PCI:
		return table_lookup(d, bus_pci_ents, NENTS(bus_pci_ents), name, len, out);
	case P_PID:
		if (!proc_snap(d->pid, &s))
			return -ENOENT;
		return table_lookup(d, pid_ents, NENTS(pid_ents), name, len, out);
	case P_PID_FD:
		num = parse_num(name, len);
		if (!fd_open(d->pid, num))
			return -ENOENT;
		*out = node_new(d->fs, P_PID_FDLINK, VNODE_LNK, d->pid, num);
		return *out ? 0 : -ENOMEM;
	default:
		return -ENOTDIR;
	}
}

static int fill_table(const struct pent *t, size_t nt, int pid, uint64_t *cookie,
		      vfs_filldir_t fill, void *arg)
{
	while (*cookie >= COOKIE_FIRST && *cookie - COOKIE_FIRST < nt) {
		const struct pent *e = &t[*cookie - COOKIE_FIRST];

		if (fill(arg, e->name, strlen(e->name), node_ino(e->kind, pid, -1), e->type,
			 *cookie + 1))
			return 1;
		(*cookie)++;
	}
	return 0;
}

static int procfs_readdir(struct vnode *dv, uint64_t *cookie, vfs_filldir_t fill, void *arg)
{
	struct pnode *d = pn(dv);
	struct procfs *fs = d->fs;
	char name[16];
	struct psnap s;
	int *pids;
	size_t n, cap;

	if (dv->type != VNODE_DIR)
		return -ENOTDIR;
	if (*cookie == 0) {
		if (fill(arg, ".", 1, dv->ino, VNODE_DIR, 1))
			return 0;
		*cookie = 1;
	}
	if (*cookie == 1) {
		uint64_t pino = d->kind == P_PID_FD    ? node_ino(P_PID, d->pid, -1)
				: d->kind == P_BUS_PCI ? node_ino(P_BUS, 0, -1)
						       : fs->root->v.ino;

		if (fill(arg, "..", 2, pino, VNODE_DIR, COOKIE_FIRST))
			return 0;
		*cookie = COOKIE_FIRST;
	}
	switch (d->kind) {
	case P_ROOT:
		if (fill_table(root_ents, NENTS(root_ents), 0, cookie, fill, arg))
			return 0;
		if (*cookie < COOKIE_PIDS)
			*cookie = COOKIE_PIDS;
		pids = pids_sorted(fs, &n, &cap);
		for (size_t i = 0; i < n; i++) {
			uint64_t c = COOKIE_PIDS + (uint64_t)pids[i];
			size_t l;

			if (c < *cookie)
				continue;
			l = (size_t)ksnprintf(name, sizeof(name), "%d", pids[i]);
			if (fill(arg, name, l, node_ino(P_PID, pids[i], -1), VNODE_DIR, c + 1))
				break;
			*cookie = c + 1;
		}
		if (pids)
			fs->env.free(pids, cap * sizeof(int), fs->env.ctx);
		return 0;
	case P_KEEL:
		fill_table(keel_ents, NENTS(keel_ents), 0, cookie, fill, arg);
		return 0;
	case P_BUS:
		fill_table(bus_ents, NENTS(bus_ents), 0, cookie, fill, arg);
		return 0;
	case P_BUS_PCI:
		fill_table(bus_pci_ents, NENTS(bus_pci_ents), 0, cookie, fill, arg);
		return 0;
	case P_PID:
		if (!proc_snap(d->pid, &s))
			return -ENOENT;
		fill_table(pid_ents, NENTS(pid_ents), d->pid, cookie, fill, arg);
		return 0;
	case P_PID_FD:
		if (!proc_snap(d->pid, &s))
			return -ENOENT;
		for (uint64_t fd = *cookie - COOKIE_FIRST; fd < FD_MAX; fd++) {
			size_t l;

			if (!(s.fds[fd / 64] & (1ull << (fd % 64))))
				continue;
			l = (size_t)ksnprintf(name, sizeof(name), "%d", (int)fd);
			if (fill(arg, name, l, node_ino(P_PID_FDLINK, d->pid, (int)fd), VNODE_LNK,
				 COOKIE_FIRST + fd + 1))
				return 0;
			*cookie = COOKIE_FIRST + fd + 1;
		}
		return 0;
	default:
		return -ENOTDIR;
	}
}

/* What /proc/<pid>/fd/<n> points to, for the calling process's own descriptors.  Nothing
 * keeps a file's path, so VFS files name their device or inode. */
static int fd_target(int fd, char *buf, size_t len)
{
	struct file *f = fd_get(fd);
	struct vfs_stat st;
	const char *dev;
	int n;

	if (!f)
		return -ENOENT;
	if (f->vnode) {
		struct vnode *v = f->vnode;

		if (v == kvfs_root())
			n = ksnprintf(buf, len, "/");
		else if (v->type == VNODE_CHR && (dev = chardev_name(v->rdev)))
			n = ksnprintf(buf, len, "/dev/%s", dev);
		else
			n = ksnprintf(buf, len, "inode:[%lu:%lu]", v->mount ? v->mount->dev : 0,
				      v->ino);
	} else if (f->ops->stat && !f->ops->stat(f, &st)) {
		if ((st.mode & VFS_IFMT) == VFS_IFIFO)
			n = ksnprintf(buf, len, "pipe:[%lu]", st.ino);
		else if ((st.mode & VFS_IFMT) == VFS_IFCHR && (dev = chardev_name(st.rdev)))
			n = ksnprintf(buf, len, "/dev/%s", dev);
		else
			n = ksnprintf(buf, len, "anon_inode:[%lu]", st.ino);
	} else {
		n = ksnprintf(buf, len, "/dev/console"); /* the console file has no stat */
	}
	file_put(f);
	return n;
}

static int64_t procfs_readlink(struct vnode *v, char *buf, size_t len)
{
	struct pnode *n = pn(v);
	struct proc *me = proc_current();
	char t[64];
	int l;

	if (v->type != VNODE_LNK)
		return -EINVAL;
	if (n->kind == P_SELF) {
		if (!me)
			return -ENOENT;
		l = ksnprintf(t, sizeof(t), "%d", me->pid);
	} else {
		if (!fd_open(n->pid, n->fd))
			return -ENOENT;
		if (!me || me->pid != n->pid)
			return -EACCES; /* another process's files cannot be looked at safely */
		l = fd_target(n->fd, t, sizeof(t));
		if (l < 0)
			return l;
	}
	if ((size_t)l >= sizeof(t))
		l = sizeof(t) - 1;
	if ((size_t)l > len)
		l = (int)len;
	memcpy(buf, t, (size_t)l);
	return l;
}

static int64_t procfs_read(struct vnode *v, uint64_t off, void *buf, size_t len)
{
	struct pnode *n = pn(v);
	int rc;

	if (v->type == VNODE_DIR)
		return -EISDIR;
	if (v->type != VNODE_REG)
		return -EINVAL;
	if (off == 0 || !n->text) {
		rc = generate(n);
		if (rc)
			return rc == -ESRCH ? 0 : rc; /* the process is gone: empty, as Linux */
	}
	if (off >= n->len)
		return 0;
	if (len > n->len - off)
		len = n->len - off;
	memcpy(buf, n->text + off, len);
	return (int64_t)len;
}

/* Linux answers a write to a /proc file without a write handler with EIO. */
static int64_t procfs_write(struct vnode *v, uint64_t off, const void *buf, size_t len)
{
	return v->type == VNODE_DIR ? -EISDIR : -EIO;
}

static int procfs_truncate(struct vnode *v, uint64_t size)
{
	return -EPERM;
}

static int procfs_getattr(struct vnode *v, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = pn(v)->fs->m->dev;
	st->ino = v->ino;
	st->mode = vfs_type_to_mode(v->type) | v->mode;
	st->nlink = v->nlink;
	st->blksize = 1024;
	if (v->type == VNODE_LNK)
		st->size = 64;
	st->atime_ns = v->atime_ns;
	st->mtime_ns = v->mtime_ns;
	st->ctime_ns = v->ctime_ns;
	return 0;
}

static int procfs_setattr(struct vnode *v, const struct vfs_setattr *sa)
{
	return -EPERM;
}

static void procfs_inactive(struct vnode *v)
{
	struct pnode *n = pn(v);

	if (n != n->fs->root)
		node_free(n);
}

static const struct vnode_ops procfs_vnode_ops = {
	.lookup = procfs_lookup,
	.readlink = procfs_readlink,
	.read = procfs_read,
	.write = procfs_write,
	.truncate = procfs_truncate,
	.readdir = procfs_readdir,
	.getattr = procfs_getattr,
	.setattr = procfs_setattr,
	.inactive = procfs_inactive,
};

/* ---- Instance ---- */

static int procfs_statfs(struct mount *m, struct vfs_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->magic = VFS_PROC_MAGIC;
	st->bsize = VFS_PAGE_SIZE;
	st->namelen = VFS_NAME_MAX;
	return 0;
}

static void procfs_destroy(struct mount *m)
{
	struct procfs *fs = m->fs;
	struct vfs_env env = fs->env;

	node_free(fs->root);
	env.free(fs, sizeof(*fs), env.ctx);
	m->fs = NULL;
	m->root = NULL;
}

static const struct mount_ops procfs_mount_ops = {
	.statfs = procfs_statfs,
	.destroy = procfs_destroy,
};

int procfs_new(struct mount *m, const struct vfs_env *env, uint64_t dev)
{
	struct procfs *fs = env->alloc(sizeof(*fs), env->ctx);
	struct vnode *root;

	memset(m, 0, sizeof(*m));
	if (!fs)
		return -ENOMEM;
	memset(fs, 0, sizeof(*fs));
	fs->env = *env;
	fs->m = m;
	m->fs = fs;
	m->ops = &procfs_mount_ops;
	m->dev = dev;
	root = node_new(fs, P_ROOT, VNODE_DIR, 0, -1);
	if (!root) {
		env->free(fs, sizeof(*fs), env->ctx);
		m->fs = NULL;
		return -ENOMEM;
	}
	fs->root = pn(root);
	m->root = root; /* node_new's reference is the mount's */
	return 0;
}
