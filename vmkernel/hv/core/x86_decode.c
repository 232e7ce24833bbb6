/* The VMM's decoder of guest memory moves (vmk/x86_decode.h). */
#include <vmk/x86_decode.h>
#include <vmk/errno.h>
#include <stdbool.h>
#include <string.h>

struct cursor {
	const uint8_t *buf;
	size_t avail, n;
};

/* The next byte: -EINVAL past the architectural limit, -E2BIG past what the caller has. */
static int next(struct cursor *c, uint8_t *b)
{
	if (c->n >= X86_INSN_MAX)
		return -EINVAL;
	if (c->n >= c->avail)
		return -E2BIG;
	*b = c->buf[c->n++];
	return 0;
}

/* Skip @len bytes of displacement or immediate, returning them little-endian in *v. */
static int take(struct cursor *c, unsigned len, uint64_t *v)
{
	uint8_t b;
	int rc;

	*v = 0;
	for (unsigned i = 0; i < len; i++) {
		if ((rc = next(c, &b)))
			return rc;
		*v |= (uint64_t)b << (8 * i);
	}
	return 0;
}

static bool is_legacy_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26 ||
	       b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* A memory ModRM operand (with its SIB and displacement); *reg gets ModRM.reg. */
static int modrm_mem(struct cursor *c, unsigned asz, uint8_t *reg)
{
	uint8_t m, sib, mod, rm;
	uint64_t disp;
	unsigned dlen = 0;
	int rc = next(c, &m);

	if (rc)
		return rc;
	mod = m >> 6;
	rm = m & 7;
	*reg = (m >> 3) & 7;
	if (mod == 3)
		return -EINVAL; /* a register: not a memory access */
	if (asz == 2)		/* 16-bit forms: no SIB; [BP] alone means disp16 */
		return take(c, mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0, &disp);
	if (rm == 4) {
		if ((rc = next(c, &sib)))
			return rc;
		if (mod == 0 && (sib & 7) == 5)
			dlen = 4;
	} else if (mod == 0 && rm == 5) {
		dlen = 4; /* disp32, RIP-relative in 64-bit mode */
	}
	if (mod == 1)
		dlen = 1;
	else if (mod == 2)
		dlen = 4;
	return take(c, dlen, &disp);
}

/* Name byte register r as Linux's numbering does: AH..BH are 4-7 without a REX prefix. */
static void byte_reg(struct x86_insn *in, uint8_t r, uint8_t rex)
{
	if (!rex && r >= 4 && r < 8) {
		in->reg = r - 4;
		in->high8 = 1;
	} else {
		in->reg = r;
	}
}

int x86_decode(const uint8_t *buf, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
	struct cursor c = {buf, avail, 0};
	bool opsize = false, adsize = false;
	uint8_t b, rex = 0, r;
	unsigned osz, asz;
	uint64_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		if ((rc = next(&c, &b)))
			return rc;
		if (is_legacy_prefix(b)) {
			opsize |= b == 0x66;
			adsize |= b == 0x67;
			rex = 0; /* a REX prefix counts only right before the opcode */
			continue;
		}
		if (mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
			rex = b;
			continue;
		}
		break;
	}
	if (mode == X86_MODE_64)
		osz = (rex & 8) ? 8 : opsize ? 2 : 4;
	else
		osz = (mode == X86_MODE_16) != opsize ? 2 : 4;
	if (mode == X86_MODE_64)
		asz = adsize ? 4 : 8;
	else
		asz = (mode == X86_MODE_16) != adsize ? 2 : 4;

	switch (b) {
	case 0x88: /* MOV r/m8, r8 */
	case 0x8a: /* MOV r8, r/m8 */
		if ((rc = modrm_mem(&c, asz, &r)))
			return rc;
		byte_reg(out, (uint8_t)(r | (rex & 4 ? 8 : 0)), rex);
		out->op = b == 0x88 ? X86_OP_STORE : X86_OP_LOAD;
		out->size = out->dst_size = 1;
		break;
	case 0x89: /* MOV r/m, r */
	case 0x8b: /* MOV r, r/m */
		if ((rc = modrm_mem(&c, asz, &r)))
			return rc;
		out->reg = (uint8_t)(r | (rex & 4 ? 8 : 0));
		out->op = b == 0x89 ? X86_OP_STORE : X86_OP_LOAD;
		out->size = out->dst_size = (uint8_t)osz;
		break;
	case 0xc6: /* MOV r/m8, imm8 */
	case 0xc7: /* MOV r/m, imm16/32 (sign-extended to 64) */
		if ((rc = modrm_mem(&c, asz, &r)))
			return rc;
		if (r)
			return -EINVAL;
		out->op = X86_OP_STORE_IMM;
		out->size = b == 0xc6 ? 1 : (uint8_t)osz;
		if ((rc = take(&c, out->size == 8 ? 4 : out->size, &v)))
			return rc;
		out->imm = out->size == 8 ? (uint64_t)(int64_t)(int32_t)v : v;
		break;
	case 0xa0: /* MOV AL, moffs8 */
	case 0xa1: /* MOV eAX, moffs */
	case 0xa2: /* MOV moffs8, AL */
	case 0xa3: /* MOV moffs, eAX */
		if ((rc = take(&c, asz, &v)))
			return rc;
		out->op = b & 2 ? X86_OP_STORE : X86_OP_LOAD;
		out->size = out->dst_size = b & 1 ? (uint8_t)osz : 1;
		break;
	case 0x0f:
		if ((rc = next(&c, &b)))
			return rc;
		if (b != 0xb6 && b != 0xb7 && b != 0xbe && b != 0xbf && b != 0xc3)
			return -EINVAL;
		if ((rc = modrm_mem(&c, asz, &r)))
			return rc;
		out->reg = (uint8_t)(r | (rex & 4 ? 8 : 0));
		if (b == 0xc3) { /* MOVNTI m32/64, r */
			if (osz == 2)
				return -EINVAL;
			out->op = X86_OP_STORE;
			out->size = out->dst_size = (uint8_t)osz;
			break;
		}
		out->op = b & 8 ? X86_OP_LOAD_SX : X86_OP_LOAD_ZX;
		out->size = b & 1 ? 2 : 1;
		out->dst_size = (uint8_t)osz;
		break;
	default:
		return -EINVAL;
	}
	out->len = (uint8_t)c.n;
	return 0;
}
