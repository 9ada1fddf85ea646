#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Bad input never crashes, hangs or takes the good inputs with it: each bad
# file gives exactly one line on stderr naming it, the exit status is 2, and
# the good inputs of the same run are still read and printed.
. "$(dirname "$0")/lib.sh"
use_kernel amd64
good=$tree/kernel/drivers/usb/storage/usb-storage.ko
python3 "$top/tests/integration/make-bad-inputs.py" "$good" "$tmp/bad" > "$tmp/list"
[ "$(wc -l < "$tmp/list")" -ge 20 ] || fail "too few bad inputs generated"

expect_bad() { # file, command...
	local f=$1
	shift
	set +e
	timeout 60 "$@" > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	set -e
	[ $rc -eq 2 ] || fail "$f: exit status $rc, want 2 ($(head -2 "$tmp/err"))"
	[ "$(grep -c . "$tmp/err")" -eq 1 ] || { cat "$tmp/err" >&2; fail "$f: want exactly one line on stderr"; }
	grep -qF "kexport: $f: " "$tmp/err" || fail "$f: stderr does not name the file: $(cat "$tmp/err")"
}

n=0
while IFS=$'\t' read -r name what; do
	f=$tmp/bad/$name
	# As a module to show, and as an export source next to a good module.
	expect_bad "$f" "$KEXPORT" show "$f" "$good"
	grep -q '^module:      usb_storage$' "$tmp/out" || fail "$name ($what): good module not shown"
	case $name in
	*versions* | *modinfo*)
		# `exports` reads neither section, so the file is fine for it.
		"$KEXPORT" exports --format symvers "$f" "$good" > "$tmp/out" 2> /dev/null ||
			fail "$name ($what): exports should not read this section" ;;
	*) expect_bad "$f" "$KEXPORT" exports --format symvers "$f" "$good" ;;
	esac
	grep -q 'usb_stor_sense_invalidCDB' "$tmp/out" || fail "$name ($what): good exports missing"
	n=$((n + 1))
done < "$tmp/list"
echo "ok: $n hostile modules: one line each, exit 2, good input still read"

# Garbage text files as export sources.
printf 'this is not a symvers file\n' > "$tmp/garbage.txt"
printf '0x1234\tfoo\tvmlinux\tEXPORT_SYMBOL_WHATEVER\t\n' > "$tmp/badkind.symvers"
head -c 3000 /dev/urandom > "$tmp/random.bin"
printf 'ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n' > "$tmp/System.map"
for f in garbage.txt badkind.symvers random.bin System.map; do
	expect_bad "$tmp/$f" "$KEXPORT" exports --format symvers "$tmp/$f" "$symvers"
	[ "$(wc -l < "$tmp/out")" -eq "$(wc -l < "$symvers")" ] || fail "$f: good Module.symvers not fully printed"
done
echo "ok: garbage text files"

# Missing and unreadable paths; a directory with a loop; an empty directory.
expect_bad "$tmp/does-not-exist" "$KEXPORT" exports "$tmp/does-not-exist" "$good"
mkdir -p "$tmp/loop/a" && ln -s .. "$tmp/loop/a/up" && cp "$good" "$tmp/loop/a/"
set +e
timeout 60 "$KEXPORT" exports --format symvers "$tmp/loop" > "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "directory loop: exit $rc, want 2"
grep -q 'directory loop' "$tmp/err" || fail "directory loop not reported: $(cat "$tmp/err")"
[ "$(grep -c . "$tmp/err")" -eq 1 ] || fail "directory loop: want one line, got $(cat "$tmp/err")"
grep -q usb_stor_sense_invalidCDB "$tmp/out" || fail "directory loop: module inside not read"
echo "ok: directory loop reported once, the rest read"
mkdir "$tmp/empty"
expect_bad "$tmp/empty" "$KEXPORT" exports "$tmp/empty" "$good"
cp "$good" "$tmp/unreadable.ko" && chmod 000 "$tmp/unreadable.ko"
if [ "$(id -u)" -eq 0 ]; then
	# root reads anything: drop to nobody for this one check
	chmod 755 "$tmp" && cp "$good" "$tmp/good.ko" && chmod 644 "$tmp/good.ko"
	expect_bad "$tmp/unreadable.ko" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KEXPORT" show "$tmp/unreadable.ko" "$tmp/good.ko"
else
	expect_bad "$tmp/unreadable.ko" "$KEXPORT" show "$tmp/unreadable.ko" "$good"
fi
grep -q 'Permission denied' "$tmp/err" || fail "unreadable: $(cat "$tmp/err")"
echo "ok: missing, unreadable, empty-directory inputs"
