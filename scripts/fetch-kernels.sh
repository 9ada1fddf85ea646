#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fetch Debian's kernel packages that the tests and benchmarks read, with
# apt-get download, and unpack each into a cache directory that later runs
# reuse.  Prints the cache directory on stdout.
#
#   scripts/fetch-kernels.sh [ABI...]       default: $KEXPORT_ABI from tests/kernels.conf
#   scripts/fetch-kernels.sh source         the kernel source $KEXPORT_SOURCE_VERSION
#
# Layout:  $KEXPORT_CACHE/<arch>/<abi>/   boot/vmlinuz-<abi>, lib/modules/<abi>/,
#                                          usr/src/linux-headers-<abi>-<flavour>/ ...
#          $KEXPORT_CACHE/source/<version>/linux-source-6.1/   the unpacked tree
# Needs root for `dpkg --add-architecture arm64` and `apt-get update` the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/kernels.conf
. "$here/tests/kernels.conf"
cache=${KEXPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kexport-testdata}
mkdir -p "$cache/debs"
abis=("$@")
[ ${#abis[@]} -gt 0 ] || abis=("$KEXPORT_ABI")

flavour() { case $1 in amd64) echo amd64 ;; arm64) echo arm64 ;; esac; }

need_arch() {
	local arch=$1
	[ "$arch" = "$(dpkg --print-architecture)" ] && return 0
	if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
		dpkg --add-architecture "$arch"
		apt-get update -qq
	fi
}

newest_abi() {
	apt-cache search --names-only "^linux-image-6\.1\.0-[0-9]+-$(flavour "$1")-unsigned\$" 2>/dev/null |
		sed -n 's/^linux-image-\(6\.1\.0-[0-9]*\)-.*/\1/p' | sort -V | tail -n 1
}

fetch_one() {
	local arch=$1 abi=$2 fl dest pkgs p f
	fl=$(flavour "$arch")
	dest="$cache/$arch/$abi"
	[ -f "$dest/.complete" ] && return 0
	need_arch "$arch"
	pkgs=("linux-image-$abi-$fl-unsigned:$arch" "linux-headers-$abi-$fl:$arch" "linux-headers-$abi-common")
	# The kbuild tools only run on the host, so only the host's are fetched.
	[ "$arch" = "$(dpkg --print-architecture)" ] && pkgs+=("linux-kbuild-6.1:$arch")
	for p in "${pkgs[@]}"; do
		local name=${p%%:*} debarch=$arch
		[ "$name" = "linux-headers-$abi-common" ] && debarch=all
		compgen -G "$cache/debs/${name}_*_$debarch.deb" >/dev/null && continue
		if ! (cd "$cache/debs" && apt-get download -qq "$p" 2>/dev/null); then
			apt-get update -qq || true
			if ! (cd "$cache/debs" && apt-get download -qq "$p"); then
				echo "fetch-kernels: cannot download $p; the newest $arch ABI in the archive is $(newest_abi "$arch"): update tests/kernels.conf" >&2
				exit 1
			fi
		fi
	done
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
	for f in "$cache/debs/linux-image-$abi-$fl-unsigned_"*"_$arch.deb" \
		"$cache/debs/linux-headers-$abi-${fl}_"*"_$arch.deb" \
		"$cache/debs/linux-headers-$abi-common_"*"_all.deb"; do
		dpkg-deb -x "$f" "$dest.tmp"
	done
	if [ "$arch" = "$(dpkg --print-architecture)" ]; then
		for f in "$cache/debs/linux-kbuild-6.1_"*"_$arch.deb"; do dpkg-deb -x "$f" "$dest.tmp"; done
	fi
	touch "$dest.tmp/.complete"
	rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

# The source package holds a tarball of the tree: unpacked once into the cache.
fetch_source() {
	local pkg=$KEXPORT_SOURCE_PKG ver=$KEXPORT_SOURCE_VERSION dest deb newest
	dest="$cache/source/$ver"
	[ -f "$dest/.complete" ] && return 0
	deb="$cache/debs/${pkg}_${ver}_all.deb"
	if [ ! -f "$deb" ]; then
		if ! (cd "$cache/debs" && apt-get download -qq "$pkg=$ver" 2>/dev/null); then
			apt-get update -qq || true
			if ! (cd "$cache/debs" && apt-get download -qq "$pkg=$ver"); then
				newest=$(apt-cache madison "$pkg" 2>/dev/null | awk '{print $3}' | sort -V | tail -n 1)
				echo "fetch-kernels: cannot download $pkg=$ver; the newest $pkg in the archive is ${newest:-none}: update KEXPORT_SOURCE_VERSION in tests/kernels.conf (with the ABI it was built for)" >&2
				exit 1
			fi
		fi
	fi
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/deb"
	dpkg-deb -x "$deb" "$dest.tmp/deb"
	tar -C "$dest.tmp" -xJf "$dest.tmp/deb/usr/src/$pkg.tar.xz"
	rm -rf "$dest.tmp/deb"
	touch "$dest.tmp/.complete"
	rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

if [ "${abis[0]}" = source ]; then
	fetch_source
	echo "$cache"
	exit 0
fi

for abi in "${abis[@]}"; do
	for arch in $KEXPORT_ARCHES; do
		fetch_one "$arch" "$abi"
	done
done
echo "$cache"
