# System V IPC's limits and robustness on Keel (tests/userworld/ipctest, tests/qemu/ipc.sh);
# its Linux semantics are compared by the abi suite (abi-ipc).
IPC_ISOS := $(BUILD)/test/ipc.iso
$(BUILD)/test/ipc.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/ipctest poweroff)
TEST_ISOS += $(IPC_ISOS)
QEMU_SUITES += ipc
