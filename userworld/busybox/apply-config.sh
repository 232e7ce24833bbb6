#!/bin/sh
# Merge Kconfig fragments into a BusyBox .config and check that every line survived.
#
#   apply-config.sh SRCDIR OBJDIR FRAGMENT...
#
# OBJDIR/.config must exist (from `make defconfig`).  Each fragment line "CONFIG_X=v" or
# "# CONFIG_X is not set" replaces that symbol's line; `make oldconfig` then resolves
# dependencies (new questions get their defaults: no stdin is needed).  Afterwards a set symbol
# must read exactly as in the fragment and an unset one must not be set, else we fail: Kconfig
# drops a symbol whose dependencies are off, and a misspelt name would be ignored silently.
set -eu
SRC=$1
OBJ=$2
shift 2
CFG=$OBJ/.config

die() {
	echo "busybox config: $*" >&2
	exit 1
}

[ -f "$CFG" ] || die "$CFG is missing (run make defconfig first)"

# The fragments' lines, normalised to "SYM=value" or "SYM=n".
want=$OBJ/.keel-config.want
sed -n -e 's/^CONFIG_\([A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' \
	-e 's/^# CONFIG_\([A-Za-z0-9_]*\) is not set$/\1=n/p' "$@" > "$want"

# Every symbol must exist in this BusyBox (catches typos and renamed options).
known=$OBJ/.keel-config.known
find "$SRC" \( -name '*.c' -o -name 'Config.in' -o -name 'Config.src' \) -print0 |
	xargs -0 sed -n 's/^\(\/\/config:\)\{0,1\}[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\3/p' |
	sort -u > "$known"
bad=$(cut -d= -f1 "$want" | sort -u | comm -23 - "$known")
[ -z "$bad" ] || die "unknown symbols in $*: $(echo "$bad" | tr "\n" " ")"

# Replace the symbols' lines.
awk -F= '
	NR == FNR { v[$1] = substr($0, length($1) + 2); order[++n] = $1; next }
	{
		s = $0
		if (s ~ /^# CONFIG_[A-Za-z0-9_]* is not set$/) { sub(/^# CONFIG_/, "", s); sub(/ is not set$/, "", s) }
		else if (s ~ /^CONFIG_[A-Za-z0-9_]*=/) { sub(/^CONFIG_/, "", s); sub(/=.*/, "", s) }
		else s = ""
		if (s == "" || !(s in v)) print
	}
	END {
		for (i = 1; i <= n; i++) {
			s = order[i]
			if (s in done) continue
			done[s] = 1
			if (v[s] == "n") print "# CONFIG_" s " is not set"
			else print "CONFIG_" s "=" v[s]
		}
	}' "$want" "$CFG" > "$CFG.new"
mv "$CFG.new" "$CFG"

yes '' | make -s -C "$SRC" O="$OBJ" oldconfig > "$OBJ/.keel-config.log" 2>&1 ||
	{ cat "$OBJ/.keel-config.log" >&2; die "make oldconfig failed"; }

# Check the result.
fail=0
while IFS= read -r line; do
	sym=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^CONFIG_$sym=" "$CFG"; then
			echo "busybox config: CONFIG_$sym should be off but is $(grep "^CONFIG_$sym=" "$CFG")" >&2
			fail=1
		fi
	elif ! grep -qxF "CONFIG_$sym=$val" "$CFG"; then
		got=$(grep -e "^CONFIG_$sym=" -e "^# CONFIG_$sym is not set" "$CFG" || echo "absent (dependencies off)")
		echo "busybox config: wanted CONFIG_$sym=$val, got: $got" >&2
		fail=1
	fi
done < "$want"
[ $fail = 0 ] || die "the fragment does not hold after make oldconfig (see above)"
exit 0
