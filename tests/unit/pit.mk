# 8254 PIT and port 0x61: Linux's TSC calibrations, clockevent/clocksource, all modes, read-back, BCD, IRQ0 pacing, hostile access.
UNIT_TESTS += pit
pit_SRCS := vmkernel/hv/dev/pit.c
