#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark on a compressed tree (.ko.xz: every pinned kernel after 6.1; by
# default Debian 13's 6.12), in the same run:
#   - the decompression floor: `xz -dc` of every module on all CPUs, nothing
#     parsed (xargs -P nproc), what any reader of the whole tree must spend;
#   - `kexport audit` of the tree against its Module.symvers;
#   - depmod -e -E Module.symvers -n (kmod), the peer, on the same tree;
#   - `kexport check --kernel DIR M.ko` of one module on the installed tree
#     (kmod's indexes written by depmod, as on a user's machine): reads the
#     image and the modules exporting what M needs, not the tree.
#
#   bench/audit-compressed-vs-floor.sh [ABI]
#
# Environment: BUILD (default ./build), RUNS (default 5), KEXPORT_CACHE.
# Prints the medians, audit/floor (target <= 1.0x), depmod/audit, check/audit
# (target <= 5%) and peak RSS (target <= 64 MiB).  Targets are reported, not
# enforced.
set -euo pipefail

name=audit-compressed-vs-floor
. "$(dirname "$0")/lib.sh"
need depmod xz xargs
abi=${1:-$(kx_generation_abis | sed -n 3p)}

build=${BUILD:-$here/build}
kexport=$build/kexport
[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >&2
ninja -C "$build" kexport bench/runstat >&2

kernel_tree "$abi"
depmod_root
n_xz=$(find "$moddir/kernel" -name '*.ko.xz' | wc -l)
[ "$n_xz" -gt 1000 ] || die "$moddir: only $n_xz .ko.xz modules: not a compressed tree"
# The installed tree's indexes (depmod writes into the root of symlinks).
depmod -b "$root" "$release" || die "depmod -b $root $release failed"
one=$root/lib/modules/$release/$(grep -m1 '/fs/fuse/cuse.ko' "$root/lib/modules/$release/modules.dep" | cut -d: -f1)

cmd_floor=(sh -c 'find "$1" -name "*.ko.xz" -print0 | xargs -0 -P "$(nproc)" -n 64 xz -dc > /dev/null' sh "$moddir/kernel")
cmd_audit=("$kexport" audit "$moddir" --kernel "$symvers")
cmd_depmod=(depmod -e -E "$symvers" -n -b "$root" "$release")
cmd_check=("$kexport" check --kernel "$root/lib/modules/$release" "$one")

echo "input: $moddir ($n_xz .ko.xz modules); $runs runs, $(nproc) CPUs" >&2
run warm /dev/null "${cmd_floor[@]}"
run warm "$tmp/audit.out" "${cmd_audit[@]}"
run warm /dev/null "${cmd_depmod[@]}"
run warm "$tmp/check.out" "${cmd_check[@]}"
grep -q "^$n_xz modules: $n_xz load, 0 refused" "$tmp/audit.out" ||
	die "audit did not judge all $n_xz modules loadable: $(sed -n 4p "$tmp/audit.out")"
grep -q ": loads" "$tmp/check.out" || die "check of $one: $(cat "$tmp/check.out")"
rm -f "$tmp"/*.times

for ((i = 1; i <= runs; i++)); do
	run depmod /dev/null "${cmd_depmod[@]}"
	run floor /dev/null "${cmd_floor[@]}"
	run audit /dev/null "${cmd_audit[@]}"
	run check /dev/null "${cmd_check[@]}"
done

d=$(median "$tmp/depmod.times")
f=$(median "$tmp/floor.times")
a=$(median "$tmp/audit.times")
c=$(median "$tmp/check.times")
echo "kernel $release, $n_xz .ko.xz modules, $(nproc) CPUs"
echo "decompression floor (xz -dc, all CPUs): $f s (median of $runs)"
echo "depmod -e -E Module.symvers -n: $d s, peak RSS $(max_mib "$tmp/depmod.times") MiB"
echo "kexport audit: $a s, peak RSS $(max_mib "$tmp/audit.times") MiB (target <= 64)"
echo "kexport check --kernel DIR $(basename "$one"): $c s, peak RSS $(max_mib "$tmp/check.times") MiB"
echo "ratio audit/floor: $(ratio "$a" "$f")x (target <= 1.0x)"
echo "ratio depmod/audit: $(ratio "$d" "$a")x"
echo "ratio check/audit: $(ratio "$c" "$a")x (target <= 0.05x)"
echo "paired (median of the rounds' own ratios): audit/floor $(paired_ratio "$tmp/audit.times" "$tmp/floor.times")x, depmod/audit $(paired_ratio "$tmp/depmod.times" "$tmp/audit.times")x, check/audit $(paired_ratio "$tmp/check.times" "$tmp/audit.times")x"
exit 0
