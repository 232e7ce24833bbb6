#!/bin/sh
# Run inside Keel (tests/qemu/vm.sh reads the console): every test guest under keel-vm, each
# line of its console prefixed with "guest <name>: ", then "vm <name> exit <status>" and the
# reason keel-vm gave on stderr.
G=/usr/share/keel-guests

run() { # name, keel-vm arguments...
	name=$1
	shift
	keel-vm run "$@" > /tmp/out 2> /tmp/err
	rc=$?
	sed "s/^/guest $name: /" /tmp/out
	sed "s/^/vm $name stderr: /" /tmp/err
	echo "vm $name exit $rc"
}

for g in cpuid msr mmio timer hypercall; do
	run $g --kernel $G/$g.elf --mem 16
done
run portio --kernel $G/portio.elf --mem 16 --stats
run npt --kernel $G/npt.elf --mem 64
run smp --kernel $G/smp.elf --mem 16 --vcpus 2
run triple --kernel $G/hostile-triple.elf --mem 16
run badmmio --kernel $G/hostile-badmmio.elf --mem 16
run halt --kernel $G/hostile-halt.elf --mem 16
run toobig --kernel $G/cpuid.elf --mem 3072
run notakernel --kernel /usr/share/keel-tests/vm.sh --mem 16
# Two hostile guests at once (a spinner with interrupts off and an exit flood), stopped from
# outside after a while, while a third VM runs its tests to the end.
keel-vm run --kernel $G/hostile-clispin.elf --mem 16 > /tmp/spin.out 2>&1 &
spin=$!
keel-vm run --kernel $G/hostile-flood.elf --mem 16 > /tmp/flood.out 2>&1 &
flood=$!
run beside --kernel $G/timer.elf --mem 16
sleep 1
kill -INT $spin $flood
sleep 1
kill -INT $spin $flood
wait $spin
echo "vm clispin exit $? $(tail -n 1 /tmp/spin.out)"
wait $flood
echo "vm flood exit $? $(tail -n 1 /tmp/flood.out)"
echo "vm done"
