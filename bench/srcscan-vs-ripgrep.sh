#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark: `kexport exports SOURCE-TREE` (every export macro of the tree,
# parsed, with file:line and #if conditions) against ripgrep searching the
# same tree for the same macros:
#   rg -c 'EXPORT_(SYMBOL|PER_CPU_SYMBOL|TRACEPOINT_SYMBOL|UNUSED_SYMBOL|STATIC_CALL)' TREE
# The tree is Debian's linux-source of the pinned version (tests/kernels.conf:
# KEXPORT_SOURCE_VERSION), fetched and unpacked by scripts/fetch-kernels.sh.
#
#   bench/srcscan-vs-ripgrep.sh
#
# Environment:
#   KEXPORT  kexport binary (default: ./build/kexport, built if missing)
#   RUNS     timed runs per tool (default 5), after one untimed warm-up each
#
# Warm page cache; the tools alternate.  Prints the median wall time and the
# median user+sys CPU time of each and the ratios rg/kexport (target >= 1:
# kexport no slower than rg).  On a loaded machine the CPU ratio is the
# steadier one.  Exits 0 whenever both tools ran; the target is reported,
# not enforced.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/kernels.conf
. "$here/tests/kernels.conf"
runs=${RUNS:-5}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac
die() { echo "srcscan-vs-ripgrep: $*" >&2; exit 1; }
for t in rg /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found (rg: ripgrep package; /usr/bin/time: time package)"
done

if [ -n "${KEXPORT:-}" ]; then
	kexport=$KEXPORT
else
	kexport=$here/build/kexport
	if [ ! -x "$kexport" ]; then
		[ -f "$here/build/build.ninja" ] || meson setup "$here/build" "$here" >&2
		ninja -C "$here/build" >&2
	fi
fi
[ -x "$kexport" ] || die "no kexport binary at $kexport"

cache=$("$here/scripts/fetch-kernels.sh" source)
src=$cache/source/$KEXPORT_SOURCE_VERSION/linux-source-6.1
[ -f "$src/include/linux/export.h" ] || die "no source tree in $src"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pattern='EXPORT_(SYMBOL|PER_CPU_SYMBOL|TRACEPOINT_SYMBOL|UNUSED_SYMBOL|STATIC_CALL)'
cmd_rg=(rg -c "$pattern" "$src")
cmd_kexport=("$kexport" exports "$src")

# run NAME OUT CMD...: appends "wall cpu" seconds to $tmp/NAME.times
run() {
	local name=$1 out=$2 t0 t1 rc=0
	shift 2
	t0=$EPOCHREALTIME
	/usr/bin/time -o "$tmp/cpu" -f '%U %S' "$@" >"$out" 2>"$tmp/$name.err" || rc=$?
	t1=$EPOCHREALTIME
	# rg exits 1 when nothing matches: that would be a broken input here
	[ $rc -eq 0 ] || { tail -n 5 "$tmp/$name.err" >&2; die "$name failed (exit $rc): $*"; }
	awk -v a="$t0" -v b="$t1" '{ printf "%.6f %.6f\n", b - a, $1 + $2 }' "$tmp/cpu" | tail -n 1 >>"$tmp/$name.times"
}
median() { # FILE COLUMN
	sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

echo "input: $src ($(find "$src" -type f | wc -l) files); $runs runs, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run warm "$tmp/rg.out" "${cmd_rg[@]}"
run warm "$tmp/kexport.out" "${cmd_kexport[@]}"
rg_files=$(wc -l <"$tmp/rg.out")
rg_lines=$(awk -F: '{ s += $NF } END { print s }' "$tmp/rg.out")
kx_exports=$(grep -vc '^#\|^NAME' "$tmp/kexport.out" || true)
[ "$rg_files" -gt 5000 ] || die "rg found only $rg_files files"
[ "$kx_exports" -gt 30000 ] || die "kexport found only $kx_exports exports"
echo "rg: $rg_lines matching lines in $rg_files files; kexport: $kx_exports exports (distinct names)" >&2
rm -f "$tmp"/*.times
for ((i = 1; i <= runs; i++)); do
	run rg /dev/null "${cmd_rg[@]}"
	run kexport /dev/null "${cmd_kexport[@]}"
done
rw=$(median "$tmp/rg.times" 1); rc=$(median "$tmp/rg.times" 2)
kw=$(median "$tmp/kexport.times" 1); kc=$(median "$tmp/kexport.times" 2)
echo "rg -c: $rw s wall, $rc s CPU (median of $runs)"
echo "kexport exports: $kw s wall, $kc s CPU (median of $runs)"
echo "ratio rg/kexport: wall $(ratio "$rw" "$kw")x, CPU $(ratio "$rc" "$kc")x (target >= 1.00: kexport no slower than rg)"
exit 0
