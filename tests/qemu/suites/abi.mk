# The Linux ABI as unmodified programs see it (tests/qemu/abi.sh): the test programs
# tests/userworld/abi-*/ and their runner abirun, in the same test initrd, booted under Keel
# (abi.iso, abirun as init) and under Debian's unmodified cloud kernel in the same QEMU
# (the same initrd, rdinit=/usr/bin/abirun); the suite compares their result lines.
ABI_ISO := $(BUILD)/test/abi.iso
$(ABI_ISO): $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/abirun poweroff)
TEST_ISOS += $(ABI_ISO) $(BUILD)/linux/vmlinuz
QEMU_SUITES += abi
