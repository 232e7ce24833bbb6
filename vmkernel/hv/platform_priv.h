/* Between platform.c (the devices) and boot.c (loading the guest). */
#ifndef HV_PLATFORM_PRIV_H
#define HV_PLATFORM_PRIV_H

#include <vmk/hv.h>
#include <hv/uart.h>
#include <hv/pic.h>
#include <hv/pit.h>
#include <hv/cmos.h>
#include <hv/lapic.h>
#include <hv/ioapic.h>
#include <hv/acpi_pm.h>
#include <hv/pci.h>
#include <hv/virtio_blk.h>
#include <hv/virtio_rng.h>

struct platform {
	struct vm *vm;
	struct vuart uart;
	struct vpic pic;
	struct vpit pit;
	struct vcmos cmos;
	struct acpi_pm pm;
	struct vioapic ioapic;
	struct vlapic lapic[HV_MAX_VCPUS];
	struct pci_bus pci;
	struct virtio_rng rng;
	struct virtio_blk blk;
	struct vnode *disk; /* referenced; NULL: no disk */
	uint64_t rsdp;	    /* the ACPI tables: the RSDP's address, their length at 0xE0000 */
	size_t acpi_len;
	bool pm_tmr_32bit; /* the host's PM timer, which the guest reads, counts 32 bits */
};

#endif
