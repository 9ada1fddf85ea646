#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install what kexport needs from Debian's packages.
#   scripts/install-deps.sh build   to build and run kexport
#   scripts/install-deps.sh test    also what the tests, fuzzers and benches use
set -euo pipefail
build=(gcc meson ninja-build pkg-config zlib1g-dev liblzma-dev libzstd-dev liblz4-dev libssl-dev
       xz-utils zstd ca-certificates
       libgit2-dev libsqlite3-dev libbpf-dev)
test=(clang libclang-rt-14-dev libcmocka-dev kmod python3 binutils gzip time
      qemu-system-x86 busybox-static cpio)
test+=(ripgrep) # bench/srcscan-vs-ripgrep.sh: the peer of kexport exports SOURCE-TREE
test+=(debootstrap) # tests/integration/fresh-debian.sh: the README's set-up on a fresh root
# tests/oracle/generation.py on arm64: qemu -M virt and a static finit for the guest
test+=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
test+=(make libelf1 libc6-dev) # tests/oracle: kbuild of out-of-tree modules (objtool needs libelf1), gcc -static
test+=(git perl) # the history tests' repositories; the kernel's own scripts/get_maintainer.pl
test+=(chromium) # tests/integration/report-chromium.sh: the HTML report rendered headless
pkgs=("${build[@]}")
[ "${1:-build}" = test ] && pkgs+=("${test[@]}")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
