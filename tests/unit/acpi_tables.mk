# Guest ACPI tables (RSDP, XSDT, RSDT, FADT, FACS, MADT) parsed back, and the compiled DSDT.
UNIT_TESTS += acpi_tables
include vmkernel/hv/dev/dsdt.mk
acpi_tables_SRCS := vmkernel/hv/dev/acpi_tables.c vmkernel/platform/acpi_parse.c $(HV_DSDT_S)
build/unit/test_acpi_tables: $(wildcard vmkernel/include/hv/*.h)
