#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# On Debian's real kernels: the export table kexport reads from the kernel
# image plus the module tree must equal the kernel's own Module.symvers on
# every symbol: name, kind, namespace, CRC and owner.  Any difference fails.
# Run for each pinned generation (tests/kernels.conf) and architecture:
# 5.10 and 6.1 (__ksymtab_gpl), 6.12 (.ko.xz, "module:" namespaces, a
# BTF-only vmlinux in the headers), 7.2 (__kflagstab, no modversions, the
# image beside the modules).
#   real-exports.sh ARCH [ABI]
. "$(dirname "$0")/lib.sh"
arch=${1:?arch}
abi=${2:-$KEXPORT_ABI}
use_kernel "$arch" "$abi"

sort "$symvers" > "$tmp/want"
n_want=$(wc -l < "$tmp/want")
[ "$n_want" -gt 20000 ] || fail "Module.symvers has only $n_want lines"

check() { # label, then the kexport arguments
	local label=$1
	shift
	"$KEXPORT" exports --format symvers "$@" > "$tmp/got.raw" 2> "$tmp/err" ||
		fail "$label: kexport exited $?: $(cat "$tmp/err")"
	[ ! -s "$tmp/err" ] || fail "$label: unexpected stderr: $(head -3 "$tmp/err")"
	sort "$tmp/got.raw" > "$tmp/got"
	if ! diff "$tmp/want" "$tmp/got" > "$tmp/diff"; then
		echo "$label: $(grep -c '^<' "$tmp/diff") lines of Module.symvers missing or different, $(grep -c '^>' "$tmp/diff") extra:" >&2
		head -20 "$tmp/diff" >&2
		fail "$label differs from Module.symvers"
	fi
	echo "ok: $label: $(wc -l < "$tmp/got") exports equal Module.symvers"
}

# 1. /lib/modules/VER finds its image by itself (ROOT/boot/vmlinuz-VER, or
#    vmlinuz beside the modules), never the headers' BTF-only vmlinux.
check "$arch $abi modules dir (image found by itself)" "$tree"
"$KEXPORT" exports -v "$tree" 2>&1 > /dev/null | grep -qF "kernel image: $(realpath "$image")" ||
	fail "$arch $abi: -v does not name $image as the kernel image: $("$KEXPORT" exports -v "$tree" 2>&1 > /dev/null)"
echo "ok: $arch $abi: -v names the image it read"
# 2. The image and the tree named explicitly.
check "$arch $abi image + tree" "$image" "$tree/kernel"

# 3. The vmlinux inside the image, extracted by other means than kexport
#    (xz up to 6.1, zstd from 6.12).
if [ "$arch" = amd64 ]; then
	vmlinux=$derived/vmlinux
	if [ ! -s "$vmlinux" ]; then
		off=$(LC_ALL=C grep -abo $'\xfd7zXZ' "$image" | head -n 1 | cut -d: -f1 || true)
		if [ -n "$off" ]; then
			tail -c +$((off + 1)) "$image" | xz -dc > "$vmlinux.tmp" 2>/dev/null || true
		else
			off=$(LC_ALL=C grep -abo $'\x28\xb5\x2f\xfd' "$image" | head -n 1 | cut -d: -f1 || true)
			[ -n "$off" ] || fail "no xz or zstd payload in $image"
			tail -c +$((off + 1)) "$image" | zstd -qdc > "$vmlinux.tmp" 2>/dev/null || true
		fi
		[ "$(head -c 4 "$vmlinux.tmp")" = $'\x7fELF' ] || fail "extracted payload is not ELF"
		mv "$vmlinux.tmp" "$vmlinux"
	fi
	check "$arch $abi extracted vmlinux + tree" "$vmlinux" "$tree/kernel"
	# Stripped: the export sections survive strip.
	strip -o "$tmp/vmlinux.stripped" "$vmlinux" 2>/dev/null || cp "$vmlinux" "$tmp/vmlinux.stripped"
	check "$arch $abi stripped vmlinux + tree" "$tmp/vmlinux.stripped" "$tree/kernel"
fi

# 4. The vmlinux half alone must be exactly the vmlinux lines.
"$KEXPORT" exports --format symvers "$image" | sort > "$tmp/img"
grep -P '\tvmlinux\t' "$symvers" | sort > "$tmp/want-vmlinux"
diff -q "$tmp/want-vmlinux" "$tmp/img" > /dev/null || fail "$arch $abi image alone differs from the vmlinux lines"
echo "ok: $arch $abi image alone: $(wc -l < "$tmp/img") vmlinux exports"

# 5. The build directory reads its Module.symvers, byte for byte up to order.
"$KEXPORT" exports --format symvers "$(dirname "$symvers")" | sort > "$tmp/hdr"
cmp -s "$tmp/want" "$tmp/hdr" || fail "$arch $abi headers dir output differs from its Module.symvers"
echo "ok: $arch $abi headers directory"

# 6. The round trip: Module.symvers read and written again, in its own
#    order, is the same file byte for byte.
"$KEXPORT" exports --unsorted --format symvers "$symvers" > "$tmp/rt"
cmp -s "$symvers" "$tmp/rt" || fail "$arch $abi: Module.symvers -> kexport --format symvers is not byte-exact"
echo "ok: $arch $abi: byte-exact symvers round trip"

# 7. The headers' vmlinux, where there is one (6.12 and later), is the
#    BTF-only ELF: named as such, exit 2, no exports counted.
if [ -f "$headers/vmlinux" ]; then
	rc=0
	"$KEXPORT" exports "$headers/vmlinux" > "$tmp/btf.out" 2> "$tmp/btf.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "$arch $abi: the headers' vmlinux: exit $rc, want 2"
	grep -q "^kexport: $headers/vmlinux: a BTF-only vmlinux" "$tmp/btf.err" ||
		fail "$arch $abi: the headers' vmlinux not recognised as BTF-only: $(cat "$tmp/btf.err")"
	echo "ok: $arch $abi: the headers' vmlinux is recognised as BTF-only"
fi

# 8. Where the kernel has __kflagstab (7.x), System.map-style input cannot
#    tell the kind: a map made from the image's own table says unknown.
if [ "${abi%%.*}" -ge 7 ]; then
	n_gpl=$(awk -F'\t' '$3 == "vmlinux" && $4 == "EXPORT_SYMBOL_GPL"' "$symvers" | wc -l)
	[ "$n_gpl" -gt 5000 ] || fail "$arch $abi: only $n_gpl GPL-only vmlinux exports in Module.symvers"
	{
		echo "ffffffff81000000 T _text"
		echo "ffffffff82000000 r __start___ksymtab"
		awk -F'\t' '$3 == "vmlinux" { printf "ffffffff82%06x r __ksymtab_%s\n", NR, $2 }' "$symvers"
		echo "ffffffff83000000 r __stop___ksymtab"
		echo "ffffffff83000000 r __start___kflagstab"
	} > "$tmp/System.map"
	"$KEXPORT" exports -j "$tmp/System.map" > "$tmp/map.json"
	python3 - "$tmp/map.json" <<'PY' || fail "$arch $abi: a 7.x System.map gave kinds"
import json, sys
doc = json.load(open(sys.argv[1]))
exports = doc["exports"] if isinstance(doc, dict) else doc
known = [e["name"] for e in exports if e.get("kind") not in (None, "unknown", "")]
print("ok: 7.x System.map: %d exports, %d with a kind (want 0)" % (len(exports), len(known)))
sys.exit(1 if known or len(exports) < 10000 else 0)
PY
fi
