# ACPI PM device model: PM1 registers, SCI, power button, S5 power-off, PM timer, 0xCF9 reset.
UNIT_TESTS += acpi_pm
acpi_pm_SRCS := vmkernel/hv/dev/acpi_pm.c
build/unit/test_acpi_pm: $(wildcard vmkernel/include/hv/*.h)
