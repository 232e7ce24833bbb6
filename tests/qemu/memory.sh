#!/bin/bash
# Shared memory as a program sees it (tests/userworld/memtest): copy-on-write fork on 2 CPUs
# (isolation both ways, with a thread writing meanwhile, after mprotect, and in MemFree),
# MAP_SHARED anonymous and file mappings, binaries run from the file system's own pages, and
# /proc/keel/profile on a kernel booted with "profile".
. "$(dirname "$0")/lib.sh"

qemu_start memory bios cd 2 512 "$ROOT/build/test/memory.iso"
if ! wait_exit 300; then
	fail memory "QEMU did not exit; last line: $(console | tail -n 1)"
elif ! console | grep -q '^vmkernel: powering off$'; then
	fail memory "the kernel did not carry on to the power-off"
else
	console | sed -nE 's/^memtest: PASS (.*)$/PASS: memory\/\1/p; s/^memtest: FAIL ([^:]*): (.*)$/FAIL: memory\/\1: \2/p'
	console | grep -q '^memtest: done, 0 failed$' || fail memory "no clean closing line"
fi
