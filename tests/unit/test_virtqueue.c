/* Unit tests for hv/virtqueue.h: split rings in a fake guest memory, as a driver fills them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <hv/virtqueue.h>

/* ---- A 64 KiB guest memory with a read counter per descriptor slot ---- */

#define MEM_SIZE 0x10000
#define DESC	 0x1000
#define AVAIL	 0x2000
#define USED	 0x3000
#define BUF	 0x8000

static uint8_t mem[MEM_SIZE];
static unsigned desc_reads[VIRTQ_MAX_SIZE];

static int m_read(void *ctx, uint64_t gpa, void *dst, size_t len)
{
	(void)ctx;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	if (gpa >= DESC && gpa < DESC + 16 * VIRTQ_MAX_SIZE)
		desc_reads[(gpa - DESC) / 16]++;
	memcpy(dst, mem + gpa, len);
	return 0;
}

static int m_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	(void)ctx;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(mem + gpa, src, len);
	return 0;
}

static const struct hvdev_mem gm = {m_read, m_write, NULL};

static void put16(uint64_t gpa, uint16_t v)
{
	mem[gpa] = (uint8_t)v;
	mem[gpa + 1] = (uint8_t)(v >> 8);
}

static uint16_t get16(uint64_t gpa)
{
	return (uint16_t)(mem[gpa] | mem[gpa + 1] << 8);
}

static uint32_t get32(uint64_t gpa)
{
	return (uint32_t)get16(gpa) | (uint32_t)get16(gpa + 2) << 16;
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t d = DESC + 16ull * i;

	for (int k = 0; k < 8; k++)
		mem[d + k] = (uint8_t)(addr >> (8 * k));
	for (int k = 0; k < 4; k++)
		mem[d + 8 + k] = (uint8_t)(len >> (8 * k));
	put16(d + 12, flags);
	put16(d + 14, next);
}

static uint16_t avail_idx;

/* Make chain `head` available, as the driver does: ring entry, then index. */
static void avail_add(uint16_t size, uint16_t head)
{
	put16(AVAIL + 4 + 2 * (avail_idx % size), head);
	avail_idx++;
	put16(AVAIL + 2, avail_idx);
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	memset(desc_reads, 0, sizeof(desc_reads));
	avail_idx = 0;
	return 0;
}

static void init_q(struct virtq *q, uint16_t size)
{
	assert_int_equal(virtq_init(q, &gm, size, DESC, AVAIL, USED), 0);
	assert_true(virtq_ready(q));
}

/* ---- Cases ---- */

/* A block-style chain: header out, data in, status in; taken once, returned once. */
static void test_pop_push(void **state)
{
	struct virtq q;
	struct virtq_chain c;

	(void)state;
	init_q(&q, 8);
	assert_int_equal(virtq_pop(&q, &c), 0);
	set_desc(0, BUF, 16, VIRTQ_DESC_F_NEXT, 3);
	set_desc(3, BUF + 0x1000, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, BUF + 0x2000, 1, VIRTQ_DESC_F_WRITE, 7); /* next ignored without NEXT */
	avail_add(8, 0);
	assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(c.head, 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.nout, 1);
	assert_int_equal(c.out_len, 16);
	assert_int_equal(c.in_len, 101);
	assert_int_equal(c.seg[0].gpa, BUF);
	assert_false(c.seg[0].write);
	assert_int_equal(c.seg[1].gpa, BUF + 0x1000);
	assert_int_equal(c.seg[1].len, 100);
	assert_true(c.seg[1].write);
	assert_int_equal(c.seg[2].len, 1);
	/* Each descriptor was read exactly once (no second fetch for the guest to race). */
	assert_int_equal(desc_reads[0], 1);
	assert_int_equal(desc_reads[3], 1);
	assert_int_equal(desc_reads[5], 1);
	assert_int_equal(desc_reads[7], 0);
	assert_int_equal(virtq_pop(&q, &c), 0);
	assert_false(virtq_needs_interrupt(&q)); /* nothing used yet */
	assert_int_equal(virtq_push(&q, 0, 101), 0);
	assert_int_equal(get16(USED + 2), 1);
	assert_int_equal(get32(USED + 4), 0);
	assert_int_equal(get32(USED + 8), 101);
	assert_true(virtq_needs_interrupt(&q));
	assert_false(virtq_needs_interrupt(&q)); /* consumed */
	/* The driver asks for no interrupts. */
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	set_desc(1, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	avail_add(8, 1);
	assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(c.head, 1);
	assert_int_equal(c.nout, 0);
	assert_int_equal(virtq_push(&q, 1, 8), 0);
	assert_int_equal(get16(USED + 2), 2);
	assert_int_equal(get32(USED + 12), 1);
	assert_false(virtq_needs_interrupt(&q));
	/* A device's own bad head is refused without breaking the ring. */
	assert_int_equal(virtq_push(&q, 8, 0), -EINVAL);
	assert_true(virtq_ready(&q));
	assert_int_equal(get16(USED + 2), 2);
}

/* Free-running 16-bit indices wrap; ring slots are taken modulo the size. */
static void test_wrap(void **state)
{
	struct virtq q;
	struct virtq_chain c;

	(void)state;
	init_q(&q, 4);
	for (unsigned i = 0; i < 4; i++)
		set_desc(i, BUF + 16 * i, 16, VIRTQ_DESC_F_WRITE, 0);
	for (unsigned i = 0; i < 70000; i++) {
		uint16_t head = (uint16_t)((i * 3) % 4);

		avail_add(4, head);
		if (i % 2) /* sometimes two at a time */
			continue;
		for (int k = 0; k < (i ? 2 : 1); k++) {
			uint16_t want = (uint16_t)(((i - (i ? 1 - k : 0)) * 3) % 4);

			assert_int_equal(virtq_pop(&q, &c), 1);
			assert_int_equal(c.head, want);
			assert_int_equal(virtq_push(&q, c.head, i), 0);
			assert_int_equal(get32(USED + 4 + 8 * ((uint16_t)(q.used_idx - 1) % 4)),
					 want);
		}
	}
	assert_int_equal(virtq_pop(&q, &c), 1); /* the last odd one */
	assert_int_equal(virtq_pop(&q, &c), 0);
	assert_int_equal(q.last_avail, (uint16_t)70000);
	assert_int_equal(get16(USED + 2), (uint16_t)69999);
}

/* Reading and writing a chain's bytes across segment boundaries. */
static void test_chain_copy(void **state)
{
	struct virtq q;
	struct virtq_chain c;
	uint8_t buf[16], want[16];

	(void)state;
	init_q(&q, 8);
	for (int i = 0; i < 16; i++)
		mem[BUF + i] = (uint8_t)(0xA0 + i);
	set_desc(2, BUF, 3, VIRTQ_DESC_F_NEXT, 4);
	set_desc(4, BUF + 3, 0, VIRTQ_DESC_F_NEXT, 6); /* an empty descriptor is harmless */
	set_desc(6, BUF + 3, 5, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF + 0x100, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	set_desc(0, BUF + 0x200, 4, VIRTQ_DESC_F_WRITE, 0);
	avail_add(8, 2);
	assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(c.out_len, 8);
	assert_int_equal(c.in_len, 8);
	assert_int_equal(virtq_chain_read(&q, &c, 1, buf, 6), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(buf[i], 0xA1 + i);
	assert_int_equal(virtq_chain_read(&q, &c, 0, buf, 8), 0);
	assert_int_equal(virtq_chain_read(&q, &c, 0, buf, 9), -EINVAL);
	assert_int_equal(virtq_chain_read(&q, &c, 9, buf, 0), -EINVAL);
	assert_int_equal(virtq_chain_read(&q, &c, UINT64_MAX, buf, 2), -EINVAL);
	assert_int_equal(virtq_chain_read(&q, &c, 8, buf, 0), 0);
	for (int i = 0; i < 6; i++)
		want[i] = (uint8_t)(0x10 + i);
	assert_int_equal(virtq_chain_write(&q, &c, 2, want, 6), 0);
	assert_int_equal(mem[BUF + 0x102], 0x10);
	assert_int_equal(mem[BUF + 0x103], 0x11);
	assert_int_equal(mem[BUF + 0x200], 0x12);
	assert_int_equal(mem[BUF + 0x203], 0x15);
	assert_int_equal(mem[BUF + 0x204], 0);
	assert_int_equal(virtq_chain_write(&q, &c, 4, want, 5), -EINVAL);
	/* A segment outside guest memory: -EFAULT, the ring itself is fine. */
	set_desc(3, MEM_SIZE - 2, 4, VIRTQ_DESC_F_WRITE, 0);
	avail_add(8, 3);
	assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(virtq_chain_write(&q, &c, 0, want, 2), 0);
	assert_int_equal(virtq_chain_write(&q, &c, 0, want, 4), -EFAULT);
	assert_true(virtq_ready(&q));
}

/* A descriptor loop: refused, the queue stays broken until reset, nothing written. */
static void test_loop(void **state)
{
	struct virtq q;
	struct virtq_chain c;

	(void)state;
	init_q(&q, 8);
	set_desc(0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	avail_add(8, 0);
	assert_int_equal(virtq_pop(&q, &c), -EINVAL);
	assert_false(virtq_ready(&q));
	/* It walked at most the queue size. */
	assert_true(desc_reads[0] + desc_reads[1] <= 8);
	/* Even a good ring now gets the same answer, and nothing is pushed. */
	set_desc(1, BUF, 16, 0, 0);
	assert_int_equal(virtq_pop(&q, &c), -EINVAL);
	assert_int_equal(virtq_push(&q, 0, 0), -EINVAL);
	assert_int_equal(get16(USED + 2), 0);
	assert_false(virtq_needs_interrupt(&q));
	/* A self-loop on the last descriptor too. */
	init_q(&q, 8);
	avail_idx = 0;
	set_desc(7, BUF, 16, VIRTQ_DESC_F_NEXT, 7);
	avail_add(8, 7);
	assert_int_equal(virtq_pop(&q, &c), -EINVAL);
	/* After a reset the ring works again. */
	virtq_reset(&q);
	assert_false(virtq_ready(&q));
	assert_int_equal(virtq_pop(&q, &c), 0);
	init_q(&q, 8);
	avail_idx = 0;
	set_desc(7, BUF, 16, 0, 7);
	avail_add(8, 7);
	assert_int_equal(virtq_pop(&q, &c), 1);
}

/* The longest legal chain (every descriptor) is taken. */
static void test_longest_chain(void **state)
{
	struct virtq q;
	struct virtq_chain c;

	(void)state;
	init_q(&q, VIRTQ_MAX_SIZE);
	for (unsigned i = 0; i < VIRTQ_MAX_SIZE; i++)
		set_desc(i, BUF + i, 1,
			 (i >= 100 ? VIRTQ_DESC_F_WRITE : 0) |
				 (i + 1 < VIRTQ_MAX_SIZE ? VIRTQ_DESC_F_NEXT : 0),
			 (uint16_t)(i + 1));
	avail_add(VIRTQ_MAX_SIZE, 0);
	assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(c.n, VIRTQ_MAX_SIZE);
	assert_int_equal(c.nout, 100);
	assert_int_equal(c.in_len, VIRTQ_MAX_SIZE - 100);
	/* With the last one pointing back to the first it is a loop. */
	set_desc(VIRTQ_MAX_SIZE - 1, BUF, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	avail_add(VIRTQ_MAX_SIZE, 0);
	assert_int_equal(virtq_pop(&q, &c), -EINVAL);
}

/* One broken ring per bad input. */
static void test_bad_rings(void **state)
{
	struct virtq q;
	struct virtq_chain c;
	const struct {
		const char *what;
		uint16_t head;
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
		int want;
	} bad[] = {
		{"head out of range", 8, BUF, 16, 0, 0, -EINVAL},
		{"head far out of range", 0xFFFF, BUF, 16, 0, 0, -EINVAL},
		{"next out of range", 0, BUF, 16, VIRTQ_DESC_F_NEXT, 8, -EINVAL},
		{"indirect, not offered", 0, BUF, 16, VIRTQ_DESC_F_INDIRECT, 0, -EINVAL},
		{"address range wraps", 0, UINT64_MAX - 3, 16, 0, 0, -EFAULT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(NULL);
		init_q(&q, 8);
		set_desc(0, bad[i].addr, bad[i].len, bad[i].flags, bad[i].next);
		avail_add(8, bad[i].head);
		if (virtq_pop(&q, &c) != bad[i].want)
			fail_msg("%s: not refused", bad[i].what);
		if (virtq_ready(&q))
			fail_msg("%s: queue still ready", bad[i].what);
	}
	/* A device-readable descriptor after a device-writable one. */
	setup(NULL);
	init_q(&q, 8);
	set_desc(0, BUF, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF, 16, 0, 0);
	avail_add(8, 0);
	assert_int_equal(virtq_pop(&q, &c), -EINVAL);
	/* More made available than the queue holds. */
	setup(NULL);
	init_q(&q, 8);
	put16(AVAIL + 2, 9);
	assert_int_equal(virtq_pop(&q, &c), -EINVAL);
	/* ...but exactly the queue size is fine. */
	setup(NULL);
	init_q(&q, 8);
	put16(AVAIL + 2, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(virtq_pop(&q, &c), 0);
}

/* Rings outside guest memory: -EFAULT and broken; the host is never touched. */
static void test_faults(void **state)
{
	struct virtq q;
	struct virtq_chain c;

	(void)state;
	/* The available ring past the end of memory. */
	assert_int_equal(virtq_init(&q, &gm, 8, DESC, MEM_SIZE, USED), 0);
	assert_int_equal(virtq_pop(&q, &c), -EFAULT);
	/* Its index inside, the entries outside. */
	assert_int_equal(virtq_init(&q, &gm, 8, DESC, MEM_SIZE - 4, USED), 0);
	put16(MEM_SIZE - 2, 1);
	assert_int_equal(virtq_pop(&q, &c), -EFAULT);
	/* The descriptor table outside. */
	setup(NULL);
	assert_int_equal(virtq_init(&q, &gm, 8, 0x100000000ull, AVAIL, USED), 0);
	avail_add(8, 0);
	assert_int_equal(virtq_pop(&q, &c), -EFAULT);
	/* The used ring outside: the element, then just the index. */
	setup(NULL);
	assert_int_equal(virtq_init(&q, &gm, 8, DESC, AVAIL, MEM_SIZE - 4), 0);
	avail_add(8, 0);
	assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(virtq_push(&q, 0, 0), -EFAULT);
	assert_false(virtq_ready(&q));
	/* The flags word unreadable when deciding on an interrupt: no interrupt, broken. */
	setup(NULL);
	init_q(&q, 8);
	avail_add(8, 0);
	assert_int_equal(virtq_pop(&q, &c), 1);
	assert_int_equal(virtq_push(&q, 0, 0), 0);
	q.mem.read = NULL; /* as if the memory went away under us */
	assert_false(virtq_needs_interrupt(&q));
	assert_false(virtq_ready(&q));
	assert_int_equal(virtq_pop(&q, &c), -EFAULT);
}

static void test_init_checks(void **state)
{
	struct virtq q;

	(void)state;
	assert_int_equal(virtq_init(&q, &gm, 0, DESC, AVAIL, USED), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 3, DESC, AVAIL, USED), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 512, DESC, AVAIL, USED), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 8, DESC + 8, AVAIL, USED), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 8, DESC, AVAIL + 1, USED), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 8, DESC, AVAIL, USED + 2), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 8, UINT64_MAX - 15, AVAIL, USED), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 8, DESC, UINT64_MAX - 1, USED), -EINVAL);
	assert_int_equal(virtq_init(&q, &gm, 8, DESC, AVAIL, UINT64_MAX - 3), -EINVAL);
	assert_false(virtq_ready(&q));
	assert_int_equal(virtq_init(&q, &gm, 1, DESC, AVAIL + 2, USED + 4), 0);
	assert_int_equal(virtq_init(&q, &gm, 256, 0, 0x1000, 0x2000), 0);
	/* The highest placement that does not wrap. */
	assert_int_equal(virtq_init(&q, &gm, 8, UINT64_MAX - 127, UINT64_MAX - 21, USED), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pop_push, setup),
		cmocka_unit_test_setup(test_wrap, setup),
		cmocka_unit_test_setup(test_chain_copy, setup),
		cmocka_unit_test_setup(test_loop, setup),
		cmocka_unit_test_setup(test_longest_chain, setup),
		cmocka_unit_test_setup(test_bad_rings, setup),
		cmocka_unit_test_setup(test_faults, setup),
		cmocka_unit_test_setup(test_init_checks, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
