#!/bin/bash
# Host PCI. 1) selftest=pci-irq with QEMU's edu device on i440fx and q35: INTx through the
# IOAPIC and MSI, each delivered to a chosen CPU. 2) /proc/bus/pci/devices under Keel and
# under Debian's unmodified cloud kernel, in the same QEMU configuration (run in parallel),
# on both machines: every line must match except the driver column (Linux binds drivers Keel
# does not have yet). The IRQ column is compared for the functions Linux leaves unbound: for
# a bound one Linux replaces the firmware's Interrupt Line with its ACPI _PRT routing (GSI
# 16-23 on q35) or an MSI IRQ number, which Keel, without an AML interpreter, cannot show.
. "$(dirname "$0")/lib.sh"
T=$ROOT/build/test
VMLINUZ=$ROOT/build/linux/vmlinuz
LIMIT=${PCI_TIMEOUT:-300}
IMG=$RESULTS/serial/pci-blk.img
truncate -s 4M "$IMG"

# The devices both kernels see: storage, NICs, edu, and a device behind a PCI bridge.
devices() {
	local m=$1
	echo -drive "file=$IMG,format=raw,if=none,id=vd0,snapshot=on" -device virtio-blk-pci,drive=vd0
	echo -drive "file=$IMG,format=raw,if=none,id=nv0,snapshot=on" -device nvme,drive=nv0,serial=KEELPCI1
	echo -device e1000 -device e1000e -device edu
	echo -device pci-bridge,id=br1,chassis_nr=1 -device edu,bus=br1,addr=3
	[ "$m" = q35 ] && echo -device ich9-ahci
}

for m in pc q35; do
	qemu_start "pci-irq-$m" bios cd 2 512 "$T/pci-irq.iso" -M "$m" -device edu
	wait_exit "$LIMIT" || fail "pci-irq-$m" "did not power off within $LIMIT s"
	console | grep -q '^selftest: done' || fail "pci-irq-$m" "no summary; last line: $(console | tail -n 1)"
	console | sed -nE "s/^selftest: PASS ([^:]*)(: (.*))?$/PASS: \1-$m (\3)/p; s/^selftest: FAIL ([^:]*): (.*)$/FAIL: \1-$m: \2/p"
done

if [ ! -s "$VMLINUZ" ]; then
	fail pci-linux "no Linux kernel to compare with ($VMLINUZ: scripts/get-linux-kernel.sh)"
	exit 0
fi
# lines LOG: /proc/bus/pci/devices lines, sorted by bus/devfn.
lines() { tr -d '\r' < "$1" | sed -n 's/^pcidev: //p' | sort; }
for m in pc q35; do
	read -r -a dev <<< "$(devices "$m" | tr '\n' ' ')"
	qemu_start "pci-keel-$m" bios cd 2 1024 "$T/pci-list.iso" -M "$m" "${dev[@]}"
	KEEL_PID=$QEMU_PID KEEL_LOG=$SERIAL
	LINUX_LOG=$RESULTS/serial/pci-linux-$m.log
	: > "$LINUX_LOG"
	# The same CD-ROM as Keel's (on the built-in IDE/AHCI controller), so nothing differs.
	qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -display none -no-reboot -M "$m" \
		-serial "file:$LINUX_LOG" -cdrom "$T/pci-list.iso" "${dev[@]}" \
		-kernel "$VMLINUZ" -initrd "$T/uwtest.initrd.cpio" \
		-append "console=ttyS0 quiet panic=-1 rdinit=/bin/sh -- /usr/share/keel-tests/pci.sh" \
		> "$RESULTS/serial/pci-linux-$m.qemu" 2>&1 &
	LINUX_PID=$!
	QEMU_PID=$LINUX_PID SERIAL=$LINUX_LOG
	wait_exit "$LIMIT" || fail "pci-linux-$m" "Linux did not finish within $LIMIT s"
	QEMU_PID=$KEEL_PID SERIAL=$KEEL_LOG
	wait_exit "$LIMIT" || fail "pci-keel-$m" "Keel did not power off within $LIMIT s"
	grep -q '^pci: end' "$LINUX_LOG" || fail "pci-linux-$m" "no listing under Linux"
	grep -q '^pci: end' "$KEEL_LOG" || fail "pci-keel-$m" "no listing under Keel"
	linux=$(lines "$LINUX_LOG")
	keel=$(lines "$KEEL_LOG")
	[ -n "$linux" ] || { fail "pci-$m" "no lines under Linux"; continue; }
	while IFS=$'\t' read -r -a l; do
		k=$(echo "$keel" | awk -F'\t' -v a="${l[0]}" '$1 == a')
		if [ -z "$k" ]; then
			fail "pci-$m/${l[0]}" "only Linux lists it: ${l[*]:0:2}"
			continue
		fi
		IFS=$'\t' read -r -a kk <<< "$k"
		want=$(printf '%s ' "${l[@]:0:2}" "${l[@]:3:14}")
		got=$(printf '%s ' "${kk[@]:0:2}" "${kk[@]:3:14}")
		# The boot VGA device: Linux shows its ROM as the BIOS's shadow copy at 0xc0000
		# (IORESOURCE_ROM_SHADOW, flag 2, arch/x86/pci/fixup.c), not the ROM BAR.
		if [ "$(echo "${l[9]}" | tr -d ' ')" = c0002 ]; then
			want=$(printf '%s ' "${l[@]:0:2}" "${l[@]:3:6}" "${l[@]:10:6}")
			got=$(printf '%s ' "${kk[@]:0:2}" "${kk[@]:3:6}" "${kk[@]:10:6}")
		fi
		irq=ok
		[ -z "${l[17]}" ] && [ "${l[2]}" != "${kk[2]}" ] && irq="Keel IRQ ${kk[2]}, Linux ${l[2]}"
		if [ "$want" = "$got" ] && [ "$irq" = ok ]; then
			pass "pci-$m/${l[0]}" "${l[1]} irq ${kk[2]}${l[17]:+ (Linux: ${l[2]}, driver ${l[17]})}"
		else
			fail "pci-$m/${l[0]}" "${irq}; Keel: $got; Linux: $want"
		fi
	done <<< "$linux"
	echo "$keel" | while IFS=$'\t' read -r a rest; do
		echo "$linux" | awk -F'\t' -v a="$a" '$1 == a { f = 1 } END { exit !f }' ||
			fail "pci-$m/$a" "only Keel lists it"
	done
	grep -q '^pcikeel: 0000:00:00.0 ' "$KEEL_LOG" && pass "pci-$m/keel-listing" ||
		fail "pci-$m/keel-listing" "/proc/keel/pci has no host bridge line"
done
