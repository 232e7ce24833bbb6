#!/bin/sh
# Make sure the Debian packages the build and the tests use are installed.
# As root, missing ones are installed with apt-get; otherwise we say which are missing.
set -e
PKGS="gcc make binutils qemu-system-x86 qemu-utils grub-common grub-pc-bin grub-efi-amd64-bin
xorriso mtools ovmf seabios libcmocka-dev musl-tools console-setup-linux gzip cpio
clang-format git python3 dpkg-dev linux-libc-dev acpica-tools gdisk fdisk clang-14 libfuzzer-14-dev"

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "keel: missing Debian packages:$missing" >&2
	echo "keel: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "keel: installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
