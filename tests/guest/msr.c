/* MSRs: EFER as the guest set it (SVM hidden), PAT, the APIC base, TSC_ADJUST, #GP for unknown
 * ones. */
#include "lib/guest.h"

static void rd_unknown(void)
{
	rdmsr(0xc0011234); /* 2 bytes: 0f 32 */
}

static void wr_efer_bad(void)
{
	wrmsr(0xc0000080, rdmsr(0xc0000080) | (1ull << 20)); /* a reserved bit */
}

static void apic_move(void)
{
	wrmsr(0x1b, 0xfed00000ull | (1u << 11) | (1u << 8));
}

int guest_main(void)
{
	uint64_t efer = rdmsr(0xc0000080), pat, base;

	report((efer & (1u << 8)) && (efer & (1u << 10)), "efer-long-mode", "%#lx", efer);
	report(!(efer & (1u << 12)), "efer-no-svme", "%#lx", efer);
	wrmsr(0x277, 0x0007010600070106ull);
	pat = rdmsr(0x277);
	report(pat == 0x0007010600070106ull, "pat-roundtrip", "%#lx", pat);
	base = rdmsr(0x1b);
	report((base & ~0xfffull) == 0xfee00000ull && (base & (1u << 11)) && (base & (1u << 8)),
	       "apic-base", "%#lx", base);
	report(expect_fault(rd_unknown, 2) == 13, "unknown-msr-gp", NULL);
	report(expect_fault(wr_efer_bad, 2) == 13, "efer-reserved-gp", NULL);
	report(expect_fault(apic_move, 2) == 13, "apic-base-move-gp", NULL);
	report(rdmsr(0xc0000080) == efer, "efer-unchanged", NULL);
	/* TSC_ADJUST: 0, and stays 0 (the TSC is the host's; writes to either are ignored). */
	report(rdmsr(0x3b) == 0, "tsc-adjust", NULL);
	wrmsr(0x3b, 1000);
	report(rdmsr(0x3b) == 0, "tsc-adjust-write-ignored", NULL);
	wrmsr(0xc0000100, 0x12345000); /* FS base: the guest's own, no exit */
	report(rdmsr(0xc0000100) == 0x12345000, "fs-base", NULL);
	return guest_summary();
}
