/* cpio newc unpacker: validates untrusted archives and applies them through vnode ops. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmk/compiler.h>
#include <vmk/cpio.h>

/*
 * newc header: "070701" (or "070702"), then 13 fields of 8 hex digits: ino, mode, uid, gid,
 * nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check. The name
 * (namesize bytes, NUL included) follows, padded so the data starts 4-byte aligned; the data
 * is padded to 4 bytes too. Alignment is counted from the start of the buffer, as Linux does
 * for an initramfs stream.
 */

#define CPIO_HDR_LEN 110
#define CPIO_NFIELDS 13
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_NS	     1000000000LL

enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
};

struct cpio_link {
	uint32_t ino, major, minor;
	struct vnode *v; /* referenced; NULL: free slot */
};

struct cpio_dirtime {
	struct vnode *v; /* referenced */
	int64_t mtime_ns;
};

struct cpio_state {
	const struct vfs_env *env;
	struct vfs_ctx ctx; /* root = the unpack root, no credentials */
	struct cpio_link *links;
	size_t nlinks, lcap; /* lcap: 0 or a power of two */
	struct cpio_dirtime *dirs;
	size_t ndirs, dcap;
	const char *why;
};

static void *cp_alloc(struct cpio_state *s, size_t size)
{
	return s->env->alloc(size, s->env->ctx);
}

static void cp_free(struct cpio_state *s, void *p, size_t size)
{
	if (p)
		s->env->free(p, size, s->env->ctx);
}

static int bad(struct cpio_state *s, const char *why)
{
	s->why = why;
	return -EINVAL;
}

static bool parse_hex8(const char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* ---- Hard link table: open addressing on (ino, major, minor) ---- */

static size_t link_hash(uint32_t ino, uint32_t major, uint32_t minor, size_t cap)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)major << 32 | minor);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (size_t)(h & (cap - 1));
}

static struct cpio_link *link_slot(struct cpio_link *t, size_t cap, uint32_t ino, uint32_t major,
				   uint32_t minor)
{
	size_t i = link_hash(ino, major, minor, cap);

	while (t[i].v && !(t[i].ino == ino && t[i].major == major && t[i].minor == minor))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static struct vnode *link_find(struct cpio_state *s, const uint32_t *f)
{
	if (!s->lcap)
		return NULL;
	return link_slot(s->links, s->lcap, f[F_INO], f[F_DEVMAJOR], f[F_DEVMINOR])->v;
}

static int link_add(struct cpio_state *s, const uint32_t *f, struct vnode *v)
{
	struct cpio_link *sl;

	if ((s->nlinks + 1) * 2 > s->lcap) {
		size_t ncap = s->lcap ? s->lcap * 2 : 16;
		struct cpio_link *nt = cp_alloc(s, ncap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		memset(nt, 0, ncap * sizeof(*nt));
		for (size_t i = 0; i < s->lcap; i++) {
			if (s->links[i].v)
				*link_slot(nt, ncap, s->links[i].ino, s->links[i].major,
					   s->links[i].minor) = s->links[i];
		}
		cp_free(s, s->links, s->lcap * sizeof(*nt));
		s->links = nt;
		s->lcap = ncap;
	}
	sl = link_slot(s->links, s->lcap, f[F_INO], f[F_DEVMAJOR], f[F_DEVMINOR]);
	*sl = (struct cpio_link){
		.ino = f[F_INO],
		.major = f[F_DEVMAJOR],
		.minor = f[F_DEVMINOR],
		.v = vnode_get(v),
	};
	s->nlinks++;
	return 0;
}

/* Links do not cross a trailer (Linux frees its table there). */
static void links_reset(struct cpio_state *s)
{
	for (size_t i = 0; i < s->lcap; i++)
		vnode_put(s->links[i].v);
	cp_free(s, s->links, s->lcap * sizeof(*s->links));
	s->links = NULL;
	s->nlinks = s->lcap = 0;
}

/* ---- Directory times, applied at the end ---- */

static int dirtime_add(struct cpio_state *s, struct vnode *v, int64_t mtime_ns)
{
	if (s->ndirs == s->dcap) {
		size_t ncap = s->dcap ? s->dcap * 2 : 16;
		struct cpio_dirtime *nd = cp_alloc(s, ncap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		if (s->ndirs)
			memcpy(nd, s->dirs, s->ndirs * sizeof(*nd));
		cp_free(s, s->dirs, s->dcap * sizeof(*nd));
		s->dirs = nd;
		s->dcap = ncap;
	}
	s->dirs[s->ndirs++] = (struct cpio_dirtime){.v = vnode_get(v), .mtime_ns = mtime_ns};
	return 0;
}

static void dirtimes_apply(struct cpio_state *s)
{
	for (size_t i = 0; i < s->ndirs; i++) {
		struct vnode *v = s->dirs[i].v;
		struct vfs_setattr sa = {
			.mask = VFS_SET_ATIME | VFS_SET_MTIME,
			.atime_ns = s->dirs[i].mtime_ns,
			.mtime_ns = s->dirs[i].mtime_ns,
		};

		if (v->ops->setattr)
			v->ops->setattr(v, &sa);
		vnode_put(v);
	}
	cp_free(s, s->dirs, s->dcap * sizeof(*s->dirs));
	s->dirs = NULL;
	s->ndirs = s->dcap = 0;
}

/* ---- Names ---- */

/* Next component of name from *pos: "" components, "." and leading slashes skipped. */
static bool next_comp(const char *name, size_t *pos, const char **comp, size_t *len)
{
	for (;;) {
		size_t p = *pos, e;

		while (name[p] == '/')
			p++;
		if (!name[p]) {
			*pos = p;
			return false;
		}
		for (e = p; name[e] && name[e] != '/'; e++)
			;
		*pos = e;
		if (e - p == 1 && name[p] == '.')
			continue;
		*comp = name + p;
		*len = e - p;
		return true;
	}
}

/* Refuse names with a ".." or an over-long component before anything is made for them. */
static int check_name(struct cpio_state *s, const char *name)
{
	const char *comp;
	size_t pos = 0, clen;

	while (next_comp(name, &pos, &comp, &clen)) {
		if (clen > VFS_NAME_MAX) {
			s->why = "cpio: name component too long";
			return -ENAMETOOLONG;
		}
		if (clen == 2 && comp[0] == '.' && comp[1] == '.')
			return bad(s, "cpio: name with a \"..\" component");
	}
	return 0;
}

/* The directory below cur called comp (made when missing, a symlink followed), referenced. */
static int parent_step(struct cpio_state *s, struct vnode *cur, const char *comp, size_t clen,
		       struct vnode **next)
{
	char cname[VFS_NAME_MAX + 1];
	struct vnode *link;
	int err = vfs_lookup(&s->ctx, cur, comp, clen, next);

	if (err == -ENOENT) {
		struct vfs_newattr a = {.mode = VFS_IFDIR | 0755};

		err = cur->ops->mkdir ? cur->ops->mkdir(cur, comp, clen, &a, next) : -EPERM;
	} else if (!err && (*next)->type == VNODE_LNK) {
		/* Resolved inside root: s->ctx.root is root, ".." stops there. */
		link = *next;
		memcpy(cname, comp, clen);
		cname[clen] = '\0';
		err = vfs_walk(&s->ctx, cur, cname, 0, next);
		vnode_put(link);
	}
	if (err) {
		s->why = "cpio: cannot make or reach a parent directory";
		return err;
	}
	if ((*next)->type != VNODE_DIR) {
		vnode_put(*next);
		*next = NULL;
		s->why = "cpio: a parent is not a directory";
		return -ENOTDIR;
	}
	return 0;
}

/*
 * Walk to the directory that holds the last component of name, making missing directories.
 * *dir referenced; *last and *llen the last component, *llen 0 when name is the root itself.
 */
static int walk_parent(struct cpio_state *s, struct vnode *root, const char *name,
		       struct vnode **dir, const char **last, size_t *llen)
{
	struct vnode *cur, *next;
	const char *comp, *nc;
	size_t pos = 0, clen, nlen;
	bool more;
	int err = check_name(s, name);

	*dir = NULL;
	*llen = 0;
	if (err)
		return err;
	cur = vnode_get(root);
	more = next_comp(name, &pos, &comp, &clen);
	while (more) {
		more = next_comp(name, &pos, &nc, &nlen);
		if (!more) {
			*last = comp;
			*llen = clen;
			break;
		}
		err = parent_step(s, cur, comp, clen, &next);
		if (err) {
			vnode_put(cur);
			return err;
		}
		vnode_put(cur);
		cur = next;
		comp = nc;
		clen = nlen;
	}
	*dir = cur;
	return 0;
}

/*
 * Make room for a new entry called name in dir. Returns 1 when a directory is there and
 * keep_dir (it stays), 0 when the name is free now, or -errno.
 */
static int make_room(struct vnode *dir, const char *name, size_t len, bool keep_dir)
{
	struct vnode *old;
	int err = dir->ops->lookup(dir, name, len, &old);
	bool isdir;

	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	isdir = old->type == VNODE_DIR;
	vnode_put(old);
	if (isdir && keep_dir)
		return 1;
	if (isdir)
		return dir->ops->rmdir ? dir->ops->rmdir(dir, name, len) : -EPERM;
	return dir->ops->unlink ? dir->ops->unlink(dir, name, len) : -EPERM;
}

static int set_attrs(struct vnode *v, const uint32_t *f, bool mode, bool times)
{
	int64_t t = (int64_t)f[F_MTIME] * CPIO_NS;
	struct vfs_setattr sa = {
		.mask = VFS_SET_UID | VFS_SET_GID,
		.mode = f[F_MODE] & VFS_IPERM,
		.uid = f[F_UID],
		.gid = f[F_GID],
		.atime_ns = t,
		.mtime_ns = t,
	};

	if (mode)
		sa.mask |= VFS_SET_MODE;
	if (times)
		sa.mask |= VFS_SET_ATIME | VFS_SET_MTIME;
	return v->ops->setattr ? v->ops->setattr(v, &sa) : 0;
}

static int write_all(struct vnode *v, const uint8_t *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		int64_t n =
			v->ops->write ? v->ops->write(v, done, data + done, len - done) : -EINVAL;

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ENOSPC;
		done += (size_t)n;
	}
	return 0;
}

/* Apply one entry (not a trailer) whose name, fields and data have been checked. */
static int apply(struct cpio_state *s, struct vnode *root, const char *name, const uint32_t *f,
		 const uint8_t *data)
{
	enum vnode_type t = vfs_mode_to_type(f[F_MODE]);
	struct vfs_newattr a = {
		.mode = f[F_MODE],
		.uid = f[F_UID],
		.gid = f[F_GID],
		.rdev = VFS_MKDEV(f[F_RDEVMAJOR], f[F_RDEVMINOR]),
	};
	size_t size = f[F_FILESIZE], llen;
	struct vnode *dir, *v = NULL, *first;
	const char *last;
	int err = walk_parent(s, root, name, &dir, &last, &llen);

	if (err)
		return err;
	if (!llen) {
		/* "." or "/": the root itself, which only a directory entry may describe. */
		if (t != VNODE_DIR) {
			err = bad(s, "cpio: non-directory entry names the root");
		} else {
			err = set_attrs(dir, f, true, false);
			if (!err)
				err = dirtime_add(s, dir, (int64_t)f[F_MTIME] * CPIO_NS);
		}
		goto out;
	}
	err = make_room(dir, last, llen, t == VNODE_DIR);
	if (err < 0) {
		s->why = "cpio: cannot replace an existing entry";
		goto out;
	}
	switch (t) {
	case VNODE_DIR:
		if (err == 1)
			err = dir->ops->lookup(dir, last, llen, &v);
		else
			err = dir->ops->mkdir ? dir->ops->mkdir(dir, last, llen, &a, &v) : -EPERM;
		if (!err)
			err = set_attrs(v, f, true, false);
		if (!err)
			err = dirtime_add(s, v, (int64_t)f[F_MTIME] * CPIO_NS);
		break;
	case VNODE_REG:
		first = f[F_NLINK] >= 2 ? link_find(s, f) : NULL;
		if (first) {
			err = dir->ops->link ? dir->ops->link(dir, last, llen, first) : -EPERM;
			v = vnode_get(first);
		} else {
			err = dir->ops->create ? dir->ops->create(dir, last, llen, &a, &v) : -EPERM;
			if (!err && f[F_NLINK] >= 2)
				err = link_add(s, f, v);
		}
		if (!err)
			err = write_all(v, data, size);
		if (!err)
			err = set_attrs(v, f, true, true);
		break;
	case VNODE_LNK:
		err = dir->ops->symlink
			      ? dir->ops->symlink(dir, last, llen, (const char *)data, size, &a, &v)
			      : -EPERM;
		if (!err)
			err = set_attrs(v, f, false, true);
		break;
	default: /* device nodes, FIFOs, sockets */
		err = dir->ops->mknod ? dir->ops->mknod(dir, last, llen, &a, &v) : -EPERM;
		if (!err)
			err = set_attrs(v, f, true, true);
		break;
	}
out:
	if (err && !s->why)
		s->why = "cpio: file system refused an entry";
	vnode_put(v);
	vnode_put(dir);
	return err;
}

/* Check the header at off; fill f, *name and the data range. */
static int parse_header(struct cpio_state *s, const uint8_t *buf, size_t len, size_t off,
			uint32_t *f, const char **name, size_t *doff, size_t *next)
{
	size_t nsize, dstart, dend;
	enum vnode_type t;

	if (len - off < CPIO_HDR_LEN)
		return bad(s, "cpio: truncated header");
	if (memcmp(buf + off, "07070", 5) != 0)
		return bad(s, "cpio: bad magic (not a cpio archive)");
	if (buf[off + 5] != '1' && buf[off + 5] != '2')
		return bad(s, "cpio: not the newc format");
	for (int i = 0; i < CPIO_NFIELDS; i++) {
		if (!parse_hex8((const char *)buf + off + 6 + 8 * i, &f[i]))
			return bad(s, "cpio: bad hex digit in a header field");
	}
	nsize = f[F_NAMESIZE];
	if (nsize < 2)
		return bad(s, "cpio: empty name");
	if (nsize > VFS_PATH_MAX)
		return bad(s, "cpio: name too long");
	if (len - off - CPIO_HDR_LEN < nsize)
		return bad(s, "cpio: truncated name");
	*name = (const char *)buf + off + CPIO_HDR_LEN;
	if (strnlen(*name, nsize) != nsize - 1)
		return bad(s, "cpio: name not NUL-terminated or holding a NUL");
	dstart = ALIGN_UP(off + CPIO_HDR_LEN + nsize, (size_t)4);
	if (dstart > len || len - dstart < f[F_FILESIZE])
		return bad(s, "cpio: truncated data");
	dend = dstart + f[F_FILESIZE];
	*doff = dstart;
	*next = ALIGN_UP(dend, (size_t)4);
	if (!strcmp(*name, CPIO_TRAILER))
		return 0;
	t = vfs_mode_to_type(f[F_MODE]);
	if (t == VNODE_NONE)
		return bad(s, "cpio: unknown file type");
	if (t == VNODE_LNK) {
		if (!f[F_FILESIZE] || f[F_FILESIZE] >= VFS_PATH_MAX)
			return bad(s, "cpio: bad symlink target length");
		if (memchr(buf + dstart, '\0', f[F_FILESIZE]))
			return bad(s, "cpio: symlink target holds a NUL");
	}
	if (t == VNODE_REG && buf[off + 5] == '2') {
		uint32_t sum = 0;

		for (size_t i = dstart; i < dend; i++)
			sum += buf[i];
		if (sum != f[F_CHECK])
			return bad(s, "cpio: data checksum mismatch");
	}
	return 0;
}

int cpio_unpack(struct vnode *root, const void *data, size_t len, const struct vfs_env *env,
		struct cpio_result *res)
{
	const uint8_t *buf = data;
	struct cpio_state s = {
		.env = env,
		.ctx = {.root = root, .cwd = root, .cred = NULL, .env = env},
	};
	bool in_archive = false;
	size_t off = 0;
	int err = 0;

	memset(res, 0, sizeof(*res));
	for (;;) {
		uint32_t f[CPIO_NFIELDS];
		const char *name;
		size_t doff, next;

		if (!in_archive) {
			/* Between archives: NUL padding, then a 4-byte aligned header or the end.
			 */
			while (off < len && !buf[off])
				off++;
			if (off >= len)
				break;
			if (off % 4) {
				err = bad(&s, "cpio: broken padding between archives");
				break;
			}
			in_archive = true;
		}
		if (off >= len) {
			err = bad(&s, "cpio: archive ends without a trailer");
			break;
		}
		err = parse_header(&s, buf, len, off, f, &name, &doff, &next);
		if (err)
			break;
		if (!strcmp(name, CPIO_TRAILER)) {
			links_reset(&s);
			in_archive = false;
			off = next;
			continue;
		}
		err = apply(&s, root, name, f, buf + doff);
		if (err)
			break;
		res->entries++;
		off = next;
	}
	res->offset = MIN(off, len);
	res->why = err ? s.why : NULL;
	links_reset(&s);
	dirtimes_apply(&s);
	return err;
}
