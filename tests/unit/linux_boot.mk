# Linux x86 boot protocol loader: synthetic and hostile bzImages, and build/linux/vmlinuz if present.
UNIT_TESTS += linux_boot
linux_boot_SRCS := vmkernel/hv/dev/linux_boot.c
build/unit/test_linux_boot: $(wildcard vmkernel/include/hv/*.h)
