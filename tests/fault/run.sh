#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fault injection on every entry point a program of libkexport uses, on
# small real inputs from Debian's kernels: each allocation, then each I/O
# call (failing with EIO, EMFILE and ENOSPC, interrupted, cut short), made
# to fail in turn (tests/fault/fault-driver.c says what each run must end
# in).  Prints the injection points covered per entry point.
. "$(dirname "$0")/../integration/lib.sh"

FAULT_DRIVER=${FAULT_DRIVER:-$top/build/tests/fault-driver}
[ -x "$FAULT_DRIVER" ] || fail "no fault driver at $FAULT_DRIVER (build the tests)"

use_kernel amd64 "$KEXPORT_ABI"
new_symvers=$symvers
new_tree=$tree
new_image=$image
use_kernel amd64 "$KEXPORT_ABI_OLD"
old_symvers=$symvers
use_kernel amd64 "$(kx_generation_abis | tail -1)"
xz_tree=$tree

# A small tree: fuse and cuse (which needs it), usb-storage and uas (which
# needs it), as Debian built them; and the compressed usb-storage and uas of the newest
# generation.
small=$tmp/tree
for m in fs/fuse/fuse.ko fs/fuse/cuse.ko drivers/usb/storage/usb-storage.ko drivers/usb/storage/uas.ko; do
	mkdir -p "$small/kernel/$(dirname "$m")"
	cp "$new_tree/kernel/$m" "$small/kernel/$m"
done
xz=$tmp/xz
mkdir -p "$xz/kernel"
for m in drivers/usb/storage/usb-storage.ko.xz drivers/usb/storage/uas.ko.xz; do
	cp "$xz_tree/kernel/$m" "$xz/kernel/" || fail "no $m in $xz_tree"
done

# A tree with a small MAINTAINERS: Debian's sections for the files asked
# about (tests/fault/fault-driver.c, e_maintainers), and THE REST.
cache=$("$top/scripts/fetch-kernels.sh" source) || fail "cannot fetch the kernel source"
src=$(echo "$cache/source/$KEXPORT_SOURCE_VERSION"/linux-source-*)
maint=$tmp/maint
mkdir -p "$maint"
sed -n '/^DMA BUFFER SHARING FRAMEWORK/,/^$/p; /^MEMORY MANAGEMENT$/,/^$/p; /^X86 ARCHITECTURE (32-BIT AND 64-BIT)/,/^$/p; /^USB MASS STORAGE DRIVER/,/^$/p; /^DIALOG SEMICONDUCTOR DRIVERS/,/^$/p; /^THE REST/,/^$/p' \
	"$src/MAINTAINERS" >"$maint/MAINTAINERS"
[ "$(grep -c '^F:' "$maint/MAINTAINERS")" -gt 10 ] || fail "no sections taken from $src/MAINTAINERS"

# A small kernel git repository: three tags of export macros.
repo=$tmp/repo
mkdir -p "$repo/kernel"
git -C "$repo" init -q
git -C "$repo" config user.email test@example.org
git -C "$repo" config user.name test
printf '#include <linux/export.h>\nint foo(void) { return 0; }\nEXPORT_SYMBOL(foo);\n' >"$repo/kernel/a.c"
git -C "$repo" add -A && git -C "$repo" commit -qm one && git -C "$repo" tag v1.0
printf '#include <linux/export.h>\nint foo(void) { return 0; }\nEXPORT_SYMBOL_GPL(foo);\n' >"$repo/kernel/a.c"
printf 'int bar(void) { return 1; }\nEXPORT_SYMBOL_NS(bar, BAR);\n' >"$repo/kernel/b.c"
git -C "$repo" add -A && git -C "$repo" commit -qm two && git -C "$repo" tag v1.1
git -C "$repo" rm -q kernel/b.c && git -C "$repo" commit -qm three && git -C "$repo" tag v1.2

run() {
	"$FAULT_DRIVER" "$@" || fail "fault-driver $*"
}
for kind in alloc io; do
	run "$kind" symvers "$new_symvers"
	run "$kind" module "$small/kernel/fs/fuse/cuse.ko"
	run "$kind" module "$xz/kernel/uas.ko.xz"
	run "$kind" tree "$small"
	run "$kind" tree "$xz"
	run "$kind" check "$new_symvers" "$small/kernel/drivers/usb/storage/uas.ko"
	run "$kind" audit "$new_symvers" "$small"
	run "$kind" diff "$old_symvers" "$new_symvers"
	run "$kind" whatif "$new_symvers"
	run "$kind" image "$new_image"
	run "$kind" history "$repo" "$tmp/history.sqlite"
	run "$kind" dossier "$old_symvers" "$new_symvers" "$small"
	run "$kind" maintainers "$maint"
done
echo PASS
