# vmkernel build: freestanding gcc, higher-half image linked in two passes so the
# kernel carries its own symbol table for backtraces (scripts/gen-ksyms.sh).

KCC      := gcc
KLD      := ld
KOBJDIR  := $(BUILD)/vmkernel
GCC_INC  := $(shell $(KCC) -print-file-name=include)

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
	   -isystem $(GCC_INC) -isystem vmkernel/include/klibc \
	   -Ivmkernel/include -Ivmkernel/arch/x86_64/include -I$(KOBJDIR) \
	   -mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-avx -mno-3dnow \
	   -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	   -fno-asynchronous-unwind-tables -fno-strict-aliasing -fcf-protection=none \
	   -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP
KASFLAGS := -D__ASSEMBLER__ -Ivmkernel/include -Ivmkernel/arch/x86_64/include -MMD -MP
KLDFLAGS := --no-warn-rwx-segments -n -nostdlib -z max-page-size=0x1000 -z noexecstack -T vmkernel/arch/x86_64/linker.ld

KSRCS := $(sort $(shell find vmkernel -name '*.c')) $(sort $(shell find vmkernel -name '*.S'))
KOBJS := $(patsubst vmkernel/%,$(KOBJDIR)/%.o,$(KSRCS)) $(KOBJDIR)/font.o
include vmkernel/hv/dev/dsdt.mk
KOBJS += $(HV_DSDT_OBJ)

# keel_version.h changes only when `git describe` does, so a commit rebuilds one file.
KEEL_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(KOBJDIR)/keel_version.h: FORCE
	@mkdir -p $(@D)
	@echo '#define KEEL_VERSION "$(KEEL_VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(KOBJDIR)/kern/main.c.o: $(KOBJDIR)/keel_version.h
FORCE:
.PHONY: FORCE

$(KOBJDIR)/%.c.o: vmkernel/%.c | deps
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(KCC) $(KCFLAGS) -c $< -o $@

$(KOBJDIR)/%.S.o: vmkernel/%.S | deps
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(KCC) $(KASFLAGS) -c $< -o $@

# The console font comes from Debian's console-setup-linux at build time.
KFONT := /usr/share/consolefonts/Lat15-Terminus16.psf.gz
$(KOBJDIR)/font.psf: | deps
	@mkdir -p $(@D)
	$(Q)gzip -dc $(KFONT) > $@
$(KOBJDIR)/font.o: $(KOBJDIR)/font.psf
	$(Q)cd $(KOBJDIR) && $(KLD) -r -b binary -o font.o font.psf

# Pass 1 links with an empty symbol table, pass 2 with the real one; the table sits
# last in .rodata, so no text address moves between the passes (checked below).
$(KOBJDIR)/ksyms0.S: scripts/gen-ksyms.sh
	@mkdir -p $(@D)
	$(Q)scripts/gen-ksyms.sh > $@
$(KOBJDIR)/pass1.elf: $(KOBJS) $(KOBJDIR)/ksyms0.S.o vmkernel/arch/x86_64/linker.ld
	@echo "  LD      $@"
	$(Q)$(KLD) $(KLDFLAGS) -o $@ $(KOBJS) $(KOBJDIR)/ksyms0.S.o
$(KOBJDIR)/ksyms1.S: $(KOBJDIR)/pass1.elf scripts/gen-ksyms.sh
	$(Q)scripts/gen-ksyms.sh $< > $@
$(KOBJDIR)/%.S.o: $(KOBJDIR)/%.S
	$(Q)$(KCC) $(KASFLAGS) -c $< -o $@
$(KERNEL): $(KOBJDIR)/pass1.elf $(KOBJDIR)/ksyms1.S.o
	@echo "  LD      $@"
	$(Q)$(KLD) $(KLDFLAGS) -o $@ $(KOBJS) $(KOBJDIR)/ksyms1.S.o
	@scripts/gen-ksyms.sh $@ | cmp -s - $(KOBJDIR)/ksyms1.S || \
		{ echo "vmkernel: text moved between link passes" >&2; rm -f $@; exit 1; }

kernel: $(KERNEL)
.PHONY: kernel

-include $(KOBJS:.o=.d)
