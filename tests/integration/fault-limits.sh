#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kexport audit of Debian 12's tree under resource limits:
#   (a) 12 file descriptors: the walk closes directories it is not using
#       and reopens them, so the audit still finishes, silently, with the
#       same answer;
#   (b) little memory (ulimit -v): exit 2 and messages that say memory ran
#       out, never that a file is corrupt.
. "$(dirname "$0")/lib.sh"

use_kernel amd64 "$KEXPORT_ABI"

"$KEXPORT" audit "$tree" >"$tmp/free.out" 2>"$tmp/free.err" || fail "the audit without limits failed"

# (a)
fds=12
rc=0
( ulimit -n $fds; exec "$KEXPORT" audit "$tree" ) >"$tmp/fd.out" 2>"$tmp/fd.err" || rc=$?
[ "$rc" -eq 0 ] || fail "(a) with $fds descriptors: exit $rc: $(head -3 "$tmp/fd.err")"
[ ! -s "$tmp/fd.err" ] || fail "(a) with $fds descriptors the audit said: $(head -3 "$tmp/fd.err")"
cmp -s "$tmp/free.out" "$tmp/fd.out" || fail "(a) with $fds descriptors the audit answered differently"
echo "ok: (a) with $fds file descriptors the audit finishes, silently, with the same answer"
rc=0
( ulimit -n $fds; exec "$KEXPORT" audit -j "$tree" ) >"$tmp/fdj.out" 2>"$tmp/fdj.err" || rc=$?
[ "$rc" -eq 0 ] || fail "(a) -j with $fds descriptors: exit $rc"

# (b)
if [ "${SANITIZE:-none}" != none ]; then
	# AddressSanitizer reserves terabytes of address space at start: under
	# any ulimit -v it cannot start at all.  The plain build runs (b).
	echo "note: (b) not run in this -Db_sanitize=$SANITIZE build: ulimit -v stops the sanitizer itself"
	echo PASS
	exit 0
fi
for limit in 60000 150000 250000 400000; do
	rc=0
	( ulimit -v "$limit"; exec "$KEXPORT" audit "$tree" ) >"$tmp/mem.out" 2>"$tmp/mem.err" || rc=$?
	if [ "$rc" -eq 0 ]; then
		cmp -s "$tmp/free.out" "$tmp/mem.out" || fail "(b) ulimit -v $limit: a different answer"
		echo "ok: (b) ulimit -v $limit: the audit finishes with the same answer"
		continue
	fi
	[ "$rc" -eq 2 ] || fail "(b) ulimit -v $limit: exit $rc, expected 0 or 2"
	if grep -qiE "corrupt|truncated|not an? |bad " "$tmp/mem.err"; then
		fail "(b) ulimit -v $limit: a message blames the input: $(head -3 "$tmp/mem.err")"
	fi
	grep -qi "out of memory" "$tmp/mem.err" ||
		fail "(b) ulimit -v $limit: exit 2 without saying memory ran out: $(head -3 "$tmp/mem.err")"
	echo "ok: (b) ulimit -v $limit: exit 2, $(sort -u "$tmp/mem.err" | head -2 | tr '\n' ' ')"
done
echo PASS
