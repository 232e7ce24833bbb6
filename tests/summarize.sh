#!/bin/sh
# Count results from TAP files (ok / not ok) and harness logs (PASS: / FAIL: lines);
# print each failure and the closing line "N passed, N failed". Exit 1 on any failure.
# A result file that records a non-zero "# exit N" without a failing case counts as a failure
# of its own (a crash, a sanitizer report, a harness error).
pass=0
fail=0
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "FAIL: $f (no result file)"
		fail=$((fail + 1))
		continue
	fi
	p=$(grep -c -E '^(ok |PASS: )' "$f")
	n=$(grep -c -E '^(not ok |FAIL: )' "$f")
	grep -E '^(not ok |FAIL: )' "$f" | sed "s|^|$(basename "$f"): |"
	rc=$(sed -n 's/^# exit \([0-9]*\)$/\1/p' "$f" | tail -n 1)
	if [ -n "$rc" ] && [ "$rc" != 0 ] && [ "$n" = 0 ]; then
		echo "$(basename "$f"): exited with status $rc; its last lines:"
		grep -v '^# exit' "$f" | tail -n 15 | sed 's/^/    /'
		n=1
	fi
	if [ "$p" = 0 ] && [ "$n" = 0 ]; then
		echo "$(basename "$f"): ran no test"
		n=1
	fi
	pass=$((pass + p))
	fail=$((fail + n))
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
