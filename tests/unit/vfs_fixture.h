/* Shared fixture for the VFS host tests: a counting allocator, a page pool, a clock, ramfs. */
#ifndef TEST_VFS_FIXTURE_H
#define TEST_VFS_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/compiler.h>
#include <vmk/cpio.h>
#include <vmk/ramfs.h>
#include <vmk/vfs.h>

/*
 * Allocations carry a 16-byte header with their size and a magic, so a free of the wrong size
 * or of a foreign pointer fails the test. Pages are filled with garbage so ramfs cannot rely
 * on zeroed memory. fail_after counts allocations (small and page) left before they fail.
 */
#define TENV_MAGIC 0x6b65656c76667321ULL

struct tenv {
	struct vfs_env env;
	long live_allocs, live_pages;
	long fail_after; /* allocations left before all fail; -1: never */
	long fail_once;	 /* allocations left before one fails; -1: never */
	long allocs_total;
	int64_t now;
	struct mount *root_mnt;
	struct vfs_ctx ctx;
	struct vfs_cred cred;
};

static bool tenv_fail(struct tenv *t)
{
	if (t->fail_once == 0) {
		t->fail_once = -1;
		return true;
	}
	if (t->fail_once > 0)
		t->fail_once--;
	if (t->fail_after == 0)
		return true;
	if (t->fail_after > 0)
		t->fail_after--;
	return false;
}

static void *tenv_alloc(size_t size, void *ctx)
{
	struct tenv *t = ctx;
	uint64_t *p;

	assert_true(size > 0);
	if (tenv_fail(t))
		return NULL;
	p = malloc(size + 16);
	assert_non_null(p);
	p[0] = TENV_MAGIC;
	p[1] = size;
	memset(p + 2, 0xa5, size);
	t->live_allocs++;
	t->allocs_total++;
	return p + 2;
}

static void tenv_free(void *q, size_t size, void *ctx)
{
	struct tenv *t = ctx;
	uint64_t *p = (uint64_t *)q - 2;

	if (p[0] != TENV_MAGIC)
		fail_msg("free of %p: not from tenv_alloc", q);
	if (p[1] != size)
		fail_msg("free of %p with size %zu, allocated %llu", q, size,
			 (unsigned long long)p[1]);
	p[0] = 0;
	t->live_allocs--;
	free(p);
}

static void *tenv_alloc_page(void *ctx)
{
	struct tenv *t = ctx;
	void *p;

	if (tenv_fail(t))
		return NULL;
	p = aligned_alloc(VFS_PAGE_SIZE, VFS_PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0x5a, VFS_PAGE_SIZE);
	t->live_pages++;
	t->allocs_total++;
	return p;
}

static void tenv_free_page(void *p, void *ctx)
{
	struct tenv *t = ctx;

	assert_int_equal((uintptr_t)p % VFS_PAGE_SIZE, 0);
	t->live_pages--;
	free(p);
}

static int64_t tenv_now(void *ctx)
{
	struct tenv *t = ctx;

	return t->now;
}

static __unused void tenv_init(struct tenv *t)
{
	memset(t, 0, sizeof(*t));
	t->fail_after = -1;
	t->fail_once = -1;
	t->now = 1000000000LL * 1700000000LL;
	t->env = (struct vfs_env){
		.alloc = tenv_alloc,
		.free = tenv_free,
		.alloc_page = tenv_alloc_page,
		.free_page = tenv_free_page,
		.now_ns = tenv_now,
		.ctx = t,
	};
}

/* A ramfs mount (malloc'd struct mount) with the given limits, not attached. */
static __unused struct mount *tenv_ramfs(struct tenv *t, uint64_t max_bytes, uint64_t max_inodes,
					 uint64_t dev)
{
	struct ramfs_params p = {
		.env = t->env,
		.max_bytes = max_bytes,
		.max_inodes = max_inodes,
		.dev = dev,
		.root_mode = 0755,
	};
	struct mount *m = malloc(sizeof(*m));

	assert_non_null(m);
	assert_int_equal(ramfs_new(m, &p), 0);
	return m;
}

/* Unmount (must succeed) and free m. */
static __unused void tenv_umount(struct mount *m)
{
	assert_int_equal(vfs_umount(m), 0);
	free(m);
}

/* The namespace: a ramfs root, ctx root and cwd on it (referenced), kernel credentials. */
static __unused struct tenv *tenv_setup(uint64_t max_bytes, uint64_t max_inodes)
{
	struct tenv *t = malloc(sizeof(*t));

	assert_non_null(t);
	tenv_init(t);
	t->root_mnt = tenv_ramfs(t, max_bytes, max_inodes, 1);
	assert_int_equal(vfs_mount_attach(t->root_mnt, NULL, 0), 0);
	t->ctx.root = vnode_get(t->root_mnt->root);
	t->ctx.cwd = vnode_get(t->root_mnt->root);
	t->ctx.env = &t->env;
	t->ctx.cred = NULL;
	return t;
}

/* Drop the context, unmount, and check that every allocation and page came back. */
static __unused void tenv_teardown(struct tenv *t)
{
	vnode_put(t->ctx.root);
	vnode_put(t->ctx.cwd);
	tenv_umount(t->root_mnt);
	assert_int_equal(t->live_allocs, 0);
	assert_int_equal(t->live_pages, 0);
	free(t);
}

static __unused int tenv_group_setup(void **state)
{
	*state = tenv_setup(0, 0);
	return 0;
}

static __unused int tenv_group_teardown(void **state)
{
	tenv_teardown(*state);
	return 0;
}

/* Become an unprivileged user (uid, gid) with optional supplementary groups. */
static __unused void tenv_user(struct tenv *t, uint32_t uid, uint32_t gid, const uint32_t *groups,
			       size_t ngroups)
{
	t->cred = (struct vfs_cred){.uid = uid, .gid = gid, .groups = groups, .ngroups = ngroups};
	t->ctx.cred = &t->cred;
}

static __unused void tenv_kernel(struct tenv *t)
{
	t->ctx.cred = NULL;
}

/* Walk path (kernel credentials unless set), returning the vnode or NULL with *err. */
static __unused struct vnode *tenv_walk(struct tenv *t, const char *path, unsigned flags, int *err)
{
	struct vnode *v = NULL;

	*err = vfs_walk(&t->ctx, NULL, path, flags, &v);
	return v;
}

/* Write a whole file by path (created if needed, truncated). */
static __unused void tenv_put_file(struct tenv *t, const char *path, const void *data, size_t len)
{
	struct vnode *v;

	assert_int_equal(
		vfs_open(&t->ctx, NULL, path, VFS_O_CREAT | VFS_O_WRONLY | VFS_O_TRUNC, 0644, &v),
		0);
	assert_int_equal(v->ops->write(v, 0, data, len), (int64_t)len);
	vnode_put(v);
}

/* Read up to cap bytes of a file by path into buf; returns the count. */
static __unused int64_t tenv_get_file(struct tenv *t, const char *path, void *buf, size_t cap)
{
	struct vnode *v;
	int64_t n;
	int err = vfs_walk(&t->ctx, NULL, path, 0, &v);

	if (err)
		return err;
	n = v->ops->read(v, 0, buf, cap);
	vnode_put(v);
	return n;
}

/* Collected readdir output. */
struct tdir {
	char names[4096][64];
	uint64_t inos[4096];
	enum vnode_type types[4096];
	size_t n;
	size_t stop_after; /* accept this many per readdir call; 0: all */
	size_t taken;
};

static int tdir_fill(void *arg, const char *name, size_t len, uint64_t ino, enum vnode_type type,
		     uint64_t next)
{
	struct tdir *d = arg;

	(void)next;
	if (d->stop_after && d->taken == d->stop_after)
		return 1;
	assert_true(len < 64);
	assert_true(d->n < 4096);
	memcpy(d->names[d->n], name, len);
	d->names[d->n][len] = '\0';
	d->inos[d->n] = ino;
	d->types[d->n] = type;
	d->n++;
	d->taken++;
	return 0;
}

/* Index of name in d, or -1. */
static __unused long tdir_find(const struct tdir *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++) {
		if (!strcmp(d->names[i], name))
			return (long)i;
	}
	return -1;
}

/* List a whole directory in one call. */
static __unused void tdir_list(struct vnode *dir, struct tdir *d)
{
	uint64_t cookie = 0;

	memset(d, 0, sizeof(*d));
	assert_int_equal(dir->ops->readdir(dir, &cookie, tdir_fill, d), 0);
}

#endif
