# BusyBox shell scripts as init (tests/userworld/scripts/shell.sh, tests/qemu/shell.sh).
$(BUILD)/test/sh-script.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/bin/sh poweroff -- /usr/share/keel-tests/shell.sh)
TEST_ISOS += $(BUILD)/test/sh-script.iso
QEMU_SUITES += shell
