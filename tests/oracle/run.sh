#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real-kernel oracle for `kexport check`, end to end:
#   fetch Debian's kernel packages (scripts/fetch-kernels.sh) -> build the test
#   modules (build.sh) -> boot the kernel under qemu once per scenario and load
#   them (boot.py) -> OUT/results.json -> compare with `kexport check` (compare.py)
#
#   tests/oracle/run.sh [--results-only] [ABI]     (default KEXPORT_ABI)
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
[ "${1:-}" = --results-only ] && { results_only=true; shift; }
# The kernel: KEXPORT_ABI by default; any pinned generation given.  One
# whose suite is not this machine's builds the test modules in a root of
# its suite with its own compiler and kbuild (build-root.sh).
abi=${1:-$KEXPORT_ABI}
export KEXPORT_ORACLE_ABI=$abi

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
bb=$(command -v busybox || echo /bin/busybox)
[ -x "$bb" ] || die "busybox not found (apt-get install busybox-static)"
for t in python3 make gcc gcc-12; do
	command -v $t >/dev/null || die "$t not found (apt-get install python3 make gcc gcc-12)"
done

if [ "$abi" = "$KEXPORT_ABI" ]; then
	cache=$(KEXPORT_ARCHES=amd64 "$repo/scripts/fetch-kernels.sh" "$KEXPORT_ABI" "$KEXPORT_ABI_OLD") ||
		die "scripts/fetch-kernels.sh failed"
	features="old_abi"
else
	cache=$(KEXPORT_ARCHES=amd64 "$repo/scripts/fetch-kernels.sh" "$abi") || die "scripts/fetch-kernels.sh failed"
	features=""
fi
headers=$cache/amd64/$abi/usr/src/linux-headers-$abi-amd64
grep -q '^CONFIG_MODVERSIONS=y' "$headers/.config" && features="$features modversions"
export KEXPORT_ORACLE_FEATURES=$features
host_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ "$(kx_generation_field "$abi" 2)" != "$host_suite" ]; then
	KEXPORT_ORACLE_ROOT=$("$here/build-root.sh" "$cache" "$abi") || die "no build root for $abi"
	export KEXPORT_ORACLE_ROOT
fi
out=${KEXPORT_ORACLE_OUT:-$cache/derived/amd64/$abi/oracle}
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
set +e
image=$cache/amd64/$abi/boot/vmlinuz-$abi-amd64
[ -f "$image" ] || image=$cache/amd64/$abi/usr/lib/modules/$abi-amd64/vmlinuz
python3 "$here/compare.py" "$out/results.json" "$kexport" "$headers" "$image"
rc=$?
set -e
[ $rc -eq 2 ] && echo "oracle: kexport check could not run ($kexport)" >&2
exit $rc
