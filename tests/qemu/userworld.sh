#!/bin/bash
# Userworlds as a user sees them: unmodified static musl programs started as init from the
# initrd (BusyBox from Debian's source, our hello, the uwtest program layered in through an
# image overlay).  Bad pointers get EFAULT; a program that faults, divides by zero, runs a
# privileged instruction, writes read-only memory or jumps into its stack is ended with the
# right signal and a log line, and the kernel carries on to a clean power-off.
. "$(dirname "$0")/lib.sh"
T=$ROOT/build/test

# boot NAME ISO: run the image to its power-off; sets SERIAL.
boot() {
	qemu_start "$1" bios cd 2 512 "$2"
	if ! wait_exit 120; then
		fail "$1" "QEMU did not exit; last line: $(console | tail -n 1)"
		return 1
	fi
	if ! console | grep -q '^vmkernel: powering off$'; then
		fail "$1" "the kernel did not carry on to the power-off"
		return 1
	fi
}

# expect NAME ISO REGEX...: every regex must match a console line.
expect() {
	local name=$1 iso=$2 missing=
	shift 2
	boot "$name" "$iso" || return
	for re in "$@"; do
		console | grep -Eq -- "$re" || missing="$missing '$re'"
	done
	if [ -n "$missing" ]; then
		fail "$name" "console lacks:$missing"
	else
		pass "$name"
	fi
}

expect uw-hello "$T/hello.iso" '^hello from userworld$' '^argv\[1\]=one$' \
	'^argv\[2\]=two words$' 'vmkernel: /usr/bin/hello exited with status 0$'
expect uw-busybox-echo "$T/bbecho.iso" '^hello from busybox$' \
	'vmkernel: /bin/busybox exited with status 0$'

if boot uw-syscalls "$T/uw-ok.iso"; then
	console | sed -nE 's/^uwtest: PASS (.*)$/PASS: uw-syscalls\/\1/p; s/^uwtest: FAIL ([^:]*): (.*)$/FAIL: uw-syscalls\/\1: \2/p'
	console | grep -q '^uwtest: done, 0 failed$' || fail uw-syscalls "no clean closing line"
	console | grep -q 'unsupported system call 999$' || fail uw-syscalls "unknown call not logged"
fi

# crash CASE SIGNAL WHAT: the process ends with SIGNAL, the log says why.
crash() {
	expect "uw-$1" "$T/uw-$1.iso" "pid 1 \(uwtest\) killed by signal $2: $3" \
		"vmkernel: /usr/bin/uwtest ended by signal $2$"
}
crash segv 11 'page fault at 0x10 '
crash kernel-read 11 'page fault at 0xffffffff80200000 '
crash divzero 8 'divide error'
crash privileged 11 'general protection'
crash write-rodata 11 'page fault at 0x'
crash exec-stack 11 'page fault at 0x7ff'
expect uw-exit-status "$T/uw-exit7.iso" 'vmkernel: /usr/bin/uwtest exited with status 7$'
