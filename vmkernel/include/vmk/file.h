/*
 * Open files and descriptor tables.  A struct file is what a descriptor refers to: a VFS
 * vnode, a pipe end, a device (the console, /dev/null ...), later a socket.  Descriptors are
 * per process, in a table that fork copies; each holds a reference on its file.
 */
#ifndef VMK_FILE_H
#define VMK_FILE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <vmk/world.h>
#include <vmk/lockrange.h>

#define FD_MAX 256

/* open(2) flags (Linux values) the file layer looks at. */
#define O_ACCMODE  0003
#define O_RDONLY   00
#define O_WRONLY   01
#define O_RDWR	   02
#define O_APPEND   02000
#define O_NONBLOCK 04000
#define O_CLOEXEC  02000000

struct file;
struct vfs_stat;

/* Operations on an open file.  Buffers are user pointers (copy with copy_to/from_user);
 * NULL means the operation is not supported (the syscall layer answers -EINVAL, -ESPIPE,
 * -ENOTTY or -ENOTDIR as Linux does).  They may block. */
struct file_ops {
	long (*read)(struct file *f, void *ubuf, size_t len); /* at and advancing f->pos */
	long (*write)(struct file *f, const void *ubuf, size_t len);
	long (*pread)(struct file *f, void *ubuf, size_t len, uint64_t off);
	long (*pwrite)(struct file *f, const void *ubuf, size_t len, uint64_t off);
	int64_t (*lseek)(struct file *f, int64_t off, int whence);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	long (*getdents64)(struct file *f, void *ubuf, size_t len);
	int (*stat)(struct file *f, struct vfs_stat *st);
	/* Readiness now (POLLIN/POLLOUT/POLLHUP/POLLERR), without blocking.  NULL: always
	 * readable and writable (regular files, /dev/null ...).  A file whose readiness can
	 * change calls poll_notify() after each change. */
	unsigned (*poll)(struct file *f);
	void (*release)(struct file *f); /* last reference gone */
};

struct file {
	const struct file_ops *ops;
	unsigned refs;
	int flags; /* O_ACCMODE | O_APPEND | O_NONBLOCK ... as opened (fcntl may change) */
	uint64_t pos;
	struct mutex pos_lock; /* serialises read/write/lseek on one file, as Linux does */
	struct vnode *vnode;   /* VFS files, else NULL */
	void *priv;
	/* File locks (vmk/filelock.h, under its lock): the OFD and flock locks this open file
	 * owns, and for a file without a vnode the list of locks on it. */
	struct lock_owner lock_owner;
	struct lock_list lock_list;
};

/* A new file with one reference; NULL when out of memory. */
struct file *file_alloc(const struct file_ops *ops, int flags, void *priv);
struct file *file_get(struct file *f);
void file_put(struct file *f);

struct fdtable {
	struct mutex lock;
	struct file *fd[FD_MAX];
	uint64_t cloexec[FD_MAX / 64];
	struct lock_owner lock_owner; /* the process's POSIX file locks (vmk/filelock.h) */
};

void fdtable_init(struct fdtable *t);
/* Copy for fork: every descriptor shares its file.  0 or -ENOMEM (nothing can fail today). */
int fdtable_copy(struct fdtable *dst, struct fdtable *src);
/* Close every descriptor (exit), or those marked close-on-exec (execve). */
void fdtable_close_all(struct fdtable *t);
void fdtable_close_cloexec(struct fdtable *t);

/* The calling process's descriptors. */
/* Install f at the lowest free descriptor >= min; the table takes over the caller's
 * reference.  The descriptor, or -EMFILE (and the reference is dropped). */
int fd_install(struct file *f, int min, bool cloexec);
/* Put f at exactly fd, closing what was there (dup2).  fd or -EBADF. */
int fd_install_at(struct file *f, int fd, bool cloexec);
/* The file behind fd with a new reference, or NULL (-EBADF for the caller). */
struct file *fd_get(int fd);
int fd_close(int fd);
int fd_get_cloexec(int fd); /* 0/1 or -EBADF */
int fd_set_cloexec(int fd, bool on);

#define POLLIN	 0x001
#define POLLPRI	 0x002
#define POLLOUT	 0x004
#define POLLERR	 0x008
#define POLLHUP	 0x010
#define POLLNVAL 0x020

/* Tell poll/select sleepers that some file's readiness changed (uw/poll.c).  Any context;
 * call it after dropping the file's own locks. */
void poll_notify(void);

/* The console as a file (fds 0-2 of what the kernel starts). */
struct file *console_file(void);

#endif
