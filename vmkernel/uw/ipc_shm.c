/*
 * System V shared memory: shmget, shmat, shmdt, shmctl (Linux 6.1 semantics).
 *
 * A segment is a vma_object (vmk/aspace.h): its pages are made zeroed on first touch, kept
 * in a two-level table (leaf pages of 512 physical addresses) and mapped into every area
 * that attaches it, so a write by one process is seen by every other at once.  shm_nattch
 * counts those areas, as Linux does: the address space calls open for each new one (shmat,
 * a fork's copy, a split by munmap or mprotect) and close for each that goes (shmdt, munmap,
 * exec, exit).  IPC_RMID with attaches left only marks the segment (SHM_DEST, key private:
 * it can still be attached by id, as Linux allows); the last close frees it.
 *
 * Limits: Linux's SHMMIN, SHMMAX, SHMALL and SHMMNI are reported and enforced; a segment
 * larger than usable RAM is refused with ENOMEM, as Linux's overcommit heuristic does, and
 * all segments together may not pass half of usable RAM (ENOSPC, like SHMALL): that bounds
 * what first touches can take.
 *
 * Locks: the table mutex guards segments' identity, nattch and times (open and close take
 * it, under the address space's lock); a segment's spinlock guards its page table.
 */
#define LOG_TAG "shm"
#include "ipc_priv.h"
#include <vmk/compiler.h>
#include <vmk/aspace.h>
#include <vmk/proc.h>
#include <vmk/syscall.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <string.h>

#define LEAF_SLOTS (PAGE_SIZE / sizeof(uint64_t))

struct shm_seg {
	struct ipc_kperm perm; /* first: the table holds &perm */
	struct vma_object obj; /* what areas map; obj.size is shm_segsz */
	struct spinlock lock;  /* dir and its leaves */
	uint64_t npages;
	uint64_t **dir;		     /* leaf tables, made on first touch */
	uint64_t nattch;	     /* areas, plus shmat's hold while it maps (table mutex) */
	int64_t atime, dtime, ctime; /* table mutex */
	int cpid, lpid;
};

static struct ipc_ids shm_ids = IPC_IDS_INIT(SHMMNI);
static uint64_t shm_tot; /* pages of every segment (table mutex) */
static uint64_t shm_rss; /* pages made (atomic) */

static struct shm_seg *seg_of(struct ipc_kperm *k)
{
	return (struct shm_seg *)k;
}

static struct shm_seg *seg_of_obj(struct vma_object *o)
{
	return (struct shm_seg *)((char *)o - __builtin_offsetof(struct shm_seg, obj));
}

static size_t dir_len(uint64_t npages)
{
	return (npages + LEAF_SLOTS - 1) / LEAF_SLOTS;
}

/* Free a segment nobody maps (table mutex held): out of the table, its pages back. */
static void seg_destroy(struct shm_seg *s)
{
	if (!s->perm.deleted)
		ipc_remove(&shm_ids, &s->perm);
	shm_tot -= s->npages;
	for (size_t d = 0; d < dir_len(s->npages); d++) {
		uint64_t *leaf = s->dir[d];

		if (!leaf)
			continue;
		for (size_t i = 0; i < LEAF_SLOTS; i++)
			if (leaf[i]) {
				frame_unref(leaf[i]);
				__atomic_sub_fetch(&shm_rss, 1, __ATOMIC_RELAXED);
			}
		frame_free(virt_to_phys(leaf), 1);
	}
	kfree(s->dir);
	kfree(s);
}

/* An attach went away (table mutex held): the last one of a marked segment frees it. */
static void seg_release(struct shm_seg *s)
{
	if (!--s->nattch && (s->perm.mode & SHM_DEST))
		seg_destroy(s);
}

static int shm_getpage(struct vma_object *o, uint64_t pgoff, uint64_t *pa)
{
	struct shm_seg *s = seg_of_obj(o);
	uint64_t f, **leaf, p;
	int rc = 0;

	if (pgoff >= s->npages)
		return -EFAULT;
	f = spin_lock_irqsave(&s->lock);
	leaf = &s->dir[pgoff / LEAF_SLOTS];
	if (!*leaf) {
		p = frame_alloc_zeroed();
		if (p)
			*leaf = phys_to_virt(p);
	}
	if (!*leaf) {
		rc = -ENOMEM;
	} else if (!(*leaf)[pgoff % LEAF_SLOTS]) {
		p = frame_alloc_zeroed();
		if (p) {
			(*leaf)[pgoff % LEAF_SLOTS] = p;
			__atomic_add_fetch(&shm_rss, 1, __ATOMIC_RELAXED);
		} else {
			rc = -ENOMEM;
		}
	}
	if (!rc)
		*pa = (*leaf)[pgoff % LEAF_SLOTS];
	spin_unlock_irqrestore(&s->lock, f);
	return rc;
}

/* Linux's shm_open: every new area is an attach, and a last operation by this process. */
static void shm_open(struct vma_object *o)
{
	struct shm_seg *s = seg_of_obj(o);

	mutex_lock(&shm_ids.lock);
	s->nattch++;
	s->atime = ipc_now();
	s->lpid = ipc_pid();
	mutex_unlock(&shm_ids.lock);
}

static void shm_close(struct vma_object *o)
{
	struct shm_seg *s = seg_of_obj(o);

	mutex_lock(&shm_ids.lock);
	s->dtime = ipc_now();
	s->lpid = ipc_pid();
	seg_release(s);
	mutex_unlock(&shm_ids.lock);
}

static const struct vma_object_ops shm_vma_ops = {
	.getpage = shm_getpage,
	.open = shm_open,
	.close = shm_close,
};

/* newseg (table mutex held). */
static int shm_create(struct ipc_ids *ids, int32_t key, int flags, long arg)
{
	static bool logged;
	size_t size = (size_t)arg;
	uint64_t npages = ALIGN_UP((uint64_t)size, PAGE_SIZE) / PAGE_SIZE;
	struct shm_seg *s;
	int id;

	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	if (shm_tot + npages > SHMALL)
		return -ENOSPC;
	/* Linux's overcommit heuristic refuses more than RAM (SHM_NORESERVE skips it). */
	if (!(flags & SHM_NORESERVE) && npages > ipc_ram_pages())
		return -ENOMEM;
	if (flags & SHM_HUGETLB)
		return -ENOMEM; /* no huge page pool, as on a Linux with nr_hugepages 0 */
	if (shm_tot + npages > ipc_ram_pages() / 2) {
		if (!logged) {
			logged = true;
			log_warn("shared memory limit (%lu pages, half of RAM) reached: ENOSPC",
				 ipc_ram_pages() / 2);
		}
		return -ENOSPC;
	}
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir = kzalloc(dir_len(npages) * sizeof(*s->dir));
	if (!s->dir) {
		kfree(s);
		return -ENOMEM;
	}
	s->lock = (struct spinlock)SPINLOCK_INIT;
	s->obj.ops = &shm_vma_ops;
	s->obj.size = size;
	s->npages = npages;
	s->ctime = ipc_now();
	s->cpid = ipc_pid();
	id = ipc_add(ids, &s->perm, key, flags);
	if (id < 0) {
		kfree(s->dir);
		kfree(s);
		return id;
	}
	shm_tot += npages;
	return id;
}

static int shm_check(struct ipc_kperm *k, long arg)
{
	return seg_of(k)->obj.size < (size_t)arg ? -EINVAL : 0;
}

static long sys_shmget(long key, long size, long flags, long a3, long a4, long a5)
{
	return ipc_get(&shm_ids, (int32_t)key, (int)flags, size, shm_create, shm_check);
}
SYSCALL_DEFINE(29, sys_shmget);

static long sys_shmat(long id, long uaddr, long flags, long a3, long a4, long a5)
{
	uintptr_t addr = (uintptr_t)uaddr, got;
	unsigned prot = PROT_READ, maxprot = PROT_READ | PROT_EXEC;
	int acc = 0444, shmflg = (int)flags, rc;
	struct ipc_kperm *k;
	struct shm_seg *s;
	size_t size;

	if ((int)id < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (PAGE_SIZE - 1)) {
			if (!(shmflg & SHM_RND))
				return -EINVAL;
			addr = ALIGN_DOWN(addr, PAGE_SIZE);
			if (!addr && (shmflg & SHM_REMAP))
				return -EINVAL;
		}
	} else if (shmflg & SHM_REMAP) {
		return -EINVAL;
	}
	if (!(shmflg & SHM_RDONLY)) {
		prot |= PROT_WRITE;
		maxprot |= PROT_WRITE;
		acc |= 0222;
	}
	if (shmflg & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= 0111;
	}
	mutex_lock(&shm_ids.lock);
	rc = ipc_find_id(&shm_ids, (int)id, true, &k);
	if (!rc && !ipc_perm_ok(k, acc))
		rc = -EACCES;
	if (rc) {
		mutex_unlock(&shm_ids.lock);
		return rc;
	}
	s = seg_of(k);
	s->nattch++; /* holds it while mapping, as Linux's do_shmat does */
	size = s->obj.size;
	mutex_unlock(&shm_ids.lock);

	rc = aspace_map_object(world_current()->as, addr, size, prot, maxprot, addr != 0,
			       !(shmflg & SHM_REMAP), &s->obj, 0, &got);

	mutex_lock(&shm_ids.lock);
	seg_release(s);
	mutex_unlock(&shm_ids.lock);
	return rc ? rc : (long)got;
}
SYSCALL_DEFINE(30, sys_shmat);

static long sys_shmdt(long uaddr, long a1, long a2, long a3, long a4, long a5)
{
	return aspace_unmap_object(world_current()->as, (uintptr_t)uaddr, &shm_vma_ops);
}
SYSCALL_DEFINE(67, sys_shmdt);

/* IPC_STAT, SHM_STAT, SHM_STAT_ANY: 0 (IPC_STAT) or the full id, or -errno. */
static int shm_stat(int id, int cmd, struct shmid64_ds *out)
{
	struct ipc_kperm *k;
	struct shm_seg *s;
	int rc;

	memset(out, 0, sizeof(*out));
	mutex_lock(&shm_ids.lock);
	rc = ipc_find_id(&shm_ids, id, cmd == IPC_STAT, &k);
	if (!rc && cmd != SHM_STAT_ANY && !ipc_perm_ok(k, 0444))
		rc = -EACCES;
	if (!rc) {
		s = seg_of(k);
		ipc_perm_out(k, &out->shm_perm);
		out->shm_segsz = s->obj.size;
		out->shm_atime = s->atime;
		out->shm_dtime = s->dtime;
		out->shm_ctime = s->ctime;
		out->shm_cpid = s->cpid;
		out->shm_lpid = s->lpid;
		out->shm_nattch = s->nattch;
		rc = cmd == IPC_STAT ? 0 : k->id;
	}
	mutex_unlock(&shm_ids.lock);
	return rc;
}

/* IPC_SET, IPC_RMID, SHM_LOCK, SHM_UNLOCK. */
static int shm_change(int id, int cmd, const struct shmid64_ds *in)
{
	struct ipc_kperm *k;
	struct shm_seg *s;
	int rc;

	mutex_lock(&shm_ids.lock);
	rc = ipc_find_id(&shm_ids, id, true, &k);
	if (!rc && (cmd == IPC_SET || cmd == IPC_RMID))
		rc = ipc_owner_ok(k);
	if (rc)
		goto out;
	s = seg_of(k);
	switch (cmd) {
	case IPC_SET:
		rc = ipc_perm_set(k, &in->shm_perm);
		if (!rc)
			s->ctime = ipc_now();
		break;
	case IPC_RMID:
		if (s->nattch) {
			k->mode |= SHM_DEST;
			ipc_forget_key(&shm_ids, k); /* IPC_PRIVATE from now on */
		} else {
			seg_destroy(s);
		}
		break;
	case SHM_LOCK: /* root may always (CAP_IPC_LOCK); pages are never swapped out */
		k->mode |= SHM_LOCKED;
		break;
	case SHM_UNLOCK:
		k->mode &= ~(uint32_t)SHM_LOCKED;
		break;
	}
out:
	mutex_unlock(&shm_ids.lock);
	return rc;
}

static long sys_shmctl(long lid, long lcmd, long ubuf, long a3, long a4, long a5)
{
	int id = (int)lid, cmd = (int)lcmd;
	void *buf = (void *)ubuf;
	long rc;

	if (cmd < 0 || id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO: {
		struct shminfo64 info = {
			.shmmax = SHMMAX,
			.shmmin = SHMMIN,
			.shmmni = SHMMNI,
			.shmseg = SHMSEG,
			.shmall = SHMALL,
		};

		mutex_lock(&shm_ids.lock);
		rc = ipc_idr_info_max(&shm_ids.idr);
		mutex_unlock(&shm_ids.lock);
		return copy_to_user(buf, &info, sizeof(info)) ? -EFAULT : rc;
	}
	case SHM_INFO: {
		struct shm_info info = {0};

		mutex_lock(&shm_ids.lock);
		info.used_ids = shm_ids.idr.in_use;
		info.shm_tot = shm_tot;
		info.shm_rss = __atomic_load_n(&shm_rss, __ATOMIC_RELAXED);
		rc = ipc_idr_info_max(&shm_ids.idr);
		mutex_unlock(&shm_ids.lock);
		return copy_to_user(buf, &info, sizeof(info)) ? -EFAULT : rc;
	}
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY: {
		struct shmid64_ds ds;

		rc = shm_stat(id, cmd, &ds);
		if (rc >= 0 && copy_to_user(buf, &ds, sizeof(ds)))
			rc = -EFAULT;
		return rc;
	}
	case IPC_SET: {
		struct shmid64_ds ds;

		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		return shm_change(id, cmd, &ds);
	}
	case IPC_RMID:
	case SHM_LOCK:
	case SHM_UNLOCK:
		return shm_change(id, cmd, NULL);
	default:
		return -EINVAL;
	}
}
SYSCALL_DEFINE(31, sys_shmctl);
