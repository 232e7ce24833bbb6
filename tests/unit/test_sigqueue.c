/* Unit tests for the pending sets of vmk/signal.h (uw/sigqueue.c): Linux's rules for what is
 * kept, in which order signals are taken, and what each taker is told. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/signal.h>

#define SIGILL	4
#define SIGSEGV 11

static struct sigq *entry(int sig, int code, uint64_t value)
{
	struct sigq *q = calloc(1, sizeof(*q));

	assert_non_null(q);
	q->info.signo = sig;
	q->info.code = code;
	q->info.kill.value = value;
	return q;
}

/* Post like uw/signal.c: a standard signal already pending is coalesced (no entry). */
static bool post(struct sigpending *sp, int sig, int code, uint64_t value)
{
	if (!sigpending_wants(sp, sig))
		return false;
	sigpending_add(sp, sig, entry(sig, code, value));
	return true;
}

static int take(struct sigpending *sp, uint64_t mask, struct ksiginfo *info)
{
	int sig = sigpending_next(sp, mask);

	if (sig)
		free(sigpending_take(sp, sig, info));
	return sig;
}

static void free_chain(struct sigq *q)
{
	while (q) {
		struct sigq *next = q->next;

		free(q);
		q = next;
	}
}

static void test_empty(void **state)
{
	struct sigpending sp = {0};
	struct ksiginfo info;

	(void)state;
	assert_int_equal(sigpending_next(&sp, 0), 0);
	assert_null(sigpending_flush(&sp, ~0ull));
	/* Taking a signal that has no entry gives Linux's "lost" form. */
	sp.set = SIG_BIT(SIGUSR1);
	assert_null(sigpending_take(&sp, SIGUSR1, &info));
	assert_int_equal(info.signo, SIGUSR1);
	assert_int_equal(info.code, SI_USER);
	assert_int_equal(info.kill.pid, 0);
	assert_int_equal(sp.set, 0);
}

static void test_standard_first_instance_kept(void **state)
{
	struct sigpending sp = {0};
	struct ksiginfo info;

	(void)state;
	assert_true(post(&sp, SIGUSR1, SI_USER, 1));
	assert_false(post(&sp, SIGUSR1, SI_QUEUE, 2));
	assert_int_equal(take(&sp, 0, &info), SIGUSR1);
	assert_int_equal(info.code, SI_USER);
	assert_int_equal(info.kill.value, 1);
	assert_int_equal(take(&sp, 0, &info), 0);
	assert_null(sp.head);
	assert_null(sp.last);
}

static void test_realtime_queue_in_order(void **state)
{
	struct sigpending sp = {0};
	struct ksiginfo info;

	(void)state;
	for (int i = 1; i <= 3; i++)
		assert_true(post(&sp, SIGRTMIN + 3, SI_QUEUE, (uint64_t)i));
	assert_true(post(&sp, SIGRTMIN + 1, SI_QUEUE, 9));
	/* lowest number first, then each instance in arrival order */
	assert_int_equal(take(&sp, 0, &info), SIGRTMIN + 1);
	assert_int_equal(info.kill.value, 9);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(take(&sp, 0, &info), SIGRTMIN + 3);
		assert_int_equal(info.kill.value, (uint64_t)i);
		assert_int_equal(!!(sp.set & SIG_BIT(SIGRTMIN + 3)), i < 3);
	}
	assert_int_equal(sp.set, 0);
	assert_null(sp.head);
}

static void test_lost_instance_goes_with_the_last_entry(void **state)
{
	struct sigpending sp = {0};
	struct ksiginfo info;

	(void)state;
	assert_true(post(&sp, SIGRTMIN, SI_QUEUE, 1));
	sigpending_add(&sp, SIGRTMIN, NULL); /* no memory: the bit only */
	assert_int_equal(take(&sp, 0, &info), SIGRTMIN);
	assert_int_equal(info.kill.value, 1);
	assert_int_equal(sp.set, 0); /* as Linux's collect_signal */
}

static void test_fault_signals_first_and_mask(void **state)
{
	struct sigpending sp = {0};
	struct ksiginfo info;

	(void)state;
	post(&sp, SIGINT, SI_USER, 0);
	post(&sp, SIGSEGV, SEGV_MAPERR, 0);
	post(&sp, SIGILL, ILL_ILLOPN, 0);
	post(&sp, SIGRTMIN, SI_QUEUE, 0);
	assert_int_equal(sigpending_next(&sp, SIG_BIT(SIGILL)), SIGSEGV);
	assert_int_equal(take(&sp, 0, &info), SIGILL);
	assert_int_equal(info.code, ILL_ILLOPN);
	assert_int_equal(take(&sp, 0, &info), SIGSEGV);
	assert_int_equal(take(&sp, SIG_BIT(SIGINT), &info), SIGRTMIN);
	assert_int_equal(take(&sp, SIG_BIT(SIGINT), &info), 0);
	assert_int_equal(take(&sp, 0, &info), SIGINT);
	assert_int_equal(sp.set, 0);
}

static void test_flush_by_mask(void **state)
{
	struct sigpending sp = {0};
	struct ksiginfo info;
	struct sigq *gone;
	int n = 0;

	(void)state;
	post(&sp, SIGUSR1, SI_USER, 0);
	post(&sp, SIGRTMIN, SI_QUEUE, 1);
	post(&sp, SIGUSR2, SI_USER, 0);
	post(&sp, SIGRTMIN, SI_QUEUE, 2);
	post(&sp, SIGCHLD, CLD_EXITED, 0);
	gone = sigpending_flush(&sp, SIG_BIT(SIGRTMIN) | SIG_BIT(SIGUSR2));
	for (struct sigq *q = gone; q; q = q->next)
		n++;
	assert_int_equal(n, 3);
	free_chain(gone);
	assert_int_equal(sp.set, SIG_BIT(SIGUSR1) | SIG_BIT(SIGCHLD));
	/* the list is still whole: append and take all */
	post(&sp, SIGRTMIN, SI_QUEUE, 3);
	assert_int_equal(take(&sp, 0, &info), SIGUSR1);
	assert_int_equal(take(&sp, 0, &info), SIGCHLD);
	assert_int_equal(info.code, CLD_EXITED);
	assert_int_equal(take(&sp, 0, &info), SIGRTMIN);
	assert_int_equal(info.kill.value, 3);
	assert_null(sp.head);
	assert_null(sp.last);
	free_chain(sigpending_flush(&sp, ~0ull));
}

/* Random posts and takes against a model: per signal a FIFO of values (standard ones at most
 * one), taken in Linux's order. */
static void test_random_against_model(void **state)
{
	static uint64_t model[NSIG + 1][64];
	int count[NSIG + 1] = {0};
	struct sigpending sp = {0};
	uint64_t rng = 88172645463325252ull, value = 0;

	(void)state;
	for (int step = 0; step < 20000; step++) {
		struct ksiginfo info;
		int sig;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		sig = (int)(rng % NSIG) + 1;
		if ((rng >> 8) % 3) {
			bool kept = post(&sp, sig, SI_QUEUE, ++value);

			assert_int_equal(kept, sig >= SIGRTMIN || count[sig] == 0);
			if (kept)
				model[sig][count[sig]++] = value;
			if (count[sig] == 64) { /* keep the model bounded */
				free_chain(sigpending_flush(&sp, SIG_BIT(sig)));
				count[sig] = 0;
			}
		} else {
			uint64_t mask = rng >> 20;
			int want = 0;

			for (int s = 1; s <= NSIG && !want; s++)
				if (count[s] && !(mask & SIG_BIT(s)) &&
				    (SIG_SYNC_MASK & SIG_BIT(s)))
					want = s;
			for (int s = 1; s <= NSIG && !want; s++)
				if (count[s] && !(mask & SIG_BIT(s)))
					want = s;
			assert_int_equal(take(&sp, mask, &info), want);
			if (want) {
				assert_int_equal(info.kill.value, model[want][0]);
				memmove(model[want], model[want] + 1,
					sizeof(model[want][0]) * (size_t)--count[want]);
			}
		}
		for (int s = 1; s <= NSIG; s++)
			assert_int_equal(!!(sp.set & SIG_BIT(s)), count[s] > 0);
	}
	free_chain(sigpending_flush(&sp, ~0ull));
	assert_int_equal(sp.set, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_standard_first_instance_kept),
		cmocka_unit_test(test_realtime_queue_in_order),
		cmocka_unit_test(test_lost_instance_goes_with_the_last_entry),
		cmocka_unit_test(test_fault_signals_first_and_mask),
		cmocka_unit_test(test_flush_by_mask),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
