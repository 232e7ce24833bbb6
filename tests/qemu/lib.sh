#!/bin/bash
# Helpers for QEMU tests: boot an image with the serial console in a file, wait for lines,
# report "PASS: name" / "FAIL: name: why" lines that tests/summarize.sh counts.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RESULTS=${RESULTS:-$ROOT/build/results}
OVMF=/usr/share/ovmf/OVMF.fd
mkdir -p "$RESULTS/serial"

pass() { echo "PASS: $1${2:+ ($2)}"; }
fail() { echo "FAIL: $1: $2"; }

# qemu_start NAME FIRMWARE(bios|uefi) MEDIA(cd|disk) CPUS MEM_MIB IMAGE [extra args...]
# Starts QEMU in the background; sets QEMU_PID and SERIAL (the console log file).
qemu_start() {
	local name=$1 fw=$2 media=$3 cpus=$4 mem=$5 image=$6
	shift 6
	MONITOR=$RESULTS/serial/$name.mon
	rm -f "$MONITOR"
	local args=(-accel tcg -cpu max -smp "$cpus" -m "$mem" -display none -no-reboot
		-monitor "unix:$MONITOR,server,nowait" -serial "file:$RESULTS/serial/$name.log")
	[ "$fw" = uefi ] && args+=(-bios "$OVMF")
	if [ "$media" = cd ]; then
		args+=(-cdrom "$image")
	else
		args+=(-drive "file=$image,format=raw,if=ide,snapshot=on")
	fi
	SERIAL=$RESULTS/serial/$name.log
	: > "$SERIAL"
	qemu-system-x86_64 "${args[@]}" "$@" > "$RESULTS/serial/$name.qemu" 2>&1 &
	QEMU_PID=$!
}

# wait_line REGEX TIMEOUT_S: wait until the console log has a line matching REGEX.
# Returns 0 when found, 1 on timeout, 2 when QEMU exited without printing it.
wait_line() {
	local re=$1 deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		tr -d '\r' < "$SERIAL" | grep -Eq -- "$re" && return 0
		if ! kill -0 "$QEMU_PID" 2>/dev/null; then
			tr -d '\r' < "$SERIAL" | grep -Eq -- "$re" && return 0
			return 2
		fi
		sleep 0.1
	done
	return 1
}

# wait_exit TIMEOUT_S: wait for QEMU to exit by itself; 0 if it did, 1 if it had to be killed.
wait_exit() {
	local deadline=$((SECONDS + $1))
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			qemu_stop
			return 1
		fi
		sleep 0.1
	done
	wait "$QEMU_PID" 2>/dev/null
	return 0
}

# monitor COMMAND: send one command to QEMU's human monitor (MONITOR, a unix socket).
monitor() {
	python3 - "$MONITOR" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
time.sleep(1)
s.close()
PY
}

qemu_stop() {
	kill "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
}

# console: the log without carriage returns
console() { tr -d '\r' < "$SERIAL"; }
