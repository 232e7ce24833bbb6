# Shared memory: copy-on-write fork, MAP_SHARED, programs run from file pages, and the kernel
# profiler (tests/userworld/memtest, tests/qemu/memory.sh).
MEMORY_ISOS := $(BUILD)/test/memory.iso
$(BUILD)/test/memory.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/memtest poweroff profile)
TEST_ISOS += $(MEMORY_ISOS)
QEMU_SUITES += memory
