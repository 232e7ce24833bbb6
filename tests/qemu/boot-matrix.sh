#!/bin/bash
# The boot matrix: build/keel.iso under BIOS and UEFI, 1/2/4 CPUs, 256 MiB and 4 GiB, from a
# CD-ROM; plus the raw image as a hard disk (a USB stick written with dd) under both firmwares.
# Each boot must print exactly one banner line with the CPU count and a usable-memory figure
# that fits the configured RAM (firmware keeps a little for itself, never more than 1/8).
. "$(dirname "$0")/lib.sh"
ISO=${1:-$ROOT/build/keel.iso}
BANNER='^vmkernel: [0-9]+ CPUs online, [0-9]+ MiB usable memory$'

check_boot() {
	local fw=$1 media=$2 cpus=$3 mem=$4
	local name="boot-$fw-$media-${cpus}cpu-${mem}M" line n m count
	qemu_start "$name" "$fw" "$media" "$cpus" "$mem" "$ISO"
	wait_line "$BANNER" 120
	local rc=$?
	sleep 0.5 # a second banner would show up right away
	qemu_stop
	if [ $rc != 0 ]; then
		fail "$name" "no banner line ($([ $rc = 1 ] && echo timeout || echo 'QEMU exited')); last console line: $(console | tail -n 1)"
		return
	fi
	count=$(console | grep -Ec "$BANNER")
	line=$(console | grep -E "$BANNER" | head -n 1)
	n=$(echo "$line" | sed -E 's/^vmkernel: ([0-9]+) CPUs.*/\1/')
	m=$(echo "$line" | sed -E 's/.* ([0-9]+) MiB usable memory$/\1/')
	if [ "$count" != 1 ]; then
		fail "$name" "banner printed $count times"
	elif [ "$n" != "$cpus" ]; then
		fail "$name" "banner says $n CPUs, QEMU has $cpus: $line"
	elif [ "$m" -gt "$mem" ] || [ "$m" -lt $((mem - mem / 8)) ]; then
		fail "$name" "banner says $m MiB usable of $mem MiB: $line"
	else
		pass "$name" "$line"
	fi
}

for fw in bios uefi; do
	for cpus in 1 2 4; do
		for mem in 256 4096; do
			check_boot "$fw" cd "$cpus" "$mem"
		done
	done
	check_boot "$fw" disk 2 2048
done
