#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark: `kexport exports --format symvers` on a Debian /lib/modules tree
# against its peer, `depmod -e -E Module.symvers -n` (kmod), on the same input.
# Both read every module's export tables; depmod additionally checks each
# module's imports and CRCs against Module.symvers and builds its indexes.
#
#   bench/exports-vs-depmod.sh
#
# Environment:
#   KEXPORT        kexport binary (default: ./build/kexport, built if missing)
#   RUNS           timed runs per tool (default 5), after one untimed warm-up
#   KEXPORT_CACHE  test-data cache (see scripts/fetch-kernels.sh)
#
# Warm page cache; runs of the tools alternate.  Prints the median wall time
# of each, the ratio depmod/kexport and kexport's peak RSS.  Exits 0 whenever
# both tools ran successfully: targets are reported, not enforced.
set -euo pipefail

name=exports-vs-depmod
. "$(dirname "$0")/lib.sh"
need depmod

kexport_bin

# --- input -----------------------------------------------------------------
kernel_tree
[ -f "$pkgroot/boot/vmlinuz-$release" ] || die "missing $pkgroot/boot/vmlinuz-$release"
depmod_root

# --- commands --------------------------------------------------------------
cmd_depmod=(depmod -e -E "$symvers" -n -b "$root" "$release")
# The same input as depmod: Module.symvers (for vmlinux) plus the module tree.
cmd_kexport=("$kexport" exports --format symvers "$symvers" "$moddir/kernel")
# Extra lines: all from binaries (bzImage + tree), and single-threaded.
cmd_kexport_mods=("$kexport" exports --format symvers "$moddir")
cmd_kexport_1t=("$kexport" --threads 1 exports --format symvers "$symvers" "$moddir/kernel")

# --- warm-up, with sanity checks on what each tool read ---------------------
echo "input: $moddir ($n_ko modules) + boot/vmlinuz-$release; $runs runs, $(nproc) CPUs" >&2
run warm "$tmp/depmod.out" "${cmd_depmod[@]}"
dep_mods=$(grep -c '^kernel/.*\.ko[^:]*:' "$tmp/depmod.out" || true)
dep_syms=$(grep -c '^alias symbol:' "$tmp/depmod.out" || true)
[ "$(stat -c %s "$tmp/depmod.out")" -gt 100000 ] || die "depmod output is suspiciously small"
[ "$dep_mods" -eq "$n_ko" ] || die "depmod listed $dep_mods modules in modules.dep, expected $n_ko"
[ -s "$tmp/warm.err" ] && { echo "depmod -e reported:" >&2; head -n 5 "$tmp/warm.err" >&2; }
run warm "$tmp/kexport.out" "${cmd_kexport[@]}"
run warm "$tmp/kexport-mods.out" "${cmd_kexport_mods[@]}"
run warm /dev/null "${cmd_kexport_1t[@]}"
kx_all=$(wc -l <"$tmp/kexport.out")
kx_mods=$(awk -F'\t' '$3 != "vmlinux"' "$tmp/kexport.out" | wc -l)
kx_vmlinux=$(awk -F'\t' '$3 == "vmlinux"' "$tmp/kexport.out" | wc -l)
cmp -s <(sort "$tmp/kexport-mods.out") <(sort "$symvers") || die "bzImage + tree output differs from Module.symvers"
if [ "$kx_mods" -eq 0 ] || [ "$kx_vmlinux" -eq 0 ]; then
	die "kexport read no module or no vmlinux exports"
fi
if cmp -s <(sort "$tmp/kexport.out") <(sort "$symvers"); then same=identical; else same=DIFFERENT; fi
echo "depmod: $dep_mods modules, $dep_syms module symbols; kexport: $kx_all exports" \
	"($kx_vmlinux vmlinux, $kx_mods from modules only); sorted output vs Module.symvers: $same" >&2
rm -f "$tmp"/*.times

# --- timed runs, alternating ------------------------------------------------
for ((i = 1; i <= runs; i++)); do
	run depmod /dev/null "${cmd_depmod[@]}"
	run kexport /dev/null "${cmd_kexport[@]}"
	run kexport-mods /dev/null "${cmd_kexport_mods[@]}"
	run kexport-1t /dev/null "${cmd_kexport_1t[@]}"
done

d=$(median "$tmp/depmod.times")
k=$(median "$tmp/kexport.times")
km=$(median "$tmp/kexport-mods.times")
k1=$(median "$tmp/kexport-1t.times")
echo "depmod -e -E: $d s (median of $runs)"
echo "kexport exports Module.symvers + tree: $k s (median of $runs)"
echo "ratio: $(ratio "$d" "$k")x (target >= 5x)"
echo "kexport peak RSS: $(max_mib "$tmp/kexport.times") MiB (target <= 64 MiB)"
echo "kexport exports bzImage + tree (xz-decompresses the kernel): $km s (median of $runs), ratio $(ratio "$d" "$km")x," \
	"peak RSS $(max_mib "$tmp/kexport-mods.times") MiB"
echo "kexport exports --threads 1: $k1 s (median of $runs), ratio $(ratio "$d" "$k1")x (depmod is single-threaded)"
echo "depmod peak RSS: $(max_mib "$tmp/depmod.times") MiB"
exit 0
