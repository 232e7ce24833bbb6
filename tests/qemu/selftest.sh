#!/bin/bash
# Kernel self-tests in QEMU: boot build/test/selftest.iso (selftest=all), turn each
# "selftest: PASS/FAIL name" console line into a result, and require the closing line and an
# ACPI power-off that ends QEMU by itself.  Runs under BIOS with 4 CPUs, UEFI with 2, the q35
# chipset (other ACPI tables and PM ports), and without an HPET (the PIT calibrates the TSC);
# then the hypervisor line without nested paging and without SVM.
. "$(dirname "$0")/lib.sh"
ISO=$ROOT/build/test/selftest.iso

# run NAME FIRMWARE CPUS MEM [extra QEMU args]
run() {
	local name="selftest-$1" fw=$2 cpus=$3 mem=$4
	shift 4
	qemu_start "$name" "$fw" cd "$cpus" "$mem" "$ISO" "$@"
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

run bios-4cpu bios 4 512
run uefi-2cpu uefi 2 4096
run q35-2cpu bios 2 512 -machine q35
run nohpet-2cpu bios 2 512 -machine pc,hpet=off
if console | grep -q '^hv: AMD SVM with nested paging$'; then
	pass selftest-nohpet-2cpu/hv-line "hv: AMD SVM with nested paging"
else
	fail selftest-nohpet-2cpu/hv-line "no 'hv: AMD SVM with nested paging' line"
fi
# QEMU's TCG with 2 CPUs: guests are kept off the boot CPU (docs/hypervisor.md, known limits).
if console | grep -q '^hv: QEMU TCG: guests kept off the boot CPU'; then
	pass selftest-nohpet-2cpu/hv-tcg-line "QEMU's TCG recognised"
else
	fail selftest-nohpet-2cpu/hv-tcg-line "no 'hv: QEMU TCG: guests kept off the boot CPU' line"
fi
if console | grep -q 'TSC calibrated against the pit$'; then
	pass selftest-nohpet-2cpu/pit-calibration
else
	fail selftest-nohpet-2cpu/pit-calibration "the TSC was not calibrated against the PIT"
fi

# Without nested paging (or without SVM) the kernel says why and runs on without VMs.
for feature in npt svm; do
	name=hv-no-$feature
	qemu_start "$name" bios cd 2 512 "$ROOT/build/test/hello.iso" -cpu "max,-$feature"
	if ! wait_exit 120; then
		fail "$name" "QEMU did not exit; last line: $(console | tail -n 1)"
	elif ! console | grep -Eq '^hv: .*: VMs are unavailable$' ||
		! console | grep -q '^vmkernel: powering off$'; then
		fail "$name" "no 'VMs are unavailable' line, or no power-off"
	else
		pass "$name" "$(console | grep '^hv: ')"
	fi
done
