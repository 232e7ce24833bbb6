# The hybrid ISO: grub-mkrescue makes one image that boots under BIOS and UEFI, from a CD-ROM
# or written raw to a disk or USB stick.  Test images are the same recipe with another
# kernel command line: $(call keel_iso,OUT,CMDLINE,TIMEOUT).

ISO_TIMEOUT ?= 2
KEEL_CMDLINE ?=

define keel_iso
	@echo "  ISO     $(1)"
	@rm -rf $(1).d && mkdir -p $(1).d/boot/grub
	$(Q)cp $(KERNEL) $(1).d/boot/vmkernel.elf
	$(Q)sed -e 's|@CMDLINE@|$(2)|' -e 's|@TIMEOUT@|$(3)|' -e 's|@VERSION@|$(KEEL_VERSION)|' \
		iso/grub.cfg.in > $(1).d/boot/grub/grub.cfg
	$(Q)grub-mkrescue --locales= --themes= --fonts= -o $(1) $(1).d > $(1).log 2>&1 \
		|| { cat $(1).log; exit 1; }
	@rm -rf $(1).d $(1).log
endef

$(ISO): $(KERNEL) iso/grub.cfg.in iso/iso.mk
	$(call keel_iso,$@,$(KEEL_CMDLINE),$(ISO_TIMEOUT))

iso: $(ISO)
.PHONY: iso
