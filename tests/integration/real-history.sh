#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kexport history on a git repository built from Debian's linux-source-6.1
# (pinned in tests/kernels.conf, fetched by scripts/fetch-kernels.sh source):
# the tree as tag v6.1, then the scripted tags of history-repo.py, whose
# record (expected.json) every answer is compared with:
#   (a) every timeline of a symbol the script changed equals the record, and
#       every other symbol has one event, "added at v6.1", whose sites equal a
#       fresh `kexport exports` scan of the unpacked tree (all of them);
#   (b) --commits bisects every change to the commit the script made it in;
#   (c) --changes between every pair of consecutive tags equals the record's
#       events of the later tag, and v6.1..v6.12 names the net changes;
#   (d) --gpl-flips equals the record's kind_tightened events;
#   (e) after one more tag, a re-run indexes one tag and parses one blob;
#       --all-tags puts the -rc tag before it: the walk is redone from the
#       cached scans (no blob parsed);
#   (f) bad input: not a repository, a corrupt one, unknown revisions: one
#       line on stderr and exit 2.
# The repository is built once (several minutes) and cached by
# history-repo.sh.
. "$(dirname "$0")/lib.sh"

out=$("$top/tests/integration/history-repo.sh") || fail "no test repository (see above)"
built=$(sed -n 1p <<<"$out")
src=$(sed -n 2p <<<"$out")
repo=$built/repo
expected=$built/expected.json
db=$tmp/history.sqlite

# (a) index everything, every timeline; the plain scan of the same tree.
"$KEXPORT" history -v "$repo" --db "$db" -j '*' >"$tmp/all.json" 2>"$tmp/index.log" ||
	{ cat "$tmp/index.log" >&2; fail "history '*' failed"; }
"$KEXPORT" exports "$src" -j >"$tmp/scan.json" || fail "kexport exports of the tree failed"
touched=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["symbols"])))' "$expected")
# shellcheck disable=SC2086
"$KEXPORT" history "$repo" --db "$db" -j --commits $touched >"$tmp/commits.json" || fail "history --commits failed"
"$KEXPORT" history "$repo" --db "$db" -j --gpl-flips >"$tmp/flips.json" || fail "history --gpl-flips failed"
tags=$(python3 -c 'import json,sys; print(" ".join(t["name"] for t in json.load(open(sys.argv[1]))["tags"]))' "$expected")
prev=
for t in $tags; do
	if [ -n "$prev" ]; then
		"$KEXPORT" history "$repo" --db "$db" -j --changes "$prev..$t" >"$tmp/changes-$t.json" ||
			fail "history --changes $prev..$t failed"
	fi
	prev=$t
done
"$KEXPORT" history "$repo" --db "$db" -j --changes v6.1..v6.12 >"$tmp/changes-all.json" || fail "--changes v6.1..v6.12"

python3 - "$expected" "$tmp" <<'PY' || fail "history answers differ from the record"
import json, os, sys
rec = json.load(open(sys.argv[1]))
tmp = sys.argv[2]
load = lambda n: json.load(open(os.path.join(tmp, n)))
bad = []
def check(cond, msg):
    if not cond:
        bad.append(msg)

def sset(sites):
    return sorted((s['path'], s['kind'], s['ns'] or '') for s in sites)

tags = [t['name'] for t in rec['tags']]
allj = load('all.json')
check(allj['tags'] == tags, f"tags {allj['tags']} != {tags}")
tl = {s['name']: s['events'] for s in allj['symbols']}

# (a) the script's symbols
for name, r in rec['symbols'].items():
    want = []
    if r['before']:
        want.append(('v6.1', ['added'], sset(r['before'])))
    want += [(e['tag'], e['changes'], sset(e['sites'])) for e in r['events']]
    got = [(e['tag'], sorted(e['changes']), sset(e['sites'])) for e in tl.get(name, [])]
    check(got == want, f"{name}: timeline\n  got  {got}\n  want {want}")

# (a) every other symbol: one event, added at v6.1, equal to the plain scan
scan = load('scan.json')
kinds = {}
for e in scan['exports']:
    kinds.setdefault(e['name'], set()).add((e['kind'], e['namespace'] or ''))
for c in scan['conflicts']:
    for side in ('kept', 'other'):
        e = c[side]
        kinds.setdefault(e['name'], set()).add((e['kind'], e['namespace'] or ''))
kname = {'plain': 'EXPORT_SYMBOL', 'gpl': 'EXPORT_SYMBOL_GPL', 'gpl_future': 'EXPORT_SYMBOL_GPL_FUTURE',
         'unused': 'EXPORT_UNUSED_SYMBOL', 'unused_gpl': 'EXPORT_UNUSED_SYMBOL_GPL'}
at61 = {}
for name, evs in tl.items():
    if evs and evs[0]['tag'] == 'v6.1':
        at61[name] = evs[0]
        if name not in rec['symbols']:
            check(len(evs) == 1 and evs[0]['changes'] == ['added'],
                  f"{name}: untouched but {len(evs)} events: {[(e['tag'], e['changes']) for e in evs]}")
missing = sorted(set(kinds) - set(at61))
extra = sorted(set(at61) - set(kinds))
check(not missing, f"{len(missing)} symbols of the scan not added at v6.1: {missing[:10]}")
check(not extra, f"{len(extra)} symbols added at v6.1 not in the scan: {extra[:10]}")
differ = []
for name in set(kinds) & set(at61):
    h = {(kname[s['kind']], s['ns'] or '') for s in at61[name]['sites']}
    if h != kinds[name]:
        differ.append((name, sorted(h), sorted(kinds[name])))
check(not differ, f"{len(differ)} symbols whose v6.1 kinds/namespaces differ from the scan: {differ[:5]}")
print(f"timelines: {len(rec['symbols'])} scripted symbols equal the record; "
      f"{len(at61)} symbols added at v6.1 = {len(kinds)} names of the plain scan")

# (b) --commits
cj = load('commits.json')
ncommits = 0
for s in cj['symbols']:
    r = rec['symbols'][s['name']]
    for e in s['events']:
        if e['tag'] == 'v6.1':
            check(e['commit'] is None, f"{s['name']}: commit at the first tag")
            continue
        want = [x['commit'] for x in r['events'] if x['tag'] == e['tag']]
        got = e['commit']['id'] if e['commit'] else None
        check(want == [got], f"{s['name']} at {e['tag']}: commit {got} != {want}")
        ncommits += 1
print(f"--commits: {ncommits} changes bisected to the commit that made them")

# (c) --changes between consecutive tags = the record's events of the later tag
nchg = 0
for a, b in zip(tags, tags[1:]):
    j = load(f'changes-{b}.json')
    got = {}
    for cls, evs in j['changes'].items():
        for e in evs:
            check(cls in e['changes'], f"{a}..{b}: {e['name']} listed under {cls}")
            got[e['name']] = (sorted(e['changes']), sset(e['sites']))
    want = {n: (x['changes'], sset(x['sites'])) for n, r in rec['symbols'].items()
            for x in r['events'] if x['tag'] == b}
    check(got == want, f"--changes {a}..{b}:\n  got  {got}\n  want {want}")
    nchg += len(got)
j = load('changes-all.json')
net = set()
for n, r in rec['symbols'].items():
    final = r['events'][-1]['sites'] if r['events'] else r['before']
    if sset(final) != sset(r['before']):
        net.add(n)
got = {e['name'] for evs in j['changes'].values() for e in evs}
check(got == net, f"--changes v6.1..v6.12: {sorted(got ^ net)} differ")
check({e['name'] for e in j['changes'].get('added', [])} == {n for n in net if not rec['symbols'][n]['before']},
      "--changes v6.1..v6.12: the added class")
print(f"--changes: {nchg} changes over {len(tags) - 1} consecutive pairs, {len(net)} net over v6.1..v6.12")

# (d) --gpl-flips
fj = load('flips.json')
got = sorted((e['name'], e['tag']) for e in fj['gpl_flips'])
want = sorted((n, x['tag']) for n, r in rec['symbols'].items() for x in r['events']
              if 'kind_tightened' in x['changes'])
check(got == want, f"--gpl-flips: got {got}, want {want}")
print(f"--gpl-flips: {got}")
if bad:
    print('\n'.join(bad), file=sys.stderr)
    sys.exit(1)
PY

# (e) one more tag on a bare clone (objects shared): one tag, one blob.
clone=$tmp/clone.git
git clone -q --bare --shared "$repo" "$clone" || fail "git clone"
export GIT_INDEX_FILE=$tmp/index GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
git -C "$clone" read-tree v6.12
blob=$(printf '#include <linux/export.h>\nint kx_late(void) { return 0; }\nEXPORT_SYMBOL_GPL(kx_late);\n' | git -C "$clone" hash-object -w --stdin)
git -C "$clone" update-index --add --cacheinfo "100644,$blob,lib/kx_late.c"
c=$(git -C "$clone" commit-tree -p v6.12 -m "kx_late" "$(git -C "$clone" write-tree)")
git -C "$clone" tag v6.13 "$c"
unset GIT_INDEX_FILE
cp "$db" "$tmp/again.sqlite"
"$KEXPORT" history "$clone" --db "$tmp/again.sqlite" -j kx_late >"$tmp/again.json" || fail "re-run after v6.13"
"$KEXPORT" history "$clone" --db "$tmp/again.sqlite" -j --all-tags >"$tmp/rc.json" || fail "--all-tags"
python3 - "$tmp" <<'PY' || fail "re-run after a new tag"
import json, sys
j = json.load(open(sys.argv[1] + '/again.json'))
st = j['index']
assert st['tags_done'] == 1 and st['blobs_parsed'] == 1 and not st['rebuilt'], st
assert j['tags'][-1] == 'v6.13', j['tags']
ev = j['symbols'][0]['events']
assert [(e['tag'], e['changes']) for e in ev] == [('v6.13', ['added'])], ev
r = json.load(open(sys.argv[1] + '/rc.json'))
assert r['tags'][-2:] == ['v6.13-rc1', 'v6.13'], r['tags']
assert r['index']['rebuilt'] and r['index']['blobs_parsed'] == 0, r['index']
print(f"re-run: 1 tag, {st['blobs_parsed']} blob parsed, {st['blobs_cached']} cached; "
      f"--all-tags: rebuilt from cached scans, 0 blobs parsed")
PY

# (f) bad input
expect_bad() { # expect_bad WHAT ARGS...: exit 2, one line on stderr
	local what=$1 rc=0
	shift
	"$KEXPORT" history "$@" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
	[ $rc -eq 2 ] || fail "$what: exit $rc, want 2"
	[ "$(wc -l <"$tmp/bad.err")" -eq 1 ] || { cat "$tmp/bad.err" >&2; fail "$what: not one line on stderr"; }
	echo "bad input ($what): $(cat "$tmp/bad.err")"
}
mkdir -p "$tmp/plain"
expect_bad "not a repository" "$tmp/plain" --db "$tmp/x.sqlite"
expect_bad "no such path" "$tmp/nope" --db "$tmp/x.sqlite"
expect_bad "unknown revision" "$repo" --db "$db" --changes v6.1..v9.9
expect_bad "revision not indexed" "$repo" --db "$db" --changes v6.1..v6.10~1
expect_bad "unknown range tag" "$repo" --db "$tmp/y.sqlite" --range v6.1..v9.9
# A malformed range is a usage error: exit 2, the reason first, then the usage.
rc=0
"$KEXPORT" history "$repo" --db "$db" --changes 'v6.1...v6.2' >/dev/null 2>"$tmp/bad.err" || rc=$?
[ $rc -eq 2 ] && head -n 1 "$tmp/bad.err" | grep -q 'A...B is not supported' || fail "--changes A...B: exit $rc"
# Each malformed range with its reason (the parser says only -EINVAL: the
# words are the command's).
for spec in 'v6.1:not a range A..B' '..:empty range: give A..B, A.. or ..B' \
	'v6.1...v6.2:A...B is not supported, use A..B' \
	'v6 1..v6.2:a side of the range is not a valid revision name' \
	'v6.1..v6..2:a side of the range is not a valid revision name'; do
	range=${spec%%:*} want=${spec#*:} rc=0
	"$KEXPORT" history "$repo" --db "$db" --range "$range" >/dev/null 2>"$tmp/bad.err" || rc=$?
	[ $rc -eq 2 ] && [ "$(head -n 1 "$tmp/bad.err")" = "kexport: --range $range: $want" ] ||
		fail "--range '$range': exit $rc, $(head -n 1 "$tmp/bad.err")"
done
small=$tmp/small
git init -q "$small" && printf 'EXPORT_SYMBOL(x);\n' >"$small/x.c" &&
	git -C "$small" add x.c && git -C "$small" commit -qm x && git -C "$small" tag v1.0
obj=$(git -C "$small" rev-parse v1.0^{tree})
f="$small/.git/objects/${obj:0:2}/${obj:2}"
chmod u+w "$f" && printf 'garbage' >"$f"
expect_bad "corrupt repository" "$small" --db "$tmp/z.sqlite"
echo "ok: kexport history on $KEXPORT_SOURCE_PKG $KEXPORT_SOURCE_VERSION as v6.1 + $(( $(echo "$tags" | wc -w) - 1 )) scripted tags"
