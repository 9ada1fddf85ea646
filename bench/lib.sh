# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the bench/ scripts: the pinned Debian kernel, a depmod-shaped
# root for it, and timing.  Source it after setting `name` (for messages).
#
#   here        the source tree
#   runs        $RUNS (default 5), checked
#   die MSG     "NAME: MSG" on stderr, exit 1
#   need CMD... die unless each command exists
#   kexport_bin sets kexport: $KEXPORT, else ./build/kexport (built if missing)
#   kernel_tree sets cache, arch, pkgroot, release (e.g. 6.1.0-54-amd64),
#               moddir, symvers, n_ko for $KEXPORT_ABI (or ABI given)
#   depmod_root sets root: $tmp/root/lib/modules/$release as symlinks
#   run NAME OUT CMD...   one timed run (bench/runstat); appends
#                         "seconds peak_kib" to $tmp/NAME.times; stdout to
#                         OUT; dies on failure
#   median FILE, fastest FILE, max_mib FILE, ratio A B, paired_ratio A B
# A temporary directory $tmp is made and removed on exit.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/kernels.conf
. "$here/tests/kernels.conf"
runs=${RUNS:-5}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac

die() { echo "${name:-bench}: $*" >&2; exit 1; }
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t not found (depmod: kmod package; rg: ripgrep)"
	done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# kexport_bin: sets kexport to $KEXPORT, else ./build/kexport, built only when
# missing (another ninja may be running in build/).
kexport_bin() {
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
}

kernel_tree() {
	local abi=${1:-$KEXPORT_ABI}
	cache=$("$here/scripts/fetch-kernels.sh" "$abi")
	arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
	pkgroot=$cache/$arch/$abi
	# The directory below lib/modules is the full release, e.g. 6.1.0-54-amd64.
	# From 6.12 the packages install into usr/lib/modules.
	local mods=$pkgroot/lib/modules
	[ -d "$mods" ] || mods=$pkgroot/usr/lib/modules
	release=$(find "$mods" -mindepth 1 -maxdepth 1 -name "$abi-*" -printf '%f\n' | sort | head -n 1)
	[ -n "$release" ] || die "no lib/modules/$abi-* in $pkgroot"
	moddir=$mods/$release
	symvers=$pkgroot/usr/src/linux-headers-$release/Module.symvers
	[ -f "$symvers" ] || die "missing $symvers"
	n_ko=$(find "$moddir/kernel" -name '*.ko*' | wc -l)
}

# depmod -b BASE VERSION reads BASE/lib/modules/VERSION: that layout from
# symlinks (depmod follows them), in a real directory so that nothing could
# ever be written into the cache.
depmod_root() {
	local f
	root=$tmp/root
	mkdir -p "$root/lib/modules/$release"
	# the image, for a kexport that finds it from the modules directory
	[ -d "$pkgroot/boot" ] && ln -s "$pkgroot/boot" "$root/boot"
	for f in "$moddir"/*; do
		case ${f##*/} in build | source) continue ;; esac
		ln -s "$f" "$root/lib/modules/$release/${f##*/}"
	done
}

# runstat_bin: sets runstat, bench/runstat of $build (else ./build), built
# when missing.  It times only the command (see bench/runstat.c).
runstat_bin() {
	local b=${build:-$here/build}
	runstat=$b/bench/runstat
	if [ ! -x "$runstat" ]; then
		[ -f "$b/build.ninja" ] || meson setup "$b" "$here" >&2
		ninja -C "$b" bench/runstat >&2
	fi
	[ -x "$runstat" ] || die "no $runstat"
}

run() {
	local rname=$1 out=$2 rc=0
	shift 2
	[ -n "${runstat:-}" ] || runstat_bin
	"$runstat" "$tmp/stat" "$@" >"$out" 2>"$tmp/$rname.err" || rc=$?
	if [ $rc -ne 0 ]; then
		sed 's/^/  /' "$tmp/$rname.err" | tail -n 20 >&2
		die "$rname failed (exit $rc): $*"
	fi
	cat "$tmp/stat" >>"$tmp/$rname.times"
}
median() {
	sort -n -k1,1 "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# fastest FILE: the least time of the runs (what a run costs without the
# machine's other work; the medians are what the targets are checked on)
fastest() { sort -n -k1,1 "$1" | awk 'NR == 1 { printf "%.3f", $1 }'; }
max_mib() { awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$1"; }
# paired_ratio A B: the median over runs i of A's time i / B's time i.  Run i
# of each tool ran back to back, so a slow spell of the machine slows both
# of a pair; the medians of each tool alone can fall in different spells.
paired_ratio() {
	paste -d ' ' "$1" "$2" | awk '$3 > 0 { print $1 / $3 }' | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
