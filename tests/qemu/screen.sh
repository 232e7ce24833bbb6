#!/bin/bash
# The screen console: after the banner, read the framebuffer back (QEMU screendump) and
# recover its text with the console font; the banner and the early boot log (replayed when
# the screen comes up: the memory map is logged before the screen exists) must be on it.  BIOS (VBE mode) and UEFI (GOP).
. "$(dirname "$0")/lib.sh"
ISO=$ROOT/build/keel.iso
FONT=/usr/share/consolefonts/Lat15-Terminus16.psf.gz
BANNER='^vmkernel: [0-9]+ CPUs online, [0-9]+ MiB usable memory$'

for fw in bios uefi; do
	name=screen-$fw
	qemu_start "$name" "$fw" cd 2 512 "$ISO"
	if ! wait_line "$BANNER" 120; then
		fail "$name" "no banner on the serial console"
		qemu_stop
		continue
	fi
	monitor "screendump $RESULTS/serial/$name.ppm"
	qemu_stop
	text=$(python3 "$(dirname "$0")/screen-text.py" "$RESULTS/serial/$name.ppm" "$FONT" 2>&1)
	echo "$text" > "$RESULTS/serial/$name.txt"
	banner=$(console | grep -E "$BANNER")
	if ! echo "$text" | grep -qxF "$banner"; then
		fail "$name" "the banner is not on the screen (see $RESULTS/serial/$name.txt)"
	elif ! echo "$text" | grep -Eq '^\[ *[0-9.]+\] vmkernel: mem: \['; then
		fail "$name" "the early boot log was not replayed on the screen"
	else
		pass "$name" "$(echo "$text" | grep -c .) lines read back, banner included"
	fi
done
