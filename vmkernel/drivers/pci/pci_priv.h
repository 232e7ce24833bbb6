/* Host PCI internals shared by pci.c, pci_cfg.c and pci_irq.c. */
#ifndef PCI_PRIV_H
#define PCI_PRIV_H

#include <vmk/pci.h>
#include <vmk/world.h>

struct acpi_mcfg;

/* Guards every device's driver binding and interrupt state, and the driver registry. */
extern struct mutex pci_lock;
/* The configuration accessor pci_host_init chose; valid after it. */
extern struct pci_cfg pci_cfg;

/* Set pci_cfg to ECAM over @m (buses mapped as they are first touched) or to ports
 * 0xCF8/0xCFC (m NULL). Returns a name for the log. */
const char *pci_cfg_init(const struct acpi_mcfg *m);

#endif
