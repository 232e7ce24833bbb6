# Partition tables: GPT written by Keel and read back, judged by sgdisk -v; tables made by
# sgdisk and sfdisk read; damaged copies repaired; bad tables refused.
UNIT_TESTS += gpt
gpt_SRCS := vmkernel/block/gpt.c vmkernel/block/gpt_write.c vmkernel/block/gpt_name.c \
	    vmkernel/block/mbr.c vmkernel/block/part.c vmkernel/lib/crc32.c vmkernel/lib/guid.c

# The installer (a static musl userworld) links these same sources: they must build there too.
UNIT_RESULTS += build/results/musl-part.log
build/results/musl-part.log: $(gpt_SRCS) $(wildcard vmkernel/include/vmk/*.h) tests/unit/gpt.mk | deps
	@mkdir -p $(@D) build/unit/musl-part
	@for s in $(gpt_SRCS); do \
		if musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Ivmkernel/include -c $$s \
			-o build/unit/musl-part/$$(basename $$s).o 2>&1; then \
			echo "PASS: musl-gcc builds $$s"; else echo "FAIL: musl-gcc builds $$s"; fi; \
	done > $@.tmp; echo "# exit 0" >> $@.tmp; mv $@.tmp $@
