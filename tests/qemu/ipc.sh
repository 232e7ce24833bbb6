#!/bin/bash
# System V IPC on Keel (tests/userworld/ipctest) on 2 CPUs with 512 MiB: objects made until
# refused (SHMMNI, the shared memory cap, the IPC memory budget) with the memory given back,
# 300 rounds of every kind without a leak, removal while threads and processes sleep in semop
# and msgrcv, SEM_UNDO shared by threads.
. "$(dirname "$0")/lib.sh"

qemu_start ipc bios cd 2 512 "$ROOT/build/test/ipc.iso"
if ! wait_exit 300; then
	fail ipc "QEMU did not exit; last line: $(console | tail -n 1)"
elif ! console | grep -q '^vmkernel: powering off$'; then
	fail ipc "the kernel did not carry on to the power-off"
else
	console | sed -nE 's/^ipctest: PASS (.*)$/PASS: ipc\/\1/p; s/^ipctest: FAIL ([^:]*): (.*)$/FAIL: ipc\/\1: \2/p'
	console | grep -q '^ipctest: done, 0 failed$' || fail ipc "no clean closing line"
fi
