#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kexport on synthetic kernel objects from tests/gen/mkelf.c: every ELF
# class, byte order, relocation flavour and entry layout the readers claim.
# mkelf writes the Module.symvers lines of what it generated; kexport must
# read exactly those back.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
KEXPORT=${KEXPORT:-$top/build/kexport}
MKELF=${MKELF:-$top/build/tests/mkelf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
n=0

exports=(--export zeta:crc=0x11111111 --export alpha:crc=0x22222222
	--export gpl_b:gpl:ns=FOO:crc=0x33333333 --export gpl_a:gpl:crc=0x44444444
	--export mod_only:gpl:ns=module:kvm,kvm_*:crc=0x55555555)
noncrc=(--export zeta --export gpl_a:gpl)

roundtrip() { # name, mkelf args...
	local name=$1 owner=()
	shift
	# a single module's owner is its file name without .ko
	case $name in *.ko) owner=(--owner "${name%.ko}") ;; esac
	"$MKELF" "$@" "${owner[@]}" --symvers "$tmp/$name.want" "$tmp/$name" || fail "$name: mkelf failed"
	"$KEXPORT" exports --format symvers "$tmp/$name" > "$tmp/$name.got" 2> "$tmp/$name.err" ||
		fail "$name: kexport failed: $(cat "$tmp/$name.err")"
	sort "$tmp/$name.want" > "$tmp/a"
	sort "$tmp/$name.got" > "$tmp/b"
	diff "$tmp/a" "$tmp/b" > /dev/null || { diff "$tmp/a" "$tmp/b" >&2; fail "$name: exports differ"; }
	n=$((n + 1))
}

for m in x86_64 aarch64 ppc64 s390; do
	for rel in "" --rel; do
		for layout in "" --abs-entries; do
			roundtrip "mod-$m$rel$layout.ko" --machine "$m" $rel $layout "${exports[@]}"
			roundtrip "old-$m$rel$layout.ko" --machine "$m" $rel $layout --no-ns-field \
				--export zeta:crc=1 --export gpl_a:gpl:crc=2
		done
		roundtrip "secrel-$m$rel.ko" --machine "$m" $rel --section-relocs "${exports[@]}"
	done
	for layout in "" --abs-entries; do
		roundtrip "vmlinux-$m$layout" --type vmlinux --machine "$m" $layout "${exports[@]}" --export memcpy:asm
		roundtrip "vmlinux-stripped-$m$layout" --type vmlinux --stripped --machine "$m" $layout "${exports[@]}"
		roundtrip "vmlinux-old-$m$layout" --type vmlinux --machine "$m" $layout --no-ns-field \
			--export zeta:crc=1 --export gpl_a:gpl:crc=2
		roundtrip "vmlinux-nocrc-$m$layout" --type vmlinux --machine "$m" $layout "${noncrc[@]}"
	done
done
for m in i386 arm ppc; do
	for rel in "" --rel; do
		roundtrip "mod32-$m$rel.ko" --class 32 --machine "$m" $rel "${exports[@]}"
		roundtrip "mod32p-$m$rel.ko" --class 32 --machine "$m" $rel --prel32-entries "${exports[@]}"
	done
	roundtrip "vmlinux32-$m" --class 32 --type vmlinux --machine "$m" "${exports[@]}"
	roundtrip "vmlinux32p-$m" --class 32 --type vmlinux --machine "$m" --prel32-entries "${exports[@]}"
done
# Pre-5.12 kinds and word-sized CRCs of ~4.0 kernels.
roundtrip old-kinds.ko --no-ns-field --export a:crc=1 --gpl-future b:crc=2 --unused c:crc=3 --unused-gpl d:crc=4
roundtrip old-kinds-vmlinux --type vmlinux --no-ns-field --export a:crc=1 --gpl-future b:crc=2 \
	--unused c:crc=3 --unused-gpl d:crc=4
roundtrip crc-long.ko --crc-long "${exports[@]}"
echo "ok: $n synthetic objects read back exactly"

# System.map: names and kinds (no namespaces or CRCs there).
"$MKELF" --type vmlinux "${exports[@]}" --system-map "$tmp/System.map" "$tmp/vm"
"$KEXPORT" exports -j "$tmp/System.map" | python3 -c '
import json, sys
d = json.load(sys.stdin)
got = sorted((e["name"], e["kind"], e["namespace"], e["crc"]) for e in d["exports"])
want = [("alpha", "EXPORT_SYMBOL", None, None), ("gpl_a", "EXPORT_SYMBOL_GPL", None, None),
        ("gpl_b", "EXPORT_SYMBOL_GPL", None, None), ("mod_only", "EXPORT_SYMBOL_GPL", None, None),
        ("zeta", "EXPORT_SYMBOL", None, None)]
assert got == want, got
assert d["sources"][0]["type"] == "System.map", d["sources"]
' || fail "System.map"
# The map and the image together: the image fills in namespaces and CRCs.
"$KEXPORT" exports --format symvers "$tmp/System.map" "$tmp/vm" | sort > "$tmp/merged"
"$MKELF" --type vmlinux "${exports[@]}" --symvers "$tmp/vm.want" "$tmp/vm2"
sort "$tmp/vm.want" | diff - "$tmp/merged" > /dev/null || fail "System.map + vmlinux merge"
echo "ok: System.map alone and merged with vmlinux"

# The module model.
"$MKELF" --modinfo license=NVIDIA --modinfo license=GPL --modinfo name=demo --modinfo-pad \
	--modinfo import_ns=DMA_BUF --modinfo import_ns=FOO --modinfo depends=a,b-c \
	--modinfo vermagic='6.1.0-54-amd64 SMP preempt mod_unload modversions ' \
	--import printk:92997ed8 --import opt_hook:weak --import nocrc \
	--import-version-only module_layout:bce1a965 --sign --sig-len 300 \
	"${exports[@]}" "$tmp/demo.ko"
"$KEXPORT" show -j "$tmp/demo.ko" | python3 -c '
import json, sys
m = json.load(sys.stdin)["modules"][0]
assert m["name"] == "demo" and m["license"] == "NVIDIA", m
assert not m["gpl_compatible"] and not m["all_licenses_gpl_compatible"]
assert m["import_ns"] == ["DMA_BUF", "FOO"] and m["depends"] == ["a", "b-c"]
assert m["signature"] == {"id_type": 2, "length": 300}, m["signature"]
imps = [(i["name"], i["crc"], i["weak"]) for i in m["imports"]]
assert imps == [("printk", "0x92997ed8", False), ("opt_hook", None, True), ("nocrc", None, False)], imps
assert [v["name"] for v in m["versions"]] == ["printk", "module_layout"], m["versions"]
exps = {e["name"]: (e["kind"], e["namespace"], e["crc"]) for e in m["exports"]}
assert exps["mod_only"] == ("EXPORT_SYMBOL_GPL", "module:kvm,kvm_*", "0x55555555"), exps
' || fail "show -j model"
# Extended modversions (6.14+): the extended table wins.
"$MKELF" --ext-versions --no-basic-versions --import printk:92997ed8 \
	--import "$(printf 'x%.0s' $(seq 60))":deadbeef "$tmp/ext.ko"
"$KEXPORT" show -j "$tmp/ext.ko" | python3 -c '
import json, sys
m = json.load(sys.stdin)["modules"][0]
assert m["has_ext_versions"] and not m["has_versions"], m
assert [i["crc"] for i in m["imports"]] == ["0x92997ed8", "0xdeadbeef"], m["imports"]
' || fail "extended modversions"
echo "ok: module model (modinfo, imports, versions, signature, extended versions)"

# A tree's modules come out in path order (strcmp), whatever order the
# directories list them in: names where a directory sorts apart from its
# name alone ("a-b/" after "a-b.ko", "a/" after "a.ko.xz").
mkdir -p "$tmp/tree/a" "$tmp/tree/a-b" "$tmp/tree/a0" "$tmp/tree/b/c"
for p in a.ko a/z.ko a-b.ko a-b/y.ko a0/x.ko ab.ko b/c/w.ko b/c.ko B.ko; do
	"$MKELF" --machine x86_64 --export "e_${p//[^a-zA-Z0-9]/_}" "$tmp/tree/$p" || fail "mkelf $p"
done
cp "$tmp/tree/ab.ko" "$tmp/tree/a.ko.gz.tmp" && gzip -c "$tmp/tree/a.ko.gz.tmp" > "$tmp/tree/a.ko.gz" &&
	rm "$tmp/tree/a.ko.gz.tmp"
got=$("$KEXPORT" show -j "$tmp/tree" | python3 -c '
import json, sys
print(" ".join(m["path"].split("/tree/", 1)[1] for m in json.load(sys.stdin)["modules"]))')
want=$(cd "$tmp/tree" && find . -name '*.ko*' | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
[ "$got " = "$want" ] || fail "tree order: got '$got', want '$want'"
echo "ok: a tree's modules in path order"

# Help and usage.
"$KEXPORT" > /dev/null && "$KEXPORT" help > /dev/null && "$KEXPORT" help exports | grep -q -- --gpl-only
"$KEXPORT" exports --help | grep -q '^Usage: kexport exports' || fail "exports --help"
"$KEXPORT" show --help | grep -q '^Usage: kexport show' || fail "show --help"
set +e
"$KEXPORT" exports > /dev/null 2>&1; [ $? -eq 2 ] || fail "exports without SOURCE must exit 2"
"$KEXPORT" frobnicate > /dev/null 2>&1; [ $? -eq 2 ] || fail "unknown command must exit 2"
set -e
echo "ok: help and usage"

# The docs and the tool agree: each man page's SYNOPSIS is the command's
# usage line, and every long option in --help is documented.
for cmd in $("$KEXPORT" help | sed -n "s/^  \([a-z]\+\) .*/\1/p"); do
	page=$top/docs/kexport-$cmd.1.rst
	usage=$("$KEXPORT" "$cmd" --help | sed -n 's/^Usage: //p')
	grep -qxF "$usage" "$page" || fail "docs/kexport-$cmd.1.rst SYNOPSIS is not '$usage'"
	for opt in $("$KEXPORT" "$cmd" --help | grep -o -- '--[a-z-]\+' | sort -u); do
		grep -qF -- "**$opt**" "$page" "$top/docs/common-options.rst" ||
			fail "$opt of kexport $cmd is not in its man page"
	done
done
echo "ok: man pages match --help"
