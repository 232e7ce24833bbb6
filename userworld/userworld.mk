# Userworlds: our static musl programs, BusyBox from Debian's source package, and the initial
# ramdisk $(INITRD) (build/initrd.cpio) that the ISO carries as a GRUB module (iso/iso.mk).
#
# Programs: every folder userworld/<prog>/ holding .c files (except lib/ and busybox/) builds
# build/userworld/<prog>, linked statically with musl-gcc.  An optional userworld/<prog>/prog.mk
# may set UW_CFLAGS_<prog>, UW_LDLIBS_<prog> and UW_PATH_<prog> (where the program goes in the
# initrd; default /usr/bin/<prog>).  userworld/lib/*.c, once there, becomes
# build/userworld/libuw.a, linked into every program, with userworld/lib/include on the path.

UW_OUT    := $(BUILD)/userworld
UW_CC     := musl-gcc
UW_CFLAGS := -std=gnu11 -static -O2 -g -Wall -Wextra -Werror -Iuserworld/lib/include
# Parallel jobs for BusyBox when make runs without a job server (a plain `make`).
UW_JOBS   ?= 2

# Fail loudly unless $(1) is a static ELF executable: no program interpreter, no shared library.
define uw_check_static
	$(Q)readelf -h $(1) > /dev/null
	$(Q)if readelf -lW $(1) | grep -q 'INTERP' || readelf -dW $(1) | grep -q '(NEEDED)'; then \
		echo "error: $(1) is not a static executable:" >&2; \
		readelf -lW $(1) | grep -A1 INTERP >&2; readelf -dW $(1) | grep NEEDED >&2; \
		rm -f $(1); exit 1; fi
endef

# --- our programs -------------------------------------------------------------------------
-include $(wildcard userworld/*/prog.mk)

UW_LIB_SRCS := $(wildcard userworld/lib/*.c)
UW_LIB      := $(if $(UW_LIB_SRCS),$(UW_OUT)/libuw.a)
UW_PROGS    := $(sort $(filter-out lib busybox rootfs,$(patsubst userworld/%/,%,$(dir $(wildcard userworld/*/*.c)))))
UW_BINS     := $(patsubst %,$(UW_OUT)/%,$(UW_PROGS))
uw_path      = $(or $(UW_PATH_$(1)),/usr/bin/$(1))

$(UW_OUT)/obj/%.o: userworld/%.c userworld/userworld.mk | deps
	@mkdir -p $(@D)
	@echo "  UWCC    $<"
	$(Q)$(UW_CC) $(UW_CFLAGS) $(UW_CFLAGS_$(firstword $(subst /, ,$*))) -MMD -MP -c -o $@ $<

$(UW_OUT)/libuw.a: $(patsubst userworld/%.c,$(UW_OUT)/obj/%.o,$(UW_LIB_SRCS))
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

define uw_prog
UW_OBJS_$(1) := $(patsubst userworld/%.c,$(UW_OUT)/obj/%.o,$(wildcard userworld/$(1)/*.c))
$(UW_OUT)/$(1): $$(UW_OBJS_$(1)) $(UW_LIB) $(wildcard userworld/$(1)/prog.mk)
	@echo "  UWLD    $$@"
	$(Q)$(UW_CC) $(UW_CFLAGS) -o $$@.tmp $$(UW_OBJS_$(1)) $(UW_LIB) $$(UW_LDLIBS_$(1))
	$(call uw_check_static,$$@.tmp)
	$(Q)mv $$@.tmp $$@
endef
$(foreach p,$(UW_PROGS),$(eval $(call uw_prog,$(p))))
-include $(wildcard $(UW_OUT)/obj/*/*.d)

# --- BusyBox ------------------------------------------------------------------------------
# Debian's source package (scripts/fetch-src.sh), configured with `make defconfig` plus
# userworld/busybox/keel.config, built out of tree in $(BB_OBJ).  musl-gcc hides the kernel
# headers BusyBox needs (linux/kd.h, mtd/...): $(BB_INC) links just those and is passed with
# -isystem.
BB_SRC      := $(BUILD)/src/busybox
BB_OBJ      := $(UW_OUT)/busybox.obj
BB_INC      := $(UW_OUT)/kheaders
BUSYBOX     := $(UW_OUT)/busybox
UW_MULTIARCH ?= x86_64-linux-gnu
BB_HEADERS  := /usr/include/linux /usr/include/asm-generic /usr/include/$(UW_MULTIARCH)/asm \
	       /usr/include/mtd
BB_MAKEARGS  = -C $(BB_SRC) O=$(abspath $(BB_OBJ))
# Our make's job server when there is one (make -jN), else UW_JOBS jobs.
bb_jobs      = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(UW_JOBS))

$(BB_SRC)/.keel-src: | deps
	@echo "  FETCH   busybox (Debian source package)"
	$(Q)scripts/fetch-src.sh busybox $(BB_SRC) > /dev/null

# A new source tree (another Debian revision) starts from an empty object folder: unpacked
# files keep their old time stamps, so BusyBox's own dependencies would not see the change.
$(BB_OBJ)/.config: $(BB_SRC)/.keel-src userworld/busybox/keel.config \
		userworld/busybox/apply-config.sh userworld/userworld.mk
	@echo "  BBCONF  $@"
	$(Q)cmp -s $(BB_SRC)/.keel-src $(BB_OBJ)/.keel-src || rm -rf $(BB_OBJ)
	$(Q)rm -rf $(BB_INC) && mkdir -p $(BB_INC) $(BB_OBJ)
	$(Q)for d in $(BB_HEADERS); do \
		[ -d $$d ] || { echo "error: $$d is missing (Debian package linux-libc-dev)" >&2; exit 1; }; \
		ln -s $$d $(BB_INC)/; done
	$(Q)echo 'CONFIG_EXTRA_CFLAGS="-isystem $(abspath $(BB_INC))"' > $(BB_OBJ)/keel-extra.config
	$(Q)$(MAKE) $(BB_MAKEARGS) -s defconfig > $(BB_OBJ)/defconfig.log 2>&1 || \
		{ cat $(BB_OBJ)/defconfig.log; exit 1; }
	$(Q)userworld/busybox/apply-config.sh $(abspath $(BB_SRC)) $(abspath $(BB_OBJ)) \
		userworld/busybox/keel.config $(BB_OBJ)/keel-extra.config
	$(Q)cp $(BB_SRC)/.keel-src $(BB_OBJ)/.keel-src

# BusyBox's own make decides what to rebuild; its output goes to a log shown on failure.
$(BUSYBOX): $(BB_OBJ)/.config
	@echo "  BUSYBOX $@ (log: $(UW_OUT)/busybox.log)"
	$(Q)$(MAKE) $(BB_MAKEARGS) $(bb_jobs) CC=$(UW_CC) HOSTCC=gcc busybox > $(UW_OUT)/busybox.log 2>&1 || \
		{ tail -n 60 $(UW_OUT)/busybox.log; echo "error: the BusyBox build failed" >&2; exit 1; }
	$(call uw_check_static,$(BB_OBJ)/busybox)
	$(Q)strip -o $@.tmp $(BB_OBJ)/busybox
	$(Q)mv $@.tmp $@

busybox: $(BUSYBOX)
.PHONY: busybox

# --- the initial ramdisk ------------------------------------------------------------------
# The root tree lives on in $(UW_ROOT) for inspection (and as the base for overlay initrds).
UW_ROOT      := $(UW_OUT)/rootfs
UW_ROOT_SRCS := $(shell find userworld/rootfs 2>/dev/null)

$(INITRD): $(BUSYBOX) $(UW_BINS) $(UW_ROOT_SRCS) userworld/mkinitrd.sh userworld/userworld.mk
	@echo "  INITRD  $@"
	$(Q)userworld/mkinitrd.sh tree $(UW_ROOT) $(BUSYBOX) \
		$(foreach p,$(UW_PROGS),$(UW_OUT)/$(p)=$(call uw_path,$(p)))
	$(Q)userworld/mkinitrd.sh pack $(UW_ROOT) $@

userworld: $(BUSYBOX) $(UW_BINS) $(INITRD)
initrd: $(INITRD)
.PHONY: userworld initrd

# Until tests/qemu/qemu.mk lists $(INITRD) among its images' prerequisites itself.
$(TEST_ISOS): $(INITRD)

# --- tests --------------------------------------------------------------------------------
# tests/userworld/build-check.sh also builds a throwaway overlay ISO through this Makefile.
USERWORLD_RESULTS := $(BUILD)/results/userworld-build.log

$(BUILD)/results/userworld-build.log: tests/userworld/build-check.sh $(BUSYBOX) $(UW_BINS) \
		$(INITRD) $(ISO) userworld/busybox/keel.config
	@mkdir -p $(@D)
	@echo "USERWORLD  build-check"
	@MAKE="$(MAKE)" tests/userworld/build-check.sh > $@.tmp 2>&1; echo "# exit $$?" >> $@.tmp
	@mv $@.tmp $@

userworld-results: $(USERWORLD_RESULTS)
.PHONY: userworld-results
