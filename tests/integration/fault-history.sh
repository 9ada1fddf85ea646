#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kexport history in a bad environment, on the test repository of
# real-history.sh (linux-source-6.1 as v6.1 plus scripted tags):
#   (a) kill -9 at many moments while the index is built: the next run
#       answers as an index built without a kill;
#   (b) eight runs at once on one new database: all answer, the same;
#   (c) a cache database kexport owns that is not a database is rebuilt,
#       with one warning; one given with --db is the user's: one error
#       line, exit 2, the file untouched;
#   (d) a full disk (a 1 MiB tmpfs; where mounting is not allowed, a file
#       size limit): one line naming the cause, exit 2; with room again,
#       the same database then answers right.
. "$(dirname "$0")/lib.sh"

out=$("$top/tests/integration/history-repo.sh") || fail "no test repository (see above)"
built=$(sed -n 1p <<<"$out")
repo=$built/repo
export XDG_CACHE_HOME=$tmp/xdg

# The answers compared: every change between the first and the last tag,
# and the GPL-only flips.
# The JSON without what differs between two databases ("db", and "index":
# timings and counts of this run).
strip() { python3 -c 'import json,sys; d=json.load(sys.stdin); [d.pop(k, None) for k in ("db", "index")]; json.dump(d, sys.stdout, sort_keys=True)'; }
answers() { # DB OUT
	"$KEXPORT" history "$repo" --db "$1" -j --changes v6.1..v6.12 | strip >"$2.changes" &&
	"$KEXPORT" history "$repo" --db "$1" -j --gpl-flips | strip >"$2.flips"
}
same() { # A B WHAT
	cmp -s "$1.changes" "$2.changes" && cmp -s "$1.flips" "$2.flips" ||
		fail "$3: answers differ from an index built in one run"
}

# The reference: one uninterrupted run, timed for (a).
start=$(date +%s%N)
"$KEXPORT" history "$repo" --db "$tmp/ref.sqlite" >/dev/null || fail "the reference index failed"
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
answers "$tmp/ref.sqlite" "$tmp/ref" || fail "the reference answers failed"
[ -s "$tmp/ref.changes" ] || fail "the reference has no changes"

# (a) kill -9 at eight moments spread over the time a whole index takes.
db=$tmp/killed.sqlite
kills=0
for k in 1 2 3 5 8 12 17 23; do
	delay_ms=$(( took_ms * k / 25 ))
	"$KEXPORT" history "$repo" --db "$db" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
	wait "$pid" 2>/dev/null || true
done
[ "$kills" -ge 4 ] || fail "(a) only $kills of 8 runs were still running when killed"
"$KEXPORT" history "$repo" --db "$db" >/dev/null || fail "(a) the run after $kills kills failed"
answers "$db" "$tmp/killed" || fail "(a) answers after the kills failed"
same "$tmp/ref" "$tmp/killed" "(a) after $kills kill -9"
echo "ok: (a) $kills runs killed with SIGKILL while indexing; the next run answers as the reference"

# (b) eight at once on a new database.
db=$tmp/shared.sqlite
pids=()
for i in 1 2 3 4 5 6 7 8; do
	{ "$KEXPORT" history "$repo" --db "$db" -j --changes v6.1..v6.12 2>"$tmp/p$i.err" | strip >"$tmp/p$i.changes"; } &
	pids+=($!)
done
for i in 1 2 3 4 5 6 7 8; do
	wait "${pids[$((i - 1))]}" || fail "(b) run $i of 8 failed: $(cat "$tmp/p$i.err")"
done
for i in 1 2 3 4 5 6 7 8; do
	cmp -s "$tmp/ref.changes" "$tmp/p$i.changes" || fail "(b) run $i of 8 answered differently"
done
echo "ok: (b) 8 runs at once on one new database all answer, as the reference"

# (c) a corrupt cache of kexport's own: rebuilt with one warning.
"$KEXPORT" history "$repo" --range v6.1..v6.1 >/dev/null || fail "(c) the first run on the default cache failed"
cache_db=$(ls "$XDG_CACHE_HOME"/kexport/history-*.sqlite)
[ -f "$cache_db" ] || fail "(c) no default cache database in $XDG_CACHE_HOME/kexport"
rm -f "$cache_db-wal" "$cache_db-shm"
head -c 8192 /dev/urandom >"$cache_db"
"$KEXPORT" history "$repo" -j --changes v6.1..v6.12 >"$tmp/rebuilt.json" 2>"$tmp/rebuilt.err" ||
	fail "(c) a corrupt cache stopped the run: $(cat "$tmp/rebuilt.err")"
strip <"$tmp/rebuilt.json" >"$tmp/rebuilt.changes"
[ "$(wc -l <"$tmp/rebuilt.err")" -eq 1 ] && grep -q "$cache_db" "$tmp/rebuilt.err" ||
	fail "(c) expected one warning naming the cache, got: $(cat "$tmp/rebuilt.err")"
cmp -s "$tmp/ref.changes" "$tmp/rebuilt.changes" || fail "(c) the rebuilt cache answered differently"
echo "ok: (c) a corrupt cache is rebuilt: $(cat "$tmp/rebuilt.err")"
# ... but a file given with --db is never overwritten.
head -c 8192 /dev/urandom >"$tmp/user.db"
cp "$tmp/user.db" "$tmp/user.copy"
rc=0
"$KEXPORT" history "$repo" --db "$tmp/user.db" --changes v6.1..v6.12 >/dev/null 2>"$tmp/user.err" || rc=$?
[ "$rc" -eq 2 ] || fail "(c) --db on a file that is not a database exited $rc, expected 2"
[ "$(wc -l <"$tmp/user.err")" -eq 1 ] && grep -q "user.db" "$tmp/user.err" ||
	fail "(c) expected one error line naming the file, got: $(cat "$tmp/user.err")"
cmp -s "$tmp/user.db" "$tmp/user.copy" || fail "(c) kexport changed the user's --db file"
echo "ok: (c) --db on a file that is not a database: $(cat "$tmp/user.err")"

# (d) a full disk.
small=$tmp/small
mkdir "$small"
how=
if mount -t tmpfs -o size=1m tmpfs "$small" 2>/dev/null; then
	how="a 1 MiB tmpfs"
	trap 'umount "$small" 2>/dev/null; rm -rf "$tmp"' EXIT
fi
rc=0
if [ -n "$how" ]; then
	"$KEXPORT" history "$repo" --db "$small/h.sqlite" >/dev/null 2>"$tmp/full.err" || rc=$?
else
	how="a 1 MiB file size limit"
	( trap '' XFSZ; ulimit -f 2048; exec "$KEXPORT" history "$repo" --db "$small/h.sqlite" ) \
		>/dev/null 2>"$tmp/full.err" || rc=$?
fi
[ "$rc" -eq 2 ] || fail "(d) a full disk ($how): exit $rc, expected 2: $(cat "$tmp/full.err")"
[ "$(wc -l <"$tmp/full.err")" -eq 1 ] || fail "(d) a full disk: expected one line, got: $(cat "$tmp/full.err")"
grep -qiE "no space left|file too large|full" "$tmp/full.err" ||
	fail "(d) the message does not name the cause: $(cat "$tmp/full.err")"
echo "ok: (d) a full disk ($how): $(cat "$tmp/full.err")"
# With room again the same database is whole and the run finishes it.
cp "$small/h.sqlite" "$tmp/after-full.sqlite"
for f in "$small"/h.sqlite-wal "$small"/h.sqlite-shm; do
	[ -f "$f" ] && cp "$f" "$tmp/after-full.sqlite${f##*/h.sqlite}"
done
"$KEXPORT" history "$repo" --db "$tmp/after-full.sqlite" >/dev/null ||
	fail "(d) the database left by the full disk cannot be completed"
answers "$tmp/after-full.sqlite" "$tmp/after-full" || fail "(d) answers after the full disk failed"
same "$tmp/ref" "$tmp/after-full" "(d) after a full disk"
echo "ok: (d) with room again the database completes and answers as the reference"
echo PASS
