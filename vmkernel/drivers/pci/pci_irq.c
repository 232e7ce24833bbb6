/* PCI interrupts: MSI-X, MSI and INTx (through the IOAPIC), each vector sent to a chosen CPU. */
#define LOG_TAG "pci"
#include <vmk/errno.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/platform.h>
#include <vmk/smp.h>
#include <vmk/spinlock.h>
#include <arch/apic.h>
#include <arch/trap.h>
#include "pci_priv.h"

/*
 * Every vector pci_irq_setup hands out goes to pci_vector_entry, which calls the handlers
 * this table lists for it: one for an MSI or MSI-X vector, up to INTX_SHARE for an INTx line
 * several functions share. An entry is filled in before its vector can fire and emptied after
 * the device has been told to stop; its spinlock covers the handler calls, so freeing waits
 * for a handler running on another CPU.
 */
#define INTX_SHARE 8

static struct vec_entry {
	struct spinlock lock;
	unsigned n;
	int gsi; /* INTx: the shared line; -1 for MSI/MSI-X */
	struct {
		struct pci_dev *d;
		unsigned idx;
	} h[INTX_SHARE];
} vtab[256];

#define MSI_ADDR_BASE 0xfee00000u
#define MSI_CTRL      2
#define MSI_ENABLE    (1u << 0)
#define MSI_64BIT     (1u << 7)
#define MSI_PVM	      (1u << 8)
#define MSIX_CTRL     2
#define MSIX_TABLE    4
#define MSIX_PBA      8
#define MSIX_ENABLE   (1u << 15)
#define MSIX_FMASK    (1u << 14)
#define MSIX_VEC_MASK 1u

static void pci_vector_entry(struct regs *r)
{
	struct vec_entry *e = &vtab[r->vector & 0xff];

	spin_lock(&e->lock);
	for (unsigned i = 0; i < e->n; i++) {
		struct pci_dev *d = e->h[i].d;
		struct pci_irq_vec *v = &d->vec[e->h[i].idx];

		v->count++;
		v->fn(d, e->h[i].idx, v->arg);
	}
	spin_unlock(&e->lock);
}

static unsigned cpu_or_boot(unsigned cpu)
{
	return cpu < MAX_CPUS && cpus[cpu] && cpu < ncpus_online ? cpu : 0;
}

static uint32_t msi_addr(unsigned cpu)
{
	return MSI_ADDR_BASE | (cpus[cpu]->apic_id & 0xff) << 12; /* physical, fixed */
}

static void entry_add(unsigned vector, int gsi, struct pci_dev *d, unsigned idx)
{
	struct vec_entry *e = &vtab[vector];
	uint64_t f = spin_lock_irqsave(&e->lock);

	e->gsi = gsi;
	e->h[e->n].d = d;
	e->h[e->n++].idx = idx;
	spin_unlock_irqrestore(&e->lock, f);
}

/* Take @d off its vector's list; true when nobody is left on it. */
static bool entry_remove(unsigned vector, struct pci_dev *d)
{
	struct vec_entry *e = &vtab[vector];
	uint64_t f = spin_lock_irqsave(&e->lock);
	bool empty;

	for (unsigned i = 0; i < e->n; i++) {
		if (e->h[i].d == d) {
			e->h[i] = e->h[--e->n];
			break;
		}
	}
	empty = e->n == 0;
	spin_unlock_irqrestore(&e->lock, f);
	return empty;
}

/* @n IDT vectors for @d's vec[], handlers registered; -ENOSPC (none kept) when out. */
static int alloc_vectors(struct pci_dev *d, unsigned n, const struct pci_irq_req *req)
{
	for (unsigned i = 0; i < n; i++) {
		int v = irq_vector_alloc();

		if (v < 0) {
			while (i--)
				irq_vector_free(d->vec[i].vector);
			return v;
		}
		d->vec[i] = (struct pci_irq_vec){
			.vector = (uint8_t)v,
			.cpu = (uint16_t)cpu_or_boot(req[i].cpu),
			.gsi = -1,
			.fn = req[i].fn,
			.arg = req[i].arg,
		};
		entry_add((unsigned)v, -1, d, i);
		irq_register((unsigned)v, pci_vector_entry);
	}
	return 0;
}

static void set_intx_disable(struct pci_dev *d, bool disable)
{
	uint16_t cmd = (uint16_t)pci_read(d, PCI_COMMAND, 2);

	cmd = disable ? cmd | PCI_CMD_INTX_DISABLE : cmd & ~PCI_CMD_INTX_DISABLE;
	pci_write(d, PCI_COMMAND, 2, cmd);
}

static int setup_msix(struct pci_dev *d, unsigned n, const struct pci_irq_req *req)
{
	uint8_t cap = pci_cap_find(d, PCI_CAP_ID_MSIX);
	uint16_t ctrl;
	uint32_t table, pba;
	unsigned tsize;
	const struct pci_bar *tb, *pb;
	int rc;

	if (!cap)
		return -ENODEV;
	ctrl = (uint16_t)pci_read(d, cap + MSIX_CTRL, 2);
	tsize = (ctrl & 0x7ff) + 1;
	table = pci_read(d, cap + MSIX_TABLE, 4);
	pba = pci_read(d, cap + MSIX_PBA, 4);
	tb = &d->bar[(table & 7) < PCI_NUM_BARS ? (table & 7) : 0];
	pb = &d->bar[(pba & 7) < PCI_NUM_BARS ? (pba & 7) : 0];
	/* The table and the PBA must lie inside memory BARs firmware assigned. */
	if ((table & 7) >= PCI_NUM_BARS || (pba & 7) >= PCI_NUM_BARS || !tb->base ||
	    (tb->kind != PCI_BAR_MEM32 && tb->kind != PCI_BAR_MEM64) || !pb->base ||
	    (pb->kind != PCI_BAR_MEM32 && pb->kind != PCI_BAR_MEM64) ||
	    (table & ~7u) + tsize * 16ull > tb->size ||
	    (pba & ~7u) + (tsize + 63) / 64 * 8ull > pb->size) {
		log_warn("%04x:%02x:%02x.%x: MSI-X table or PBA outside its BAR; not used",
			 d->segment, d->bus, d->devfn >> 3, d->devfn & 7);
		return -ENODEV;
	}
	if (!d->msix_table)
		d->msix_table =
			vm_map_phys(tb->base + (table & ~7u), tsize * 16, VM_WRITE | VM_MMIO);
	if (!d->msix_pba)
		d->msix_pba = vm_map_phys(pb->base + (pba & ~7u), (tsize + 63) / 64 * 8, VM_MMIO);
	if (!d->msix_table || !d->msix_pba)
		return -ENOMEM;
	if (n > tsize)
		n = tsize;
	d->vec = kzalloc(n * sizeof(*d->vec));
	if (!d->vec)
		return -ENOMEM;
	rc = alloc_vectors(d, n, req);
	if (rc) {
		kfree(d->vec);
		d->vec = NULL;
		return rc;
	}
	pci_enable(d, false); /* the table is reached through memory decoding */
	/* Enabled with the function masked while the entries are written. */
	pci_write(d, cap + MSIX_CTRL, 2, ctrl | MSIX_ENABLE | MSIX_FMASK);
	for (unsigned i = 0; i < tsize; i++) {
		volatile uint32_t *t = d->msix_table + 4 * i;

		t[3] = MSIX_VEC_MASK;
		if (i < n) {
			t[0] = msi_addr(d->vec[i].cpu);
			t[1] = 0;
			t[2] = d->vec[i].vector; /* fixed delivery, edge */
			t[3] = 0;
		}
	}
	set_intx_disable(d, true);
	pci_write(d, cap + MSIX_CTRL, 2, (ctrl | MSIX_ENABLE) & ~MSIX_FMASK);
	d->nvec = n;
	d->irq_mode = PCI_IRQ_MSIX_MODE;
	return (int)n;
}

/* MSI register offsets after the control word: address, [upper address], data, [mask]. */
static uint8_t msi_data_off(uint8_t cap, uint16_t ctrl)
{
	return cap + (ctrl & MSI_64BIT ? 0x0c : 0x08);
}

static uint8_t msi_mask_off(uint8_t cap, uint16_t ctrl)
{
	return cap + (ctrl & MSI_64BIT ? 0x10 : 0x0c);
}

static int setup_msi(struct pci_dev *d, const struct pci_irq_req *req)
{
	uint8_t cap = pci_cap_find(d, PCI_CAP_ID_MSI);
	uint16_t ctrl;
	int rc;

	if (!cap)
		return -ENODEV;
	ctrl = (uint16_t)pci_read(d, cap + MSI_CTRL, 2);
	d->vec = kzalloc(sizeof(*d->vec));
	if (!d->vec)
		return -ENOMEM;
	rc = alloc_vectors(d, 1, req);
	if (rc) {
		kfree(d->vec);
		d->vec = NULL;
		return rc;
	}
	pci_write(d, cap + 4, 4, msi_addr(d->vec[0].cpu));
	if (ctrl & MSI_64BIT)
		pci_write(d, cap + 8, 4, 0);
	pci_write(d, msi_data_off(cap, ctrl), 2, d->vec[0].vector);
	if (ctrl & MSI_PVM)
		pci_write(d, msi_mask_off(cap, ctrl), 4, 0);
	set_intx_disable(d, true);
	/* One message (Multiple Message Enable 0), then on. */
	pci_write(d, cap + MSI_CTRL, 2, (ctrl & ~0x70u) | MSI_ENABLE);
	d->nvec = 1;
	d->irq_mode = PCI_IRQ_MSI_MODE;
	return 1;
}

/* The GSI and polarity of @line: identity unless the MADT overrides it. */
static uint32_t intx_gsi(uint8_t line, bool *active_low, bool *level)
{
	const struct acpi_info *a = &platform_acpi;

	*active_low = true; /* PCI: level-triggered, active-low */
	*level = true;
	for (unsigned i = 0; i < a->nisos; i++) {
		if (a->isos[i].bus_irq != line)
			continue;
		/* MPS INTI flags: polarity 1 high, 3 low; trigger 1 edge, 3 level; 0 the bus's. */
		if ((a->isos[i].flags & 3) == 1)
			*active_low = false;
		if (((a->isos[i].flags >> 2) & 3) == 1)
			*level = false;
		return a->isos[i].gsi;
	}
	return line;
}

static int setup_intx(struct pci_dev *d, const struct pci_irq_req *req)
{
	bool low, level;
	uint32_t gsi;
	int vector = -1, rc;
	unsigned cpu = cpu_or_boot(req->cpu);

	if (!d->irq_pin || d->irq_line == 0 || d->irq_line == 0xff)
		return -ENODEV;
	gsi = intx_gsi(d->irq_line, &low, &level);
	/* A line already routed for another function: share its vector and CPU. */
	for (unsigned v = VEC_DEV_BASE; v < VEC_DEV_END; v++) {
		if (vtab[v].n && vtab[v].gsi == (int)gsi) {
			if (vtab[v].n >= INTX_SHARE)
				return -ENOSPC;
			vector = (int)v;
			cpu = vtab[v].h[0].d->vec[vtab[v].h[0].idx].cpu;
			break;
		}
	}
	d->vec = kzalloc(sizeof(*d->vec));
	if (!d->vec)
		return -ENOMEM;
	if (vector < 0) {
		vector = irq_vector_alloc();
		if (vector < 0) {
			kfree(d->vec);
			d->vec = NULL;
			return vector;
		}
		irq_register((unsigned)vector, pci_vector_entry);
		d->vec[0] = (struct pci_irq_vec){(uint8_t)vector, (uint16_t)cpu, (int)gsi,
						 req->fn,	  req->arg,	 0};
		entry_add((unsigned)vector, (int)gsi, d, 0);
		rc = ioapic_route(gsi, (uint8_t)vector, cpus[cpu]->apic_id, level, low);
		if (rc) {
			entry_remove((unsigned)vector, d);
			irq_vector_free((unsigned)vector);
			kfree(d->vec);
			d->vec = NULL;
			log_warn("%04x:%02x:%02x.%x: no IOAPIC input for GSI %u", d->segment,
				 d->bus, d->devfn >> 3, d->devfn & 7, gsi);
			return -ENODEV;
		}
	} else {
		d->vec[0] = (struct pci_irq_vec){(uint8_t)vector, (uint16_t)cpu, (int)gsi,
						 req->fn,	  req->arg,	 0};
		entry_add((unsigned)vector, (int)gsi, d, 0);
	}
	set_intx_disable(d, false);
	d->nvec = 1;
	d->irq_mode = PCI_IRQ_INTX_MODE;
	return 1;
}

int pci_irq_setup(struct pci_dev *d, unsigned n, const struct pci_irq_req *req, unsigned allow)
{
	int rc = -ENODEV;

	if (!n || !req)
		return -EINVAL;
	mutex_lock(&pci_lock);
	if (d->irq_mode != PCI_IRQ_NONE) {
		mutex_unlock(&pci_lock);
		return -EBUSY;
	}
	if (allow & PCI_IRQ_ALLOW_MSIX)
		rc = setup_msix(d, n, req);
	if (rc < 0 && rc != -ENOSPC && (allow & PCI_IRQ_ALLOW_MSI))
		rc = setup_msi(d, req);
	if (rc < 0 && rc != -ENOSPC && (allow & PCI_IRQ_ALLOW_INTX))
		rc = setup_intx(d, req);
	mutex_unlock(&pci_lock);
	if (rc > 0)
		log_info("%04x:%02x:%02x.%x: %d %s vector%s from %#x on CPU %u", d->segment, d->bus,
			 d->devfn >> 3, d->devfn & 7, rc,
			 d->irq_mode == PCI_IRQ_MSIX_MODE  ? "MSI-X"
			 : d->irq_mode == PCI_IRQ_MSI_MODE ? "MSI"
							   : "INTx",
			 rc > 1 ? "s" : "", d->vec[0].vector, d->vec[0].cpu);
	return rc;
}

void pci_irq_free(struct pci_dev *d)
{
	uint8_t cap;

	mutex_lock(&pci_lock);
	switch (d->irq_mode) {
	case PCI_IRQ_MSIX_MODE:
		cap = pci_cap_find(d, PCI_CAP_ID_MSIX);
		pci_write(d, cap + MSIX_CTRL, 2,
			  pci_read(d, cap + MSIX_CTRL, 2) & ~(MSIX_ENABLE | MSIX_FMASK));
		break;
	case PCI_IRQ_MSI_MODE:
		cap = pci_cap_find(d, PCI_CAP_ID_MSI);
		pci_write(d, cap + MSI_CTRL, 2, pci_read(d, cap + MSI_CTRL, 2) & ~MSI_ENABLE);
		break;
	case PCI_IRQ_INTX_MODE:
		set_intx_disable(d, true);
		break;
	default:
		mutex_unlock(&pci_lock);
		return;
	}
	for (unsigned i = 0; i < d->nvec; i++) {
		if (!entry_remove(d->vec[i].vector, d))
			continue; /* a shared INTx line others still use */
		if (d->vec[i].gsi >= 0)
			ioapic_set_masked((uint32_t)d->vec[i].gsi, true);
		irq_vector_free(d->vec[i].vector);
	}
	kfree(d->vec);
	d->vec = NULL;
	d->nvec = 0;
	d->irq_mode = PCI_IRQ_NONE;
	mutex_unlock(&pci_lock);
}

static int set_mask(struct pci_dev *d, unsigned idx, bool mask)
{
	uint8_t cap;
	uint16_t ctrl;
	uint32_t bits;

	if (idx >= d->nvec)
		return -EINVAL;
	switch (d->irq_mode) {
	case PCI_IRQ_MSIX_MODE: {
		volatile uint32_t *t = d->msix_table + 4 * idx;

		t[3] = mask ? t[3] | MSIX_VEC_MASK : t[3] & ~MSIX_VEC_MASK;
		return 0;
	}
	case PCI_IRQ_MSI_MODE:
		cap = pci_cap_find(d, PCI_CAP_ID_MSI);
		ctrl = (uint16_t)pci_read(d, cap + MSI_CTRL, 2);
		if (!(ctrl & MSI_PVM))
			return -EOPNOTSUPP;
		bits = pci_read(d, msi_mask_off(cap, ctrl), 4);
		pci_write(d, msi_mask_off(cap, ctrl), 4, mask ? bits | 1 : bits & ~1u);
		return 0;
	case PCI_IRQ_INTX_MODE:
		set_intx_disable(d, mask);
		return 0;
	default:
		return -EINVAL;
	}
}

int pci_irq_mask(struct pci_dev *d, unsigned idx)
{
	return set_mask(d, idx, true);
}

int pci_irq_unmask(struct pci_dev *d, unsigned idx)
{
	return set_mask(d, idx, false);
}

bool pci_irq_pending(struct pci_dev *d, unsigned idx)
{
	if (d->irq_mode != PCI_IRQ_MSIX_MODE || idx >= d->nvec || !d->msix_pba)
		return false;
	return d->msix_pba[idx / 32] >> (idx % 32) & 1;
}
