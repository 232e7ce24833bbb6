/* The platform as ACPI describes it, parsed once at boot (platform/acpi.c). */
#ifndef VMK_PLATFORM_H
#define VMK_PLATFORM_H

#include <vmk/acpi.h>

struct boot_info;

/* Parsed ACPI facts; valid after platform_init(). */
extern struct acpi_info platform_acpi;

/* Find and parse the ACPI tables (RSDP from the multiboot2 tags, or the BIOS area). */
void platform_init(const struct boot_info *bi);

#endif
