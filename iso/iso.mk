# The hybrid ISO: grub-mkrescue makes one image that boots under BIOS and UEFI, from a CD-ROM
# or written raw to a disk or USB stick.  GRUB loads the kernel and, as a multiboot2 module
# with the string "initrd", the initial ramdisk (/boot/initrd.cpio on the ISO, built as
# $(INITRD) by userworld/userworld.mk).  Test images are the same recipe with another kernel
# command line: $(call keel_iso,OUT,CMDLINE,TIMEOUT[,INITRD]), INITRD defaulting to $(INITRD).
#
# make ISO_OVERLAY=DIR [ISO_OUT=FILE] builds FILE (default $(ISO)) with DIR's contents layered
# on top of the initrd (DIR mirrors /; its files replace same-named ones).  That initrd is
# FILE less .iso plus .initrd.cpio, so an overlay image elsewhere leaves $(ISO) and $(INITRD)
# alone.  Each image records what went into it (initrd, command line, timeout) in
# $(BUILD)/iso.d/, so building the same FILE another way rebuilds it.

ISO_TIMEOUT ?= 2
KEEL_CMDLINE ?=
INITRD := $(BUILD)/initrd.cpio
ISO_OUT ?= $(ISO)
ISO_OVERLAY ?=

define keel_iso
	@echo "  ISO     $(1)"
	@rm -rf $(1).d && mkdir -p $(1).d/boot/grub
	$(Q)cp $(KERNEL) $(1).d/boot/vmkernel.elf
	$(Q)cp $(or $(4),$(INITRD)) $(1).d/boot/initrd.cpio
	$(Q)sed -e 's|@CMDLINE@|$(2)|' -e 's|@TIMEOUT@|$(3)|' -e 's|@VERSION@|$(KEEL_VERSION)|' \
		iso/grub.cfg.in > $(1).d/boot/grub/grub.cfg
	$(Q)grub-mkrescue --locales= --themes= --fonts= -o $(1) $(1).d > $(1).log 2>&1 \
		|| { cat $(1).log; exit 1; }
	@rm -rf $(1).d $(1).log
endef

# --- the overlay initrd -----------------------------------------------------------------------
ifneq ($(ISO_OVERLAY),)
ifeq ($(wildcard $(ISO_OVERLAY)/.),)
$(error ISO_OVERLAY=$(ISO_OVERLAY) is not a directory)
endif
ISO_INITRD := $(patsubst %.iso,%,$(ISO_OUT)).initrd.cpio
# Names, types, modes, sizes, times and link targets of everything in DIR: a change rebuilds.
ISO_OVERLAY_SIG := $(shell cd $(ISO_OVERLAY) && find . -printf '%p %y %m %s %T@ %l\n' \
	| LC_ALL=C sort | md5sum)

$(ISO_INITRD): $(INITRD) $(BUILD)/iso.d/overlay$(subst /,_,$(abspath $(ISO_INITRD))) \
		userworld/mkinitrd.sh
	@echo "  INITRD  $@ (+ $(ISO_OVERLAY))"
	$(Q)userworld/mkinitrd.sh pack $(UW_ROOT) $@ $(ISO_OVERLAY)

$(BUILD)/iso.d/overlay$(subst /,_,$(abspath $(ISO_INITRD))): FORCE
	@mkdir -p $(@D)
	@echo '$(abspath $(ISO_OVERLAY)) $(ISO_OVERLAY_SIG)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
endif

# --- the images -------------------------------------------------------------------------------
iso_initrd = $(if $(and $(ISO_OVERLAY),$(filter $(ISO_OUT),$(1))),$(ISO_INITRD),$(INITRD))
iso_stamp  = $(BUILD)/iso.d/image$(subst /,_,$(abspath $(1)))

define iso_rule
$(1): $(KERNEL) $(call iso_initrd,$(1)) $(call iso_stamp,$(1)) iso/grub.cfg.in iso/iso.mk
	$$(call keel_iso,$$@,$$(KEEL_CMDLINE),$$(ISO_TIMEOUT),$(call iso_initrd,$(1)))

$(call iso_stamp,$(1)): FORCE
	@mkdir -p $$(@D)
	@echo 'initrd=$(call iso_initrd,$(1)) cmdline=$$(KEEL_CMDLINE) timeout=$$(ISO_TIMEOUT)' > $$@.tmp
	@cmp -s $$@.tmp $$@ && rm -f $$@.tmp || mv $$@.tmp $$@
endef
$(foreach i,$(sort $(ISO) $(ISO_OUT)),$(eval $(call iso_rule,$(i))))

all: $(ISO_OUT)
iso: $(ISO_OUT)
FORCE:
.PHONY: iso FORCE
