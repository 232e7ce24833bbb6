#!/bin/sh
# Build the initramfs of the Linux test guest: BusyBox (Keel's own static build), gtool
# (tests/linux-guest/gtool.c) and the virtio modules of Debian's cloud kernel, with tests/linux-guest/init as /init.
#
#   tests/linux-guest/mkinitramfs.sh BUSYBOX GTOOL KERNEL_DEB OUT.cpio.gz
#
# KERNEL_DEB is the versioned linux-image-*-cloud-amd64 package scripts/get-linux-kernel.sh
# downloaded (its modules are unpacked from it).
set -eu
BB=$1
GTOOL=$2
DEB=$3
OUT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$OUT.d
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk virtio-rng"

rm -rf "$WORK"
mkdir -p "$WORK/deb" "$WORK/root/bin" "$WORK/root/lib/modules" "$WORK/root/proc" \
	"$WORK/root/sys" "$WORK/root/dev" "$WORK/root/tmp"
dpkg-deb -x "$DEB" "$WORK/deb"
for m in $MODS; do
	f=$(find "$WORK/deb/lib/modules" -name "$m.ko" | head -n 1)
	[ -n "$f" ] || { echo "mkinitramfs: $m.ko is not in $DEB" >&2; exit 1; }
	cp "$f" "$WORK/root/lib/modules/"
done
echo "$MODS" > "$WORK/root/lib/modules/order"
cp "$BB" "$WORK/root/bin/busybox"
cp "$GTOOL" "$WORK/root/bin/gtool"
for a in sh mount grep cat cut echo dd sync head sleep; do
	ln -s busybox "$WORK/root/bin/$a"
done
install -m 0755 "$HERE/init" "$WORK/root/init"
(cd "$WORK/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
