#!/bin/bash
# File system calls as a user program sees them: tests/userworld/fstest run as init works in
# /root (the writable root ramfs) and in /tmp, checking each call family with good and bad
# input (bad pointers, bad descriptors, ENOENT/ENOTDIR/EISDIR/EEXIST/ENOTEMPTY, long names),
# VFS files (O_APPEND, holes, getdents64, rename, symlinks, unlink while open) and pipes
# (EOF, EPIPE, EAGAIN, PIPE_BUF atomicity).  BusyBox's ls lists a directory with stat data.
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

# fstest NAME ISO: one result per fstest check, and one for a clean end.
fstest() {
	local name=$1
	boot "$name" "$2" || return
	console | sed -nE "s/^fstest: PASS (.*)\$/PASS: $name\/\1/p; s/^fstest: FAIL ([^:]*): (.*)\$/FAIL: $name\/\1: \2/p"
	if console | grep -q '^fstest: done, 0 failed$' &&
		console | grep -q 'vmkernel: /usr/bin/fstest exited with status 0$'; then
		pass "$name"
	else
		fail "$name" "no clean closing line: $(console | grep -E '^fstest: done|exited|ended' | tr '\n' ' ')"
	fi
}

fstest fs-root "$T/fs-root.iso"
fstest fs-tmp "$T/fs-tmp.iso"

# BusyBox ls colours its output on a terminal: compare without the escapes.
if boot fs-busybox-ls "$T/fs-bbls.iso"; then
	missing=
	for re in '^-rwxr-xr-x +1 +root +root +[0-9]+ .* fstest$' '^d[rwx-]{9} .* \.$' \
		'^lrwxrwxrwx +1 +root +root +12 .* wc -> /bin/busybox$' \
		'vmkernel: /bin/busybox exited with status 0$'; do
		console | sed 's/\x1b\[[0-9;]*m//g' | grep -Eq -- "$re" || missing="$missing '$re'"
	done
	if [ -n "$missing" ]; then
		fail fs-busybox-ls "console lacks:$missing"
	else
		pass fs-busybox-ls
	fi
fi
