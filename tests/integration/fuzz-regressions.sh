#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every input a fuzzer once broke kexport with (fuzz/regressions/) is read
# again through the tool: exit 0 or 2, never a crash, at most one line on
# stderr per input.  Under the ASan build this also catches memory errors.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
KEXPORT=${KEXPORT:-$top/build/kexport}
n=0
for f in "$top"/fuzz/regressions/*; do
	[ -f "$f" ] || continue
	for cmd in show exports; do
		set +e
		"$KEXPORT" "$cmd" "$f" > /dev/null 2> /tmp/kexport-fuzzreg.$$
		rc=$?
		set -e
		lines=$(grep -c . /tmp/kexport-fuzzreg.$$ || true)
		if { [ $rc -ne 0 ] && [ $rc -ne 2 ]; } || [ "$lines" -gt 1 ]; then
			cat /tmp/kexport-fuzzreg.$$ >&2
			rm -f /tmp/kexport-fuzzreg.$$
			echo "FAIL: kexport $cmd ${f##*/}: exit $rc, $lines lines on stderr" >&2
			exit 1
		fi
	done
	n=$((n + 1))
done
rm -f /tmp/kexport-fuzzreg.$$
[ $n -gt 0 ] || { echo "FAIL: no regression inputs found" >&2; exit 1; }
echo "ok: $n fuzzer regression inputs handled"
