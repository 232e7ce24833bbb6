# The scheduler's controls on userworlds (tests/userworld/schedtest, tests/qemu/sched.sh).
$(BUILD)/test/sched.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/schedtest poweroff)
TEST_ISOS += $(BUILD)/test/sched.iso
QEMU_SUITES += sched
