#!/bin/bash
# Reset: an image whose command line says "reboot" must reset the machine after the banner.
# QEMU runs with -no-reboot, so a working reset ends it.  On q35 the FADT has a reset register
# (port 0xcf9, value 0x0f) and the kernel must use it; on pc (ACPI 1.0 FADT) it falls back to
# port 0xcf9 itself.  The last method the kernel announced must be the expected one.  (Power-off is checked by every self-test run.)
. "$(dirname "$0")/lib.sh"

check() {
	local machine=$1 fw=$2 how=$3 name="reset-$1-$2"
	qemu_start "$name" "$fw" cd 2 256 "$ROOT/build/test/reboot.iso" -machine "$machine"
	if ! wait_exit 120; then
		fail "$name" "QEMU still running: no reset; last line: $(console | tail -n 1)"
	elif [ "$(console | grep '^vmkernel: reset through' | tail -n 1)" != "vmkernel: reset through $how" ]; then
		fail "$name" "expected a reset through $how; got: $(console | grep '^vmkernel: reset' | tr '\n' ' ')"
	else
		pass "$name" "reset through $how"
	fi
}

check q35 bios "the ACPI reset register"
check q35 uefi "the ACPI reset register"
check pc bios "port 0xcf9"
