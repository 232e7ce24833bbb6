/*
 * msgrcv's choice of message (pure), as Linux's convert_mode, testmsg and find_msg make it:
 * by type (the first, the first of a type, the first of any other type, the lowest type up
 * to a bound) or, for MSG_COPY, by position.
 */
#include <vmk/ipc.h>

#define LONG_MAX_ ((long)(~0ul >> 1))
#define LONG_MIN_ (-LONG_MAX_ - 1)

enum ipc_msg_mode ipc_msg_mode(long *type, int flags)
{
	if (flags & MSG_COPY)
		return IPC_MSG_NUMBER;
	if (*type == 0)
		return IPC_MSG_ANY;
	if (*type < 0) {
		*type = *type == LONG_MIN_ ? LONG_MAX_ : -*type;
		return IPC_MSG_LESSEQUAL;
	}
	return flags & MSG_EXCEPT ? IPC_MSG_NOTEQUAL : IPC_MSG_EQUAL;
}

bool ipc_msg_match(long mtype, long type, enum ipc_msg_mode mode)
{
	switch (mode) {
	case IPC_MSG_ANY:
	case IPC_MSG_NUMBER:
		return true;
	case IPC_MSG_LESSEQUAL:
		return mtype <= type;
	case IPC_MSG_EQUAL:
		return mtype == type;
	case IPC_MSG_NOTEQUAL:
		return mtype != type;
	}
	return false;
}

struct ipc_msg **ipc_msg_find(struct ipc_msg **head, long *type, enum ipc_msg_mode mode)
{
	struct ipc_msg **found = NULL;
	long count = 0;

	for (struct ipc_msg **l = head; *l; l = &(*l)->next) {
		struct ipc_msg *m = *l;

		if (!ipc_msg_match(m->mtype, *type, mode))
			continue;
		if (mode == IPC_MSG_LESSEQUAL && m->mtype != 1) {
			/* Keep looking for a lower type; an equal one later loses (FIFO). */
			*type = m->mtype - 1;
			found = l;
		} else if (mode == IPC_MSG_NUMBER) {
			if (*type == count)
				return l;
		} else {
			return l;
		}
		count++;
	}
	return found;
}
