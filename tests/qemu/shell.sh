#!/bin/bash
# BusyBox's shell running a script as init: every "shtest:" line becomes a result.
. "$(dirname "$0")/lib.sh"
qemu_start shell bios cd 2 512 "$ROOT/build/test/sh-script.iso"
if ! wait_exit 300; then
	fail shell "QEMU did not exit; last line: $(console | tail -n 1)"
	exit 0
fi
console | sed -nE 's/^shtest: PASS (.*)$/PASS: shell\/\1/p; s/^shtest: FAIL ([^:]*): (.*)$/FAIL: shell\/\1: \2/p'
console | grep -q '^shtest: done, 0 failed$' || fail shell "no clean closing line; last: $(console | tail -n 3 | tr '\n' ' ')"
console | grep -q '^vmkernel: powering off$' || fail shell "the kernel did not power off"
