/*
 * Pipes: a 64 KiB ring shared by a read end and a write end (two struct file).  Reads block
 * while the pipe is empty and a writer is left (0 = end of file when none is); writes block
 * while it is full, are atomic up to PIPE_BUF bytes, and get -EPIPE plus SIGPIPE when no
 * reader is left.  O_NONBLOCK on an end turns blocking into -EAGAIN; a signal into -EINTR.
 */
#ifndef VMK_PIPE_H
#define VMK_PIPE_H

#define PIPE_SIZE 65536
#define PIPE_BUF  4096

struct file;

/* A new pipe: *rd (O_RDONLY) and *wr (O_WRONLY), one reference each, with extra flags
 * (O_NONBLOCK) on both.  0 or -ENOMEM.  May block (allocation). */
int pipe_create(int flags, struct file **rd, struct file **wr);

#endif
