/* The PCI listings for people: Linux's /proc/bus/pci/devices line and /proc/keel/pci. */
#include <vmk/pci.h>
#include <vmk/format.h>

/* Append to buf[*o..len) ksnprintf-style: *o counts the full length even past len. */
#define PUT(...)                                                                        \
	do {                                                                            \
		int n_ = ksnprintf(*o < len ? buf + *o : NULL, *o < len ? len - *o : 0, \
				   __VA_ARGS__);                                        \
		*o += n_ > 0 ? (size_t)n_ : 0;                                          \
	} while (0)

static const struct pci_bar *resource(const struct pci_dev *d, unsigned i)
{
	return i < PCI_NUM_BARS ? &d->bar[i] : &d->rom;
}

int pci_format_devices_line(const struct pci_dev *d, char *buf, size_t len)
{
	size_t off = 0, *o = &off;

	PUT("%02x%02x\t%04x%04x\t%x", d->bus, d->devfn, d->vendor, d->device,
	    d->irq_pin ? d->irq_line : 0);
	for (unsigned i = 0; i <= PCI_NUM_BARS; i++) {
		const struct pci_bar *b = resource(d, i);

		PUT("\t%16lx", b->size ? b->base | b->flags : 0ul);
	}
	/* Linux prints end - start + 1 only when start < end: a one-byte resource shows 0. */
	for (unsigned i = 0; i <= PCI_NUM_BARS; i++)
		PUT("\t%16lx", resource(d, i)->size > 1 ? resource(d, i)->size : 0ul);
	PUT("\t%s\n", d->driver ? d->driver->name : "");
	return (int)off;
}

static const char *const kind_names[] = {"none", "io", "mem32", "mem64", "rom"};
static const char *const mode_names[] = {"none", "intx", "msi", "msix"};

int pci_format_keel(const struct pci_dev *d, char *buf, size_t len)
{
	size_t off = 0, *o = &off;

	PUT("%04x:%02x:%02x.%x %04x:%04x", d->segment, d->bus, d->devfn >> 3, d->devfn & 7,
	    d->vendor, d->device);
	if (d->hdr_type == 0)
		PUT(" (%04x:%04x)", d->subsys_vendor, d->subsys_device);
	PUT(" class %02x.%02x.%02x rev %02x", d->class, d->subclass, d->prog_if, d->revision);
	if (d->hdr_type == 1)
		PUT(" bridge to %02x-%02x", d->secondary, d->subordinate);
	PUT(" driver %s", d->driver ? d->driver->name : "-");
	if (d->irq_pin)
		PUT(" pin %c line %u", 'A' + d->irq_pin - 1, d->irq_line);
	PUT(" irq %s", mode_names[d->irq_mode <= PCI_IRQ_MSIX_MODE ? d->irq_mode : 0]);
	for (unsigned i = 0; d->vec && i < d->nvec; i++) {
		const struct pci_irq_vec *v = &d->vec[i];

		PUT(" [vec %#x cpu %u", v->vector, v->cpu);
		if (v->gsi >= 0)
			PUT(" gsi %d", v->gsi);
		PUT(" count %lu]", (unsigned long)v->count);
	}
	PUT("\n");
	for (unsigned i = 0; i <= PCI_NUM_BARS; i++) {
		const struct pci_bar *b = resource(d, i);

		if (!b->size)
			continue;
		if (i < PCI_NUM_BARS)
			PUT("  bar%u", i);
		else
			PUT("  rom ");
		PUT(" %-5s %#lx size %#lx%s%s\n", kind_names[b->kind <= PCI_BAR_ROM ? b->kind : 0],
		    b->base, b->size, b->prefetch && i < PCI_NUM_BARS ? " prefetchable" : "",
		    i == PCI_NUM_BARS && (b->flags & 1) ? " enabled" : "");
	}
	if (d->ncaps || d->bad_caps) {
		PUT("  caps");
		for (unsigned i = 0; i < d->ncaps; i++)
			PUT(" %02x@%02x", d->cap_id[i], d->cap_off[i]);
		PUT("%s\n", d->bad_caps ? " (list cut short: loop or bad pointer)" : "");
	}
	return (int)off;
}
