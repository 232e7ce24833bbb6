#!/bin/bash
# Virtual machines as a user runs them: keel-vm inside Keel (QEMU TCG, -cpu max: AMD SVM with
# nested paging) runs the test guests of tests/guest/, one per area, each reporting PASS/FAIL
# lines and a SUMMARY over its virtual UART; the hostile guests get what they deserve (their
# VM stopped with the reason, never the host), and a VM runs its tests to the end beside two
# hostile ones.  The script inside is tests/userworld/scripts/vm.sh.
. "$(dirname "$0")/lib.sh"

qemu_start vm bios cd 2 1024 "$ROOT/build/test/vm.iso"
if ! wait_exit 600; then
	fail vm "QEMU did not exit; last line: $(console | tail -n 1)"
	exit 0
fi
out=$(console)
echo "$out" | grep -q '^vm done$' || fail vm "the script did not finish; last line: $(echo "$out" | tail -n 1)"

# The area guests: every line they reported, a clean summary and keel-vm's exit status 0.
for g in cpuid msr portio mmio timer hypercall npt smp beside; do
	echo "$out" | sed -nE "s/^guest $g: PASS (.*)$/PASS: vm\/$g\/\1/p; s/^guest $g: FAIL ([^:]*)(: (.*))?$/FAIL: vm\/$g\/\1: \3/p"
	if echo "$out" | grep -q "^guest $g: SUMMARY [0-9]* passed, 0 failed" &&
		echo "$out" | grep -q "^vm $g exit 0$"; then
		pass "vm/$g" "$(echo "$out" | sed -n "s/^guest $g: SUMMARY //p")"
	else
		fail "vm/$g" "$(echo "$out" | grep "^vm $g " | tr '\n' ' ')"
	fi
done

# The portio guest read the PM timer 50000 times (PM_TMR_READS): the host's own timer, which
# the guest reads without exits (hv/platform.c, pm_timer_direct), so fewer port-I/O exits.
io=$(echo "$out" | sed -nE 's/^vm portio stderr: keel-vm: stats: .* io ([0-9]+) \(.*/\1/p')
if [ -n "$io" ] && [ "$io" -lt 50000 ]; then
	pass vm/pm-timer-direct "$io port-I/O exits for 50000 PM timer reads and the rest"
else
	fail vm/pm-timer-direct "port-I/O exits: ${io:-none reported}; $(echo "$out" | grep '^vm portio stderr' | tr '\n' ' ')"
fi

# What bad guests and bad requests get: keel-vm's status and its reason.
expect() { # name, status, reason pattern, what
	if echo "$out" | grep -q "^vm $1 exit $2" && echo "$out" | grep "^vm $1 " | grep -qi "$3"; then
		pass "vm/$1" "$4"
	else
		fail "vm/$1" "want exit $2 and \"$3\"; got: $(echo "$out" | grep "^vm $1 " | tr '\n' ' ')"
	fi
}
expect triple 2 "triple fault" "a triple fault stops that VM"
expect badmmio 2 "not emulated" "MMIO by an unsupported instruction stops that VM with the reason"
expect halt 2 "halted" "HLT with interrupts off on every vCPU stops that VM"
expect toobig 1 "not enough host memory" "more memory than the host has is refused before the VM starts"
expect notakernel 1 "not a bzImage or ELF64" "a file that is no kernel is refused"
expect clispin 2 "stopped" "a guest spinning with interrupts off is stopped from outside"
expect flood 2 "stopped" "a guest flooding exits is stopped from outside"
echo "$out" | grep -q "^vmkernel: powering off$" || fail vm/host "the host did not power off cleanly"
