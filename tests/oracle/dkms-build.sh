#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Real out-of-tree modules for the oracle, built the way DKMS builds them
# on a user's machine: in the build root of ABI's suite (build-root.sh),
# `apt-get install` of the DKMS package (KEXPORT_DKMS_PACKAGES in
# tests/kernels.conf), whose postinst has dkms build it for the root's
# kernel headers; openssl is installed, so dkms signs them with its own
# machine-owner key, as it does on Debian from dkms 3.0 (bullseye's 2.8
# does not sign).  The modules are copied out, per package and version,
# into CACHE/derived/amd64/ABI/dkms/PKG_VERSION/:
#   *.ko      the modules as dkms installed them, decompressed
#   order     their names in load order (dependencies first)
#   status    "built", or "does not build: ..." with dkms's own last words
#   build.log what apt-get and dkms printed
# A package that does not build for that kernel is a fact about the
# package, not a failure of the oracle; a missing package or a failing
# apt-get is.
#
#   tests/oracle/dkms-build.sh CACHE ABI     prints one PKG_VERSION directory a line
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/kernels.conf"
die() { echo "oracle/dkms-build: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: dkms-build.sh CACHE ABI"
cache=$1 abi=$2
suite=$(kx_generation_field "$abi" 2)
[ -n "$suite" ] || die "$abi is not a generation of tests/kernels.conf"
root=$("$here/build-root.sh" "$cache" "$abi") || die "no build root for $abi"
k=$abi-amd64
dest=$cache/derived/amd64/$abi/dkms
mkdir -p "$dest"
exec 9> "$cache/rootfs/.lock-$suite"
flock 9

in_root() {
	unshare --mount --propagation private /bin/sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" &&
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"' \
		sh "$root" "$@"
}

# The DKMS packages are in contrib (zfs-dkms) and main (build-root.sh
# lists both; a root made before it did listed main only).
sed -i -E "s/^(deb [^ ]+ [^ ]+) main\$/\1 main contrib/" "$root/etc/apt/sources.list"
grep -q " contrib" "$root/etc/apt/sources.list" || die "$root/etc/apt/sources.list: cannot add contrib"
log=$dest/apt.log
in_root /bin/sh -c 'apt-get update -qq' > "$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get update in the $suite root failed ($log)"; }
for pkg in $KEXPORT_DKMS_PACKAGES; do
	ver=$(in_root apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "$pkg is not in $suite (apt-cache policy $pkg in $root)"
	out=$dest/${pkg}_$ver
	if [ -f "$out/status" ]; then
		echo "$out"
		continue
	fi
	rm -rf "$out.tmp" && mkdir -p "$out.tmp"
	echo "oracle/dkms-build: $pkg $ver for $k ($suite; dkms builds it, several minutes, once)" >&2
	# A run cut short left it installed: removed first, so that the
	# postinst builds (and signs) it again.
	if in_root dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		in_root apt-get purge -y -q "$pkg" > "$out.tmp/purge.log" 2>&1 ||
			{ tail -n 20 "$out.tmp/purge.log" >&2; die "apt-get purge $pkg in the $suite root failed"; }
	fi
	# The postinst builds for every kernel whose headers are installed; a
	# build that fails leaves the package configured (dkms says why).
	# dkms and openssl first: a postinst that ran before openssl was
	# configured built the module unsigned.
	{ in_root apt-get install -y -q --no-install-recommends dkms openssl &&
		in_root apt-get install -y -q --no-install-recommends "$pkg=$ver"; } > "$out.tmp/build.log" 2>&1 ||
		{ tail -n 20 "$out.tmp/build.log" >&2; die "apt-get install $pkg=$ver in the $suite root failed ($out.tmp/build.log)"; }
	# The module's dkms name and version, from the dkms.conf the package installed.
	conf=$(in_root dpkg -L "$pkg" | grep -E '^/usr/src/[^/]+/dkms\.conf$' | head -n 1)
	[ -n "$conf" ] || die "$pkg $ver installs no /usr/src/*/dkms.conf"
	dir=${conf%/dkms.conf} dir=${dir#/usr/src/}
	name=$(sed -n 's/^PACKAGE_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root$conf" | head -n 1)
	[ -n "$name" ] || die "$root$conf: no PACKAGE_NAME"
	mver=${dir#"$name"-}
	built=$root/var/lib/dkms/$name/$mver/$k/x86_64/module
	if [ -d "$built" ] && [ -n "$(ls "$built")" ]; then
		for f in "$built"/*.ko*; do
			b=$(basename "$f")
			case $b in
			*.ko.xz) xz -dc "$f" > "$out.tmp/${b%.xz}" ;;
			*.ko.zst) zstd -qdc "$f" > "$out.tmp/${b%.zst}" ;;
			*.ko.gz) gzip -dc "$f" > "$out.tmp/${b%.gz}" ;;
			*.ko) cp "$f" "$out.tmp/$b" ;;
			esac
		done
		# Load order: a module after those of the package it depends on.
		order=() left=()
		for f in "$out.tmp"/*.ko; do left+=("$(basename "$f" .ko)"); done
		while [ ${#left[@]} -gt 0 ]; do
			next=() moved=0
			for m in "${left[@]}"; do
				ready=1
				for d in $(modinfo -F depends "$out.tmp/$m.ko" | tr , ' '); do
					[ -f "$out.tmp/$d.ko" ] || continue
					[[ " ${order[*]} " == *" $d "* ]] || ready=0
				done
				if [ $ready = 1 ]; then order+=("$m") moved=1; else next+=("$m"); fi
			done
			[ $moved = 1 ] || die "$pkg: the modules' depends= form a cycle: ${left[*]}"
			left=("${next[@]}")
		done
		printf '%s\n' "${order[@]}" > "$out.tmp/order"
		echo "built" > "$out.tmp/status"
	else
		why=$(grep -E 'rror|make.*\*\*\*' "$out.tmp/build.log" | tail -n 3 | tr '\n' ' ')
		mk=$root/var/lib/dkms/$name/$mver/build/make.log
		[ -f "$mk" ] && { cp "$mk" "$out.tmp/make.log"; why="$why; make.log: $(grep -m 1 -E 'error' "$mk" || tail -n 1 "$mk")"; }
		echo "does not build: ${why:-dkms built no module (build.log)}" > "$out.tmp/status"
	fi
	rm -rf "$out" && mv "$out.tmp" "$out"
	echo "$out"
done
