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
# Environment: BUILD (default ./build), RUNS (default 5), KEXPORT_CACHE.
# Warm page cache; runs alternate.  Prints the medians, the ratios
# depmod/audit (target >= 8x) and audit/floor (target <= 1.5x), and peak RSS
# (target <= 64 MiB).  Targets are reported, not enforced.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/kernels.conf
. "$here/tests/kernels.conf"
runs=${RUNS:-5}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac

die() { echo "audit-vs-depmod: $*" >&2; exit 1; }
for t in depmod /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found (depmod: kmod package; /usr/bin/time: time package)"
done

build=${BUILD:-$here/build}
kexport=$build/kexport
floor=$build/bench/pread-floor
[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >&2
ninja -C "$build" kexport bench/pread-floor >&2

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
root=$tmp/root
mkdir -p "$root/lib/modules/$release"
for f in "$moddir"/*; do
	case ${f##*/} in build | source) continue ;; esac
	ln -s "$f" "$root/lib/modules/$release/${f##*/}"
done

cmd_floor=("$floor" "$moddir/kernel")
cmd_kexport=("$kexport" audit "$moddir" --kernel "$symvers")
cmd_depmod=(depmod -e -E "$symvers" -n -b "$root" "$release")

run() { # NAME OUT CMD...: appends "seconds peak_kib" to $tmp/NAME.times
	local name=$1 out=$2 t0 t1 rc=0
	shift 2
	t0=$EPOCHREALTIME
	/usr/bin/time -o "$tmp/rss" -f %M "$@" >"$out" 2>"$tmp/$name.err" || rc=$?
	t1=$EPOCHREALTIME
	if [ $rc -ne 0 ]; then
		sed 's/^/  /' "$tmp/$name.err" | tail -n 20 >&2
		die "$name failed (exit $rc): $*"
	fi
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }') $(tail -n 1 "$tmp/rss")" \
		>>"$tmp/$name.times"
}
median() {
	sort -n -k1,1 "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max_mib() { awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

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
echo "ratio audit/floor: $(ratio "$k" "$f")x (target <= 1.5x)"
exit 0
