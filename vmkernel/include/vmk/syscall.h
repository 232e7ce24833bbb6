/*
 * System call registration.  Each file that implements calls registers them with
 * SYSCALL_DEFINE(number, function); syscall_init() builds the dispatch table from all of them
 * at boot, so adding a call touches only the file that implements it.
 *
 * A handler gets the six argument registers as longs and returns the result or a negative
 * errno.  It runs in the calling world with interrupts on and may block.
 */
#ifndef VMK_SYSCALL_H
#define VMK_SYSCALL_H

#include <stdint.h>

#define NR_SYSCALLS 450

typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

struct syscall_entry {
	unsigned nr;
	syscall_fn fn;
};

#define SYSCALL_DEFINE(nr_, fn_)                          \
	static const struct syscall_entry __syscall_##nr_ \
		__attribute__((used, section(".syscalls"), aligned(8))) = {nr_, fn_}

void syscall_init(void);

#endif
