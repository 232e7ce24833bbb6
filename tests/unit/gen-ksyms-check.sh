#!/bin/sh
# gen-ksyms-check.sh: check scripts/gen-ksyms.sh on a small program linked twice like the kernel.
#
# Pass 1 links the program with the empty table, pass 2 with the table generated from pass 1.
# Pass 2 then dumps its own linked-in table and looks up its own functions with
# vmkernel/lib/ksyms.c. Prints one "PASS: gen-ksyms ..." or "FAIL: gen-ksyms ..." line per
# check; exits 1 if any failed. Environment: CC (gcc), AS (as), NM (nm), GEN_KSYMS (the script
# under test, default scripts/gen-ksyms.sh).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
gen=${GEN_KSYMS:-$root/scripts/gen-ksyms.sh}
CC=${CC:-gcc}
AS=${AS:-as}
NM=${NM:-nm}
LC_ALL=C
export LC_ALL NM

failed=0
pass() {
	echo "PASS: gen-ksyms $1"
}
fail() {
	echo "FAIL: gen-ksyms $1"
	failed=1
}
check() {
	# check "what" command...: PASS when the command succeeds.
	what=$1
	shift
	if "$@" >>"$tmp/log" 2>&1; then
		pass "$what"
	else
		fail "$what"
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/log"

cat >"$tmp/prog.c" <<'EOF'
/* gen-ksyms-check: a program that symbolizes its own functions with its linked-in table. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vmk/ksyms.h>

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];

/* Names with dots, as gcc makes for split or specialised functions. */
static int helper(int x) __asm__("helper.part.0");
static int cold_path(int x) __asm__("alpha.cold");

__attribute__((noinline, used)) static int helper(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline, used, cold)) static int cold_path(int x)
{
	return x - 7;
}

__attribute__((noinline)) int alpha(int x)
{
	return x > 1000 ? cold_path(x) : helper(x) + 2;
}

__attribute__((noinline)) int beta(int x)
{
	return alpha(x) * 5;
}

static int expect(const struct ksyms_table *t, int (*fn)(int), uint64_t off, const char *name)
{
	uint64_t got_off = 0;
	const char *got = ksyms_lookup_in(t, (uint64_t)(uintptr_t)fn + off, &got_off);

	if (!got || strcmp(got, name) || got_off != off) {
		printf("lookup %s+%llu: got %s+%llu\n", name, (unsigned long long)off,
		       got ? got : "(null)", (unsigned long long)got_off);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct ksyms_table t = { ksyms_count, ksyms_addr, ksyms_name_off, ksyms_names };
	int bad = 0;

	if (argc > 1 && !strcmp(argv[1], "count")) {
		printf("%llu\n", (unsigned long long)ksyms_count);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "dump")) {
		for (uint64_t i = 0; i < ksyms_count; i++)
			printf("%016llx %s\n", (unsigned long long)ksyms_addr[i],
			       ksyms_names + ksyms_name_off[i]);
		return 0;
	}
	bad |= expect(&t, alpha, 0, "alpha");
	bad |= expect(&t, alpha, 1, "alpha");
	bad |= expect(&t, beta, 3, "beta");
	bad |= expect(&t, helper, 0, "helper.part.0");
	bad |= expect(&t, cold_path, 2, "alpha.cold");
	bad |= expect(&t, main, 4, "main");
	return bad || beta(argc) == 0;
}
EOF

cflags="-std=gnu11 -O1 -fno-inline -fno-pie -no-pie -I$root/vmkernel/include"

# Text symbols of an ELF as "address name", sorted, like the table should hold.
text_syms() {
	"$NM" -n --defined-only "$1" |
		awk '$2 ~ /^[tTWw]$/ && NF >= 3 {
			name = $0; sub(/^[^ ]+ [^ ]+ /, "", name)
			a = $1; while (length(a) < 16) a = "0" a
			print a, name
		}' | sort
}

# Pass 1: empty table.
if sh "$gen" >"$tmp/empty.s" 2>>"$tmp/log" && "$AS" -o "$tmp/empty.o" "$tmp/empty.s" \
	>>"$tmp/log" 2>&1; then
	pass "empty table assembles"
else
	fail "empty table assembles"
fi
for s in ksyms_count ksyms_addr ksyms_name_off ksyms_names; do
	if "$NM" "$tmp/empty.o" 2>>"$tmp/log" | grep -q " R $s\$"; then
		:
	else
		fail "empty table defines global $s"
		s=
		break
	fi
done
[ -n "$s" ] && pass "empty table defines the four globals"
# shellcheck disable=SC2086 # cflags is a list of words
check "pass-1 link with the empty table" \
	"$CC" $cflags -o "$tmp/prog1" "$tmp/prog.c" "$root/vmkernel/lib/ksyms.c" "$tmp/empty.o"
if [ "$("$tmp/prog1" count 2>>"$tmp/log")" = 0 ]; then
	pass "empty table has count 0"
else
	fail "empty table has count 0"
fi

# Pass 2: the table of pass 1.
if sh "$gen" "$tmp/prog1" >"$tmp/full.s" 2>>"$tmp/log" && "$AS" -o "$tmp/full.o" "$tmp/full.s" \
	>>"$tmp/log" 2>&1; then
	pass "table of a linked program assembles"
else
	fail "table of a linked program assembles"
fi
# shellcheck disable=SC2086
check "pass-2 link with the generated table" \
	"$CC" $cflags -o "$tmp/prog2" "$tmp/prog.c" "$root/vmkernel/lib/ksyms.c" "$tmp/full.o"

text_syms "$tmp/prog1" >"$tmp/nm1"
text_syms "$tmp/prog2" >"$tmp/nm2"
"$tmp/prog2" dump >"$tmp/dump" 2>>"$tmp/log"
want=$(wc -l <"$tmp/nm1")
got=$("$tmp/prog2" count 2>>"$tmp/log")
if [ "$want" -gt 5 ] && [ "$got" = "$want" ]; then
	pass "count equals nm's text symbols ($got)"
else
	fail "count equals nm's text symbols (table ${got:-?}, nm $want)"
fi
if [ -s "$tmp/dump" ] && awk 'NR > 1 && ($1 "") < prev { exit 1 } { prev = $1 "" }' "$tmp/dump"; then
	pass "addresses ascending"
else
	fail "addresses ascending"
fi
if sort "$tmp/dump" | cmp -s - "$tmp/nm1"; then
	pass "entries equal nm's address and name"
else
	fail "entries equal nm's address and name"
	sort "$tmp/dump" | diff - "$tmp/nm1" | head -n 20 >>"$tmp/log"
fi
if grep -q ' helper\.part\.0$' "$tmp/dump" && grep -q ' alpha\.cold$' "$tmp/dump"; then
	pass "names with dots kept"
else
	fail "names with dots kept"
fi
if cmp -s "$tmp/nm1" "$tmp/nm2"; then
	pass "text addresses unchanged by the table between passes"
else
	fail "text addresses unchanged by the table between passes"
fi
if sh "$gen" "$tmp/prog2" 2>>"$tmp/log" | cmp -s - "$tmp/full.s"; then
	pass "table of pass 2 equals the table linked in"
else
	fail "table of pass 2 equals the table linked in"
fi
check "program symbolizes its own functions" "$tmp/prog2"

# Bad input: a missing file is an error, not an empty table.
if sh "$gen" "$tmp/no-such-file" >"$tmp/bad.s" 2>>"$tmp/log"; then
	fail "missing ELF is an error"
else
	pass "missing ELF is an error"
fi

if [ "$failed" != 0 ]; then
	echo "gen-ksyms-check: log follows" >&2
	sed 's/^/    /' "$tmp/log" >&2
fi
exit "$failed"
