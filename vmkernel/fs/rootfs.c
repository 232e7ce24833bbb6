/* The root file system: a ramfs with the initrd unpacked into it; the VFS mutex. */
#define LOG_TAG "rootfs"
#include <vmk/rootfs.h>
#include <vmk/ramfs.h>
#include <vmk/devfs.h>
#include <vmk/procfs.h>
#include <vmk/rtc.h>
#include <vmk/cpio.h>
#include <vmk/bootinfo.h>
#include <vmk/world.h>
#include <vmk/proc.h>
#include <vmk/aspace.h>
#include <vmk/mm.h>
#include <vmk/time.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <vmk/format.h>
#include <string.h>

static struct mutex vfs_lock = MUTEX_INIT;
static struct mount root_mount;
static struct mount dev_mount, proc_mount, tmp_mount; /* live as long as the kernel */
static const struct vfs_cred root_cred = {0, 0, NULL, 0};

static void *env_alloc(size_t size, void *ctx)
{
	return kmalloc(size);
}

static void env_free(void *p, size_t size, void *ctx)
{
	kfree(p);
}

static void *env_alloc_page(void *ctx)
{
	uint64_t pa = frame_alloc_zeroed();

	return pa ? phys_to_virt(pa) : NULL;
}

static void env_free_page(void *page, void *ctx)
{
	frame_unref(virt_to_phys(page)); /* a process may still map it */
}

/* Wall clock: the RTC read once at boot, carried on by the TSC. */
static int64_t env_now(void *ctx)
{
	return rtc_boot_epoch_ns() + (int64_t)time_ns();
}

static const struct vfs_env kenv = {
	.alloc = env_alloc,
	.free = env_free,
	.alloc_page = env_alloc_page,
	.free_page = env_free_page,
	.now_ns = env_now,
};

static struct vfs_ctx root_ctx(void)
{
	return (struct vfs_ctx){root_mount.root, root_mount.root, &root_cred, &kenv};
}

void kvfs_lock(void)
{
	mutex_lock(&vfs_lock);
}

void kvfs_unlock(void)
{
	mutex_unlock(&vfs_lock);
}

const struct vfs_env *kvfs_env(void)
{
	return &kenv;
}

struct vnode *kvfs_root(void)
{
	return root_mount.root;
}

struct vfs_ctx kvfs_ctx(struct proc *p)
{
	struct vfs_ctx c = root_ctx();

	if (p && p->cwd)
		c.cwd = p->cwd;
	return c;
}

/* st_dev of the kernel's own file systems (anonymous devices, as Linux numbers them 0:N). */
#define DEV_ROOT VFS_MKDEV(0, 1)
#define DEV_PROC VFS_MKDEV(0, 2)
#define DEV_DEV	 VFS_MKDEV(0, 3)
#define DEV_TMP	 VFS_MKDEV(0, 4)

static void unpack_initrd(const struct boot_info *bi)
{
	struct cpio_result res;
	int rc;

	for (unsigned i = 0; i < bi->nmods; i++) {
		const struct boot_module *m = &bi->mods[i];

		if (strcmp(m->cmdline, "initrd"))
			continue;
		mutex_lock(&vfs_lock);
		rc = cpio_unpack(root_mount.root, phys_to_virt(m->start), m->end - m->start, &kenv,
				 &res);
		mutex_unlock(&vfs_lock);
		if (rc)
			log_err("initrd damaged at byte %zu (%s): kept the %u entries before it",
				res.offset, res.why ? res.why : "error", res.entries);
		else
			log_info("initrd: %u entries, %lu KiB", res.entries,
				 (m->end - m->start) >> 10);
		return;
	}
	log_info("no initrd: the root file system is empty");
}

/*
 * Attach m (made by its file system) on the directory path, made with mode when the initrd
 * has none.  On failure m is destroyed.  Logs the outcome.
 */
static void mount_at(struct mount *m, const char *path, uint32_t mode, const char *type,
		     const char *what)
{
	struct vfs_ctx ctx = root_ctx();
	struct vnode *dir = NULL;
	int rc;

	mutex_lock(&vfs_lock);
	rc = vfs_walk(&ctx, NULL, path, VFS_WALK_DIRECTORY, &dir);
	if (rc == -ENOENT) {
		rc = vfs_mkdir(&ctx, NULL, path, mode);
		if (!rc)
			rc = vfs_walk(&ctx, NULL, path, VFS_WALK_DIRECTORY, &dir);
	}
	if (!rc)
		rc = vfs_mount_attach(m, dir, 0);
	vnode_put(dir);
	if (rc)
		vfs_umount(m);
	mutex_unlock(&vfs_lock);
	if (rc) {
		log_err("cannot mount %s on %s (error %d)", type, path, rc);
		return;
	}
	procfs_note_mount(type, path, type, "rw");
	log_info("mounted %s on %s%s", type, path, what);
}

/* The root, /dev and /tmp are ramfs instances; the root and /dev hold up to half the memory
 * each, as Linux sizes its rootfs and devtmpfs, /tmp a quarter; a writer that fills one gets
 * ENOSPC. */
int rootfs_init(const struct boot_info *bi)
{
	struct frame_stats fst;
	struct ramfs_params p;
	char what[48];
	int rc;

	frame_get_stats(&fst);
	p = (struct ramfs_params){
		.env = kenv,
		.root_mode = 0755,
		.dev = DEV_ROOT,
		.max_bytes = fst.usable * PAGE_SIZE / 2,
	};
	rc = ramfs_new(&root_mount, &p);
	if (rc)
		return rc;
	procfs_note_mount("rootfs", "/", "rootfs", "rw");
	unpack_initrd(bi);

	mutex_lock(&vfs_lock);
	rc = devfs_new(&dev_mount, &kenv, DEV_DEV, fst.usable * PAGE_SIZE / 2);
	mutex_unlock(&vfs_lock);
	if (rc)
		log_err("no memory for /dev");
	else
		mount_at(&dev_mount, "/dev", 0755, "devtmpfs", "");

	if (procfs_new(&proc_mount, &kenv, DEV_PROC))
		log_err("no memory for /proc");
	else
		mount_at(&proc_mount, "/proc", 0555, "proc", "");

	p = (struct ramfs_params){
		.env = kenv,
		.max_bytes = fst.usable * PAGE_SIZE / 4,
		.dev = DEV_TMP,
		.root_mode = 01777,
	};
	ksnprintf(what, sizeof(what), " (size %lu KiB)", p.max_bytes >> 10);
	if (ramfs_new(&tmp_mount, &p))
		log_err("no memory for /tmp");
	else
		mount_at(&tmp_mount, "/tmp", 01777, "tmpfs", what);
	return 0;
}

int rootfs_open_file(struct proc *p, const char *path, struct vnode **out)
{
	struct vfs_ctx ctx = kvfs_ctx(p);
	struct vnode *v;
	int rc;

	mutex_lock(&vfs_lock);
	rc = vfs_walk(&ctx, NULL, path, 0, &v);
	if (!rc && v->type != VNODE_REG) {
		rc = v->type == VNODE_DIR ? -EISDIR : -EACCES;
		vnode_put(v);
	}
	mutex_unlock(&vfs_lock);
	if (!rc)
		*out = v;
	return rc;
}

void rootfs_put(struct vnode *v)
{
	mutex_lock(&vfs_lock);
	vnode_put(v);
	mutex_unlock(&vfs_lock);
}

struct vnode *rootfs_get(struct vnode *v)
{
	mutex_lock(&vfs_lock);
	vnode_get(v);
	mutex_unlock(&vfs_lock);
	return v;
}

int64_t rootfs_pwrite(struct vnode *v, uint64_t off, const void *buf, size_t len)
{
	int64_t put;

	mutex_lock(&vfs_lock);
	put = v->ops->write ? v->ops->write(v, off, buf, len) : -EINVAL;
	mutex_unlock(&vfs_lock);
	return put;
}

int rootfs_stat(struct vnode *v, struct vfs_stat *st)
{
	int rc;

	mutex_lock(&vfs_lock);
	rc = v->ops->getattr ? v->ops->getattr(v, st) : -EINVAL;
	mutex_unlock(&vfs_lock);
	return rc;
}

int64_t rootfs_pread(struct vnode *v, uint64_t off, void *buf, size_t len)
{
	int64_t got;

	mutex_lock(&vfs_lock);
	got = v->ops->read ? v->ops->read(v, off, buf, len) : -EINVAL;
	mutex_unlock(&vfs_lock);
	return got;
}

int rootfs_map_pages(struct vnode *v, uint64_t pgoff, size_t n, bool alloc, struct aspace *as,
		     uintptr_t va)
{
	int rc = 0;

	if (!v->ops->getpage)
		return -ENODEV;
	mutex_lock(&vfs_lock);
	for (size_t i = 0; i < n && !rc; i++) {
		void *page;

		rc = v->ops->getpage(v, pgoff + i, alloc, &page);
		if (!rc && page)
			rc = aspace_map_page(as, va + i * PAGE_SIZE, virt_to_phys(page));
	}
	mutex_unlock(&vfs_lock);
	return rc;
}
