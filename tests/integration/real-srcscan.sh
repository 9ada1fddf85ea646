#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The source-tree reader on Debian's linux-source of the same build as the
# amd64 KEXPORT_ABI kernel (KEXPORT_SOURCE_VERSION, Debian's patched tree):
#  (a) every export of that kernel's Module.symvers is found in the scan with
#      the same kind and namespace, but for the reviewed exceptions of
#      srcscan-exceptions.txt (the list must be exact both ways), >= 99.5%;
#  (b) with the headers' .config, the exports the scan says are built match
#      Module.symvers: precision and recall >= 98%, owners compared;
#  (c) the scan and the plain-text outputs agree, and --match/-m filters.
. "$(dirname "$0")/lib.sh"
use_kernel amd64
cache=$("$top/scripts/fetch-kernels.sh" source) || fail "cannot fetch $KEXPORT_SOURCE_PKG=$KEXPORT_SOURCE_VERSION (see above)"
src=$cache/source/$KEXPORT_SOURCE_VERSION/linux-source-6.1
[ -f "$src/include/linux/export.h" ] || fail "no unpacked source tree in $src"
config=$root/usr/src/linux-headers-$KEXPORT_ABI-amd64/.config
[ -f "$config" ] || fail "no .config in the headers: $config"
here=$(dirname "$0")

"$KEXPORT" exports -j "$src" > "$tmp/scan.json" 2> "$tmp/err" || fail "kexport exports $src exited $?: $(head -3 "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "unexpected stderr: $(head -3 "$tmp/err")"
python3 "$here/real-srcscan.py" found "$tmp/scan.json" "$symvers" "$here/srcscan-exceptions.txt" ||
	fail "source scan vs Module.symvers"

"$KEXPORT" exports -j --config "$config" "$src" > "$tmp/built.json" 2> "$tmp/err" ||
	fail "kexport exports --config exited $?: $(head -3 "$tmp/err")"
python3 "$here/real-srcscan.py" built "$tmp/built.json" "$symvers" || fail "built exports vs Module.symvers"

# (c) the table: file:line sources, --match, the same count as JSON.
"$KEXPORT" exports --match 'kfree*' "$src" > "$tmp/table" || fail "table output exited $?"
grep -q '^kfree  *EXPORT_SYMBOL  *- ' "$tmp/table" || fail "no kfree row in: $(head -5 "$tmp/table")"
"$KEXPORT" exports -j --match kfree "$src" | python3 -c '
import json, sys
d = json.load(sys.stdin)
e = d["exports"]
assert len(e) == 1 and e[0]["source"].startswith("mm/slab") and ":" in e[0]["source"], e
' || fail "kfree not found in mm/slab*.c with a line"
# With the configuration, kfree is vmlinux's, and usb-storage exports are the module's, in USB_STORAGE.
"$KEXPORT" exports -j --config "$config" --match 'usb_stor_sense_invalidCDB' "$src" | python3 -c '
import json, sys
e = json.load(sys.stdin)["exports"]
assert len(e) == 1 and e[0]["owner"] == "drivers/usb/storage/usb-storage" and e[0]["namespace"] == "USB_STORAGE", e
' || fail "usb_stor_sense_invalidCDB: wrong owner or namespace"
echo "ok: source scan of $KEXPORT_SOURCE_PKG $KEXPORT_SOURCE_VERSION"
