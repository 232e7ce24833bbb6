#!/bin/bash
# init (pid 1): boot with no init= so the kernel starts /sbin/init, as on a real host.
#  - init-poweroff.iso / init-reboot.iso (tests/qemu/suites/init.mk, overlay
#    tests/qemu/init-overlay/ and init-rc/): services of every kind, rc.local.d, restart
#    backoff, orphan and zombie reaping, then poweroff resp. reboot from the last rc.local.d script with an
#    orderly stop (SIGTERM, SIGKILL after 5 s).
#  - build/keel.iso: the default configuration reaches "keel: ready" and stays up.
#  - the acceptance scenario: a static musl program built here, outside the project, put in an
#    overlay with an rc.local.d script, and an image made with `make ISO_OVERLAY=DIR ISO_OUT=`.
. "$(dirname "$0")/lib.sh"
T=$ROOT/build/test
READY='^keel: ready$'

# expect NAME REGEX WHAT: one PASS/FAIL for a console line.
expect() {
	if console | grep -Eq -- "$2"; then
		pass "$1" "$3"
	else
		fail "$1" "no line matching '$2'"
	fi
}

# line_no REGEX: the console line number of the first match (0 if none).
line_no() { console | grep -En -- "$1" | head -n 1 | cut -d: -f1 | sed 's/^$/0/'; }

# after NAME REGEX: the first line matching REGEX comes after "keel: ready".
after_ready() {
	local r l
	r=$(line_no "$READY")
	l=$(line_no "$2")
	if [ -n "$l" ] && [ -n "$r" ] && [ "$l" -gt "$r" ]; then
		pass "$1" "line $l, after keel: ready at line $r"
	else
		fail "$1" "'$2' at line ${l:-none}, keel: ready at line ${r:-none}"
	fi
}

ready_once() {
	local n
	n=$(console | grep -Ec "$READY")
	if [ "$n" = 1 ]; then
		pass "$1-ready-once"
	else
		fail "$1-ready-once" "keel: ready printed $n times"
	fi
}

# --- the power-off image: everything but reboot ------------------------------------------
qemu_start init-poweroff bios cd 2 512 "$T/init-poweroff.iso"
if ! wait_exit 300; then
	fail init-poweroff "QEMU did not exit; last line: $(console | tail -n 1)"
else
	expect init-started '^\[ *[0-9.]+\] vmkernel: started /sbin/init as pid 1$' "the kernel's default init"
	ready_once init
	expect init-bad-line '^init: /etc/keel/services:4: mode must be respawn or once, skipped$' "a bad services line is reported and skipped"
	o=$(line_no '^inittest: setup ran$')
	r=$(line_no "$READY")
	if [ "${o:-0}" -gt 0 ] && [ "$o" -lt "${r:-0}" ] &&
		[ "$(line_no '^init: service setup exited with status 0$')" -lt "$r" ]; then
		pass init-once-before-ready "a once service finishes before keel: ready"
	else
		fail init-once-before-ready "setup at line ${o:-none}, ready at ${r:-none}"
	fi
	expect init-signal-logged '^init: service selfkill killed by signal 10$' "a service killed by a signal is logged"
	# backoff: 1, 2, 4, 8 s in order
	got=$(console | sed -nE 's/^init: service crasher exited with status 3 \(restart in ([0-9]+) s\)$/\1/p' | head -n 4 | tr '\n' ' ')
	if [ "$got" = "1 2 4 8 " ]; then
		pass init-respawn-backoff "crasher restarted after 1 2 4 ... s"
	else
		fail init-respawn-backoff "restart delays seen: '$got'"
	fi
	n=$(console | grep -c '^inittest: crasher started$')
	[ "$n" -ge 4 ] && pass init-respawn-restarts "$n runs" || fail init-respawn-restarts "only $n runs"
	after_ready init-rclocal-runs '^inittest: rc.local.d hello, setup-done=ok$'
	expect init-rclocal-status '^init: rc.local.d/30-fail exited with status 5$' "exit status of an rc.local.d program"
	if console | grep -q 'notexec ran'; then
		fail init-rclocal-skips-nonexec "a non-executable rc.local.d file ran"
	else
		pass init-rclocal-skips-nonexec
	fi
	# rc.local.d programs run one at a time, in name order
	a=$(line_no '^init: rc.local.d/10-hello exited'); b=$(line_no '^inittest: zombies while')
	c=$(line_no '^init: rc.local.d/20-zombies exited'); d=$(line_no '^inittest: rc.local.d fail runs')
	if [ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ -n "$d" ] && [ "$a" -lt "$b" ] && [ "$c" -lt "$d" ]; then
		pass init-rclocal-order
	else
		fail init-rclocal-order "lines $a $b $c $d"
	fi
	z0=$(console | sed -nE 's/^inittest: zombies while the orphan sleeps: ([0-9]+)$/\1/p')
	z1=$(console | sed -nE 's/^inittest: zombies after [0-9]+ s: ([0-9]+)$/\1/p')
	if [ "${z0:-0}" -ge 1 ] && [ "$z1" = 0 ]; then
		pass init-reaps-orphans "$z0 zombie(s) under the orphan, none once it ended"
	else
		fail init-reaps-orphans "zombies before: '${z0}', after: '${z1}'"
	fi
	# the status screen: shown at ready, plain text
	s=$(line_no '^\| Services:')
	if [ -n "$s" ] && [ "$s" -gt "${r:-0}" ] && console | grep -Eq '^\|   stubborn +running \(pid [0-9]+\) +\|$'; then
		pass init-status-screen "$(console | grep -E '^\| CPUs:' | head -n 1)"
	else
		fail init-status-screen "no status screen after keel: ready"
	fi
	if console | grep -E '^(\||\+-)' | grep -q $'\033'; then
		fail init-status-plain "escape codes in the status screen"
	else
		pass init-status-plain
	fi
	n=$(console | grep -c '^| Keel ')
	[ "$n" -le 4 ] && pass init-status-rate "shown $n time(s)" || fail init-status-rate "shown $n times in about 20 s"
	# orderly power-off
	expect init-poweroff-term '^inittest: polite got TERM$' "services get SIGTERM"
	expect init-poweroff-kill '^init: processes still running after 5 s: sending SIGKILL$' "SIGKILL after 5 s"
	expect init-poweroff-stubborn '^init: service stubborn killed by signal 9$' "the stubborn service is killed"
	p=$(line_no '^init: powering off$'); k=$(line_no '^vmkernel: powering off$')
	if [ -n "$p" ] && [ -n "$k" ] && [ "$p" -lt "$k" ]; then
		pass init-poweroff "init powered off after stopping services; QEMU exited"
	else
		fail init-poweroff "no 'init: powering off' then 'vmkernel: powering off'"
	fi
fi

# --- the reboot image --------------------------------------------------------------------
qemu_start init-reboot bios cd 2 512 "$T/init-reboot.iso"
if ! wait_exit 300; then
	fail init-reboot "QEMU did not exit; last line: $(console | tail -n 1)"
else
	ready_once init-reboot
	p=$(line_no '^init: rebooting$'); k=$(line_no '^vmkernel: resetting$')
	if console | grep -q '^init: reboot: stopping services$' && [ -n "$p" ] && [ -n "$k" ] &&
		[ "$p" -lt "$k" ] && ! console | grep -q '^vmkernel: powering off$'; then
		pass init-reboot "reboot from rc.local.d: orderly stop, then the kernel's reset"
	else
		fail init-reboot "no orderly reset: $(console | grep -E '^(init|vmkernel):' | tail -n 3 | tr '\n' ' ')"
	fi
fi

# --- the default image: ready, then up until someone asks otherwise ------------------------
qemu_start init-default bios cd 2 512 "$ROOT/build/keel.iso"
wait_line "$READY" 120
rc=$?
if [ $rc = 0 ]; then
	sleep 8
	if ! kill -0 "$QEMU_PID" 2>/dev/null; then
		fail init-default "QEMU exited by itself after keel: ready"
	elif console | grep -Eq 'powering off|resetting|PANIC'; then
		fail init-default "$(console | grep -E 'powering off|resetting|PANIC' | head -n 1)"
	elif ! console | grep -Eq '^vmkernel: [0-9]+ CPUs online, [0-9]+ MiB usable memory$'; then
		fail init-default "no kernel banner"
	else
		pass init-default "banner, keel: ready, still running 8 s later"
	fi
	ready_once init-default
	expect init-default-status '^\| Services: none +\|$' "status screen with no services"
else
	fail init-default "no keel: ready ($([ $rc = 1 ] && echo timeout || echo 'QEMU exited')); last: $(console | tail -n 1)"
fi
qemu_stop

# --- acceptance: a user's own static musl program through ISO_OVERLAY ------------------------
U=$T/user-overlay
rm -rf "$U" "$T/user-overlay.src"
mkdir -p "$U/opt/demo" "$U/etc/rc.local.d" "$T/user-overlay.src"
cat > "$T/user-overlay.src/demo.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	printf("user-demo: hello from a user program, pid %d, parent %d\n", getpid(), getppid());
	return 0;
}
C
cat > "$U/etc/rc.local.d/50-demo" <<'SH'
#!/bin/sh
/opt/demo/demo
poweroff
SH
chmod 0755 "$U/etc/rc.local.d/50-demo"
if ! musl-gcc -static -O2 -o "$U/opt/demo/demo" "$T/user-overlay.src/demo.c"; then
	fail init-user-overlay "musl-gcc -static failed"
elif ! (cd "$ROOT" && make -s ISO_OVERLAY=build/test/user-overlay ISO_OUT=build/test/user-overlay.iso) \
	> "$T/user-overlay.make.log" 2>&1; then
	fail init-user-overlay "make ISO_OVERLAY failed: $(tail -n 3 "$T/user-overlay.make.log" | tr '\n' ' ')"
else
	qemu_start init-user-overlay bios cd 2 512 "$T/user-overlay.iso"
	if ! wait_exit 180; then
		fail init-user-overlay "QEMU did not exit; last line: $(console | tail -n 1)"
	else
		after_ready init-user-overlay '^user-demo: hello from a user program, pid [0-9]+, parent [0-9]+$'
		expect init-user-overlay-poweroff '^vmkernel: powering off$' "poweroff from the user's script"
	fi
fi
