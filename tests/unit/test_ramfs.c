/* Host unit tests for ramfs (vmkernel/fs/ramfs.c): every vnode op, its errors and limits. */
#include "vfs_fixture.h"

#define NS 1000000000LL

static struct vnode *root_of(struct tenv *t)
{
	return t->root_mnt->root;
}

static struct vfs_newattr na(uint32_t mode)
{
	return (struct vfs_newattr){.mode = mode, .uid = 0, .gid = 0};
}

static struct vnode *mkfile(struct vnode *dir, const char *name)
{
	struct vfs_newattr a = na(0644);
	struct vnode *v;

	assert_int_equal(dir->ops->create(dir, name, strlen(name), &a, &v), 0);
	return v;
}

static struct vnode *mkdir_(struct vnode *dir, const char *name)
{
	struct vfs_newattr a = na(0755);
	struct vnode *v;

	assert_int_equal(dir->ops->mkdir(dir, name, strlen(name), &a, &v), 0);
	return v;
}

static int lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	return dir->ops->lookup(dir, name, strlen(name), out);
}

static bool exists(struct vnode *dir, const char *name)
{
	struct vnode *v;
	int err = lookup(dir, name, &v);

	vnode_put(v);
	return err == 0;
}

static struct ramfs_stats stats(struct tenv *t)
{
	struct ramfs_stats st;

	ramfs_get_stats(t->root_mnt, &st);
	return st;
}

static int64_t wr(struct vnode *v, uint64_t off, const char *s)
{
	return v->ops->write(v, off, s, strlen(s));
}

static void test_create_lookup(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *a, *b, *v;
	struct vfs_newattr at = na(0640);
	char name[300];

	a = mkfile(r, "a");
	assert_int_equal(a->type, VNODE_REG);
	assert_int_equal(a->nlink, 1);
	assert_int_equal(a->refcount, 1);
	assert_int_equal(a->mode, 0644);
	assert_ptr_equal(a->mount, t->root_mnt);
	assert_int_equal(lookup(r, "a", &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(a->refcount, 2);
	vnode_put(b);
	assert_int_equal(r->ops->create(r, "a", 1, &at, &v), -EEXIST);
	assert_null(v);
	assert_int_equal(r->ops->create(r, ".", 1, &at, &v), -EEXIST);
	assert_int_equal(r->ops->create(r, "..", 2, &at, &v), -EEXIST);
	assert_int_equal(lookup(r, "nope", &v), -ENOENT);
	assert_null(v);
	/* "." and "..": the root's parent is itself. */
	assert_int_equal(lookup(r, ".", &v), 0);
	assert_ptr_equal(v, r);
	vnode_put(v);
	assert_int_equal(lookup(r, "..", &v), 0);
	assert_ptr_equal(v, r);
	vnode_put(v);
	/* Name rules. */
	memset(name, 'n', sizeof(name));
	assert_int_equal(r->ops->create(r, name, 255, &at, &v), 0);
	vnode_put(v);
	assert_int_equal(r->ops->lookup(r, name, 255, &v), 0);
	vnode_put(v);
	assert_int_equal(r->ops->create(r, name, 256, &at, &v), -ENAMETOOLONG);
	assert_int_equal(r->ops->lookup(r, name, 256, &v), -ENAMETOOLONG);
	assert_int_equal(r->ops->create(r, "x/y", 3, &at, &v), -EINVAL);
	assert_int_equal(r->ops->create(r, "x\0y", 3, &at, &v), -EINVAL);
	assert_int_equal(r->ops->create(r, "", 0, &at, &v), -EINVAL);
	/* A file is not a directory. */
	assert_int_equal(a->ops->create(a, "x", 1, &at, &v), -ENOTDIR);
	assert_int_equal(lookup(a, "x", &v), -ENOTDIR);
	assert_int_equal(a->ops->mkdir(a, "x", 1, &at, &v), -ENOTDIR);
	vnode_put(a);
	/* Names are binary-exact. */
	assert_false(exists(r, "A"));
	assert_false(exists(r, "a "));
	assert_true(exists(r, "a"));
}

static void test_mkdir_rmdir(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *d, *e, *f, *v;

	assert_int_equal(r->nlink, 2);
	d = mkdir_(r, "d");
	assert_int_equal(d->type, VNODE_DIR);
	assert_int_equal(d->nlink, 2);
	assert_int_equal(r->nlink, 3);
	e = mkdir_(d, "e");
	assert_int_equal(d->nlink, 3);
	assert_int_equal(lookup(e, "..", &v), 0);
	assert_ptr_equal(v, d);
	vnode_put(v);
	f = mkfile(d, "f");
	assert_int_equal(d->nlink, 3); /* files do not count */
	assert_int_equal(r->ops->rmdir(r, "d", 1), -ENOTEMPTY);
	assert_int_equal(d->ops->rmdir(d, "f", 1), -ENOTDIR);
	assert_int_equal(d->ops->rmdir(d, "zz", 2), -ENOENT);
	assert_int_equal(d->ops->rmdir(d, ".", 1), -EINVAL);
	assert_int_equal(d->ops->rmdir(d, "..", 2), -ENOTEMPTY);
	assert_int_equal(f->ops->rmdir(f, "x", 1), -ENOTDIR);
	assert_int_equal(d->ops->unlink(d, "e", 1), -EISDIR);
	assert_int_equal(d->ops->rmdir(d, "e", 1), 0);
	assert_int_equal(d->nlink, 2);
	/* e is removed but still referenced: it is dead. */
	assert_int_equal(e->nlink, 0);
	assert_int_equal(lookup(e, "..", &v), -ENOENT);
	assert_int_equal(lookup(e, "x", &v), -ENOENT);
	{
		struct vfs_newattr a = na(0644);
		uint64_t cookie = 0;
		struct tdir *l = calloc(1, sizeof(*l));

		assert_int_equal(e->ops->create(e, "x", 1, &a, &v), -ENOENT);
		assert_int_equal(e->ops->readdir(e, &cookie, tdir_fill, l), -ENOENT);
		free(l);
	}
	vnode_put(e);
	assert_int_equal(d->ops->unlink(d, "f", 1), 0);
	vnode_put(f);
	assert_int_equal(r->ops->rmdir(r, "d", 1), 0);
	assert_int_equal(r->nlink, 2);
	vnode_put(d);
	assert_int_equal(stats(t).inodes, 1);
}

static void test_unlink_while_open(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *f;
	char buf[32];
	uint64_t inodes = stats(t).inodes;

	f = mkfile(r, "f");
	assert_int_equal(wr(f, 0, "still here"), 10);
	assert_int_equal(r->ops->unlink(r, "f", 1), 0);
	assert_false(exists(r, "f"));
	assert_int_equal(f->nlink, 0);
	assert_int_equal(stats(t).inodes, inodes + 1);
	assert_int_equal(f->ops->read(f, 0, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "still here", 10);
	assert_int_equal(wr(f, 10, "!"), 1);
	assert_int_equal(f->size, 11);
	assert_int_equal(r->ops->unlink(r, "f", 1), -ENOENT);
	/* A new file under the old name is another file. */
	{
		struct vnode *g = mkfile(r, "f");

		assert_ptr_not_equal(g, f);
		assert_int_equal(g->size, 0);
		vnode_put(g);
	}
	vnode_put(f); /* the last reference frees it */
	assert_int_equal(stats(t).inodes, inodes + 1);
	assert_int_equal(r->ops->unlink(r, "f", 1), 0);
	assert_int_equal(stats(t).inodes, inodes);
	assert_int_equal(stats(t).data_pages, 0);
}

static void test_link(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *f, *d, *v;
	struct mount *other = tenv_ramfs(t, 0, 0, 2);
	struct vnode *o = other->root;

	f = mkfile(r, "f");
	d = mkdir_(r, "d");
	assert_int_equal(r->ops->link(d, "g", 1, f), 0);
	assert_int_equal(f->nlink, 2);
	assert_int_equal(lookup(d, "g", &v), 0);
	assert_ptr_equal(v, f);
	vnode_put(v);
	assert_int_equal(r->ops->link(r, "f", 1, f), -EEXIST);
	assert_int_equal(r->ops->link(r, ".", 1, f), -EEXIST);
	assert_int_equal(r->ops->link(r, "dd", 2, d), -EPERM);
	assert_int_equal(r->ops->link(f, "x", 1, f), -ENOTDIR);
	assert_int_equal(o->ops->link(o, "x", 1, f), -EXDEV);
	assert_int_equal(r->ops->unlink(r, "f", 1), 0);
	assert_int_equal(f->nlink, 1);
	assert_int_equal(wr(f, 0, "x"), 1);
	assert_int_equal(d->ops->unlink(d, "g", 1), 0);
	assert_int_equal(f->nlink, 0);
	/* No new name for a file whose names are all gone. */
	assert_int_equal(r->ops->link(r, "back", 4, f), -ENOENT);
	vnode_put(f);
	assert_int_equal(r->ops->rmdir(r, "d", 1), 0);
	vnode_put(d);
	tenv_umount(other);
}

static void test_rename_files(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *a, *b, *d, *v;
	char buf[8];

	a = mkfile(r, "a");
	b = mkfile(r, "b");
	d = mkdir_(r, "d");
	assert_int_equal(wr(a, 0, "AAA"), 3);
	assert_int_equal(wr(b, 0, "BBB"), 3);
	/* Simple move to a new name in another directory. */
	assert_int_equal(r->ops->rename(r, "a", 1, d, "a2", 2, 0), 0);
	assert_false(exists(r, "a"));
	assert_int_equal(lookup(d, "a2", &v), 0);
	assert_ptr_equal(v, a);
	vnode_put(v);
	assert_int_equal(a->nlink, 1);
	/* Replacing a file: b (still open) loses its name and lives on. */
	assert_int_equal(r->ops->rename(d, "a2", 2, r, "b", 1, 0), 0);
	assert_int_equal(b->nlink, 0);
	assert_int_equal(b->ops->read(b, 0, buf, 8), 3);
	assert_memory_equal(buf, "BBB", 3);
	assert_int_equal(lookup(r, "b", &v), 0);
	assert_ptr_equal(v, a);
	vnode_put(v);
	vnode_put(b);
	/* Errors. */
	assert_int_equal(r->ops->rename(r, "zz", 2, r, "y", 1, 0), -ENOENT);
	assert_int_equal(r->ops->rename(r, "b", 1, r, "d", 1, 0), -EISDIR);
	assert_int_equal(r->ops->rename(r, "d", 1, r, "b", 1, 0), -ENOTDIR);
	assert_int_equal(r->ops->rename(r, "b", 1, r, ".", 1, 0), -EBUSY);
	assert_int_equal(r->ops->rename(r, "..", 2, r, "q", 1, 0), -EBUSY);
	assert_int_equal(r->ops->rename(r, "b", 1, a, "q", 1, 0), -ENOTDIR);
	assert_int_equal(r->ops->rename(r, "b", 1, r, "q", 1, 4), -EINVAL);
	/* NOREPLACE. */
	v = mkfile(r, "c");
	vnode_put(v);
	assert_int_equal(r->ops->rename(r, "b", 1, r, "c", 1, VFS_RENAME_NOREPLACE), -EEXIST);
	assert_int_equal(r->ops->rename(r, "b", 1, r, "e", 1, VFS_RENAME_NOREPLACE), 0);
	/* Two names of one file: nothing happens, both stay. */
	assert_int_equal(r->ops->link(r, "e2", 2, a), 0);
	assert_int_equal(r->ops->rename(r, "e", 1, r, "e2", 2, 0), 0);
	assert_true(exists(r, "e"));
	assert_true(exists(r, "e2"));
	assert_int_equal(a->nlink, 2);
	/* Same name: nothing. */
	assert_int_equal(r->ops->rename(r, "e", 1, r, "e", 1, 0), 0);
	assert_true(exists(r, "e"));
	/* Replacing a hard link of another file drops only that name. */
	assert_int_equal(r->ops->rename(r, "c", 1, r, "e2", 2, 0), 0);
	assert_int_equal(a->nlink, 1);
	assert_true(exists(r, "e"));
	vnode_put(a);
	assert_int_equal(r->ops->unlink(r, "e", 1), 0);
	assert_int_equal(r->ops->unlink(r, "e2", 2), 0);
	assert_int_equal(r->ops->rmdir(r, "d", 1), 0);
	vnode_put(d);
	assert_int_equal(stats(t).inodes, 1);
}

static void test_rename_dirs(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *a, *b, *c, *e, *v, *f;

	a = mkdir_(r, "a");
	b = mkdir_(a, "b");
	c = mkdir_(r, "c");
	e = mkdir_(r, "e");
	f = mkfile(e, "f");
	assert_int_equal(r->nlink, 5);
	/* Into its own subtree, or onto itself via a child: EINVAL. */
	assert_int_equal(r->ops->rename(r, "a", 1, b, "x", 1, 0), -EINVAL);
	assert_int_equal(r->ops->rename(r, "a", 1, a, "x", 1, 0), -EINVAL);
	/* Over a non-empty directory. */
	assert_int_equal(r->ops->rename(r, "c", 1, r, "e", 1, 0), -ENOTEMPTY);
	/* Move b from a to c: link counts and ".." follow. */
	assert_int_equal(r->ops->rename(a, "b", 1, c, "b", 1, 0), 0);
	assert_int_equal(a->nlink, 2);
	assert_int_equal(c->nlink, 3);
	assert_int_equal(lookup(b, "..", &v), 0);
	assert_ptr_equal(v, c);
	vnode_put(v);
	/* Over an empty directory, which dies. */
	assert_int_equal(r->ops->rename(r, "c", 1, r, "a", 1, 0), 0);
	assert_int_equal(a->nlink, 0);
	assert_int_equal(r->nlink, 4);
	assert_int_equal(lookup(r, "a", &v), 0);
	assert_ptr_equal(v, c);
	vnode_put(v);
	vnode_put(a);
	/* Same directory, new name: nlink unchanged. */
	assert_int_equal(r->ops->rename(r, "a", 1, r, "a2", 2, 0), 0);
	assert_int_equal(r->nlink, 4);
	assert_int_equal(c->nlink, 3);
	/* A mount point cannot move or be replaced. */
	e->mounted_here = (struct mount *)1;
	assert_int_equal(r->ops->rename(r, "e", 1, r, "e3", 2, 0), -EBUSY);
	assert_int_equal(r->ops->rmdir(e, "f", 1), -ENOTDIR);
	e->mounted_here = NULL;
	assert_int_equal(e->ops->unlink(e, "f", 1), 0);
	vnode_put(f);
	b->mounted_here = (struct mount *)1;
	assert_int_equal(r->ops->rename(r, "e", 1, c, "b", 1, 0), -EBUSY);
	assert_int_equal(c->ops->rmdir(c, "b", 1), -EBUSY);
	b->mounted_here = NULL;
	assert_int_equal(c->ops->rmdir(c, "b", 1), 0);
	vnode_put(b);
	assert_int_equal(r->ops->rmdir(r, "a2", 2), 0);
	assert_int_equal(r->ops->rmdir(r, "e", 1), 0);
	vnode_put(c);
	vnode_put(e);
	assert_int_equal(r->nlink, 2);
	assert_int_equal(stats(t).inodes, 1);
}

static void test_read_write_holes(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *f;
	static uint8_t big[3 * VFS_PAGE_SIZE + 100], back[sizeof(big)];
	uint8_t buf[64], zero[64] = {0};
	struct vfs_stat st;

	f = mkfile(r, "f");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
	/* Unaligned write across page boundaries. */
	assert_int_equal(f->ops->write(f, 1000, big, sizeof(big)), (int64_t)sizeof(big));
	assert_int_equal(f->size, 1000 + sizeof(big));
	assert_int_equal(f->ops->read(f, 1000, back, sizeof(back)), (int64_t)sizeof(back));
	assert_memory_equal(big, back, sizeof(big));
	assert_int_equal(f->ops->read(f, 0, buf, 64), 64);
	assert_memory_equal(buf, zero, 64);
	/* Reads stop at EOF. */
	assert_int_equal(f->ops->read(f, f->size - 10, buf, 64), 10);
	assert_int_equal(f->ops->read(f, f->size, buf, 64), 0);
	assert_int_equal(f->ops->read(f, UINT64_MAX, buf, 64), 0);
	assert_int_equal(f->ops->write(f, 5, buf, 0), 0);
	/* A far write: the hole costs nothing. */
	uint64_t far = 1ULL << 40;
	uint64_t pages = stats(t).data_pages;

	assert_int_equal(f->ops->write(f, far, "tail", 4), 4);
	assert_int_equal(f->size, far + 4);
	assert_int_equal(stats(t).data_pages, pages + 1);
	assert_int_equal(stats(t).index_pages, 7);
	assert_int_equal(f->ops->read(f, far - 32, buf, 64), 36);
	assert_memory_equal(buf, zero, 32);
	assert_memory_equal(buf + 32, "tail", 4);
	assert_int_equal(f->ops->read(f, far / 2, buf, 64), 64);
	assert_memory_equal(buf, zero, 64);
	assert_int_equal(f->ops->getattr(f, &st), 0);
	assert_int_equal(st.blocks, stats(t).data_pages * 8);
	assert_int_equal(st.size, far + 4);
	assert_int_equal(st.mode, VFS_IFREG | 0644);
	/* The earlier data is still in place after the tree grew. */
	assert_int_equal(f->ops->read(f, 1000, back, sizeof(back)), (int64_t)sizeof(back));
	assert_memory_equal(big, back, sizeof(big));
	/* The file size limit. */
	assert_int_equal(f->ops->write(f, VFS_MAX_FILE_SIZE, "x", 1), -EFBIG);
	assert_int_equal(f->ops->write(f, VFS_MAX_FILE_SIZE - 1, "xyz", 3), 1);
	assert_int_equal(f->size, VFS_MAX_FILE_SIZE);
	assert_int_equal(f->ops->read(f, VFS_MAX_FILE_SIZE - 1, buf, 8), 1);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(f->ops->truncate(f, VFS_MAX_FILE_SIZE + 1), -EFBIG);
	/* Not a regular file. */
	assert_int_equal(r->ops->read(r, 0, buf, 8), -EISDIR);
	assert_int_equal(r->ops->write(r, 0, buf, 8), -EISDIR);
	assert_int_equal(r->ops->truncate(r, 0), -EISDIR);
	assert_int_equal(f->ops->truncate(f, 0), 0);
	assert_int_equal(stats(t).data_pages, 0);
	assert_int_equal(stats(t).index_pages, 0);
	vnode_put(f);
	assert_int_equal(r->ops->unlink(r, "f", 1), 0);
}

static void test_truncate(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *f;
	static char data[3 * VFS_PAGE_SIZE], buf[sizeof(data)];
	struct vfs_setattr sa = {.mask = VFS_SET_SIZE};

	f = mkfile(r, "t");
	memset(data, 'x', sizeof(data));
	assert_int_equal(f->ops->write(f, 0, data, sizeof(data)), (int64_t)sizeof(data));
	assert_int_equal(stats(t).data_pages, 3);
	/* Shrink into the first page: two pages go, the cut tail reads as zeros after growth. */
	t->now += NS;
	assert_int_equal(f->ops->truncate(f, 100), 0);
	assert_int_equal(f->size, 100);
	assert_int_equal(f->mtime_ns, t->now);
	assert_int_equal(stats(t).data_pages, 1);
	assert_int_equal(f->ops->truncate(f, sizeof(data)), 0);
	assert_int_equal(stats(t).data_pages, 1);
	assert_int_equal(f->ops->read(f, 0, buf, sizeof(buf)), (int64_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i < 100 ? 'x' : 0);
	/* Page-aligned cut. */
	assert_int_equal(f->ops->write(f, 0, data, sizeof(data)), (int64_t)sizeof(data));
	assert_int_equal(f->ops->truncate(f, VFS_PAGE_SIZE), 0);
	assert_int_equal(stats(t).data_pages, 1);
	/* Through setattr. */
	sa.size = 10;
	assert_int_equal(f->ops->setattr(f, &sa), 0);
	assert_int_equal(f->size, 10);
	sa.size = 0;
	assert_int_equal(f->ops->setattr(f, &sa), 0);
	assert_int_equal(stats(t).data_pages, 0);
	assert_int_equal(r->ops->setattr(r, &sa), -EISDIR);
	/* Growth makes a hole only. */
	assert_int_equal(f->ops->truncate(f, 1 << 30), 0);
	assert_int_equal(stats(t).data_pages, 0);
	assert_int_equal(f->ops->read(f, 12345, buf, 100), 100);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(buf[i], 0);
	/* Shrinking a deep tree lowers it again. */
	assert_int_equal(f->ops->write(f, (1ULL << 35) + 5, "deep", 4), 4);
	assert_int_equal(f->ops->write(f, 7, "low", 3), 3);
	assert_true(stats(t).index_pages >= 3);
	assert_int_equal(f->ops->truncate(f, 4096), 0);
	assert_int_equal(stats(t).index_pages, 0);
	assert_int_equal(f->ops->read(f, 7, buf, 3), 3);
	assert_memory_equal(buf, "low", 3);
	vnode_put(f);
	assert_int_equal(r->ops->unlink(r, "t", 1), 0);
	assert_int_equal(stats(t).data_pages, 0);
}

static void test_getpage(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *f;
	void *p;
	char buf[4];

	f = mkfile(r, "g");
	assert_int_equal(f->ops->getpage(f, 3, false, &p), 0);
	assert_null(p);
	assert_int_equal(f->ops->getpage(f, 3, true, &p), 0);
	assert_non_null(p);
	for (size_t i = 0; i < VFS_PAGE_SIZE; i++)
		assert_int_equal(((uint8_t *)p)[i], 0);
	assert_int_equal(wr(f, 3 * VFS_PAGE_SIZE + 1, "abc"), 3);
	assert_memory_equal((char *)p + 1, "abc", 3);
	memcpy(p, "Z", 1);
	assert_int_equal(f->ops->read(f, 3 * VFS_PAGE_SIZE, buf, 4), 4);
	assert_memory_equal(buf, "Zabc", 4);
	assert_int_equal(f->ops->getpage(f, VFS_MAX_FILE_SIZE / VFS_PAGE_SIZE, true, &p), -EFBIG);
	assert_int_equal(r->ops->getpage(r, 0, false, &p), -EISDIR);
	vnode_put(f);
	assert_int_equal(r->ops->unlink(r, "g", 1), 0);
}

static void test_symlink_readlink(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *l, *f;
	struct vfs_newattr a = na(0777);
	static char target[VFS_PATH_MAX + 1];
	char buf[16];

	assert_int_equal(r->ops->symlink(r, "l", 1, "some/where", 10, &a, &l), 0);
	assert_int_equal(l->type, VNODE_LNK);
	assert_int_equal(l->size, 10);
	assert_int_equal(l->ops->readlink(l, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "some/where", 10);
	assert_int_equal(l->ops->readlink(l, buf, 4), 4);
	assert_memory_equal(buf, "some", 4);
	assert_int_equal(l->ops->read(l, 0, buf, 4), -EINVAL);
	assert_int_equal(r->ops->symlink(r, "l", 1, "x", 1, &a, NULL), -EEXIST);
	assert_int_equal(r->ops->symlink(r, "e", 1, "", 0, &a, NULL), -ENOENT);
	memset(target, 'a', sizeof(target));
	assert_int_equal(r->ops->symlink(r, "big", 3, target, VFS_PATH_MAX, &a, NULL),
			 -ENAMETOOLONG);
	assert_int_equal(r->ops->symlink(r, "big", 3, target, VFS_PATH_MAX - 1, &a, NULL), 0);
	f = mkfile(r, "f");
	assert_int_equal(f->ops->readlink(f, buf, 4), -EINVAL);
	vnode_put(f);
	/* A symlink unlinked while held keeps its target. */
	assert_int_equal(r->ops->unlink(r, "l", 1), 0);
	assert_int_equal(l->ops->readlink(l, buf, sizeof(buf)), 10);
	vnode_put(l);
	assert_int_equal(r->ops->unlink(r, "big", 3), 0);
	assert_int_equal(r->ops->unlink(r, "f", 1), 0);
	assert_int_equal(stats(t).inodes, 1);
}

static void test_mknod(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *v;
	struct vfs_newattr a = {.mode = VFS_IFCHR | 0666, .rdev = VFS_MKDEV(1, 3)};
	struct vfs_stat st;

	assert_int_equal(r->ops->mknod(r, "null", 4, &a, &v), 0);
	assert_int_equal(v->type, VNODE_CHR);
	assert_int_equal(VFS_MAJOR(v->rdev), 1);
	assert_int_equal(VFS_MINOR(v->rdev), 3);
	assert_int_equal(v->ops->getattr(v, &st), 0);
	assert_int_equal(st.mode, VFS_IFCHR | 0666);
	assert_int_equal(st.rdev, VFS_MKDEV(1, 3));
	assert_int_equal(v->ops->read(v, 0, &st, 1), -EINVAL);
	vnode_put(v);
	a = (struct vfs_newattr){.mode = VFS_IFBLK | 0600, .rdev = VFS_MKDEV(259, 70000)};
	assert_int_equal(r->ops->mknod(r, "blk", 3, &a, &v), 0);
	assert_int_equal(v->type, VNODE_BLK);
	assert_int_equal(VFS_MAJOR(v->rdev), 259);
	assert_int_equal(VFS_MINOR(v->rdev), 70000);
	vnode_put(v);
	a = (struct vfs_newattr){.mode = VFS_IFIFO | 0644, .rdev = 5};
	assert_int_equal(r->ops->mknod(r, "fifo", 4, &a, &v), 0);
	assert_int_equal(v->type, VNODE_FIFO);
	assert_int_equal(v->rdev, 0);
	vnode_put(v);
	a.mode = VFS_IFSOCK | 0644;
	assert_int_equal(r->ops->mknod(r, "sock", 4, &a, NULL), 0);
	a.mode = 0644;
	assert_int_equal(r->ops->mknod(r, "reg", 3, &a, &v), 0);
	assert_int_equal(v->type, VNODE_REG);
	vnode_put(v);
	a.mode = VFS_IFDIR | 0755;
	assert_int_equal(r->ops->mknod(r, "dir", 3, &a, &v), -EPERM);
	a.mode = VFS_IFLNK | 0755;
	assert_int_equal(r->ops->mknod(r, "lnk", 3, &a, &v), -EINVAL);
	a.mode = 0170000 | 0755;
	assert_int_equal(r->ops->mknod(r, "bad", 3, &a, &v), -EINVAL);
	/* Kernel-style major/minor round trip over the whole range. */
	assert_int_equal(VFS_MAJOR(VFS_MKDEV(0xfffff, 0xfffff)), 0xfffff);
	assert_int_equal(VFS_MINOR(VFS_MKDEV(0xfffff, 0xfffff)), 0xfffff);
	assert_int_equal(VFS_MKDEV(8, 1), 0x801);
	for (const char *const *n = (const char *const[]){"null", "blk", "fifo", "sock", "reg", 0};
	     *n; n++)
		assert_int_equal(r->ops->unlink(r, *n, strlen(*n)), 0);
}

static void test_attrs_and_times(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *f, *d;
	struct vfs_newattr a = {.mode = 0600, .uid = 7, .gid = 8};
	struct vfs_setattr sa;
	struct vfs_stat st;
	int64_t t0 = t->now;
	char c;

	assert_int_equal(r->ops->create(r, "f", 1, &a, &f), 0);
	assert_int_equal(f->uid, 7);
	assert_int_equal(f->gid, 8);
	assert_int_equal(f->atime_ns, t0);
	assert_int_equal(r->mtime_ns, t0);
	/* Create and remove touch the directory. */
	t->now += NS;
	d = mkdir_(r, "d");
	assert_int_equal(r->mtime_ns, t->now);
	assert_int_equal(r->ctime_ns, t->now);
	/* write: mtime and ctime. */
	t->now += NS;
	assert_int_equal(wr(f, 0, "data"), 4);
	assert_int_equal(f->mtime_ns, t->now);
	assert_int_equal(f->ctime_ns, t->now);
	/* read, relatime: atime older than mtime moves. */
	t->now += NS;
	assert_int_equal(f->ops->read(f, 0, &c, 1), 1);
	assert_int_equal(f->atime_ns, t->now);
	t->now += NS;
	assert_int_equal(f->ops->read(f, 0, &c, 1), 1);
	assert_int_equal(f->atime_ns, t->now - NS); /* newer than mtime: kept */
	t->now += 86400 * NS;
	assert_int_equal(f->ops->read(f, 0, &c, 1), 1);
	assert_int_equal(f->atime_ns, t->now); /* a day old: moves */
	/* setattr. */
	t->now += NS;
	sa = (struct vfs_setattr){
		.mask = VFS_SET_MODE | VFS_SET_UID | VFS_SET_GID | VFS_SET_ATIME | VFS_SET_MTIME,
		.mode = VFS_IFDIR | 04751,
		.uid = 1,
		.gid = 2,
		.atime_ns = -5 * NS,
		.mtime_ns = 123,
	};
	assert_int_equal(f->ops->setattr(f, &sa), 0);
	assert_int_equal(f->ops->getattr(f, &st), 0);
	assert_int_equal(st.mode, VFS_IFREG | 04751);
	assert_int_equal(st.uid, 1);
	assert_int_equal(st.gid, 2);
	assert_int_equal(st.atime_ns, -5 * NS);
	assert_int_equal(st.mtime_ns, 123);
	assert_int_equal(st.ctime_ns, t->now);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(st.dev, 1);
	assert_int_equal(st.blksize, VFS_PAGE_SIZE);
	assert_int_equal(st.ino, f->ino);
	sa = (struct vfs_setattr){
		.mask = VFS_SET_ATIME_NOW | VFS_SET_MTIME_NOW | VFS_SET_CTIME,
		.ctime_ns = 77,
	};
	t->now += NS;
	assert_int_equal(f->ops->setattr(f, &sa), 0);
	assert_int_equal(f->atime_ns, t->now);
	assert_int_equal(f->mtime_ns, t->now);
	assert_int_equal(f->ctime_ns, 77);
	/* Directory attributes: nlink and a size that grows with entries. */
	assert_int_equal(d->ops->getattr(d, &st), 0);
	assert_int_equal(st.mode, VFS_IFDIR | 0755);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(st.blocks, 0);
	assert_true(r->size > d->size);
	/* inode numbers are unique. */
	assert_int_not_equal(f->ino, d->ino);
	assert_int_not_equal(f->ino, r->ino);
	vnode_put(f);
	vnode_put(d);
	assert_int_equal(r->ops->unlink(r, "f", 1), 0);
	assert_int_equal(r->ops->rmdir(r, "d", 1), 0);
}

/* ---- readdir ---- */

static void test_readdir_basic(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *d, *f, *s;
	struct tdir *l = calloc(1, sizeof(*l));
	uint64_t cookie = 0;

	d = mkdir_(r, "d");
	f = mkfile(d, "file");
	s = mkdir_(d, "sub");
	tdir_list(d, l);
	assert_int_equal(l->n, 4);
	assert_string_equal(l->names[0], ".");
	assert_int_equal(l->inos[0], d->ino);
	assert_string_equal(l->names[1], "..");
	assert_int_equal(l->inos[1], r->ino);
	assert_string_equal(l->names[2], "file");
	assert_int_equal(l->types[2], VNODE_REG);
	assert_int_equal(l->inos[2], f->ino);
	assert_string_equal(l->names[3], "sub");
	assert_int_equal(l->types[3], VNODE_DIR);
	/* One entry per call, resuming from the cookie. */
	memset(l, 0, sizeof(*l));
	l->stop_after = 1;
	for (int i = 0; i < 10; i++) {
		l->taken = 0;
		assert_int_equal(d->ops->readdir(d, &cookie, tdir_fill, l), 0);
	}
	assert_int_equal(l->n, 4);
	assert_string_equal(l->names[3], "sub");
	/* Past the end: nothing, and the cookie stays. */
	l->taken = 0;
	assert_int_equal(d->ops->readdir(d, &cookie, tdir_fill, l), 0);
	assert_int_equal(l->n, 4);
	/* Root's ".." is itself. */
	tdir_list(r, l);
	assert_int_equal(l->inos[1], r->ino);
	assert_int_equal(f->ops->readdir(f, &cookie, tdir_fill, l), -ENOTDIR);
	vnode_put(f);
	vnode_put(s);
	assert_int_equal(d->ops->unlink(d, "file", 4), 0);
	assert_int_equal(d->ops->rmdir(d, "sub", 3), 0);
	vnode_put(d);
	assert_int_equal(r->ops->rmdir(r, "d", 1), 0);
	free(l);
}

/* Many entries, a listing interrupted by deletions and additions: every entry that exists
 * throughout shows up exactly once, deleted ones that were not reached do not show up. */
static void test_readdir_stable(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *d;
	struct tdir *l = calloc(1, sizeof(*l));
	enum { N = 3000 };
	static bool seen[N], deleted[N];
	uint64_t cookie = 0;
	char name[32];

	memset(seen, 0, sizeof(seen));
	memset(deleted, 0, sizeof(deleted));
	d = mkdir_(r, "big");
	for (int i = 0; i < N; i++) {
		struct vnode *v;

		snprintf(name, sizeof(name), "entry-%d", i);
		v = mkfile(d, name);
		vnode_put(v);
	}
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "entry-%d", i);
		assert_true(exists(d, name));
	}
	l->stop_after = 50;
	for (int round = 0;; round++) {
		size_t before = l->n;

		l->taken = 0;
		assert_int_equal(d->ops->readdir(d, &cookie, tdir_fill, l), 0);
		if (l->n == before)
			break;
		/* Delete some entries ahead and behind, add new ones (which may or may not show).
		 */
		for (int k = 0; k < 7; k++) {
			int victim = (round * 977 + k * 331) % N;

			snprintf(name, sizeof(name), "entry-%d", victim);
			if (!deleted[victim]) {
				assert_int_equal(d->ops->unlink(d, name, strlen(name)), 0);
				deleted[victim] = true;
			}
		}
		if (round < 20) {
			snprintf(name, sizeof(name), "new-%d", round);
			vnode_put(mkfile(d, name));
		}
	}
	for (size_t i = 2; i < l->n; i++) {
		int idx;

		if (!strncmp(l->names[i], "new-", 4))
			continue;
		assert_int_equal(sscanf(l->names[i], "entry-%d", &idx), 1);
		assert_false(seen[idx]);
		seen[idx] = true;
	}
	for (int i = 0; i < N; i++) {
		if (!deleted[i])
			assert_true(seen[i]);
	}
	/* Clean up everything; the directory's tables shrink back to nothing to free. */
	tdir_list(d, l);
	for (size_t i = 2; i < l->n; i++)
		assert_int_equal(d->ops->unlink(d, l->names[i], strlen(l->names[i])), 0);
	tdir_list(d, l);
	assert_int_equal(l->n, 2);
	vnode_put(d);
	assert_int_equal(r->ops->rmdir(r, "big", 3), 0);
	free(l);
}

/* Random creates and removes against a model; readdir and lookup must agree with it. */
static void test_dir_model(void **state)
{
	struct tenv *t = *state;
	struct vnode *r = root_of(t), *d;
	struct tdir *l = calloc(1, sizeof(*l));
	enum { SLOTS = 400 };
	static bool present[SLOTS];
	uint64_t rng = 88172645463325252ULL;
	char name[32];

	memset(present, 0, sizeof(present));
	d = mkdir_(r, "m");
	for (int op = 0; op < 20000; op++) {
		int i;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		i = (int)(rng % SLOTS);
		snprintf(name, sizeof(name), "n%d", i);
		if (present[i]) {
			assert_int_equal(d->ops->unlink(d, name, strlen(name)), 0);
		} else {
			struct vfs_newattr a = na(0644);

			assert_int_equal(d->ops->create(d, name, strlen(name), &a, NULL), 0);
		}
		present[i] = !present[i];
		if (op % 997 == 0) {
			size_t count = 0;

			tdir_list(d, l);
			for (int k = 0; k < SLOTS; k++) {
				snprintf(name, sizeof(name), "n%d", k);
				assert_int_equal(tdir_find(l, name) >= 0, present[k]);
				assert_int_equal(exists(d, name), present[k]);
				count += present[k];
			}
			assert_int_equal(l->n, count + 2);
		}
	}
	for (int k = 0; k < SLOTS; k++) {
		snprintf(name, sizeof(name), "n%d", k);
		if (present[k])
			assert_int_equal(d->ops->unlink(d, name, strlen(name)), 0);
	}
	vnode_put(d);
	assert_int_equal(r->ops->rmdir(r, "m", 1), 0);
	free(l);
}

/* ---- Limits ---- */

static void test_enospc(void **state)
{
	struct tenv *t = tenv_setup(8 * VFS_PAGE_SIZE, 5);
	struct vnode *r = root_of(t), *f, *g;
	static char data[10 * VFS_PAGE_SIZE];
	struct vfs_statfs sfs;

	(void)state;
	memset(data, 'd', sizeof(data));
	f = mkfile(r, "f");
	/* 10 pages asked, 8 fit: a short write. */
	assert_int_equal(f->ops->write(f, 0, data, sizeof(data)), 8 * VFS_PAGE_SIZE);
	assert_int_equal(f->size, 8 * VFS_PAGE_SIZE);
	assert_int_equal(f->ops->write(f, f->size, data, 1), -ENOSPC);
	/* Overwriting held pages needs no space. */
	assert_int_equal(f->ops->write(f, 0, data, 8 * VFS_PAGE_SIZE), 8 * VFS_PAGE_SIZE);
	/* A write into a hole far away fails without leaving index pages behind. */
	assert_int_equal(f->ops->write(f, 1ULL << 36, data, 1), -ENOSPC);
	assert_int_equal(stats(t).index_pages, 1);
	assert_int_equal(r->mount->ops->statfs(r->mount, &sfs), 0);
	assert_int_equal(sfs.blocks, 8);
	assert_int_equal(sfs.bfree, 0);
	assert_int_equal(sfs.files, 5);
	assert_int_equal(sfs.ffree, 3);
	assert_int_equal(sfs.namelen, 255);
	/* Freeing makes room. */
	assert_int_equal(f->ops->truncate(f, 2 * VFS_PAGE_SIZE), 0);
	g = mkfile(r, "g");
	assert_int_equal(g->ops->write(g, 0, data, 6 * VFS_PAGE_SIZE), 6 * VFS_PAGE_SIZE);
	assert_int_equal(g->ops->write(g, 6 * VFS_PAGE_SIZE, data, 1), -ENOSPC);
	/* Inodes: 5 at most (the root is one). */
	vnode_put(mkdir_(r, "x"));
	{
		struct vfs_newattr a = na(0644);

		assert_int_equal(r->ops->create(r, "y", 1, &a, NULL), 0);
		assert_int_equal(r->ops->create(r, "z", 1, &a, NULL), -ENOSPC);
		assert_int_equal(r->ops->mkdir(r, "z", 1, &a, NULL), -ENOSPC);
		assert_int_equal(r->ops->symlink(r, "z", 1, "t", 1, &a, NULL), -ENOSPC);
	}
	assert_false(exists(r, "z"));
	vnode_put(f);
	vnode_put(g);
	tenv_teardown(t);
}

static void test_deep_tree_destroy(void **state)
{
	struct tenv *t = tenv_setup(0, 0);
	struct vnode *cur = vnode_get(root_of(t));

	(void)state;
	/* Far deeper than any recursion could go on a kernel stack. */
	for (int i = 0; i < 20000; i++) {
		struct vnode *n = mkdir_(cur, "d");

		vnode_put(cur);
		cur = n;
	}
	vnode_put(mkfile(cur, "leaf"));
	vnode_put(cur);
	assert_int_equal(stats(t).inodes, 20002);
	tenv_teardown(t); /* checks that everything was freed */
}

/* The ops of one scripted sequence; each retried until it succeeds. Returns failed tries. */
static long alloc_script(struct tenv *t)
{
	struct vnode *r = root_of(t), *d = NULL, *f = NULL;
	struct vfs_newattr a = na(0755);
	static char data[2 * VFS_PAGE_SIZE];
	long failures = 0;
	int64_t n;
	int err;

	/* A failed attempt must change nothing. */
	while ((err = r->ops->mkdir(r, "d", 1, &a, &d))) {
		assert_int_equal(err, -ENOMEM);
		assert_false(exists(r, "d"));
		assert_int_equal(r->nlink, 2);
		failures++;
	}
	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		while ((err = d->ops->create(d, name, strlen(name), &a, NULL))) {
			assert_int_equal(err, -ENOMEM);
			assert_false(exists(d, name));
			failures++;
		}
	}
	while ((err = d->ops->symlink(d, "s", 1, "target", 6, &a, NULL))) {
		assert_int_equal(err, -ENOMEM);
		assert_false(exists(d, "s"));
		failures++;
	}
	assert_int_equal(lookup(d, "f1", &f), 0);
	/* A write that runs out of memory midway is short. */
	while ((n = f->ops->write(f, 100, data, sizeof(data))) != (int64_t)sizeof(data)) {
		assert_true(n == -ENOMEM || (n > 0 && n < (int64_t)sizeof(data)));
		failures++;
	}
	while ((err = d->ops->link(d, "f1-link", 7, f))) {
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(f->nlink, 1);
		failures++;
	}
	while ((err = d->ops->rename(d, "f2", 2, r, "moved", 5, 0))) {
		assert_int_equal(err, -ENOMEM);
		assert_true(exists(d, "f2"));
		assert_false(exists(r, "moved"));
		failures++;
	}
	assert_int_equal(f->nlink, 2);
	vnode_put(f);
	vnode_put(d);
	return failures;
}

/*
 * Each allocation of the script fails once in turn: the op fails cleanly and nothing leaks.
 * A failed hash table growth is not an error (chains get longer), so not every failure shows.
 */
static void test_alloc_failures(void **state)
{
	struct tenv *t = tenv_setup(0, 0);
	long base, total, seen = 0;

	(void)state;
	base = t->allocs_total;
	assert_int_equal(alloc_script(t), 0);
	total = t->allocs_total - base;
	tenv_teardown(t);
	assert_true(total > 30);
	for (long fail = 0; fail < total; fail++) {
		long n;

		t = tenv_setup(0, 0);
		t->fail_once = fail;
		n = alloc_script(t);
		assert_true(n <= 1);
		seen += n;
		tenv_teardown(t);
	}
	assert_true(seen >= total * 3 / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_lookup, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rmdir, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_unlink_while_open, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_link, tenv_group_setup, tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_rename_files, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_rename_dirs, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_read_write_holes, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_truncate, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_getpage, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_symlink_readlink, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_mknod, tenv_group_setup, tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_attrs_and_times, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_readdir_basic, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_readdir_stable, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test_setup_teardown(test_dir_model, tenv_group_setup,
						tenv_group_teardown),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_deep_tree_destroy),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests_name("ramfs", tests, NULL, NULL);
}
