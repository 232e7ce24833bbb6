# init (pid 1) with a test configuration (tests/qemu/init.sh): the overlay
# tests/qemu/init-overlay/ (its /etc/keel/services) plus tests/qemu/init-rc/ as
# /etc/rc.local.d/ (kept outside: .gitignore's "*.d" would hide a folder named rc.local.d),
# layered on the real initrd, booted with no init= so the kernel starts /sbin/init as on a
# real host.  The two images differ only in /etc/keel-test/power: the last rc.local.d script
# runs poweroff or reboot.
INIT_OVERLAY_SRC   := tests/qemu/init-overlay
INIT_RC_SRC        := tests/qemu/init-rc
INIT_OVERLAY_FILES := $(shell find $(INIT_OVERLAY_SRC) $(INIT_RC_SRC) 2>/dev/null)
INIT_TEST_ISOS     := $(BUILD)/test/init-poweroff.iso $(BUILD)/test/init-reboot.iso

define init_test_image
$(BUILD)/test/init-$(1).initrd.cpio: $(INITRD) $(INIT_OVERLAY_FILES) userworld/mkinitrd.sh \
		tests/qemu/suites/init.mk
	@echo "  INITRD  $$@"
	$(Q)rm -rf $$@.overlay && mkdir -p $$(@D) && cp -R $(INIT_OVERLAY_SRC) $$@.overlay
	$(Q)mkdir -p $$@.overlay/etc/rc.local.d && cp $(INIT_RC_SRC)/* $$@.overlay/etc/rc.local.d/
	$(Q)chmod 0755 $$@.overlay/etc/rc.local.d/*
	$(Q)chmod 0644 $$@.overlay/etc/rc.local.d/50-notexec
	$(Q)echo $(1) > $$@.overlay/etc/keel-test/power
	$(Q)userworld/mkinitrd.sh pack $$(UW_ROOT) $$@ $$@.overlay
	$(Q)rm -rf $$@.overlay

$(BUILD)/test/init-$(1).iso: $(BUILD)/test/init-$(1).initrd.cpio $(KERNEL) iso/grub.cfg.in \
		iso/iso.mk tests/qemu/suites/init.mk
	$$(call keel_iso,$$@,,0,$$<)
endef
$(foreach w,poweroff reboot,$(eval $(call init_test_image,$(w))))

TEST_ISOS   += $(INIT_TEST_ISOS)
QEMU_SUITES += init
