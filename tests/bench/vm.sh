#!/bin/bash
# make bench, VMs: the same Linux guest (Debian's cloud kernel with the test initramfs of
# tests/linux-guest/, booted with "keelbench") run directly by QEMU (TCG, -cpu max, 1 CPU:
# -kernel) and nested, under Keel in the same QEMU (keel-vm, 1 vCPU).  The guest reports its
# uptime when /init starts (boot to userspace) and the length of a CPU-bound loop in TSC
# ticks (the same clock on both sides: the nested guest cannot calibrate its TSC and keeps
# time by the ACPI PM timer; QEMU's TSC runs at a fixed rate, which Keel's log gives); keel-vm
# --stats reports the exits per second of guest run time.  Ratios are nested/direct.
. "$(dirname "$0")/../qemu/lib.sh"
B=$ROOT/build/bench
RUNS=${VM_BENCH_RUNS:-5}

field() { # log, what: "uptime" or "spin"
	case $2 in
	uptime) tr -d '\r' < "$1" | sed -nE 's/.*linux-guest: uptime at \/init ([0-9.]+).*/\1/p' | head -n 1 ;;
	spin) tr -d '\r' < "$1" | sed -nE 's/.*linux-guest: spin [0-9]+ steps in [0-9]+ ns, ([0-9]+) TSC ticks.*/\1/p' | head -n 1 ;;
	mhz) tr -d '\r' < "$1" | sed -nE 's/.*clock: TSC ([0-9.]+) MHz.*/\1/p' | head -n 1 ;;
	esac
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
fastest() { sort -g | head -n 1; }

declare -a d_up d_spin n_up n_spin
for i in $(seq 1 "$RUNS"); do
	log=$RESULTS/serial/bench-vm-direct.log
	timeout 300 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512 -display none -no-reboot \
		-kernel "$ROOT/build/linux/vmlinuz" -initrd "$B/vm/initrd.cpio.gz" \
		-append "console=ttyS0 keelbench" -serial "file:$log" > /dev/null 2>&1
	d_up+=("$(field "$log" uptime)")
	d_spin+=("$(field "$log" spin)")
	log=$RESULTS/serial/bench-vm-nested.log
	timeout 300 qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -display none -no-reboot \
		-cdrom "$B/vm-bench.iso" -serial "file:$log" > /dev/null 2>&1
	n_up+=("$(field "$log" uptime)")
	n_spin+=("$(field "$log" spin)")
	mhz=$(field "$log" mhz)
	stats=$(tr -d '\r' < "$log" | sed -n 's/^nested: keel-vm: stats: //p' | tail -n 1)
done
du=$(printf '%s\n' "${d_up[@]}" | grep . | median)
nu=$(printf '%s\n' "${n_up[@]}" | grep . | median)
ds=$(printf '%s\n' "${d_spin[@]}" | grep . | fastest)
ns=$(printf '%s\n' "${n_spin[@]}" | grep . | fastest)
ratio() { awk -v n="$1" -v d="$2" 'BEGIN { if (n > 0 && d > 0) printf "%.2f", n / d; else print "n/a" }'; }

echo
echo "VM benchmarks: the same Linux guest nested under Keel vs. directly in QEMU (TCG, -cpu max,"
echo "1 vCPU), $RUNS runs each: boot the median, the loop the fastest (a direct run now and then takes"
echo "up to 3 times as long, with nothing else running); Linux: $(cat "$ROOT/build/linux/version" 2> /dev/null)"
printf '%-26s %12s %12s %14s %s\n' benchmark direct nested nested/direct goal
printf '%-26s %12s %12s %14s %s\n' "boot to userspace (s)" "${du:-n/a}" "${nu:-n/a}" \
	"$(ratio "$nu" "$du")" "<= 1.5"
ms() { awk -v v="$1" -v m="${mhz:-0}" 'BEGIN { if (v > 0 && m > 0) printf "%.0f", v / m / 1000; else print "n/a" }'; }
printf '%-26s %12s %12s %14s %s\n' "CPU-bound loop (ms)" "$(ms "$ds")" "$(ms "$ns")" \
	"$(ratio "$ns" "$ds")" "<= 1.05"
echo "exits (last nested run): ${stats:-n/a}"
