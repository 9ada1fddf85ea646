#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The module tree recompressed with xz, zstd and gzip gives the same export
# table and the same module models (kexport show -j) as the plain tree.
. "$(dirname "$0")/lib.sh"
use_kernel amd64

for comp in xz zst gz; do
	dir=$derived/tree-$comp
	if [ ! -f "$dir/.complete" ]; then
		rm -rf "$dir" && mkdir -p "$dir"
		cp -a "$tree/kernel" "$dir/"
		case $comp in
		xz) cmd="xz -0 --check=crc32" ;;
		zst) cmd="zstd -q --rm -1" ;;
		gz) cmd="gzip -1" ;;
		esac
		find "$dir" -name '*.ko' -print0 | xargs -0 -P2 -n200 $cmd
		touch "$dir/.complete"
	fi
done

"$KEXPORT" exports --format symvers "$tree/kernel" > "$tmp/plain"
[ "$(wc -l < "$tmp/plain")" -gt 10000 ] || fail "plain tree gave too few exports"
# The owners are the same paths: the .ko.xz suffix is not part of the name.
for comp in xz zst gz; do
	n=$(find "$derived/tree-$comp" -name "*.ko.$comp" | wc -l)
	[ "$n" -eq 4023 ] || [ "$n" -gt 3000 ] || fail "tree-$comp has only $n modules"
	"$KEXPORT" exports --format symvers "$derived/tree-$comp/kernel" > "$tmp/$comp"
	cmp -s "$tmp/plain" "$tmp/$comp" || { diff "$tmp/plain" "$tmp/$comp" | head; fail "$comp tree exports differ"; }
	echo "ok: $comp tree: identical export table ($n modules)"
done

# The module model too, apart from the path and compression fields.
"$KEXPORT" show -j "$tree/kernel" | python3 "$top/tests/integration/strip-paths.py" > "$tmp/show-plain"
for comp in xz zst; do
	"$KEXPORT" show -j "$derived/tree-$comp/kernel" | python3 "$top/tests/integration/strip-paths.py" > "$tmp/show-$comp"
	cmp -s "$tmp/show-plain" "$tmp/show-$comp" || { diff "$tmp/show-plain" "$tmp/show-$comp" | head; fail "$comp module models differ"; }
	echo "ok: $comp tree: identical module models"
done
