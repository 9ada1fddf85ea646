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

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/kernels.conf
. "$here/tests/kernels.conf"
runs=${RUNS:-5}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac

die() { echo "exports-vs-depmod: $*" >&2; exit 1; }

for t in depmod /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found (depmod: kmod package; /usr/bin/time: time package)"
done

# --- kexport ---------------------------------------------------------------
if [ -n "${KEXPORT:-}" ]; then
	kexport=$KEXPORT
else
	kexport=$here/build/kexport
	# Only build when missing: another ninja may be running in build/.
	if [ ! -x "$kexport" ]; then
		[ -f "$here/build/build.ninja" ] || meson setup "$here/build" "$here" >&2
		ninja -C "$here/build" >&2
	fi
fi
[ -x "$kexport" ] || die "no kexport binary at $kexport"

# --- input -----------------------------------------------------------------
cache=$("$here/scripts/fetch-kernels.sh" "$KEXPORT_ABI")
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
pkgroot=$cache/$arch/$KEXPORT_ABI
# The directory below lib/modules is the full release, e.g. 6.1.0-54-amd64.
release=$(find "$pkgroot/lib/modules" -mindepth 1 -maxdepth 1 -name "$KEXPORT_ABI-*" -printf '%f\n' | sort | head -n 1)
[ -n "$release" ] || die "no lib/modules/$KEXPORT_ABI-* in $pkgroot"
moddir=$pkgroot/lib/modules/$release
symvers=$pkgroot/usr/src/linux-headers-$release/Module.symvers
[ -f "$symvers" ] || die "missing $symvers"
[ -f "$pkgroot/boot/vmlinuz-$release" ] || die "missing $pkgroot/boot/vmlinuz-$release"
n_ko=$(find "$moddir/kernel" -name '*.ko*' | wc -l)

# depmod -b BASE VERSION reads BASE/lib/modules/VERSION.  Build that layout
# from symlinks (depmod follows them), in a real directory so that nothing
# could ever be written into the cache.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/lib/modules/$release"
for f in "$moddir"/*; do
	case ${f##*/} in build | source) continue ;; esac
	ln -s "$f" "$root/lib/modules/$release/${f##*/}"
done

# --- commands --------------------------------------------------------------
cmd_depmod=(depmod -e -E "$symvers" -n -b "$root" "$release")
# The same input as depmod: Module.symvers (for vmlinux) plus the module tree.
cmd_kexport=("$kexport" exports --format symvers "$symvers" "$moddir/kernel")
# Extra lines: all from binaries (bzImage + tree), and single-threaded.
cmd_kexport_mods=("$kexport" exports --format symvers "$moddir")
cmd_kexport_1t=("$kexport" --threads 1 exports --format symvers "$symvers" "$moddir/kernel")

# run NAME OUT CMD...: one run; appends "seconds peak_kib" to $tmp/NAME.
run() {
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

median() { # column 1 of FILE
	sort -n -k1,1 "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max_mib() { awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$1"; }

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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
echo "depmod -e -E: $d s (median of $runs)"
echo "kexport exports Module.symvers + tree: $k s (median of $runs)"
echo "ratio: $(ratio "$d" "$k")x (target >= 5x)"
echo "kexport peak RSS: $(max_mib "$tmp/kexport.times") MiB (target <= 64 MiB)"
echo "kexport exports bzImage + tree (xz-decompresses the kernel): $km s (median of $runs), ratio $(ratio "$d" "$km")x," \
	"peak RSS $(max_mib "$tmp/kexport-mods.times") MiB"
echo "kexport exports --threads 1: $k1 s (median of $runs), ratio $(ratio "$d" "$k1")x (depmod is single-threaded)"
echo "depmod peak RSS: $(max_mib "$tmp/depmod.times") MiB"
exit 0
