#!/bin/sh
# BusyBox's shell and common applets on Keel: pipes, redirection, subshells, traps, background
# jobs, here-documents, and the tools an appliance script uses.  Each check prints
# "shtest: PASS name" or "shtest: FAIL name: got ..."; the last line is "shtest: done, N failed".
failures=0

# same NAME EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then
		echo "shtest: PASS $1"
	else
		echo "shtest: FAIL $1: expected '$2', got '$3'"
		failures=$((failures + 1))
	fi
}

cd /tmp || exit 1

same pipe-tr-cut WORLD "$(echo hello world | tr a-z A-Z | cut -d' ' -f2)"
same pipe-three-stages 3 "$(printf 'a\nb\nc\n' | cat | wc -l)"
echo line1 > f
echo line2 >> f
same redirect-append 2 "$(wc -l < f)"
ls /nonexistent 2> err
same redirect-stderr 1 "$(grep -c 'No such file' err)"
same redirect-dup "out+err" "$(sh -c 'echo out; echo err >&2' 2>&1 | tr '\n' '+' | sed 's/+$//')"
(exit 3)
same subshell-status 3 "$?"
x=1
(x=2)
same subshell-isolation 1 "$x"
same arithmetic 42 "$((6 * 7))"
same command-substitution keel "$(cat /etc/hostname)"
cat > h <<'HERE'
abc $HOME
HERE
same here-document 'abc $HOME' "$(cat h)"

trap 'echo trapped > t' USR1
kill -USR1 $$
same trap-signal trapped "$(cat t)"
same trap-exit bye "$(sh -c "trap 'echo bye' EXIT; true")"

sleep 0.2 &
bg=$!
wait $bg
same background-wait 0 "$?"
sh -c 'kill -TERM $$'
same killed-by-signal 143 "$?"

same while-read 6 "$(printf '1\n2\n3\n' | { s=0; while read n; do s=$((s + n)); done; echo $s; })"
f() { echo "fn:$1"; }
same function fn:x "$(f x)"
case keel in k*) c=yes ;; *) c=no ;; esac
same case yes "$c"

same awk-sum 5050 "$(seq 1 100 | awk '{s += $1} END {print s}')"
same sort-uniq "a b" "$(printf 'b\na\nb\n' | sort | uniq | tr '\n' ' ' | sed 's/ $//')"
same sed jello "$(echo hello | sed 's/h/j/')"
same grep-count 2 "$(printf 'x\ny\nx\n' | grep -c x)"
mkdir -p d/e/f && touch d/e/f/x
same find d/e/f/x "$(find d -name x)"
tar czf a.tgz d && rm -rf d && tar xzf a.tgz
same tar-gzip yes "$([ -f d/e/f/x ] && echo yes)"
same sha256sum edeaaff3f1774ad2 "$(echo abc | sha256sum | cut -c1-16)"
same md5sum 0bee89b07a248e27c83fc3d5951213c1 "$(echo abc | md5sum | cut -d' ' -f1)"
same dd-zero 65536 "$(dd if=/dev/zero bs=1024 count=64 2>/dev/null | wc -c)"
ln -s /etc/passwd lnk
same symlink /etc/passwd "$(readlink lnk)"
same passwd root "$(head -n 1 /etc/passwd | cut -d: -f1)"
same xargs 3 "$(echo 1 2 3 | xargs -n 1 echo | wc -l)"
cp f g && mv g h2 && rm f
same cp-mv-rm "line1 line2" "$(cat h2 | tr '\n' ' ' | sed 's/ $//')"
same stat-mode 1777 "$(stat -c %a /tmp)"
same uname Keel "$(uname -s)"
same id 0 "$(id -u)"
same proc-self yes "$([ -r /proc/self/stat ] && echo yes)"
same date-year yes "$([ "$(date +%Y)" -ge 2024 ] && echo yes)"
same printf-format "007 ff" "$(printf '%03d %x' 7 255)"
same test-numeric yes "$([ 10 -gt 9 ] && echo yes)"
same env-var bar "$(FOO=bar sh -c 'echo $FOO')"
same basename-dirname "x /a/b" "$(basename /a/b/x) $(dirname /a/b/x)"

echo "shtest: done, $failures failed"
