/* The robust-list walk at thread death (Linux's exit_robust_list), over caller-given access. */
#include <vmk/futex.h>

/* An entry pointer and its PI flag (bit 0). */
static int fetch(const struct robust_walk_ops *ops, uint64_t uaddr, uint64_t *entry, bool *pi)
{
	uint64_t v;

	if (ops->read_ptr(ops->ctx, uaddr, &v))
		return -1;
	*entry = v & ~1ull;
	*pi = v & 1;
	return 0;
}

void futex_robust_walk(uint64_t head, const struct robust_walk_ops *ops)
{
	uint64_t entry, next = 0, offset, pending;
	bool pi, next_pi = false, pending_pi;
	unsigned limit = ROBUST_LIST_LIMIT;

	if (fetch(ops, head, &entry, &pi) || ops->read_ptr(ops->ctx, head + 8, &offset) ||
	    fetch(ops, head + 16, &pending, &pending_pi))
		return;
	while (entry != head) {
		/* The next link is read before the word is handled: handling may free the entry. */
		int rc = fetch(ops, entry, &next, &next_pi);

		if (entry != pending && ops->death(ops->ctx, entry + offset, pi, false))
			return;
		if (rc)
			return;
		entry = next;
		pi = next_pi;
		if (!--limit)
			break;
	}
	if (pending)
		ops->death(ops->ctx, pending + offset, pending_pi, true);
}
