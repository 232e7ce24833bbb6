#!/bin/bash
# A real guest as a user runs one: Keel, booted from an image whose overlay holds Debian's
# cloud kernel, a BusyBox initramfs and an /etc/rc.local.d script (tests/linux-guest/rc-vms),
# runs first one VM (linux.iso), then two at once (linux-2vms.iso), each with 2 vCPUs and a
# virtio disk, with keel-vm.  Each guest must reach userspace, see 2 CPUs, find its disk,
# write it and power off (keel-vm exits 0), and the host must read back what each guest
# wrote; /proc/keel/vms must have listed every VM with its exit counts, keel-vm --stats must
# have printed its figures, each guest must have calibrated its TSC and kept it, and
# /proc/keel/worlds must never have shown a vCPU world on CPU 0
# (QEMU's TCG: docs/hypervisor.md, known limits).  LINUX_VMS=N runs only the N-VM image.
. "$(dirname "$0")/lib.sh"

# column NAME: the index of NAME in /proc/keel/vms's header line (in $procvms)
column() {
	echo "$procvms" | awk -v want="$1" '$1 == "#" { for (i = 2; i <= NF; i++) if ($i == want) print i - 1 }'
}

run_image() { # VMS IMAGE
	local vms=$1 name=linux-${1}vm out procvms
	qemu_start "$name" bios cd 2 2048 "$2"
	if ! wait_exit 600; then
		fail "$name" "QEMU did not exit; last line: $(console | tail -n 1)"
		return
	fi
	out=$(console)
	echo "$out" | grep -q '^linux-guests: done$' || fail "$name" "the rc script did not finish"
	if echo "$out" | grep -q '^linux-guests: stuck'; then
		fail "$name/stuck" "a guest hung; last: $(echo "$out" | grep ' so far: ' | tail -n 1)"
	fi
	procvms=$(echo "$out" | sed -n 's/^procvms: //p')
	for n in $(seq 1 "$vms"); do
		check() { # what, pattern, description
			if echo "$out" | grep -q "^vm$n: $2"; then
				pass "$name/vm$n-$1" "$3"
			else
				fail "$name/vm$n-$1" "no \"$2\" on its console; last line: $(echo "$out" | grep "^vm$n" | tail -n 1)"
			fi
		}
		check boot '.*Linux version 6' "Debian's kernel booted"
		check userspace 'linux-guest: userspace up, 2 CPUs online' "userspace, 2 CPUs"
		check disk 'linux-guest: disk vda, 8192 sectors' "its virtio disk"
		check rng 'linux-guest: hwrng virtio_rng' "its virtio rng"
		check poweroff '.*ACPI: PM: Preparing to enter system sleep state S5' "ACPI power-off"
		# The TSC's rate found against the host's PM timer (hv/platform.c), and trusted.
		check tsc '.*tsc: Detected [0-9.]* MHz processor' "TSC calibrated"
		if echo "$out" | grep "^vm$n: " | grep -q 'Marking TSC unstable'; then
			fail "$name/vm$n-tsc-stable" "$(echo "$out" | grep "^vm$n: .*TSC unstable")"
		else
			pass "$name/vm$n-tsc-stable" "the guest kept its TSC"
		fi
		if echo "$out" | grep -q "^vm$n stderr: exit 0$"; then
			pass "$name/vm$n-keel-vm-exit" "keel-vm exited 0"
		else
			fail "$name/vm$n-keel-vm-exit" "$(echo "$out" | grep "^vm$n stderr" | tr '\n' ' ')"
		fi
		if echo "$out" | grep -q "^vm$n disk: written by the Linux guest: guest$n$"; then
			pass "$name/vm$n-disk-readback" "the host read what the guest wrote"
		else
			fail "$name/vm$n-disk-readback" "$(echo "$out" | grep "^vm$n disk")"
		fi
	done
	# Every VM listed with 2 vCPUs, 256 MiB (all of it in 2 MiB nested pages) and port I/O,
	# MMIO and HLT exits counted.
	local seen
	seen=$(echo "$procvms" | awk -v v="$(column vcpus)" -v m="$(column mem_mib)" \
		-v l="$(column mib_in_2m_pages)" -v io="$(column io)" -v mm="$(column mmio)" \
		-v h="$(column hlt)" \
		'$1 ~ /^[0-9]+$/ && $v == 2 && $m == 256 && $l == 256 && $io > 0 && $mm > 0 && $h > 0 { n++ } END { print n + 0 }')
	if [ "$seen" = "$vms" ]; then
		pass "$name/proc-keel-vms" "$vms VMs listed with their exit counts"
	else
		fail "$name/proc-keel-vms" "$seen of $vms VMs as expected: $(echo "$procvms" | tr '\n' '|')"
	fi
	# Under QEMU's TCG with 2 CPUs the vCPU worlds run on CPU 1 only (hv_guest_cpus).
	local vcpus
	vcpus=$(echo "$out" | sed -n 's/^vcpuworld: //p')
	if [ -n "$vcpus" ] && ! echo "$vcpus" | grep -q 'on CPU 0$'; then
		pass "$name/vcpus-off-cpu0" "$(echo "$vcpus" | tr '\n' ' ')"
	else
		fail "$name/vcpus-off-cpu0" "vCPU worlds seen: $(echo "$vcpus" | tr '\n' ' ')"
	fi
	if echo "$out" | grep -Eq '^vm1 stderr: keel-vm: stats: run [1-9][0-9]* ms, [0-9]+ exits .* io [0-9]+ \([0-9]+/s\)'; then
		pass "$name/keel-vm-stats" "$(echo "$out" | sed -n 's/^vm1 stderr: keel-vm: stats: //p')"
	else
		fail "$name/keel-vm-stats" "no stats line from keel-vm --stats"
	fi
	echo "$out" | grep -q "^vmkernel: powering off$" || fail "$name/host" "the host did not power off cleanly"
}

case ${LINUX_VMS:-} in
'') run_image 1 "$ROOT/build/test/linux.iso"
    run_image 2 "$ROOT/build/test/linux-2vms.iso" ;;
1) run_image 1 "$ROOT/build/test/linux.iso" ;;
*) run_image "$LINUX_VMS" "$ROOT/build/test/linux-${LINUX_VMS}vms.iso" ;;
esac
