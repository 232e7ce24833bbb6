# A real guest (tests/qemu/linux.sh): Debian's unmodified linux-image-cloud-amd64 (fetched by
# scripts/get-linux-kernel.sh with apt-get download) and a BusyBox initramfs built here
# (tests/linux-guest/), put in an image overlay with an /etc/rc.local.d script that runs two
# such VMs at once with keel-vm, each with 2 vCPUs and a virtio disk.  The kernel's rule is in
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
$(LG_OVERLAY)/etc/rc.local.d/50-linux-guests: tests/linux-guest/rc-two-vms
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

$(LG_DIR)/linux.initrd.cpio: $(INITRD) $(LG_FILES) userworld/mkinitrd.sh
	@echo "  INITRD  $@"
	$(Q)userworld/mkinitrd.sh pack $(UW_ROOT) $@ $(LG_OVERLAY)
$(BUILD)/test/linux.iso: $(LG_DIR)/linux.initrd.cpio $(KERNEL) iso/grub.cfg.in iso/iso.mk
	$(call keel_iso,$@,,0,$(LG_DIR)/linux.initrd.cpio)
TEST_ISOS += $(BUILD)/test/linux.iso
QEMU_SUITES += linux
