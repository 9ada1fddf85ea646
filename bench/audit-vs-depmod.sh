#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark: `kexport audit` of a whole Debian /lib/modules tree against
# its Module.symvers (every module read fully and judged by the verdict
# engine), against
#   - depmod -e -E Module.symvers -n (kmod), the peer, on the same tree and
#     the same Module.symvers, in the same run;
#   - the pread floor (bench/pread-floor.c: the same walk, only the pread()s
#     of the sections a full read needs, nothing parsed).
#
#   bench/audit-vs-depmod.sh
#
# Environment: BUILD (default ./build), RUNS (default 11), KEXPORT_CACHE.
# Warm page cache; runs alternate.  Prints the medians, the ratios
# depmod/audit (target >= 8x) and audit/floor (target <= 1.2x, issue 14), and peak RSS
# (target <= 64 MiB).  Targets are reported, not enforced.
set -euo pipefail

name=audit-vs-depmod
RUNS=${RUNS:-11} # a tenth of a second a run: medians of 5 moved by 10% between invocations
. "$(dirname "$0")/lib.sh"
need depmod

build=${BUILD:-$here/build}
kexport=$build/kexport
floor=$build/bench/pread-floor
[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >&2
ninja -C "$build" kexport bench/pread-floor bench/runstat >&2

kernel_tree
depmod_root

cmd_floor=("$floor" "$moddir/kernel")
cmd_kexport=("$kexport" audit "$moddir" --kernel "$symvers")
cmd_depmod=(depmod -e -E "$symvers" -n -b "$root" "$release")

echo "input: $moddir/kernel ($n_ko modules); $runs runs, $(nproc) CPUs" >&2
run warm "$tmp/floor.out" "${cmd_floor[@]}"
run warm "$tmp/kexport.out" "${cmd_kexport[@]}"
run warm /dev/null "${cmd_depmod[@]}"
read -r f_mods _ <"$tmp/floor.out"
[ "$f_mods" -eq "$n_ko" ] || die "the floor read $f_mods modules, expected $n_ko"
grep -q "^$n_ko modules: $n_ko load, 0 refused" "$tmp/kexport.out" ||
	die "audit did not judge all $n_ko modules loadable: $(sed -n 3p "$tmp/kexport.out")"
echo "audit: $(grep -m1 " modules: " "$tmp/kexport.out")" >&2
rm -f "$tmp"/*.times

for ((i = 1; i <= runs; i++)); do
	run depmod /dev/null "${cmd_depmod[@]}"
	run floor /dev/null "${cmd_floor[@]}"
	run kexport /dev/null "${cmd_kexport[@]}"
done

d=$(median "$tmp/depmod.times")
f=$(median "$tmp/floor.times")
k=$(median "$tmp/kexport.times")
echo "depmod -e -E Module.symvers -n: $d s (median of $runs), peak RSS $(max_mib "$tmp/depmod.times") MiB"
echo "pread floor: $f s (median of $runs)"
echo "kexport audit --kernel Module.symvers: $k s (median of $runs), peak RSS $(max_mib "$tmp/kexport.times") MiB (target <= 64)"
echo "ratio depmod/audit: $(ratio "$d" "$k")x (target >= 8x)"
echo "ratio audit/floor: $(ratio "$k" "$f")x (target <= 1.2x)"
# audit runs on every CPU, depmod on one: a burst of other work on the
# machine slows audit's run more.  The fastest runs show that spread.
df=$(fastest "$tmp/depmod.times") ff=$(fastest "$tmp/floor.times") kf=$(fastest "$tmp/kexport.times")
echo "fastest runs: depmod $df s, floor $ff s, audit $kf s: depmod/audit $(ratio "$df" "$kf")x, audit/floor $(ratio "$kf" "$ff")x"
echo "paired (median of the $runs rounds' own ratios): depmod/audit $(paired_ratio "$tmp/depmod.times" "$tmp/kexport.times")x, audit/floor $(paired_ratio "$tmp/kexport.times" "$tmp/floor.times")x"
exit 0
