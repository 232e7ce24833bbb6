#!/bin/bash
# make test: every test layer, then one closing line "N passed, N failed".
#   1. lint: the tree is clang-format clean (the build itself is -Werror)
#   2. host unit tests (cmocka, ASan+UBSan), in parallel; the userworld build checks
#   3. QEMU: boot matrix, kernel self-tests, panic reports, one suite at a time
# Results live in build/results/; unchanged inputs reuse a passing result, failures re-run.
set -u
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
R=build/results
mkdir -p $R

tests/lint.sh > $R/lint.log 2>&1
echo "# exit $?" >> $R/lint.log

if ! make --no-print-directory -j"$JOBS" unit-results test-isos userworld-results; then
	echo "make test: the build failed (see above)"
	echo "0 passed, 1 failed"
	exit 1
fi
make --no-print-directory -j1 qemu-results

files=($R/lint.log $(make --no-print-directory -s print-results))
tests/summarize.sh "${files[@]}"
rc=$?
# Do not keep failed results: the next run repeats them.
for f in "${files[@]}"; do
	grep -qE '^(not ok |FAIL: )|^# exit [1-9]' "$f" 2>/dev/null && rm -f "$f"
done
exit $rc
