#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the oracle's inputs: the test modules (kbuild, out of tree, against
# Debian's linux-headers for KEXPORT_ABI, one against KEXPORT_ABI_OLD), their
# edited variants (edit-ko.py) and the static finit_module() helper.
#
#   tests/oracle/build.sh CACHE OUT
#       CACHE  the directory scripts/fetch-kernels.sh printed (already fetched
#              for KEXPORT_ABI and KEXPORT_ABI_OLD)
#       OUT    where to build: OUT/ko/NAME.ko (final modules), OUT/finit
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../kernels.conf"
export KEXPORT_ABI KEXPORT_ABI_OLD
die() { echo "oracle/build: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: build.sh CACHE OUT"
cache=$1 out=$2
for t in make gcc-12 gcc python3; do command -v $t >/dev/null || die "$t not found (apt-get install make gcc-12 gcc python3)"; done
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || die "static libc missing (apt-get install libc6-dev)"
mkdir -p "$out/ko" "$out/src"
# Nothing to do when the generator, the editor, this script and the ABIs are
# unchanged since the last complete build.
stamp=$({ cat "$here/modules/gen.py" "$here/edit-ko.py" "$here/build.sh" "$here/finit.c" "$here"/keys/*
	echo "$KEXPORT_ABI $KEXPORT_ABI_OLD $cache $(gcc-12 --version | head -n 1)"; } | sha256sum | cut -d' ' -f1)
if [ -x "$out/finit" ] && [ "$(cat "$out/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "oracle/build: up to date ($out/ko)" >&2
	exit 0
fi
rm -f "$out/.build-stamp"

# A kbuild tree per ABI: the unpacked linux-headers-<abi>-amd64 Makefile
# includes /usr/src/linux-headers-<abi>-common/Makefile by absolute path, so
# build from a directory of links whose Makefile includes the cached copy.
kbuild_tree() {
	local abi=$1 root=$cache/amd64/$1 h d e
	h=$root/usr/src/linux-headers-$abi-amd64
	[ -f "$h/Module.symvers" ] && [ -f "$h/.config" ] || die "$h: no linux-headers (run scripts/fetch-kernels.sh $abi)"
	[ -f "$root/usr/src/linux-headers-$abi-common/Makefile" ] || die "$root: no linux-headers-$abi-common"
	d=$out/kbuild/$abi
	rm -rf "$d" && mkdir -p "$d"
	for e in "$h"/* "$h"/.config "$h"/.kernelvariables; do
		[ "$(basename "$e")" = Makefile ] && continue
		[ -e "$e" ] || die "$e: dangling link (is linux-kbuild-6.1 unpacked in $root?)"
		ln -s "$(readlink -f "$e")" "$d/$(basename "$e")"
	done
	[ -x "$d/scripts/mod/modpost" ] || die "$d/scripts/mod/modpost missing (linux-kbuild-6.1 not unpacked)"
	echo "include $(readlink -f "$root/usr/src/linux-headers-$abi-common")/Makefile" > "$d/Makefile"
	echo "$d"
}

build_group() {
	local group=$1 abi=$2 tree src
	tree=$(kbuild_tree "$abi")
	src=$out/src/$group
	python3 "$here/modules/gen.py" "$src" "$group"
	echo "oracle/build: kbuild $group modules against $abi" >&2
	make -s -C "$tree" M="$src" -j"$(nproc)" modules >"$out/kbuild-$group.log" 2>&1 ||
		{ tail -n 40 "$out/kbuild-$group.log" >&2; die "kbuild failed for $group ($out/kbuild-$group.log)"; }
	local n edits
	for n in $(python3 "$here/modules/gen.py" list "$group"); do
		[ -f "$src/$n.ko" ] || die "$src/$n.ko was not built"
		cp "$src/$n.ko" "$out/ko/$n.ko.tmp"
	done
	while IFS=$'\t' read -r n edits; do
		python3 -c 'import json,sys; print("\0".join(json.loads(sys.argv[1])), end="")' "$edits" |
			xargs -0 python3 "$here/edit-ko.py" "$src/$n.ko" "$out/ko/$n.ko.tmp" ||
			die "editing $n failed"
	done < <(python3 "$here/modules/gen.py" edits "$group")
	for n in $(python3 "$here/modules/gen.py" list "$group"); do
		mv "$out/ko/$n.ko.tmp" "$out/ko/$n.ko"
	done
}

build_group new "$KEXPORT_ABI"
build_group old "$KEXPORT_ABI_OLD"
# edited copies of Debian's own (signed) modules
while IFS=$'\t' read -r n src edits; do
	var=${src%%:*} rel=${src#*:}
	abi=${!var}
	f=$cache/amd64/$abi/lib/modules/$abi-amd64/$rel
	[ -f "$f" ] || die "$f missing"
	python3 -c 'import json,sys; print("\0".join(json.loads(sys.argv[1])), end="")' "$edits" |
		xargs -0 python3 "$here/edit-ko.py" "$f" "$out/ko/$n.ko" || die "editing $n failed"
done < <(python3 "$here/modules/gen.py" debian)
gcc -static -O2 -Wall -o "$out/finit" "$here/finit.c" || die "gcc -static failed (libc6-dev)"
echo "$stamp" >"$out/.build-stamp"
echo "oracle/build: $(ls "$out/ko" | wc -l) modules in $out/ko" >&2
