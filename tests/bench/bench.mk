# Userworld micro-benchmarks (make bench): the same static musl programs, tests/bench/ub/*.c,
# run on Keel and on Debian's unmodified cloud kernel in the same QEMU configuration;
# tests/bench/userworld.sh prints the ratio Keel/Linux for each.
#
#   build/bench/ubench, ubexit          one program per tests/bench/ub/<prog>.c
#   build/bench/keel-ubench.iso         the real ISO recipe, with both programs layered into the
#                                       initrd (/usr/bin) and init=/usr/bin/ubench ... -- all
#   build/bench/linux-initramfs.cpio    /init (= ubench) and /usr/bin/{ubench,ubexit}
#   build/linux/vmlinuz                 scripts/get-linux-kernel.sh (apt-get download, cached)

BENCH_OUT     := $(BUILD)/bench
BENCH_PROGS   := $(patsubst tests/bench/ub/%.c,%,$(wildcard tests/bench/ub/*.c))
BENCH_BINS    := $(patsubst %,$(BENCH_OUT)/%,$(BENCH_PROGS))
BENCH_OVERLAY := $(BENCH_OUT)/overlay
BENCH_KEEL_INITRD := $(BENCH_OUT)/keel-ubench.initrd.cpio
BENCH_KEEL_ISO    := $(BENCH_OUT)/keel-ubench.iso
BENCH_KEEL_CMDLINE := init=/usr/bin/ubench poweroff -- all
BENCH_LINUX_INITRD := $(BENCH_OUT)/linux-initramfs.cpio
BENCH_VMLINUZ      := $(BUILD)/linux/vmlinuz
BENCH_IMAGES  := $(BENCH_KEEL_ISO) $(BENCH_LINUX_INITRD) $(BENCH_VMLINUZ)

$(BENCH_BINS): $(BENCH_OUT)/%: tests/bench/ub/%.c tests/bench/bench.mk | deps
	@mkdir -p $(@D)
	@echo "  UBCC    $@"
	$(Q)musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o $@.tmp $<
	$(call uw_check_static,$@.tmp)
	$(Q)mv $@.tmp $@

# Keel: the overlay mirrors /, layered onto the normal root tree by mkinitrd.sh.
$(BENCH_KEEL_INITRD): $(INITRD) $(BENCH_BINS) userworld/mkinitrd.sh
	@echo "  INITRD  $@"
	$(Q)rm -rf $(BENCH_OVERLAY) && mkdir -p $(BENCH_OVERLAY)/usr/bin
	$(Q)cp $(BENCH_BINS) $(BENCH_OVERLAY)/usr/bin/
	$(Q)userworld/mkinitrd.sh pack $(UW_ROOT) $@ $(BENCH_OVERLAY)

$(BENCH_KEEL_ISO): $(KERNEL) $(BENCH_KEEL_INITRD) iso/grub.cfg.in iso/iso.mk tests/bench/bench.mk
	$(call keel_iso,$@,$(BENCH_KEEL_CMDLINE),0,$(BENCH_KEEL_INITRD))

# Linux: a minimal initramfs, ubench as /init (the kernel's built-in initramfs supplies
# /dev/console; ubench makes one itself if not).
$(BENCH_LINUX_INITRD): $(BENCH_BINS)
	@echo "  INITRD  $@"
	$(Q)rm -rf $@.d && mkdir -p $@.d/usr/bin $@.d/dev $@.d/proc $@.d/tmp
	$(Q)cp $(BENCH_BINS) $@.d/usr/bin/
	$(Q)cp $(BENCH_OUT)/ubench $@.d/init
	$(Q)(cd $@.d && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | \
		cpio -o -H newc -R 0:0 --reproducible --quiet) > $@.tmp
	$(Q)rm -rf $@.d && mv $@.tmp $@

$(BENCH_VMLINUZ): scripts/get-linux-kernel.sh | deps
	@echo "  FETCH   $@ (Debian linux-image-cloud-amd64)"
	$(Q)scripts/get-linux-kernel.sh $(@D) > /dev/null

bench-images: $(BENCH_IMAGES)
# The driver always finishes: a benchmark that fails on Keel is reported as n/a.
# The Linux kernel is fetched by the driver itself, so a failed fetch is a note in the report.
bench-userworld: $(BENCH_KEEL_ISO) $(BENCH_LINUX_INITRD)
	@BENCH_BUILT=1 tests/bench/userworld.sh
bench: bench-userworld
.PHONY: bench-images bench-userworld

# VMs (tests/bench/vm.sh): the Linux test guest booted directly by QEMU and nested under Keel.
BENCH_VM_DIR := $(BENCH_OUT)/vm
$(BENCH_VM_DIR)/initrd.cpio.gz: $(LG_OVERLAY)/guest/initrd.cpio.gz
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(BENCH_VM_DIR)/overlay.stamp: $(LG_OVERLAY)/guest/initrd.cpio.gz $(BENCH_VMLINUZ) tests/bench/vm-rc
	$(Q)rm -rf $(BENCH_VM_DIR)/overlay && mkdir -p $(BENCH_VM_DIR)/overlay/guest \
		$(BENCH_VM_DIR)/overlay/etc/rc.local.d
	$(Q)cp $(BENCH_VMLINUZ) $(LG_OVERLAY)/guest/initrd.cpio.gz $(BENCH_VM_DIR)/overlay/guest/
	$(Q)install -m 0755 tests/bench/vm-rc $(BENCH_VM_DIR)/overlay/etc/rc.local.d/50-bench
	$(Q)touch $@
$(BENCH_VM_DIR)/initrd.cpio: $(INITRD) $(BENCH_VM_DIR)/overlay.stamp userworld/mkinitrd.sh
	@echo "  INITRD  $@"
	$(Q)userworld/mkinitrd.sh pack $(UW_ROOT) $@ $(BENCH_VM_DIR)/overlay
$(BENCH_OUT)/vm-bench.iso: $(BENCH_VM_DIR)/initrd.cpio $(KERNEL) iso/grub.cfg.in iso/iso.mk
	$(call keel_iso,$@,,0,$(BENCH_VM_DIR)/initrd.cpio)
bench-vm: $(BENCH_OUT)/vm-bench.iso $(BENCH_VM_DIR)/initrd.cpio.gz
	@tests/bench/vm.sh
bench: bench-vm
.PHONY: bench-vm
