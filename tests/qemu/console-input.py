#!/usr/bin/env python3
"""Type at Keel's serial console and check that nothing listens.

Usage: console-input.py SOCKET LOG
Connects to QEMU's serial chardev (a unix socket), waits for `keel: ready` (or the kernel
banner when there is no init), types shell-ish lines and Ctrl-C/Ctrl-D, and writes everything
the console printed to LOG.  Prints PASS/FAIL lines: no shell prompt or command output may
appear, the machine must not reboot or power off, and it must still be running afterwards.
"""
import re
import socket
import sys
import time

sock_path, log_path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
for _ in range(100):
    try:
        s.connect(sock_path)
        break
    except OSError:
        time.sleep(0.1)
s.settimeout(0.2)
out = b""


def read_for(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        try:
            chunk = s.recv(4096)
            if not chunk:
                return False
            out += chunk
        except socket.timeout:
            pass
    return True


ready = False
deadline = time.time() + 120
while time.time() < deadline and not ready:
    if not read_for(0.5):
        break
    ready = b"keel: ready" in out or b"CPUs online" in out
before = len(out)
alive = True
if ready:
    read_for(2)
    before = len(out)
    for line in [b"\r\n", b"root\r\n", b"sh\r\n", b"echo TYPED-$((6*7))\r\n",
                 b"reboot\r\n", b"poweroff\r\n", b"\x03", b"\x04", b"\x1b[A\r\n"]:
        s.sendall(line)
        time.sleep(0.2)
    alive = read_for(3)
open(log_path, "wb").write(out)
after = out[before:].decode(errors="replace")
if not ready:
    print("FAIL: console-input: the system never came up")
    sys.exit(0)
print(("PASS" if "TYPED-42" not in after and not re.search(r"(^|\n)[#$] ", after) else "FAIL")
      + ": console-input/no-shell (typed commands were not run)")
print(("PASS" if alive and "powering off" not in after and "resetting" not in after else "FAIL")
      + ": console-input/still-running (no reboot or power-off from the keyboard)")
