/*
 * Pending sets (struct sigpending, vmk/signal.h): which signals are pending and the
 * information of each queued instance, with Linux's rules for what is kept and what is taken
 * first.  Plain data, no locking and no allocation (the caller brings and frees the entries),
 * so it is tested on the host (tests/unit/test_sigqueue.c).
 */
#include <vmk/signal.h>
#include <stddef.h>
#include <string.h>

/* A standard signal already pending keeps its first instance; realtime ones queue. */
bool sigpending_wants(const struct sigpending *sp, int sig)
{
	return !(sp->set & SIG_BIT(sig) & SIG_STD_MASK);
}

void sigpending_add(struct sigpending *sp, int sig, struct sigq *q)
{
	sp->set |= SIG_BIT(sig);
	if (!q)
		return;
	q->next = NULL;
	if (sp->last)
		sp->last->next = q;
	else
		sp->head = q;
	sp->last = q;
}

/* Linux's next_signal: the synchronous signals of a fault before anything else. */
int sigpending_next(const struct sigpending *sp, uint64_t mask)
{
	uint64_t ready = sp->set & ~mask;

	if (ready & SIG_SYNC_MASK)
		ready &= SIG_SYNC_MASK;
	return ready ? __builtin_ctzll(ready) + 1 : 0;
}

/* Unlink q (prev is the entry before it, or NULL). */
static void unlink_entry(struct sigpending *sp, struct sigq *prev, struct sigq *q)
{
	if (prev)
		prev->next = q->next;
	else
		sp->head = q->next;
	if (sp->last == q)
		sp->last = prev;
	q->next = NULL;
}

/* Linux's collect_signal: the first queued instance; the bit stays while another is queued. */
struct sigq *sigpending_take(struct sigpending *sp, int sig, struct ksiginfo *info)
{
	struct sigq *first = NULL, *first_prev = NULL, *prev = NULL;
	bool more = false;

	for (struct sigq *q = sp->head; q; prev = q, q = q->next) {
		if (q->info.signo != sig)
			continue;
		if (first) {
			more = true;
			break;
		}
		first = q;
		first_prev = prev;
	}
	if (!more)
		sp->set &= ~SIG_BIT(sig);
	memset(info, 0, sizeof(*info));
	if (!first) {
		info->signo = sig; /* an instance whose information was lost */
		info->code = SI_USER;
		return NULL;
	}
	unlink_entry(sp, first_prev, first);
	*info = first->info;
	return first;
}

struct sigq *sigpending_flush(struct sigpending *sp, uint64_t mask)
{
	struct sigq *gone = NULL, *prev = NULL, *q = sp->head;

	sp->set &= ~mask;
	while (q) {
		struct sigq *next = q->next;

		if (q->info.signo >= 1 && q->info.signo <= NSIG &&
		    (mask & SIG_BIT(q->info.signo))) {
			unlink_entry(sp, prev, q);
			q->next = gone;
			gone = q;
		} else {
			prev = q;
		}
		q = next;
	}
	return gone;
}
