#!/bin/bash
# Special file systems and devices as a userworld sees them: /dev/null, zero, random,
# urandom, console and tty; getrandom(2); /proc (meminfo, uptime, cpuinfo, stat, self,
# <pid>, keel/worlds, read-only); a tmpfs on /tmp with its own st_dev.  The devtest program
# runs as init on 2 CPUs and prints one PASS/FAIL line per check.
. "$(dirname "$0")/lib.sh"
T=$ROOT/build/test

qemu_start devices bios cd 2 512 "$T/devices.iso"
if ! wait_exit 120; then
	fail devices "QEMU did not exit; last line: $(console | tail -n 1)"
	exit 0
fi
console | sed -nE 's/^devtest: PASS (.*)$/PASS: devices\/\1/p; s/^devtest: FAIL ([^:]*): (.*)$/FAIL: devices\/\1: \2/p'
console | grep -q '^devtest: done, 0 failed$' || fail devices "no clean closing line"
console | grep -q '^devtest: a line through /dev/console$' || fail devices/console-line "line not on the console"
for m in 'devtmpfs on /dev' 'proc on /proc' 'tmpfs on /tmp'; do
	if console | grep -q "mounted $m"; then pass "devices/mount ${m##* }"; else fail "devices/mount ${m##* }" "no log line"; fi
done
console | grep -q 'random: seeded from' || fail devices/random-seed "no seeding log line"
console | grep -q '^vmkernel: powering off$' || fail devices "the kernel did not carry on to the power-off"
