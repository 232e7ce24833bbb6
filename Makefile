# Keel top-level build.  `make` builds build/keel.iso; `make run` boots it in QEMU;
# `make test` runs every test layer; `make bench` prints boot-time figures.
.SECONDEXPANSION:
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD   := build
# make V=1 shows every command
Q       := $(if $(V),,@)
ISO     := $(BUILD)/keel.iso
KERNEL  := $(BUILD)/vmkernel/vmkernel.elf

all: $(ISO)

# Debian packages first (installed when root; a clear message otherwise).  A stamp keeps
# repeated builds quick; it depends on the list so a new package re-runs the check.
deps: $(BUILD)/.deps
$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(@D)
	@scripts/deps.sh
	@touch $@

include vmkernel/vmkernel.mk
include iso/iso.mk
include tests/unit/unit.mk
include tests/qemu/qemu.mk
include userworld/userworld.mk
include tests/bench/bench.mk

QEMU      := qemu-system-x86_64
QEMU_ARGS := -accel tcg -cpu max -smp 2 -m 2048 -no-reboot

run: $(ISO)
	$(QEMU) $(QEMU_ARGS) -cdrom $(ISO) -nographic

test: deps
	@tests/run.sh

bench: $(ISO)
	@ISO_TIMEOUT=$(ISO_TIMEOUT) tests/bench/boot-time.sh $(ISO)

clean:
	rm -rf $(BUILD)

.PHONY: all deps run test bench clean

# The result files tests/run.sh summarizes.
print-results:
	@echo $(UNIT_RESULTS) $(USERWORLD_RESULTS) $(QEMU_RESULTS)
.PHONY: print-results
