#!/bin/sh
# Capture the ACPI tables that QEMU + SeaBIOS build, for the acpi unit test.
#
# Boots qemu-system-x86_64 with no disk for each machine type (pc, q35; -smp 4 -m 128), waits
# until SeaBIOS has published the RSDP in the BIOS area (0xE0000-0xFFFFF), dumps guest RAM with
# the monitor's pmemsave, then walks RSDP -> RSDT/XSDT -> tables (and FADT -> FACS, DSDT) and
# writes only what it reached to <outdir>/qemu-<machine>-smp4.acpi.
#
# File format (all little-endian):
#   8 bytes   magic "KEELACPI"
#   records, until end of file:
#     u64     physical address
#     u32     length in bytes
#     bytes   the memory at [address, address + length)
# The first record is the RSDP (20 bytes for revision 0, else its length field); the others
# follow in ascending address order.
#
# Usage: tests/unit/data/capture-qemu-acpi.sh [outdir]   (default: this script's folder)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
outdir=${1:-$here}
qemu=${QEMU:-qemu-system-x86_64}
mem_mib=128

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for machine in pc q35; do
	sock="$tmp/mon-$machine.sock"
	"$qemu" -accel tcg -nographic -nodefaults -machine "$machine" -smp 4 -m "$mem_mib" \
		-serial none -monitor "unix:$sock,server=on,wait=off" &
	qpid=$!
	if ! python3 - "$sock" "$tmp" "$mem_mib" "$outdir/qemu-$machine-smp4.acpi" <<'EOF'
import os, socket, struct, sys, time

sock_path, work, mem_mib, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def connect():
    for _ in range(100):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
            return s
        except OSError:
            time.sleep(0.1)
    sys.exit("monitor socket never appeared")

mon = connect()
mon.settimeout(30)

def prompt():
    """Read until the monitor prints its (qemu) prompt."""
    buf = b""
    while not buf.endswith(b"(qemu) "):
        chunk = mon.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf

def command(line):
    """Send one HMP command and wait until it has completed."""
    mon.sendall(line.encode() + b"\n")
    return prompt()

prompt()  # the banner and first prompt

def dump(addr, size, name):
    path = os.path.join(work, name)
    if os.path.exists(path):
        os.unlink(path)
    command('pmemsave 0x%x 0x%x "%s"' % (addr, size, path))
    with open(path, "rb") as f:
        return f.read()

def find_rsdp(seg, base):
    for off in range(0, len(seg) - 20, 16):
        if seg[off:off + 8] == b"RSD PTR " and sum(seg[off:off + 20]) & 0xFF == 0:
            return base + off
    return None

# SeaBIOS writes the tables during POST; poll the BIOS area until the RSDP shows up.
rsdp_addr = None
for _ in range(60):
    rsdp_addr = find_rsdp(dump(0xE0000, 0x20000, "fseg.bin"), 0xE0000)
    if rsdp_addr is not None:
        break
    time.sleep(0.5)
if rsdp_addr is None:
    sys.exit("no RSDP found in 0xE0000-0xFFFFF")
time.sleep(0.5)
ram = dump(0, mem_mib << 20, "ram.bin")
command("quit")

def mem(addr, length):
    if addr + length > len(ram):
        sys.exit("address 0x%x+%d outside the dump" % (addr, length))
    return ram[addr:addr + length]

def u32(b, off):
    return struct.unpack_from("<I", b, off)[0]

def u64(b, off):
    return struct.unpack_from("<Q", b, off)[0]

records = {}

def add_table(addr):
    if addr == 0 or addr in records:
        return None
    length = u32(mem(addr, 8), 4)
    if length < 36 or length > (1 << 20):
        sys.exit("table at 0x%x has length %d" % (addr, length))
    data = mem(addr, length)
    if sum(data) & 0xFF != 0:
        sys.exit("table %s at 0x%x has a bad checksum" % (data[:4], addr))
    records[addr] = data
    return data

rsdp = mem(rsdp_addr, 36)
rev = rsdp[15]
rsdp_len = 20 if rev < 2 else u32(rsdp, 20)
rsdp = mem(rsdp_addr, rsdp_len)

roots = [(u32(rsdp, 16), 4)]
if rev >= 2:
    roots.append((u64(rsdp, 24), 8))
for root_addr, esize in roots:
    root = add_table(root_addr)
    if root is None:
        continue
    for off in range(36, len(root) - esize + 1, esize):
        ptr = u32(root, off) if esize == 4 else u64(root, off)
        t = add_table(ptr)
        if t is None or t[:4] != b"FACP":
            continue
        facs = [u32(t, 36)] + ([u64(t, 132)] if len(t) >= 140 else [])
        dsdt = [u32(t, 40)] + ([u64(t, 140)] if len(t) >= 148 else [])
        for a in facs:
            if a and a not in records:
                records[a] = mem(a, u32(mem(a, 8), 4))  # FACS: no checksum
        for a in dsdt:
            add_table(a)

with open(out_path + ".tmp", "wb") as f:
    f.write(b"KEELACPI")
    f.write(struct.pack("<QI", rsdp_addr, len(rsdp)) + rsdp)
    for addr in sorted(records):
        f.write(struct.pack("<QI", addr, len(records[addr])) + records[addr])
os.replace(out_path + ".tmp", out_path)
sigs = " ".join("%s@0x%x" % (records[a][:4].decode(errors="replace"), a) for a in sorted(records))
print("%s: RSDP rev %d @0x%x; %s" % (os.path.basename(out_path), rev, rsdp_addr, sigs))
EOF
	then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		exit 1
	fi
	wait "$qpid" || true
done
