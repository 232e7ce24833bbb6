#!/bin/bash
# make bench: seconds from QEMU start to the banner line, median of 5 runs, under BIOS and UEFI
# (build/keel.iso from the CD-ROM, 2 CPUs, 2 GiB, TCG).  A figure, not a pass/fail test.
# The ISO's GRUB menu waits ISO_TIMEOUT seconds (2 by default) before booting; that wait is
# included, as a user sees it, and also shown subtracted.
. "$(dirname "$0")/../qemu/lib.sh"
ISO=${1:-$ROOT/build/keel.iso}
RUNS=5
MENU_WAIT=${ISO_TIMEOUT:-2}
BANNER='^vmkernel: [0-9]+ CPUs online, [0-9]+ MiB usable memory$'

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

printf '%-6s %8s %8s %8s   %s\n' firmware median min max "runs (s, QEMU start to banner)"
for fw in bios uefi; do
	times=()
	for i in $(seq $RUNS); do
		start=$(date +%s%N)
		qemu_start "bench-$fw-$i" "$fw" cd 2 2048 "$ISO"
		if wait_line "$BANNER" 120; then
			end=$(date +%s%N)
			times+=("$(awk -v d=$((end - start)) 'BEGIN {printf "%.2f", d / 1e9}')")
		else
			times+=("fail")
		fi
		qemu_stop
	done
	ok=$(printf '%s\n' "${times[@]}" | grep -v fail)
	printf '%-6s %8s %8s %8s   %s\n' "$fw" "$(echo "$ok" | median)" \
		"$(echo "$ok" | sort -n | head -n 1)" "$(echo "$ok" | sort -n | tail -n 1)" "${times[*]}"
done
echo "(each figure includes the GRUB menu's ${MENU_WAIT} s wait before the kernel is loaded)"
