/* Unit tests for vmk/x86_decode.h: byte sequences as GNU as encodes them (see each comment). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vmk/errno.h>
#include <vmk/x86_decode.h>

struct vec {
	const char *what;
	uint8_t bytes[16];
	uint8_t nbytes;
	enum x86_mode mode;
	struct x86_insn want;
};

#define L(...)	  {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})
#define LOAD	  X86_OP_LOAD
#define STORE	  X86_OP_STORE
#define STORE_IMM X86_OP_STORE_IMM
#define ZX	  X86_OP_LOAD_ZX
#define SX	  X86_OP_LOAD_SX

/* want: len, op, size, dst_size, reg, high8, imm */
static const struct vec vecs[] = {
	{"mov %eax,(%rdi)", L(0x89, 0x07), X86_MODE_64, {2, STORE, 4, 4, 0, 0, 0}},
	{"mov (%rsi),%ecx", L(0x8b, 0x0e), X86_MODE_64, {2, LOAD, 4, 4, 1, 0, 0}},
	{"mov %r9,0x10(%rbx)", L(0x4c, 0x89, 0x4b, 0x10), X86_MODE_64, {4, STORE, 8, 8, 9, 0, 0}},
	{"mov 0x12345678(%rip),%r10d",
	 L(0x44, 0x8b, 0x15, 0x78, 0x56, 0x34, 0x12),
	 X86_MODE_64,
	 {7, LOAD, 4, 4, 10, 0, 0}},
	{"mov %ah,(%rdx)", L(0x88, 0x22), X86_MODE_64, {2, STORE, 1, 1, 0, 1, 0}},
	{"mov %sil,(%rdx)", L(0x40, 0x88, 0x32), X86_MODE_64, {3, STORE, 1, 1, 6, 0, 0}},
	{"mov (%rax,%rbx,4),%bh", L(0x8a, 0x3c, 0x98), X86_MODE_64, {3, LOAD, 1, 1, 3, 1, 0}},
	{"mov %ax,0x8(%rcx,%rdx,2)",
	 L(0x66, 0x89, 0x44, 0x51, 0x08),
	 X86_MODE_64,
	 {5, STORE, 2, 2, 0, 0, 0}},
	{"movb $0x5a,(%rdi)", L(0xc6, 0x07, 0x5a), X86_MODE_64, {3, STORE_IMM, 1, 0, 0, 0, 0x5a}},
	{"movw $0x1234,(%rdi)",
	 L(0x66, 0xc7, 0x07, 0x34, 0x12),
	 X86_MODE_64,
	 {5, STORE_IMM, 2, 0, 0, 0, 0x1234}},
	{"movl $0xdeadbeef,0x100(%rdi)",
	 L(0xc7, 0x87, 0x00, 0x01, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde),
	 X86_MODE_64,
	 {10, STORE_IMM, 4, 0, 0, 0, 0xdeadbeef}},
	{"movq $-2,(%rdi)",
	 L(0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff),
	 X86_MODE_64,
	 {7, STORE_IMM, 8, 0, 0, 0, 0xfffffffffffffffeull}},
	{"movzbl (%rdi),%eax", L(0x0f, 0xb6, 0x07), X86_MODE_64, {3, ZX, 1, 4, 0, 0, 0}},
	{"movzwl 0x4(%rdi),%r11d",
	 L(0x44, 0x0f, 0xb7, 0x5f, 0x04),
	 X86_MODE_64,
	 {5, ZX, 2, 4, 11, 0, 0}},
	{"movsbq (%rdi),%rax", L(0x48, 0x0f, 0xbe, 0x07), X86_MODE_64, {4, SX, 1, 8, 0, 0, 0}},
	{"movswl (%rdi),%edx", L(0x0f, 0xbf, 0x17), X86_MODE_64, {3, SX, 2, 4, 2, 0, 0}},
	{"movnti %eax,(%rdi)", L(0x0f, 0xc3, 0x07), X86_MODE_64, {3, STORE, 4, 4, 0, 0, 0}},
	{"movnti %r8,(%rdi)", L(0x4c, 0x0f, 0xc3, 0x07), X86_MODE_64, {4, STORE, 8, 8, 8, 0, 0}},
	{"movabs 0x1122334455667788,%eax",
	 L(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	 X86_MODE_64,
	 {9, LOAD, 4, 4, 0, 0, 0}},
	{"movabs %al,0x1122334455667788",
	 L(0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	 X86_MODE_64,
	 {9, STORE, 1, 1, 0, 0, 0}},
	{"mov %fs:0x10,%rax",
	 L(0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00),
	 X86_MODE_64,
	 {9, LOAD, 8, 8, 0, 0, 0}},
	{"lock mov %eax,0x0(%rbp)",
	 L(0xf0, 0x89, 0x45, 0x00),
	 X86_MODE_64,
	 {4, STORE, 4, 4, 0, 0, 0}},
	{"mov (%esi),%eax", L(0x67, 0x8b, 0x06), X86_MODE_64, {3, LOAD, 4, 4, 0, 0, 0}},
	{"mov 0x0(,%rax,8),%rcx",
	 L(0x48, 0x8b, 0x0c, 0xc5, 0x00, 0x00, 0x00, 0x00),
	 X86_MODE_64,
	 {8, LOAD, 8, 8, 1, 0, 0}},
	{"mov (%r12),%eax", L(0x41, 0x8b, 0x04, 0x24), X86_MODE_64, {4, LOAD, 4, 4, 0, 0, 0}},
	{"mov 0x0(%r13),%eax", L(0x41, 0x8b, 0x45, 0x00), X86_MODE_64, {4, LOAD, 4, 4, 0, 0, 0}},
	/* A REX prefix followed by a legacy prefix is ignored: this is a 32-bit store. */
	{"rex.w; ds mov %eax,(%rdi)",
	 L(0x48, 0x3e, 0x89, 0x07),
	 X86_MODE_64,
	 {4, STORE, 4, 4, 0, 0, 0}},
	/* 32-bit and 16-bit code (.code32). */
	{"mov %eax,(%edi)", L(0x89, 0x07), X86_MODE_32, {2, STORE, 4, 4, 0, 0, 0}},
	{"mov %ax,(%edi)", L(0x66, 0x89, 0x07), X86_MODE_32, {3, STORE, 2, 2, 0, 0, 0}},
	{"mov 0x12345678,%eax",
	 L(0xa1, 0x78, 0x56, 0x34, 0x12),
	 X86_MODE_32,
	 {5, LOAD, 4, 4, 0, 0, 0}},
	{"mov (%bx,%si),%ax", L(0x67, 0x66, 0x8b, 0x00), X86_MODE_32, {4, LOAD, 2, 2, 0, 0, 0}},
	{"mov 0x1234,%ecx",
	 L(0x8b, 0x0d, 0x34, 0x12, 0x00, 0x00),
	 X86_MODE_32,
	 {6, LOAD, 4, 4, 1, 0, 0}},
	{"movb $0x1,0x0(%bp)",
	 L(0x67, 0xc6, 0x46, 0x00, 0x01),
	 X86_MODE_32,
	 {5, STORE_IMM, 1, 0, 0, 0, 1}},
	{"16-bit: mov 0x1234,%ax",
	 L(0x8b, 0x06, 0x34, 0x12),
	 X86_MODE_16,
	 {4, LOAD, 2, 2, 0, 0, 0}},
	{"16-bit: mov %eax,(%di)", L(0x66, 0x89, 0x05), X86_MODE_16, {3, STORE, 4, 4, 0, 0, 0}},
};

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct x86_insn got;
		int rc = x86_decode(v->bytes, v->nbytes, v->mode, &got);

		if (rc)
			fail_msg("%s: error %d", v->what, rc);
		if (got.len != v->want.len || got.op != v->want.op || got.size != v->want.size ||
		    (v->want.op != STORE_IMM && got.dst_size != v->want.dst_size) ||
		    got.reg != v->want.reg || got.high8 != v->want.high8 || got.imm != v->want.imm)
			fail_msg("%s: len %u op %d size %u dst %u reg %u high8 %u imm %#llx",
				 v->what, got.len, got.op, got.size, got.dst_size, got.reg,
				 got.high8, (unsigned long long)got.imm);
		/* Every shorter prefix of the bytes asks for more. */
		for (uint8_t n = 0; n < v->nbytes; n++)
			if (x86_decode(v->bytes, n, v->mode, &got) != -E2BIG)
				fail_msg("%s: %u of %u bytes not -E2BIG", v->what, n, v->nbytes);
	}
}

static void test_refused(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[16];
		uint8_t n;
	} bad[] = {
		{"mov %eax,%ecx (no memory)", {0x89, 0xc1}, 2},
		{"add %eax,(%rdi)", {0x01, 0x07}, 2},
		{"C6 /1 is not a move", {0xc6, 0x0f, 0x00}, 3},
		{"xbegin (C7 F8)", {0xc7, 0xf8, 0, 0, 0, 0}, 6},
		{"0F 05 (syscall)", {0x0f, 0x05}, 2},
		{"movnti with 66", {0x66, 0x0f, 0xc3, 0x07}, 4},
		{"15 prefixes",
		 {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		  0x66, 0x66, 0x89},
		 16},
	};
	struct x86_insn got;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (x86_decode(bad[i].bytes, bad[i].n, X86_MODE_64, &got) != -EINVAL)
			fail_msg("%s: not refused", bad[i].what);
	/* The 15-byte limit holds even when more bytes are at hand: 14 prefixes and 89 07 is 16. */
	uint8_t long_insn[16];

	memset(long_insn, 0x2e, sizeof(long_insn));
	long_insn[14] = 0x89;
	long_insn[15] = 0x07;
	assert_int_equal(x86_decode(long_insn, 16, X86_MODE_64, &got), -EINVAL);
	/* ...and 13 prefixes with 89 07 is exactly 15: accepted. */
	assert_int_equal(x86_decode(long_insn + 1, 15, X86_MODE_64, &got), 0);
	assert_int_equal(got.len, 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
