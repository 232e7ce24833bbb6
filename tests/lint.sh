#!/bin/sh
# Lint: every C source and header in the tree is formatted by the repo's .clang-format.
cd "$(dirname "$0")/.." || exit 1
files=$(git ls-files -c -o --exclude-standard '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || files=$(find vmkernel tests userworld mgmt-agent installer -name '*.[ch]')
# shellcheck disable=SC2086
bad=$(clang-format --dry-run $files 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning.*/\1/p' | sort -u)
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "FAIL: clang-format $f: not formatted (run: clang-format -i $f)"
	done
else
	echo "PASS: clang-format ($(echo "$files" | wc -l) files)"
fi
# docs/syscalls.md is generated from the source: it must be current.
if scripts/list-syscalls.sh | cmp -s - docs/syscalls.md; then
	echo "PASS: docs/syscalls.md matches the source"
else
	echo "FAIL: docs/syscalls.md: out of date (run: scripts/list-syscalls.sh > docs/syscalls.md)"
fi
