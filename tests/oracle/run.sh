#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real-kernel oracle for `kexport check`, end to end:
#   fetch Debian's kernel packages (scripts/fetch-kernels.sh) -> build the test
#   modules (build.sh) -> boot the kernel under qemu once per scenario and load
#   them (boot.py) -> OUT/results.json -> compare with `kexport check` (compare.py)
#
#   tests/oracle/run.sh [--results-only]
#
# Environment: KEXPORT (default build/kexport), KEXPORT_CACHE (see
# fetch-kernels.sh), KEXPORT_ORACLE_OUT (default
# $cache/derived/amd64/$KEXPORT_ABI/oracle), KEXPORT_ORACLE_JOBS (default 2).
# Exit: 0 kexport agrees everywhere, 1 a disagreement or a failure of the
# pipeline, 2 kexport cannot run.  A missing tool or input is a failure, never
# a skip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/kernels.conf"
die() { echo "oracle: FAILED: $*" >&2; exit 1; }
results_only=false
[ "${1:-}" = --results-only ] && results_only=true

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
bb=$(command -v busybox || echo /bin/busybox)
[ -x "$bb" ] || die "busybox not found (apt-get install busybox-static)"
for t in python3 make gcc gcc-12; do
	command -v $t >/dev/null || die "$t not found (apt-get install python3 make gcc gcc-12)"
done

cache=$(KEXPORT_ARCHES=amd64 "$repo/scripts/fetch-kernels.sh" "$KEXPORT_ABI" "$KEXPORT_ABI_OLD") ||
	die "scripts/fetch-kernels.sh failed"
out=${KEXPORT_ORACLE_OUT:-$cache/derived/amd64/$KEXPORT_ABI/oracle}
mkdir -p "$out"
echo "oracle: cache $cache, output $out" >&2

start=$(date +%s)
"$here/build.sh" "$cache" "$out" || die "building the test modules failed"
python3 "$here/boot.py" --cache "$cache" --out "$out" --jobs "${KEXPORT_ORACLE_JOBS:-2}" ||
	die "booting the scenarios failed"
steps=$(python3 -c 'import json,sys; print(sum(len(s["steps"]) for s in json.load(open(sys.argv[1]))))' "$out/results.json")
[ "$steps" -ge 60 ] || die "only $steps scenario steps in $out/results.json (expected >= 60)"
echo "oracle: $out/results.json: $steps steps ($(($(date +%s) - start)) s)" >&2
$results_only && exit 0

kexport=${KEXPORT:-$repo/build/kexport}
headers=$cache/amd64/$KEXPORT_ABI/usr/src/linux-headers-$KEXPORT_ABI-amd64
set +e
image=$cache/amd64/$KEXPORT_ABI/boot/vmlinuz-$KEXPORT_ABI-amd64
python3 "$here/compare.py" "$out/results.json" "$kexport" "$headers" "$image"
rc=$?
set -e
[ $rc -eq 2 ] && echo "oracle: kexport check could not run ($kexport)" >&2
exit $rc
