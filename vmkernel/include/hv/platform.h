/*
 * The virtual PC platform of a VM (hv/platform.c): the chips of hv/dev/ placed where a PC has
 * them and wired together — 16550 UART (COM1, 0x3f8, IRQ 4) as the guest console, the 8259
 * pair, the 8254 PIT and port 0x61, the CMOS RTC, a local APIC per vCPU, the I/O APIC, the
 * ACPI PM block and tables (RSDP, XSDT, FADT, MADT, DSDT) at 0xE0000, a PCI host bridge with
 * a virtio-rng and, when configured, a virtio-blk disk backed by a file.
 *
 * Interrupt routing: ISA IRQs go to both the PIC and the I/O APIC (IRQ 0 to pin 2, the
 * rest to the pin of their number); PCI INTx to I/O APIC pins 16-23 per the DSDT's _PRT;
 * the PIC's output reaches vCPU 0 through its LINT0 when that is ExtINT.
 */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vnode;

struct platform_cfg {
	struct vnode *disk; /* NULL: no disk */
	bool disk_ro;
};

/* Give vm (its vCPUs already made) the platform: vm->pops and vm->plat, the ACPI tables in
 * its memory.  0, -ENOMEM.  vm_destroy frees it. */
int platform_create(struct vm *vm, const struct platform_cfg *cfg);
/* Load the guest's kernel (a Linux bzImage through the boot protocol, or an ELF64 program
 * entered in 64-bit mode with the first 4 GiB identity-mapped), its initrd and command
 * line, and set vCPU 0 to start there.  0, -ENOEXEC (not a kernel, or it does not fit),
 * -EINVAL (a command line too long). */
int platform_boot(struct vm *vm, struct vnode *kernel, struct vnode *initrd, const char *cmdline);
/* Type at the guest's console: how many bytes its UART took (0 when its FIFO is full). */
size_t platform_console_input(struct vm *vm, const char *buf, size_t n);
/* Press the VM's ACPI power button.  0, or -EINVAL (no platform). */
int platform_power_button(struct vm *vm);

#endif
