/* The AMD SVM virtual machine control block (AMD64 APM vol. 2, appendix B); every field is
 * naturally aligned, so no packing: the assertions below check the layout. */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include <stdint.h>
#include <stddef.h>

struct vmcb_seg {
	uint16_t selector, attrib;
	uint32_t limit;
	uint64_t base;
};

struct vmcb {
	/* Control area */
	uint32_t intercept_cr, intercept_dr, intercept_exc;
	uint32_t intercept1, intercept2, intercept3;
	uint8_t reserved0[0x3c - 0x18];
	uint16_t pause_threshold, pause_count;
	uint64_t iopm_base, msrpm_base, tsc_offset;
	uint32_t asid;
	uint8_t tlb_control, reserved1[3];
	uint64_t vintr, interrupt_shadow;
	uint64_t exit_code, exit_info1, exit_info2, exit_int_info;
	uint64_t np_enable;
	uint8_t reserved2[0xa8 - 0x98];
	uint64_t event_inj, n_cr3, lbr_virt, clean;
	uint64_t next_rip;
	uint8_t insn_len, insn_bytes[15];
	uint8_t reserved3[0x400 - 0xe0];
	/* State save area */
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t reserved4[0x4cb - 0x4a0];
	uint8_t cpl;
	uint8_t reserved5[4];
	uint64_t efer;
	uint8_t reserved6[0x548 - 0x4d8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;
	uint8_t reserved7[0x5d8 - 0x580];
	uint64_t rsp;
	uint8_t reserved8[0x5f8 - 0x5e0];
	uint64_t rax, star, lstar, cstar, sfmask, kernel_gs_base, sysenter_cs, sysenter_esp,
		sysenter_eip, cr2;
	uint8_t reserved9[0x668 - 0x648];
	uint64_t g_pat;
	uint8_t reserved10[0x1000 - 0x670];
};

_Static_assert(offsetof(struct vmcb, iopm_base) == 0x40, "vmcb");
_Static_assert(offsetof(struct vmcb, asid) == 0x58, "vmcb");
_Static_assert(offsetof(struct vmcb, exit_code) == 0x70, "vmcb");
_Static_assert(offsetof(struct vmcb, np_enable) == 0x90, "vmcb");
_Static_assert(offsetof(struct vmcb, n_cr3) == 0xb0, "vmcb");
_Static_assert(offsetof(struct vmcb, next_rip) == 0xc8, "vmcb");
_Static_assert(offsetof(struct vmcb, es) == 0x400, "vmcb");
_Static_assert(offsetof(struct vmcb, cpl) == 0x4cb, "vmcb");
_Static_assert(offsetof(struct vmcb, efer) == 0x4d0, "vmcb");
_Static_assert(offsetof(struct vmcb, cr4) == 0x548, "vmcb");
_Static_assert(offsetof(struct vmcb, rip) == 0x578, "vmcb");
_Static_assert(offsetof(struct vmcb, rsp) == 0x5d8, "vmcb");
_Static_assert(offsetof(struct vmcb, rax) == 0x5f8, "vmcb");
_Static_assert(offsetof(struct vmcb, cr2) == 0x640, "vmcb");
_Static_assert(offsetof(struct vmcb, g_pat) == 0x668, "vmcb");
_Static_assert(sizeof(struct vmcb) == 0x1000, "vmcb");

/* intercept1 */
#define SVM_I1_INTR	(1u << 0)
#define SVM_I1_NMI	(1u << 1)
#define SVM_I1_SMI	(1u << 2)
#define SVM_I1_INIT	(1u << 3)
#define SVM_I1_CPUID	(1u << 18)
#define SVM_I1_HLT	(1u << 24)
#define SVM_I1_IOIO	(1u << 27)
#define SVM_I1_MSR	(1u << 28)
#define SVM_I1_SHUTDOWN (1u << 31)
/* intercept2 */
#define SVM_I2_VMRUN   (1u << 0)
#define SVM_I2_VMMCALL (1u << 1)
#define SVM_I2_VMLOAD  (1u << 2)
#define SVM_I2_VMSAVE  (1u << 3)
#define SVM_I2_STGI    (1u << 4)
#define SVM_I2_CLGI    (1u << 5)
#define SVM_I2_SKINIT  (1u << 6)

/* vintr */
#define SVM_V_INTR_MASKING (1ull << 24)

/* exit codes */
#define SVM_EXIT_INTR	  0x60
#define SVM_EXIT_NMI	  0x61
#define SVM_EXIT_CPUID	  0x72
#define SVM_EXIT_HLT	  0x78
#define SVM_EXIT_IOIO	  0x7b
#define SVM_EXIT_MSR	  0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMMCALL  0x81
#define SVM_EXIT_NPF	  0x400
#define SVM_EXIT_INVALID  ((uint64_t)-1)

#endif
