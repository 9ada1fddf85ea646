#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark: `kexport whatif` over a whole Debian /lib/modules tree against
# its Module.symvers, against `kexport audit` of the same tree (its baseline:
# a what-if is the audit plus a second, selective pass), in the same run:
#   - whatif --gpl-only unmap_mapping_range (a narrow change: a few dozen
#     modules judged again);
#   - whatif --export '*' --ns '*=' (every export plain and in no namespace:
#     every module importing anything is judged again).
#
#   bench/whatif-vs-audit.sh
#
# Environment: BUILD (default ./build), RUNS (default 5), KEXPORT_CACHE.
# Warm page cache; runs alternate.  Prints the medians of wall and user+sys
# CPU time and the ratios whatif/audit (target <= 1.3x).  Targets are
# reported, not enforced.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/kernels.conf
. "$here/tests/kernels.conf"
runs=${RUNS:-5}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac
die() { echo "whatif-vs-audit: $*" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || die "/usr/bin/time not found (time package)"

build=${BUILD:-$here/build}
kexport=$build/kexport
[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >&2
ninja -C "$build" kexport >&2

cache=$("$here/scripts/fetch-kernels.sh" "$KEXPORT_ABI")
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
pkgroot=$cache/$arch/$KEXPORT_ABI
release=$(find "$pkgroot/lib/modules" -mindepth 1 -maxdepth 1 -name "$KEXPORT_ABI-*" -printf '%f\n' | sort | head -n 1)
[ -n "$release" ] || die "no lib/modules/$KEXPORT_ABI-* in $pkgroot"
moddir=$pkgroot/lib/modules/$release
symvers=$pkgroot/usr/src/linux-headers-$release/Module.symvers
[ -f "$symvers" ] || die "missing $symvers"
n_ko=$(find "$moddir/kernel" -name '*.ko*' | wc -l)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmd_audit=("$kexport" audit "$moddir" --kernel "$symvers")
cmd_narrow=("$kexport" whatif --modules "$moddir" --kernel "$symvers" --gpl-only unmap_mapping_range)
cmd_wide=("$kexport" whatif --modules "$moddir" --kernel "$symvers" --export '*' --ns '*=')

run() { # NAME CMD...: appends "wall cpu" to $tmp/NAME.times, output in $tmp/NAME.out
	local name=$1 t0 t1 rc=0
	shift
	t0=$EPOCHREALTIME
	/usr/bin/time -o "$tmp/cpu" -f '%U %S' "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
	t1=$EPOCHREALTIME
	if [ $rc -gt 1 ]; then
		sed 's/^/  /' "$tmp/$name.err" | tail -n 20 >&2
		die "$name failed (exit $rc): $*"
	fi
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }') $(awk '{ printf "%.3f", $1 + $2 }' "$tmp/cpu")" \
		>>"$tmp/$name.times"
}
median() { # FILE COLUMN
	sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

echo "input: $moddir ($n_ko modules); $runs runs, $(nproc) CPUs" >&2
run audit "${cmd_audit[@]}"
run narrow "${cmd_narrow[@]}"
run wide "${cmd_wide[@]}"
grep -q "^$n_ko modules: $n_ko load, 0 refused" "$tmp/audit.out" || die "audit: $(sed -n 3p "$tmp/audit.out")"
for w in narrow wide; do
	grep -q "^$n_ko modules: " "$tmp/$w.out" || die "whatif $w did not judge $n_ko modules: $(tail -n 1 "$tmp/$w.out")"
	echo "whatif $w: $(tail -n 1 "$tmp/$w.out")" >&2
done
rm -f "$tmp"/*.times

for ((i = 1; i <= runs; i++)); do
	run audit "${cmd_audit[@]}"
	run narrow "${cmd_narrow[@]}"
	run wide "${cmd_wide[@]}"
done

a=$(median "$tmp/audit.times" 1) ac=$(median "$tmp/audit.times" 2)
echo "kexport audit: $a s wall, $ac s user+sys (median of $runs)"
for w in narrow wide; do
	x=$(median "$tmp/$w.times" 1) xc=$(median "$tmp/$w.times" 2)
	echo "kexport whatif ($w: $(sed -n 's/^# change: //p' "$tmp/$w.out" | cut -d: -f1 | paste -sd' ')): $x s wall, $xc s user+sys"
	echo "ratio whatif/audit ($w): $(ratio "$x" "$a")x wall, $(ratio "$xc" "$ac")x CPU (target <= 1.3x)"
done
exit 0
