# Processes and signals (tests/userworld/proctest, tests/qemu/procs.sh).
PROCTEST_ISOS := $(BUILD)/test/proc-all.iso $(BUILD)/test/proc-forkbomb.iso \
		 $(BUILD)/test/proc-oom.iso $(BUILD)/test/proc-leak.iso
$(BUILD)/test/proc-all.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/proctest poweroff)
$(BUILD)/test/proc-%.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/proctest poweroff -- $*)
TEST_ISOS += $(PROCTEST_ISOS)
QEMU_SUITES += procs
