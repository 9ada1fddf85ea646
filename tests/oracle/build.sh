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
# The kernel to build for (run.sh: each generation it runs the whole set on),
# and, for a generation whose compiler is not this machine's, a root of its
# Debian suite with its linux-headers installed (oracle/build-root.sh), in
# which kbuild runs as that release's users run it.
abi=${KEXPORT_ORACLE_ABI:-$KEXPORT_ABI}
build_root=${KEXPORT_ORACLE_ROOT:-}
export KEXPORT_ORACLE_ABI=$abi KEXPORT_ORACLE_FEATURES=${KEXPORT_ORACLE_FEATURES-modversions old_abi}
die() { echo "oracle/build: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: build.sh CACHE OUT"
cache=$1 out=$2
if [ -z "$build_root" ]; then
	for t in make gcc-12 gcc python3; do command -v $t >/dev/null || die "$t not found (apt-get install make gcc-12 gcc python3)"; done
else
	[ -d "$build_root/usr/src/linux-headers-$abi-amd64" ] || die "$build_root has no linux-headers-$abi-amd64"
fi
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || die "static libc missing (apt-get install libc6-dev)"
mkdir -p "$out/ko" "$out/src"
# Nothing to do when the generator, the editor, this script and the ABIs are
# unchanged since the last complete build.
cc_id=$(if [ -n "$build_root" ]; then cat "$build_root/.kexport-root" 2>/dev/null; else gcc-12 --version | head -n 1; fi)
stamp=$({ cat "$here/modules/gen.py" "$here/edit-ko.py" "$here/build.sh" "$here/finit.c" "$here"/keys/*
	echo "$abi $KEXPORT_ABI_OLD $KEXPORT_ORACLE_FEATURES $cache $cc_id"; } | sha256sum | cut -d' ' -f1)
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
	local group=$1 abi=$2 tree= src
	[ -n "$build_root" ] || tree=$(kbuild_tree "$abi")
	src=$out/src/$group
	python3 "$here/modules/gen.py" "$src" "$group"
	echo "oracle/build: kbuild $group modules against $abi${build_root:+ in $build_root}" >&2
	if [ -n "$build_root" ]; then
		# The release's own compiler and kbuild: make in its root, the
		# sources bind-mounted at /oracle (a private mount namespace).
		unshare --mount --propagation private /bin/sh -c '
			mkdir -p "$1/oracle" && mount --bind "$2" "$1/oracle" && mount -t proc proc "$1/proc" &&
			exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
				make -s -C "/usr/src/linux-headers-$3-amd64" M=/oracle -j"$4" modules' \
			sh "$build_root" "$src" "$abi" "$(nproc)" >"$out/kbuild-$group.log" 2>&1 ||
			{ tail -n 40 "$out/kbuild-$group.log" >&2; die "kbuild failed for $group in $build_root ($out/kbuild-$group.log)"; }
	else
		make -s -C "$tree" M="$src" -j"$(nproc)" modules >"$out/kbuild-$group.log" 2>&1 ||
			{ tail -n 40 "$out/kbuild-$group.log" >&2; die "kbuild failed for $group ($out/kbuild-$group.log)"; }
	fi
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

build_group new "$abi"
case " $KEXPORT_ORACLE_FEATURES " in *" old_abi "*) build_group old "$KEXPORT_ABI_OLD" ;; esac
# edited copies of Debian's own (signed) modules: KEXPORT_ABI means the
# kernel under test; its tree is lib/modules or usr/lib/modules, .ko or .ko.xz
while IFS=$'\t' read -r n src edits; do
	var=${src%%:*} rel=${src#*:}
	sabi=${!var}
	[ "$var" = KEXPORT_ABI ] && sabi=$abi
	f=
	for c in "$cache/amd64/$sabi"/{,usr/}lib/modules/"$sabi-amd64/$rel"{,.xz}; do
		[ -f "$c" ] && { f=$c; break; }
	done
	# moved between releases (7.x: lib/crc/): found by name under kernel/
	[ -n "$f" ] || f=$(find "$cache/amd64/$sabi"/{,usr/}lib/modules/"$sabi-amd64/kernel" \
		-name "$(basename "$rel")" -o -name "$(basename "$rel").xz" 2>/dev/null | head -n 1 || true)
	[ -n "$f" ] || die "$rel of $sabi missing"
	case $f in *.xz) xz -dc "$f" > "$out/ko/$n.plain.ko"; f=$out/ko/$n.plain.ko ;; esac
	python3 -c 'import json,sys; print("\0".join(json.loads(sys.argv[1])), end="")' "$edits" |
		xargs -0 python3 "$here/edit-ko.py" "$f" "$out/ko/$n.ko" || die "editing $n failed"
	rm -f "$out/ko/$n.plain.ko"
done < <(python3 "$here/modules/gen.py" debian)
python3 "$here/modules/gen.py" skipped > "$out/skipped"
gcc -static -O2 -Wall -o "$out/finit" "$here/finit.c" || die "gcc -static failed (libc6-dev)"
echo "$stamp" >"$out/.build-stamp"
echo "oracle/build: $(ls "$out/ko" | wc -l) modules in $out/ko" >&2
