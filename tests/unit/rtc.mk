# CMOS RTC decoding: BCD/binary, 12/24-hour, century, calendar to epoch, bad values.
UNIT_TESTS += rtc
rtc_SRCS := vmkernel/lib/rtc_time.c
