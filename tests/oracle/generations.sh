#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The oracle on every pinned generation (tests/kernels.conf), amd64 and arm64
# (qemu-system-aarch64 -M virt): for each, Debian's own modules edited the
# ways a user's module goes wrong, loaded in one boot of that kernel under
# qemu and compared with `kexport check` (generation.py).  The full scenario
# set of built modules (run.sh) runs on KEXPORT_ABI.  On amd64 the boot also
# loads real out-of-tree modules as dkms builds them from Debian's packages
# (KEXPORT_DKMS_PACKAGES; dkms-build.sh).
# Exit 0 when every case of every kernel agrees, 1 otherwise; a missing tool
# or kernel is a failure, never a skip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/kernels.conf"
die() { echo "oracle/generations: FAILED: $*" >&2; exit 1; }
command -v qemu-system-x86_64 > /dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
command -v qemu-system-aarch64 > /dev/null || die "qemu-system-aarch64 not found (apt-get install qemu-system-arm)"
command -v aarch64-linux-gnu-gcc > /dev/null ||
	die "aarch64-linux-gnu-gcc not found (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
kexport=${KEXPORT:-$repo/build/kexport}
bbroot=$("$repo/scripts/fetch-kernels.sh" tool busybox-static arm64) || die "cannot fetch an arm64 busybox-static"
# bin/ up to bookworm, usr/bin/ in merged-/usr packages (trixie, sid)
busybox=$bbroot/bin/busybox
[ -f "$busybox" ] || busybox=$bbroot/usr/bin/busybox
[ -f "$busybox" ] || die "no busybox in $bbroot"
total=0 agree=0 rc=0 n=0
abis=($(kx_generation_abis))
for arch in amd64 arm64; do
for i in "${!abis[@]}"; do
	abi=${abis[$i]}
	# a module of the neighbouring generation is a case (foreign_build):
	# the one before, or for the first the one after
	foreign=${abis[$((i > 0 ? i - 1 : 1))]}
	cache=$(KEXPORT_ARCHES=$arch "$repo/scripts/fetch-kernels.sh" "$abi" "$foreign") || die "cannot fetch $abi and $foreign"
	out=$cache/derived/$arch/$abi/oracle-generation
	mkdir -p "$out"
	n=$((n + 1))
	# Real out-of-tree modules, built by dkms in the suite's own root (amd64:
	# Debian's arm64 headers carry arm64 build tools).
	dkms=()
	if [ "$arch" = amd64 ]; then
		built=$("$here/dkms-build.sh" "$cache" "$abi") || die "$abi: dkms-build.sh failed"
		for d in $built; do dkms+=(--dkms "$d"); done
	fi
	python3 "$here/generation.py" --arch "$arch" --busybox "$busybox" --cache "$cache" --abi "$abi" \
		--out "$out" --kexport "$kexport" --foreign-abi "$foreign" "${dkms[@]}" > "$out/compare.txt" || rc=1
	cat "$out/compare.txt"
	line=$(tail -n 1 "$out/compare.txt")
	[[ $line =~ ^(.*):\ ([0-9]+)\ cases,\ ([0-9]+)\ agree$ ]] && [ "${BASH_REMATCH[1]}" = "$abi" ] ||
		die "$abi: no summary line: $line"
	total=$((total + BASH_REMATCH[2])) agree=$((agree + BASH_REMATCH[3]))
	echo "oracle/generations: $arch $line"
done
done
echo "oracle/generations: $total cases on $n kernels, $agree agree"
exit $rc
