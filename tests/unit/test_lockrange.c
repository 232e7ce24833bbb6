/*
 * Unit tests for vmk/lockrange.h: POSIX split/merge/type changes as Linux makes them, owner
 * order, conflicts, limits, flock conversion and the deadlock walk; and random operations
 * checked against a byte-map model of every owner's locks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/lockrange.h>

#define EOF_ LOCKR_OFFSET_MAX

static struct lock_owner owners[4];
#define A (&owners[0])
#define B (&owners[1])
#define C (&owners[2])
#define D (&owners[3])

static struct lock_rec *plist, *flist;
static const struct lock_rec *changed_seen[64];
static int nchanged;

static void on_changed(const struct lock_rec *r, void *arg)
{
	(void)arg;
	assert_true(nchanged < 64);
	changed_seen[nchanged++] = r;
}

static void free_list(struct lock_rec *r)
{
	while (r) {
		struct lock_rec *n = r->next;

		free(r);
		r = n;
	}
}

static int setup(void **state)
{
	(void)state;
	memset(owners, 0, sizeof(owners));
	plist = flist = NULL;
	nchanged = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free_list(plist);
	free_list(flist);
	plist = flist = NULL;
	return 0;
}

static struct lock_rec req_of(struct lock_owner *o, int kind, int type, int64_t s, int64_t e)
{
	struct lock_rec r = {.owner = o, .kind = (uint8_t)kind, .type = (uint8_t)type};

	r.start = s;
	r.end = e;
	r.pid = (int)(o - owners) + 100;
	return r;
}

/* Apply a POSIX request with two spares (or nspare) and the given room. */
static int posix_n(struct lock_owner *o, int type, int64_t s, int64_t e, long room, int nspare)
{
	struct lock_rec req = req_of(o, LOCKR_POSIX, type, s, e);
	struct lock_rec *spare[2] = {NULL, NULL}, *dispose = NULL;
	long delta = 99;
	int rc;

	nchanged = 0; /* what this call reports */
	for (int i = 0; i < nspare; i++)
		spare[i] = calloc(1, sizeof(struct lock_rec));
	rc = lockr_posix_apply(&plist, &req, room, spare, &dispose, &delta, on_changed, NULL);
	if (rc)
		assert_int_equal(delta, 0);
	o->nrecs += (unsigned)delta;
	free(spare[0]);
	free(spare[1]);
	free_list(dispose);
	return rc;
}

static int posix(struct lock_owner *o, int type, int64_t s, int64_t e)
{
	return posix_n(o, type, s, e, 1000, 2);
}

/* The posix list as text: "A0-9W B20-EOFR ...", and a check that counts match. */
static const char *dump(void)
{
	static char buf[1024];
	unsigned count[4] = {0};
	size_t n = 0;

	buf[0] = 0;
	for (struct lock_rec *r = plist; r; r = r->next) {
		char end[24];

		if (r->end == EOF_)
			snprintf(end, sizeof(end), "EOF");
		else
			snprintf(end, sizeof(end), "%lld", (long long)r->end);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%c%lld-%s%c", n ? " " : "",
				      'A' + (int)(r->owner - owners), (long long)r->start, end,
				      r->type == LOCKR_WR ? 'W' : 'R');
		count[r->owner - owners]++;
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(count[i], owners[i].nrecs);
	return buf;
}

static void test_merge_and_split(void **state)
{
	(void)state;
	assert_int_equal(posix(A, LOCKR_WR, 0, 9), 0);
	assert_int_equal(posix(A, LOCKR_WR, 10, 19), 0);
	assert_string_equal(dump(), "A0-19W");
	assert_int_equal(posix(A, LOCKR_WR, 15, 29), 0);
	assert_string_equal(dump(), "A0-29W");
	assert_int_equal(posix(A, LOCKR_UN, 5, 9), 0);
	assert_string_equal(dump(), "A0-4W A10-29W");
	assert_int_equal(posix(A, LOCKR_RD, 5, 9), 0);
	assert_string_equal(dump(), "A0-4W A5-9R A10-29W");
	assert_int_equal(posix(A, LOCKR_WR, 5, 9), 0);
	assert_string_equal(dump(), "A0-29W");
	assert_int_equal(posix(A, LOCKR_RD, 10, 12), 0);
	assert_string_equal(dump(), "A0-9W A10-12R A13-29W");
	/* A read lock spanning pieces of both types. */
	assert_int_equal(posix(A, LOCKR_RD, 8, 14), 0);
	assert_string_equal(dump(), "A0-7W A8-14R A15-29W");
	assert_int_equal(posix(A, LOCKR_UN, 0, EOF_), 0);
	assert_string_equal(dump(), "");
}

static void test_types_do_not_merge(void **state)
{
	(void)state;
	assert_int_equal(posix(A, LOCKR_WR, 0, 9), 0);
	assert_int_equal(posix(A, LOCKR_RD, 10, 19), 0);
	assert_string_equal(dump(), "A0-9W A10-19R");
	/* Same type, touching only at the far side. */
	assert_int_equal(posix(A, LOCKR_WR, 20, 29), 0);
	assert_string_equal(dump(), "A0-9W A10-19R A20-29W");
	/* An upgrade in place merges with both neighbours. */
	assert_int_equal(posix(A, LOCKR_WR, 10, 19), 0);
	assert_string_equal(dump(), "A0-29W");
	/* A downgrade of the middle splits it in three. */
	assert_int_equal(posix(A, LOCKR_RD, 10, 19), 0);
	assert_string_equal(dump(), "A0-9W A10-19R A20-29W");
}

static void test_eof_and_edges(void **state)
{
	(void)state;
	assert_int_equal(posix(A, LOCKR_WR, 10, EOF_), 0);
	assert_int_equal(posix(A, LOCKR_UN, 20, 29), 0);
	assert_string_equal(dump(), "A10-19W A30-EOFW");
	assert_int_equal(posix(A, LOCKR_WR, 0, 9), 0); /* adjacent at 10 */
	assert_string_equal(dump(), "A0-19W A30-EOFW");
	assert_int_equal(posix(A, LOCKR_WR, 20, 29), 0);
	assert_string_equal(dump(), "A0-EOFW");
	/* The last byte only, then the byte before it. */
	assert_int_equal(posix(A, LOCKR_UN, 0, EOF_), 0);
	assert_int_equal(posix(A, LOCKR_RD, EOF_, EOF_), 0);
	assert_int_equal(posix(A, LOCKR_RD, EOF_ - 1, EOF_ - 1), 0);
	assert_string_equal(dump(), "A9223372036854775806-EOFR");
	assert_int_equal(posix(A, LOCKR_UN, EOF_, EOF_), 0);
	assert_string_equal(dump(), "A9223372036854775806-9223372036854775806R");
	/* Byte 0: no "start - 1" underflow. */
	assert_int_equal(posix(A, LOCKR_RD, 0, 0), 0);
	assert_string_equal(dump(), "A0-0R A9223372036854775806-9223372036854775806R");
	assert_int_equal(posix(A, LOCKR_UN, 0, EOF_), 0);
	/* Unlocking nothing is fine. */
	assert_int_equal(posix(A, LOCKR_UN, 5, 6), 0);
	assert_string_equal(dump(), "");
}

static void test_owner_order(void **state)
{
	(void)state;
	assert_int_equal(posix(A, LOCKR_RD, 50, 59), 0);
	assert_int_equal(posix(B, LOCKR_RD, 0, 9), 0);
	assert_int_equal(posix(A, LOCKR_RD, 0, 9), 0);	 /* sorted within A's group */
	assert_int_equal(posix(A, LOCKR_RD, 90, 99), 0); /* end of A's group, before B */
	assert_string_equal(dump(), "A0-9R A50-59R A90-99R B0-9R");
	/* A's group empties and comes back at the tail. */
	assert_int_equal(posix(A, LOCKR_UN, 0, EOF_), 0);
	assert_int_equal(posix(A, LOCKR_RD, 0, 9), 0);
	assert_string_equal(dump(), "B0-9R A0-9R");

	/* The first conflicting record follows list order, not offsets. */
	struct lock_rec probe = req_of(C, LOCKR_POSIX, LOCKR_WR, 0, EOF_);
	const struct lock_rec *c = lockr_find_conflict(plist, &probe);

	assert_non_null(c);
	assert_ptr_equal(c->owner, B);
	probe.start = 0;
	probe.end = 9;
	probe.owner = B; /* B's own lock does not block B; A's does */
	c = lockr_find_conflict(plist, &probe);
	assert_non_null(c);
	assert_ptr_equal(c->owner, A);
}

static void test_conflict_rules(void **state)
{
	struct lock_rec rd = req_of(A, LOCKR_POSIX, LOCKR_RD, 0, 9);
	struct lock_rec wr = req_of(B, LOCKR_POSIX, LOCKR_WR, 5, 5);
	struct lock_rec ofd = req_of(C, LOCKR_OFD, LOCKR_RD, 9, 20);
	struct lock_rec fl = req_of(D, LOCKR_FLOCK, LOCKR_WR, 0, EOF_);

	(void)state;
	assert_true(lockr_conflict(&wr, &rd));
	assert_true(lockr_conflict(&rd, &wr));
	assert_false(lockr_conflict(&ofd, &rd)); /* both read */
	ofd.type = LOCKR_WR;
	assert_true(lockr_conflict(&ofd, &rd)); /* OFD and POSIX conflict */
	ofd.start = 10;
	assert_false(lockr_conflict(&ofd, &rd)); /* no overlap */
	assert_false(lockr_conflict(&fl, &rd));	 /* flock and POSIX never */
	assert_false(lockr_conflict(&rd, &fl));
	wr.owner = A;
	assert_false(lockr_conflict(&wr, &rd)); /* one owner */
	/* flock: whole file, by owner and type. */
	struct lock_rec fl2 = req_of(A, LOCKR_FLOCK, LOCKR_RD, 0, EOF_);

	assert_true(lockr_conflict(&fl2, &fl));
	fl.type = LOCKR_RD;
	assert_false(lockr_conflict(&fl2, &fl));
}

static void test_room_and_spares(void **state)
{
	(void)state;
	assert_int_equal(posix(A, LOCKR_WR, 0, 99), 0);
	/* A split needs one more record: no room, nothing changes. */
	assert_int_equal(posix_n(A, LOCKR_UN, 10, 19, 0, 2), -ENOLCK);
	assert_string_equal(dump(), "A0-99W");
	assert_int_equal(nchanged, 0);
	/* A type change in the middle needs two. */
	assert_int_equal(posix_n(A, LOCKR_RD, 10, 19, 1, 2), -ENOLCK);
	assert_int_equal(posix_n(A, LOCKR_RD, 10, 19, 2, 1), -ENOLCK); /* one spare short */
	assert_string_equal(dump(), "A0-99W");
	assert_int_equal(posix_n(A, LOCKR_RD, 10, 19, 2, 2), 0);
	assert_string_equal(dump(), "A0-9W A10-19R A20-99W");
	/* Merging back frees two: fine with no room and no spares. */
	assert_int_equal(posix_n(A, LOCKR_WR, 10, 19, 0, 0), 0);
	assert_string_equal(dump(), "A0-99W");
	/* Removing everything needs no spare. */
	assert_int_equal(posix_n(A, LOCKR_UN, 0, EOF_, 0, 0), 0);
	assert_string_equal(dump(), "");
}

static void test_changed_reports(void **state)
{
	(void)state;
	assert_int_equal(posix(A, LOCKR_WR, 0, 9), 0);
	const struct lock_rec *first = plist;

	/* Growing a record of the same type keeps it and reports nothing. */
	assert_int_equal(posix(A, LOCKR_WR, 10, 19), 0);
	assert_int_equal(nchanged, 0);
	assert_ptr_equal(plist, first);
	/* Shrinking it is reported. */
	assert_int_equal(posix(A, LOCKR_UN, 0, 4), 0);
	assert_int_equal(nchanged, 1);
	assert_ptr_equal(changed_seen[0], first);
	/* Merging two records: the second one goes and is reported. */
	assert_int_equal(posix(A, LOCKR_WR, 30, 39), 0);
	const struct lock_rec *second = plist->next;

	assert_int_equal(posix(A, LOCKR_WR, 20, 29), 0);
	assert_string_equal(dump(), "A5-39W");
	assert_int_equal(nchanged, 1);
	assert_ptr_equal(changed_seen[0], second);
}

/* Apply a flock request with one spare. */
static int flk(struct lock_owner *o, int type, long room, const struct lock_rec **conflict)
{
	struct lock_rec req = req_of(o, LOCKR_FLOCK, type, 0, EOF_);
	struct lock_rec *spare = calloc(1, sizeof(*spare)), *dispose = NULL;
	const struct lock_rec *c;
	long delta;
	int rc;

	nchanged = 0;
	rc = lockr_flock_apply(&flist, &req, room, &spare, &dispose, &delta, &c, on_changed, NULL);
	o->nrecs += (unsigned)delta;
	if (conflict)
		*conflict = c;
	free(spare);
	free_list(dispose);
	return rc;
}

static const char *fdump(void)
{
	static char buf[256];
	size_t n = 0;

	buf[0] = 0;
	for (struct lock_rec *r = flist; r; r = r->next)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%c%c", n ? " " : "",
				      'A' + (int)(r->owner - owners),
				      r->type == LOCKR_WR ? 'W' : 'R');
	return buf;
}

static void test_flock(void **state)
{
	const struct lock_rec *c;

	(void)state;
	assert_int_equal(flk(A, LOCKR_RD, 10, NULL), 0);
	assert_int_equal(flk(B, LOCKR_RD, 10, NULL), 0);
	assert_string_equal(fdump(), "AR BR");
	assert_int_equal(flk(A, LOCKR_RD, 0, NULL), 0); /* the same again: nothing to do */
	/* A conversion drops the old lock first; when it then fails, none is left. */
	assert_int_equal(flk(A, LOCKR_WR, 10, &c), -EAGAIN);
	assert_ptr_equal(c->owner, B);
	assert_string_equal(fdump(), "BR");
	assert_int_equal(A->nrecs, 0);
	assert_int_equal(flk(B, LOCKR_WR, 10, NULL), 0); /* converted, to the tail */
	assert_string_equal(fdump(), "BW");
	assert_int_equal(flk(C, LOCKR_WR, 0, NULL), -EAGAIN);
	assert_int_equal(flk(B, LOCKR_UN, 0, NULL), 0);
	assert_int_equal(flk(C, LOCKR_WR, 0, NULL), -ENOLCK); /* no room */
	assert_int_equal(flk(C, LOCKR_WR, 1, NULL), 0);
	assert_string_equal(fdump(), "CW");
	assert_int_equal(flk(C, LOCKR_UN, 0, NULL), 0);
	assert_int_equal(flk(C, LOCKR_UN, 0, NULL), 0);
	assert_string_equal(fdump(), "");
	assert_int_equal(B->nrecs + C->nrecs, 0);
}

static void test_deadlock(void **state)
{
	struct lock_rec ha = req_of(A, LOCKR_POSIX, LOCKR_WR, 0, 0);
	struct lock_rec hb = req_of(B, LOCKR_POSIX, LOCKR_WR, 1, 1);
	struct lock_rec hc = req_of(C, LOCKR_POSIX, LOCKR_WR, 2, 2);
	struct lock_waiter wb = {.req = req_of(B, LOCKR_POSIX, LOCKR_WR, 2, 2), .blocker = &hc};
	struct lock_waiter wc = {.req = req_of(C, LOCKR_POSIX, LOCKR_WR, 0, 0), .blocker = &ha};

	(void)state;
	/* Nobody waits: no cycle. */
	assert_false(lockr_deadlock(NULL, A, &hb));
	/* B waits on C, C waits on A: A waiting on B closes the cycle. */
	wb.next = &wc;
	assert_true(lockr_deadlock(&wb, A, &hb));
	assert_false(lockr_deadlock(&wb, D, &hb));
	/* A waiter that has been woken (blocker NULL) no longer counts. */
	wc.blocker = NULL;
	assert_false(lockr_deadlock(&wb, A, &hb));
	/* Waiting on an OFD record is not followed (Linux's blocked_hash holds only those). */
	struct lock_rec ofd = req_of(A, LOCKR_OFD, LOCKR_WR, 0, 0);

	ofd.owner = A;
	wc.blocker = &ofd;
	assert_false(lockr_deadlock(&wb, A, &hb));

	/* A long chain is given up after LOCKR_DEADLK_ITERATIONS steps. */
	static struct lock_owner chain[20];
	static struct lock_rec held[20];
	static struct lock_waiter w[20];

	for (int i = 0; i < 20; i++)
		held[i] = (struct lock_rec){
			.owner = &chain[i], .kind = LOCKR_POSIX, .type = LOCKR_WR};
	for (int i = 0; i < 19; i++) { /* chain[i] waits on chain[i + 1]'s record */
		w[i].req.owner = &chain[i];
		w[i].blocker = &held[i + 1];
		w[i].next = i ? &w[i - 1] : NULL;
	}
	/* chain[19] waiting on chain[0] would close a cycle of 20 owners: too long to see. */
	assert_false(lockr_deadlock(&w[18], &chain[19], &held[0]));
	/* chain[5] waiting on chain[0]: the cycle has 5 steps and is seen. */
	assert_true(lockr_deadlock(&w[18], &chain[5], &held[0]));
}

/*
 * Random operations against a model: per owner, the type held on each cell of [0, 48],
 * cell 48 standing for [48, EOF].  After each step every owner's group must be the model's
 * runs (same-type neighbours merged), sorted, and the groups in first-lock order.
 */
#define CELLS 49
static int8_t model[4][CELLS]; /* -1 none, else type */

static int64_t cell_end(int c)
{
	return c == CELLS - 1 ? EOF_ : c;
}

static void model_apply(int o, int type, int s, int e)
{
	for (int c = s; c <= e; c++)
		model[o][c] = (int8_t)(type == LOCKR_UN ? -1 : type);
}

static void check_model(const int *order, int norder)
{
	const struct lock_rec *r = plist;

	for (int k = 0; k < norder; k++) {
		int o = order[k];

		for (int c = 0; c < CELLS;) {
			int t = model[o][c], d = c;

			if (t < 0) {
				c++;
				continue;
			}
			while (d + 1 < CELLS && model[o][d + 1] == t)
				d++;
			assert_non_null(r);
			assert_ptr_equal(r->owner, &owners[o]);
			assert_int_equal(r->start, c);
			assert_true(r->end == cell_end(d));
			assert_int_equal(r->type, t);
			r = r->next;
			c = d + 1;
		}
	}
	assert_null(r);
	dump(); /* counts */
}

static void test_random_against_model(void **state)
{
	int order[4], norder = 0;
	unsigned seed = 12345;

	(void)state;
	memset(model, -1, sizeof(model));
	for (int step = 0; step < 20000; step++) {
		int o, type, s, e, held = 0;
		bool conflict = false;

		seed = seed * 1103515245 + 12345;
		o = (int)(seed >> 16) % 4;
		type = (int)(seed >> 8) % 3;
		seed = seed * 1103515245 + 12345;
		s = (int)(seed >> 16) % (CELLS - 1);
		e = s + (int)(seed >> 4) % (CELLS - s);
		/* The conflict check agrees with the model. */
		for (int p = 0; p < 4; p++)
			for (int c = s; p != o && c <= e; c++)
				if (model[p][c] >= 0 &&
				    (model[p][c] == LOCKR_WR || type == LOCKR_WR))
					conflict = true;
		if (type != LOCKR_UN) {
			struct lock_rec q = req_of(&owners[o], LOCKR_POSIX, type, s, cell_end(e));

			assert_int_equal(lockr_find_conflict(plist, &q) != NULL, conflict);
			if (conflict)
				continue;
		}
		assert_int_equal(posix(&owners[o], type, s, cell_end(e)), 0);
		model_apply(o, type, s, e);
		/* Keep the owners' first-lock order as Linux would. */
		for (int c = 0; c < CELLS; c++)
			held += model[o][c] >= 0;
		int at = -1;

		for (int k = 0; k < norder; k++)
			if (order[k] == o)
				at = k;
		if (at >= 0 && !held) {
			memmove(order + at, order + at + 1,
				(size_t)(norder - at - 1) * sizeof(int));
			norder--;
		} else if (at < 0 && held) {
			order[norder++] = o;
		}
		check_model(order, norder);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_and_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_types_do_not_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof_and_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_and_spares, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
	};

	return cmocka_run_group_tests_name("lockrange", tests, NULL, NULL);
}
