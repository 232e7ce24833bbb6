# ACPI static table parsing, against captured QEMU and cloud-VM tables.
UNIT_TESTS += acpi
acpi_SRCS := vmkernel/platform/acpi_parse.c
