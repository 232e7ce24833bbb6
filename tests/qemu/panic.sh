#!/bin/bash
# Deliberate crashes must produce the full panic report: reason, registers, a symbolized
# backtrace through the faulting function, all CPUs stopped, then panic=poweroff ends QEMU.
. "$(dirname "$0")/lib.sh"

# check NAME CPUS "reason regex" "function that must appear in the backtrace"
check() {
	local t=$1 cpus=$2 reason=$3 fn=$4 name="panic-$1" missing=
	qemu_start "$name" bios cd "$cpus" 256 "$ROOT/build/test/$t.iso"
	if ! wait_exit 120; then
		fail "$name" "QEMU did not exit; last line: $(console | tail -n 1)"
		return
	fi
	for re in "^\*\*\* vmkernel PANIC on CPU $reason" '^RIP: 0008:ffffffff8' '^CR0: ' \
		'^Backtrace:$' "^  \[<ffffffff8[0-9a-f]+>\] $fn\+0x" '^\*\*\* all CPUs stopped$' \
		'^vmkernel: powering off$'; do
		console | grep -Eq -- "$re" || missing="$missing '$re'"
	done
	if [ -n "$missing" ]; then
		fail "$name" "report lacks:$missing"
	else
		pass "$name" "$(console | grep -E '^\*\*\* vmkernel PANIC')"
	fi
}

check pagefault 2 '0: page fault at 0xdead0000 \(page not present on write\)' test_pagefault
check pagefault-irq 2 '1 \(in interrupt\): page fault at 0xdead1000' fault_in_irq
check stackoverflow 1 '0: kernel stack overflow \(double fault, guard page 0x' recurse
