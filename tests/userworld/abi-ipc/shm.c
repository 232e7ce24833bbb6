/* abi-ipc, shared memory: shmget, shmat, shmdt, shmctl; attaches across fork, exit, exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "abi.h"
#include "ipc_test.h"

#define KEY 0x0a11ce01
#define PG  4096

static int seg; /* the segment the cases share (KEY, 10000 bytes, 0640) */

static long nattch(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds) ? -1 : (long)ds.shm_nattch;
}

static const char *at_rc(void *p)
{
	return p == (void *)-1 ? abi_errname(errno) : "ok";
}

/* A free, page-aligned range of n pages. */
static char *free_range(size_t n)
{
	char *p = mmap(NULL, n * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(p, n * PG);
	return p;
}

static void get_cases(void)
{
	abi_say("shm-get-size0", "%s", abi_rc(shmget(IPC_PRIVATE, 0, 0600)));
	abi_say("shm-get-shmmax+1", "%s",
		abi_rc(shmget(IPC_PRIVATE, ~0ul - (1ul << 24) + 1, 0600)));
	abi_say("shm-get-past-ram", "%s", abi_rc(shmget(IPC_PRIVATE, 1ul << 40, 0600)));
	abi_say("shm-get-hugetlb", "%s", abi_rc(shmget(IPC_PRIVATE, 2 << 20, SHM_HUGETLB | 0600)));
	abi_say("shm-get-noent", "%s", abi_rc(shmget(KEY, PG, 0600)));
	seg = shmget(KEY, 10000, IPC_CREAT | 0640);
	abi_say("shm-get-create", "%s", seg >= 0 ? "ok" : abi_errname(errno));
	abi_say("shm-get-same", "%s", shmget(KEY, 0, 0) == seg ? "same" : abi_errname(errno));
	abi_say("shm-get-smaller", "%s",
		shmget(KEY, 100, 0600) == seg ? "same" : abi_errname(errno));
	abi_say("shm-get-larger", "%s", abi_rc(shmget(KEY, 20000, 0)));
	abi_say("shm-get-excl", "%s", abi_rc(shmget(KEY, 100, IPC_CREAT | IPC_EXCL | 0600)));
	abi_say("shm-get-creat-existing", "%s",
		shmget(KEY, 100, IPC_CREAT | 0600) == seg ? "same" : abi_errname(errno));
}

static void stat_cases(void)
{
	struct shmid_ds ds;
	time_t now = time(NULL);
	int rc = shmctl(seg, IPC_STAT, &ds);

	abi_say("shm-stat", "%s key %#x size %zu mode %o nattch %lu", abi_rc(rc),
		ds.shm_perm.__ipc_perm_key, ds.shm_segsz, ds.shm_perm.mode,
		(unsigned long)ds.shm_nattch);
	abi_say("shm-stat-ids", "uid %u gid %u cuid %u cgid %u cpid %s lpid %d", ds.shm_perm.uid,
		ds.shm_perm.gid, ds.shm_perm.cuid, ds.shm_perm.cgid,
		ds.shm_cpid == getpid() ? "self" : "other", ds.shm_lpid);
	abi_say("shm-stat-times", "atime %s dtime %s ctime %s", ds.shm_atime ? "set" : "0",
		ds.shm_dtime ? "set" : "0",
		ds.shm_ctime <= now && ds.shm_ctime > now - 60 ? "now" : "wrong");
	abi_say("shm-stat-efault", "%s", abi_rc(shmctl(seg, IPC_STAT, KADDR)));
	abi_say("shm-set-efault", "%s", abi_rc(shmctl(seg, IPC_SET, KADDR)));
	abi_say("shm-info-efault", "%s", abi_rc(shmctl(0, IPC_INFO, KADDR)));
	abi_say("shm-ctl-badcmd", "%s", abi_rc(shmctl(seg, 99, &ds)));
	abi_say("shm-ctl-negcmd", "%s", abi_rc(shmctl(seg, -1, &ds)));
	abi_say("shm-ctl-negid", "%s", abi_rc(shmctl(-1, IPC_STAT, &ds)));
	abi_say("shm-ctl-ipc64", "%s",
		ipc_raw(ipc_sys(SYS_shmctl, seg, IPC_STAT | IPC_64_, (long)&ds, 0, 0)));
	abi_say("shm-stat-stale-seq", "%s", abi_rc(shmctl(seg + 32768, IPC_STAT, &ds)));
	rc = shmctl(seg + 32768, SHM_STAT, &ds); /* by index: the sequence is ignored */
	abi_say("shm-stat-by-index", "%s", rc == seg ? "the id" : abi_rc(rc));
	rc = shmctl(seg & 0x7fff, SHM_STAT_ANY, &ds);
	abi_say("shm-stat-any", "%s size %zu", rc == seg ? "the id" : abi_rc(rc), ds.shm_segsz);
	abi_say("shm-stat-unused-index", "%s", abi_rc(shmctl(32767, SHM_STAT, &ds)));
}

static void attach_cases(void)
{
	struct shmid_ds ds;
	char *p, *q, *r, *hole;
	int zero = 1, rc;
	long n;

	p = shmat(seg, NULL, 0);
	abi_say("shm-at", "%s nattch %ld", at_rc(p), nattch(seg));
	shmctl(seg, IPC_STAT, &ds);
	abi_say("shm-at-stat", "atime %s lpid %s", ds.shm_atime ? "set" : "0",
		ds.shm_lpid == getpid() ? "self" : "other");
	for (int i = 0; i < 3 * PG; i++) /* 10000 bytes: three whole pages, zeroed */
		zero &= p[i] == 0;
	abi_say("shm-at-zeroed", "%s", zero ? "yes" : "no");
	q = shmat(seg, NULL, 0);
	strcpy(p + 5000, "written through one attach");
	n = nattch(seg);
	abi_say("shm-at-twice", "%s %s nattch %ld", at_rc(q), q == p ? "same address" : "another",
		n);
	abi_say("shm-at-twice-sees", "%s", q + 5000);
	rc = shmdt(q);
	abi_say("shm-dt", "%s nattch %ld", abi_rc(rc), nattch(seg));
	shmctl(seg, IPC_STAT, &ds);
	abi_say("shm-dt-stat", "dtime %s", ds.shm_dtime ? "set" : "0");
	abi_say("shm-dt-again", "%s", abi_rc(shmdt(q)));
	abi_say("shm-dt-unaligned", "%s", abi_rc(shmdt(p + 1)));
	abi_say("shm-dt-middle", "%s", abi_rc(shmdt(p + PG)));
	r = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	abi_say("shm-dt-not-shm", "%s", abi_rc(shmdt(r)));
	munmap(r, PG);

	hole = free_range(4);
	abi_say("shm-at-misaligned", "%s", at_rc(shmat(seg, hole + 1, 0)));
	r = shmat(seg, hole + 1, SHM_RND);
	abi_say("shm-at-rnd", "%s", r == hole ? "rounded down" : at_rc(r));
	abi_say("shm-at-rnd-sees", "%s", r == hole ? r + 5000 : "-");
	q = shmat(seg, hole, 0);
	abi_say("shm-at-occupied", "%s nattch %ld", at_rc(q), nattch(seg));
	r = shmat(seg, hole, SHM_REMAP);
	abi_say("shm-at-remap", "%s nattch %ld", r == hole ? "same address" : at_rc(r),
		nattch(seg));
	abi_say("shm-at-remap-null", "%s", at_rc(shmat(seg, NULL, SHM_REMAP)));
	rc = munmap(hole, 3 * PG);
	abi_say("shm-munmap-attach", "%s nattch %ld", abi_rc(rc), nattch(seg));
	abi_say("shm-at-badid", "%s", at_rc(shmat(seg + 32768, NULL, 0)));
	abi_say("shm-at-negid", "%s", at_rc(shmat(-1, NULL, 0)));
	r = shmat(seg, NULL, SHM_EXEC);
	rc = mprotect(r, PG, PROT_READ | PROT_EXEC);
	abi_say("shm-at-exec", "%s %s", at_rc(r), abi_rc(rc));
	shmdt(r);

	/* munmap in the middle cuts an attach in three: Linux counts each piece, and shmdt
	 * removes the pieces still at their places. */
	long before = nattch(seg);

	r = shmat(seg, NULL, 0);
	munmap(r + PG, PG);
	abi_say("shm-split", "nattch +%ld", nattch(seg) - before);
	rc = shmdt(r);
	abi_say("shm-split-dt", "%s nattch +%ld", abi_rc(rc), nattch(seg) - before);
	abi_say("shm-split-dt-again", "%s", abi_rc(shmdt(r + 2 * PG)));
	shmdt(p);
}

static int rdonly_child(void *arg)
{
	char *p = shmat(seg, NULL, SHM_RDONLY);

	(void)arg;
	if (p == (void *)-1)
		return 1;
	abi_say("shm-rdonly-read", "%s", p + 5000);
	abi_say("shm-rdonly-mprotect", "%s", abi_rc(mprotect(p, PG, PROT_READ | PROT_WRITE)));
	p[0] = 1; /* SIGSEGV */
	return 0;
}

static int writer_child(void *arg)
{
	char *p = arg;

	abi_say("shm-fork-child-nattch", "%ld", nattch(seg));
	abi_say("shm-fork-child-sees", "%s", p + 5000);
	strcpy(p + 6000, "written by the child");
	return 0;
}

static int attacher_child(void *arg)
{
	char *p = shmat(seg, NULL, 0);

	(void)arg;
	if (p == (void *)-1)
		return 1;
	strcpy(p + 7000, "from a child's own attach");
	return 0; /* exits attached */
}

static int pauser_child(void *arg)
{
	(void)arg;
	if (shmat(seg, NULL, 0) == (void *)-1)
		return 1;
	pause();
	return 0;
}

static bool nattch_is(void *arg)
{
	return nattch(seg) == (long)(intptr_t)arg;
}

/* A child attaches, then execs: exec drops the old image's attaches before it closes the
 * close-on-exec pipe, so the parent's EOF comes after the detach (on Linux too). */
static void exec_case(void)
{
	int pfd[2], go[2];
	char c;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) || pipe(go))
		return;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		close(go[1]);
		if (shmat(seg, NULL, 0) == (void *)-1)
			_exit(1);
		write(pfd[1], "a", 1);
		read(go[0], &c, 1);
		execl("/bin/busybox", "sleep", "10", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	close(go[0]);
	read(pfd[0], &c, 1);
	long attached = nattch(seg);

	write(go[1], "g", 1);
	close(go[1]);

	while (read(pfd[0], &c, 1) > 0)
		;
	close(pfd[0]);
	abi_say("shm-exec", "attached %ld, after exec %ld", attached, nattch(seg));
	kill(pid, SIGKILL);
	abi_say("shm-exec-child", "%s", ipc_reap(pid));
}

static void process_cases(void)
{
	char *p = shmat(seg, NULL, 0);
	long base = nattch(seg);
	const char *how;
	pid_t pid;

	strcpy(p + 5000, "the parent's text");
	abi_say("shm-rdonly", "%s", ipc_reap(ipc_spawn(rdonly_child, NULL)));
	abi_say("shm-rdonly-after", "nattch +%ld", nattch(seg) - base);
	abi_say("shm-fork", "%s", ipc_reap(ipc_spawn(writer_child, p)));
	abi_say("shm-fork-after", "nattch +%ld sees: %s", nattch(seg) - base, p + 6000);
	how = ipc_reap(ipc_spawn(attacher_child, NULL));
	abi_say("shm-child-attach", "%s nattch +%ld", how, nattch(seg) - base);
	abi_say("shm-child-attach-sees", "%s", p + 7000);
	pid = ipc_spawn(pauser_child, NULL);
	/* Its inherited attach and its own. */
	abi_say("shm-kill-attached", "%s",
		ipc_until(nattch_is, (void *)(intptr_t)(base + 2)) ? "attached" : "timeout");
	kill(pid, SIGKILL);
	how = ipc_reap(pid);
	abi_say("shm-kill-reaped", "%s nattch +%ld", how, nattch(seg) - base);
	exec_case();
	shmdt(p);
}

static void set_info_cases(void)
{
	struct shmid_ds ds;
	struct shminfo si;
	struct shm_info used0, used1;
	int rc, id;
	char *p;

	shmctl(seg, IPC_STAT, &ds);
	ds.shm_perm.uid = 1234;
	ds.shm_perm.gid = 5678;
	ds.shm_perm.mode = 0604 | 07000; /* only the permission bits change */
	abi_say("shm-set", "%s", abi_rc(shmctl(seg, IPC_SET, &ds)));
	shmctl(seg, IPC_STAT, &ds);
	abi_say("shm-set-stat", "uid %u gid %u cuid %u mode %o", ds.shm_perm.uid, ds.shm_perm.gid,
		ds.shm_perm.cuid, ds.shm_perm.mode);
	ds.shm_perm.uid = (uid_t)-1;
	abi_say("shm-set-baduid", "%s", abi_rc(shmctl(seg, IPC_SET, &ds)));
	abi_say("shm-lock", "%s", abi_rc(shmctl(seg, SHM_LOCK, NULL)));
	shmctl(seg, IPC_STAT, &ds);
	abi_say("shm-lock-mode", "%o", ds.shm_perm.mode);
	abi_say("shm-unlock", "%s", abi_rc(shmctl(seg, SHM_UNLOCK, NULL)));
	shmctl(seg, IPC_STAT, &ds);
	abi_say("shm-unlock-mode", "%o", ds.shm_perm.mode);

	rc = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	abi_say("shm-ipc-info", "%s shmmax %lu shmmin %lu shmmni %lu shmseg %lu shmall %lu",
		rc >= (seg & 0x7fff) ? "covers" : abi_rc(rc), si.shmmax, si.shmmin, si.shmmni,
		si.shmseg, si.shmall);
	shmctl(0, SHM_INFO, (struct shmid_ds *)&used0);
	id = shmget(IPC_PRIVATE, 3 * PG, 0600);
	p = shmat(id, NULL, 0);
	p[0] = p[PG] = 1; /* two of its three pages made */
	rc = shmctl(0, SHM_INFO, (struct shmid_ds *)&used1);
	abi_say("shm-shm-info", "%s ids +%d tot +%lu rss +%lu swp %lu",
		rc >= (id & 0x7fff) ? "covers" : abi_rc(rc), used1.used_ids - used0.used_ids,
		used1.shm_tot - used0.shm_tot, used1.shm_rss - used0.shm_rss, used1.shm_swp);
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
	abi_say("shm-rmid-unattached", "%s", abi_rc(shmctl(id, IPC_STAT, &ds)));
}

static void rmid_cases(void)
{
	struct shmid_ds ds;
	char *p = shmat(seg, NULL, 0), *q;
	int old = seg, id;

	abi_say("shm-rmid", "%s", abi_rc(shmctl(seg, IPC_RMID, NULL)));
	shmctl(seg, IPC_STAT, &ds);
	abi_say("shm-rmid-stat", "key %#x dest %s nattch %lu", ds.shm_perm.__ipc_perm_key,
		ds.shm_perm.mode & SHM_DEST ? "yes" : "no", (unsigned long)ds.shm_nattch);
	abi_say("shm-rmid-key-gone", "%s", abi_rc(shmget(KEY, 0, 0)));
	q = shmat(seg, NULL, 0); /* Linux still allows it by id */
	abi_say("shm-rmid-attach", "%s nattch %ld sees: %s", at_rc(q), nattch(seg), q + 6000);
	abi_say("shm-rmid-again", "%s", abi_rc(shmctl(seg, IPC_RMID, NULL)));
	shmdt(q);
	abi_say("shm-rmid-dt", "%s", abi_rc(shmdt(p)));
	abi_say("shm-rmid-gone", "%s", abi_rc(shmctl(old, IPC_STAT, &ds)));
	abi_say("shm-rmid-gone-at", "%s", at_rc(shmat(old, NULL, 0)));
	id = shmget(KEY, PG, IPC_CREAT | 0600);
	abi_say("shm-recreate", "%s", id >= 0 ? (id != old ? "new id" : "old id") : "failed");
	shmctl(id, IPC_RMID, NULL);
}

void ipc_test_shm(void)
{
	abi_area = "ipc";
	get_cases();
	if (seg < 0)
		return;
	stat_cases();
	attach_cases();
	process_cases();
	set_info_cases();
	rmid_cases();
}
