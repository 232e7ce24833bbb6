/*
 * System V IPC, the part every kind shares: tables of objects by id and key, the get
 * protocol (IPC_PRIVATE, IPC_CREAT, IPC_EXCL), permissions and owners, and the kernel memory
 * budget.  The kinds are in ipc_shm.c, ipc_sem.c and ipc_msg.c; locking is described in
 * ipc_priv.h.
 *
 * Every userworld runs as root today (uid and gid 0, see sys_getid), so the credentials
 * stored are 0 and the permission checks always pass the way Linux's do for a process with
 * CAP_IPC_OWNER; the modes and owners are still kept, reported and changed by IPC_SET.
 */
#define LOG_TAG "ipc"
#include "ipc_priv.h"
#include <vmk/compiler.h>
#include <vmk/proc.h>
#include <vmk/mm.h>
#include <vmk/rtc.h>
#include <vmk/time.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <string.h>

#define IPC_MEM_SHIFT 4 /* the budget: usable RAM >> this */

static uint32_t cur_euid(void)
{
	return 0;
}

static uint32_t cur_egid(void)
{
	return 0;
}

static bool capable(void)
{
	return cur_euid() == 0;
}

static unsigned key_bucket(int32_t key)
{
	return ((uint32_t)key * 0x9e3779b9u) >> 26;
}

struct ipc_kperm *ipc_find_key(struct ipc_ids *ids, int32_t key)
{
	for (struct ipc_kperm *k = ids->keys[key_bucket(key)]; k; k = k->key_next)
		if (k->key == key)
			return k;
	return NULL;
}

static struct ipc_kperm **slot(struct ipc_ids *ids, int idx)
{
	struct ipc_kperm **c = ids->chunk[idx / IPC_CHUNK];

	return c ? &c[idx % IPC_CHUNK] : NULL;
}

int ipc_find_id(struct ipc_ids *ids, int id, bool check, struct ipc_kperm **out)
{
	struct ipc_kperm **s;

	if (id < 0)
		return -EINVAL;
	s = slot(ids, ipc_id_idx(id));
	if (!s || !*s || (check && (*s)->seq != ipc_id_seq(id)))
		return -EINVAL;
	*out = *s;
	return 0;
}

/* Make sure the table has pages for every index the next allocation may pick. */
static int grow(struct ipc_ids *ids)
{
	int end = MIN(IPC_MNI, ids->idr.in_use * 3 / 2 > IPC_MIN_CYCLE ? ids->idr.in_use * 3 / 2
								       : IPC_MIN_CYCLE);

	for (int c = 0; c * IPC_CHUNK < end; c++) {
		uint64_t pa;

		if (ids->chunk[c])
			continue;
		pa = frame_alloc_zeroed();
		if (!pa)
			return -ENOMEM;
		ids->chunk[c] = phys_to_virt(pa); /* kept for good: at most 64 pages a kind */
	}
	return 0;
}

int ipc_add(struct ipc_ids *ids, struct ipc_kperm *k, int32_t key, int flags)
{
	int rc = grow(ids), idx, id;

	if (rc)
		return rc;
	idx = ipc_idr_alloc(&ids->idr, ids->limit, &id);
	if (idx < 0)
		return idx;
	k->key = key;
	k->id = id;
	k->seq = (uint16_t)ipc_id_seq(id);
	k->uid = k->cuid = cur_euid();
	k->gid = k->cgid = cur_egid();
	k->mode = (uint32_t)flags & 0777;
	k->deleted = false;
	k->refs = 1;
	*slot(ids, idx) = k;
	if (key != IPC_PRIVATE) {
		unsigned b = key_bucket(key);

		k->key_next = ids->keys[b];
		ids->keys[b] = k;
	}
	return id;
}

void ipc_forget_key(struct ipc_ids *ids, struct ipc_kperm *k)
{
	if (k->key == IPC_PRIVATE)
		return;
	for (struct ipc_kperm **p = &ids->keys[key_bucket(k->key)]; *p; p = &(*p)->key_next)
		if (*p == k) {
			*p = k->key_next;
			break;
		}
	k->key = IPC_PRIVATE;
	k->key_next = NULL;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_kperm *k)
{
	int idx = ipc_id_idx(k->id);

	ipc_forget_key(ids, k);
	*slot(ids, idx) = NULL;
	ipc_idr_remove(&ids->idr, idx);
	k->deleted = true;
}

int ipc_get(struct ipc_ids *ids, int32_t key, int flags, long arg,
	    int (*create)(struct ipc_ids *ids, int32_t key, int flags, long arg),
	    int (*check)(struct ipc_kperm *k, long arg))
{
	struct ipc_kperm *k;
	int rc;

	mutex_lock(&ids->lock);
	if (key == IPC_PRIVATE || !(k = ipc_find_key(ids, key))) {
		rc = key != IPC_PRIVATE && !(flags & IPC_CREAT) ? -ENOENT
								: create(ids, key, flags, arg);
	} else if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) {
		rc = -EEXIST;
	} else {
		rc = check ? check(k, arg) : 0;
		if (!rc)
			rc = ipc_perm_ok(k, flags) ? k->id : -EACCES;
	}
	mutex_unlock(&ids->lock);
	return rc;
}

bool ipc_perm_ok(const struct ipc_kperm *k, int flag)
{
	int requested = (flag >> 6) | (flag >> 3) | flag, granted = (int)k->mode;

	if (cur_euid() == k->cuid || cur_euid() == k->uid)
		granted >>= 6;
	else if (cur_egid() == k->cgid || cur_egid() == k->gid)
		granted >>= 3;
	return !(requested & ~granted & 07) || capable();
}

int ipc_owner_ok(const struct ipc_kperm *k)
{
	return cur_euid() == k->cuid || cur_euid() == k->uid || capable() ? 0 : -EPERM;
}

int ipc_perm_set(struct ipc_kperm *k, const struct ipc64_perm *in)
{
	if (in->uid == (uint32_t)-1 || in->gid == (uint32_t)-1)
		return -EINVAL;
	k->uid = in->uid;
	k->gid = in->gid;
	k->mode = (k->mode & ~0777u) | (in->mode & 0777);
	return 0;
}

void ipc_perm_out(const struct ipc_kperm *k, struct ipc64_perm *out)
{
	out->key = k->key;
	out->uid = k->uid;
	out->gid = k->gid;
	out->cuid = k->cuid;
	out->cgid = k->cgid;
	out->mode = k->mode;
	out->seq = k->seq;
}

void ipc_ref(struct ipc_kperm *k)
{
	__atomic_add_fetch(&k->refs, 1, __ATOMIC_RELAXED);
}

bool ipc_unref(struct ipc_kperm *k)
{
	return __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) == 0;
}

uint64_t ipc_ram_pages(void)
{
	struct frame_stats st;

	frame_get_stats(&st);
	return st.usable;
}

static uint64_t mem_used;

bool ipc_mem_charge(size_t bytes)
{
	static uint64_t budget;
	static bool logged;
	uint64_t used;

	if (!READ_ONCE(budget))
		__atomic_store_n(&budget, (ipc_ram_pages() * PAGE_SIZE) >> IPC_MEM_SHIFT,
				 __ATOMIC_RELAXED);
	used = __atomic_add_fetch(&mem_used, bytes, __ATOMIC_RELAXED);
	if (used <= budget && used >= bytes)
		return true;
	__atomic_sub_fetch(&mem_used, bytes, __ATOMIC_RELAXED);
	if (!logged) {
		logged = true;
		log_warn("System V IPC memory budget (%lu KiB) reached: refused", budget >> 10);
	}
	return false;
}

void ipc_mem_uncharge(size_t bytes)
{
	__atomic_sub_fetch(&mem_used, bytes, __ATOMIC_RELAXED);
}

int64_t ipc_now(void)
{
	return (int64_t)(realtime_ns() / NSEC_PER_SEC);
}

int ipc_pid(void)
{
	struct proc *p = proc_current();

	return p ? p->pid : 0;
}
