/* Host unit tests for the cpio newc unpacker (vmkernel/fs/cpio.c), real and hostile archives. */
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vfs_fixture.h"

#define NS	       1000000000LL
#define CPIO_HDR_CHARS 110

/* ---- Archive builder ---- */

struct arc {
	uint8_t *p;
	size_t len, cap;
};

struct ent {
	const char *name;
	uint32_t mode, uid, gid, nlink, mtime, ino, dmaj, dmin, rmaj, rmin;
	const char *data;
	size_t dlen; /* 0: strlen(data) when data is set */
	bool crc;
};

static void arc_put(struct arc *a, const void *d, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 64;
		a->p = realloc(a->p, a->cap);
		assert_non_null(a->p);
	}
	if (n)
		memcpy(a->p + a->len, d, n);
	a->len += n;
}

static void arc_zeros(struct arc *a, size_t n)
{
	while (n--)
		arc_put(a, "", 1);
}

static void arc_pad4(struct arc *a)
{
	arc_zeros(a, (4 - a->len % 4) % 4);
}

/* Returns the offset of the entry's header. */
static size_t arc_entry(struct arc *a, const struct ent *e)
{
	size_t dlen = e->dlen ? e->dlen : e->data ? strlen(e->data) : 0;
	size_t at = a->len;
	uint32_t sum = 0;
	char hdr[CPIO_HDR_CHARS + 1];

	for (size_t i = 0; i < dlen; i++)
		sum += (uint8_t)e->data[i];
	snprintf(hdr, sizeof(hdr), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 e->crc ? "070702" : "070701", e->ino, e->mode, e->uid, e->gid,
		 e->nlink ? e->nlink : 1, e->mtime, (uint32_t)dlen, e->dmaj, e->dmin, e->rmaj,
		 e->rmin, (uint32_t)strlen(e->name) + 1, e->crc ? sum : 0);
	arc_put(a, hdr, CPIO_HDR_CHARS);
	arc_put(a, e->name, strlen(e->name) + 1);
	arc_pad4(a);
	arc_put(a, e->data, dlen);
	arc_pad4(a);
	return at;
}

static void arc_trailer(struct arc *a)
{
	arc_entry(a, &(struct ent){.name = "TRAILER!!!"});
}

static void arc_file(struct arc *a, const char *name, uint32_t mode, const char *data)
{
	arc_entry(a, &(struct ent){.name = name, .mode = VFS_IFREG | mode, .data = data});
}

static void arc_dir(struct arc *a, const char *name, uint32_t mode)
{
	arc_entry(a, &(struct ent){.name = name, .mode = VFS_IFDIR | mode, .nlink = 2});
}

static void arc_link(struct arc *a, const char *name, const char *target)
{
	arc_entry(a, &(struct ent){.name = name, .mode = VFS_IFLNK | 0777, .data = target});
}

/* Patch header field i (0 = ino ... 12 = check) of the header at off. */
static void arc_field(struct arc *a, size_t off, int i, uint32_t v)
{
	char f[9];

	snprintf(f, sizeof(f), "%08X", v);
	memcpy(a->p + off + 6 + 8 * i, f, 8);
}

/* ---- Helpers ---- */

static int unpack(struct tenv *t, const void *p, size_t len, struct cpio_result *res)
{
	return cpio_unpack(t->root_mnt->root, p, len, &t->env, res);
}

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (!f)
		fail_msg("cannot open %s (tests run from tests/unit)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static struct vnode *get(struct tenv *t, const char *path)
{
	int err;
	struct vnode *v = tenv_walk(t, path, VFS_WALK_NOFOLLOW, &err);

	if (err)
		fail_msg("%s: %d", path, err);
	return v;
}

static void expect_file(struct tenv *t, const char *path, uint32_t mode, const char *data)
{
	static char buf[65536];
	struct vnode *v = get(t, path);
	size_t n = strlen(data);

	assert_int_equal(v->type, VNODE_REG);
	assert_int_equal(v->mode, mode);
	assert_int_equal(v->size, n);
	assert_int_equal(v->ops->read(v, 0, buf, sizeof(buf)), (int64_t)n);
	assert_memory_equal(buf, data, n);
	vnode_put(v);
}

static void expect_link(struct tenv *t, const char *path, const char *target)
{
	char buf[VFS_PATH_MAX];
	int64_t n = vfs_readlink(&t->ctx, NULL, path, buf, sizeof(buf));

	assert_int_equal(n, (int64_t)strlen(target));
	assert_memory_equal(buf, target, (size_t)n);
}

static bool exists(struct tenv *t, const char *path)
{
	int err;
	struct vnode *v = tenv_walk(t, path, VFS_WALK_NOFOLLOW, &err);

	vnode_put(v);
	return err == 0;
}

/* Names in the root besides "." and "..". */
static size_t root_entries(struct tenv *t)
{
	struct tdir *l = calloc(1, sizeof(*l));
	size_t n;

	tdir_list(t->root_mnt->root, l);
	n = l->n - 2;
	free(l);
	return n;
}

/* ---- The checked-in archives (tests/unit/data/gen-vfs-cpio.sh) ---- */

static void check_tree(struct tenv *t)
{
	static char busybox[40000], libc[5000];
	struct vnode *v, *w;

	for (int i = 0; i < 40000; i++)
		busybox[i] = (char)(32 + (i * 7) % 90);
	for (int i = 0; i < 5000; i++)
		libc[i] = (char)('0' + i % 10);
	/* atime = mtime from the archive (before a read moves it, relatime). */
	v = get(t, "/etc/passwd");
	assert_int_equal(v->mtime_ns, 1600000000 * NS);
	assert_int_equal(v->atime_ns, 1600000000 * NS);
	assert_int_equal(v->uid, 0);
	vnode_put(v);
	v = get(t, "/bin/busybox");
	assert_int_equal(v->mode, 04755);
	assert_int_equal(v->size, 40000);
	vnode_put(v);
	{
		static char buf[40000];

		assert_int_equal(tenv_get_file(t, "/bin/busybox", buf, sizeof(buf)), 40000);
		assert_memory_equal(buf, busybox, 40000);
		assert_int_equal(tenv_get_file(t, "/usr/lib/libc.so", buf, sizeof(buf)), 5000);
		assert_memory_equal(buf, libc, 5000);
	}
	expect_file(t, "/etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n");
	expect_file(t, "/etc/shadow", 0600, "root:*:19000:0:99999:7:::\n");
	expect_file(t, "/data/empty", 0644, "");
	v = get(t, "/etc/shadow");
	assert_int_equal(v->uid, 1000);
	assert_int_equal(v->gid, 100);
	vnode_put(v);
	expect_link(t, "/bin/sh", "busybox");
	expect_link(t, "/bin/ls", "/bin/busybox");
	expect_link(t, "/lib", "usr/lib");
	v = tenv_walk(t, "/lib/libc.so", 0, &(int){0});
	w = get(t, "/usr/lib/libc.so");
	assert_ptr_equal(v, w);
	vnode_put(v);
	vnode_put(w);
	/* Hard links: one file, the data came with the last name. */
	v = get(t, "/data/hard1");
	w = get(t, "/data/hard2");
	assert_ptr_equal(v, w);
	assert_int_equal(v->nlink, 2);
	vnode_put(v);
	vnode_put(w);
	expect_file(t, "/data/hard1", 0644, "shared data\n");
	v = get(t, "/dev/null");
	assert_int_equal(v->type, VNODE_CHR);
	assert_int_equal(v->rdev, VFS_MKDEV(1, 3));
	assert_int_equal(v->mode, 0666);
	vnode_put(v);
	v = get(t, "/dev/fifo");
	assert_int_equal(v->type, VNODE_FIFO);
	assert_int_equal(v->mode, 0620);
	vnode_put(v);
	v = get(t, "/emptydir");
	assert_int_equal(v->type, VNODE_DIR);
	assert_int_equal(v->mode, 0700);
	assert_int_equal(v->nlink, 2);
	assert_int_equal(v->size, 40); /* "." and ".." only */
	vnode_put(v);
	/* Directory times survive the entries made in them afterwards. */
	for (const char *const *d =
		     (const char *const[]){"/", "/etc", "/bin", "/usr/lib", "/dev", NULL};
	     *d; d++) {
		v = get(t, *d);
		assert_int_equal(v->type, VNODE_DIR);
		assert_int_equal(v->mode, 0755);
		assert_int_equal(v->mtime_ns, 1700000000 * NS);
		vnode_put(v);
	}
	assert_int_equal(root_entries(t), 7);
}

static void test_checked_in_archive(void **state)
{
	const char *files[] = {"data/vfs-tree.cpio", "data/vfs-tree-crc.cpio"};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct tenv *t = tenv_setup(0, 0);
		struct cpio_result res;
		size_t len;
		uint8_t *p = load(files[i], &len);

		assert_int_equal(unpack(t, p, len, &res), 0);
		assert_int_equal(res.entries, 20);
		assert_int_equal(res.offset, len);
		assert_null(res.why);
		check_tree(t);
		/* Unpacking again over itself replaces everything and ends the same. */
		assert_int_equal(unpack(t, p, len, &res), 0);
		assert_int_equal(res.entries, 20);
		check_tree(t);
		free(p);
		tenv_teardown(t);
	}
}

/* ---- Archives made now by the real cpio tool, compared with the tree they came from ---- */

static size_t compare_tree(struct tenv *t, const char *host, const char *vpath)
{
	static char hbuf[200000], vbuf[200000];
	DIR *d = opendir(host);
	struct dirent *de;
	size_t count = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char hp[1024], vp[1024];
		struct stat st;
		struct vnode *v;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(hp, sizeof(hp), "%s/%s", host, de->d_name);
		snprintf(vp, sizeof(vp), "%s/%s", vpath, de->d_name);
		assert_int_equal(lstat(hp, &st), 0);
		v = get(t, vp);
		count++;
		assert_int_equal(vfs_type_to_mode(v->type), st.st_mode & S_IFMT);
		assert_int_equal(v->mode, st.st_mode & 07777);
		assert_int_equal(v->uid, st.st_uid);
		assert_int_equal(v->gid, st.st_gid);
		assert_int_equal(v->mtime_ns, (int64_t)st.st_mtime * NS);
		if (S_ISREG(st.st_mode)) {
			FILE *f = fopen(hp, "rb");
			size_t n = fread(hbuf, 1, sizeof(hbuf), f);

			fclose(f);
			assert_int_equal(v->size, st.st_size);
			assert_int_equal(v->nlink, st.st_nlink);
			assert_int_equal(v->ops->read(v, 0, vbuf, sizeof(vbuf)), (int64_t)n);
			assert_memory_equal(hbuf, vbuf, n);
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(hp, hbuf, sizeof(hbuf));

			assert_int_equal(v->ops->readlink(v, vbuf, sizeof(vbuf)), n);
			assert_memory_equal(hbuf, vbuf, (size_t)n);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			assert_int_equal(v->rdev, VFS_MKDEV(major(st.st_rdev), minor(st.st_rdev)));
		} else if (S_ISDIR(st.st_mode)) {
			count += compare_tree(t, hp, vp);
		}
		vnode_put(v);
	}
	closedir(d);
	return count;
}

static size_t count_tree(struct vnode *dir)
{
	struct tdir *l = calloc(1, sizeof(*l));
	size_t n;

	tdir_list(dir, l);
	n = l->n - 2;
	for (size_t i = 2; i < l->n; i++) {
		struct vnode *v;

		if (l->types[i] != VNODE_DIR)
			continue;
		assert_int_equal(dir->ops->lookup(dir, l->names[i], strlen(l->names[i]), &v), 0);
		n += count_tree(v);
		vnode_put(v);
	}
	free(l);
	return n;
}

static void test_real_cpio_tool(void **state)
{
	char dir[] = "/tmp/keel-cpio-XXXXXX", cmd[4096], path[256];
	const char *formats[] = {"newc", "crc"};

	(void)state;
	if (system("command -v cpio >/dev/null 2>&1") != 0) {
		print_message("cpio(1) not installed: only the checked-in archives are tested\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p src/a/b/c src/empty src/x src/deep/1/2/3/4/5;"
		 "printf hello >src/a/f; head -c 100000 /dev/urandom >src/big;"
		 "for n in 1 4095 4096 4097 8193; do head -c $n /dev/urandom >src/p$n; done;"
		 ": >src/zero; ln -s a/f src/lf; ln -s /nonexistent src/dangle;"
		 "ln -s ../.. src/a/b/up; ln src/a/f src/a/b/hard; ln src/a/f src/x/hard2;"
		 "mkfifo src/fifo; chmod 0700 src/empty; chmod 2751 src/x; chmod 0444 src/p1;"
		 "chmod 4755 src/p4096; touch -h -d @1234567890 src/a/f src/lf;"
		 "touch -d @1000000000 src/deep/1/2/3/4/5 src/x;"
		 "(cd src && find . | cpio -o -H newc --quiet >../newc.cpio &&"
		 " find . | cpio -o -H crc --quiet >../crc.cpio)",
		 dir);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		struct tenv *t = tenv_setup(0, 0);
		struct cpio_result res;
		struct vnode *r;
		size_t len, n;
		uint8_t *p;
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s.cpio", dir, formats[i]);
		p = load(path, &len);
		assert_int_equal(unpack(t, p, len, &res), 0);
		snprintf(path, sizeof(path), "%s/src", dir);
		n = compare_tree(t, path, "");
		assert_int_equal(res.entries, n + 1); /* and "." */
		assert_int_equal(count_tree(t->root_mnt->root), n);
		r = t->root_mnt->root;
		assert_int_equal(lstat(path, &st), 0);
		assert_int_equal(r->mode, st.st_mode & 07777);
		assert_int_equal(r->mtime_ns, (int64_t)st.st_mtime * NS);
		/* Directory times, set after their contents, match the source. */
		snprintf(path, sizeof(path), "%s/src/x", dir);
		assert_int_equal(lstat(path, &st), 0);
		r = get(t, "/x");
		assert_int_equal(r->mtime_ns, 1000000000 * NS);
		assert_int_equal(r->mode, 02751);
		vnode_put(r);
		free(p);
		tenv_teardown(t);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- Semantics ---- */

static void test_overlay(void **state)
{
	struct tenv *t = tenv_setup(0, 0);
	struct arc a = {0};
	struct cpio_result res;
	struct vnode *old;
	char buf[16];

	(void)state;
	arc_dir(&a, "etc", 0755);
	arc_file(&a, "etc/conf", 0644, "old");
	arc_file(&a, "bin/tool", 0755, "tool v1");
	arc_dir(&a, "usr/lib", 0755);
	arc_link(&a, "lib", "usr/lib");
	arc_dir(&a, "opt/empty", 0755);
	arc_file(&a, "opt/full/keep", 0644, "k");
	arc_entry(&a, &(struct ent){.name = "h1",
				    .mode = VFS_IFREG | 0644,
				    .ino = 5,
				    .nlink = 2,
				    .data = "base"});
	arc_trailer(&a);
	arc_zeros(&a, 512 - a.len % 512);
	assert_int_equal(unpack(t, a.p, a.len, &res), 0);
	assert_int_equal(res.entries, 8);
	old = get(t, "/etc/conf");
	/* The overlay, appended. */
	arc_file(&a, "etc/conf", 0600, "new");
	arc_link(&a, "bin/tool", "/usr/bin/tool2");
	arc_file(&a, "opt/empty", 0644, "was a dir");
	arc_file(&a, "lib/modules/m.ko", 0644, "module");
	arc_dir(&a, "opt/full", 0700);
	arc_entry(&a, &(struct ent){.name = "h2",
				    .mode = VFS_IFREG | 0644,
				    .ino = 5,
				    .nlink = 2,
				    .data = "over"});
	arc_trailer(&a);
	assert_int_equal(unpack(t, a.p, a.len, &res), 0);
	assert_int_equal(res.entries, 14);
	expect_file(t, "/etc/conf", 0600, "new");
	/* The replaced file lives on for whoever holds it. */
	assert_int_equal(old->nlink, 0);
	assert_int_equal(old->ops->read(old, 0, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "old", 3);
	vnode_put(old);
	expect_link(t, "/bin/tool", "/usr/bin/tool2");
	expect_file(t, "/opt/empty", 0644, "was a dir");
	/* Through the lib -> usr/lib symlink. */
	expect_file(t, "/usr/lib/modules/m.ko", 0644, "module");
	expect_link(t, "/lib", "usr/lib");
	/* An existing directory stays with its contents, its attributes change. */
	expect_file(t, "/opt/full/keep", 0644, "k");
	old = get(t, "/opt/full");
	assert_int_equal(old->mode, 0700);
	vnode_put(old);
	/* Hard links do not reach across a trailer. */
	expect_file(t, "/h1", 0644, "base");
	expect_file(t, "/h2", 0644, "over");
	/* A non-empty directory cannot be replaced by a file. */
	free(a.p);
	a = (struct arc){0};
	arc_file(&a, "opt/full", 0644, "x");
	arc_trailer(&a);
	assert_int_equal(unpack(t, a.p, a.len, &res), -ENOTEMPTY);
	assert_int_equal(res.entries, 0);
	assert_non_null(res.why);
	free(a.p);
	tenv_teardown(t);
}

static void test_entry_kinds(void **state)
{
	struct tenv *t = tenv_setup(0, 0);
	struct arc a = {0};
	struct cpio_result res;
	struct vnode *v, *w;

	(void)state;
	arc_entry(&a, &(struct ent){.name = ".",
				    .mode = VFS_IFDIR | 0711,
				    .uid = 3,
				    .gid = 4,
				    .mtime = 77,
				    .nlink = 2});
	arc_file(&a, "./dot/slash", 0644, "1");
	arc_file(&a, "/abs/path", 0644, "2");
	arc_file(&a, "many//slashes/./here", 0640, "3");
	arc_entry(&a, &(struct ent){.name = "dev/sda",
				    .mode = VFS_IFBLK | 0660,
				    .rmaj = 8,
				    .rmin = 0,
				    .gid = 6});
	arc_entry(&a, &(struct ent){.name = "dev/big",
				    .mode = VFS_IFCHR | 0600,
				    .rmaj = 4000,
				    .rmin = 300000});
	arc_entry(&a, &(struct ent){.name = "run/sock", .mode = VFS_IFSOCK | 0777});
	arc_entry(&a,
		  &(struct ent){.name = "run/fifo", .mode = VFS_IFIFO | 0600, .data = "ignored"});
	/* A hard link group with the data on the first member. */
	arc_entry(&a, &(struct ent){.name = "l/one",
				    .mode = VFS_IFREG | 0644,
				    .ino = 9,
				    .nlink = 3,
				    .data = "linked"});
	arc_entry(&a,
		  &(struct ent){.name = "l/two", .mode = VFS_IFREG | 0644, .ino = 9, .nlink = 3});
	arc_entry(&a,
		  &(struct ent){.name = "l/three", .mode = VFS_IFREG | 0644, .ino = 9, .nlink = 3});
	/* Same ino, other device: another file. */
	arc_entry(&a, &(struct ent){.name = "l/other",
				    .mode = VFS_IFREG | 0644,
				    .ino = 9,
				    .nlink = 2,
				    .dmin = 1,
				    .data = "x"});
	/* nlink 1: never a link. */
	arc_entry(&a, &(struct ent){
			      .name = "l/single", .mode = VFS_IFREG | 0644, .ino = 9, .data = "s"});
	/* Directory time set before its contents arrive. */
	arc_entry(&a, &(struct ent){.name = "m", .mode = VFS_IFDIR | 0755, .mtime = 5});
	arc_file(&a, "m/f", 0644, "f");
	/* A file replaced by a directory. */
	arc_file(&a, "became", 0644, "file");
	arc_dir(&a, "became", 0750);
	arc_file(&a, "became/in", 0644, "in");
	/* A file in the checksum format. */
	arc_entry(&a,
		  &(struct ent){
			  .name = "crc", .mode = VFS_IFREG | 0644, .crc = true, .data = "checked"});
	arc_trailer(&a);
	assert_int_equal(unpack(t, a.p, a.len, &res), 0);
	assert_int_equal(res.entries, 19);
	v = t->root_mnt->root;
	assert_int_equal(v->mode, 0711);
	assert_int_equal(v->uid, 3);
	assert_int_equal(v->gid, 4);
	assert_int_equal(v->mtime_ns, 77 * NS);
	expect_file(t, "/dot/slash", 0644, "1");
	expect_file(t, "/abs/path", 0644, "2");
	expect_file(t, "/many/slashes/here", 0640, "3");
	v = get(t, "/many");
	assert_int_equal(v->mode, 0755); /* made as a parent */
	assert_int_equal(v->uid, 0);
	vnode_put(v);
	v = get(t, "/dev/sda");
	assert_int_equal(v->type, VNODE_BLK);
	assert_int_equal(v->rdev, VFS_MKDEV(8, 0));
	assert_int_equal(v->gid, 6);
	vnode_put(v);
	v = get(t, "/dev/big");
	assert_int_equal(VFS_MAJOR(v->rdev), 4000);
	assert_int_equal(VFS_MINOR(v->rdev), 300000);
	vnode_put(v);
	v = get(t, "/run/sock");
	assert_int_equal(v->type, VNODE_SOCK);
	vnode_put(v);
	v = get(t, "/run/fifo");
	assert_int_equal(v->type, VNODE_FIFO);
	assert_int_equal(v->size, 0);
	vnode_put(v);
	v = get(t, "/l/one");
	w = get(t, "/l/three");
	assert_ptr_equal(v, w);
	assert_int_equal(v->nlink, 3);
	vnode_put(w);
	w = get(t, "/l/other");
	assert_ptr_not_equal(v, w);
	vnode_put(w);
	w = get(t, "/l/single");
	assert_ptr_not_equal(v, w);
	vnode_put(w);
	vnode_put(v);
	expect_file(t, "/l/two", 0644, "linked");
	expect_file(t, "/l/other", 0644, "x");
	v = get(t, "/m");
	assert_int_equal(v->mtime_ns, 5 * NS);
	vnode_put(v);
	expect_file(t, "/became/in", 0644, "in");
	v = get(t, "/became");
	assert_int_equal(v->mode, 0750);
	vnode_put(v);
	expect_file(t, "/crc", 0644, "checked");
	free(a.p);
	tenv_teardown(t);
}

/* ---- Hostile archives ---- */

struct bad_case {
	const char *what;
	int err;
	unsigned entries;
};

/* Unpack into a fresh tree: the error, the count, and nothing leaked. */
static void expect_bad(const struct arc *a, int err, unsigned entries, const char *what)
{
	struct tenv *t = tenv_setup(0, 0);
	struct cpio_result res;
	int got = unpack(t, a->p, a->len, &res);

	if (got != err || res.entries != entries)
		fail_msg("%s: got %d with %u entries (%s), want %d with %u", what, got, res.entries,
			 res.why ? res.why : "-", err, entries);
	if (err)
		assert_non_null(res.why);
	assert_true(res.offset <= a->len);
	tenv_teardown(t);
}

static void test_bad_headers(void **state)
{
	struct arc a = {0};
	size_t h;

	(void)state;
	/* Not cpio at all; the old binary and odc formats. */
	arc_put(&a, "this is not an archive at all, not even close to one ..............", 68);
	arc_zeros(&a, 60);
	expect_bad(&a, -EINVAL, 0, "garbage");
	memcpy(a.p, "070707", 6);
	expect_bad(&a, -EINVAL, 0, "odc");
	free(a.p);
	/* A bad hex digit in each field of the second header. */
	for (int field = 0; field < 13; field++) {
		for (int pos = 0; pos < 8; pos += 7) {
			a = (struct arc){0};
			arc_file(&a, "first", 0644, "1");
			h = arc_entry(&a, &(struct ent){.name = "second",
							.mode = VFS_IFREG | 0644,
							.data = "2"});
			arc_trailer(&a);
			a.p[h + 6 + 8 * field + pos] = pos ? 'g' : ' ';
			expect_bad(&a, -EINVAL, 1, "bad hex");
			free(a.p);
		}
	}
	/* Lowercase hex is fine. */
	a = (struct arc){0};
	h = arc_entry(&a, &(struct ent){.name = "lower", .mode = VFS_IFREG | 0644, .data = "x"});
	arc_trailer(&a);
	memcpy(a.p + h + 6 + 8, "000081a4", 8);
	expect_bad(&a, 0, 1, "lowercase hex");
	/* Name sizes: 0, 1 (empty), beyond the buffer, beyond VFS_PATH_MAX, NUL misplaced. */
	arc_field(&a, h, 11, 0);
	expect_bad(&a, -EINVAL, 0, "namesize 0");
	arc_field(&a, h, 11, 1);
	expect_bad(&a, -EINVAL, 0, "namesize 1");
	arc_field(&a, h, 11, 0x7fffffff);
	expect_bad(&a, -EINVAL, 0, "namesize huge");
	arc_field(&a, h, 11, VFS_PATH_MAX + 1);
	expect_bad(&a, -EINVAL, 0, "namesize > PATH_MAX");
	arc_field(&a, h, 11, 4);
	expect_bad(&a, -EINVAL, 0, "name without its NUL");
	arc_field(&a, h, 11, 8);
	expect_bad(&a, -EINVAL, 0, "name with two NULs");
	arc_field(&a, h, 11, 6);
	/* Data sizes. */
	arc_field(&a, h, 6, 0xffffffff);
	expect_bad(&a, -EINVAL, 0, "filesize huge");
	arc_field(&a, h, 6, (uint32_t)a.len);
	expect_bad(&a, -EINVAL, 0, "filesize past the end");
	arc_field(&a, h, 6, 1);
	/* Types. */
	arc_field(&a, h, 1, 0644);
	expect_bad(&a, -EINVAL, 0, "no type");
	arc_field(&a, h, 1, 0170644);
	expect_bad(&a, -EINVAL, 0, "unknown type");
	arc_field(&a, h, 1, VFS_IFREG | 0644);
	expect_bad(&a, 0, 1, "restored");
	free(a.p);
	/* Missing trailer; a header cut short; an empty input and one of zeros only. */
	a = (struct arc){0};
	arc_file(&a, "a", 0644, "1");
	arc_file(&a, "b", 0644, "2");
	expect_bad(&a, -EINVAL, 2, "no trailer");
	arc_put(&a, "0707", 4);
	expect_bad(&a, -EINVAL, 2, "cut header");
	a.len = 0;
	expect_bad(&a, 0, 0, "empty");
	arc_zeros(&a, 1024);
	expect_bad(&a, 0, 0, "zeros");
	free(a.p);
	/* Padding between archives must keep headers 4-byte aligned. */
	a = (struct arc){0};
	arc_file(&a, "a", 0644, "1");
	arc_trailer(&a);
	arc_zeros(&a, 3);
	arc_file(&a, "b", 0644, "2");
	arc_trailer(&a);
	expect_bad(&a, -EINVAL, 1, "broken padding");
	free(a.p);
	/* 070702: data checksum. */
	a = (struct arc){0};
	h = arc_entry(
		&a, &(struct ent){
			    .name = "c", .mode = VFS_IFREG | 0644, .crc = true, .data = "payload"});
	arc_trailer(&a);
	expect_bad(&a, 0, 1, "crc ok");
	arc_field(&a, h, 12, 1);
	expect_bad(&a, -EINVAL, 0, "crc bad");
	free(a.p);
}

static void test_bad_names(void **state)
{
	const char *dotdot[] = {"..",	       "../x", "a/../b", "a/..", "./../../etc/passwd",
				"a/b/../../.."};
	struct tenv *t;
	struct arc a = {0};
	struct cpio_result res;
	char long_name[300];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(dotdot); i++) {
		a = (struct arc){0};
		arc_file(&a, dotdot[i], 0644, "escape");
		arc_trailer(&a);
		t = tenv_setup(0, 0);
		assert_int_equal(unpack(t, a.p, a.len, &res), -EINVAL);
		assert_non_null(res.why);
		assert_int_equal(res.entries, 0);
		assert_int_equal(root_entries(t), 0); /* checked before anything is made */
		assert_false(exists(t, "/a"));
		tenv_teardown(t);
		free(a.p);
	}
	/* A symlink that points up and out: resolved inside the root, it lands there. */
	a = (struct arc){0};
	arc_link(&a, "evil", "../../../..");
	arc_dir(&a, "tmp", 0755);
	arc_link(&a, "evil2", "/../../tmp");
	arc_file(&a, "evil/x", 0644, "inside");
	arc_file(&a, "evil2/y", 0644, "inside too");
	arc_trailer(&a);
	t = tenv_setup(0, 0);
	assert_int_equal(unpack(t, a.p, a.len, &res), 0);
	expect_file(t, "/x", 0644, "inside");
	expect_file(t, "/tmp/y", 0644, "inside too");
	tenv_teardown(t);
	free(a.p);
	/* Symlink targets: empty, too long, holding a NUL. */
	a = (struct arc){0};
	arc_entry(&a, &(struct ent){.name = "l", .mode = VFS_IFLNK | 0777});
	arc_trailer(&a);
	expect_bad(&a, -EINVAL, 0, "empty target");
	free(a.p);
	a = (struct arc){0};
	arc_entry(&a,
		  &(struct ent){.name = "l", .mode = VFS_IFLNK | 0777, .data = "a\0b", .dlen = 3});
	arc_trailer(&a);
	expect_bad(&a, -EINVAL, 0, "NUL in target");
	free(a.p);
	{
		static char target[VFS_PATH_MAX + 1];

		memset(target, 'x', VFS_PATH_MAX);
		a = (struct arc){0};
		arc_entry(&a, &(struct ent){.name = "l",
					    .mode = VFS_IFLNK | 0777,
					    .data = target,
					    .dlen = VFS_PATH_MAX});
		arc_trailer(&a);
		expect_bad(&a, -EINVAL, 0, "target too long");
		free(a.p);
	}
	/* A component over 255 bytes. */
	memset(long_name, 'n', 256);
	long_name[256] = '\0';
	a = (struct arc){0};
	arc_file(&a, long_name, 0644, "x");
	arc_trailer(&a);
	expect_bad(&a, -ENAMETOOLONG, 0, "long component");
	free(a.p);
	/* A non-directory for the root; a file as a parent. */
	a = (struct arc){0};
	arc_file(&a, "./", 0644, "root?");
	arc_trailer(&a);
	expect_bad(&a, -EINVAL, 0, "file as root");
	free(a.p);
	a = (struct arc){0};
	arc_file(&a, "f", 0644, "x");
	arc_file(&a, "f/x", 0644, "y");
	arc_trailer(&a);
	expect_bad(&a, -ENOTDIR, 1, "file as parent");
	free(a.p);
	/* A parent symlink to a file. */
	a = (struct arc){0};
	arc_file(&a, "f", 0644, "x");
	arc_link(&a, "lf", "f");
	arc_file(&a, "lf/x", 0644, "y");
	arc_trailer(&a);
	expect_bad(&a, -ENOTDIR, 2, "symlink to a file as parent");
	free(a.p);
	/* A parent symlink loop. */
	a = (struct arc){0};
	arc_link(&a, "l1", "l2");
	arc_link(&a, "l2", "l1");
	arc_file(&a, "l1/x", 0644, "y");
	arc_trailer(&a);
	expect_bad(&a, -ELOOP, 2, "symlink loop as parent");
	free(a.p);
}

/* Every prefix of a real archive: an error with the entries before the cut, never a crash. */
static void test_truncated(void **state)
{
	size_t len, trailer_end;
	uint8_t *p = load("data/vfs-tree.cpio", &len);
	unsigned last = 0;

	(void)state;
	/* The trailer's end: the tool pads the archive to 512 bytes with zeros after it. */
	for (trailer_end = len; trailer_end > 0 && !p[trailer_end - 1]; trailer_end--)
		;
	trailer_end = ALIGN_UP(trailer_end + 1, (size_t)4); /* the name's NUL, padding */
	for (size_t cut = 0; cut <= len; cut += cut < 2048 || cut > trailer_end - 300 ? 1 : 61) {
		struct tenv *t = tenv_setup(0, 0);
		struct cpio_result res;
		int err = unpack(t, p, cut, &res);

		if (cut >= trailer_end || cut == 0) {
			assert_int_equal(err, 0);
		} else {
			assert_int_equal(err, -EINVAL);
			assert_non_null(res.why);
		}
		assert_true(res.entries >= last);
		last = res.entries;
		tenv_teardown(t);
	}
	assert_int_equal(last, 20);
	free(p);
}

/* A small complete archive with one entry of every kind, for the fuzzer. */
static struct arc fuzz_seed(void)
{
	struct arc a = {0};

	arc_dir(&a, ".", 0755);
	arc_dir(&a, "etc", 0755);
	arc_file(&a, "etc/passwd", 0644, "root:x:0:0::/:/bin/sh\n");
	arc_link(&a, "bin/sh", "busybox");
	arc_dir(&a, "usr/lib", 0755);
	arc_link(&a, "lib", "usr/lib");
	arc_file(&a, "lib/x.so", 0755, "ELF");
	arc_entry(&a, &(struct ent){.name = "h1", .mode = VFS_IFREG | 0644, .ino = 4, .nlink = 2});
	arc_entry(&a, &(struct ent){.name = "d/h2",
				    .mode = VFS_IFREG | 0644,
				    .ino = 4,
				    .nlink = 2,
				    .data = "hard"});
	arc_entry(&a, &(struct ent){
			      .name = "dev/null", .mode = VFS_IFCHR | 0666, .rmaj = 1, .rmin = 3});
	arc_entry(&a, &(struct ent){
			      .name = "crc", .mode = VFS_IFREG | 0600, .crc = true, .data = "sum"});
	arc_trailer(&a);
	arc_file(&a, "etc/passwd", 0600, "overlay\n");
	arc_trailer(&a);
	return a;
}

/* Random damage to real and synthetic archives: any result but a crash, a leak or UB. */
static void test_fuzz(void **state)
{
	size_t rlen;
	uint8_t *real = load("data/vfs-tree.cpio", &rlen);
	struct arc seed = fuzz_seed();
	uint8_t *p = malloc(rlen + seed.len);
	uint64_t rng = 0x2545f4914f6cdd1dULL;
	static const char hex[] = "0123456789ABCDEFfg";
	unsigned ok = 0, failed = 0;

	(void)state;
	/* Unharmed, the seed unpacks. */
	expect_bad(&seed, 0, 12, "fuzz seed");
	for (int iter = 0; iter < 6000; iter++) {
		struct tenv *t = tenv_setup(64 * VFS_PAGE_SIZE, 200);
		struct cpio_result res;
		size_t len;
		int n, err;

		/* Half on the seed, half on the first headers of the real archive. */
		if (iter % 2) {
			len = seed.len;
			memcpy(p, seed.p, len);
		} else {
			len = 3072;
			memcpy(p, real, len);
		}
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		n = 1 + (int)(rng % 4);
		for (int k = 0; k < n; k++) {
			size_t at;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			at = (size_t)(rng >> 16) % len;
			switch (rng % 4) {
			case 0:
				p[at] ^= (uint8_t)(1u << (rng >> 8) % 8);
				break;
			case 1:
				p[at] = (uint8_t)hex[(rng >> 24) % (sizeof(hex) - 1)];
				break;
			case 2:
				p[at] = (uint8_t) "/.\0"[(rng >> 24) % 3];
				break;
			default:
				p[at] = (uint8_t)(rng >> 32);
				break;
			}
		}
		if (rng >> 62 == 0)
			len -= (rng >> 40) % 64;
		err = unpack(t, p, len, &res);
		assert_true(err <= 0);
		assert_true(res.entries <= 20);
		if (err) {
			assert_non_null(res.why);
			failed++;
		} else {
			ok++;
		}
		tenv_teardown(t);
	}
	/* The damage was sometimes harmless, sometimes not. */
	assert_true(ok > 100);
	assert_true(failed > 1000);
	free(seed.p);
	free(real);
	free(p);
}

static void test_enospc_and_enomem(void **state)
{
	size_t len;
	uint8_t *p = load("data/vfs-tree.cpio", &len);
	struct cpio_result res;
	struct tenv *t = tenv_setup(4 * VFS_PAGE_SIZE, 0);
	long total, base;

	(void)state;
	assert_int_equal(unpack(t, p, len, &res), -ENOSPC);
	assert_true(res.entries > 0 && res.entries < 20);
	assert_non_null(res.why);
	tenv_teardown(t);
	/* Each allocation fails once in turn. */
	t = tenv_setup(0, 0);
	base = t->allocs_total;
	assert_int_equal(unpack(t, p, len, &res), 0);
	total = t->allocs_total - base;
	tenv_teardown(t);
	for (long i = 0; i < total; i++) {
		int err;

		t = tenv_setup(0, 0);
		t->fail_once = i;
		err = unpack(t, p, len, &res);
		assert_true(err == 0 || err == -ENOMEM);
		if (err)
			assert_non_null(res.why);
		tenv_teardown(t);
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checked_in_archive),
		cmocka_unit_test(test_real_cpio_tool),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_entry_kinds),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_enospc_and_enomem),
	};

	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
