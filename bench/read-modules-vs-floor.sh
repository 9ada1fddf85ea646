#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark: a full read of every module of a Debian /lib/modules tree by
# libkexport (kexport_read_modules(): modinfo, imports, __versions, exports,
# signature; what `kexport audit` reads), against
#   - the pread floor (bench/pread-floor.c: the same walk, then on the same
#     threads only pread()s of the ELF header, section headers, section names
#     and the sections a full read needs, nothing parsed), and
#   - depmod -e -E Module.symvers -n (kmod), the peer.
#
#   bench/read-modules-vs-floor.sh
#
# Environment:
#   BUILD          build directory with bench/read-all and bench/pread-floor
#                  (default: ./build, built if missing)
#   RUNS           timed runs per command (default 5), after one untimed warm-up
#   KEXPORT_CACHE  test-data cache (see scripts/fetch-kernels.sh)
#
# Warm page cache; runs alternate.  Prints the median wall time of each, the
# ratios kexport/floor (target <= 1.5x) and depmod/kexport (target >= 8x),
# and peak RSS.  Exits 0 whenever every command ran and read every module:
# targets are reported, not enforced.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/kernels.conf
. "$here/tests/kernels.conf"
runs=${RUNS:-5}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac

die() { echo "read-modules-vs-floor: $*" >&2; exit 1; }

for t in depmod /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found (depmod: kmod package; /usr/bin/time: time package)"
done

build=${BUILD:-$here/build}
read_all=$build/bench/read-all
floor=$build/bench/pread-floor
if [ ! -x "$read_all" ] || [ ! -x "$floor" ]; then
	[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >&2
	ninja -C "$build" bench/read-all bench/pread-floor >&2
fi

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
cmd_kexport=("$read_all" "$moddir/kernel")
cmd_kexport_1t=("$read_all" -t 1 "$moddir/kernel")
cmd_floor_1t=("$floor" -t 1 "$moddir/kernel")
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
read -r k_mods _ <"$tmp/kexport.out"
[ "$f_mods" -eq "$n_ko" ] || die "the floor read $f_mods modules, expected $n_ko"
[ "$k_mods" -eq "$n_ko" ] || die "kexport read $k_mods modules, expected $n_ko"
echo "floor: $(cat "$tmp/floor.out"); kexport: $(cat "$tmp/kexport.out")" >&2
rm -f "$tmp"/*.times

for ((i = 1; i <= runs; i++)); do
	run depmod /dev/null "${cmd_depmod[@]}"
	run floor /dev/null "${cmd_floor[@]}"
	run kexport /dev/null "${cmd_kexport[@]}"
	run floor-1t /dev/null "${cmd_floor_1t[@]}"
	run kexport-1t /dev/null "${cmd_kexport_1t[@]}"
done

d=$(median "$tmp/depmod.times")
f=$(median "$tmp/floor.times")
k=$(median "$tmp/kexport.times")
f1=$(median "$tmp/floor-1t.times")
k1=$(median "$tmp/kexport-1t.times")
echo "depmod -e -E: $d s (median of $runs)"
echo "pread floor: $f s (median of $runs), peak RSS $(max_mib "$tmp/floor.times") MiB"
echo "kexport full module read: $k s (median of $runs), peak RSS $(max_mib "$tmp/kexport.times") MiB"
echo "ratio kexport/floor: $(ratio "$k" "$f")x (target <= 1.5x)"
echo "ratio depmod/kexport: $(ratio "$d" "$k")x (target >= 8x)"
echo "one thread: floor $f1 s, kexport $k1 s, ratio kexport/floor $(ratio "$k1" "$f1")x"
exit 0
