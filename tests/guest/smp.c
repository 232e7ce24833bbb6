/* SMP start-up: vCPU 1 waits for INIT-SIPI-SIPI, starts in real mode at the SIPI's page,
 * and reports through memory; its APIC id differs from ours.  The trampoline is 16-bit code
 * copied to 0x8000. */
#include "lib/guest.h"

#define TRAMPOLINE 0x8000
#define FLAG	   0x9000

/* mov $0x1234, %ax; mov %ax, %ds:0x9000 (ds = 0) after ds setup; then cli; hlt in a loop:
 *   31 c0          xor %ax,%ax
 *   8e d8          mov %ax,%ds
 *   b8 34 12       mov $0x1234,%ax
 *   a3 00 90       mov %ax,0x9000
 *   fa f4 eb fd    cli; hlt; jmp .-3 */
static const uint8_t ap_code[] = {0x31, 0xc0, 0x8e, 0xd8, 0xb8, 0x34, 0x12,
				  0xa3, 0x00, 0x90, 0xfa, 0xf4, 0xeb, 0xfd};

static void icr(uint32_t dest, uint32_t lo)
{
	mmio_write32(LAPIC + 0x310, dest << 24);
	mmio_write32(LAPIC + 0x300, lo);
}

int guest_main(void)
{
	volatile uint16_t *flag = (volatile uint16_t *)FLAG;
	uint64_t end;

	__builtin_memcpy((void *)TRAMPOLINE, ap_code, sizeof(ap_code));
	*flag = 0;
	mmio_write32(LAPIC + 0xf0, 0x1ff);
	icr(1, 0x4500); /* INIT, assert */
	delay_us(10000);
	icr(1, 0x4600 | (TRAMPOLINE >> 12)); /* SIPI */
	delay_us(200);
	icr(1, 0x4600 | (TRAMPOLINE >> 12));
	end = rdtsc() + tsc_khz() * 2000;
	while (*flag != 0x1234 && rdtsc() < end)
		;
	report(*flag == 0x1234, "ap-started", "flag %#x", *flag);
	report((mmio_read32(LAPIC + 0x20) >> 24) == 0, "bsp-apic-id", NULL);
	return guest_summary();
}
