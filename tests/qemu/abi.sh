#!/bin/bash
# The Linux ABI, compared with Linux: the same static musl test programs (tests/userworld/
# abi-*, run one after another by abirun) under Keel and under Debian's unmodified cloud
# kernel, both in QEMU (TCG, -cpu max, 2 CPUs, 1 GiB), at the same time.  Every program prints
# "abi AREA/CASE: TEXT" lines; a case passes when Keel prints the same TEXT as Linux, and each
# program must end the same way on both ("abirun: NAME exit N").
. "$(dirname "$0")/lib.sh"
T=$ROOT/build/test
VMLINUZ=$ROOT/build/linux/vmlinuz
LIMIT=${ABI_TIMEOUT:-600}

# results LOG: "CASE<TAB>TEXT" for each result line, the runner's ends as run/NAME.
results() {
	tr -d '\r' < "$1" | sed -nE 's/^abi ([^: ]+): (.*)$/\1\t\2/p; s/^abirun: (abi-[^ ]+) (.*)$/run\/\1\t\2/p'
}

if [ ! -s "$VMLINUZ" ]; then
	fail abi "no Linux kernel to compare with ($VMLINUZ: scripts/get-linux-kernel.sh)"
	exit 0
fi
qemu_start abi-keel bios cd 2 1024 "$T/abi.iso"
KEEL_PID=$QEMU_PID KEEL_LOG=$SERIAL
LINUX_LOG=$RESULTS/serial/abi-linux.log
: > "$LINUX_LOG"
qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -display none -no-reboot \
	-serial "file:$LINUX_LOG" -kernel "$VMLINUZ" -initrd "$T/uwtest.initrd.cpio" \
	-append "console=ttyS0 quiet panic=-1 rdinit=/usr/bin/abirun" \
	> "$RESULTS/serial/abi-linux.qemu" 2>&1 &
LINUX_PID=$!

QEMU_PID=$LINUX_PID SERIAL=$LINUX_LOG
wait_exit "$LIMIT" || fail abi-linux "Linux did not power off within $LIMIT s; last line: $(console | tail -n 1)"
QEMU_PID=$KEEL_PID SERIAL=$KEEL_LOG
wait_exit "$LIMIT" || fail abi-keel "Keel did not power off within $LIMIT s; last line: $(console | tail -n 1)"

grep -q '^abirun: done' "$LINUX_LOG" || fail abi-linux "abirun did not finish under Linux"
grep -q '^abirun: done' "$KEEL_LOG" || fail abi-keel "abirun did not finish under Keel"
grep -q '^vmkernel: powering off' "$KEEL_LOG" || fail abi-keel "the kernel did not carry on to the power-off"

linux=$(results "$LINUX_LOG")
keel=$(results "$KEEL_LOG")
[ -n "$linux" ] || { fail abi "no result lines under Linux"; exit 0; }
# A case name said twice could hide a difference: the programs must not do it.
for dup in $(echo "$linux" | cut -f1 | sort | uniq -d); do
	fail "abi/$dup" "printed more than once under Linux"
done
# Every case Linux reports, in its order; then what only Keel reports.
while IFS=$'\t' read -r name want; do
	got=$(echo "$keel" | awk -F'\t' -v n="$name" '$1 == n { sub(/^[^\t]*\t/, ""); print; exit }')
	if [ "$got" = "$want" ]; then
		pass "abi/$name" "$want"
	elif [ -z "$(echo "$keel" | awk -F'\t' -v n="$name" '$1 == n')" ]; then
		fail "abi/$name" "Keel printed nothing; Linux: $want"
	else
		fail "abi/$name" "Keel: $got; Linux: $want"
	fi
done <<< "$linux"
echo "$keel" | while IFS=$'\t' read -r name got; do
	echo "$linux" | awk -F'\t' -v n="$name" '$1 == n { f = 1 } END { exit !f }' ||
		fail "abi/$name" "only Keel printed it: $got"
done
