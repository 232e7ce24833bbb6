/* PCI configuration access: ECAM (memory-mapped, from the ACPI MCFG) or mechanism #1 ports. */
#define LOG_TAG "pci"
#include <vmk/acpi.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/spinlock.h>
#include <arch/cpu.h>
#include "pci_priv.h"

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc

struct pci_cfg pci_cfg;

/* ---- mechanism #1: one address/data pair for the machine, so a lock around each access ---- */

static struct spinlock port_lock;

static uint32_t port_addr(uint8_t bus, uint8_t devfn, uint16_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)devfn << 8 | (off & 0xfc);
}

static uint32_t port_read(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size)
{
	uint64_t f = spin_lock_irqsave(&port_lock);
	uint16_t data = PCI_CONF_DATA + (off & 3);
	uint32_t v;

	(void)ctx;
	outl(PCI_CONF_ADDR, port_addr(bus, devfn, off));
	v = size == 1 ? inb(data) : size == 2 ? inw(data) : inl(data);
	spin_unlock_irqrestore(&port_lock, f);
	return v;
}

static void port_write(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size,
		       uint32_t v)
{
	uint64_t f = spin_lock_irqsave(&port_lock);
	uint16_t data = PCI_CONF_DATA + (off & 3);

	(void)ctx;
	outl(PCI_CONF_ADDR, port_addr(bus, devfn, off));
	if (size == 1)
		outb(data, (uint8_t)v);
	else if (size == 2)
		outw(data, (uint16_t)v);
	else
		outl(data, v);
	spin_unlock_irqrestore(&port_lock, f);
}

/* ---- ECAM: 4 KiB per function, 1 MiB per bus; each bus mapped when first touched ---- */

static struct {
	uint64_t base;
	uint8_t start, end;
	volatile uint8_t *bus[256];
	bool failed[256];
} ecam;
static struct spinlock ecam_lock;

static volatile uint8_t *ecam_ptr(uint8_t bus, uint8_t devfn, uint16_t off)
{
	volatile uint8_t *b;
	uint64_t f;

	if (bus < ecam.start || bus > ecam.end)
		return NULL;
	b = __atomic_load_n(&ecam.bus[bus], __ATOMIC_ACQUIRE);
	if (!b && !ecam.failed[bus]) {
		/* Boot-time (the scan); later accesses go to buses already mapped. */
		b = vm_map_phys(ecam.base + ((uint64_t)bus << 20), 1u << 20, VM_WRITE | VM_MMIO);
		f = spin_lock_irqsave(&ecam_lock);

		if (!b) {
			ecam.failed[bus] = true;
		} else if (ecam.bus[bus]) {
			b = ecam.bus[bus]; /* another CPU won; its mapping is used (ours leaks) */
		} else {
			__atomic_store_n(&ecam.bus[bus], b, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&ecam_lock, f);
		if (!b)
			log_err("cannot map ECAM for bus %u", bus);
	}
	return b ? b + ((uint32_t)devfn << 12) + off : NULL;
}

static uint32_t ecam_read(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size)
{
	volatile uint8_t *p = ecam_ptr(bus, devfn, off);

	(void)ctx;
	if (!p)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return size == 1 ? *p : size == 2 ? *(volatile uint16_t *)p : *(volatile uint32_t *)p;
}

static void ecam_write(void *ctx, uint8_t bus, uint8_t devfn, uint16_t off, unsigned size,
		       uint32_t v)
{
	volatile uint8_t *p = ecam_ptr(bus, devfn, off);

	(void)ctx;
	if (!p)
		return;
	if (size == 1)
		*p = (uint8_t)v;
	else if (size == 2)
		*(volatile uint16_t *)p = (uint16_t)v;
	else
		*(volatile uint32_t *)p = v;
}

const char *pci_cfg_init(const struct acpi_mcfg *m)
{
	if (m) {
		ecam.base = m->base;
		ecam.start = m->start_bus;
		ecam.end = m->end_bus;
		pci_cfg = (struct pci_cfg){ecam_read, ecam_write, NULL};
		return "ECAM";
	}
	pci_cfg = (struct pci_cfg){port_read, port_write, NULL};
	return "ports 0xcf8/0xcfc";
}
