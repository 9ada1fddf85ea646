#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# On Debian's real kernels: the export table kexport reads from the kernel
# image plus the module tree must equal the kernel's own Module.symvers on
# every symbol: name, kind, namespace, CRC and owner.  Any difference fails.
#   real-exports.sh ARCH
. "$(dirname "$0")/lib.sh"
arch=${1:?arch}
use_kernel "$arch"

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

# 1. /lib/modules/VER finds ../../../boot/vmlinuz-VER by itself.
check "$arch modules dir (image found by itself)" "$tree"
# 2. The image and the tree named explicitly.
check "$arch image + tree" "$image" "$tree/kernel"

# 3. The vmlinux inside the image, extracted by other means than kexport.
if [ "$arch" = amd64 ]; then
	vmlinux=$derived/vmlinux
	if [ ! -s "$vmlinux" ]; then
		off=$(grep -abo $'\xfd7zXZ' "$image" | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || fail "no xz payload in $image"
		tail -c +$((off + 1)) "$image" | xz -dc > "$vmlinux.tmp" 2>/dev/null || true
		[ "$(head -c 4 "$vmlinux.tmp")" = $'\x7fELF' ] || fail "extracted payload is not ELF"
		mv "$vmlinux.tmp" "$vmlinux"
	fi
	check "$arch extracted vmlinux + tree" "$vmlinux" "$tree/kernel"
	# Stripped: the export sections survive strip.
	strip -o "$tmp/vmlinux.stripped" "$vmlinux" 2>/dev/null || cp "$vmlinux" "$tmp/vmlinux.stripped"
	check "$arch stripped vmlinux + tree" "$tmp/vmlinux.stripped" "$tree/kernel"
fi

# 4. The vmlinux half alone must be exactly the vmlinux lines.
"$KEXPORT" exports --format symvers "$image" | sort > "$tmp/img"
grep -P '\tvmlinux\t' "$symvers" | sort > "$tmp/want-vmlinux"
diff -q "$tmp/want-vmlinux" "$tmp/img" > /dev/null || fail "$arch image alone differs from the vmlinux lines"
echo "ok: $arch image alone: $(wc -l < "$tmp/img") vmlinux exports"

# 5. The build directory reads its Module.symvers, byte for byte up to order.
"$KEXPORT" exports --format symvers "$(dirname "$symvers")" | sort > "$tmp/hdr"
cmp -s "$tmp/want" "$tmp/hdr" || fail "$arch headers dir output differs from its Module.symvers"
echo "ok: $arch headers directory"
