/* fcntl's record-lock commands, for sys_fcntl (uw/sys_fd.c); implemented in uw/sys_lock.c. */
#ifndef UW_SYS_LOCK_PRIV_H
#define UW_SYS_LOCK_PRIV_H

#include <vmk/file.h>

#define F_GETLK	     5
#define F_SETLK	     6
#define F_SETLKW     7
#define F_OFD_GETLK  36
#define F_OFD_SETLK  37
#define F_OFD_SETLKW 38

/*
 * F_GETLK, F_SETLK, F_SETLKW and the F_OFD_* forms on f (descriptor fd of the calling
 * process, referenced by the caller); arg is the user's struct flock.  0 or -errno as
 * Linux's fcntl_getlk/fcntl_setlk.  May sleep (F_SETLKW, F_OFD_SETLKW).
 */
long fcntl_lock(struct file *f, int fd, int cmd, long arg);

#endif
