#!/bin/bash
# Kernel self-tests in QEMU: boot build/test/selftest.iso (selftest=all), turn each
# "selftest: PASS/FAIL name" console line into a result, and require the closing line and an
# ACPI power-off that ends QEMU by itself.  Runs under BIOS with 4 CPUs and UEFI with 2.
. "$(dirname "$0")/lib.sh"
ISO=$ROOT/build/test/selftest.iso

run() {
	local fw=$1 cpus=$2 mem=$3 name="selftest-$1-${2}cpu"
	qemu_start "$name" "$fw" cd "$cpus" "$mem" "$ISO"
	if ! wait_exit 300; then
		fail "$name" "QEMU did not exit (no power-off); last line: $(console | tail -n 1)"
		return
	fi
	console | sed -nE "s/^selftest: PASS ([^:]+)(: (.*))?$/PASS: $name\/\1 (\3)/p; s/^selftest: FAIL ([^:]+)(: (.*))?$/FAIL: $name\/\1: \3/p"
	if ! console | grep -Eq '^selftest: done, [0-9]+ passed, 0 failed$'; then
		fail "$name" "no clean closing line; last line: $(console | tail -n 1)"
	elif ! console | grep -q '^vmkernel: powering off$'; then
		fail "$name" "did not power off"
	else
		pass "$name/power-off" "QEMU exited after ACPI S5"
	fi
}

run bios 4 512
run uefi 2 4096
