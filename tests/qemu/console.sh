#!/bin/bash
# The physical console is not a shell: typing at it (serial) runs nothing and changes nothing.
. "$(dirname "$0")/lib.sh"
SOCK=$RESULTS/serial/console-input.sock
rm -f "$SOCK"
qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 512 -display none -no-reboot -monitor none \
	-chardev "socket,id=con,path=$SOCK,server=on,wait=off" -serial chardev:con \
	-cdrom "$ROOT/build/keel.iso" > "$RESULTS/serial/console-input.qemu" 2>&1 &
QEMU_PID=$!
python3 "$(dirname "$0")/console-input.py" "$SOCK" "$RESULTS/serial/console-input.log"
if kill -0 "$QEMU_PID" 2>/dev/null; then
	pass console-input/qemu-alive
else
	fail console-input/qemu-alive "QEMU ended"
fi
qemu_stop
