# QEMU test images: the real ISO recipe with a test command line (see iso/iso.mk).
# Each self-test image ends with an ACPI power-off (or panic=poweroff), so QEMU exits.

TEST_CMDLINE_selftest      := selftest=all panic=poweroff
TEST_CMDLINE_pagefault     := selftest=pagefault panic=poweroff
TEST_CMDLINE_pagefault-irq := selftest=pagefault-irq panic=poweroff
TEST_CMDLINE_stackoverflow := selftest=stackoverflow panic=poweroff
TEST_CMDLINE_reboot        := reboot
TEST_ISOS := $(patsubst TEST_CMDLINE_%,$(BUILD)/test/%.iso,$(filter TEST_CMDLINE_%,$(.VARIABLES)))

$(BUILD)/test/%.iso: $(KERNEL) iso/grub.cfg.in iso/iso.mk tests/qemu/qemu.mk
	@mkdir -p $(@D)
	$(call keel_iso,$@,$(TEST_CMDLINE_$*),0)

test-isos: $(ISO) $(TEST_ISOS)
.PHONY: test-isos

# Suites run one at a time (tests/run.sh): their timing checks should not share the 2 cores.
# A result is kept until its script or an image changes; tests/run.sh drops failed ones.
QEMU_SUITES  := boot-matrix selftest panic power screen
QEMU_RESULTS := $(patsubst %,$(BUILD)/results/qemu-%.log,$(QEMU_SUITES))

$(BUILD)/results/qemu-%.log: tests/qemu/%.sh tests/qemu/lib.sh $(ISO) $(TEST_ISOS)
	@mkdir -p $(@D)
	@echo "QEMU  $*"
	@tests/qemu/$*.sh > $@.tmp 2>&1; echo "# exit $$?" >> $@.tmp
	@mv $@.tmp $@

qemu-results: $(QEMU_RESULTS)
.PHONY: qemu-results
