#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The decompressors are opened on first use (KX_DLIB in lib/base/util.c).  When
# one cannot be, each compressed input is bad input: one line naming the
# file and the library, exit status 2, and every other input still read.
# LD_LIBRARY_PATH puts a libz.so.1 without zlib's functions (dlsym fails)
# and a liblzma.so.5 that is not an ELF file (dlopen fails) first.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
KEXPORT=${KEXPORT:-$top/build/kexport}
MKELF=${MKELF:-$top/build/tests/mkelf}
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$MKELF" --export alpha --export beta:gpl --owner good "$tmp/good.ko" || fail "mkelf"
"$MKELF" --export gamma --owner gz "$tmp/gz.ko" || fail "mkelf"
"$MKELF" --export delta --owner xz "$tmp/xz.ko" || fail "mkelf"
gzip -9 "$tmp/gz.ko"
xz -9 "$tmp/xz.ko"

# With the real libraries all three read.
"$KEXPORT" exports "$tmp/good.ko" "$tmp/gz.ko.gz" "$tmp/xz.ko.xz" > "$tmp/all.out" ||
	fail "exports with the real libraries exited $?"
for s in alpha beta gamma delta; do
	grep -qw "$s" "$tmp/all.out" || fail "exports with the real libraries lacks $s"
done

mkdir "$tmp/lib"
echo 'int kexport_test_not_zlib;' | "$CC" -shared -fPIC -x c - -o "$tmp/lib/libz.so.1" ||
	fail "cannot build the stand-in libz.so.1 with $CC"
echo 'not an ELF file' > "$tmp/lib/liblzma.so.5"

set +e
LD_LIBRARY_PATH=$tmp/lib "$KEXPORT" exports "$tmp/gz.ko.gz" "$tmp/good.ko" "$tmp/xz.ko.xz" \
	> "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "exit $rc with the decompressors missing, want 2: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/err")" -eq 2 ] || fail "want one line per compressed input: $(cat "$tmp/err")"
grep -q "gz.ko.gz: .*libz.so.1 has no inflateInit2_" "$tmp/err" ||
	fail "no line naming gz.ko.gz and libz.so.1's missing function: $(cat "$tmp/err")"
grep -q "xz.ko.xz: .*cannot load liblzma.so.5" "$tmp/err" ||
	fail "no line naming xz.ko.xz and liblzma.so.5: $(cat "$tmp/err")"
grep -qw alpha "$tmp/out" && grep -qw beta "$tmp/out" ||
	fail "the plain module was not read: $(cat "$tmp/out")"
! grep -qwE "gamma|delta" "$tmp/out" || fail "exports from an input that could not be read"
echo "ok: a decompressor that cannot be loaded makes its inputs bad input, one line each; the rest is read"
