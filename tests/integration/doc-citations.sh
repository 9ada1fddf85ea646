#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every "§N.N" the library cites is a section of docs/kernel-rules.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
doc=$top/docs/kernel-rules.md
n=0 bad=0
for s in $(grep -rhoE "§[0-9][0-9.]*[0-9]|§[0-9]" --include='*.c' --include='*.h' "$top/lib" | sort -u); do
	n=$((n + 1))
	num=${s#§}
	grep -q "^##* $num[ .]" "$doc" || { echo "doc-citations: $s is not a section of docs/kernel-rules.md"; bad=1; }
done
[ "$n" -gt 10 ] || { echo "doc-citations: only $n citations found: is lib/ there?"; exit 1; }
echo "doc-citations: $n sections cited, all in docs/kernel-rules.md"
exit $bad
