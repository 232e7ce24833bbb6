/* Host PCI at boot: pick the config mechanism, scan, keep the device list, bind drivers. */
#define LOG_TAG "pci"
#include <vmk/acpi.h>
#include <vmk/format.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <string.h>
#include "pci_priv.h"

struct mutex pci_lock = MUTEX_INIT;
static struct pci_dev *devlist;	   /* built by pci_host_init, never shrinks */
static struct pci_driver *drivers; /* guarded by pci_lock */
static bool scanned;
/* Guards bar_va: separate from pci_lock because probe routines (run under it) map BARs. */
static struct mutex map_lock = MUTEX_INIT;

static struct pci_dev *alloc_dev(void *ctx)
{
	(void)ctx;
	return kzalloc(sizeof(struct pci_dev));
}

struct pci_dev *pci_devices(void)
{
	return devlist;
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
	for (struct pci_dev *d = from ? from->next : devlist; d; d = d->next)
		if (d->vendor == vendor && d->device == device)
			return d;
	return NULL;
}

uint32_t pci_read(const struct pci_dev *d, uint16_t off, unsigned size)
{
	return pci_cfg.read(pci_cfg.ctx, d->bus, d->devfn, off, size);
}

void pci_write(const struct pci_dev *d, uint16_t off, unsigned size, uint32_t val)
{
	pci_cfg.write(pci_cfg.ctx, d->bus, d->devfn, off, size, val);
}

void pci_enable(struct pci_dev *d, bool master)
{
	uint16_t cmd = (uint16_t)pci_read(d, PCI_COMMAND, 2), want = cmd;

	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		if (d->bar[i].kind == PCI_BAR_IO)
			want |= PCI_CMD_IO;
		else if (d->bar[i].kind == PCI_BAR_MEM32 || d->bar[i].kind == PCI_BAR_MEM64)
			want |= PCI_CMD_MEMORY;
	}
	if (master)
		want |= PCI_CMD_MASTER;
	if (want != cmd)
		pci_write(d, PCI_COMMAND, 2, want);
}

volatile void *pci_map_bar(struct pci_dev *d, unsigned i)
{
	const struct pci_bar *b;
	volatile void *va;

	if (i >= PCI_NUM_BARS)
		return NULL;
	b = &d->bar[i];
	if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || !b->base)
		return NULL;
	mutex_lock(&map_lock);
	va = d->bar_va[i];
	if (!va) {
		va = vm_map_phys(b->base, b->size, VM_WRITE | VM_MMIO);
		d->bar_va[i] = va;
	}
	mutex_unlock(&map_lock);
	if (!va)
		log_err("%04x:%02x:%02x.%x: cannot map BAR%u (%#lx, %#lx bytes)", d->segment,
			d->bus, d->devfn >> 3, d->devfn & 7, i, b->base, b->size);
	return va;
}

/* Offer @d to @drv; pci_lock held. */
static bool try_bind(struct pci_dev *d, struct pci_driver *drv)
{
	const struct pci_device_id *id;
	int rc;

	if (d->driver || !(id = pci_match_id(drv->ids, d)))
		return false;
	rc = drv->probe(d, id);
	if (rc) {
		log_info("%04x:%02x:%02x.%x: %s declined it (error %d)", d->segment, d->bus,
			 d->devfn >> 3, d->devfn & 7, drv->name, rc);
		return false;
	}
	d->driver = drv;
	log_info("%04x:%02x:%02x.%x: bound to %s", d->segment, d->bus, d->devfn >> 3, d->devfn & 7,
		 drv->name);
	return true;
}

int pci_driver_register(struct pci_driver *drv)
{
	int n = 0;

	mutex_lock(&pci_lock);
	drv->next = drivers;
	drivers = drv;
	if (scanned)
		for (struct pci_dev *d = devlist; d; d = d->next)
			n += try_bind(d, drv);
	mutex_unlock(&pci_lock);
	return n;
}

void pci_host_init(const struct acpi_info *a)
{
	const struct acpi_mcfg *m = NULL;
	char line[160];
	int n;

	for (unsigned i = 0; i < a->nmcfg; i++) {
		if (a->mcfg[i].segment == 0 && !m)
			m = &a->mcfg[i];
		else
			log_warn("PCI segment %u (ECAM %#lx) is not scanned: only segment 0 is",
				 a->mcfg[i].segment, a->mcfg[i].base);
	}
	if (a->bad_mcfg)
		log_warn("%u MCFG entries were malformed and ignored", a->bad_mcfg);
	log_info("configuration access through %s", pci_cfg_init(m));
	n = pci_scan(&pci_cfg, 0, m ? m->start_bus : 0, m ? m->end_bus : 255, alloc_dev, NULL,
		     &devlist);
	/* One line each at debug level: a host with many functions would push the rest of the
	 * boot off the screen; /proc/keel/pci lists them. */
	log_info("%d functions (listed in /proc/keel/pci)", n);
	for (struct pci_dev *d = devlist; d; d = d->next) {
		int len = pci_format_keel(d, line, sizeof(line));
		char *nl = memchr(line, '\n', len < (int)sizeof(line) ? (size_t)len : sizeof(line));

		if (nl)
			*nl = 0;
		log_debug("%s", line);
	}
	mutex_lock(&pci_lock);
	scanned = true;
	for (struct pci_driver *drv = drivers; drv; drv = drv->next)
		for (struct pci_dev *d = devlist; d; d = d->next)
			try_bind(d, drv);
	mutex_unlock(&pci_lock);
}

/* Append each device's text; ksnprintf semantics for the total. */
static size_t proc_fill(char *buf, size_t len, int (*fmt)(const struct pci_dev *, char *, size_t))
{
	size_t off = 0;

	mutex_lock(&pci_lock);
	for (struct pci_dev *d = devlist; d; d = d->next) {
		int n = fmt(d, off < len ? buf + off : NULL, off < len ? len - off : 0);

		off += n > 0 ? (size_t)n : 0;
	}
	mutex_unlock(&pci_lock);
	if (len)
		buf[off < len ? off : len - 1] = 0;
	return off;
}

size_t pci_proc_devices(char *buf, size_t len)
{
	return proc_fill(buf, len, pci_format_devices_line);
}

size_t pci_proc_keel(char *buf, size_t len)
{
	return proc_fill(buf, len, pci_format_keel);
}
