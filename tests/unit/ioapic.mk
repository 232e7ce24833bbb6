# I/O APIC model: Linux's pin programming, edge/level delivery, EOI, with a local APIC, hostile input.
UNIT_TESTS += ioapic
ioapic_SRCS := vmkernel/hv/dev/ioapic.c vmkernel/hv/dev/lapic.c
