#!/bin/bash
# A real guest as a user runs one: Keel (booted from an image whose overlay holds Debian's
# cloud kernel, a BusyBox initramfs and an /etc/rc.local.d script) runs LINUX_VMS VMs at once
# (1, the default, in make test; 2 with linux-2vms.iso) with keel-vm, each with 2 vCPUs and a
# virtio disk (tests/linux-guest/rc-vms).  Each guest must reach userspace, see 2 CPUs, find
# its disk, write it and power off (keel-vm exits 0), and the host must read back what each
# guest wrote.
. "$(dirname "$0")/lib.sh"
VMS=${LINUX_VMS:-1}
IMAGE=$ROOT/build/test/linux.iso
[ "$VMS" = 1 ] || IMAGE=$ROOT/build/test/linux-${VMS}vms.iso

qemu_start linux bios cd 2 2048 "$IMAGE"
if ! wait_exit 600; then
	fail linux "QEMU did not exit; last line: $(console | tail -n 1)"
	exit 0
fi
out=$(console)
echo "$out" | grep -q '^linux-guests: done$' || fail linux "the rc script did not finish"
for n in $(seq 1 "$VMS"); do
	check() { # name, pattern, what
		if echo "$out" | grep -q "^vm$n: $2"; then
			pass "linux/vm$n-$1" "$3"
		else
			fail "linux/vm$n-$1" "no \"$2\" on its console; last line: $(echo "$out" | grep "^vm$n" | tail -n 1)"
		fi
	}
	check boot '.*Linux version 6' "Debian's kernel booted"
	check userspace 'linux-guest: userspace up, 2 CPUs online' "userspace, 2 CPUs"
	check disk 'linux-guest: disk vda, 8192 sectors' "its virtio disk"
	check rng 'linux-guest: hwrng virtio_rng' "its virtio rng"
	check poweroff '.*ACPI: PM: Preparing to enter system sleep state S5' "ACPI power-off"
	if echo "$out" | grep -q "^vm$n stderr: exit 0$"; then
		pass "linux/vm$n-keel-vm-exit" "keel-vm exited 0"
	else
		fail "linux/vm$n-keel-vm-exit" "$(echo "$out" | grep "^vm$n stderr" | tr '\n' ' ')"
	fi
	if echo "$out" | grep -q "^vm$n disk: written by the Linux guest: guest$n$"; then
		pass "linux/vm$n-disk-readback" "the host read what the guest wrote"
	else
		fail "linux/vm$n-disk-readback" "$(echo "$out" | grep "^vm$n disk")"
	fi
done
echo "$out" | grep -q "^vmkernel: powering off$" || fail linux/host "the host did not power off cleanly"
