# File system calls, VFS files and pipes (tests/userworld/fstest, tests/qemu/files.sh).
FILES_ISOS := $(BUILD)/test/fs-root.iso $(BUILD)/test/fs-tmp.iso $(BUILD)/test/fs-bbls.iso
$(BUILD)/test/fs-root.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/fstest poweroff -- /root)
$(BUILD)/test/fs-tmp.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/fstest poweroff -- /tmp)
$(BUILD)/test/fs-bbls.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/bin/busybox poweroff -- ls -la /usr/bin)
TEST_ISOS += $(FILES_ISOS)
QEMU_SUITES += files
