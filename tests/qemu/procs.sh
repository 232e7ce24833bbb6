#!/bin/bash
# Processes and signals: fork/vfork/posix_spawn/execve/wait4, handlers, masks, SIGCHLD, kill,
# a caught SIGSEGV, and the limits: a fork bomb is refused at the process limit and an
# allocation without end is killed when memory runs out; the kernel carries on to a clean
# power-off every time.
. "$(dirname "$0")/lib.sh"
T=$ROOT/build/test

boot() {
	qemu_start "$1" bios cd 2 "${3:-512}" "$2"
	if ! wait_exit 300; then
		fail "$1" "QEMU did not exit; last line: $(console | tail -n 1)"
		return 1
	fi
	if ! console | grep -q '^vmkernel: powering off$'; then
		fail "$1" "the kernel did not carry on to the power-off"
		return 1
	fi
}

if boot procs "$T/proc-all.iso"; then
	console | sed -nE 's/^proctest: PASS (.*)$/PASS: procs\/\1/p; s/^proctest: FAIL ([^:]*): (.*)$/FAIL: procs\/\1: \2/p'
	console | grep -q '^proctest: done, 0 failed$' || fail procs "no clean closing line"
fi

if boot procs-forkbomb "$T/proc-forkbomb.iso"; then
	if console | grep -q 'process limit (512) reached' &&
		console | grep -Eq '^proctest: forkbomb refused after [0-9]+ processes, errno 11$'; then
		pass procs-forkbomb "$(console | grep '^proctest: forkbomb')"
	else
		fail procs-forkbomb "no refusal seen: $(console | grep -E 'proctest|limit' | tail -n 2)"
	fi
fi

if boot procs-oom "$T/proc-oom.iso" 256; then
	if console | grep -Eq 'proctest\): out of memory at 0x[0-9a-f]+, killed$' &&
		console | grep -q 'vmkernel: /usr/bin/proctest ended by signal 9$'; then
		pass procs-oom "killed when memory ran out, kernel carried on"
	else
		fail procs-oom "no out-of-memory kill seen: $(console | tail -n 3 | tr '\n' ' ')"
	fi
fi

if boot procs-leak "$T/proc-leak.iso"; then
	console | sed -nE 's/^proctest: PASS (.*)$/PASS: procs\/\1/p; s/^proctest: FAIL ([^:]*): (.*)$/FAIL: procs\/\1: \2/p'
	console | grep -q 'PASS spawn-1000-no-leak' || console | grep -q 'FAIL spawn-1000' ||
		fail procs-leak "no result; last: $(console | tail -n 2 | tr '\n' ' ')"
fi
