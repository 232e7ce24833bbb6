/* /dev: a ramfs instance with device nodes made by mknod at boot. */
#define LOG_TAG "devfs"
#include <vmk/devfs.h>
#include <vmk/ramfs.h>
#include <vmk/errno.h>
#include <string.h>

static int node(struct vnode *root, const char *name, uint32_t mode, uint64_t rdev)
{
	struct vfs_newattr a;
	int rc;

	vfs_newattr_init(&a, root, NULL, mode, rdev);
	if ((mode & VFS_IFMT) == VFS_IFDIR)
		rc = root->ops->mkdir(root, name, strlen(name), &a, NULL);
	else
		rc = root->ops->mknod(root, name, strlen(name), &a, NULL);
	return rc;
}

static int link(struct vnode *root, const char *name, const char *target)
{
	struct vfs_newattr a;

	vfs_newattr_init(&a, root, NULL, VFS_IFLNK | 0777, 0);
	return root->ops->symlink(root, name, strlen(name), target, strlen(target), &a, NULL);
}

int devfs_new(struct mount *m, const struct vfs_env *env, uint64_t dev, uint64_t max_bytes)
{
	static const char *const links[][2] = {
		{"fd", "/proc/self/fd"},
		{"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"},
	};
	struct ramfs_params p = {
		.env = *env, .dev = dev, .root_mode = 0755, .max_bytes = max_bytes};
	int rc = ramfs_new(m, &p);

	for (int i = 0; !rc && i < chardev_count(); i++) {
		const char *name;
		uint64_t rdev;
		uint32_t mode;

		chardev_info(i, &rdev, &name, &mode);
		rc = node(m->root, name, VFS_IFCHR | mode, rdev);
	}
	if (!rc)
		rc = node(m->root, "pts", VFS_IFDIR | 0755, 0);
	if (!rc)
		rc = node(m->root, "shm", VFS_IFDIR | 01777, 0);
	for (size_t i = 0; !rc && i < sizeof(links) / sizeof(links[0]); i++)
		rc = link(m->root, links[i][0], links[i][1]);
	if (rc && m->root)
		vfs_umount(m);
	return rc;
}
