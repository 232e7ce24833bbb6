/*
 * Self-test of file locks from the kernel side (selftest=filelock or all): the kernel's
 * whole-file lock against other kernel locks, flock and POSIX locks, a blocking wait woken by
 * an unlock, a deadlock found, locks going with a file's last reference, nothing leaked.
 * The files are bare struct files on one vnode, as the hypervisor's would be on an image.
 */
#define LOG_TAG "selftest"
#include <vmk/selftest.h>
#include <vmk/filelock.h>
#include <vmk/file.h>
#include <vmk/vfs.h>
#include <vmk/world.h>
#include <vmk/heap.h>
#include <vmk/mm.h>
#include <vmk/time.h>
#include "../kern/selftest_priv.h"

static void st_release(struct file *f)
{
	kfree(f);
}

static const struct file_ops st_ops = {.release = st_release};
static const struct vnode_ops st_vops; /* nothing to do when the last reference goes */

static struct file *st_file(struct vnode *v)
{
	struct file *f = file_alloc(&st_ops, O_RDWR, NULL);

	if (f)
		f->vnode = v;
	return f;
}

static struct lock_rec st_req(struct lock_owner *o, int type, int64_t start, int64_t end)
{
	struct lock_rec r = {.owner = o, .kind = LOCKR_POSIX, .type = (uint8_t)type, .pid = 1};

	r.start = start;
	r.end = end;
	return r;
}

struct st_waiter {
	struct file *f;
	struct lock_rec req;
	int rc;
};

static void st_wait_fn(void *arg)
{
	struct st_waiter *w = arg;

	w->rc = filelock_posix_set(w->f, &w->req, true);
	world_exit(0);
}

/* Wait up to a second for a request to be waiting (a "->" entry in the snapshot). */
static bool st_someone_waits(void)
{
	struct filelock_info e[8];

	for (int i = 0; i < 100; i++) {
		size_t n = filelock_snapshot(e, 8);

		for (size_t k = 0; k < n && k < 8; k++)
			if (e[k].waiter)
				return true;
		world_sleep_ns(10 * 1000 * 1000);
	}
	return false;
}

bool selftest_filelock(void)
{
	struct lock_owner a = {0}, b = {0};
	struct heap_stats hb, ha;
	unsigned long before = filelock_count();
	struct vnode *v;
	struct file *f1, *f2, *f3;
	struct st_waiter w;
	struct world *wt;
	struct lock_rec r;
	const char *why = "";
	unsigned bad = 0;

#define CHECK(cond, what)              \
	do {                           \
		if (!(cond) && !bad++) \
			why = (what);  \
	} while (0)

	kmem_trim();
	kmem_get_stats(&hb);
	v = kzalloc(sizeof(*v));
	f1 = v ? st_file(v) : NULL;
	f2 = v ? st_file(v) : NULL;
	f3 = v ? st_file(v) : NULL;
	if (!f1 || !f2 || !f3)
		return selftest_report(false, "filelock", "out of memory");
	v->type = VNODE_REG;
	v->ops = &st_vops;

	/* An exclusive kernel lock keeps every other kind out. */
	CHECK(filelock_kernel_lock(f1, true) == 0, "exclusive kernel lock");
	CHECK(v->refcount == 1, "a locked vnode is held by its lock list");
	CHECK(filelock_kernel_lock(f2, false) == -EAGAIN, "shared kernel lock beside it");
	CHECK(filelock_flock(f2, LOCKR_RD, 1, false) == -EAGAIN, "flock beside it");
	r = st_req(&a, LOCKR_RD, 100, 100);
	CHECK(filelock_posix_set(f2, &r, false) == -EAGAIN, "POSIX lock beside it");
	r = st_req(&a, LOCKR_WR, 0, 0);
	filelock_posix_test(f2, &r);
	CHECK(r.type == LOCKR_WR && r.kind == LOCKR_OFD && r.end == LOCKR_OFFSET_MAX,
	      "F_GETLK sees the kernel lock as an OFD lock on the whole file");

	/* Shared kernel locks share with each other and with readers. */
	CHECK(filelock_kernel_lock(f1, false) == 0, "downgrade to shared");
	CHECK(filelock_kernel_lock(f2, false) == 0, "second shared kernel lock");
	CHECK(filelock_kernel_lock(f3, true) == -EAGAIN, "exclusive beside shared ones");
	r = st_req(&a, LOCKR_RD, 0, 9);
	CHECK(filelock_posix_set(f3, &r, false) == 0, "POSIX read lock beside shared ones");
	r = st_req(&a, LOCKR_UN, 0, 9);
	CHECK(filelock_posix_set(f3, &r, false) == 0, "POSIX unlock");
	/* A refused upgrade changes nothing: f1 still holds its shared lock. */
	CHECK(filelock_kernel_lock(f1, true) == -EAGAIN, "upgrade beside another holder");
	filelock_kernel_unlock(f2);
	CHECK(filelock_kernel_lock(f3, true) == -EAGAIN, "f1 kept its lock after the refusal");
	/* A file's last reference takes its locks along. */
	file_put(f1);
	CHECK(filelock_kernel_lock(f3, true) == 0, "exclusive once the holder's file is gone");
	filelock_kernel_unlock(f3);
	if (filelock_count() != before) {
		/* Something is still held: the waits below would never end. */
		CHECK(false, "kernel locks left over");
		return selftest_report(false, "filelock", "%u failed, first: %s", bad, why);
	}

	/* A blocking wait, woken by the unlock of the lock it waits on. */
	r = st_req(&a, LOCKR_WR, 0, 9);
	CHECK(filelock_posix_set(f2, &r, false) == 0, "POSIX write lock");
	w = (struct st_waiter){f3, st_req(&b, LOCKR_WR, 5, 5), 1};
	if (world_create("lockwait", st_wait_fn, &w, NULL, &wt) == 0) {
		CHECK(st_someone_waits(), "the second owner waits");
		CHECK(w.rc == 1, "the waiter got the lock while it was held");
		r = st_req(&a, LOCKR_UN, 0, 9);
		filelock_posix_set(f2, &r, false);
		world_join(wt);
		CHECK(w.rc == 0, "the waiter got the lock after the unlock");
	} else {
		CHECK(false, "world_create");
	}

	/* b holds [5,5]; b waits on a's [0,0]; a waiting on [5,5] would close the cycle. */
	r = st_req(&a, LOCKR_WR, 0, 0);
	CHECK(filelock_posix_set(f2, &r, false) == 0, "a locks byte 0");
	w = (struct st_waiter){f3, st_req(&b, LOCKR_WR, 0, 0), 1};
	if (world_create("lockwait", st_wait_fn, &w, NULL, &wt) == 0) {
		CHECK(st_someone_waits(), "b waits for byte 0");
		r = st_req(&a, LOCKR_WR, 5, 5);
		CHECK(filelock_posix_set(f2, &r, true) == -EDEADLK, "EDEADLK for the cycle");
		r = st_req(&a, LOCKR_UN, 0, LOCKR_OFFSET_MAX);
		filelock_posix_set(f2, &r, false);
		world_join(wt);
		CHECK(w.rc == 0, "b got byte 0 once a let go");
	} else {
		CHECK(false, "world_create");
	}
	filelock_close_posix(f2, &b);
	CHECK(b.nrecs == 0 && a.nrecs == 0, "owners hold no records");
	CHECK(filelock_count() == before, "no lock record left");
	file_put(f2);
	file_put(f3);
	CHECK(v->refcount == 0, "the lock list let go of its vnode");
	kfree(v);
	kmem_trim();
	kmem_get_stats(&ha);
	CHECK(ha.objects_in_use == hb.objects_in_use, "heap objects back to the start");
	return selftest_report(!bad, "filelock",
			       "kernel/flock/POSIX conflicts, a woken wait, EDEADLK; %u failed%s%s",
			       bad, bad ? ", first: " : "", why);
#undef CHECK
}
