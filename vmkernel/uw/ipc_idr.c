/*
 * System V IPC index and sequence allocation (pure): Linux 6.1's ipc_addid over a cyclic idr,
 * so ids come out as they do on Linux and a removed object's id is not handed out again at
 * once (the sequence number part differs when the index is reused).
 */
#include <vmk/ipc.h>
#include <vmk/errno.h>

void ipc_idr_init(struct ipc_idr *r)
{
	for (size_t i = 0; i < BITMAP_WORDS(IPC_MNI); i++)
		r->used[i] = 0;
	r->next = 0;
	r->last_idx = -1;
	r->seq = 0;
	r->in_use = 0;
	r->max_idx = -1;
}

/* idr_alloc_cyclic(start 0, end): the first free index in [next, end), else in [0, end). */
static int alloc_cyclic(struct ipc_idr *r, int end)
{
	size_t idx = (size_t)end;

	if (r->next < end)
		idx = bitmap_find_clear(r->used, (size_t)r->next, (size_t)end);
	if (idx >= (size_t)end && r->next > 0)
		idx = bitmap_find_clear(r->used, 0, (size_t)end);
	if (idx >= (size_t)end)
		return -ENOSPC;
	bitmap_set(r->used, idx);
	r->next = (int)idx + 1;
	return (int)idx;
}

int ipc_idr_alloc(struct ipc_idr *r, int limit, int *id)
{
	int end, idx;

	if (limit > IPC_MNI)
		limit = IPC_MNI;
	if (r->in_use >= limit)
		return -ENOSPC;
	end = r->in_use * 3 / 2;
	if (end < IPC_MIN_CYCLE)
		end = IPC_MIN_CYCLE;
	if (end > IPC_MNI)
		end = IPC_MNI;
	idx = alloc_cyclic(r, end);
	if (idx < 0)
		return idx;
	if (idx <= r->last_idx && ++r->seq >= IPC_SEQ_MAX)
		r->seq = 0;
	r->last_idx = idx;
	r->in_use++;
	if (idx > r->max_idx)
		r->max_idx = idx;
	*id = r->seq * IPC_SEQ_MULT + idx;
	return idx;
}

void ipc_idr_remove(struct ipc_idr *r, int idx)
{
	bitmap_clear(r->used, (size_t)idx);
	r->in_use--;
	if (idx == r->max_idx) {
		/* The highest index still in use below it, or -1. */
		int i = idx - 1;

		while (i >= 0 && !bitmap_test(r->used, (size_t)i))
			i--;
		r->max_idx = i;
	}
}

int ipc_idr_info_max(const struct ipc_idr *r)
{
	if (r->in_use == 0)
		return 0;
	if (r->in_use == IPC_MNI)
		return IPC_MNI - 1;
	return r->max_idx < 0 ? 0 : r->max_idx;
}
