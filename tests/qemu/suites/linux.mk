# A real guest (tests/qemu/linux.sh): Debian's unmodified linux-image-cloud-amd64 (fetched by
# scripts/get-linux-kernel.sh with apt-get download) and a BusyBox initramfs built here
# (tests/linux-guest/), put in an image overlay with an /etc/rc.local.d script that runs such
# VMs with keel-vm, each with 2 vCPUs and a virtio disk: one in linux.iso, two at once in
# linux-2vms.iso.  `make test-linux` runs just this suite.  The kernel's rule is in
# tests/bench/bench.mk (the benchmarks boot it too).
LG_DIR     := $(BUILD)/test/linux-guest
LG_VMLINUZ := $(BUILD)/linux/vmlinuz
LG_BUSYBOX := $(BUILD)/userworld/busybox
LG_OVERLAY := $(LG_DIR)/overlay
LG_FILES   := $(LG_OVERLAY)/guest/vmlinuz $(LG_OVERLAY)/guest/initrd.cpio.gz \
	      $(LG_OVERLAY)/etc/rc.local.d/50-linux-guests

$(LG_DIR)/gtool: tests/linux-guest/gtool.c | deps
	@mkdir -p $(@D)
	@echo "  UWCC    $@"
	$(Q)musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o $@ $<
$(LG_OVERLAY)/guest/vmlinuz: $(LG_VMLINUZ)
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(LG_OVERLAY)/guest/initrd.cpio.gz: $(LG_VMLINUZ) $(LG_BUSYBOX) $(LG_DIR)/gtool \
		tests/linux-guest/mkinitramfs.sh tests/linux-guest/init
	@mkdir -p $(@D)
	@echo "  INITRD  $@"
	$(Q)tests/linux-guest/mkinitramfs.sh $(LG_BUSYBOX) $(LG_DIR)/gtool \
		$$(ls $(dir $(LG_VMLINUZ))deb/linux-image-*-cloud-amd64_*.deb | grep -v 'image-cloud') $@
$(LG_OVERLAY)/etc/rc.local.d/50-linux-guests: tests/linux-guest/rc-vms
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

# $(1): the image's name, $(2): how many VMs at once.
define lg_image
$(LG_DIR)/$(1).initrd.cpio: $(INITRD) $(LG_FILES) userworld/mkinitrd.sh tests/qemu/suites/linux.mk
	@echo "  INITRD  $$@"
	$(Q)rm -rf $$@.overlay && cp -R $(LG_OVERLAY) $$@.overlay
	$(Q)mkdir -p $$@.overlay/etc/keel-test && echo $(2) > $$@.overlay/etc/keel-test/linux-vms
	$(Q)userworld/mkinitrd.sh pack $$(UW_ROOT) $$@ $$@.overlay
	$(Q)rm -rf $$@.overlay
$(BUILD)/test/$(1).iso: $(LG_DIR)/$(1).initrd.cpio $(KERNEL) iso/grub.cfg.in iso/iso.mk
	$$(call keel_iso,$$@,,0,$(LG_DIR)/$(1).initrd.cpio)
endef
$(eval $(call lg_image,linux,1))
$(eval $(call lg_image,linux-2vms,2))
TEST_ISOS += $(BUILD)/test/linux.iso $(BUILD)/test/linux-2vms.iso
QEMU_SUITES += linux
test-linux: $(BUILD)/test/linux.iso $(BUILD)/test/linux-2vms.iso
	@tests/qemu/linux.sh
.PHONY: test-linux
