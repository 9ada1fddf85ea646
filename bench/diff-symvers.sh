#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark: `kexport diff OLD NEW` of two full Debian Module.symvers files
# (KEXPORT_ABI_OLD and KEXPORT_ABI, ~24.6k lines each) against the ways the
# field compares them today, run in the same invocation:
#   - python: what RHEL's check-kabi and SUSE's kabi.pl do: load both files
#     into dictionaries, report lost symbols, changed CRCs and export types
#     (written here, in their style);
#   - awk: the shell way (one pass over OLD into an array, one over NEW).
# Each does less than kexport diff (no namespaces, owners or JSON).
#
#   bench/diff-symvers.sh
#
# Environment: KEXPORT (default ./build/kexport), RUNS (default 9).
# Prints each tool's median process time (user+sys CPU, and wall), kexport's
# against the 50 ms target, the ratios, and the start-up floor with the load
# average (a loaded machine inflates all of them).  Exits 0 whenever every tool ran.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/kernels.conf
. "$here/tests/kernels.conf"
runs=${RUNS:-9}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac
die() { echo "diff-symvers: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 not found"

kexport=${KEXPORT:-$here/build/kexport}
[ -x "$kexport" ] || die "no kexport binary at $kexport (build it: meson setup build && ninja -C build)"
sv() {
	local cache
	cache=$("$here/scripts/fetch-kernels.sh" "$1") || die "cannot fetch Debian kernel $1"
	echo "$cache/amd64/$1/usr/src/linux-headers-$1-amd64/Module.symvers"
}
old=$(sv "$KEXPORT_ABI_OLD")
new=$(sv "$KEXPORT_ABI")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/peer.py" <<'PY'
import sys
def load(path):
    syms = {}
    with open(path) as f:
        for line in f:
            fields = line.rstrip('\n').split('\t')
            syms[fields[1]] = fields
    return syms
old, new = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for name in sorted(old):
    o, n = old[name], new.get(name)
    if n is None:
        print(f"{name}: lost"); bad += 1
    elif o[0] != n[0]:
        print(f"{name}: changed crc from {o[0]} to {n[0]}"); bad += 1
    elif o[3] != n[3] and n[3].endswith('_GPL'):
        print(f"{name}: changed type from {o[3]} to {n[3]}"); bad += 1
for name in sorted(set(new) - set(old)):
    print(f"{name}: added")
sys.exit(1 if bad else 0)
PY
cat > "$tmp/peer.awk" <<'AWK'
BEGIN { FS = "\t" }
FNR == NR { crc[$2] = $1; kind[$2] = $4; next }
{
	seen[$2] = 1
	if (!($2 in crc)) print $2 ": added"
	else if (crc[$2] != $1) print $2 ": changed crc from " crc[$2] " to " $1
	else if (kind[$2] != $4) print $2 ": changed type from " kind[$2] " to " $4
}
END { for (s in crc) if (!(s in seen)) print s ": lost" }
AWK

# The child's own CPU time from wait4() (microseconds; /usr/bin/time rounds
# to 10 ms, too coarse here), and its wall time.
cat > "$tmp/timeit.py" <<'PY'
import os, subprocess, sys, time
out, err = open(sys.argv[1], 'w'), open(sys.argv[2], 'w')
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
print(f"{(ru.ru_utime + ru.ru_stime) * 1000:.2f} {wall * 1000:.2f}")
sys.exit(os.waitstatus_to_exitcode(status))
PY
# run NAME CMD...: one timed run; appends "cpu_ms wall_ms" to $tmp/NAME.
# Exit status 1 means "changes found" for every tool here; more is a failure.
run() {
	local name=$1
	shift
	set +e
	python3 "$tmp/timeit.py" "$tmp/$name.out" "$tmp/$name.err" "$@" >> "$tmp/$name"
	local rc=$?
	set -e
	[ $rc -le 1 ] || die "$name exited $rc: $(head -n 3 "$tmp/$name.err")"
}
median() { sort -n -k"$2" "$tmp/$1" | awk -v k="$2" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'; }

tools=(kexport python awk floor)
for i in $(seq 0 "$runs"); do
	run kexport "$kexport" diff "$old" "$new"
	# The cost of starting the process at all on this machine right now
	# (a loaded machine inflates every number here alike).
	run floor "$kexport" --version
	run python python3 "$tmp/peer.py" "$old" "$new"
	run awk awk -f "$tmp/peer.awk" "$old" "$new"
	if [ "$i" = 0 ]; then # warm-up run: discard the times
		for t in "${tools[@]}"; do : > "$tmp/$t"; done
	fi
done
lines=$(grep -c "" "$old")+$(grep -c "" "$new")
changes=$(grep -c ": " "$tmp/python.out" || true)
k_cpu=$(median kexport 1)
echo "kexport diff of two Module.symvers ($lines lines, $KEXPORT_ABI_OLD vs $KEXPORT_ABI), median of $runs runs:"
for t in "${tools[@]}"; do
	printf '  %-8s %7.1f ms CPU (user+sys)  %7.1f ms wall%s\n' "$t" "$(median "$t" 1)" "$(median "$t" 2)" \
		"$([ "$t" = floor ] && echo '  (kexport --version: process start-up)')"
done
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
printf 'kexport: %.1f ms process CPU time (target < 50 ms): %s\n' "$k_cpu" \
	"$(awk -v k="$k_cpu" 'BEGIN { print (k < 50 ? "met" : "NOT met") }')"
for t in python awk; do
	awk -v a="$(median "$t" 1)" -v k="$k_cpu" -v t="$t" \
		'BEGIN { printf "ratio %s/kexport: %.1fx (CPU)\n", t, (k > 0 ? a / k : 0) }'
done
echo "(the python peer reported $changes changes; kexport's classes: $("$kexport" diff -j "$old" "$new" |
	python3 -c 'import json,sys; c=json.load(sys.stdin)["counts"]; print(", ".join(f"{k} {v}" for k, v in c.items() if v))'))"
