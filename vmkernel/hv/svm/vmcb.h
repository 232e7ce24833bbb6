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
#define SVM_I1_VINTR	(1u << 4)
#define SVM_I1_CPUID	(1u << 18)
#define SVM_I1_INVD	(1u << 22)
#define SVM_I1_HLT	(1u << 24)
#define SVM_I1_INVLPGA	(1u << 26)
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
#define SVM_I2_RDTSCP  (1u << 7)
#define SVM_I2_MONITOR (1u << 10)
#define SVM_I2_MWAIT   (1u << 11)
#define SVM_I2_XSETBV  (1u << 13)

/* vintr */
#define SVM_V_IRQ	   (1ull << 8)
#define SVM_V_INTR_PRIO	   (15ull << 16)
#define SVM_V_IGN_TPR	   (1ull << 20)
#define SVM_V_INTR_MASKING (1ull << 24)

/* event_inj and exit_int_info */
#define SVM_EV_VALID (1ull << 31)
#define SVM_EV_ERR   (1ull << 11)
#define SVM_EV_INTR  (0ull << 8)
#define SVM_EV_NMI   (2ull << 8)
#define SVM_EV_EXC   (3ull << 8)

/* exit codes */
#define SVM_EXIT_INTR	  0x60
#define SVM_EXIT_NMI	  0x61
#define SVM_EXIT_VINTR	  0x64
#define SVM_EXIT_CPUID	  0x72
#define SVM_EXIT_INVD	  0x76
#define SVM_EXIT_HLT	  0x78
#define SVM_EXIT_INVLPGA  0x7a
#define SVM_EXIT_IOIO	  0x7b
#define SVM_EXIT_MSR	  0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN	  0x80
#define SVM_EXIT_VMMCALL  0x81
#define SVM_EXIT_VMLOAD	  0x82
#define SVM_EXIT_VMSAVE	  0x83
#define SVM_EXIT_STGI	  0x84
#define SVM_EXIT_CLGI	  0x85
#define SVM_EXIT_SKINIT	  0x86
#define SVM_EXIT_RDTSCP	  0x87
#define SVM_EXIT_MONITOR  0x8a
#define SVM_EXIT_MWAIT	  0x8b
#define SVM_EXIT_XSETBV	  0x8d
#define SVM_EXIT_NPF	  0x400
#define SVM_EXIT_INVALID  ((uint64_t)-1)

#endif
