#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fetch Debian's kernel packages that the tests and benchmarks read, with
# apt-get download, and unpack each into a cache directory that later runs
# reuse.  Prints the cache directory on stdout.
#
#   scripts/fetch-kernels.sh [ABI...]       default: $KEXPORT_ABI from tests/kernels.conf
#   scripts/fetch-kernels.sh all            every generation pinned in tests/kernels.conf
#   scripts/fetch-kernels.sh source [ABI]   Debian's patched source of ABI's build
#                                           (default: $KEXPORT_SOURCE_VERSION)
#   scripts/fetch-kernels.sh tool PKG ARCH  another architecture's package, unpacked
#                                           (prints its root; e.g. busybox-static arm64)
#
# Layout:  $KEXPORT_CACHE/<arch>/<abi>/   the packages unpacked as dpkg would install
#                                          them: boot/ or usr/lib/modules/<K>/vmlinuz,
#                                          [usr/]lib/modules/<K>/, usr/src/linux-headers-<K>/
#          $KEXPORT_CACHE/source/<version>/<linux-source-X.Y>/   the unpacked tree
#          $KEXPORT_CACHE/apt/              the private apt configuration
#
# Every suite (bullseye, bookworm, trixie, sid; main, contrib, non-free) is
# reached through a private apt configuration in the cache
# (scripts/debian-archive.sh); the machine's apt sources and architectures
# are left as they are.  Both of Debian's packagings are known: up to 6.x
# linux-image-<K>[-unsigned] holds the image and the modules; from 7.x
# linux-image-<K> is a metapackage over linux-binary-<K> (the image, at
# /usr/lib/modules/<K>/vmlinuz), linux-modules-<K> and linux-base-<K>.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/kernels.conf
. "$here/tests/kernels.conf"
# shellcheck source=debian-archive.sh
. "$here/scripts/debian-archive.sh"
cache=${KEXPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kexport-testdata}
mkdir -p "$cache/debs"
# One fetch at a time per cache: parallel tests ask for the same kernels,
# and apt's private lists and the unpacked trees are shared.
exec 9> "$cache/.fetch.lock"
flock 9
abis=("$@")
[ ${#abis[@]} -gt 0 ] || abis=("$KEXPORT_ABI")
[ "${abis[0]}" = all ] && mapfile -t abis < <(kx_generation_abis; echo "$KEXPORT_ABI_OLD")
host=$(dpkg --print-architecture)

apt_ready=0
apt_ready() {
	[ $apt_ready = 1 ] && return 0
	# a configuration of its own for a subset of the suites (try.sh: the
	# machine's own), so that the full one is not rewritten and fetched again
	local dir=$cache/apt
	[ "$KX_APT_SUITES" = "bullseye bookworm trixie sid" ] || dir=$cache/apt-${KX_APT_SUITES// /-}
	kx_apt_init "$dir" || exit 1
	apt_ready=1
}

# The newest ABI of ABI's series in the archive: 5.10.0-N, 6.12.N+debM, ...
newest_abi() {
	local abi=$1 fl=$2 re
	case $abi in
	*.0-[0-9]*) re="^linux-headers-${abi%-*}-[0-9]+-$fl\$" ;;
	*+deb*) re="^linux-headers-${abi%.*}\.[0-9]+\+deb${abi##*+deb}-$fl\$"
		re=${re//./\\.} re=${re//\\.\[/.[} ;;
	*) re="^linux-headers-.*-$fl\$" ;;
	esac
	{ kx_apt_cache search --names-only "$re" 2>/dev/null || true; } |
		sed -n "s/^linux-headers-\\(.*\\)-$fl - .*/\\1/p" | sort -V | tail -n 1
}

# The version of package NAME:ARCH in the archive (the newest), or nothing.
# (nothing, not a failure, for a package the archive does not have)
pkg_version() { { kx_apt_cache show --no-all-versions "$1" 2>/dev/null || true; } | sed -n 's/^Version: //p' | head -n 1; }
pkg_depends() { { kx_apt_cache show --no-all-versions "$1" 2>/dev/null || true; } | sed -n 's/^Depends: //p' | head -n 1; }

# download NAME ARCH VERSION: NAME_VERSION_ARCH.deb (or _all) into debs/,
# once; prints its path.
download() {
	local name=$1 arch=$2 ver=$3 f
	for f in "$cache/debs/${name}_${ver//:/%3a}_$arch.deb" "$cache/debs/${name}_${ver//:/%3a}_all.deb"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	apt_ready
	if ! (cd "$cache/debs" && kx_apt download -qq "$name:$arch=$ver" > /dev/null 2>&1); then
		kx_apt_update
		(cd "$cache/debs" && kx_apt download -qq "$name:$arch=$ver" > /dev/null) || return 1
	fi
	for f in "$cache/debs/${name}_${ver//:/%3a}_$arch.deb" "$cache/debs/${name}_${ver//:/%3a}_all.deb"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# The image packages of ABI: the 6.1 test data was always the -unsigned
# image (its modules carry no signature); every other generation is read
# as users install it, signed.
image_pkgs() {
	local abi=$1 arch=$2
	if [ -n "$(pkg_version "linux-binary-$abi-$arch:$arch")" ]; then
		echo "linux-binary-$abi-$arch linux-modules-$abi-$arch linux-base-$abi-$arch"
	elif [ "${abi%.0-*}" = 6.1 ] && [ -n "$(pkg_version "linux-image-$abi-$arch-unsigned:$arch")" ]; then
		echo "linux-image-$abi-$arch-unsigned"
	else
		echo "linux-image-$abi-$arch"
	fi
}

fetch_one() {
	local arch=$1 abi=$2 dest ver pkgs p name dver debs=() f dep
	dest="$cache/$arch/$abi"
	[ -f "$dest/.complete" ] && return 0
	apt_ready
	ver=$(pkg_version "linux-headers-$abi-$arch:$arch")
	if [ -z "$ver" ]; then
		echo "fetch-kernels: Debian's archive has no linux-headers-$abi-$arch; the newest $arch ABI of that series in the archive is $(newest_abi "$abi" "$arch"): update tests/kernels.conf" >&2
		exit 1
	fi
	pkgs="$(image_pkgs "$abi" "$arch") linux-headers-$abi-$arch"
	# The headers' own dependencies of the same build: -common (arch all),
	# and, for the host only (its programs run here), linux-kbuild.
	for dep in $(pkg_depends "linux-headers-$abi-$arch:$arch" | tr ',|' '\n\n' | sed -n 's/^ *\(linux-headers-[^ ]*-common\) .*/\1/p; s/^ *\(linux-kbuild-[^ ]*\).*/\1/p'); do
		case $dep in
		linux-kbuild-*) [ "$arch" = "$host" ] && pkgs+=" $dep" ;;
		*) pkgs+=" $dep" ;;
		esac
	done
	for name in $pkgs; do
		dver=$ver
		# The signed image has a version of its own; linux-kbuild-X.Y is one
		# package for every ABI of the series, kept only at its newest version
		# (the headers depend on ">= theirs"), so the newest is taken.
		case $name in linux-image-*) dver=$(pkg_version "$name:$arch") ;;
		linux-kbuild-*) dver=$(pkg_version "$name:$host") ;; esac
		p=$arch
		case $name in linux-kbuild-*) p=$host ;; esac
		f=$(download "$name" "$p" "$dver") || {
			echo "fetch-kernels: cannot download $name:$p=$dver; the newest $arch ABI of that series in the archive is $(newest_abi "$abi" "$arch"): update tests/kernels.conf" >&2
			exit 1
		}
		debs+=("$f")
	done
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
	for f in "${debs[@]}"; do
		dpkg-deb -x "$f" "$dest.tmp"
	done
	printf '%s\n' "${debs[@]##*/}" > "$dest.tmp/.packages"
	touch "$dest.tmp/.complete"
	rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

# The source package holds a tarball of the tree: unpacked once into the cache.
fetch_source() {
	local pkg=$KEXPORT_SOURCE_PKG ver=$KEXPORT_SOURCE_VERSION dest deb newest spec
	if [ -n "${1:-}" ]; then
		spec=$(kx_generation_field "$1" 3)
		[ -n "$spec" ] || { echo "fetch-kernels: $1 is not a generation of tests/kernels.conf" >&2; exit 1; }
		pkg=${spec%%=*} ver=${spec#*=}
	fi
	dest="$cache/source/$ver"
	[ -f "$dest/.complete" ] && return 0
	deb=$(download "$pkg" all "$ver") || {
		newest=$(kx_apt_cache madison "$pkg" 2>/dev/null | awk '{print $3}' | sort -V | tail -n 1)
		echo "fetch-kernels: cannot download $pkg=$ver; the newest $pkg in the archive is ${newest:-none}: update tests/kernels.conf (with the ABI it was built for)" >&2
		exit 1
	}
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/deb"
	dpkg-deb -x "$deb" "$dest.tmp/deb"
	tar -C "$dest.tmp" -xJf "$dest.tmp/deb/usr/src/$pkg.tar.xz"
	rm -rf "$dest.tmp/deb"
	touch "$dest.tmp/.complete"
	rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

# A package of another architecture the oracle puts in a guest (e.g. a
# static busybox for arm64), unpacked once: prints its root.
fetch_tool() {
	local pkg=$1 arch=$2 dest ver f
	dest="$cache/tools/$arch/$pkg"
	if [ ! -f "$dest/.complete" ]; then
		apt_ready
		ver=$(pkg_version "$pkg:$arch")
		[ -n "$ver" ] || { echo "fetch-kernels: no $pkg:$arch in the archive" >&2; exit 1; }
		f=$(download "$pkg" "$arch" "$ver") || { echo "fetch-kernels: cannot download $pkg:$arch=$ver" >&2; exit 1; }
		rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
		dpkg-deb -x "$f" "$dest.tmp"
		touch "$dest.tmp/.complete"
		rm -rf "$dest" && mv "$dest.tmp" "$dest"
	fi
	echo "$dest"
}

if [ "${abis[0]}" = tool ]; then
	fetch_tool "${abis[1]:?package}" "${abis[2]:?architecture}"
	exit 0
fi

if [ "${abis[0]}" = source ]; then
	fetch_source "${abis[1]:-}"
	echo "$cache"
	exit 0
fi

for abi in "${abis[@]}"; do
	for arch in $KEXPORT_ARCHES; do
		fetch_one "$arch" "$abi"
	done
done
echo "$cache"
