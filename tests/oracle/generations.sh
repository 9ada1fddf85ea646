#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The oracle on every pinned generation (tests/kernels.conf), amd64: for each,
# Debian's own modules edited the ways a user's module goes wrong, loaded in
# one boot of that kernel under qemu and compared with `kexport check`
# (generation.py).  The full scenario set (run.sh) runs on KEXPORT_ABI.
# Exit 0 when every case of every kernel agrees, 1 otherwise; a missing tool
# or kernel is a failure, never a skip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/kernels.conf"
die() { echo "oracle/generations: FAILED: $*" >&2; exit 1; }
command -v qemu-system-x86_64 > /dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
kexport=${KEXPORT:-$repo/build/kexport}
total=0 agree=0 rc=0
for abi in $(kx_generation_abis); do
	cache=$(KEXPORT_ARCHES=amd64 "$repo/scripts/fetch-kernels.sh" "$abi") || die "cannot fetch $abi"
	out=$cache/derived/amd64/$abi/oracle-generation
	mkdir -p "$out"
	python3 "$here/generation.py" --cache "$cache" --abi "$abi" --out "$out" --kexport "$kexport" \
		> "$out/compare.txt" || rc=1
	cat "$out/compare.txt"
	line=$(tail -n 1 "$out/compare.txt")
	[[ $line =~ ^(.*):\ ([0-9]+)\ cases,\ ([0-9]+)\ agree$ ]] && [ "${BASH_REMATCH[1]}" = "$abi" ] ||
		die "$abi: no summary line: $line"
	total=$((total + BASH_REMATCH[2])) agree=$((agree + BASH_REMATCH[3]))
done
echo "oracle/generations: $total cases on $(kx_generation_abis | wc -l) kernels, $agree agree"
exit $rc
