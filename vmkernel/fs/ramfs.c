/* ramfs/tmpfs: vnode ops over hashed directories and radix-indexed sparse file pages. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmk/compiler.h>
#include <vmk/ramfs.h>

/*
 * Layout. A struct ramfs_node embeds the vnode (v.priv points back at the node) and is on the
 * instance's list of all nodes. A directory holds:
 *   - a hash table of dirents (power-of-two buckets, chained, grown to keep load <= 1; a
 *     failed growth only lengthens chains), for lookup;
 *   - an array of (seq, dirent) slots in creation order. seq is the readdir cookie; a removed
 *     entry leaves a tombstone (dirent NULL) so the array stays sorted by seq and a cookie is
 *     found by binary search. The array is compacted when tombstones outnumber entries.
 * Memory for an insertion is reserved before anything changes, so a failing op changes nothing.
 *
 * A regular file's data: height 0 means root is the data page of index 0 (or NULL); height h
 * means root is an index page of RAMFS_FANOUT slots, each covering RAMFS_FANOUT^(h-1) pages.
 * Missing slots are holes. The tree grows at the top as the file grows and is trimmed on
 * truncation.
 *
 * One file past the ~1,000-line mark on purpose: every op works on the node layout above and
 * its helpers; the page radix (data_page, radix_trim, data_trim) is where to cut if it grows.
 */

#define RAMFS_SHIFT	  9
#define RAMFS_FANOUT	  (1u << RAMFS_SHIFT)
#define RAMFS_MAX_HEIGHT  4 /* RAMFS_FANOUT^4 pages = VFS_MAX_FILE_SIZE */
#define RAMFS_HASH_MIN	  8
#define RAMFS_BOGO_DIRENT 20 /* directory st_size per entry, as tmpfs */
#define RAMFS_DAY_NS	  (86400LL * 1000000000LL)
#define RAMFS_NLINK_MAX	  UINT32_MAX

_Static_assert(VFS_MAX_FILE_SIZE == (uint64_t)VFS_PAGE_SIZE << (RAMFS_SHIFT * RAMFS_MAX_HEIGHT),
	       "radix height must cover VFS_MAX_FILE_SIZE");
_Static_assert(VFS_PAGE_SIZE == RAMFS_FANOUT * sizeof(void *), "an index page holds the slots");

struct ramfs_node;

struct ramfs_dirent {
	struct ramfs_dirent *hnext;
	struct ramfs_node *node;
	uint64_t seq;
	uint32_t hash;
	uint16_t len;
	char name[];
};

struct ramfs_slot {
	uint64_t seq;
	struct ramfs_dirent *de; /* NULL: removed */
};

struct ramfs_node {
	struct vnode v;
	struct ramfs *fs;
	struct ramfs_node *all_prev, *all_next;
	union {
		struct {
			void *root;
			unsigned height;
			uint64_t pages; /* data pages held */
		} file;
		struct {
			struct ramfs_dirent **htab;
			uint32_t hsize; /* buckets, 0 or a power of two */
			uint32_t count; /* entries */
			struct ramfs_slot *order;
			uint32_t olen, ocap; /* slots used (tombstones included), allocated */
			uint64_t next_seq;
			struct ramfs_node *parent; /* NULL: the root, or removed (nlink 0) */
		} dir;
		struct {
			char *target;
		} lnk;
	};
};

struct ramfs {
	struct vfs_env env;
	struct mount *mnt;
	struct ramfs_node *root;
	struct ramfs_node *all;
	uint64_t max_pages, max_inodes;
	uint64_t next_ino;
	struct ramfs_stats st;
};

static const struct vnode_ops ramfs_vnode_ops;
static const struct mount_ops ramfs_mount_ops;

/* ---- Helpers ---- */

static struct ramfs_node *rn(struct vnode *v)
{
	return v->priv;
}

static void *rfs_alloc(struct ramfs *fs, size_t size)
{
	void *p = fs->env.alloc(size, fs->env.ctx);

	if (p)
		fs->st.bytes_alloc += size;
	return p;
}

static void rfs_free(struct ramfs *fs, void *p, size_t size)
{
	if (!p)
		return;
	fs->st.bytes_alloc -= size;
	fs->env.free(p, size, fs->env.ctx);
}

static void *rfs_zpage(struct ramfs *fs)
{
	void *p = fs->env.alloc_page(fs->env.ctx);

	if (p)
		memset(p, 0, VFS_PAGE_SIZE);
	return p;
}

static int64_t rfs_now(const struct ramfs *fs)
{
	return fs->env.now_ns ? fs->env.now_ns(fs->env.ctx) : 0;
}

static void touch_mc(struct ramfs_node *n)
{
	n->v.mtime_ns = n->v.ctime_ns = rfs_now(n->fs);
}

static bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

static int name_check(const char *name, size_t len)
{
	if (!len)
		return -EINVAL;
	if (len > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return -EINVAL;
	return 0;
}

/* A live directory of this file system, or why not. */
static int dir_check(struct vnode *v)
{
	if (v->ops != &ramfs_vnode_ops)
		return -EXDEV;
	if (v->type != VNODE_DIR)
		return -ENOTDIR;
	if (!v->nlink)
		return -ENOENT;
	return 0;
}

/* A regular file, or why not. */
static int reg_check(const struct vnode *v)
{
	if (v->type == VNODE_REG)
		return 0;
	return v->type == VNODE_DIR ? -EISDIR : -EINVAL;
}

/* The usual prologue of a name op: dv a live directory of ours, name valid. */
static int dir_arg(struct vnode *dv, const char *name, size_t len, struct ramfs_node **d)
{
	int err = dir_check(dv);

	*d = err ? NULL : rn(dv);
	return err ? err : name_check(name, len);
}

static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)name[i];
		h *= 16777619u;
	}
	return h;
}

/* ---- Directories ---- */

static struct ramfs_dirent *dir_find(struct ramfs_node *d, const char *name, size_t len)
{
	uint32_t h;

	if (!d->dir.hsize)
		return NULL;
	h = name_hash(name, len);
	for (struct ramfs_dirent *de = d->dir.htab[h & (d->dir.hsize - 1)]; de; de = de->hnext) {
		if (de->hash == h && de->len == len && !memcmp(de->name, name, len))
			return de;
	}
	return NULL;
}

static bool dir_rehash(struct ramfs_node *d, uint32_t nsize)
{
	struct ramfs *fs = d->fs;
	struct ramfs_dirent **nt = rfs_alloc(fs, nsize * sizeof(*nt));

	if (!nt)
		return false;
	memset(nt, 0, nsize * sizeof(*nt));
	for (uint32_t i = 0; i < d->dir.hsize; i++) {
		struct ramfs_dirent *de = d->dir.htab[i], *next;

		for (; de; de = next) {
			next = de->hnext;
			de->hnext = nt[de->hash & (nsize - 1)];
			nt[de->hash & (nsize - 1)] = de;
		}
	}
	rfs_free(fs, d->dir.htab, d->dir.hsize * sizeof(*nt));
	d->dir.htab = nt;
	d->dir.hsize = nsize;
	return true;
}

static void dir_compact(struct ramfs_node *d)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < d->dir.olen; i++) {
		if (d->dir.order[i].de)
			d->dir.order[j++] = d->dir.order[i];
	}
	d->dir.olen = j;
}

/* Make room for one more entry: after success dir_insert cannot fail. */
static int dir_reserve(struct ramfs_node *d)
{
	struct ramfs *fs = d->fs;
	struct ramfs_slot *no;
	uint32_t ncap;

	if (!d->dir.hsize && !dir_rehash(d, RAMFS_HASH_MIN))
		return -ENOMEM;
	if (d->dir.count >= d->dir.hsize && d->dir.hsize < (1u << 30))
		dir_rehash(d, d->dir.hsize * 2); /* failure only lengthens chains */
	if (d->dir.olen < d->dir.ocap)
		return 0;
	if (d->dir.olen - d->dir.count >= d->dir.ocap / 4 && d->dir.count < d->dir.ocap) {
		dir_compact(d);
		return 0;
	}
	if (d->dir.ocap >= UINT32_MAX / 2)
		return -ENOSPC;
	ncap = d->dir.ocap ? d->dir.ocap * 2 : 8;
	no = rfs_alloc(fs, ncap * sizeof(*no));
	if (!no)
		return -ENOMEM;
	if (d->dir.olen)
		memcpy(no, d->dir.order, d->dir.olen * sizeof(*no));
	rfs_free(fs, d->dir.order, d->dir.ocap * sizeof(*no));
	d->dir.order = no;
	d->dir.ocap = ncap;
	return 0;
}

static void dir_insert(struct ramfs_node *d, struct ramfs_dirent *de)
{
	uint32_t b = de->hash & (d->dir.hsize - 1);

	de->seq = d->dir.next_seq++;
	de->hnext = d->dir.htab[b];
	d->dir.htab[b] = de;
	d->dir.order[d->dir.olen++] = (struct ramfs_slot){.seq = de->seq, .de = de};
	d->dir.count++;
	d->v.size = (uint64_t)(d->dir.count + 2) * RAMFS_BOGO_DIRENT;
}

/* First slot whose seq is >= seq. */
static uint32_t dir_lower_bound(const struct ramfs_node *d, uint64_t seq)
{
	uint32_t lo = 0, hi = d->dir.olen;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->dir.order[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void dir_remove(struct ramfs_node *d, struct ramfs_dirent *de)
{
	struct ramfs_dirent **pp = &d->dir.htab[de->hash & (d->dir.hsize - 1)];
	uint32_t i;

	while (*pp != de)
		pp = &(*pp)->hnext;
	*pp = de->hnext;
	i = dir_lower_bound(d, de->seq);
	d->dir.order[i].de = NULL;
	d->dir.count--;
	d->v.size = (uint64_t)(d->dir.count + 2) * RAMFS_BOGO_DIRENT;
	if (!d->dir.count)
		d->dir.olen = 0;
	else if (d->dir.olen > 16 && d->dir.olen - d->dir.count > d->dir.count)
		dir_compact(d);
}

static struct ramfs_dirent *dirent_new(struct ramfs *fs, const char *name, size_t len)
{
	struct ramfs_dirent *de = rfs_alloc(fs, sizeof(*de) + len + 1);

	if (!de)
		return NULL;
	memset(de, 0, sizeof(*de));
	memcpy(de->name, name, len);
	de->name[len] = '\0';
	de->len = (uint16_t)len;
	de->hash = name_hash(name, len);
	return de;
}

static void dirent_free(struct ramfs *fs, struct ramfs_dirent *de)
{
	rfs_free(fs, de, sizeof(*de) + de->len + 1);
}

/* A dirent for name and room for it in d: dir_insert of it cannot fail after this. */
static int dirent_prepare(struct ramfs_node *d, const char *name, size_t len,
			  struct ramfs_dirent **out)
{
	int err;

	*out = dirent_new(d->fs, name, len);
	if (!*out)
		return -ENOMEM;
	if ((err = dir_reserve(d))) {
		dirent_free(d->fs, *out);
		*out = NULL;
	}
	return err;
}

/* ---- File data ---- */

static uint64_t radix_capacity(unsigned height)
{
	return 1ULL << (RAMFS_SHIFT * height);
}

static void *rfs_index_page(struct ramfs *fs)
{
	void *p = rfs_zpage(fs);

	if (p)
		fs->st.index_pages++;
	return p;
}

/*
 * The data page of index idx. alloc: fill a hole with a zeroed page (-ENOSPC at the limit,
 * -ENOMEM); else a hole gives NULL.
 */
static int data_page(struct ramfs_node *n, uint64_t idx, bool alloc, uint8_t **out)
{
	struct ramfs *fs = n->fs;
	void **slot = &n->file.root;
	void **top;

	*out = NULL;
	if (idx < radix_capacity(n->file.height)) {
		for (unsigned h = n->file.height; h > 0 && *slot; h--)
			slot = &((void **)*slot)[(idx >> (RAMFS_SHIFT * (h - 1))) &
						 (RAMFS_FANOUT - 1)];
		if (n->file.height == 0 || *slot) {
			*out = *slot;
			if (*out || !alloc)
				return 0;
		}
	}
	if (!alloc)
		return 0;
	if (fs->max_pages && fs->st.data_pages >= fs->max_pages)
		return -ENOSPC;
	while (idx >= radix_capacity(n->file.height)) {
		if (!n->file.root) {
			while (idx >= radix_capacity(n->file.height))
				n->file.height++;
			break;
		}
		top = rfs_index_page(fs);
		if (!top)
			return -ENOMEM;
		top[0] = n->file.root;
		n->file.root = top;
		n->file.height++;
	}
	slot = &n->file.root;
	for (unsigned h = n->file.height; h > 0; h--) {
		if (!*slot && !(*slot = rfs_index_page(fs)))
			return -ENOMEM;
		slot = &((void **)*slot)[(idx >> (RAMFS_SHIFT * (h - 1))) & (RAMFS_FANOUT - 1)];
	}
	if (!*slot) {
		if (!(*slot = rfs_zpage(fs)))
			return -ENOMEM;
		fs->st.data_pages++;
		n->file.pages++;
	}
	*out = *slot;
	return 0;
}

/*
 * Free the data pages of index >= first under *slot, a subtree of height h whose first page
 * has index base; index pages left empty go too.
 */
static void radix_trim(struct ramfs_node *n, void **slot, unsigned h, uint64_t base, uint64_t first)
{
	struct ramfs *fs = n->fs;
	uint64_t span;
	bool empty = true;
	void **node = *slot;

	if (!node)
		return;
	if (h == 0) {
		if (base >= first) {
			fs->env.free_page(node, fs->env.ctx);
			fs->st.data_pages--;
			n->file.pages--;
			*slot = NULL;
		}
		return;
	}
	span = radix_capacity(h - 1);
	for (unsigned i = 0; i < RAMFS_FANOUT; i++) {
		uint64_t b = base + i * span;

		if (node[i] && b + span > first)
			radix_trim(n, &node[i], h - 1, b, first);
		if (node[i])
			empty = false;
	}
	if (empty) {
		fs->env.free_page(node, fs->env.ctx);
		fs->st.index_pages--;
		*slot = NULL;
	}
}

/* Keep only pages below npages; lower the tree while its top holds only slot 0. */
static void data_trim(struct ramfs_node *n, uint64_t npages)
{
	struct ramfs *fs = n->fs;

	radix_trim(n, &n->file.root, n->file.height, 0, npages);
	while (n->file.height > 0 && n->file.root) {
		void **top = n->file.root;
		bool only0 = true;

		for (unsigned i = 1; i < RAMFS_FANOUT && only0; i++)
			only0 = !top[i];
		if (!only0)
			break;
		n->file.root = top[0];
		n->file.height--;
		fs->env.free_page(top, fs->env.ctx);
		fs->st.index_pages--;
	}
	if (!n->file.root)
		n->file.height = 0;
}

static int ramfs_truncate(struct vnode *v, uint64_t size)
{
	struct ramfs_node *n = rn(v);
	int err = reg_check(v);

	if (err)
		return err;
	if (size > VFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (size < n->v.size) {
		uint8_t *page;

		data_trim(n, (size + VFS_PAGE_SIZE - 1) / VFS_PAGE_SIZE);
		/* The cut page's tail must read as zeros if the file grows again. */
		if (size % VFS_PAGE_SIZE) {
			data_page(n, size / VFS_PAGE_SIZE, false, &page);
			if (page)
				memset(page + size % VFS_PAGE_SIZE, 0,
				       VFS_PAGE_SIZE - size % VFS_PAGE_SIZE);
		}
	}
	n->v.size = size;
	touch_mc(n);
	return 0;
}

/* ---- Nodes ---- */

static struct ramfs_node *node_new(struct ramfs *fs, enum vnode_type type,
				   const struct vfs_newattr *a)
{
	struct ramfs_node *n;
	int64_t now = rfs_now(fs);

	if (fs->max_inodes && fs->st.inodes >= fs->max_inodes)
		return NULL;
	n = rfs_alloc(fs, sizeof(*n));
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->fs = fs;
	n->v.type = type;
	n->v.mode = a->mode & VFS_IPERM;
	n->v.uid = a->uid;
	n->v.gid = a->gid;
	if (type == VNODE_CHR || type == VNODE_BLK)
		n->v.rdev = a->rdev;
	n->v.ino = fs->next_ino++;
	n->v.atime_ns = n->v.mtime_ns = n->v.ctime_ns = now;
	n->v.ops = &ramfs_vnode_ops;
	n->v.priv = n;
	n->v.mount = fs->mnt;
	if (type == VNODE_DIR) {
		n->dir.next_seq = 2;
		n->v.size = 2 * RAMFS_BOGO_DIRENT;
	}
	n->all_next = fs->all;
	if (fs->all)
		fs->all->all_prev = n;
	fs->all = n;
	fs->st.inodes++;
	return n;
}

static void node_free(struct ramfs_node *n)
{
	struct ramfs *fs = n->fs;

	switch (n->v.type) {
	case VNODE_REG:
		data_trim(n, 0);
		break;
	case VNODE_DIR:
		for (uint32_t i = 0; i < n->dir.olen; i++) {
			if (n->dir.order[i].de)
				dirent_free(fs, n->dir.order[i].de);
		}
		rfs_free(fs, n->dir.order, n->dir.ocap * sizeof(*n->dir.order));
		rfs_free(fs, n->dir.htab, n->dir.hsize * sizeof(*n->dir.htab));
		break;
	case VNODE_LNK:
		rfs_free(fs, n->lnk.target, n->v.size + 1);
		break;
	default:
		break;
	}
	if (n->all_prev)
		n->all_prev->all_next = n->all_next;
	else
		fs->all = n->all_next;
	if (n->all_next)
		n->all_next->all_prev = n->all_prev;
	fs->st.inodes--;
	rfs_free(fs, n, sizeof(*n));
}

/* One name of n is gone; free n if that was the last and nobody holds it. */
static void node_drop_name(struct ramfs_node *n)
{
	if (n->v.type == VNODE_DIR) {
		n->v.nlink = 0;
		n->dir.parent = NULL;
	} else {
		n->v.nlink--;
	}
	n->v.ctime_ns = rfs_now(n->fs);
	if (!n->v.nlink && !n->v.refcount)
		node_free(n);
}

/* ---- Vnode ops: names ---- */

static int ramfs_lookup(struct vnode *dv, const char *name, size_t len, struct vnode **out)
{
	struct ramfs_node *d;
	struct ramfs_dirent *de;
	int err = dir_arg(dv, name, len, &d);

	*out = NULL;
	if (err)
		return err;
	if (is_dot(name, len)) {
		*out = vnode_get(dv);
		return 0;
	}
	if (is_dotdot(name, len)) {
		*out = vnode_get(d->dir.parent ? &d->dir.parent->v : dv);
		return 0;
	}
	de = dir_find(d, name, len);
	if (!de)
		return -ENOENT;
	*out = vnode_get(&de->node->v);
	return 0;
}

/* Everything create, mkdir, mknod and symlink share. */
static int make_node(struct vnode *dv, const char *name, size_t len, enum vnode_type type,
		     const struct vfs_newattr *a, const char *target, size_t tlen,
		     struct vnode **out)
{
	struct ramfs_node *d, *n;
	struct ramfs_dirent *de;
	char *t = NULL;
	int err = dir_arg(dv, name, len, &d);

	if (out)
		*out = NULL;
	if (err)
		return err;
	if (is_dot(name, len) || is_dotdot(name, len) || dir_find(d, name, len))
		return -EEXIST;
	if (type == VNODE_DIR && d->v.nlink >= RAMFS_NLINK_MAX)
		return -EMLINK;
	if ((err = dirent_prepare(d, name, len, &de)))
		return err;
	if (type == VNODE_LNK) {
		t = rfs_alloc(d->fs, tlen + 1);
		if (!t) {
			err = -ENOMEM;
			goto fail_de;
		}
		memcpy(t, target, tlen);
		t[tlen] = '\0';
	}
	n = node_new(d->fs, type, a);
	if (!n) {
		err = d->fs->max_inodes && d->fs->st.inodes >= d->fs->max_inodes ? -ENOSPC
										 : -ENOMEM;
		goto fail_t;
	}
	if (type == VNODE_DIR) {
		n->v.nlink = 2;
		n->dir.parent = d;
		d->v.nlink++;
	} else {
		n->v.nlink = 1;
	}
	if (type == VNODE_LNK) {
		n->lnk.target = t;
		n->v.size = tlen;
	}
	de->node = n;
	dir_insert(d, de);
	touch_mc(d);
	if (out)
		*out = vnode_get(&n->v);
	return 0;

fail_t:
	rfs_free(d->fs, t, tlen + 1);
fail_de:
	dirent_free(d->fs, de);
	return err;
}

static int ramfs_create(struct vnode *dir, const char *name, size_t len,
			const struct vfs_newattr *a, struct vnode **out)
{
	return make_node(dir, name, len, VNODE_REG, a, NULL, 0, out);
}

static int ramfs_mkdir(struct vnode *dir, const char *name, size_t len, const struct vfs_newattr *a,
		       struct vnode **out)
{
	return make_node(dir, name, len, VNODE_DIR, a, NULL, 0, out);
}

static int ramfs_mknod(struct vnode *dir, const char *name, size_t len, const struct vfs_newattr *a,
		       struct vnode **out)
{
	uint32_t fmt = a->mode & VFS_IFMT;
	enum vnode_type t = fmt ? vfs_mode_to_type(fmt) : VNODE_REG;

	if (out)
		*out = NULL;
	if (t == VNODE_DIR)
		return -EPERM;
	if (t == VNODE_NONE || t == VNODE_LNK)
		return -EINVAL;
	return make_node(dir, name, len, t, a, NULL, 0, out);
}

static int ramfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
			 size_t tlen, const struct vfs_newattr *a, struct vnode **out)
{
	if (out)
		*out = NULL;
	if (!tlen)
		return -ENOENT;
	if (tlen >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	return make_node(dir, name, len, VNODE_LNK, a, target, tlen, out);
}

static int64_t ramfs_readlink(struct vnode *v, char *buf, size_t len)
{
	size_t n;

	if (v->type != VNODE_LNK)
		return -EINVAL;
	n = MIN(len, (size_t)v->size);
	memcpy(buf, rn(v)->lnk.target, n);
	return (int64_t)n;
}

static int ramfs_link(struct vnode *dv, const char *name, size_t len, struct vnode *v)
{
	struct ramfs_node *d, *n;
	struct ramfs_dirent *de;
	int err = dir_arg(dv, name, len, &d);

	if (err)
		return err;
	if (v->ops != &ramfs_vnode_ops || rn(v)->fs != d->fs)
		return -EXDEV;
	if (v->type == VNODE_DIR)
		return -EPERM;
	n = rn(v);
	if (is_dot(name, len) || is_dotdot(name, len) || dir_find(d, name, len))
		return -EEXIST;
	if (!n->v.nlink)
		return -ENOENT;
	if (n->v.nlink >= RAMFS_NLINK_MAX)
		return -EMLINK;
	if ((err = dirent_prepare(d, name, len, &de)))
		return err;
	de->node = n;
	dir_insert(d, de);
	n->v.nlink++;
	n->v.ctime_ns = rfs_now(n->fs);
	touch_mc(d);
	return 0;
}

/* unlink (isdir false) and rmdir (isdir true). */
static int remove_name(struct vnode *dv, const char *name, size_t len, bool isdir)
{
	struct ramfs_dirent *de;
	struct ramfs_node *d, *n;
	int err = dir_arg(dv, name, len, &d);

	if (err)
		return err;
	if (is_dot(name, len) || is_dotdot(name, len))
		return !isdir ? -EISDIR : is_dot(name, len) ? -EINVAL : -ENOTEMPTY;
	de = dir_find(d, name, len);
	if (!de)
		return -ENOENT;
	n = de->node;
	if (!isdir && n->v.type == VNODE_DIR)
		return -EISDIR;
	if (isdir && n->v.type != VNODE_DIR)
		return -ENOTDIR;
	if (isdir && n->dir.count)
		return -ENOTEMPTY;
	if (n->v.mounted_here)
		return -EBUSY;
	dir_remove(d, de);
	dirent_free(d->fs, de);
	if (isdir)
		d->v.nlink--;
	touch_mc(d);
	node_drop_name(n);
	return 0;
}

static int ramfs_unlink(struct vnode *dv, const char *name, size_t len)
{
	return remove_name(dv, name, len, false);
}

static int ramfs_rmdir(struct vnode *dv, const char *name, size_t len)
{
	return remove_name(dv, name, len, true);
}

static int ramfs_rename(struct vnode *odv, const char *oname, size_t olen, struct vnode *ndv,
			const char *nname, size_t nlen, unsigned flags)
{
	struct ramfs_node *od, *nd, *src, *tgt = NULL;
	struct ramfs_dirent *ode, *nde, *de;
	int err;

	if (flags & ~(unsigned)VFS_RENAME_NOREPLACE)
		return -EINVAL;
	if ((err = dir_arg(odv, oname, olen, &od)) || (err = dir_arg(ndv, nname, nlen, &nd)))
		return err;
	if (od->fs != nd->fs)
		return -EXDEV;
	if (is_dot(oname, olen) || is_dotdot(oname, olen) || is_dot(nname, nlen) ||
	    is_dotdot(nname, nlen))
		return -EBUSY;
	ode = dir_find(od, oname, olen);
	if (!ode)
		return -ENOENT;
	src = ode->node;
	nde = dir_find(nd, nname, nlen);
	if (nde) {
		if (flags & VFS_RENAME_NOREPLACE)
			return -EEXIST;
		tgt = nde->node;
		if (tgt == src)
			return 0;
	}
	if (src->v.type == VNODE_DIR) {
		if (tgt && tgt->v.type != VNODE_DIR)
			return -ENOTDIR;
		if (tgt && tgt->dir.count)
			return -ENOTEMPTY;
		if (src->v.mounted_here || (tgt && tgt->v.mounted_here))
			return -EBUSY;
		for (struct ramfs_node *p = nd; p; p = p->dir.parent) {
			if (p == src)
				return -EINVAL;
		}
		if (od != nd && !tgt && nd->v.nlink >= RAMFS_NLINK_MAX)
			return -EMLINK;
	} else if (tgt && tgt->v.type == VNODE_DIR) {
		return -EISDIR;
	}
	if ((err = dirent_prepare(nd, nname, nlen, &de)))
		return err;
	/* Nothing fails from here on. */
	if (tgt) {
		dir_remove(nd, nde);
		dirent_free(nd->fs, nde);
		if (tgt->v.type == VNODE_DIR)
			nd->v.nlink--;
	}
	dir_remove(od, ode);
	dirent_free(od->fs, ode);
	de->node = src;
	dir_insert(nd, de);
	if (src->v.type == VNODE_DIR && od != nd) {
		od->v.nlink--;
		nd->v.nlink++;
		src->dir.parent = nd;
	}
	touch_mc(od);
	touch_mc(nd);
	src->v.ctime_ns = rfs_now(src->fs);
	if (tgt)
		node_drop_name(tgt);
	return 0;
}

/* ---- Vnode ops: data and attributes ---- */

/*
 * Copy between buf and the file's pages from off on: reads see holes as zeros, writes fill
 * them. Returns the bytes copied; *err says why a write stopped short.
 */
static size_t file_copy(struct ramfs_node *n, uint64_t off, uint8_t *buf, size_t len, bool write,
			int *err)
{
	size_t done = 0;

	*err = 0;
	while (done < len) {
		uint64_t pos = off + done;
		size_t po = pos % VFS_PAGE_SIZE;
		size_t chunk = MIN((size_t)(VFS_PAGE_SIZE - po), len - done);
		uint8_t *page;

		if ((*err = data_page(n, pos / VFS_PAGE_SIZE, write, &page)))
			break;
		if (write)
			memcpy(page + po, buf + done, chunk);
		else if (page)
			memcpy(buf + done, page + po, chunk);
		else
			memset(buf + done, 0, chunk);
		done += chunk;
	}
	return done;
}

static int64_t ramfs_read(struct vnode *v, uint64_t off, void *buf, size_t len)
{
	int64_t now;
	size_t done;
	int err = reg_check(v);

	if (err)
		return err;
	if (off >= v->size || !len)
		return 0;
	done = file_copy(rn(v), off, buf, (size_t)MIN((uint64_t)len, v->size - off), false, &err);
	now = rfs_now(rn(v)->fs);
	if (v->mount && (v->mount->flags & VFS_MNT_RDONLY))
		return (int64_t)done;
	if (v->atime_ns <= v->mtime_ns || v->atime_ns <= v->ctime_ns ||
	    now - v->atime_ns >= RAMFS_DAY_NS)
		v->atime_ns = now;
	return (int64_t)done;
}

static int64_t ramfs_write(struct vnode *v, uint64_t off, const void *buf, size_t len)
{
	size_t done;
	int err = reg_check(v);

	if (err || !len)
		return err;
	if (off >= VFS_MAX_FILE_SIZE)
		return -EFBIG;
	len = (size_t)MIN((uint64_t)len, VFS_MAX_FILE_SIZE - off);
	/* file_copy does not write through buf when write is true. */
	done = file_copy(rn(v), off, (uint8_t *)(uintptr_t)buf, len, true, &err);
	if (!done)
		return err;
	if (off + done > v->size)
		v->size = off + done;
	touch_mc(rn(v));
	return (int64_t)done;
}

static int ramfs_getpage(struct vnode *v, uint64_t pgoff, bool alloc, void **page)
{
	uint8_t *p;
	int err;

	*page = NULL;
	if ((err = reg_check(v)))
		return err;
	if (pgoff >= VFS_MAX_FILE_SIZE / VFS_PAGE_SIZE)
		return -EFBIG;
	err = data_page(rn(v), pgoff, alloc, &p);
	*page = p;
	return err;
}

static int ramfs_readdir(struct vnode *dv, uint64_t *cookie, vfs_filldir_t fill, void *arg)
{
	struct ramfs_node *d;
	int err = dir_check(dv);

	if (err)
		return err;
	d = rn(dv);
	if (*cookie == 0) {
		if (fill(arg, ".", 1, d->v.ino, VNODE_DIR, 1))
			return 0;
		*cookie = 1;
	}
	if (*cookie == 1) {
		struct ramfs_node *p = d->dir.parent ? d->dir.parent : d;

		if (fill(arg, "..", 2, p->v.ino, VNODE_DIR, 2))
			return 0;
		*cookie = 2;
	}
	for (uint32_t i = dir_lower_bound(d, *cookie); i < d->dir.olen; i++) {
		struct ramfs_dirent *de = d->dir.order[i].de;

		if (!de)
			continue;
		if (fill(arg, de->name, de->len, de->node->v.ino, de->node->v.type, de->seq + 1))
			return 0;
		*cookie = de->seq + 1;
	}
	return 0;
}

static int ramfs_getattr(struct vnode *v, struct vfs_stat *st)
{
	struct ramfs_node *n = rn(v);

	memset(st, 0, sizeof(*st));
	st->dev = n->fs->mnt->dev;
	st->ino = v->ino;
	st->rdev = v->rdev;
	st->size = v->size;
	st->blocks = v->type == VNODE_REG ? n->file.pages * (VFS_PAGE_SIZE / 512) : 0;
	st->mode = vfs_type_to_mode(v->type) | (v->mode & VFS_IPERM);
	st->nlink = v->nlink;
	st->uid = v->uid;
	st->gid = v->gid;
	st->blksize = VFS_PAGE_SIZE;
	st->atime_ns = v->atime_ns;
	st->mtime_ns = v->mtime_ns;
	st->ctime_ns = v->ctime_ns;
	return 0;
}

static int ramfs_setattr(struct vnode *v, const struct vfs_setattr *sa)
{
	struct ramfs_node *n = rn(v);
	int64_t now = rfs_now(n->fs);
	int err;

	if (sa->mask & VFS_SET_SIZE) {
		if ((err = ramfs_truncate(v, sa->size)))
			return err;
	}
	if (sa->mask & VFS_SET_MODE)
		v->mode = sa->mode & VFS_IPERM;
	if (sa->mask & VFS_SET_UID)
		v->uid = sa->uid;
	if (sa->mask & VFS_SET_GID)
		v->gid = sa->gid;
	if (sa->mask & VFS_SET_ATIME_NOW)
		v->atime_ns = now;
	else if (sa->mask & VFS_SET_ATIME)
		v->atime_ns = sa->atime_ns;
	if (sa->mask & VFS_SET_MTIME_NOW)
		v->mtime_ns = now;
	else if (sa->mask & VFS_SET_MTIME)
		v->mtime_ns = sa->mtime_ns;
	v->ctime_ns = sa->mask & VFS_SET_CTIME ? sa->ctime_ns : now;
	return 0;
}

static void ramfs_inactive(struct vnode *v)
{
	if (!v->nlink)
		node_free(rn(v));
}

static const struct vnode_ops ramfs_vnode_ops = {
	.lookup = ramfs_lookup,
	.create = ramfs_create,
	.mkdir = ramfs_mkdir,
	.mknod = ramfs_mknod,
	.symlink = ramfs_symlink,
	.readlink = ramfs_readlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
	.read = ramfs_read,
	.write = ramfs_write,
	.truncate = ramfs_truncate,
	.getpage = ramfs_getpage,
	.readdir = ramfs_readdir,
	.getattr = ramfs_getattr,
	.setattr = ramfs_setattr,
	.inactive = ramfs_inactive,
};

/* ---- Instance ---- */

static int ramfs_statfs(struct mount *m, struct vfs_statfs *st)
{
	struct ramfs *fs = m->fs;

	memset(st, 0, sizeof(*st));
	st->magic = VFS_TMPFS_MAGIC;
	st->bsize = VFS_PAGE_SIZE;
	/* Unlimited reports 0 blocks and files, as tmpfs does. */
	st->blocks = fs->max_pages;
	st->bfree = fs->max_pages ? fs->max_pages - fs->st.data_pages : 0;
	st->files = fs->max_inodes;
	st->ffree = fs->max_inodes ? fs->max_inodes - fs->st.inodes : 0;
	st->namelen = VFS_NAME_MAX;
	return 0;
}

static void ramfs_destroy(struct mount *m)
{
	struct ramfs *fs = m->fs;
	struct vfs_env env = fs->env;

	while (fs->all)
		node_free(fs->all);
	fs->st.bytes_alloc -= sizeof(*fs);
	env.free(fs, sizeof(*fs), env.ctx);
	m->fs = NULL;
	m->root = NULL;
}

static const struct mount_ops ramfs_mount_ops = {
	.statfs = ramfs_statfs,
	.destroy = ramfs_destroy,
};

int ramfs_new(struct mount *m, const struct ramfs_params *p)
{
	struct vfs_newattr a = {
		.mode = p->root_mode,
		.uid = p->root_uid,
		.gid = p->root_gid,
	};
	struct ramfs *fs = p->env.alloc(sizeof(*fs), p->env.ctx);

	memset(m, 0, sizeof(*m));
	if (!fs)
		return -ENOMEM;
	memset(fs, 0, sizeof(*fs));
	fs->env = p->env;
	fs->mnt = m;
	fs->max_pages = (p->max_bytes + VFS_PAGE_SIZE - 1) / VFS_PAGE_SIZE;
	if (p->max_bytes > UINT64_MAX - VFS_PAGE_SIZE)
		fs->max_pages = UINT64_MAX / VFS_PAGE_SIZE;
	fs->max_inodes = p->max_inodes;
	fs->next_ino = 1;
	fs->st.bytes_alloc = sizeof(*fs);
	fs->root = node_new(fs, VNODE_DIR, &a);
	if (!fs->root) {
		p->env.free(fs, sizeof(*fs), p->env.ctx);
		return -ENOMEM;
	}
	fs->root->v.nlink = 2;
	m->fs = fs;
	m->ops = &ramfs_mount_ops;
	m->dev = p->dev;
	m->root = vnode_get(&fs->root->v);
	return 0;
}

void ramfs_get_stats(const struct mount *m, struct ramfs_stats *out)
{
	const struct ramfs *fs = m->fs;

	*out = fs->st;
}

bool ramfs_is_ramfs(const struct vnode *v)
{
	return v->ops == &ramfs_vnode_ops;
}
