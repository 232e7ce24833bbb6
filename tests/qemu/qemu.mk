# QEMU test images: the real ISO recipe with a test command line (see iso/iso.mk).
# Each self-test image ends with an ACPI power-off (or panic=poweroff), so QEMU exits.

TEST_CMDLINE_selftest      := selftest=all panic=poweroff
TEST_CMDLINE_pagefault     := selftest=pagefault panic=poweroff
TEST_CMDLINE_pagefault-irq := selftest=pagefault-irq panic=poweroff
TEST_CMDLINE_stackoverflow := selftest=stackoverflow panic=poweroff
TEST_CMDLINE_reboot        := init=/bin/true reboot
TEST_CMDLINE_hello         := init=/usr/bin/hello poweroff -- one "two words"
TEST_CMDLINE_bbecho        := init=/bin/busybox poweroff -- echo hello from busybox
TEST_ISOS := $(patsubst TEST_CMDLINE_%,$(BUILD)/test/%.iso,$(filter TEST_CMDLINE_%,$(.VARIABLES)))

$(BUILD)/test/%.iso: $(KERNEL) iso/grub.cfg.in iso/iso.mk tests/qemu/qemu.mk
	@mkdir -p $(@D)
	$(call keel_iso,$@,$(TEST_CMDLINE_$*),0)


# Userworld test programs: every tests/userworld/<prog>/*.c is built with musl into the test
# overlay as /usr/bin/<prog> and layered into one test initrd (the way a user customizes an
# image: make ISO_OVERLAY=DIR).  $(call uw_test_iso,OUT,CMDLINE) makes an image with it.
UWTEST_OVERLAY := $(BUILD)/test/overlay
UWTEST_INITRD  := $(BUILD)/test/uwtest.initrd.cpio
UWTEST_PROGS   := $(patsubst tests/userworld/%/,%,$(sort $(dir $(wildcard tests/userworld/*/*.c))))
UWTEST_BINS    := $(patsubst %,$(UWTEST_OVERLAY)/usr/bin/%,$(UWTEST_PROGS))

$(UWTEST_OVERLAY)/usr/bin/%: $$(wildcard tests/userworld/%/*.c tests/userworld/%/*.h) \
			     $(wildcard tests/userworld/include/*.h) | deps
	@mkdir -p $(@D)
	@echo "  UWCC    $@"
	$(Q)musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -Iuserworld/lib/include \
		-Itests/userworld/include \
		-o $@ $(filter %.c,$^) -lpthread
# Test scripts go in as data: /usr/share/keel-tests/<name>.sh.
UWTEST_SCRIPTS := $(patsubst tests/userworld/scripts/%,$(UWTEST_OVERLAY)/usr/share/keel-tests/%,$(wildcard tests/userworld/scripts/*.sh))
$(UWTEST_OVERLAY)/usr/share/keel-tests/%: tests/userworld/scripts/%
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

$(UWTEST_INITRD): $(INITRD) $(UWTEST_BINS) $(UWTEST_SCRIPTS) userworld/mkinitrd.sh
	@echo "  INITRD  $@"
	$(Q)userworld/mkinitrd.sh pack $(UW_ROOT) $@ $(UWTEST_OVERLAY)

# The suites' own images and result names: tests/qemu/suites/<suite>.mk adds to TEST_ISOS
# (with rules using uw_test_iso) and QEMU_SUITES (tests/qemu/<suite>.sh is the script).
define uw_test_iso
	@mkdir -p $(dir $(1))
	$(call keel_iso,$(1),$(2),0,$(UWTEST_INITRD))
endef
UW_TEST_ISO_DEPS := $(KERNEL) $(UWTEST_INITRD) iso/grub.cfg.in iso/iso.mk tests/qemu/qemu.mk

UWTEST_CASES := ok segv kernel-read divzero privileged write-rodata exec-stack exit7
UWTEST_ISOS  := $(patsubst %,$(BUILD)/test/uw-%.iso,$(UWTEST_CASES))
$(BUILD)/test/uw-%.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/usr/bin/uwtest poweroff -- $*)
TEST_ISOS += $(UWTEST_ISOS)

QEMU_SUITES := boot-matrix selftest panic power screen userworld console
include $(wildcard tests/qemu/suites/*.mk)

# Suites run one at a time (tests/run.sh): their timing checks should not share the 2 cores.
# A result is kept until its script or an image changes; tests/run.sh drops failed ones.
QEMU_RESULTS := $(patsubst %,$(BUILD)/results/qemu-%.log,$(QEMU_SUITES))

$(BUILD)/results/qemu-%.log: tests/qemu/%.sh tests/qemu/lib.sh $(ISO) $(TEST_ISOS)
	@mkdir -p $(@D)
	@echo "QEMU  $*"
	@tests/qemu/$*.sh > $@.tmp 2>&1; echo "# exit $$?" >> $@.tmp
	@mv $@.tmp $@

qemu-results: $(QEMU_RESULTS)
test-isos: $(ISO) $(TEST_ISOS)
.PHONY: qemu-results test-isos

