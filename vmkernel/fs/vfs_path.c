/* VFS path layer: mounts, permission rules, the path walk and the operations by path. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmk/compiler.h>
#include <vmk/vfs.h>

/*
 * The walk keeps the part of the path still to resolve right-aligned at the end of one
 * VFS_PATH_MAX scratch buffer. A symlink's target is read into the free space in front of it
 * and moved up against it, so "target" + "rest" is again one string at the end of the buffer;
 * a component is resolved in place. No recursion, one allocation per walk, and a path that
 * grows past VFS_PATH_MAX - 1 bytes through expansions is -ENAMETOOLONG.
 */

#define WALK_BUF VFS_PATH_MAX

uint32_t vfs_type_to_mode(enum vnode_type t)
{
	switch (t) {
	case VNODE_REG:
		return VFS_IFREG;
	case VNODE_DIR:
		return VFS_IFDIR;
	case VNODE_LNK:
		return VFS_IFLNK;
	case VNODE_CHR:
		return VFS_IFCHR;
	case VNODE_BLK:
		return VFS_IFBLK;
	case VNODE_FIFO:
		return VFS_IFIFO;
	case VNODE_SOCK:
		return VFS_IFSOCK;
	default:
		return 0;
	}
}

enum vnode_type vfs_mode_to_type(uint32_t mode)
{
	switch (mode & VFS_IFMT) {
	case VFS_IFREG:
		return VNODE_REG;
	case VFS_IFDIR:
		return VNODE_DIR;
	case VFS_IFLNK:
		return VNODE_LNK;
	case VFS_IFCHR:
		return VNODE_CHR;
	case VFS_IFBLK:
		return VNODE_BLK;
	case VFS_IFIFO:
		return VNODE_FIFO;
	case VFS_IFSOCK:
		return VNODE_SOCK;
	default:
		return VNODE_NONE;
	}
}

static bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

static bool is_root(const struct vfs_cred *cred)
{
	return !cred || cred->uid == 0;
}

/* ---- Mounts ---- */

int vfs_mount_attach(struct mount *m, struct vnode *covered, unsigned flags)
{
	if (covered) {
		if (covered->type != VNODE_DIR)
			return -ENOTDIR;
		if (covered->mounted_here)
			return -EBUSY;
		m->covered = vnode_get(covered);
		m->parent = covered->mount;
		if (m->parent)
			m->parent->nchildren++;
		covered->mounted_here = m;
	}
	m->flags = flags;
	return 0;
}

int vfs_umount(struct mount *m)
{
	if (m->nchildren || m->vnode_refs > 1)
		return -EBUSY;
	if (m->covered) {
		m->covered->mounted_here = NULL;
		if (m->parent)
			m->parent->nchildren--;
		vnode_put(m->covered);
		m->covered = NULL;
		m->parent = NULL;
	}
	vnode_put(m->root);
	m->ops->destroy(m);
	return 0;
}

/* ---- Permissions ---- */

bool vfs_in_group(const struct vfs_cred *cred, uint32_t gid)
{
	if (cred->gid == gid)
		return true;
	for (size_t i = 0; i < cred->ngroups; i++) {
		if (cred->groups[i] == gid)
			return true;
	}
	return false;
}

int vfs_permission(const struct vnode *v, const struct vfs_cred *cred, int mask)
{
	unsigned bits;

	if ((mask & VFS_MAY_WRITE) && v->mount && (v->mount->flags & VFS_MNT_RDONLY) &&
	    (v->type == VNODE_REG || v->type == VNODE_DIR || v->type == VNODE_LNK))
		return -EROFS;
	if (!cred)
		return 0;
	if (cred->uid == 0) {
		if (!(mask & VFS_MAY_EXEC) || v->type == VNODE_DIR || (v->mode & 0111))
			return 0;
		return -EACCES;
	}
	if (cred->uid == v->uid)
		bits = (v->mode >> 6) & 7;
	else if (vfs_in_group(cred, v->gid))
		bits = (v->mode >> 3) & 7;
	else
		bits = v->mode & 7;
	return (mask & 7 & ~bits) ? -EACCES : 0;
}

void vfs_newattr_init(struct vfs_newattr *a, const struct vnode *dir, const struct vfs_cred *cred,
		      uint32_t mode, uint64_t rdev)
{
	bool isdir = (mode & VFS_IFMT) == VFS_IFDIR;

	a->mode = mode;
	a->rdev = rdev;
	a->uid = cred ? cred->uid : 0;
	a->gid = cred ? cred->gid : 0;
	if (dir->mode & VFS_ISGID) {
		a->gid = dir->gid;
		if (isdir)
			a->mode |= VFS_ISGID;
	}
	/* Linux inode_init_owner: no set-group-ID file for a group the creator is not in. */
	if (!isdir && (a->mode & (VFS_ISGID | 010)) == (VFS_ISGID | 010) && !is_root(cred) &&
	    !vfs_in_group(cred, a->gid))
		a->mode &= ~(uint32_t)VFS_ISGID;
}

int vfs_setattr_prepare(struct vnode *v, const struct vfs_cred *cred, struct vfs_setattr *sa)
{
	bool root = is_root(cred);
	bool owner = root || cred->uid == v->uid;
	int err;

	if (v->mount && (v->mount->flags & VFS_MNT_RDONLY))
		return -EROFS;
	if (sa->mask & VFS_SET_SIZE) {
		if (v->type == VNODE_DIR)
			return -EISDIR;
		if (v->type != VNODE_REG)
			return -EINVAL;
		if ((err = vfs_permission(v, cred, VFS_MAY_WRITE)))
			return err;
	}
	if ((sa->mask & VFS_SET_UID) && !root && !(cred->uid == v->uid && sa->uid == v->uid))
		return -EPERM;
	if ((sa->mask & VFS_SET_GID) && !root &&
	    !(cred->uid == v->uid && (sa->gid == v->gid || vfs_in_group(cred, sa->gid))))
		return -EPERM;
	if (sa->mask & VFS_SET_MODE) {
		uint32_t gid = sa->mask & VFS_SET_GID ? sa->gid : v->gid;

		if (!owner)
			return -EPERM;
		if (!root && !vfs_in_group(cred, gid))
			sa->mode &= ~(uint32_t)VFS_ISGID;
	}
	if ((sa->mask & (VFS_SET_UID | VFS_SET_GID)) && v->type != VNODE_DIR) {
		uint32_t mode = sa->mask & VFS_SET_MODE ? sa->mode : v->mode;

		mode &= ~(uint32_t)VFS_ISUID;
		if ((mode & (VFS_ISGID | 010)) == (VFS_ISGID | 010))
			mode &= ~(uint32_t)VFS_ISGID;
		sa->mode = mode;
		sa->mask |= VFS_SET_MODE;
	}
	if ((sa->mask & (VFS_SET_ATIME | VFS_SET_MTIME | VFS_SET_CTIME)) && !owner)
		return -EPERM;
	if ((sa->mask & (VFS_SET_ATIME_NOW | VFS_SET_MTIME_NOW)) && !owner &&
	    (err = vfs_permission(v, cred, VFS_MAY_WRITE)))
		return err;
	return 0;
}

static int may_create(const struct vfs_ctx *ctx, struct vnode *dir)
{
	return vfs_permission(dir, ctx->cred, VFS_MAY_WRITE | VFS_MAY_EXEC);
}

int vfs_may_delete(const struct vfs_ctx *ctx, struct vnode *dir, struct vnode *child)
{
	const struct vfs_cred *cred = ctx->cred;
	int err = vfs_permission(dir, cred, VFS_MAY_WRITE | VFS_MAY_EXEC);

	if (err)
		return err;
	if (!is_root(cred) && (dir->mode & VFS_ISVTX) && cred->uid != dir->uid &&
	    cred->uid != child->uid)
		return -EPERM;
	return 0;
}

/* ---- Walk ---- */

struct walk {
	const struct vfs_ctx *ctx;
	char *buf; /* WALK_BUF bytes; the rest of the path is buf[pos, WALK_BUF) */
	size_t pos;
	struct vnode *cur; /* referenced: the directory reached so far */
	unsigned nlinks;   /* symlinks expanded */
	bool restart;	   /* a new string starts at pos: '/' there means the root */
	bool trailing;	   /* the last component was followed by '/' */
};

/*
 * The vnode name leads to from cur (referenced in *out): "." is cur, ".." goes up, through
 * the covered vnode at a mount root, never above the walk's root; a name crosses the mounts
 * on top of it down. Symlinks are returned as they are.
 */
static int walk_step(const struct vfs_ctx *ctx, struct vnode *cur, const char *name, size_t len,
		     struct vnode **out)
{
	struct vnode *child;
	int err;

	*out = NULL;
	if (is_dot(name, len)) {
		*out = vnode_get(cur);
		return 0;
	}
	if (is_dotdot(name, len)) {
		/* Covered vnodes are referenced by their mounts: no references needed here. */
		while (cur != ctx->root && cur->mount && cur == cur->mount->root &&
		       cur->mount->covered)
			cur = cur->mount->covered;
		if (cur == ctx->root) {
			*out = vnode_get(cur);
			return 0;
		}
		return cur->ops->lookup(cur, name, len, out);
	}
	err = cur->ops->lookup(cur, name, len, &child);
	if (err)
		return err;
	while (child->mounted_here) {
		struct vnode *r = vnode_get(child->mounted_here->root);

		vnode_put(child);
		child = r;
	}
	*out = child;
	return 0;
}

static void walk_set_cur(struct walk *w, struct vnode *v)
{
	vnode_put(w->cur);
	w->cur = v;
}

/* Put link's target in front of the rest of the path, which starts at rest. */
static int walk_expand(struct walk *w, struct vnode *link, size_t rest)
{
	int64_t n;

	if (++w->nlinks > VFS_SYMLOOP_MAX)
		return -ELOOP;
	if (!link->ops->readlink)
		return -EINVAL;
	if (link->size >= rest)
		return -ENAMETOOLONG;
	n = link->ops->readlink(link, w->buf, rest - 1);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	memmove(w->buf + rest - n, w->buf, (size_t)n);
	w->pos = rest - (size_t)n;
	w->restart = true;
	return 0;
}

/*
 * Resolve from w->pos on. Without last: to the end, w->cur is the result. With last: stop
 * before the last component and copy it there (following an existing last symlink when
 * follow_last).
 */
static int walk_run(struct walk *w, unsigned flags, struct vfs_name *last, bool follow_last)
{
	const struct vfs_ctx *ctx = w->ctx;
	char *buf = w->buf;

	for (;;) {
		struct vnode *child;
		const char *comp;
		size_t clen, r, q;
		bool is_last, trailing;
		int err;

		if (w->restart) {
			w->restart = false;
			if (w->pos < WALK_BUF && buf[w->pos] == '/')
				walk_set_cur(w, vnode_get(ctx->root));
		}
		while (w->pos < WALK_BUF && buf[w->pos] == '/')
			w->pos++;
		if (w->pos == WALK_BUF) {
			if (last) {
				memcpy(last->name, ".", 2);
				last->len = 1;
				last->trailing_slash = false;
			}
			return 0;
		}
		comp = buf + w->pos;
		for (r = w->pos; r < WALK_BUF && buf[r] != '/'; r++)
			;
		clen = r - w->pos;
		for (q = r; q < WALK_BUF && buf[q] == '/'; q++)
			;
		is_last = q == WALK_BUF;
		trailing = is_last && q > r;
		if (clen > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (w->cur->type != VNODE_DIR)
			return -ENOTDIR;
		if (ctx->cred && (err = vfs_permission(w->cur, ctx->cred, VFS_MAY_EXEC)))
			return err;
		if (last && is_last) {
			bool follow = follow_last && !is_dot(comp, clen) && !is_dotdot(comp, clen);

			child = NULL;
			if (follow) {
				err = w->cur->ops->lookup(w->cur, comp, clen, &child);
				if (err && err != -ENOENT)
					return err;
			}
			if (!child || child->type != VNODE_LNK) {
				vnode_put(child);
				memcpy(last->name, comp, clen);
				last->name[clen] = '\0';
				last->len = clen;
				last->trailing_slash = trailing;
				return 0;
			}
		} else {
			err = walk_step(ctx, w->cur, comp, clen, &child);
			if (err)
				return err;
		}
		if (child->type == VNODE_LNK &&
		    (!is_last || trailing || last || !(flags & VFS_WALK_NOFOLLOW))) {
			err = walk_expand(w, child, r);
			vnode_put(child);
			if (err)
				return err;
			continue;
		}
		walk_set_cur(w, child);
		w->pos = r;
		if (is_last) {
			w->pos = WALK_BUF;
			w->trailing = trailing;
		}
	}
}

/* Set up w for path from base; -errno for an empty or too long path, or no memory. */
static int walk_begin(struct walk *w, const struct vfs_ctx *ctx, struct vnode *base,
		      const char *path, unsigned flags, bool *empty)
{
	size_t len = strnlen(path, VFS_PATH_MAX);

	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	*empty = false;
	if (len == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (!len) {
		if (!(flags & VFS_WALK_EMPTY_PATH))
			return -ENOENT;
		*empty = true;
	}
	w->buf = ctx->env->alloc(WALK_BUF, ctx->env->ctx);
	if (!w->buf)
		return -ENOMEM;
	w->pos = WALK_BUF - len;
	memcpy(w->buf + w->pos, path, len);
	w->cur = vnode_get(path[0] == '/' ? ctx->root : base ? base : ctx->cwd);
	return 0;
}

static void walk_end(struct walk *w)
{
	if (w->buf)
		w->ctx->env->free(w->buf, WALK_BUF, w->ctx->env->ctx);
	vnode_put(w->cur);
}

int vfs_walk(const struct vfs_ctx *ctx, struct vnode *base, const char *path, unsigned flags,
	     struct vnode **out)
{
	struct walk w;
	bool empty;
	int err;

	*out = NULL;
	err = walk_begin(&w, ctx, base, path, flags, &empty);
	if (!err && !empty)
		err = walk_run(&w, flags, NULL, false);
	if (!err && (w.trailing || (flags & VFS_WALK_DIRECTORY)) && w.cur->type != VNODE_DIR)
		err = -ENOTDIR;
	if (!err) {
		*out = w.cur;
		w.cur = NULL;
	}
	walk_end(&w);
	return err;
}

int vfs_walk_parent(const struct vfs_ctx *ctx, struct vnode *base, const char *path, unsigned flags,
		    struct vnode **dir, struct vfs_name *last)
{
	struct walk w;
	bool empty;
	int err;

	*dir = NULL;
	err = walk_begin(&w, ctx, base, path, flags & ~(unsigned)VFS_WALK_EMPTY_PATH, &empty);
	if (!err)
		err = walk_run(&w, flags, last, flags & VFS_WALK_PARENT_FOLLOW);
	if (!err) {
		*dir = w.cur;
		w.cur = NULL;
	}
	walk_end(&w);
	return err;
}

int vfs_lookup(const struct vfs_ctx *ctx, struct vnode *dir, const char *name, size_t len,
	       struct vnode **out)
{
	int err;

	*out = NULL;
	if (len > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (dir->type != VNODE_DIR)
		return -ENOTDIR;
	if (ctx->cred && (err = vfs_permission(dir, ctx->cred, VFS_MAY_EXEC)))
		return err;
	return walk_step(ctx, dir, name, len, out);
}

/* ---- Operations by path ---- */

/*
 * Parent walk for making a name: *dir referenced on success (0), which also means the name is
 * free and may be created there. -EEXIST when it is taken ("." and ".." are), -ENOENT for a
 * trailing slash unless dir_ok, or the walk's or may_create's error.
 */
static int create_begin(const struct vfs_ctx *ctx, struct vnode *base, const char *path,
			bool dir_ok, struct vnode **dir, struct vfs_name *last)
{
	struct vnode *child;
	int err = vfs_walk_parent(ctx, base, path, 0, dir, last);

	if (err)
		return err;
	if (is_dot(last->name, last->len) || is_dotdot(last->name, last->len)) {
		err = -EEXIST;
		goto fail;
	}
	err = (*dir)->ops->lookup(*dir, last->name, last->len, &child);
	if (!err) {
		vnode_put(child);
		err = -EEXIST;
		goto fail;
	}
	if (err != -ENOENT)
		goto fail;
	if (last->trailing_slash && !dir_ok) {
		err = -ENOENT;
		goto fail;
	}
	if ((err = may_create(ctx, *dir)))
		goto fail;
	return 0;

fail:
	vnode_put(*dir);
	*dir = NULL;
	return err;
}

int vfs_mkdir(const struct vfs_ctx *ctx, struct vnode *base, const char *path, uint32_t mode)
{
	struct vfs_newattr a;
	struct vfs_name last;
	struct vnode *dir;
	int err = create_begin(ctx, base, path, true, &dir, &last);

	if (err)
		return err;
	vfs_newattr_init(&a, dir, ctx->cred, VFS_IFDIR | (mode & VFS_IPERM), 0);
	err = dir->ops->mkdir ? dir->ops->mkdir(dir, last.name, last.len, &a, NULL) : -EPERM;
	vnode_put(dir);
	return err;
}

int vfs_mknod(const struct vfs_ctx *ctx, struct vnode *base, const char *path, uint32_t mode,
	      uint64_t rdev)
{
	uint32_t fmt = mode & VFS_IFMT ? mode & VFS_IFMT : VFS_IFREG;
	enum vnode_type t = vfs_mode_to_type(fmt);
	struct vfs_newattr a;
	struct vfs_name last;
	struct vnode *dir;
	int err;

	if (t == VNODE_DIR)
		return -EPERM;
	if (t == VNODE_NONE || t == VNODE_LNK)
		return -EINVAL;
	if ((t == VNODE_CHR || t == VNODE_BLK) && !is_root(ctx->cred))
		return -EPERM;
	err = create_begin(ctx, base, path, false, &dir, &last);
	if (err)
		return err;
	vfs_newattr_init(&a, dir, ctx->cred, fmt | (mode & VFS_IPERM), rdev);
	err = dir->ops->mknod ? dir->ops->mknod(dir, last.name, last.len, &a, NULL) : -EPERM;
	vnode_put(dir);
	return err;
}

int vfs_symlink(const struct vfs_ctx *ctx, const char *target, struct vnode *base, const char *path)
{
	size_t tlen = strnlen(target, VFS_PATH_MAX);
	struct vfs_newattr a;
	struct vfs_name last;
	struct vnode *dir;
	int err;

	if (!tlen)
		return -ENOENT;
	if (tlen == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	err = create_begin(ctx, base, path, false, &dir, &last);
	if (err)
		return err;
	vfs_newattr_init(&a, dir, ctx->cred, VFS_IFLNK | 0777, 0);
	err = dir->ops->symlink
		      ? dir->ops->symlink(dir, last.name, last.len, target, tlen, &a, NULL)
		      : -EPERM;
	vnode_put(dir);
	return err;
}

int vfs_link(const struct vfs_ctx *ctx, struct vnode *oldbase, const char *oldpath,
	     struct vnode *newbase, const char *newpath, bool follow)
{
	struct vfs_name last;
	struct vnode *v, *dir;
	int err = vfs_walk(ctx, oldbase, oldpath, follow ? 0 : VFS_WALK_NOFOLLOW, &v);

	if (err)
		return err;
	if (v->type == VNODE_DIR) {
		vnode_put(v);
		return -EPERM;
	}
	err = create_begin(ctx, newbase, newpath, false, &dir, &last);
	if (err) {
		vnode_put(v);
		return err;
	}
	if (dir->mount != v->mount)
		err = -EXDEV;
	else if (!dir->ops->link)
		err = -EPERM;
	else
		err = dir->ops->link(dir, last.name, last.len, v);
	vnode_put(dir);
	vnode_put(v);
	return err;
}

/* Parent walk and lookup of an existing last name, for unlink, rmdir and rename. */
static int remove_begin(const struct vfs_ctx *ctx, struct vnode *base, const char *path,
			struct vnode **dir, struct vfs_name *last, struct vnode **child)
{
	int err = vfs_walk_parent(ctx, base, path, 0, dir, last);

	*child = NULL;
	if (err)
		return err;
	if (is_dot(last->name, last->len) || is_dotdot(last->name, last->len))
		return 0;
	err = (*dir)->ops->lookup(*dir, last->name, last->len, child);
	if (err) {
		vnode_put(*dir);
		*dir = NULL;
	}
	return err;
}

int vfs_unlink(const struct vfs_ctx *ctx, struct vnode *base, const char *path)
{
	struct vfs_name last;
	struct vnode *dir, *child;
	int err = remove_begin(ctx, base, path, &dir, &last, &child);

	if (err)
		return err;
	if (!child)
		err = -EISDIR;
	else if (child->type == VNODE_DIR)
		err = -EISDIR;
	else if (last.trailing_slash)
		err = -ENOTDIR;
	else if (!(err = vfs_may_delete(ctx, dir, child)))
		err = dir->ops->unlink ? dir->ops->unlink(dir, last.name, last.len) : -EPERM;
	vnode_put(child);
	vnode_put(dir);
	return err;
}

int vfs_rmdir(const struct vfs_ctx *ctx, struct vnode *base, const char *path)
{
	struct vfs_name last;
	struct vnode *dir, *child;
	int err = remove_begin(ctx, base, path, &dir, &last, &child);

	if (err)
		return err;
	if (!child)
		err = is_dot(last.name, last.len) ? -EINVAL : -ENOTEMPTY;
	else if (child->type != VNODE_DIR)
		err = -ENOTDIR;
	else if (child->mounted_here || child == ctx->root)
		err = -EBUSY;
	else if (!(err = vfs_may_delete(ctx, dir, child)))
		err = dir->ops->rmdir ? dir->ops->rmdir(dir, last.name, last.len) : -EPERM;
	vnode_put(child);
	vnode_put(dir);
	return err;
}

int vfs_rename(const struct vfs_ctx *ctx, struct vnode *oldbase, const char *oldpath,
	       struct vnode *newbase, const char *newpath, unsigned flags)
{
	struct vfs_name *names, *olast, *nlast;
	struct vnode *odir = NULL, *ndir = NULL, *src = NULL, *tgt = NULL;
	int err;

	/* Two names are 0.5 KiB: not for the kernel stack. */
	names = ctx->env->alloc(2 * sizeof(*names), ctx->env->ctx);
	if (!names)
		return -ENOMEM;
	olast = &names[0];
	nlast = &names[1];
	err = remove_begin(ctx, oldbase, oldpath, &odir, olast, &src);
	if (err)
		goto out;
	err = vfs_walk_parent(ctx, newbase, newpath, 0, &ndir, nlast);
	if (err)
		goto out;
	if (!src || is_dot(nlast->name, nlast->len) || is_dotdot(nlast->name, nlast->len)) {
		err = -EBUSY;
		goto out;
	}
	err = ndir->ops->lookup(ndir, nlast->name, nlast->len, &tgt);
	if (err && err != -ENOENT)
		goto out;
	err = 0;
	if (odir->mount != ndir->mount)
		err = -EXDEV;
	else if (src->type != VNODE_DIR && (olast->trailing_slash || nlast->trailing_slash))
		err = -ENOTDIR;
	else if (src->mounted_here || (tgt && tgt->mounted_here) || src == ctx->root)
		err = -EBUSY;
	if (err)
		goto out;
	if ((err = vfs_may_delete(ctx, odir, src)))
		goto out;
	err = tgt ? vfs_may_delete(ctx, ndir, tgt) : may_create(ctx, ndir);
	if (err)
		goto out;
	/* A directory moving elsewhere has its ".." rewritten. */
	if (src->type == VNODE_DIR && odir != ndir &&
	    (err = vfs_permission(src, ctx->cred, VFS_MAY_WRITE)))
		goto out;
	err = odir->ops->rename ? odir->ops->rename(odir, olast->name, olast->len, ndir,
						    nlast->name, nlast->len, flags)
				: -EPERM;
out:
	vnode_put(tgt);
	vnode_put(src);
	vnode_put(ndir);
	vnode_put(odir);
	ctx->env->free(names, 2 * sizeof(*names), ctx->env->ctx);
	return err;
}

int64_t vfs_readlink(const struct vfs_ctx *ctx, struct vnode *base, const char *path, char *buf,
		     size_t len)
{
	struct vnode *v;
	int64_t n;
	int err;

	if (!len)
		return -EINVAL;
	err = vfs_walk(ctx, base, path, VFS_WALK_NOFOLLOW, &v);
	if (err)
		return err;
	n = v->type == VNODE_LNK && v->ops->readlink ? v->ops->readlink(v, buf, len) : -EINVAL;
	vnode_put(v);
	return n;
}

/* open(2) with O_CREAT: *v the file found or made; *created when made. */
static int open_create(const struct vfs_ctx *ctx, struct vnode *base, const char *path, int oflags,
		       uint32_t mode, struct vnode **v, bool *created)
{
	unsigned wf = 0;
	struct vfs_newattr a;
	struct vfs_name *last;
	struct vnode *dir;
	int err;

	if (!(oflags & (VFS_O_EXCL | VFS_O_NOFOLLOW)))
		wf |= VFS_WALK_PARENT_FOLLOW;
	last = ctx->env->alloc(sizeof(*last), ctx->env->ctx);
	if (!last)
		return -ENOMEM;
	err = vfs_walk_parent(ctx, base, path, wf, &dir, last);
	if (err)
		goto out;
	if (is_dot(last->name, last->len) || is_dotdot(last->name, last->len) ||
	    last->trailing_slash) {
		err = -EISDIR;
		goto out_dir;
	}
	err = vfs_lookup(ctx, dir, last->name, last->len, v);
	if (!err) {
		if (oflags & VFS_O_EXCL)
			err = -EEXIST;
		else if ((*v)->type == VNODE_LNK)
			err = -ELOOP;
		if (err) {
			vnode_put(*v);
			*v = NULL;
		}
		goto out_dir;
	}
	if (err != -ENOENT)
		goto out_dir;
	if ((err = may_create(ctx, dir)))
		goto out_dir;
	vfs_newattr_init(&a, dir, ctx->cred, VFS_IFREG | (mode & VFS_IPERM), 0);
	err = dir->ops->create ? dir->ops->create(dir, last->name, last->len, &a, v) : -EPERM;
	*created = !err;
out_dir:
	vnode_put(dir);
out:
	ctx->env->free(last, sizeof(*last), ctx->env->ctx);
	return err;
}

int vfs_open(const struct vfs_ctx *ctx, struct vnode *base, const char *path, int oflags,
	     uint32_t mode, struct vnode **out)
{
	unsigned wf = 0;
	bool created = false;
	struct vnode *v = NULL;
	int mask = 0, err;

	*out = NULL;
	if (oflags & VFS_O_NOFOLLOW)
		wf |= VFS_WALK_NOFOLLOW;
	if (oflags & VFS_O_DIRECTORY)
		wf |= VFS_WALK_DIRECTORY;
	if (oflags & VFS_O_PATH)
		return vfs_walk(ctx, base, path, wf, out);
	if ((oflags & VFS_O_CREAT) && (oflags & VFS_O_DIRECTORY))
		return -EINVAL;
	if ((oflags & VFS_O_ACCMODE) != VFS_O_WRONLY)
		mask |= VFS_MAY_READ;
	if ((oflags & VFS_O_ACCMODE) != VFS_O_RDONLY || (oflags & VFS_O_TRUNC))
		mask |= VFS_MAY_WRITE;
	if (oflags & VFS_O_CREAT)
		err = open_create(ctx, base, path, oflags, mode, &v, &created);
	else
		err = vfs_walk(ctx, base, path, wf, &v);
	if (err)
		return err;
	if (v->type == VNODE_LNK)
		err = -ELOOP;
	else if (v->type == VNODE_DIR && (mask & VFS_MAY_WRITE || oflags & VFS_O_CREAT))
		err = -EISDIR;
	else if (v->type == VNODE_SOCK)
		err = -ENXIO;
	else if ((v->type == VNODE_CHR || v->type == VNODE_BLK) && v->mount &&
		 (v->mount->flags & VFS_MNT_NODEV))
		err = -EACCES;
	else if (!created)
		err = vfs_permission(v, ctx->cred, mask);
	if (!err && !created && (oflags & VFS_O_TRUNC) && v->type == VNODE_REG)
		err = v->ops->truncate ? v->ops->truncate(v, 0) : -EINVAL;
	if (err) {
		vnode_put(v);
		return err;
	}
	*out = v;
	return 0;
}
