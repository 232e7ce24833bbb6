#!/bin/bash
# Shares, limit and reservation measured on CPU-bound userworlds, on 1 CPU and on 2 CPUs
# (the spinners share the last CPU), set through /dev/keel.
. "$(dirname "$0")/lib.sh"
for cpus in 1 2; do
	name=sched-${cpus}cpu
	qemu_start "$name" bios cd "$cpus" 512 "$ROOT/build/test/sched.iso"
	if ! wait_exit 300; then
		fail "$name" "QEMU did not exit; last line: $(console | tail -n 1)"
		continue
	fi
	console | sed -nE "s/^schedtest: PASS ([^ ]*) \((.*)\)$/PASS: $name\/\1 (\2)/p; s/^schedtest: FAIL ([^ ]*) \((.*)\)$/FAIL: $name\/\1: \2/p"
	console | grep -q '^schedtest: done, 0 failed$' || fail "$name" "no clean closing line"
done
