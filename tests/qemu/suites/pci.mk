# Host PCI (tests/qemu/pci.sh): edu's INTx and MSI delivered to chosen CPUs (selftest=pci-irq),
# and /proc/bus/pci/devices compared with Linux's on i440fx and q35 (the test initrd's
# /usr/share/keel-tests/pci.sh prints it under both kernels).
QEMU_SUITES += pci
PCI_IRQ_ISO := $(BUILD)/test/pci-irq.iso
$(PCI_IRQ_ISO): $(KERNEL) iso/grub.cfg.in iso/iso.mk tests/qemu/qemu.mk
	@mkdir -p $(@D)
	$(call keel_iso,$@,selftest=pci-irq panic=poweroff,0)
PCI_LIST_ISO := $(BUILD)/test/pci-list.iso
$(PCI_LIST_ISO): $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/bin/sh poweroff -- /usr/share/keel-tests/pci.sh)
TEST_ISOS += $(PCI_IRQ_ISO) $(PCI_LIST_ISO) $(BUILD)/linux/vmlinuz
