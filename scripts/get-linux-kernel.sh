#!/bin/sh
# Fetch Debian's unmodified cloud kernel (a baseline for benchmarks and a guest for tests).
#
#   scripts/get-linux-kernel.sh [OUTDIR]     (default build/linux)
#
# Downloads linux-image-cloud-amd64 and the versioned package it depends on
# (linux-image-6.1.0-N-cloud-amd64, resolved with apt-cache depends) with `apt-get download`,
# unpacks the versioned one with dpkg-deb -x and leaves the kernel at OUTDIR/vmlinuz, with
# OUTDIR/version naming the package it came from.  Cached: when OUTDIR/vmlinuz exists nothing
# is fetched again.  Prints the path of vmlinuz on success.
#
# The machine's own apt index is used when it knows the package; otherwise (a fresh machine
# whose lists were never fetched, or a stale index whose files are gone from the mirror) a
# private index is fetched into build/apt-bin/ from the machine's own "deb" sources, which
# works without root and leaves the machine's apt state alone.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$TOP/build/linux}
META=linux-image-cloud-amd64
APTDIR=$TOP/build/apt-bin

die() {
	echo "get-linux-kernel: $*" >&2
	exit 1
}

if [ -s "$OUT/vmlinuz" ]; then
	echo "$OUT/vmlinuz"
	exit 0
fi
command -v apt-get > /dev/null || die "apt-get is missing (a Debian machine is needed)"
command -v dpkg-deb > /dev/null || die "dpkg-deb is missing (Debian package dpkg)"
mkdir -p "$OUT"
exec 9> "$OUT/.lock"
flock 9
if [ -s "$OUT/vmlinuz" ]; then
	echo "$OUT/vmlinuz"
	exit 0
fi

APT_OPTS=
private_index() {
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
	APT_OPTS="-o Dir::State::Lists=$APTDIR/lists -o Dir::Cache=$APTDIR/cache"
	# shellcheck disable=SC2086
	apt-get -q $APT_OPTS update > "$APTDIR/update.log" 2>&1 || {
		cat "$APTDIR/update.log" >&2
		die "apt-get update (private index in $APTDIR) failed: no network to the Debian mirror?"
	}
}

# The versioned image package the meta package depends on.
resolve() {
	# shellcheck disable=SC2086
	apt-cache $APT_OPTS depends "$META" 2> /dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}

# download PKG...: into $OUT/deb.tmp (fresh), then moved to $OUT/deb.
download() {
	rm -rf "$OUT/deb.tmp"
	mkdir -p "$OUT/deb.tmp"
	# As root apt drops to the _apt user for downloads; let it write here.
	chmod 0777 "$OUT/deb.tmp"
	# shellcheck disable=SC2086
	(cd "$OUT/deb.tmp" && apt-get -q $APT_OPTS download "$@") > "$OUT/download.log" 2>&1
}

PKG=$(resolve)
if [ -z "$PKG" ] || ! download "$META" "$PKG"; then
	echo "get-linux-kernel: the machine's apt index lacks $META or its files; fetching a private index" >&2
	private_index
	PKG=$(resolve)
	[ -n "$PKG" ] || die "cannot resolve the versioned package $META depends on"
	download "$META" "$PKG" || {
		cat "$OUT/download.log" >&2
		die "apt-get download $META $PKG failed"
	}
fi

set -- "$OUT/deb.tmp/${PKG}_"*.deb
[ -f "$1" ] || die "no .deb for $PKG in $OUT/deb.tmp"
DEB=$1
rm -rf "$OUT/root"
dpkg-deb -x "$DEB" "$OUT/root" || die "dpkg-deb -x $DEB failed"
set -- "$OUT"/root/boot/vmlinuz-*
[ -f "$1" ] || die "$DEB holds no /boot/vmlinuz-*"
cp "$1" "$OUT/vmlinuz.tmp"
# The configuration is small and tells what the kernel was built with (THP default, KPTI).
cp "$OUT"/root/boot/config-* "$OUT/config" 2> /dev/null || true
rm -rf "$OUT/root" "$OUT/deb"
mv "$OUT/deb.tmp" "$OUT/deb"
chmod 0755 "$OUT/deb"
basename "$DEB" .deb > "$OUT/version"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "$OUT/vmlinuz"
