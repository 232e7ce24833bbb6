# Kernel symbol table: lookup (cmocka) and scripts/gen-ksyms.sh (shell check, PASS/FAIL lines).
UNIT_TESTS += ksyms
ksyms_SRCS := vmkernel/lib/ksyms.c

build/results/unit-gen-ksyms.log: tests/unit/gen-ksyms-check.sh scripts/gen-ksyms.sh \
				  vmkernel/lib/ksyms.c vmkernel/include/vmk/ksyms.h
	@mkdir -p $(@D)
	@tests/unit/gen-ksyms-check.sh > $@.tmp 2>&1; echo "# exit $$?" >> $@.tmp
	@mv $@.tmp $@

# Counted by the summary of `make unit` along with the cmocka results.
UNIT_RESULTS += build/results/unit-gen-ksyms.log
