#!/bin/sh
# The initial ramdisk: a Linux-like root tree packed as a cpio "newc" archive.
#
#   mkinitrd.sh tree STAGE BUSYBOX [BIN=/PATH ...]   build the root tree in STAGE (recreated)
#   mkinitrd.sh pack STAGE OUT.cpio [OVERLAY]        pack STAGE, with OVERLAY's contents
#                                                    layered on top (OVERLAY mirrors /)
#
# The tree: userworld/rootfs/ (the static files, e.g. /etc/passwd), the standard directories
# (/tmp is 1777, /root 0700, the rest 0755), /bin/busybox with a symbolic link to /bin/busybox
# for each of its applets (where `busybox --list-full` puts them: /bin, /sbin, /usr/bin,
# /usr/sbin) and our own programs (BIN=/PATH: build/userworld/hello=/usr/bin/hello).
#
# The archive: names are relative ("bin/busybox", no "./" and no entry for the root itself),
# sorted so a directory comes before its contents, owned by 0:0, device-independent; with
# SOURCE_DATE_EPOCH set every time stamp is that time, so the archive is reproducible.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "mkinitrd: $*" >&2
	exit 1
}

tree() {
	stage=$1
	busybox=$2
	shift 2
	rm -rf "$stage"
	mkdir -p "$stage"
	# Static files; git does not keep modes beyond the x bit, so set them here.
	cp -R "$TOP/userworld/rootfs/." "$stage/"
	find "$stage" -type d -exec chmod 0755 {} +
	find "$stage" -type f -exec chmod 0644 {} +
	for d in bin sbin etc etc/rc.local.d dev proc sys usr usr/bin usr/sbin root tmp; do
		mkdir -p "$stage/$d"
		chmod 0755 "$stage/$d"
	done
	chmod 0700 "$stage/root"
	chmod 1777 "$stage/tmp"

	install -m 0755 "$busybox" "$stage/bin/busybox"
	# The static musl binary runs on the (x86_64 Linux) build host.
	list=$("$busybox" --list-full) || die "$busybox --list-full failed"
	[ -n "$list" ] || die "$busybox lists no applets"
	for a in $list; do
		[ "$a" = bin/busybox ] && continue
		mkdir -p "$stage/$(dirname "$a")"
		ln -sfn /bin/busybox "$stage/$a"
	done

	for spec in "$@"; do
		src=${spec%%=*}
		dst=${spec#*=}
		case $dst in
		/*) ;;
		*) die "$spec: the path in the image must be absolute" ;;
		esac
		mkdir -p "$stage$(dirname "$dst")"
		install -m 0755 "$src" "$stage$dst"
	done
}

pack() {
	stage=$1
	out=$2
	overlay=${3:-}
	[ -d "$stage" ] || die "$stage is missing (build the tree first)"
	src=$stage
	if [ -n "$overlay" ]; then
		[ -d "$overlay" ] || die "overlay $overlay is not a directory"
		src=$out.d
		rm -rf "$src"
		cp -a "$stage" "$src"
		# --remove-destination: an overlay file replaces an applet link instead of
		# writing through it into /bin/busybox.
		cp -a --remove-destination "$overlay/." "$src/"
	fi
	if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
		find "$src" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	fi
	(cd "$src" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet) > "$out.tmp" ||
		die "cpio failed"
	mv "$out.tmp" "$out"
	[ -z "$overlay" ] || rm -rf "$src"
}

[ $# -ge 1 ] || die "usage: mkinitrd.sh tree STAGE BUSYBOX [BIN=/PATH ...] | pack STAGE OUT [OVERLAY]"
cmd=$1
shift
case $cmd in
tree)
	[ $# -ge 2 ] || die "usage: mkinitrd.sh tree STAGE BUSYBOX [BIN=/PATH ...]"
	tree "$@"
	;;
pack)
	[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: mkinitrd.sh pack STAGE OUT [OVERLAY]"
	pack "$@"
	;;
*) die "unknown command $cmd" ;;
esac
