# Virtual machines (tests/qemu/vm.sh): the test guests of tests/guest/ (freestanding ELF64
# programs, one per area, reporting over their UART) run with keel-vm inside Keel, and the
# hostile ones show what bad guests get.  They go into the test overlay as
# /usr/share/keel-guests/<name>.elf; tests/userworld/scripts/vm.sh runs them.
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -no-pie -mno-red-zone \
		-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib \
		-static -Wall -Wextra -Werror -Wl,-T,tests/guest/lib/guest.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments
GUEST_LIB    := tests/guest/lib/start.S tests/guest/lib/guest.c
GUEST_SRCS   := $(wildcard tests/guest/*.c tests/guest/hostile/*.c)
GUEST_ELFS   := $(patsubst tests/guest/%.c,$(UWTEST_OVERLAY)/usr/share/keel-guests/%.elf,$(subst hostile/,hostile-,$(GUEST_SRCS)))

$(UWTEST_OVERLAY)/usr/share/keel-guests/hostile-%.elf: tests/guest/hostile/%.c $(GUEST_LIB) \
		tests/guest/lib/guest.h tests/guest/lib/guest.ld | deps
	@mkdir -p $(@D)
	@echo "  GUEST   $@"
	$(Q)gcc $(GUEST_CFLAGS) -o $@ $< $(GUEST_LIB)
$(UWTEST_OVERLAY)/usr/share/keel-guests/%.elf: tests/guest/%.c $(GUEST_LIB) \
		tests/guest/lib/guest.h tests/guest/lib/guest.ld | deps
	@mkdir -p $(@D)
	@echo "  GUEST   $@"
	$(Q)gcc $(GUEST_CFLAGS) -o $@ $< $(GUEST_LIB)
$(UWTEST_INITRD): $(GUEST_ELFS)

$(BUILD)/test/vm.iso: $(UW_TEST_ISO_DEPS)
	$(call uw_test_iso,$@,init=/bin/sh poweroff -- /usr/share/keel-tests/vm.sh)
TEST_ISOS += $(BUILD)/test/vm.iso
QEMU_SUITES += vm
