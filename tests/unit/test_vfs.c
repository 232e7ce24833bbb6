/* Host unit tests for the VFS path layer (vmkernel/fs/vfs_path.c): walks, mounts, permissions. */
#include "vfs_fixture.h"

static struct vnode *root_of(struct tenv *t)
{
	return t->root_mnt->root;
}

/* Walk must succeed and give the vnode reached by expect. */
static void walk_is(struct tenv *t, const char *path, unsigned flags, const char *expect)
{
	struct vnode *a, *b;
	int err;

	a = tenv_walk(t, path, flags, &err);
	if (err)
		fail_msg("walk \"%s\": %d", path, err);
	b = tenv_walk(t, expect, VFS_WALK_NOFOLLOW, &err);
	if (err)
		fail_msg("walk \"%s\": %d", expect, err);
	if (a != b)
		fail_msg("walk \"%s\" reached ino %llu, \"%s\" is ino %llu", path,
			 (unsigned long long)a->ino, expect, (unsigned long long)b->ino);
	vnode_put(a);
	vnode_put(b);
}

static int walk_err(struct tenv *t, const char *path, unsigned flags)
{
	struct vnode *v;
	int err = vfs_walk(&t->ctx, NULL, path, flags, &v);

	if (!err)
		vnode_put(v);
	else
		assert_null(v);
	return err;
}

static void mkdirs(struct tenv *t, const char *const *paths)
{
	for (; *paths; paths++)
		assert_int_equal(vfs_mkdir(&t->ctx, NULL, *paths, 0755), 0);
}

/* /a/b/c, /a/f (file "hello"), /d, symlinks /a/up -> .., /abs -> /a/b, /rel -> a/b/c */
static void build_tree(struct tenv *t)
{
	mkdirs(t, (const char *const[]){"/a", "/a/b", "/a/b/c", "/d", NULL});
	tenv_put_file(t, "/a/f", "hello", 5);
	assert_int_equal(vfs_symlink(&t->ctx, "..", NULL, "/a/up"), 0);
	assert_int_equal(vfs_symlink(&t->ctx, "/a/b", NULL, "/abs"), 0);
	assert_int_equal(vfs_symlink(&t->ctx, "a/b/c", NULL, "/rel"), 0);
	assert_int_equal(vfs_symlink(&t->ctx, "f", NULL, "/a/flink"), 0);
	assert_int_equal(vfs_symlink(&t->ctx, "nowhere", NULL, "/dangling"), 0);
}

static void test_walk_basic(void **state)
{
	struct tenv *t = *state;
	struct vnode *v, *a;

	build_tree(t);
	walk_is(t, "/", 0, "/");
	walk_is(t, "///", 0, "/");
	walk_is(t, "/a//b///c", 0, "/a/b/c");
	walk_is(t, "/a/./b/./c/.", 0, "/a/b/c");
	walk_is(t, "/a/b/c/../..", 0, "/a");
	walk_is(t, "/..", 0, "/");
	walk_is(t, "/../../a", 0, "/a");
	walk_is(t, "a/b", 0, "/a/b");
	walk_is(t, ".", 0, "/");
	walk_is(t, "a/b/c/", 0, "/a/b/c");
	walk_is(t, "a/b/c/////", 0, "/a/b/c");
	/* Relative to a base (openat). */
	a = tenv_walk(t, "/a", 0, &(int){0});
	assert_int_equal(vfs_walk(&t->ctx, a, "b/c", 0, &v), 0);
	vnode_put(v);
	assert_int_equal(vfs_walk(&t->ctx, a, "", VFS_WALK_EMPTY_PATH, &v), 0);
	assert_ptr_equal(v, a);
	vnode_put(v);
	assert_int_equal(vfs_walk(&t->ctx, a, "/d", 0, &v), 0); /* absolute ignores base */
	vnode_put(v);
	vnode_put(a);
	/* Errors. */
	assert_int_equal(walk_err(t, "", 0), -ENOENT);
	assert_int_equal(walk_err(t, "/nope", 0), -ENOENT);
	assert_int_equal(walk_err(t, "/a/nope/c", 0), -ENOENT);
	assert_int_equal(walk_err(t, "/a/f/x", 0), -ENOTDIR);
	assert_int_equal(walk_err(t, "/a/f/", 0), -ENOTDIR);
	assert_int_equal(walk_err(t, "/a/f/.", 0), -ENOTDIR);
	assert_int_equal(walk_err(t, "/a/f/..", 0), -ENOTDIR);
	assert_int_equal(walk_err(t, "/a/f", VFS_WALK_DIRECTORY), -ENOTDIR);
	assert_int_equal(walk_err(t, "/a/f", 0), 0);
	assert_int_equal(walk_err(t, "/a", VFS_WALK_DIRECTORY), 0);
}

static void test_walk_symlinks(void **state)
{
	struct tenv *t = *state;
	struct vnode *v;
	int err;

	build_tree(t);
	walk_is(t, "/abs", 0, "/a/b");
	walk_is(t, "/abs/c", 0, "/a/b/c");
	walk_is(t, "/rel", 0, "/a/b/c");
	walk_is(t, "/rel/..", 0, "/a/b");
	walk_is(t, "/a/up", 0, "/");
	walk_is(t, "/a/up/a/up/d", 0, "/d");
	walk_is(t, "/a/flink", 0, "/a/f");
	/* The last component: not followed with NOFOLLOW, unless a slash follows it. */
	v = tenv_walk(t, "/abs", VFS_WALK_NOFOLLOW, &err);
	assert_int_equal(err, 0);
	assert_int_equal(v->type, VNODE_LNK);
	vnode_put(v);
	walk_is(t, "/abs/", VFS_WALK_NOFOLLOW, "/a/b");
	walk_is(t, "/abs/.", VFS_WALK_NOFOLLOW, "/a/b");
	assert_int_equal(walk_err(t, "/a/flink/", 0), -ENOTDIR);
	assert_int_equal(walk_err(t, "/dangling", 0), -ENOENT);
	assert_int_equal(walk_err(t, "/dangling", VFS_WALK_NOFOLLOW), 0);
	assert_int_equal(walk_err(t, "/dangling/x", 0), -ENOENT);
	/* Loops. */
	assert_int_equal(vfs_symlink(&t->ctx, "loop2", NULL, "/loop1"), 0);
	assert_int_equal(vfs_symlink(&t->ctx, "loop1", NULL, "/loop2"), 0);
	assert_int_equal(vfs_symlink(&t->ctx, "self/x", NULL, "/self"), 0);
	assert_int_equal(walk_err(t, "/loop1", 0), -ELOOP);
	assert_int_equal(walk_err(t, "/loop1/x", 0), -ELOOP);
	assert_int_equal(walk_err(t, "/self", 0), -ELOOP);
	assert_int_equal(walk_err(t, "/loop1", VFS_WALK_NOFOLLOW), 0);
	/* A chain of exactly 40 links resolves, 41 do not. */
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/chain", 0755), 0);
	assert_int_equal(vfs_symlink(&t->ctx, "/a/b", NULL, "/chain/l0"), 0);
	for (int i = 1; i <= 40; i++) {
		char name[32], target[32];

		snprintf(name, sizeof(name), "/chain/l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		assert_int_equal(vfs_symlink(&t->ctx, target, NULL, name), 0);
	}
	walk_is(t, "/chain/l39", 0, "/a/b");
	walk_is(t, "/chain/l39/c", 0, "/a/b/c");
	assert_int_equal(walk_err(t, "/chain/l40", 0), -ELOOP);
	/* Links in several components add up. */
	assert_int_equal(walk_err(t, "/chain/l20/../../chain/l20", 0), -ELOOP);
	walk_is(t, "/chain/l10/../../chain/l10", 0, "/a/b");
}

static void test_walk_name_limits(void **state)
{
	struct tenv *t = *state;
	static char path[VFS_PATH_MAX + 10], target[VFS_PATH_MAX];
	size_t n;

	/* A 255-byte component is fine (ENOENT), 256 is too long. */
	path[0] = '/';
	memset(path + 1, 'x', 255);
	path[256] = '\0';
	assert_int_equal(walk_err(t, path, 0), -ENOENT);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, path, 0755), 0);
	assert_int_equal(walk_err(t, path, 0), 0);
	path[256] = 'x';
	path[257] = '\0';
	assert_int_equal(walk_err(t, path, 0), -ENAMETOOLONG);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, path, 0755), -ENAMETOOLONG);
	/* Paths: 4095 bytes of slashes and dots are walkable, 4096 are not. */
	memset(path, '/', VFS_PATH_MAX - 1);
	path[VFS_PATH_MAX - 1] = '\0';
	assert_int_equal(walk_err(t, path, 0), 0);
	for (n = 0; n + 2 <= VFS_PATH_MAX - 1; n += 2)
		memcpy(path + n, "./", 2);
	assert_int_equal(walk_err(t, path, 0), 0);
	memset(path, '/', VFS_PATH_MAX);
	path[VFS_PATH_MAX] = '\0';
	assert_int_equal(walk_err(t, path, 0), -ENAMETOOLONG);
	/* An expansion that outgrows the buffer. */
	memset(target, '/', 3000);
	target[3000] = '\0';
	assert_int_equal(vfs_symlink(&t->ctx, target, NULL, "/big"), 0);
	walk_is(t, "/big", 0, "/");
	memset(path, '/', 2000);
	memcpy(path, "/big", 4);
	path[2000] = '\0';
	assert_int_equal(walk_err(t, path, 0), -ENAMETOOLONG);
}

static void test_walk_chroot(void **state)
{
	struct tenv *t = *state;
	struct vnode *jail, *saved_root = t->ctx.root, *saved_cwd = t->ctx.cwd;

	build_tree(t);
	jail = tenv_walk(t, "/a", 0, &(int){0});
	t->ctx.root = jail;
	t->ctx.cwd = jail;
	/* ".." and absolute symlinks stay inside. */
	assert_int_equal(vfs_symlink(&t->ctx, "/b", NULL, "/jlink"), 0);
	walk_is(t, "/", 0, "/");
	walk_is(t, "/..", 0, "/");
	walk_is(t, "../../..", 0, "/");
	walk_is(t, "/b/c/../../..", 0, "/");
	walk_is(t, "up", 0, "/"); /* a/up -> .. */
	walk_is(t, "up/b", 0, "/b");
	walk_is(t, "jlink/c", 0, "/b/c");
	assert_int_equal(walk_err(t, "/a", 0), -ENOENT);
	t->ctx.root = saved_root;
	t->ctx.cwd = saved_cwd;
	/* Outside the jail the same link resolves against the real root. */
	assert_int_equal(walk_err(t, "/a/jlink", 0), -ENOENT);
	walk_is(t, "/abs", 0, "/a/b");
	vnode_put(jail);
}

static void test_walk_parent(void **state)
{
	struct tenv *t = *state;
	struct vfs_name last;
	struct vnode *dir, *v;

	build_tree(t);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/a/b/new", 0, &dir, &last), 0);
	assert_string_equal(last.name, "new");
	assert_int_equal(last.len, 3);
	assert_false(last.trailing_slash);
	v = tenv_walk(t, "/a/b", 0, &(int){0});
	assert_ptr_equal(dir, v);
	vnode_put(v);
	vnode_put(dir);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/a/b//", 0, &dir, &last), 0);
	assert_string_equal(last.name, "b");
	assert_true(last.trailing_slash);
	vnode_put(dir);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/", 0, &dir, &last), 0);
	assert_string_equal(last.name, ".");
	assert_ptr_equal(dir, root_of(t));
	vnode_put(dir);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "x", 0, &dir, &last), 0);
	assert_string_equal(last.name, "x");
	assert_ptr_equal(dir, root_of(t));
	vnode_put(dir);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/a/..", 0, &dir, &last), 0);
	assert_string_equal(last.name, "..");
	vnode_put(dir);
	/* The last component is not followed, intermediate ones are. */
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/abs", 0, &dir, &last), 0);
	assert_ptr_equal(dir, root_of(t));
	assert_string_equal(last.name, "abs");
	vnode_put(dir);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/abs/c/n", 0, &dir, &last), 0);
	v = tenv_walk(t, "/a/b/c", 0, &(int){0});
	assert_ptr_equal(dir, v);
	vnode_put(v);
	vnode_put(dir);
	/* PARENT_FOLLOW follows an existing last symlink, even a dangling one. */
	assert_int_equal(
		vfs_walk_parent(&t->ctx, NULL, "/dangling", VFS_WALK_PARENT_FOLLOW, &dir, &last),
		0);
	assert_ptr_equal(dir, root_of(t));
	assert_string_equal(last.name, "nowhere");
	vnode_put(dir);
	assert_int_equal(
		vfs_walk_parent(&t->ctx, NULL, "/abs", VFS_WALK_PARENT_FOLLOW, &dir, &last), 0);
	assert_string_equal(last.name, "b");
	vnode_put(dir);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/nope/x", 0, &dir, &last), -ENOENT);
	assert_null(dir);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/a/f/x", 0, &dir, &last), -ENOTDIR);
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "", 0, &dir, &last), -ENOENT);
	/* vfs_lookup. */
	assert_int_equal(vfs_lookup(&t->ctx, root_of(t), "a", 1, &v), 0);
	assert_int_equal(vfs_lookup(&t->ctx, v, "..", 2, &dir), 0);
	assert_ptr_equal(dir, root_of(t));
	vnode_put(dir);
	vnode_put(v);
	assert_int_equal(vfs_lookup(&t->ctx, root_of(t), "zz", 2, &v), -ENOENT);
}

/* ---- Mounts ---- */

static void test_mounts(void **state)
{
	struct tenv *t = *state;
	struct mount *m1 = tenv_ramfs(t, 0, 0, 2), *m2 = tenv_ramfs(t, 0, 0, 3);
	struct vnode *mnt, *v, *under;
	struct vfs_stat st;
	int err;

	mkdirs(t, (const char *const[]){"/mnt", "/mnt/hidden", "/other", NULL});
	mnt = tenv_walk(t, "/mnt", 0, &err);
	assert_int_equal(vfs_mount_attach(m1, mnt, 0), 0);
	assert_int_equal(mnt->mounted_here, m1);
	assert_int_equal(vfs_mount_attach(m2, mnt, 0), -EBUSY);
	/* Crossing down: /mnt is m1's root now, its old contents are hidden. */
	v = tenv_walk(t, "/mnt", 0, &err);
	assert_ptr_equal(v, m1->root);
	assert_int_equal(v->ops->getattr(v, &st), 0);
	assert_int_equal(st.dev, 2);
	vnode_put(v);
	assert_int_equal(walk_err(t, "/mnt/hidden", 0), -ENOENT);
	mkdirs(t, (const char *const[]){"/mnt/in", "/mnt/in/deep", NULL});
	tenv_put_file(t, "/mnt/in/file", "m1", 2);
	/* Up again: ".." at the mount root goes to the covered vnode's parent. */
	walk_is(t, "/mnt/..", 0, "/");
	walk_is(t, "/mnt/in/deep/../../../other", 0, "/other");
	walk_is(t, "/mnt/in/../../mnt/in", 0, "/mnt/in");
	/* Stacked: m2 on m1's root (what a walk of /mnt returns). */
	v = tenv_walk(t, "/mnt", 0, &err);
	assert_int_equal(vfs_mount_attach(m2, v, 0), 0);
	vnode_put(v);
	assert_int_equal(walk_err(t, "/mnt/in", 0), -ENOENT);
	mkdirs(t, (const char *const[]){"/mnt/top", NULL});
	walk_is(t, "/mnt/top/..", 0, "/mnt");
	walk_is(t, "/mnt/top/../..", 0, "/");
	walk_is(t, "/mnt/top/../../mnt/top", 0, "/mnt/top");
	/* Cross-mount link and rename: EXDEV. */
	assert_int_equal(vfs_link(&t->ctx, NULL, "/other", NULL, "/mnt/x", false), -EPERM);
	tenv_put_file(t, "/rootfile", "r", 1);
	assert_int_equal(vfs_link(&t->ctx, NULL, "/rootfile", NULL, "/mnt/x", false), -EXDEV);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/rootfile", NULL, "/mnt/x", 0), -EXDEV);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/mnt/top", NULL, "/top", 0), -EXDEV);
	/* Mount points are busy. */
	assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/mnt"), -EBUSY);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/mnt", NULL, "/mnt2", 0), -EBUSY);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/other", NULL, "/mnt", 0), -EBUSY);
	/* Unmount order: m1 has m2 on it; a held vnode keeps a mount busy. */
	assert_int_equal(vfs_umount(m1), -EBUSY);
	v = tenv_walk(t, "/mnt/top", 0, &err);
	assert_int_equal(vfs_umount(m2), -EBUSY);
	vnode_put(v);
	assert_int_equal(vfs_umount(m2), 0);
	free(m2);
	walk_is(t, "/mnt/in/deep/../..", 0, "/mnt");
	walk_is(t, "/mnt/in/deep/../../..", 0, "/");
	assert_int_equal(walk_err(t, "/mnt/top", 0), -ENOENT);
	assert_int_equal(walk_err(t, "/mnt/in/file", 0), 0);
	under = tenv_walk(t, "/mnt/in", 0, &err);
	assert_int_equal(vfs_umount(m1), -EBUSY);
	vnode_put(under);
	tenv_umount(m1);
	assert_null(mnt->mounted_here);
	walk_is(t, "/mnt/hidden/..", 0, "/mnt");
	assert_int_equal(walk_err(t, "/mnt/hidden", 0), 0);
	vnode_put(mnt);
	assert_int_equal(root_of(t)->mount->nchildren, 0);
}

static void test_mount_flags(void **state)
{
	struct tenv *t = *state;
	struct mount *m = tenv_ramfs(t, 0, 0, 2);
	struct vnode *mnt, *v;
	struct vfs_setattr sa = {.mask = VFS_SET_MODE, .mode = 0700};
	int err;

	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/ro", 0755), 0);
	mnt = tenv_walk(t, "/ro", 0, &err);
	/* Fill it before it goes read-only (directly through the ops). */
	{
		struct vfs_newattr a = {.mode = 0644};

		assert_int_equal(m->root->ops->create(m->root, "f", 1, &a, &v), 0);
		assert_int_equal(v->ops->write(v, 0, "ro", 2), 2);
		vnode_put(v);
		a.mode = VFS_IFCHR | 0666;
		a.rdev = VFS_MKDEV(1, 3);
		assert_int_equal(m->root->ops->mknod(m->root, "null", 4, &a, NULL), 0);
	}
	assert_int_equal(vfs_mount_attach(m, mnt, VFS_MNT_RDONLY | VFS_MNT_NODEV), 0);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/ro/d", 0755), -EROFS);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/ro/f", 0755), -EEXIST);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/ro/f"), -EROFS);
	assert_int_equal(vfs_symlink(&t->ctx, "x", NULL, "/ro/l"), -EROFS);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/ro/f", VFS_O_RDWR, 0, &v), -EROFS);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/ro/f", VFS_O_RDONLY | VFS_O_TRUNC, 0, &v),
			 -EROFS);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/ro/g", VFS_O_CREAT | VFS_O_WRONLY, 0644, &v),
			 -EROFS);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/ro/f", VFS_O_RDONLY, 0, &v), 0);
	assert_int_equal(vfs_setattr_prepare(v, NULL, &sa), -EROFS);
	vnode_put(v);
	/* nodev: device nodes cannot be opened. */
	assert_int_equal(vfs_open(&t->ctx, NULL, "/ro/null", VFS_O_RDONLY, 0, &v), -EACCES);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/ro/null", VFS_O_PATH, 0, &v), 0);
	vnode_put(v);
	vnode_put(mnt);
	tenv_umount(m);
}

/* ---- Permissions ---- */

static void test_permission_rules(void **state)
{
	struct tenv *t = *state;
	struct vnode v = {.type = VNODE_REG, .mode = 0640, .uid = 100, .gid = 200};
	uint32_t groups[] = {300, 200};
	struct vfs_cred owner = {.uid = 100, .gid = 1};
	struct vfs_cred member = {.uid = 101, .gid = 1, .groups = groups, .ngroups = 2};
	struct vfs_cred other = {.uid = 102, .gid = 1};
	struct vfs_cred root = {.uid = 0, .gid = 0};

	(void)t;
	assert_int_equal(vfs_permission(&v, &owner, VFS_MAY_READ | VFS_MAY_WRITE), 0);
	assert_int_equal(vfs_permission(&v, &owner, VFS_MAY_EXEC), -EACCES);
	assert_int_equal(vfs_permission(&v, &member, VFS_MAY_READ), 0);
	assert_int_equal(vfs_permission(&v, &member, VFS_MAY_WRITE), -EACCES);
	assert_int_equal(vfs_permission(&v, &other, VFS_MAY_READ), -EACCES);
	assert_int_equal(vfs_permission(&v, NULL, VFS_MAY_READ | VFS_MAY_WRITE | VFS_MAY_EXEC), 0);
	/* Root: read and write anything, execute only with some x bit. */
	assert_int_equal(vfs_permission(&v, &root, VFS_MAY_READ | VFS_MAY_WRITE), 0);
	assert_int_equal(vfs_permission(&v, &root, VFS_MAY_EXEC), -EACCES);
	v.mode = 0001;
	assert_int_equal(vfs_permission(&v, &root, VFS_MAY_EXEC), 0);
	/* The owner class decides even when "other" would allow. */
	v.mode = 0007;
	assert_int_equal(vfs_permission(&v, &owner, VFS_MAY_READ), -EACCES);
	assert_int_equal(vfs_permission(&v, &member, VFS_MAY_READ), -EACCES);
	assert_int_equal(vfs_permission(&v, &other, VFS_MAY_READ), 0);
	/* Directories: root searches any. */
	v.type = VNODE_DIR;
	v.mode = 0;
	assert_int_equal(vfs_permission(&v, &root, VFS_MAY_EXEC), 0);
	assert_true(vfs_in_group(&member, 300));
	assert_false(vfs_in_group(&other, 300));
}

static void test_walk_permissions(void **state)
{
	struct tenv *t = *state;
	struct vnode *v;

	build_tree(t);
	mkdirs(t, (const char *const[]){"/priv", "/priv/sub", "/noread", "/noread/in", NULL});
	{
		struct vfs_setattr sa = {.mask = VFS_SET_MODE, .mode = 0700};
		struct vnode *p = tenv_walk(t, "/priv", 0, &(int){0});

		assert_int_equal(p->ops->setattr(p, &sa), 0);
		vnode_put(p);
		p = tenv_walk(t, "/noread", 0, &(int){0});
		sa.mode = 0711;
		assert_int_equal(p->ops->setattr(p, &sa), 0);
		vnode_put(p);
	}
	tenv_user(t, 1000, 1000, NULL, 0);
	assert_int_equal(walk_err(t, "/priv/sub", 0), -EACCES);
	assert_int_equal(walk_err(t, "/priv/..", 0), -EACCES);
	assert_int_equal(walk_err(t, "/priv", 0), 0);	   /* the dir itself needs no search */
	assert_int_equal(walk_err(t, "/noread/in", 0), 0); /* search without read */
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/a/x", 0755), -EACCES);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/a/b", 0755), -EEXIST);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/a/f"), -EACCES);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/f", VFS_O_WRONLY, 0, &v), -EACCES);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/f", VFS_O_RDONLY, 0, &v), 0);
	vnode_put(v);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/new", VFS_O_CREAT | VFS_O_WRONLY, 0644, &v),
			 -EACCES);
	/* The owner of a directory may create there; root may everywhere. */
	tenv_kernel(t);
	{
		struct vfs_setattr sa = {.mask = VFS_SET_UID, .uid = 1000};

		v = tenv_walk(t, "/d", 0, &(int){0});
		assert_int_equal(v->ops->setattr(v, &sa), 0);
		vnode_put(v);
	}
	tenv_user(t, 1000, 1000, NULL, 0);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/d/mine", VFS_O_CREAT | VFS_O_WRONLY, 0600, &v),
			 0);
	assert_int_equal(v->uid, 1000);
	assert_int_equal(v->gid, 1000);
	assert_int_equal(v->mode, 0600);
	vnode_put(v);
	tenv_user(t, 0, 0, NULL, 0);
	assert_int_equal(walk_err(t, "/priv/sub", 0), 0);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/d/mine", VFS_O_RDWR, 0, &v), 0);
	vnode_put(v);
	tenv_user(t, 1001, 1001, NULL, 0);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/d/mine", VFS_O_RDONLY, 0, &v), -EACCES);
	tenv_kernel(t);
}

static void test_sticky_and_setgid(void **state)
{
	struct tenv *t = *state;
	struct vfs_setattr sa = {.mask = VFS_SET_MODE, .mode = 01777};
	uint32_t g[] = {50};
	struct vnode *v, *tmp;

	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/tmp", 0777), 0);
	tmp = tenv_walk(t, "/tmp", 0, &(int){0});
	assert_int_equal(tmp->ops->setattr(tmp, &sa), 0);
	tenv_user(t, 1000, 1000, NULL, 0);
	tenv_put_file(t, "/tmp/alice", "a", 1);
	tenv_user(t, 1001, 1001, NULL, 0);
	tenv_put_file(t, "/tmp/bob", "b", 1);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/tmp/alice"), -EPERM);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/tmp/alice", NULL, "/tmp/x", 0), -EPERM);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/tmp/bob", NULL, "/tmp/alice", 0), -EPERM);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/tmp/bob"), 0);
	tenv_user(t, 1000, 1000, NULL, 0);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/tmp/alice"), 0);
	/* Set-group-ID directory: new files take its group, new directories its bit too. */
	tenv_kernel(t);
	sa = (struct vfs_setattr){.mask = VFS_SET_MODE | VFS_SET_GID, .mode = 02777, .gid = 50};
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/shared", 0777), 0);
	v = tenv_walk(t, "/shared", 0, &(int){0});
	assert_int_equal(v->ops->setattr(v, &sa), 0);
	vnode_put(v);
	tenv_user(t, 1000, 1000, g, 1);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/shared/sub", 0755), 0);
	v = tenv_walk(t, "/shared/sub", 0, &(int){0});
	assert_int_equal(v->gid, 50);
	assert_int_equal(v->mode, 02755);
	vnode_put(v);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/shared/f", VFS_O_CREAT | VFS_O_RDWR, 02755, &v),
			 0);
	assert_int_equal(v->gid, 50);
	assert_int_equal(v->mode, 02755); /* a member keeps set-group-ID */
	vnode_put(v);
	tenv_user(t, 1001, 1001, NULL, 0);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/shared/g", VFS_O_CREAT | VFS_O_RDWR, 02755, &v),
			 0);
	assert_int_equal(v->gid, 50);
	assert_int_equal(v->mode, 0755); /* not a member: dropped */
	vnode_put(v);
	tenv_kernel(t);
	vnode_put(tmp);
}

static void test_setattr_prepare(void **state)
{
	struct vnode v = {.type = VNODE_REG, .mode = 06755, .uid = 100, .gid = 200};
	uint32_t g[] = {201};
	struct vfs_cred owner = {.uid = 100, .gid = 200, .groups = g, .ngroups = 1};
	struct vfs_cred other = {.uid = 101, .gid = 200};
	struct vfs_cred outsider = {.uid = 100, .gid = 1};
	struct vfs_setattr sa;

	(void)state;
	/* chmod: owner or root only; a caller outside the group loses set-group-ID. */
	sa = (struct vfs_setattr){.mask = VFS_SET_MODE, .mode = 02700};
	assert_int_equal(vfs_setattr_prepare(&v, &other, &sa), -EPERM);
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), 0);
	assert_int_equal(sa.mode, 02700);
	assert_int_equal(vfs_setattr_prepare(&v, &outsider, &sa), 0);
	assert_int_equal(sa.mode, 0700);
	sa.mode = 02700;
	assert_int_equal(vfs_setattr_prepare(&v, NULL, &sa), 0);
	assert_int_equal(sa.mode, 02700);
	/* chown: only root changes the owner; the owner may pick one of their groups. */
	sa = (struct vfs_setattr){.mask = VFS_SET_UID, .uid = 101};
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), -EPERM);
	sa.uid = 100;
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), 0);
	assert_int_equal(vfs_setattr_prepare(&v, &other, &sa), -EPERM);
	sa = (struct vfs_setattr){.mask = VFS_SET_GID, .gid = 201};
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), 0);
	/* ... and a chown of a non-directory clears set-user-ID and set-group-ID (g+x). */
	assert_int_equal(sa.mask & VFS_SET_MODE, VFS_SET_MODE);
	assert_int_equal(sa.mode, 0755);
	sa = (struct vfs_setattr){.mask = VFS_SET_GID, .gid = 202};
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), -EPERM);
	assert_int_equal(vfs_setattr_prepare(&v, &other, &sa), -EPERM);
	sa = (struct vfs_setattr){.mask = VFS_SET_UID | VFS_SET_GID, .uid = 5, .gid = 5};
	assert_int_equal(vfs_setattr_prepare(&v, NULL, &sa), 0);
	assert_int_equal(sa.mode, 0755);
	v.mode = 02745; /* set-group-ID without g+x is mandatory locking: kept */
	sa = (struct vfs_setattr){.mask = VFS_SET_UID, .uid = 5};
	assert_int_equal(vfs_setattr_prepare(&v, NULL, &sa), 0);
	assert_int_equal(sa.mode, 02745);
	/* Directories keep their bits on chown. */
	v.type = VNODE_DIR;
	v.mode = 02755;
	sa = (struct vfs_setattr){.mask = VFS_SET_UID, .uid = 5};
	assert_int_equal(vfs_setattr_prepare(&v, NULL, &sa), 0);
	assert_int_equal(sa.mask, VFS_SET_UID);
	/* Times: explicit needs the owner; "now" also write permission. */
	v.type = VNODE_REG;
	v.mode = 0666;
	sa = (struct vfs_setattr){.mask = VFS_SET_MTIME};
	assert_int_equal(vfs_setattr_prepare(&v, &other, &sa), -EPERM);
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), 0);
	sa = (struct vfs_setattr){.mask = VFS_SET_MTIME_NOW | VFS_SET_ATIME_NOW};
	assert_int_equal(vfs_setattr_prepare(&v, &other, &sa), 0);
	v.mode = 0644;
	assert_int_equal(vfs_setattr_prepare(&v, &other, &sa), -EACCES);
	/* Size: write permission, regular files only. */
	sa = (struct vfs_setattr){.mask = VFS_SET_SIZE};
	assert_int_equal(vfs_setattr_prepare(&v, &other, &sa), -EACCES);
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), 0);
	v.type = VNODE_DIR;
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), -EISDIR);
	v.type = VNODE_FIFO;
	assert_int_equal(vfs_setattr_prepare(&v, &owner, &sa), -EINVAL);
}

/* ---- Operations by path ---- */

static void test_open(void **state)
{
	struct tenv *t = *state;
	struct vnode *v, *w;
	char buf[16];

	build_tree(t);
	/* O_CREAT: new, then existing (same vnode), O_EXCL refuses. */
	assert_int_equal(vfs_open(&t->ctx, NULL, "/n", VFS_O_CREAT | VFS_O_RDWR, 0640, &v), 0);
	assert_int_equal(v->mode, 0640);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/n", VFS_O_CREAT | VFS_O_RDWR, 0600, &w), 0);
	assert_ptr_equal(v, w);
	assert_int_equal(w->mode, 0640);
	vnode_put(w);
	vnode_put(v);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/n", VFS_O_CREAT | VFS_O_EXCL, 0600, &v),
			 -EEXIST);
	assert_null(v);
	/* Through a dangling symlink O_CREAT makes the target; O_EXCL does not follow. */
	assert_int_equal(vfs_open(&t->ctx, NULL, "/dangling", VFS_O_CREAT | VFS_O_EXCL, 0600, &v),
			 -EEXIST);
	assert_int_equal(
		vfs_open(&t->ctx, NULL, "/dangling", VFS_O_CREAT | VFS_O_NOFOLLOW, 0600, &v),
		-ELOOP);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/dangling", VFS_O_CREAT | VFS_O_WRONLY, 0600, &v),
			 0);
	vnode_put(v);
	assert_int_equal(walk_err(t, "/nowhere", VFS_WALK_NOFOLLOW), 0);
	/* Symlinks and O_NOFOLLOW. */
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/flink", VFS_O_RDONLY, 0, &v), 0);
	assert_int_equal(v->ops->read(v, 0, buf, sizeof(buf)), 5);
	vnode_put(v);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/flink", VFS_O_NOFOLLOW, 0, &v), -ELOOP);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/flink", VFS_O_NOFOLLOW | VFS_O_PATH, 0, &v),
			 0);
	assert_int_equal(v->type, VNODE_LNK);
	vnode_put(v);
	/* Directories. */
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &v), 0);
	vnode_put(v);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/f", VFS_O_DIRECTORY, 0, &v), -ENOTDIR);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a", VFS_O_WRONLY, 0, &v), -EISDIR);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a", VFS_O_RDONLY | VFS_O_TRUNC, 0, &v), -EISDIR);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a", VFS_O_CREAT | VFS_O_RDONLY, 0, &v), -EISDIR);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/new/", VFS_O_CREAT, 0644, &v), -EISDIR);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/.", VFS_O_CREAT, 0644, &v), -EISDIR);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/x", VFS_O_CREAT | VFS_O_DIRECTORY, 0644, &v),
			 -EINVAL);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/nope/x", VFS_O_CREAT, 0644, &v), -ENOENT);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/nope", VFS_O_RDONLY, 0, &v), -ENOENT);
	/* O_TRUNC. */
	assert_int_equal(vfs_open(&t->ctx, NULL, "/a/f", VFS_O_WRONLY | VFS_O_TRUNC, 0, &v), 0);
	assert_int_equal(v->size, 0);
	vnode_put(v);
	/* Sockets cannot be opened; FIFOs and devices can (the caller routes them). */
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/sock", VFS_IFSOCK | 0644, 0), 0);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/sock", VFS_O_RDWR, 0, &v), -ENXIO);
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/fifo", VFS_IFIFO | 0644, 0), 0);
	assert_int_equal(vfs_open(&t->ctx, NULL, "/fifo", VFS_O_RDWR | VFS_O_TRUNC, 0, &v), 0);
	assert_int_equal(v->type, VNODE_FIFO);
	vnode_put(v);
}

static void test_path_ops(void **state)
{
	struct tenv *t = *state;
	struct vnode *v, *w;
	char buf[32];

	build_tree(t);
	/* mkdir */
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/a", 0755), -EEXIST);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/abs", 0755), -EEXIST);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/dangling", 0755), -EEXIST);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/", 0755), -EEXIST);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/a/..", 0755), -EEXIST);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/m/", 0700), 0);
	v = tenv_walk(t, "/m", 0, &(int){0});
	assert_int_equal(v->mode, 0700);
	vnode_put(v);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/x/y", 0755), -ENOENT);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/a/f/y", 0755), -ENOTDIR);
	/* mknod */
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/null", VFS_IFCHR | 0666, VFS_MKDEV(1, 3)), 0);
	v = tenv_walk(t, "/null", 0, &(int){0});
	assert_int_equal(v->rdev, VFS_MKDEV(1, 3));
	vnode_put(v);
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/reg", 0600, 0), 0);
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/reg2/", 0600, 0), -ENOENT);
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/dir", VFS_IFDIR | 0600, 0), -EPERM);
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/lnk", VFS_IFLNK | 0600, 0), -EINVAL);
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/reg", 0600, 0), -EEXIST);
	tenv_user(t, 1000, 1000, NULL, 0);
	assert_int_equal(vfs_mknod(&t->ctx, NULL, "/m/null", VFS_IFCHR | 0666, 0), -EPERM);
	tenv_kernel(t);
	/* symlink and readlink */
	assert_int_equal(vfs_symlink(&t->ctx, "", NULL, "/e"), -ENOENT);
	assert_int_equal(vfs_symlink(&t->ctx, "x", NULL, "/a"), -EEXIST);
	assert_int_equal(vfs_symlink(&t->ctx, "x", NULL, "/s/"), -ENOENT);
	assert_int_equal(vfs_readlink(&t->ctx, NULL, "/abs", buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "/a/b", 4);
	assert_int_equal(vfs_readlink(&t->ctx, NULL, "/abs", buf, 2), 2);
	assert_int_equal(vfs_readlink(&t->ctx, NULL, "/abs", buf, 0), -EINVAL);
	assert_int_equal(vfs_readlink(&t->ctx, NULL, "/a", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vfs_readlink(&t->ctx, NULL, "/zz", buf, sizeof(buf)), -ENOENT);
	/* link: the last symlink is followed only when asked. */
	assert_int_equal(vfs_link(&t->ctx, NULL, "/a/flink", NULL, "/hl", false), 0);
	v = tenv_walk(t, "/hl", VFS_WALK_NOFOLLOW, &(int){0});
	assert_int_equal(v->type, VNODE_LNK);
	vnode_put(v);
	assert_int_equal(vfs_link(&t->ctx, NULL, "/a/flink", NULL, "/hf", true), 0);
	v = tenv_walk(t, "/hf", VFS_WALK_NOFOLLOW, &(int){0});
	w = tenv_walk(t, "/a/f", 0, &(int){0});
	assert_ptr_equal(v, w);
	assert_int_equal(w->nlink, 2);
	vnode_put(v);
	vnode_put(w);
	assert_int_equal(vfs_link(&t->ctx, NULL, "/a", NULL, "/hd", false), -EPERM);
	assert_int_equal(vfs_link(&t->ctx, NULL, "/a/f", NULL, "/hf", false), -EEXIST);
	assert_int_equal(vfs_link(&t->ctx, NULL, "/zz", NULL, "/h2", false), -ENOENT);
	assert_int_equal(vfs_link(&t->ctx, NULL, "/a/f", NULL, "/h2/", false), -ENOENT);
	/* unlink */
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/a"), -EISDIR);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/a/."), -EISDIR);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/hf/"), -ENOTDIR);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/zz"), -ENOENT);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/hf"), 0);
	assert_int_equal(vfs_unlink(&t->ctx, NULL, "/abs"), 0); /* the link, not its target */
	assert_int_equal(walk_err(t, "/a/b", 0), 0);
	/* rmdir */
	assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/a"), -ENOTEMPTY);
	assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/a/f"), -ENOTDIR);
	assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/m/."), -EINVAL);
	assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/m/.."), -ENOTEMPTY);
	assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/zz"), -ENOENT);
	assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/m/"), 0);
	/* rename */
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a", NULL, "/a/b/c/a", 0), -EINVAL);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/f", NULL, "/a/b", 0), -EISDIR);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/b", NULL, "/a/f", 0), -ENOTDIR);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/f", NULL, "/g/", 0), -ENOTDIR);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/.", NULL, "/q", 0), -EBUSY);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/d", NULL, "/a/..", 0), -EBUSY);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/zz", NULL, "/q", 0), -ENOENT);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/d", NULL, "/a", 0), -ENOTEMPTY);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/f", NULL, "/reg", VFS_RENAME_NOREPLACE),
			 -EEXIST);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/b/", NULL, "/bb/", 0), 0);
	walk_is(t, "/bb/c/../..", 0, "/");
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/f", NULL, "/reg", 0), 0);
	assert_int_equal(tenv_get_file(t, "/reg", buf, sizeof(buf)), 5);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/d", NULL, "/bb/c", 0), 0);
	assert_int_equal(walk_err(t, "/d", 0), -ENOENT);
	/* A directory moved by a non-root user needs write access to it (for ".."). */
	tenv_kernel(t);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/home", 0777), 0);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/home/ro", 0555), 0);
	assert_int_equal(vfs_mkdir(&t->ctx, NULL, "/home/other", 0777), 0);
	tenv_user(t, 1000, 1000, NULL, 0);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/home/ro", NULL, "/home/other/ro", 0), -EACCES);
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/home/ro", NULL, "/home/ro2", 0), 0);
	tenv_kernel(t);
}

static void test_walk_enomem(void **state)
{
	struct tenv *t = *state;
	struct vnode *v;
	struct vfs_name last;

	build_tree(t);
	t->fail_once = 0;
	assert_int_equal(vfs_walk(&t->ctx, NULL, "/a", 0, &v), -ENOMEM);
	assert_null(v);
	t->fail_once = 0;
	assert_int_equal(vfs_walk_parent(&t->ctx, NULL, "/a/x", 0, &v, &last), -ENOMEM);
	t->fail_once = 0;
	assert_int_equal(vfs_rename(&t->ctx, NULL, "/a/f", NULL, "/g", 0), -ENOMEM);
	assert_int_equal(walk_err(t, "/a/f", 0), 0);
	/* Every allocation of a create by path fails in turn. */
	for (long i = 0; i < 12; i++) {
		int err;

		t->fail_once = i;
		err = vfs_mkdir(&t->ctx, NULL, "/a/b/new", 0755);
		t->fail_once = -1;
		assert_true(err == 0 || err == -ENOMEM);
		if (err == 0)
			assert_int_equal(vfs_rmdir(&t->ctx, NULL, "/a/b/new"), 0);
		else
			assert_int_equal(walk_err(t, "/a/b/new", 0), -ENOENT);
	}
}

static void test_mode_helpers(void **state)
{
	(void)state;
	for (int ty = VNODE_REG; ty <= VNODE_SOCK; ty++) {
		uint32_t m = vfs_type_to_mode((enum vnode_type)ty);

		assert_int_not_equal(m, 0);
		assert_int_equal(vfs_mode_to_type(m | 0755), ty);
	}
	assert_int_equal(vfs_type_to_mode(VNODE_NONE), 0);
	assert_int_equal(vfs_mode_to_type(0), VNODE_NONE);
	assert_int_equal(vfs_mode_to_type(0170000), VNODE_NONE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tenv_group_setup, tenv_group_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_walk_basic),
		T(test_walk_symlinks),
		T(test_walk_name_limits),
		T(test_walk_chroot),
		T(test_walk_parent),
		T(test_mounts),
		T(test_mount_flags),
		T(test_permission_rules),
		T(test_walk_permissions),
		T(test_sticky_and_setgid),
		cmocka_unit_test(test_setattr_prepare),
		T(test_open),
		T(test_path_ops),
		T(test_walk_enomem),
		cmocka_unit_test(test_mode_helpers),
	};

	return cmocka_run_group_tests_name("vfs", tests, NULL, NULL);
}
