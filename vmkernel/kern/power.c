/* Power-off and reset through ACPI (FADT PM1 control, reset register), with fallbacks. */
#define LOG_TAG "power"
#include <vmk/power.h>
#include <vmk/platform.h>
#include <vmk/smp.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/time.h>
#include <arch/cpu.h>

#define SLP_EN (1u << 13)

void power_off(void)
{
	const struct acpi_info *a = &platform_acpi;

	irq_disable();
	kprintf("vmkernel: powering off\n");
	smp_stop_others();
	if (a->has_fadt && a->pm1a_cnt) {
		uint8_t typa = a->has_s5 ? a->slp_typa : 0, typb = a->has_s5 ? a->slp_typb : 0;

		outw(a->pm1a_cnt, (inw(a->pm1a_cnt) & ~0x1c00) | (typa << 10) | SLP_EN);
		if (a->pm1b_cnt)
			outw(a->pm1b_cnt, (inw(a->pm1b_cnt) & ~0x1c00) | (typb << 10) | SLP_EN);
		udelay(100000);
	}
	kprintf("vmkernel: ACPI power-off failed; halted\n");
	for (;;)
		cpu_halt();
}

void power_reset(void)
{
	const struct acpi_info *a = &platform_acpi;

	irq_disable();
	kprintf("vmkernel: resetting\n");
	smp_stop_others();
	if (a->has_reset) {
		kprintf("vmkernel: reset through the ACPI reset register\n");
		if (a->reset_reg.space == 1) /* system I/O */
			outb((uint16_t)a->reset_reg.addr, a->reset_value);
		else if (a->reset_reg.space == 0) {
			volatile uint8_t *p = vm_map_phys(a->reset_reg.addr, 1, VM_WRITE | VM_MMIO);

			if (p)
				*p = a->reset_value;
		}
		udelay(50000);
	}
	kprintf("vmkernel: reset through port 0xcf9\n");
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	udelay(50000);
	for (int i = 0; i < 10000 && (inb(0x64) & 0x02); i++)
		udelay(10);
	outb(0x64, 0xfe);
	udelay(50000);
	/* Last resort: an empty IDT and a fault make a triple fault. */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = {0, 0};
	__asm__ volatile("lidt %0; int3" : : "m"(none));
	for (;;)
		cpu_halt();
}
