#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the build dependencies, build kexport, and print the export table
# of this machine's kernel (/lib/modules/$(uname -r) with its /boot image).
# A machine without one (a container, a CI runner) gets Debian's current
# kernel packages, fetched with apt-get download into the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
[ -f build/build.ninja ] || meson setup build > /dev/null
ninja -C build > /dev/null
mods=/lib/modules/$(uname -r)
if [ ! -d "$mods/kernel" ]; then
	arch=$(dpkg --print-architecture)
	abi=$(apt-cache depends "linux-image-$arch" 2>/dev/null |
		sed -n "s/.*Depends: linux-image-\(.*\)-$arch\(-unsigned\)\{0,1\}\$/\1/p" | head -n 1)
	[ -n "$abi" ] || { sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get update -qq;
		abi=$(apt-cache depends "linux-image-$arch" | sed -n "s/.*Depends: linux-image-\(.*\)-$arch\$/\1/p" | head -n 1); }
	echo "kexport: no modules for the running kernel here; using Debian's linux-image-$abi-$arch" >&2
	# Only this machine's own suite is needed for its own kernel.
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	cache=$(KX_APT_SUITES=${suite:-bookworm} KEXPORT_ARCHES=$arch scripts/fetch-kernels.sh "$abi")
	mods=$cache/$arch/$abi/lib/modules/$abi-$arch
fi
./build/kexport exports -v "$mods"
