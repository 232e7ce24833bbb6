# Local APIC model: Linux's setup and IPI sequences, timer modes, priorities, hostile accesses.
UNIT_TESTS += lapic
lapic_SRCS := vmkernel/hv/dev/lapic.c
