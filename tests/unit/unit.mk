# Host unit tests: cmocka, built with ASan+UBSan, linking the kernel's pure-logic sources.
#
# Each test is declared by a fragment tests/unit/<name>.mk:
#   UNIT_TESTS += <name>
#   <name>_SRCS := vmkernel/lib/foo.c ...     (kernel sources under test)
# and its cases live in tests/unit/test_<name>.c.

UNIT_TESTS :=
UNIT_RESULTS :=
include $(filter-out tests/unit/unit.mk,$(wildcard tests/unit/*.mk))

UNIT_CC     ?= gcc
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
	       -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -Ivmkernel/include -Itests/unit -DKEEL_HOST_TEST
UNIT_LIBS   := -lcmocka

UNIT_BINS := $(patsubst %,build/unit/test_%,$(UNIT_TESTS))
UNIT_RESULTS += $(patsubst %,build/results/unit-%.tap,$(UNIT_TESTS))
.SECONDARY: $(UNIT_BINS)

build/unit/test_%: tests/unit/test_%.c $$($$*_SRCS) $(wildcard vmkernel/include/vmk/*.h vmkernel/include/hv/*.h) tests/unit/unit.mk | deps
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $($*_SRCS) $(UNIT_LIBS)

# One TAP result file per test binary; tests/summarize.sh counts the cases.
build/results/unit-%.tap: build/unit/test_%
	@mkdir -p $(@D)
	@cd tests/unit && CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 \
		../../$< > ../../$@.tmp 2>&1; echo "# exit $$?" >> ../../$@.tmp
	@mv $@.tmp $@

.PHONY: unit unit-results
unit-results: $(UNIT_RESULTS)
unit: $(UNIT_RESULTS)
	@tests/summarize.sh $^
