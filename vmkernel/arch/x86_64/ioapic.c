/* IOAPIC and legacy PIC: at boot every pin is masked; drivers unmask what they route. */
#define LOG_TAG "ioapic"
#include <arch/apic.h>
#include <arch/cpu.h>
#include <vmk/log.h>
#include <vmk/mm.h>

#define IOAPIC_REGSEL	 0x00
#define IOAPIC_WIN	 0x10
#define IOAPIC_VER	 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

static uint32_t ioapic_read(volatile uint8_t *base, uint32_t reg)
{
	*(volatile uint32_t *)(base + IOAPIC_REGSEL) = reg;
	return *(volatile uint32_t *)(base + IOAPIC_WIN);
}

static void ioapic_write(volatile uint8_t *base, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(base + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(base + IOAPIC_WIN) = v;
}

unsigned ioapic_init(uint64_t phys, uint32_t gsi_base)
{
	volatile uint8_t *base = vm_map_phys(phys, 4096, VM_WRITE | VM_MMIO);
	unsigned pins;

	if (!base) {
		log_err("cannot map IOAPIC at %#lx", phys);
		return 0;
	}
	pins = ((ioapic_read(base, IOAPIC_VER) >> 16) & 0xff) + 1;
	for (unsigned i = 0; i < pins; i++) {
		ioapic_write(base, IOAPIC_REDTBL(i), 1u << 16); /* masked */
		ioapic_write(base, IOAPIC_REDTBL(i) + 1, 0);
	}
	log_info("IOAPIC at %#lx: GSIs %u-%u, all masked", phys, gsi_base, gsi_base + pins - 1);
	return pins;
}

void pic_disable(void)
{
	/* Remap to 0xd0-0xdf first so a spurious IRQ 7/15 lands on a vector nothing else uses. */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0xd0);
	outb(0xa1, 0xd8);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}
