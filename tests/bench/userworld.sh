#!/bin/bash
# make bench, userworld half: the same static musl benchmarks (tests/bench/ub/ubench.c) on
# Keel and on Linux (Debian's unmodified cloud kernel), each booted once in the same QEMU
# configuration (TCG, -cpu max, 2 CPUs, 2 GiB), and a table of ns/op with the ratio
# Keel/Linux (lower is better; the goal is at most 1.0).
#
# A report, never a pass/fail test: a benchmark that fails on Keel (a system call it needs is
# missing, the program crashed, the boot hung) shows as "n/a (why)"; every QEMU run has a
# bounded time (BENCH_TIMEOUT seconds each, 60 by default) and the script exits 0 unless the
# images cannot be built.  Run alone it builds what it needs first (make bench-images);
# make bench runs it with BENCH_BUILT=1.
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "$0")/../qemu/lib.sh"
B=$ROOT/build/bench
KEEL_ISO=$B/keel-ubench.iso
LINUX_INITRD=$B/linux-initramfs.cpio
VMLINUZ=$ROOT/build/linux/vmlinuz
TIMEOUT=${BENCH_TIMEOUT:-60}
BENCHES="null-syscall pipe-rtt ctx-switch fork-exec page-fault"

if [ -z "${BENCH_BUILT:-}" ]; then
	# Until the top Makefile includes tests/bench/bench.mk, name it here.
	extra=
	grep -q 'tests/bench/bench.mk' "$ROOT/Makefile" || extra="-f Makefile -f tests/bench/bench.mk"
	# shellcheck disable=SC2086
	${MAKE:-make} -C "$ROOT" --no-print-directory $extra bench-images ||
		{ echo "bench: cannot build the benchmark images" >&2; exit 1; }
fi

# run_linux NAME: boot the cloud kernel with the benchmark initramfs; sets SERIAL, QEMU_PID
# (what lib.sh's wait_exit and console use), like lib.sh's qemu_start does for an ISO.
# shellcheck disable=SC2034
run_linux() {
	SERIAL=$RESULTS/serial/$1.log
	MONITOR=$RESULTS/serial/$1.mon
	rm -f "$MONITOR"
	: > "$SERIAL"
	qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -display none -no-reboot \
		-monitor "unix:$MONITOR,server,nowait" -serial "file:$SERIAL" \
		-kernel "$VMLINUZ" -initrd "$LINUX_INITRD" \
		-append "console=ttyS0 quiet panic=-1" > "$RESULTS/serial/$1.qemu" 2>&1 &
	QEMU_PID=$!
}

# finish: wait for the guest to power off; note a timeout.  Sets LOG (the console, no CRs).
finish() {
	local name=$1 t0=$SECONDS
	TIMED_OUT=
	wait_exit "$TIMEOUT" || TIMED_OUT=1
	LOG=$(console)
	echo "  $name: booted and ran for $((SECONDS - t0)) s${TIMED_OUT:+ (stopped after ${TIMEOUT} s)}"
}

# result LOG NAME: "NS" for a figure, else "n/a (why)".
result() {
	local log=$1 name=$2 line start why last
	line=$(echo "$log" | grep -E "(^|[^u])bench: $name " | tail -n 1 | sed -E 's/.*bench: //')
	# shellcheck disable=SC2086 # the words of the line
	set -- $line
	if [ $# -ge 3 ] && [ "$2" != error ]; then
		echo "$2"
		return
	fi
	start=$name
	[ "$name" = ctx-switch ] && start=pipe-rtt
	if [ "${2:-}" = error ]; then
		why=$(echo "$log" | grep -E "ubench: $start: " | tail -n 1 | sed -E "s/.*ubench: $start: //")
		echo "n/a (${why:-error $3})"
		return
	fi
	last=$(echo "$log" | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-60)
	last=${last:-(empty)}
	if ! echo "$log" | grep -q "ubench: start $start\$"; then
		if echo "$log" | grep -q 'ubench: start'; then
			echo "n/a (not reached; console ends: $last)"
		else
			echo "n/a (ubench did not run; console ends: $last)"
		fi
	else
		echo "n/a (no result: ${TIMED_OUT:+hung or }stopped during $start; console ends: $last)"
	fi
}

# The Linux baseline first.  Without its kernel (no network to the mirror on a first run)
# the Keel figures are still shown.
LINUX_LOG='' LINUX_TIMED_OUT='' LINUX_MISSING=''
if "$ROOT/scripts/get-linux-kernel.sh" > /dev/null; then
	run_linux bench-linux
	finish linux
	LINUX_LOG=$LOG
	LINUX_TIMED_OUT=$TIMED_OUT
else
	LINUX_MISSING="no Linux kernel: scripts/get-linux-kernel.sh failed"
fi

qemu_start bench-keel bios cd 2 2048 "$KEEL_ISO"
finish keel
KEEL_LOG=$LOG
KEEL_TIMED_OUT=$TIMED_OUT

echo
echo "Userworld benchmarks, ns per operation, median of 5 runs (QEMU TCG, -cpu max, 2 CPUs, 2 GiB)"
echo "Linux: $(cat "$ROOT/build/linux/version" 2> /dev/null || echo 'Debian cloud kernel')"
printf '%-13s %12s %12s %10s\n' benchmark "Linux" "Keel" "Keel/Linux"
for n in $BENCHES; do
	TIMED_OUT=$LINUX_TIMED_OUT
	if [ -n "$LINUX_MISSING" ]; then
		l="n/a ($LINUX_MISSING)"
	else
		l=$(result "$LINUX_LOG" "$n")
	fi
	TIMED_OUT=$KEEL_TIMED_OUT
	k=$(result "$KEEL_LOG" "$n")
	ratio=- notes=
	why=${l#n/a (}
	case "$l" in n/a*) notes="Linux: ${why%)}" ;; esac
	why=${k#n/a (}
	case "$k" in n/a*) notes="${notes:+$notes; }Keel: ${why%)}" ;; esac
	[ -n "$notes" ] ||
		ratio=$(awk -v k="$k" -v l="$l" 'BEGIN { if (l > 0) printf "%.2f", k / l; else print "-" }')
	printf '%-13s %12s %12s %10s%s\n' "$n" "${l%% *}" "${k%% *}" "$ratio" "${notes:+  $notes}"
done
echo "(ctx-switch is half of pipe-rtt: a 1-byte pipe ping-pong is two switches per round trip;"
echo " page-fault is per 4 KiB page of a 64 MiB anonymous mapping, huge pages off;"
echo " consoles: $RESULTS/serial/bench-linux.log, $RESULTS/serial/bench-keel.log)"
exit 0
