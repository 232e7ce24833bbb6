/*
 * Unit tests for System V IPC's pure logic (vmk/ipc.h): ids as Linux 6.1 builds them (cyclic
 * indexes, sequence numbers on wrap, the *_INFO maximum), semop's all-or-nothing
 * evaluation, and msgrcv's choice of message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vmk/ipc.h>
#include <vmk/errno.h>

/* --- ids --- */

static void test_idr_first_ids(void **state)
{
	struct ipc_idr r;
	int id;

	(void)state;
	ipc_idr_init(&r);
	assert_int_equal(ipc_idr_info_max(&r), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ipc_idr_alloc(&r, 100, &id), i);
		assert_int_equal(id, i); /* sequence 0 */
	}
	assert_int_equal(r.in_use, 3);
	assert_int_equal(ipc_idr_info_max(&r), 2);
}

/* A freed index is not reused at once: the search goes on from the last one. */
static void test_idr_cyclic(void **state)
{
	struct ipc_idr r;
	int id;

	(void)state;
	ipc_idr_init(&r);
	assert_int_equal(ipc_idr_alloc(&r, 100, &id), 0);
	ipc_idr_remove(&r, 0);
	assert_int_equal(ipc_idr_alloc(&r, 100, &id), 1);
	assert_int_equal(id, 1);
	ipc_idr_remove(&r, 1);
	assert_int_equal(r.max_idx, -1);
	/* Walk up to the end of the minimum cycle (64), then wrap: sequence 1. */
	for (int i = 2; i < IPC_MIN_CYCLE; i++) {
		assert_int_equal(ipc_idr_alloc(&r, 100, &id), i);
		ipc_idr_remove(&r, i);
	}
	assert_int_equal(ipc_idr_alloc(&r, 100, &id), 0);
	assert_int_equal(id, IPC_SEQ_MULT);
	assert_int_equal(ipc_id_idx(id), 0);
	assert_int_equal(ipc_id_seq(id), 1);
	/* The next one is above the last, so the sequence stays. */
	assert_int_equal(ipc_idr_alloc(&r, 100, &id), 1);
	assert_int_equal(id, IPC_SEQ_MULT + 1);
}

/* The cycle grows to in_use * 3 / 2 once more than IPC_MIN_CYCLE are in use. */
static void test_idr_grows(void **state)
{
	struct ipc_idr r;
	int id;

	(void)state;
	ipc_idr_init(&r);
	for (int i = 0; i < 100; i++)
		assert_int_equal(ipc_idr_alloc(&r, 1000, &id), i);
	assert_int_equal(ipc_idr_info_max(&r), 99);
	ipc_idr_remove(&r, 99);
	assert_int_equal(ipc_idr_info_max(&r), 98);
	ipc_idr_remove(&r, 50);
	assert_int_equal(ipc_idr_info_max(&r), 98);
	/* 98 in use: the cycle is [0, 147); the search starts after 99. */
	assert_int_equal(ipc_idr_alloc(&r, 1000, &id), 100);
	assert_int_equal(ipc_id_seq(id), 0);
}

static void test_idr_limit(void **state)
{
	struct ipc_idr r;
	int id;

	(void)state;
	ipc_idr_init(&r);
	for (int i = 0; i < 5; i++)
		assert_true(ipc_idr_alloc(&r, 5, &id) >= 0);
	assert_int_equal(ipc_idr_alloc(&r, 5, &id), -ENOSPC);
	ipc_idr_remove(&r, 2);
	assert_int_equal(ipc_idr_alloc(&r, 5, &id), 5);
}

/* Every index in use: IPC_MNI - 1, and no more. */
static void test_idr_full(void **state)
{
	struct ipc_idr *r = malloc(sizeof(*r));
	int id;

	(void)state;
	ipc_idr_init(r);
	for (int i = 0; i < IPC_MNI; i++)
		assert_int_equal(ipc_idr_alloc(r, IPC_MNI, &id), i);
	assert_int_equal(ipc_idr_info_max(r), IPC_MNI - 1);
	assert_int_equal(ipc_idr_alloc(r, 1 << 20, &id), -ENOSPC);
	free(r);
}

/* The sequence wraps to 0 after IPC_SEQ_MAX - 1. */
static void test_idr_seq_wrap(void **state)
{
	struct ipc_idr r;
	int id;

	(void)state;
	ipc_idr_init(&r);
	r.seq = IPC_SEQ_MAX - 1;
	assert_int_equal(ipc_idr_alloc(&r, 10, &id), 0);
	assert_int_equal(ipc_id_seq(id), IPC_SEQ_MAX - 1);
	ipc_idr_remove(&r, 0);
	r.next = 0; /* force the wrap */
	assert_int_equal(ipc_idr_alloc(&r, 10, &id), 0);
	assert_int_equal(id, 0);
	assert_true(id >= 0);
}

/* --- semop --- */

static struct ipc_sembuf op(unsigned short n, short v, short flg)
{
	return (struct ipc_sembuf){n, v, flg};
}

static void set_vals(struct ipc_sem *s, int a, int b)
{
	s[0] = (struct ipc_sem){a, 7};
	s[1] = (struct ipc_sem){b, 7};
}

static void test_sem_simple(void **state)
{
	struct ipc_sem s[2];
	struct ipc_sembuf ops[2];
	unsigned blk = 99;

	(void)state;
	set_vals(s, 0, 0);
	ops[0] = op(0, 3, 0);
	assert_int_equal(ipc_sem_try(s, NULL, ops, 1, 42, &blk), 0);
	assert_int_equal(s[0].val, 3);
	assert_int_equal(s[0].pid, 42);
	assert_int_equal(s[1].pid, 7);
	ops[0] = op(0, -2, 0);
	assert_int_equal(ipc_sem_try(s, NULL, ops, 1, 43, &blk), 0);
	assert_int_equal(s[0].val, 1);
	ops[0] = op(0, -2, 0);
	assert_int_equal(ipc_sem_try(s, NULL, ops, 1, 44, &blk), IPC_SEM_BLOCK);
	assert_int_equal(blk, 0);
	assert_int_equal(s[0].val, 1);
	assert_int_equal(s[0].pid, 43);
	ops[0] = op(0, -2, IPC_NOWAIT);
	assert_int_equal(ipc_sem_try(s, NULL, ops, 1, 44, &blk), -EAGAIN);
}

/* All or nothing: a later operation that cannot proceed undoes the earlier ones. */
static void test_sem_atomic(void **state)
{
	struct ipc_sem s[2];
	struct ipc_sembuf ops[2] = {op(0, 1, 0), op(1, -1, 0)};
	unsigned blk = 99;

	(void)state;
	set_vals(s, 0, 0);
	assert_int_equal(ipc_sem_try(s, NULL, ops, 2, 1, &blk), IPC_SEM_BLOCK);
	assert_int_equal(blk, 1);
	assert_int_equal(s[0].val, 0);
	assert_int_equal(s[0].pid, 7);
	ops[1].sem_flg = IPC_NOWAIT;
	assert_int_equal(ipc_sem_try(s, NULL, ops, 2, 1, &blk), -EAGAIN);
	assert_int_equal(s[0].val, 0);
	s[1].val = 1;
	assert_int_equal(ipc_sem_try(s, NULL, ops, 2, 1, &blk), 0);
	assert_int_equal(s[0].val, 1);
	assert_int_equal(s[1].val, 0);
	assert_int_equal(s[0].pid, 1);
	assert_int_equal(s[1].pid, 1);
}

/* Operations apply in order: two on one semaphore see each other. */
static void test_sem_duplicates(void **state)
{
	struct ipc_sem s[2];
	struct ipc_sembuf dec2[2] = {op(0, -1, 0), op(0, -1, 0)};
	struct ipc_sembuf upthenzero[2] = {op(1, 1, 0), op(1, 0, 0)};
	struct ipc_sembuf zerothenup[2] = {op(1, 0, 0), op(1, 1, 0)};
	unsigned blk;

	(void)state;
	set_vals(s, 1, 0);
	assert_int_equal(ipc_sem_try(s, NULL, dec2, 2, 1, &blk), IPC_SEM_BLOCK);
	assert_int_equal(blk, 1);
	assert_int_equal(s[0].val, 1);
	s[0].val = 2;
	assert_int_equal(ipc_sem_try(s, NULL, dec2, 2, 1, &blk), 0);
	assert_int_equal(s[0].val, 0);
	assert_int_equal(ipc_sem_try(s, NULL, upthenzero, 2, 1, &blk), IPC_SEM_BLOCK);
	assert_int_equal(s[1].val, 0);
	assert_int_equal(ipc_sem_try(s, NULL, zerothenup, 2, 1, &blk), 0);
	assert_int_equal(s[1].val, 1);
}

static void test_sem_zero_and_range(void **state)
{
	struct ipc_sem s[2];
	struct ipc_sembuf z = op(0, 0, 0), big = op(1, SEMVMX, 0), one = op(1, 1, 0);
	unsigned blk;

	(void)state;
	set_vals(s, 0, 0);
	assert_int_equal(ipc_sem_try(s, NULL, &z, 1, 5, &blk), 0);
	assert_int_equal(s[0].pid, 5); /* a wait for zero counts as an operation */
	s[0].val = 1;
	assert_int_equal(ipc_sem_try(s, NULL, &z, 1, 5, &blk), IPC_SEM_BLOCK);
	assert_int_equal(ipc_sem_try(s, NULL, &big, 1, 5, &blk), 0);
	assert_int_equal(s[1].val, SEMVMX);
	assert_int_equal(ipc_sem_try(s, NULL, &one, 1, 6, &blk), -ERANGE);
	assert_int_equal(s[1].val, SEMVMX);
	assert_int_equal(s[1].pid, 5);
}

static void test_sem_undo(void **state)
{
	struct ipc_sem s[2];
	int16_t adj[2] = {0, 0};
	struct ipc_sembuf ops[2] = {op(0, 2, SEM_UNDO), op(1, -1, SEM_UNDO)};
	struct ipc_sembuf down = op(0, -SEMVMX, SEM_UNDO), up = op(0, 1, 0),
			  down1 = op(0, -1, SEM_UNDO);
	unsigned blk;

	(void)state;
	set_vals(s, 0, 0);
	assert_int_equal(ipc_sem_try(s, adj, ops, 2, 1, &blk), IPC_SEM_BLOCK);
	assert_int_equal(adj[0], 0); /* undone with the value */
	assert_int_equal(adj[1], 0);
	s[1].val = 1;
	assert_int_equal(ipc_sem_try(s, adj, ops, 2, 1, &blk), 0);
	assert_int_equal(adj[0], -2);
	assert_int_equal(adj[1], 1);
	/* An adjustment past SEMAEM is ERANGE. */
	adj[0] = 0;
	s[0].val = SEMVMX;
	assert_int_equal(ipc_sem_try(s, adj, &down, 1, 1, &blk), 0);
	assert_int_equal(adj[0], SEMVMX);
	assert_int_equal(ipc_sem_try(s, adj, &up, 1, 1, &blk), 0);
	assert_int_equal(ipc_sem_try(s, adj, &down1, 1, 1, &blk), -ERANGE);
	assert_int_equal(s[0].val, 1);
	assert_int_equal(adj[0], SEMVMX);
}

/* --- msgrcv --- */

static struct ipc_msg *mk(long type, struct ipc_msg *next)
{
	struct ipc_msg *m = calloc(1, sizeof(*m));

	m->mtype = type;
	m->next = next;
	return m;
}

static void free_list(struct ipc_msg *m)
{
	while (m) {
		struct ipc_msg *n = m->next;

		free(m);
		m = n;
	}
}

static void test_msg_modes(void **state)
{
	long t;

	(void)state;
	t = 0;
	assert_int_equal(ipc_msg_mode(&t, 0), IPC_MSG_ANY);
	t = 0;
	assert_int_equal(ipc_msg_mode(&t, MSG_EXCEPT), IPC_MSG_ANY);
	t = 3;
	assert_int_equal(ipc_msg_mode(&t, 0), IPC_MSG_EQUAL);
	assert_int_equal(ipc_msg_mode(&t, MSG_EXCEPT), IPC_MSG_NOTEQUAL);
	t = -4;
	assert_int_equal(ipc_msg_mode(&t, MSG_EXCEPT), IPC_MSG_LESSEQUAL);
	assert_int_equal(t, 4);
	t = LONG_MIN;
	assert_int_equal(ipc_msg_mode(&t, 0), IPC_MSG_LESSEQUAL);
	assert_true(t == LONG_MAX);
	t = 2;
	assert_int_equal(ipc_msg_mode(&t, MSG_COPY | MSG_EXCEPT), IPC_MSG_NUMBER);
	assert_int_equal(t, 2);
}

static void test_msg_find(void **state)
{
	/* types in queue order: 5 3 7 3 2 2 */
	struct ipc_msg *head = mk(5, mk(3, mk(7, mk(3, mk(2, mk(2, NULL))))));
	struct ipc_msg **l;
	long t;

	(void)state;
	t = 0;
	l = ipc_msg_find(&head, &t, IPC_MSG_ANY);
	assert_ptr_equal(*l, head);
	t = 3;
	l = ipc_msg_find(&head, &t, IPC_MSG_EQUAL);
	assert_ptr_equal(*l, head->next);
	t = 4;
	assert_null(ipc_msg_find(&head, &t, IPC_MSG_EQUAL));
	t = 5;
	l = ipc_msg_find(&head, &t, IPC_MSG_NOTEQUAL);
	assert_ptr_equal(*l, head->next);
	/* <= 4: the lowest type (2), its first message. */
	t = 4;
	l = ipc_msg_find(&head, &t, IPC_MSG_LESSEQUAL);
	assert_ptr_equal(*l, head->next->next->next->next);
	/* <= 1: none, and the bound is left alone. */
	t = 1;
	assert_null(ipc_msg_find(&head, &t, IPC_MSG_LESSEQUAL));
	assert_int_equal(t, 1);
	/* By position (MSG_COPY). */
	t = 2;
	l = ipc_msg_find(&head, &t, IPC_MSG_NUMBER);
	assert_int_equal((*l)->mtype, 7);
	t = 6;
	assert_null(ipc_msg_find(&head, &t, IPC_MSG_NUMBER));
	free_list(head);
}

/* Type 1 is the lowest there is: the first one found is taken at once. */
static void test_msg_lessequal_one(void **state)
{
	struct ipc_msg *head = mk(3, mk(1, mk(1, NULL)));
	struct ipc_msg **l;
	long t = 10;

	(void)state;
	l = ipc_msg_find(&head, &t, IPC_MSG_LESSEQUAL);
	assert_ptr_equal(*l, head->next);
	free_list(head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idr_first_ids),  cmocka_unit_test(test_idr_cyclic),
		cmocka_unit_test(test_idr_grows),      cmocka_unit_test(test_idr_limit),
		cmocka_unit_test(test_idr_full),       cmocka_unit_test(test_idr_seq_wrap),
		cmocka_unit_test(test_sem_simple),     cmocka_unit_test(test_sem_atomic),
		cmocka_unit_test(test_sem_duplicates), cmocka_unit_test(test_sem_zero_and_range),
		cmocka_unit_test(test_sem_undo),       cmocka_unit_test(test_msg_modes),
		cmocka_unit_test(test_msg_find),       cmocka_unit_test(test_msg_lessequal_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
