/*
 * MMIO emulation: a guest access that hit no memory (a nested page fault) is replayed by
 * the VMM.  Without decode assists or NRIP-save (TCG offers neither) the VMM walks the
 * guest's page tables to read the bytes at RIP, decodes them (vmk/x86_decode.h), does the
 * access against the platform's devices and moves RIP past the instruction.  What cannot be
 * decoded, a fetch from a non-memory address, or a guest page-table walk through one stops
 * that VM with the reason: nothing reaches the host.  An address no device claims reads as
 * all ones and drops writes, as on a PC.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <vmk/x86_decode.h>
#include <arch/cpu.h>
#include "core_priv.h"

#define CR4_PSE	 (1ull << 4)
#define EFER_LMA (1ull << 10)
#define PTE_P	 1ull
#define PTE_PS	 (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

/* Guest linear address -> guest physical, through the guest's own tables.  0 or -EFAULT. */
static int gva_to_gpa(struct vcpu *v, uint64_t gva, uint64_t *gpa)
{
	const struct hv_backend *b = hv_get();
	uint64_t cr0 = b->reg_get(v, HV_CR0), cr4 = b->reg_get(v, HV_CR4);
	uint64_t table = b->reg_get(v, HV_CR3), e = 0;
	int levels, shift;

	if (!(cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffull;
		return 0;
	}
	if (!(cr4 & CR4_PAE)) { /* two levels of 4-byte entries */
		uint32_t e32;

		table &= 0xfffff000;
		for (shift = 22; shift >= 12; shift -= 10) {
			if (vm_read(v->vm, table + ((gva >> shift) & 1023) * 4, &e32, 4) ||
			    !(e32 & PTE_P))
				return -EFAULT;
			if (shift == 22 && (e32 & PTE_PS) && (cr4 & CR4_PSE)) {
				*gpa = (e32 & 0xffc00000u) | (gva & 0x3fffff);
				return 0;
			}
			table = e32 & 0xfffff000u;
		}
		*gpa = table | (gva & 0xfff);
		return 0;
	}
	if (b->reg_get(v, HV_EFER) & EFER_LMA) {
		levels = 4;
		table &= PTE_ADDR;
	} else {
		levels = 3; /* PAE: the PDPT is 32-byte aligned */
		table &= 0xffffffe0ull;
	}
	for (int l = levels; l > 0; l--) {
		shift = 12 + 9 * (l - 1);
		unsigned idx = l == 3 && levels == 3 ? (gva >> 30) & 3 : (gva >> shift) & 511;

		if (vm_read(v->vm, table + idx * 8, &e, 8) || !(e & PTE_P))
			return -EFAULT;
		if ((l == 2 || (l == 3 && levels == 4)) && (e & PTE_PS)) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = ((e & PTE_ADDR) & ~mask) | (gva & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

/* Up to X86_INSN_MAX bytes at the guest's CS:RIP; how many could be read. */
static size_t fetch_insn(struct vcpu *v, uint8_t *buf)
{
	const struct hv_backend *b = hv_get();
	uint64_t rip = b->reg_get(v, HV_CS_BASE) + b->reg_get(v, HV_RIP), gpa;
	size_t n = 0;

	while (n < X86_INSN_MAX) {
		size_t chunk = 4096 - ((rip + n) & 4095);

		if (chunk > X86_INSN_MAX - n)
			chunk = X86_INSN_MAX - n;
		if (gva_to_gpa(v, rip + n, &gpa) || vm_read(v->vm, gpa, buf + n, chunk))
			break;
		n += chunk;
	}
	return n;
}

static uint64_t sized(uint64_t val, unsigned size)
{
	return size == 8 ? val : val & ((1ull << (8 * size)) - 1);
}

/* Write a loaded value into the register, as the CPU would for that destination size. */
static void load_reg(struct vcpu *v, const struct x86_insn *in, uint64_t val)
{
	uint64_t old;

	if (in->high8) {
		unsigned r = in->reg & 3; /* AH, CH, DH, BH: bits 8-15 of RAX..RBX */

		old = vcpu_gpr_get(v, r);
		vcpu_gpr_set(v, r, (old & ~0xff00ull) | ((val & 0xff) << 8));
		return;
	}
	old = vcpu_gpr_get(v, in->reg);
	switch (in->dst_size) {
	case 1:
		val = (old & ~0xffull) | (val & 0xff);
		break;
	case 2:
		val = (old & ~0xffffull) | (val & 0xffff);
		break;
	case 4:
		val &= 0xffffffffull; /* 32-bit writes zero the upper half */
		break;
	default:
		break;
	}
	vcpu_gpr_set(v, in->reg, val);
}

bool vcpu_mmio(struct vcpu *v, const struct hv_exit *e)
{
	const struct hv_backend *b = hv_get();
	struct vm *vm = v->vm;
	uint8_t buf[X86_INSN_MAX];
	struct x86_insn in;
	uint64_t val = 0;
	bool claimed = false;
	size_t n;

	if (e->mmio_walk || e->mmio_fetch) {
		vcpu_fail(v, HV_STOP_UNHANDLED, "%s at %#lx, which is not memory (rip %#lx)",
			  e->mmio_fetch ? "instruction fetch" : "page-table walk", e->addr,
			  b->reg_get(v, HV_RIP));
		return false;
	}
	n = fetch_insn(v, buf);
	if (x86_decode(buf, n, (enum x86_mode)b->code_mode(v), &in)) {
		vcpu_fail(v, HV_STOP_UNHANDLED,
			  "MMIO at %#lx by an instruction not emulated (%02x %02x %02x %02x at rip "
			  "%#lx)",
			  e->addr, n > 0 ? buf[0] : 0, n > 1 ? buf[1] : 0, n > 2 ? buf[2] : 0,
			  n > 3 ? buf[3] : 0, b->reg_get(v, HV_RIP));
		return false;
	}
	if (in.op == X86_OP_STORE)
		val = in.high8 ? (vcpu_gpr_get(v, in.reg & 3) >> 8) & 0xff
			       : sized(vcpu_gpr_get(v, in.reg), in.size);
	else if (in.op == X86_OP_STORE_IMM)
		val = in.imm;
	if (vm->pops) {
		mutex_lock(&vm->lock);
		claimed = vm->pops->mmio(v, e->addr, in.size,
					 in.op == X86_OP_STORE || in.op == X86_OP_STORE_IMM, &val);
		mutex_unlock(&vm->lock);
	}
	if (!claimed)
		val = ~0ull;
	val = sized(val, in.size);
	if (in.op == X86_OP_LOAD || in.op == X86_OP_LOAD_ZX) {
		load_reg(v, &in, val);
	} else if (in.op == X86_OP_LOAD_SX) {
		unsigned bits = 8 * in.size;

		load_reg(v, &in, (uint64_t)((int64_t)(val << (64 - bits)) >> (64 - bits)));
	}
	b->reg_set(v, HV_RIP, b->reg_get(v, HV_RIP) + in.len);
	return true;
}
