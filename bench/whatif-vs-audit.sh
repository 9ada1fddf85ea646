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

name=whatif-vs-audit
. "$(dirname "$0")/lib.sh"
need /usr/bin/time

build=${BUILD:-$here/build}
kexport=$build/kexport
[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >&2
ninja -C "$build" kexport >&2

kernel_tree

cmd_audit=("$kexport" audit "$moddir" --kernel "$symvers")
cmd_narrow=("$kexport" whatif --modules "$moddir" --kernel "$symvers" --gpl-only unmap_mapping_range)
cmd_wide=("$kexport" whatif --modules "$moddir" --kernel "$symvers" --export '*' --ns '*=')

# run_cpu NAME CMD...: appends "wall cpu" to $tmp/NAME.cpu, output in $tmp/NAME.out
run_cpu() {
	local rname=$1 t0 t1 rc=0
	shift
	t0=$EPOCHREALTIME
	/usr/bin/time -o "$tmp/cpu" -f '%U %S' "$@" >"$tmp/$rname.out" 2>"$tmp/$rname.err" || rc=$?
	t1=$EPOCHREALTIME
	if [ $rc -gt 1 ]; then
		sed 's/^/  /' "$tmp/$rname.err" | tail -n 20 >&2
		die "$rname failed (exit $rc): $*"
	fi
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }') $(awk '{ printf "%.3f", $1 + $2 }' "$tmp/cpu")" \
		>>"$tmp/$rname.cpu"
}
median_col() { awk -v c="$2" '{ print $c }' "$1" > "$tmp/col" && median "$tmp/col"; }

echo "input: $moddir ($n_ko modules); $runs runs, $(nproc) CPUs" >&2
run_cpu audit "${cmd_audit[@]}"
run_cpu narrow "${cmd_narrow[@]}"
run_cpu wide "${cmd_wide[@]}"
grep -q "^$n_ko modules: $n_ko load, 0 refused" "$tmp/audit.out" || die "audit: $(sed -n 3p "$tmp/audit.out")"
for w in narrow wide; do
	grep -q "^$n_ko modules: " "$tmp/$w.out" || die "whatif $w did not judge $n_ko modules: $(tail -n 1 "$tmp/$w.out")"
	echo "whatif $w: $(tail -n 1 "$tmp/$w.out")" >&2
done
rm -f "$tmp"/*.cpu

for ((i = 1; i <= runs; i++)); do
	run_cpu audit "${cmd_audit[@]}"
	run_cpu narrow "${cmd_narrow[@]}"
	run_cpu wide "${cmd_wide[@]}"
done

a=$(median_col "$tmp/audit.cpu" 1) ac=$(median_col "$tmp/audit.cpu" 2)
echo "kexport audit: $a s wall, $ac s user+sys (median of $runs)"
for w in narrow wide; do
	x=$(median_col "$tmp/$w.cpu" 1) xc=$(median_col "$tmp/$w.cpu" 2)
	echo "kexport whatif ($w: $(sed -n 's/^# change: //p' "$tmp/$w.out" | cut -d: -f1 | paste -sd' ')): $x s wall, $xc s user+sys"
	echo "ratio whatif/audit ($w): $(ratio "$x" "$a")x wall, $(ratio "$xc" "$ac")x CPU (target <= 1.3x)"
done
exit 0
