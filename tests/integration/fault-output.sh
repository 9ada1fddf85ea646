#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# --output FILE in a bad environment, on Debian's Module.symvers of every
# pinned kernel (a report of ~130 MB, so that a kill lands mid-write):
#   (a) the file holds what stdout would, and keeps the mode of the file it
#       replaces;
#   (b) kill -9 at many moments while the report is written: FILE is the
#       old report or the whole new one, never part of one;
#   (c) a full disk (a 1 MiB tmpfs; where mounting is not allowed, a file
#       size limit): one line naming the cause, exit 2, the old report
#       untouched and no temporary file left;
#   (d) a directory that cannot be written: one line, exit 2.
. "$(dirname "$0")/lib.sh"

all=()
for arch in amd64 arm64; do
	for abi in $(kx_generation_abis); do
		use_kernel "$arch" "$abi"
		all+=("$symvers")
	done
done
[ "${#all[@]}" -ge 2 ] || fail "no pinned kernels' Module.symvers"

out=$tmp/out
mkdir "$out"
"$KEXPORT" -p exports "${all[@]}" >"$tmp/ref.json" || fail "the reference run failed"
size=$(stat -c %s "$tmp/ref.json")

# (a)
printf 'OLD\n' >"$out/report.json"
chmod 0640 "$out/report.json"
"$KEXPORT" -p --output "$out/report.json" exports "${all[@]}" || fail "(a) --output exited $?"
cmp -s "$tmp/ref.json" "$out/report.json" || fail "(a) --output FILE differs from stdout"
[ "$(stat -c %a "$out/report.json")" = 640 ] ||
	fail "(a) the replaced report's mode changed to $(stat -c %a "$out/report.json")"
"$KEXPORT" -p exports --output "$out/after.json" "${all[@]}" &&
	cmp -s "$tmp/ref.json" "$out/after.json" || fail "(a) --output after the command differs"
[ -z "$(ls -A "$out" | grep '^\.')" ] || fail "(a) a temporary file was left: $(ls -A "$out")"
echo "ok: (a) --output gives stdout's $size bytes, and keeps the old file's mode"

# (b) kill -9 mid-write.  The delays spread over the run; a kill that
# found a partial temporary file proves it landed mid-write.
mid=0
old=0
new=0
for ms in 20 60 100 150 200 250 300 350 400 450 500 600 700 900; do
	printf 'OLD\n' >"$out/report.json"
	"$KEXPORT" -p --output "$out/report.json" exports "${all[@]}" &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for t in "$out"/.report.json.*; do
		[ -f "$t" ] || continue
		[ "$(stat -c %s "$t")" -lt "$size" ] && mid=$((mid + 1))
		rm -f "$t"
	done
	if [ "$(cat "$out/report.json")" = OLD ]; then
		old=$((old + 1))
	elif cmp -s "$tmp/ref.json" "$out/report.json"; then
		new=$((new + 1))
	else
		fail "(b) killed after ${ms} ms: report.json is neither the old report nor the new" \
			"($(stat -c %s "$out/report.json") of $size bytes)"
	fi
done
[ "$mid" -gt 0 ] || fail "(b) no kill landed mid-write (the run is too fast for these delays)"
echo "ok: (b) 14 kills: report.json was the old one $old times, the whole new one $new times;" \
	"$mid kills landed mid-write"

# (c) a full disk.
small=$tmp/small
mkdir "$small"
how=
if mount -t tmpfs -o size=1m tmpfs "$small" 2>/dev/null; then
	how="a 1 MiB tmpfs"
	trap 'umount "$small" 2>/dev/null; rm -rf "$tmp"' EXIT
fi
printf 'OLD\n' >"$small/report.json"
rc=0
if [ -n "$how" ]; then
	"$KEXPORT" -p --output "$small/report.json" exports "${all[@]}" 2>"$tmp/full.err" || rc=$?
else
	how="a 1 MiB file size limit"
	( trap '' XFSZ; ulimit -f 2048; exec "$KEXPORT" -p --output "$small/report.json" exports \
		"${all[@]}" ) 2>"$tmp/full.err" || rc=$?
fi
[ "$rc" -eq 2 ] || fail "(c) a full disk ($how): exit $rc, expected 2: $(cat "$tmp/full.err")"
[ "$(wc -l <"$tmp/full.err")" -eq 1 ] || fail "(c) a full disk: expected one line, got: $(cat "$tmp/full.err")"
grep -q "report.json" "$tmp/full.err" && grep -qiE "no space left|file too large" "$tmp/full.err" ||
	fail "(c) the message does not name the file and the cause: $(cat "$tmp/full.err")"
[ "$(cat "$small/report.json")" = OLD ] || fail "(c) the old report was changed"
[ -z "$(ls -A "$small" | grep '^\.')" ] || fail "(c) a temporary file was left: $(ls -A "$small")"
echo "ok: (c) a full disk ($how): $(cat "$tmp/full.err"); the old report kept"

# (d) a directory that cannot be written (as root, a read-only mount).
rc=0
"$KEXPORT" --output /proc/kexport-report.json exports "${all[0]}" 2>"$tmp/ro.err" || rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/ro.err")" -eq 1 ] && grep -q "kexport-report.json" "$tmp/ro.err" ||
	fail "(d) an unwritable directory: exit $rc: $(cat "$tmp/ro.err")"
echo "ok: (d) $(cat "$tmp/ro.err")"
echo PASS
