#!/bin/sh
# Regenerate vfs-tree.cpio (newc) and vfs-tree-crc.cpio (newc with checksums), the archives
# test_cpio.c unpacks, with GNU cpio. Needs root (device node, ownership). The tree:
#   etc/ 0755            passwd 0644 (text)     shadow 0600 uid 1000 gid 100
#   bin/ 0755            busybox 04755 (40000 bytes)   sh -> busybox   ls -> /bin/busybox
#   usr/lib/libc.so 0755 (5000 bytes)            lib -> usr/lib
#   data/                hard1, hard2 (hard links, "shared data\n")   empty (0 bytes)
#   emptydir/ 0700       dev/null (char 1,3, 0666)   dev/fifo (FIFO 0620)
# Every mtime is 1700000000 except etc/passwd (1600000000).
set -eu
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
mkdir -p "$r/etc" "$r/bin" "$r/usr/lib" "$r/data" "$r/emptydir" "$r/dev"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
chmod 0600 "$r/etc/shadow"
chown 1000:100 "$r/etc/shadow"
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "%c", 32 + (i * 7) % 90 }' >"$r/bin/busybox"
chmod 04755 "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
ln -s /bin/busybox "$r/bin/ls"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "%c", 48 + i % 10 }' >"$r/usr/lib/libc.so"
chmod 0755 "$r/usr/lib/libc.so"
ln -s usr/lib "$r/lib"
printf 'shared data\n' >"$r/data/hard1"
ln "$r/data/hard1" "$r/data/hard2"
: >"$r/data/empty"
chmod 0700 "$r/emptydir"
mknod -m 0666 "$r/dev/null" c 1 3
mkfifo -m 0620 "$r/dev/fifo"
find "$r" -exec touch -h -d @1700000000 {} +
touch -d @1600000000 "$r/etc/passwd"
cd "$r"
find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet >"$out/vfs-tree.cpio"
find . | LC_ALL=C sort | cpio -o -H crc --reproducible --quiet >"$out/vfs-tree-crc.cpio"
