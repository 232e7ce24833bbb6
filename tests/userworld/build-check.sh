#!/bin/bash
# Userworld build checks: BusyBox and our programs are static musl executables that run on the
# build host, the initrd holds the promised tree with the right modes, the ISO carries it as a
# GRUB module, and an ISO_OVERLAY build replaces and adds files without touching build/keel.iso.
# Prints "PASS: name" / "FAIL: name: why"; exits 1 if anything failed.
# Run by `make userworld-results` (after the build); MAKE may name the make to use.
set -u
cd "$(dirname "$0")/../.." || exit 1
MAKE=${MAKE:-make}
B=build
BUSYBOX=$B/userworld/busybox
BBABS=$(realpath "$BUSYBOX")
HELLO=$B/userworld/hello
INITRD=$B/initrd.cpio
ISO=$B/keel.iso
W=$B/userworld/check
rm -rf "$W"
mkdir -p "$W"

fails=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	fails=$((fails + 1))
}

# The applets the appliance relies on (see userworld/busybox/keel.config).
APPLETS="sh ash cat ls cp mv rm mkdir rmdir ln chmod stat date sleep echo printf test [ env id
uname ps kill mount umount dmesg hexdump od md5sum sha256sum seq yes true false expr dd mknod
sync touch basename dirname readlink realpath tee uptime free timeout nproc watch sed awk grep
find tar gzip gunzip xargs sort head tail wc cut tr hostname ipcs ipcrm"
# Applets that must be off: networking, logins, busybox init (ours owns /sbin/init), modules.
ABSENT="wget ifconfig ip udhcpc telnetd httpd ping login getty su passwd init insmod modprobe
syslogd who"

# static_check NAME FILE: an ELF executable with no program interpreter and no shared library.
static_check() {
	local name=$1 f=$2 t
	if [ ! -f "$f" ]; then
		fail "$name" "$f does not exist"
	elif ! t=$(readelf -h "$f" 2> /dev/null | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p') || [ -z "$t" ]; then
		fail "$name" "$f is not an ELF file"
	elif [ "$t" != EXEC ] && [ "$t" != DYN ]; then
		fail "$name" "$f is an ELF $t, not an executable"
	elif readelf -lW "$f" | grep -q INTERP; then
		fail "$name" "$f has a program interpreter: $(readelf -lW "$f" | grep -o 'interpreter: [^]]*')"
	elif readelf -dW "$f" | grep -q '(NEEDED)'; then
		fail "$name" "$f needs shared libraries: $(readelf -dW "$f" | grep NEEDED | tr -s ' ')"
	elif readelf -SW "$f" | grep -q ' \.symtab '; then
		fail "$name" "$f is not stripped"
	else
		pass "$name (ELF $t, no interpreter, no shared libraries, stripped)"
	fi
}

# --- BusyBox ---------------------------------------------------------------------------------
static_check "busybox is static" "$BUSYBOX"

if list=$("$BUSYBOX" --list 2>&1); then
	missing=
	for a in $APPLETS; do
		grep -qxF -- "$a" <<< "$list" || missing="$missing $a"
	done
	if [ -z "$missing" ]; then
		pass "busybox runs on the host and lists the $(echo $APPLETS | wc -w) required applets ($(wc -l <<< "$list") in all)"
	else
		fail "busybox applets" "missing:$missing"
	fi
	present=
	for a in $ABSENT; do
		grep -qxF -- "$a" <<< "$list" && present="$present $a"
	done
	if [ -z "$present" ]; then
		pass "busybox leaves out networking, logins, init and modules"
	else
		fail "busybox applets that should be off" "present:$present"
	fi
else
	fail "busybox runs on the host" "$BUSYBOX --list: $list"
fi

out=$(printf 'a b c\n' | "$BUSYBOX" sh -c 'read x y z; echo "$((6 * 7)) $z" | "$0" sed s/c/C/' "$BUSYBOX" 2>&1)
[ "$out" = "42 C" ] && pass "busybox sh runs a script" || fail "busybox sh runs a script" "got '$out'"
out=$("$BUSYBOX" awk 'BEGIN { n = split("x:y:z", a, ":"); print n, a[3] }' 2>&1)
[ "$out" = "3 z" ] && pass "busybox awk" || fail "busybox awk" "got '$out'"
mkdir -p "$W/tar/in/d" && echo payload > "$W/tar/in/d/f"
if (cd "$W/tar" && "$BBABS" tar czf t.tgz in && mkdir out && cd out &&
	"$BBABS" tar xzf ../t.tgz) 2> "$W/tar.err" && cmp -s "$W/tar/in/d/f" "$W/tar/out/in/d/f"; then
	pass "busybox tar+gzip round trip"
else
	fail "busybox tar+gzip round trip" "$(cat "$W/tar.err")"
fi

# --- hello -----------------------------------------------------------------------------------
if [ -f "$HELLO" ] && readelf -lW "$HELLO" | grep -q INTERP; then
	fail "hello is static" "$HELLO has a program interpreter"
elif [ -f "$HELLO" ] && readelf -dW "$HELLO" | grep -q '(NEEDED)'; then
	fail "hello is static" "$HELLO needs shared libraries"
elif [ -f "$HELLO" ]; then
	pass "hello is static"
else
	fail "hello is static" "$HELLO does not exist"
fi
out=$("$HELLO" one 'two words' 2>&1)
rc=$?
want=$(printf 'hello from userworld\nargv[0]=%s\nargv[1]=one\nargv[2]=two words' "$HELLO")
if [ $rc = 0 ] && [ "$out" = "$want" ]; then
	pass "hello prints its line and argv, exit 0"
else
	fail "hello prints its line and argv" "exit $rc, output: $(echo "$out" | tr '\n' '|')"
fi

# --- the initrd ------------------------------------------------------------------------------
# list_cpio FILE: "mode links uid gid size ... name [-> target]" lines, numeric owners.
list_cpio() {
	cpio -tv --numeric-uid-gid --quiet < "$1" 2> /dev/null
}

# entry LISTING NAME: the listing's line for NAME.
entry() {
	awk -v n="$2" '{ name = $9; if (name == n) { print; exit } }' "$1"
}

# check_entry LISTING NAME PERMS: NAME is there with the ls-style permission string PERMS.
check_entry() {
	local e
	e=$(entry "$1" "$2")
	if [ -z "$e" ]; then
		echo "/$2 is missing"
	elif [ "${e%% *}" != "$3" ]; then
		echo "/$2 is ${e%% *}, want $3"
	fi
}

# check_tree CPIO LABEL [APPLET...]: the standard tree is in CPIO (the APPLETs may be replaced).
check_tree() {
	local cpio=$1 label=$2 l=$W/$2.list bad='' e a
	shift 2
	if [ "$(head -c 6 "$cpio" 2> /dev/null)" != 070701 ]; then
		fail "$label is a cpio newc archive" "magic is '$(head -c 6 "$cpio" 2> /dev/null)'"
		return
	fi
	pass "$label is a cpio newc archive"
	list_cpio "$cpio" > "$l"
	for spec in bin:drwxr-xr-x sbin:drwxr-xr-x etc:drwxr-xr-x etc/rc.local.d:drwxr-xr-x \
		dev:drwxr-xr-x proc:drwxr-xr-x sys:drwxr-xr-x tmp:drwxrwxrwt root:drwx------ \
		usr/bin:drwxr-xr-x bin/busybox:-rwxr-xr-x usr/bin/hello:-rwxr-xr-x \
		etc/passwd:-rw-r--r-- etc/group:-rw-r--r-- etc/hostname:-rw-r--r--; do
		e=$(check_entry "$l" "${spec%%:*}" "${spec#*:}")
		[ -z "$e" ] || bad="$bad; $e"
	done
	[ -z "$bad" ] && pass "$label: directories, /tmp 1777, /root 0700, busybox, hello, /etc files" ||
		fail "$label paths and modes" "${bad#; }"
	e=$(awk '$3 != 0 || $4 != 0 { print $9 }' "$l" | head -n 3)
	[ -z "$e" ] && pass "$label: everything owned by 0:0" || fail "$label owners" "not 0:0: $e"
	e=$(awk '$9 ~ /^\// || $9 ~ /^\.\// || $9 == "." { print $9 }' "$l" | head -n 3)
	[ -z "$e" ] && pass "$label: names are relative, no ./" || fail "$label names" "$e"
	bad=
	for a in $APPLETS; do
		case " $* " in *" $a "*) continue ;; esac
		if ! grep -qE "^l.* (bin|sbin|usr/bin|usr/sbin)/$(printf '%s' "$a" | sed 's/[][]/\\&/g') -> /bin/busybox$" "$l"; then
			bad="$bad $a"
		fi
	done
	[ -z "$bad" ] && pass "$label: a link to /bin/busybox for every required applet" ||
		fail "$label applet links" "missing:$bad"
	# /sbin/init is Keel's own init: a regular executable, not a BusyBox applet link.
	case "$(entry "$l" sbin/init)" in
	-rwx*) pass "$label: /sbin/init is Keel's init" ;;
	"") fail "$label" "/sbin/init is missing" ;;
	*) fail "$label" "/sbin/init is not Keel's init: $(entry "$l" sbin/init)" ;;
	esac
}

extract() { # extract CPIO DIR
	local abs
	abs=$(realpath "$1") && rm -rf "$2" && mkdir -p "$2" &&
		(cd "$2" && cpio -id --quiet --no-absolute-filenames < "$abs") 2> /dev/null
}

check_tree "$INITRD" initrd
extract "$INITRD" "$W/base"
if [ "$(cat "$W/base/etc/hostname" 2> /dev/null)" = keel ] &&
	grep -qx 'root:x:0:0:root:/root:/bin/sh' "$W/base/etc/passwd" 2> /dev/null &&
	grep -qx 'root:x:0:' "$W/base/etc/group" 2> /dev/null && cmp -s "$W/base/bin/busybox" "$BUSYBOX"; then
	pass "initrd: /etc/hostname keel, root in /etc/passwd and /etc/group, /bin/busybox is the build's"
else
	fail "initrd contents" "/etc/hostname, /etc/passwd, /etc/group or /bin/busybox differ"
fi

# --- the ISO carries it ----------------------------------------------------------------------
# iso_get ISO PATH OUT: copy one file out of an ISO image.
iso_get() {
	rm -f "$3"
	xorriso -osirrox on -indev "$1" -extract "$2" "$3" > /dev/null 2>&1 && [ -f "$3" ]
}
if iso_get "$ISO" /boot/grub/grub.cfg "$W/grub.cfg" && iso_get "$ISO" /boot/initrd.cpio "$W/iso-initrd.cpio"; then
	if ! grep -qE '^[[:space:]]*multiboot2 /boot/vmkernel\.elf' "$W/grub.cfg"; then
		fail "keel.iso grub.cfg" "no multiboot2 line"
	elif ! sed -n '/multiboot2/,$p' "$W/grub.cfg" | grep -qE '^[[:space:]]*module2 /boot/initrd\.cpio initrd$'; then
		fail "keel.iso grub.cfg" "no 'module2 /boot/initrd.cpio initrd' after the multiboot2 line"
	elif ! cmp -s "$W/iso-initrd.cpio" "$INITRD"; then
		fail "keel.iso initrd" "/boot/initrd.cpio on the ISO differs from $INITRD"
	else
		pass "keel.iso: grub.cfg loads module2 /boot/initrd.cpio initrd, the ISO's copy is $INITRD"
	fi
else
	fail "keel.iso" "cannot read /boot/grub/grub.cfg and /boot/initrd.cpio from $ISO"
fi

# --- an overlay ISO --------------------------------------------------------------------------
OV=$W/overlay
OISO=$W/overlay.iso
OINITRD=$W/overlay.initrd.cpio
mkdir -p "$OV/etc/rc.local.d" "$OV/bin" "$OV/opt/keel"
echo overlay-host > "$OV/etc/hostname"
printf '#!/bin/sh\necho from the overlay\n' > "$OV/etc/rc.local.d/10-test.sh"
chmod 0755 "$OV/etc/rc.local.d/10-test.sh"
echo 'not busybox' > "$OV/bin/ls" # replaces an applet link, must not write through it
chmod 0755 "$OV/bin/ls"
echo data > "$OV/opt/keel/data.txt"
chmod 0600 "$OV/opt/keel/data.txt"

sums() { md5sum "$ISO" "$INITRD" "$BUSYBOX" 2> /dev/null; stat -c '%n %Y' "$ISO" "$INITRD" 2> /dev/null; }
before=$(sums)
omake() { # omake LOG: build the overlay ISO through the real Makefile
	$MAKE --no-print-directory ISO_OVERLAY="$OV" ISO_OUT="$OISO" "$OISO" > "$1" 2>&1
}
if omake "$W/make1.log"; then
	pass "make ISO_OVERLAY=DIR ISO_OUT=FILE builds FILE ($(du -k "$OISO" | cut -f1) KiB)"
	[ "$before" = "$(sums)" ] && pass "the overlay build leaves $ISO, $INITRD and busybox alone" ||
		fail "the overlay build leaves $ISO, $INITRD and busybox alone" "they changed"
	[ -f "$OINITRD" ] && pass "the overlay initrd is a file of its own ($OINITRD)" ||
		fail "the overlay initrd" "$OINITRD does not exist"
	if iso_get "$OISO" /boot/initrd.cpio "$W/ov-initrd.cpio"; then
		check_tree "$W/ov-initrd.cpio" overlay-initrd ls
		l=$W/overlay-initrd.list
		extract "$W/ov-initrd.cpio" "$W/ov"
		bad=
		[ "$(cat "$W/ov/etc/hostname")" = overlay-host ] || bad="$bad; /etc/hostname not replaced"
		[ -f "$W/ov/bin/ls" ] && [ ! -L "$W/ov/bin/ls" ] && [ "$(cat "$W/ov/bin/ls")" = 'not busybox' ] ||
			bad="$bad; /bin/ls (an applet link) not replaced by the overlay's file"
		cmp -s "$W/ov/bin/busybox" "$BUSYBOX" || bad="$bad; /bin/busybox changed (written through a link?)"
		[ "$(cat "$W/ov/opt/keel/data.txt" 2> /dev/null)" = data ] || bad="$bad; /opt/keel/data.txt not added"
		e=$(check_entry "$l" opt/keel/data.txt -rw-------)
		[ -z "$e" ] || bad="$bad; $e"
		e=$(check_entry "$l" etc/rc.local.d/10-test.sh -rwxr-xr-x)
		[ -z "$e" ] || bad="$bad; $e"
		[ -L "$W/ov/bin/cat" ] || bad="$bad; /bin/cat (untouched link) is gone"
		[ -z "$bad" ] && pass "the overlay replaces /etc/hostname and /bin/ls, adds /opt/keel/data.txt and an rc.local.d script, keeps the rest" ||
			fail "overlay contents" "${bad#; }"
		grep -q overlay-host "$W/base/etc/hostname" && fail "overlay isolation" "the overlay leaked into $INITRD"
	else
		fail "overlay ISO" "cannot read /boot/initrd.cpio from $OISO"
	fi

	# Incremental: unchanged overlay -> nothing rebuilt; a changed file -> rebuilt.
	t1=$(stat -c %Y.%y "$OISO")
	omake "$W/make2.log"
	[ "$(stat -c %Y.%y "$OISO")" = "$t1" ] && pass "a second overlay build does nothing" ||
		fail "a second overlay build does nothing" "$OISO was rebuilt: $(tr '\n' '|' < "$W/make2.log")"
	sleep 1
	echo overlay-host-2 > "$OV/etc/hostname"
	if omake "$W/make3.log" && iso_get "$OISO" /boot/initrd.cpio "$W/ov3.cpio" && extract "$W/ov3.cpio" "$W/ov3" &&
		[ "$(cat "$W/ov3/etc/hostname")" = overlay-host-2 ]; then
		pass "a changed overlay file rebuilds the image"
	else
		fail "a changed overlay file rebuilds the image" "$(tr '\n' '|' < "$W/make3.log")"
	fi
else
	fail "make ISO_OVERLAY=DIR ISO_OUT=FILE" "$(tail -n 20 "$W/make1.log" | tr '\n' '|')"
fi

# A missing overlay directory is an error, not an empty overlay.
if $MAKE --no-print-directory ISO_OVERLAY="$W/no-such-dir" ISO_OUT="$W/bad.iso" "$W/bad.iso" > "$W/make4.log" 2>&1; then
	fail "a missing ISO_OVERLAY directory is an error" "make succeeded"
elif grep -q 'is not a directory' "$W/make4.log"; then
	pass "a missing ISO_OVERLAY directory is an error"
else
	fail "a missing ISO_OVERLAY directory is an error" "$(tail -n 3 "$W/make4.log" | tr '\n' '|')"
fi

rm -rf "$W/tar" "$W/base" "$W/ov" "$W/ov3"
[ $fails = 0 ]
