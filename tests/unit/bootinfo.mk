# Multiboot2 parsing and memory-map sanitizing.
UNIT_TESTS += bootinfo
bootinfo_SRCS := vmkernel/kern/mb2.c vmkernel/lib/memmap.c
