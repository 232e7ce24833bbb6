# Special file systems and devices: /dev, /proc, /tmp and getrandom (tests/qemu/devices.sh).
QEMU_SUITES += devices
DEVTEST_ISO := $(BUILD)/test/devices.iso
$(DEVTEST_ISO): $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/devtest poweroff -- 2)
TEST_ISOS += $(DEVTEST_ISO)
