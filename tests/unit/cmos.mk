# MC146818 RTC/CMOS: Linux's UIP read, set and probe, formats, periodic/update/alarm interrupts, hostile access.
UNIT_TESTS += cmos
cmos_SRCS := vmkernel/hv/dev/cmos.c vmkernel/lib/rtc_time.c
