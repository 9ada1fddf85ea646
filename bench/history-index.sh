#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark: `kexport history` indexing against the plain source scan of the
# same tree, on the test repository (tests/integration/history-repo.sh:
# linux-source-6.1 as tag v6.1, then 11 scripted tags).
#
#   bench/history-index.sh
#
# Environment:
#   KEXPORT            kexport binary (default: ./build/kexport)
#   RUNS               timed runs of each measurement (default 3); medians
#   TAGS               tags to estimate for (default 900: linux.git's v2.6.11..v6.x
#                      releases and release candidates)
#   FILES_PER_TAG      changed .c/.h/.S files per tag for the estimate (default
#                      1400, see below)
#
# Prints, CPU seconds (user+sys) first because this 2-core machine is shared
# and wall times are noisy, wall seconds in brackets:
#   (1) the plain scan `kexport exports TREE` of the unpacked tree;
#   (2) indexing the first tag (v6.1: every file of the tree is new) into an
#       empty index, and the ratio (2)/(1) (target <= 2): (2a) in the
#       repository with its worktree (checked out at v6.12, so the index
#       vouches for almost every v6.1 blob and the file is read instead of
#       inflated), (2b) in a bare clone of it, where every blob is inflated
#       from the pack, as for the old tags of a linux.git clone;
#   (3) indexing the 11 further tags on top of (2): seconds per tag and per
#       changed file (the cost of a file changed between two tags);
#   (4) an estimate for TAGS tags: the first tag, plus per tag its fixed cost
#       and FILES_PER_TAG changed files at the rate of (2).
#
# Where FILES_PER_TAG comes from: a mainline release changes ~12,000 files
# (`git diff --shortstat` between consecutive 6.x releases of linux.git
# reports 11-14k files; LWN's per-release statistics give 12-15k
# changesets), about 85% of them .c/.h/.S; linux.git has ~105 releases and
# ~900 release and -rc tags from v2.6.11, so a tag brings on average
# 105 * 12000 * 0.85 / 900 ~ 1200-1400 changed sources.  Set FILES_PER_TAG
# to your own count.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
tags=${TAGS:-900}
fpt=${FILES_PER_TAG:-1400}
kexport=${KEXPORT:-$here/build/kexport}
[ -x "$kexport" ] || { echo "history-index: $kexport missing (ninja -C build)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "history-index: /usr/bin/time missing (time package)" >&2; exit 1; }
out=$("$here/tests/integration/history-repo.sh") || exit 1
repo=$(sed -n 1p <<<"$out")/repo
src=$(sed -n 2p <<<"$out")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q --bare --shared "$repo" "$tmp/bare.git"

# timed OUT CMD...: run, append "cpu wall" to OUT
timed() {
	local o=$1
	shift
	/usr/bin/time -f '%U %S %e' -o "$tmp/t" "$@" >"$tmp/stdout"
	awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$tmp/t" >>"$o"
}
median() { sort -n -k1,1 "$1" | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

"$kexport" exports "$src" >/dev/null # warm the page cache
for _ in $(seq "$runs"); do
	timed "$tmp/scan" "$kexport" exports "$src"
	rm -f "$tmp/first.sqlite"*
	timed "$tmp/first" "$kexport" history "$repo" --db "$tmp/first.sqlite" --range ..v6.1 -j
	cp "$tmp/stdout" "$tmp/first.json"
	rm -f "$tmp/bare.sqlite"*
	timed "$tmp/bare" "$kexport" history "$tmp/bare.git" --db "$tmp/bare.sqlite" --range ..v6.1 -j
	cp "$tmp/stdout" "$tmp/bare.json"
	rm -f "$tmp/rest.sqlite"*
	cp "$tmp/first.sqlite" "$tmp/rest.sqlite"
	timed "$tmp/rest" "$kexport" history "$repo" --db "$tmp/rest.sqlite" -j
	cp "$tmp/stdout" "$tmp/rest.json"
done
read -r scan_cpu scan_wall <<<"$(median "$tmp/scan")"
read -r first_cpu first_wall <<<"$(median "$tmp/first")"
read -r rest_cpu rest_wall <<<"$(median "$tmp/rest")"
read -r bare_cpu bare_wall <<<"$(median "$tmp/bare")"
python3 - "$tmp" "$scan_cpu" "$scan_wall" "$first_cpu" "$first_wall" "$rest_cpu" "$rest_wall" \
	"$tags" "$fpt" "$bare_cpu" "$bare_wall" <<'PY'
import json, sys
tmp = sys.argv[1]
scan_cpu, scan_wall, first_cpu, first_wall, rest_cpu, rest_wall = map(float, sys.argv[2:8])
tags, fpt = int(sys.argv[8]), int(sys.argv[9])
bare_cpu, bare_wall = float(sys.argv[10]), float(sys.argv[11])
first = json.load(open(tmp + '/first.json'))['index']
bare = json.load(open(tmp + '/bare.json'))['index']
rest = json.load(open(tmp + '/rest.json'))['index']
ratio = first_cpu / scan_cpu
print(f"(1) plain scan (kexport exports TREE):   {scan_cpu:7.2f} s CPU  [{scan_wall:.2f} s wall]")
print(f"(2a) first tag v6.1, with the worktree:  {first_cpu:7.2f} s CPU  [{first_wall:.2f} s wall]; "
      f"{first['files_changed']} files, {first['blobs_parsed']} blobs parsed, "
      f"{first['blobs_from_worktree']} of them read from the worktree")
print(f"    ratio first tag / plain scan: {ratio:.2f} (CPU), {first_wall / scan_wall:.2f} (wall); "
      f"target <= 2: {'met' if ratio <= 2 else 'NOT met'}")
bratio = bare_cpu / scan_cpu
print(f"(2b) first tag v6.1, bare clone (pack):    {bare_cpu:7.2f} s CPU  [{bare_wall:.2f} s wall]; "
      f"{bare['blobs_parsed']} blobs inflated; ratio to the plain scan {bratio:.2f} (CPU), "
      f"{bare_wall / scan_wall:.2f} (wall); target <= 2: {'met' if bratio <= 2 else 'NOT met'}")
# The estimate is for a clone's old tags: blobs come from the pack.
per_file = bare_cpu / max(bare['files_changed'], 1)
n = rest['tags_done']
print(f"(3) {n} further tags: {rest_cpu:.2f} s CPU [{rest_wall:.2f} s wall], {rest['files_changed']} changed files, "
      f"{rest['blobs_parsed']} blobs parsed: {rest_cpu / max(n, 1):.3f} s per tag, "
      f"{rest_cpu / max(rest['files_changed'], 1):.4f} s per changed file (fixed costs included)")
print(f"    rate from the first tag in the bare clone (every file changed, inflated): "
      f"{per_file * 1e6:.0f} us per changed file")
fixed = rest_cpu / max(n, 1)  # an upper bound: these tags change ~4 files each
est = bare_cpu + tags * (fixed + fpt * per_file)
print(f"(4) estimate for {tags} tags at {fpt} changed sources per tag: "
      f"{bare_cpu:.0f} s + {tags} x ({fixed:.3f} s + {fpt} x {per_file * 1e6:.0f} us) = "
      f"{est:.0f} s CPU ({est / 3600:.2f} h on one core; Elixir: ~15 h for linux.git)")
PY
