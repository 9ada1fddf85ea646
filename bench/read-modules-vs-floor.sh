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

name=read-modules-vs-floor
. "$(dirname "$0")/lib.sh"
need depmod

build=${BUILD:-$here/build}
read_all=$build/bench/read-all
floor=$build/bench/pread-floor
if [ ! -x "$read_all" ] || [ ! -x "$floor" ]; then
	[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >&2
	ninja -C "$build" bench/read-all bench/pread-floor bench/runstat >&2
fi

kernel_tree
depmod_root

cmd_floor=("$floor" "$moddir/kernel")
cmd_kexport=("$read_all" "$moddir/kernel")
cmd_kexport_1t=("$read_all" -t 1 "$moddir/kernel")
cmd_floor_1t=("$floor" -t 1 "$moddir/kernel")
cmd_depmod=(depmod -e -E "$symvers" -n -b "$root" "$release")

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
