#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Resource bounds under load: the peak RSS and the most descriptors open
# at once of `kexport audit` of Debian 13's compressed tree at 1, 2 and 16
# threads, beside depmod -e -E on the same tree (single-threaded) in the
# same run.  What grows with the thread count must be each thread's own
# scratch and nothing more (issue 19): the script prints the growth per
# added thread.  Targets are reported, not enforced.
#
#   bench/audit-threads-resources.sh [ABI]
#
# Environment: KEXPORT (default ./build/kexport), RUNS (default 3).
set -euo pipefail

name=audit-threads-resources
RUNS=${RUNS:-3}
. "$(dirname "$0")/lib.sh"
need depmod
kexport_bin
runstat_bin
kernel_tree "${1:-$(kx_generation_abis | sed -n 3p)}"
depmod_root

# The most descriptors the process had open, sampled every 2 ms from /proc.
max_fds() { # CMD...
	"$@" >/dev/null 2>"$tmp/fds.err" &
	local pid=$! max=0 n
	while kill -0 "$pid" 2>/dev/null; do
		n=$(ls /proc/"$pid"/fd 2>/dev/null | wc -l) || n=0
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.002
	done
	wait "$pid" || die "$* failed: $(head -3 "$tmp/fds.err")"
	echo "$max"
}

echo "input: $moddir ($n_ko modules); $runs runs, $(nproc) CPUs" >&2

# Each thread's own scratch, the bound on what a thread may add: its
# scratch region (lib/base/util.c, KX_SCRATCH_SIZE: the buffers of the
# source it reads, a decompressed module among them; touched only as far
# as needed), one huge page of slab for the models it builds, and its
# decompressor's state (for xz, `xz -lvv`'s MemUsage: the dictionary
# Kbuild chose, --lzma2=dict=1MiB, and the decoder's tables).  Peaks vary
# by a few MiB from run to run with how the threads' big modules overlap.
scratch_mib=$(sed -n 's/^#define KX_SCRATCH_SIZE ((size_t)\([0-9]*\) << 20)$/\1/p' "$(dirname "$0")/../lib/base/util.c")
[ -n "$scratch_mib" ] || die "KX_SCRATCH_SIZE not found in lib/base/util.c"
huge_mib=$(awk '/Hugepagesize/ { print $2 / 1024 }' /proc/meminfo)
sample=$(find "$moddir" -name '*.ko.xz' -print -quit)
dec_mib=0
[ -n "$sample" ] && dec_mib=$(xz -lvv --robot "$sample" | awk -F'\t' '$1 == "summary" { printf "%.1f", $2 / 1048576 }')
own_mib=$(awk -v s="$scratch_mib" -v h="${huge_mib:-2}" -v d="$dec_mib" 'BEGIN { printf "%.1f", s + h + d }')
echo "each thread's own scratch: at most $scratch_mib MiB scratch + ${huge_mib:-2} MiB slab + $dec_mib MiB xz decoder = $own_mib MiB"
run depmod /dev/null depmod -e -E "$symvers" -n -b "$root" "$release"
echo "depmod -e -E Module.symvers -n: peak RSS $(max_mib "$tmp/depmod.times") MiB"
prev_rss= prev_t=
for t in 1 2 16; do
	rm -f "$tmp/t$t.times"
	fd_max=0
	for ((i = 1; i <= runs; i++)); do
		run "t$t" /dev/null "$kexport" --threads "$t" audit "$moddir"
		f=$(max_fds "$kexport" --threads "$t" audit "$moddir")
		[ "$f" -gt "$fd_max" ] && fd_max=$f
	done
	rss=$(max_mib "$tmp/t$t.times")
	line="kexport --threads $t audit: $(median "$tmp/t$t.times") s (median), peak RSS $rss MiB, at most $fd_max descriptors open"
	if [ -n "$prev_rss" ]; then
		line+="; $(awk -v a="$rss" -v b="$prev_rss" -v t="$t" -v p="$prev_t" -v o="$own_mib" \
			'BEGIN { g = (a - b) / (t - p); printf "%+.1f MiB per thread added since %d (%s its own scratch, %.1f MiB)", g, p, g <= o ? "within" : "MORE THAN", o }')"
	fi
	echo "$line"
	prev_rss=$rss prev_t=$t
done
