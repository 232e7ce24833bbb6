#!/bin/sh
# Fetch and unpack a Debian source package: scripts/fetch-src.sh PKG DESTDIR
#
# The source package (.dsc and its tarballs) is downloaded once into build/src/PKG.deb-src/
# and unpacked (Debian patches applied) into DESTDIR; both steps are skipped when their result
# is already there, so repeated builds never refetch.  Prints DESTDIR on success.
#
# apt-get source needs deb-src entries.  We do not touch the machine's apt configuration: the
# deb-src entries are derived from its own "deb" entries (deb822 files in sources.list.d and/or
# the one-line sources.list) into build/apt/, which has its own index lists and cache.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 PKG DESTDIR" >&2
	exit 2
fi
PKG=$1
DEST=$2
TOP=$(cd "$(dirname "$0")/.." && pwd)
APT=$TOP/build/apt
DL=$TOP/build/src/$PKG.deb-src
STAMP=$DEST/.keel-src

die() {
	echo "fetch-src: $*" >&2
	exit 1
}

if [ -f "$STAMP" ]; then
	echo "$DEST"
	exit 0
fi

command -v dpkg-source > /dev/null || die "dpkg-source is missing (Debian package dpkg-dev)"

# --- the local apt configuration with deb-src entries ---------------------------------------
apt_setup() {
	rm -rf "${APT:?}/etc"
	mkdir -p "$APT/etc/sources.list.d" "$APT/lists/partial" "$APT/cache/archives/partial"
	: > "$APT/etc/sources.list"
	etc=$(apt-config shell D Dir::Etc/d | sed "s/^D='\(.*\)'$/\1/")
	[ -n "$etc" ] || etc=/etc/apt
	# One-line format: "deb [opts] URI suite comp..." -> "deb-src ...".
	for f in "$etc/sources.list" "$etc"/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb\([[:space:]]\)/deb-src\1/p' "$f" >> "$APT/etc/sources.list"
	done
	# deb822 format: keep stanzas whose Types include "deb", with Types set to deb-src.
	n=0
	for f in "$etc"/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		awk '
		function flush() {
			if (st != "" && isdeb && enabled)
				printf "%s\n", st
			st = ""; isdeb = 0; enabled = 1
		}
		BEGIN { enabled = 1 }
		/^[[:space:]]*$/ { flush(); next }
		/^#/ { next }
		/^[Tt]ypes:/ {
			for (i = 2; i <= NF; i++)
				if ($i == "deb")
					isdeb = 1
			st = st "Types: deb-src\n"
			next
		}
		/^[Ee]nabled:/ { if ($2 == "no") enabled = 0 }
		{ st = st $0 "\n" }
		END { flush() }
		' "$f" > "$APT/etc/sources.list.d/keel-src-$n.sources"
	done
	grep -qs -e '^deb-src' -e '^Types: deb-src' "$APT/etc/sources.list" \
		"$APT"/etc/sources.list.d/*.sources ||
		die "no Debian 'deb' entries in $etc/sources.list or $etc/sources.list.d to derive deb-src from"
}

apt_opts() {
	echo "-o Dir::Etc::SourceList=$APT/etc/sources.list" \
		"-o Dir::Etc::SourceParts=$APT/etc/sources.list.d" \
		"-o Dir::State::Lists=$APT/lists" \
		"-o Dir::Cache=$APT/cache"
}

have_dsc() {
	ls "$DL"/*.dsc > /dev/null 2>&1
}

fetch() {
	nonroot=
	[ "$(id -u)" = 0 ] || nonroot=1
	apt_setup
	# shellcheck disable=SC2046
	if ! apt-get -q $(apt_opts) update > "$APT/update.log" 2>&1; then
		cat "$APT/update.log" >&2
		[ -z "$nonroot" ] || echo "fetch-src: note: running as $(id -un), not root; if the error above is about permissions, run as root" >&2
		die "apt-get update of the deb-src indexes failed (network to the configured Debian mirror?)"
	fi
	rm -rf "$DL.tmp"
	mkdir -p "$DL.tmp"
	# shellcheck disable=SC2046
	if ! (cd "$DL.tmp" && apt-get -q $(apt_opts) source --download-only "$PKG") \
		> "$DL.tmp.log" 2>&1; then
		grep -E '^(W|E|Err):' "$APT/update.log" >&2 || true
		cat "$DL.tmp.log" >&2
		[ -z "$nonroot" ] || echo "fetch-src: note: running as $(id -un), not root; if the error above is about permissions, run as root" >&2
		die "apt-get source $PKG failed"
	fi
	rm -rf "$DL"
	mv "$DL.tmp" "$DL"
	rm -f "$DL.tmp.log"
}

if ! have_dsc; then
	# One fetch at a time shares build/apt (parallel builds may fetch several packages).
	mkdir -p "$APT"
	exec 9> "$APT/lock"
	flock 9
	have_dsc || fetch
	exec 9>&-
fi

# --- unpack ----------------------------------------------------------------------------------
set -- "$DL"/*.dsc
[ $# -eq 1 ] || die "expected one .dsc in $DL, found: $*"
DSC=$1
rm -rf "$DEST" "$DEST.tmp"
mkdir -p "$(dirname "$DEST")"
# apt-get source already checked the files against the signed index; dpkg-source checks them
# against the .dsc again.
dpkg-source --no-copy -x "$DSC" "$DEST.tmp" > "$DL/unpack.log" 2>&1 || {
	cat "$DL/unpack.log" >&2
	die "dpkg-source -x $DSC failed"
}
basename "$DSC" > "$DEST.tmp/.keel-src"
mv "$DEST.tmp" "$DEST"
echo "$DEST"
