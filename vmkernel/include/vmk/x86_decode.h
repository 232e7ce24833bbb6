/*
 * The x86 instruction decoder of the VMM core (hv/core/x86_decode.c): what a guest instruction that
 * touched emulated memory (MMIO) does, and how long it is.  QEMU's TCG offers neither decode
 * assists nor NRIP-save, so the VMM reads the bytes at the guest's RIP and decodes them itself;
 * the Intel backend will use the same decoder.  Pure code: no guest access, no allocation.
 *
 * Covered: the data moves compilers and Linux's readb..writeq/ioread/iowrite emit: MOV to and
 * from memory (88, 89, 8A, 8B, C6 /0, C7 /0, A0-A3 with a memory offset), MOVZX/MOVSX
 * (0F B6, B7, BE, BF), MOVNTI (0F C3), with the operand-size, address-size, REX, segment and
 * LOCK/REP prefixes, every ModRM/SIB form and RIP-relative addressing.  Anything else, or a
 * register operand where memory is required, is refused: the VMM then stops the VM with the
 * reason (hv/core/mmio.c).
 */
#ifndef VMK_X86_DECODE_H
#define VMK_X86_DECODE_H

#include <stdint.h>
#include <stddef.h>

#define X86_INSN_MAX 15 /* the architectural limit on an instruction's length */

enum x86_mode { X86_MODE_16 = 2, X86_MODE_32 = 4, X86_MODE_64 = 8 }; /* default address size */

enum x86_op {
	X86_OP_LOAD,	  /* register <- memory (zero-extended to 64 bits for 32-bit moves) */
	X86_OP_LOAD_ZX,	  /* MOVZX: register (dst_size) <- zero-extended memory */
	X86_OP_LOAD_SX,	  /* MOVSX: register (dst_size) <- sign-extended memory */
	X86_OP_STORE,	  /* memory <- register */
	X86_OP_STORE_IMM, /* memory <- imm */
};

struct x86_insn {
	uint8_t len; /* bytes, prefixes included */
	enum x86_op op;
	uint8_t size;	  /* bytes of memory accessed: 1, 2, 4 or 8 */
	uint8_t dst_size; /* LOAD/LOAD_ZX/LOAD_SX: bytes of the register written */
	uint8_t reg;	  /* register number 0-15 (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..) */
	uint8_t high8;	  /* reg names AH, CH, DH or BH (a byte register without REX) */
	uint64_t imm;	  /* STORE_IMM: the value, already sized to `size` */
};

/*
 * Decode the instruction in buf[0..avail) for a CPU in `mode` (the guest's code-segment default:
 * 64-bit in long mode, 32 or 16 otherwise).  0, or -EINVAL when it is not a supported memory
 * move (or has a register where memory is needed, or runs past X86_INSN_MAX bytes), -E2BIG
 * when it runs past avail.
 */
int x86_decode(const uint8_t *buf, size_t avail, enum x86_mode mode, struct x86_insn *out);

#endif
