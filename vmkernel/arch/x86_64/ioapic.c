/* IOAPIC and legacy PIC: at boot every pin is masked; drivers unmask what they route. */
#define LOG_TAG "ioapic"
#include <arch/apic.h>
#include <arch/cpu.h>
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/spinlock.h>

#define IOAPIC_REGSEL	 0x00
#define IOAPIC_WIN	 0x10
#define IOAPIC_VER	 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define IOAPIC_MAX	 8

#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

/* The IOAPICs found at boot; ioapic_lock serialises each one's REGSEL/WIN pair. */
static struct {
	volatile uint8_t *base;
	uint32_t gsi_base;
	unsigned pins;
} ioapics[IOAPIC_MAX];
static unsigned nioapics;
static struct spinlock ioapic_lock;

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
	if (nioapics < IOAPIC_MAX)
		ioapics[nioapics++] = (typeof(ioapics[0])){base, gsi_base, pins};
	return pins;
}

/* The IOAPIC with @gsi and its pin there, or NULL. */
static volatile uint8_t *ioapic_for(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < nioapics; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return ioapics[i].base;
		}
	}
	return NULL;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low)
{
	unsigned pin;
	volatile uint8_t *base = ioapic_for(gsi, &pin);
	uint32_t lo = vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0);
	uint64_t f;

	if (!base || vector < 0x20 || apic_id > 0xff)
		return -EINVAL;
	f = spin_lock_irqsave(&ioapic_lock);
	/* Masked while it changes, so no half-written entry can fire. */
	ioapic_write(base, IOAPIC_REDTBL(pin), lo | RTE_MASKED);
	ioapic_write(base, IOAPIC_REDTBL(pin) + 1, apic_id << 24);
	ioapic_write(base, IOAPIC_REDTBL(pin), lo);
	spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
}

int ioapic_set_masked(uint32_t gsi, bool masked)
{
	unsigned pin;
	volatile uint8_t *base = ioapic_for(gsi, &pin);
	uint32_t lo;
	uint64_t f;

	if (!base)
		return -EINVAL;
	f = spin_lock_irqsave(&ioapic_lock);
	lo = ioapic_read(base, IOAPIC_REDTBL(pin));
	ioapic_write(base, IOAPIC_REDTBL(pin), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
	spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
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
