#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport diff on Debian's real kernels, KEXPORT_ABI_OLD vs KEXPORT_ABI
# (amd64).  Every class is computed here independently (python over the two
# Module.symvers files, `find` over the module trees, kmod's
# `modprobe --dump-modversions` over the modules) and must equal kexport's
# JSON in count and members: for Module.symvers vs Module.symvers and for
# /lib/modules tree vs tree.  Stablelists with a removed symbol fail (exit 1),
# ones with only unchanged symbols pass (exit 0).  --modules on modules of
# the old tree checked against the new kernel: the weak-modules question.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_kernel amd64 "$KEXPORT_ABI_OLD"
old_symvers=$symvers old_tree=$tree
use_kernel amd64 "$KEXPORT_ABI"
new_symvers=$symvers new_tree=$tree

# The independent computation: one JSON file of expected classes.
python3 - "$old_symvers" "$new_symvers" "$old_tree" "$new_tree" > "$tmp/expect.json" <<'PY'
import json, os, sys
def load(p):
    d = {}
    for line in open(p):
        crc, name, owner, kind, ns = line.rstrip('\n').split('\t')
        d[name] = (int(crc, 16), owner, kind, ns)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
gpl = lambda k: k in ('EXPORT_SYMBOL_GPL', 'EXPORT_UNUSED_SYMBOL_GPL')
c = {k: [] for k in ('added', 'removed', 'kind_tightened', 'kind_loosened', 'kind_changed',
                     'ns_added', 'ns_removed', 'ns_changed', 'crc_changed', 'owner_moved')}
for n in a.keys() - b.keys(): c['removed'].append(n)
for n in b.keys() - a.keys(): c['added'].append(n)
unchanged = []
for n in a.keys() & b.keys():
    (ca, oa, ka, na), (cb, ob, kb, nb) = a[n], b[n]
    if ka != kb:
        c['kind_changed' if gpl(ka) == gpl(kb) else 'kind_tightened' if gpl(kb) else 'kind_loosened'].append(n)
    if na != nb:
        c['ns_added' if not na else 'ns_removed' if not nb else 'ns_changed'].append(n)
    if ca != cb: c['crc_changed'].append(n)
    if oa != ob: c['owner_moved'].append(n)
    if (ca, oa, ka, na) == (cb, ob, kb, nb): unchanged.append(n)
def mods(tree):
    out = set()
    for d, _, files in os.walk(tree):
        for f in files:
            for sfx in ('.ko', '.ko.xz', '.ko.zst', '.ko.gz'):
                if f.endswith(sfx):
                    rel = os.path.relpath(os.path.join(d, f), tree)[:-len(sfx)]
                    out.add(rel[7:] if rel.startswith('kernel/') else rel)
    return out
ma, mb = mods(sys.argv[3]), mods(sys.argv[4])
c['module_added'] = sorted(mb - ma)
c['module_removed'] = sorted(ma - mb)
failing = set(c['removed'] + c['kind_tightened'] + c['ns_added'] + c['ns_changed'] + c['crc_changed'])
json.dump({'classes': {k: sorted(v) for k, v in c.items()}, 'unchanged': sorted(unchanged),
           'failing': sorted(failing), 'crc': {n: [a.get(n, (None,))[0], b.get(n, (None,))[0]] for n in a.keys() | b.keys()}},
          sys.stdout)
PY

# compare LABEL JSON MODULE_LISTS(0|1): kexport's classes == the expectation.
compare() {
	python3 - "$tmp/expect.json" "$2" "$1" "$3" <<'PY'
import json, sys
e, d, label, with_mods = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4] == '1'
def fail(msg):
    print(f"FAIL: {label}: {msg}", file=sys.stderr); sys.exit(1)
got = {k: [] for k in e['classes']}
for s in d['symbols']:
    for ch in s['changes']:
        got[ch].append(s['name'])
got['module_added'] = d['modules']['added']
got['module_removed'] = d['modules']['removed']
summary = []
for k, want in e['classes'].items():
    if k.startswith('module_') and not with_mods:
        want = []
    if sorted(got[k]) != want:
        fail(f"class {k}: kexport {len(got[k])} {sorted(set(got[k]) ^ set(want))[:10]} differ from the independent {len(want)}")
    if d['counts'][k] != len(want):
        fail(f"count {k}: {d['counts'][k]} != {len(want)}")
    summary.append(f"{k} {len(want)}")
fl = sorted(s['name'] for s in d['symbols'] if s['failing'])
if fl != e['failing'] or d['counts']['failing'] != len(e['failing']):
    fail(f"failing {len(fl)} != {len(e['failing'])}")
if d['errors']: fail(f"errors {d['errors']}")
print(f"ok: {label}: " + ", ".join(summary) + f"; failing {len(fl)}")
PY
}

st() { set +e; "$@" > "$tmp/out.json" 2> "$tmp/err.txt"; echo $?; set -e; }
rc=$(st "$KEXPORT" diff -j "$old_symvers" "$new_symvers")
[ "$rc" = 1 ] || fail "symvers diff exited $rc (removed and changed-CRC symbols fail by default): $(cat "$tmp/err.txt")"
compare "Module.symvers $KEXPORT_ABI_OLD vs $KEXPORT_ABI" "$tmp/out.json" 0
python3 -c "import json,sys; e=json.load(open(sys.argv[1])); sys.exit(0 if e['classes']['removed'] and e['classes']['crc_changed'] and e['classes']['added'] else 1)" "$tmp/expect.json" ||
	fail "the pinned ABIs no longer differ in added, removed and CRC: pick others in tests/kernels.conf"

rc=$(st "$KEXPORT" diff -j "$old_tree" "$new_tree")
[ "$rc" = 1 ] || fail "tree diff exited $rc: $(cat "$tmp/err.txt")"
compare "/lib/modules tree $KEXPORT_ABI_OLD vs $KEXPORT_ABI" "$tmp/out.json" 1

# --format symvers: NEW's line for each changed symbol, OLD's for removed ones.
"$KEXPORT" diff --format symvers "$old_symvers" "$new_symvers" > "$tmp/changed.symvers" || true
python3 - "$tmp/expect.json" "$tmp/changed.symvers" "$old_symvers" "$new_symvers" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
got = open(sys.argv[2]).read().splitlines()
old = {l.split('\t')[1]: l.rstrip('\n') for l in open(sys.argv[3])}
new = {l.split('\t')[1]: l.rstrip('\n') for l in open(sys.argv[4])}
names = sorted(set(n for v in e['classes'].values() for n in v if n in old or n in new))
want = [new.get(n, old.get(n)) for n in names]
if got != want:
    print(f"FAIL: --format symvers: {len(got)} lines, want {len(want)}", file=sys.stderr); sys.exit(1)
print(f"ok: --format symvers: {len(got)} Module.symvers lines, byte-equal to the inputs' lines")
PY

# Stablelists: Red Hat's format.
python3 - "$tmp/expect.json" "$tmp" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
unchanged = e['unchanged'][:200]
with open(sys.argv[2] + '/stable-removed', 'w') as f:
    f.write('[rhel9_x86_64_stablelist]\n' + ''.join('\t%s\n' % n for n in unchanged[:20] + e['classes']['removed'][:1]))
with open(sys.argv[2] + '/stable-unchanged', 'w') as f:
    f.write('[rhel9_x86_64_stablelist]\n' + ''.join('\t%s\n' % n for n in unchanged))
PY
removed_sym=$(tail -n 1 "$tmp/stable-removed" | tr -d '\t')
rc=$(st "$KEXPORT" diff -j --stablelist "$tmp/stable-removed" "$old_symvers" "$new_symvers")
[ "$rc" = 1 ] || fail "stablelist with the removed $removed_sym: exit $rc, want 1"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); f=[(s['name'],s['judged_by']) for s in d['symbols'] if s['failing']]; sys.exit(0 if f==[(sys.argv[2],'stablelist')] else 1)" "$tmp/out.json" "$removed_sym" ||
	fail "stablelist: failing set is not just $removed_sym"
rc=$(st "$KEXPORT" diff --stablelist "$tmp/stable-unchanged" "$old_symvers" "$new_symvers")
[ "$rc" = 0 ] || fail "stablelist of 200 unchanged symbols: exit $rc, want 0"
echo "ok: stablelist with the removed $removed_sym exits 1 (only it fails); 200 unchanged symbols exit 0"

# --modules: modules of the old tree against the old and the new kernel.
# check_modules LABEL PATH...: verdicts equal the expectation from each
# module's own __versions (kmod's dump) against the new Module.symvers.
check_modules() {
	local label=$1 p
	shift
	: > "$tmp/versions"
	for p in "$@"; do
		[ -f "$p" ] || fail "$p missing from the test data"
		/sbin/modprobe --dump-modversions "$p" | sed "s|^|$p\t|" >> "$tmp/versions"
	done
	rc=$(st "$KEXPORT" diff -j "$old_tree" "$new_tree" --modules "$@")
	python3 - "$tmp/expect.json" "$tmp/out.json" "$tmp/versions" "$rc" "$new_symvers" "$label" "$old_symvers" <<'PY'
import json, sys
e, d, rc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[4])
new = {l.split('\t')[1]: int(l.split('\t')[0], 16) for l in open(sys.argv[5])}
label = sys.argv[6]
def fail(msg):
    print(f"FAIL: --modules ({label}): {msg}", file=sys.stderr); sys.exit(1)
vers = {}
for line in open(sys.argv[3]):
    path, crc, name = line.rstrip('\n').split('\t')
    vers.setdefault(path, {})[name] = int(crc, 16)
changed = set(n for k, v in e['classes'].items() if not k.startswith('module_') for n in v)
want_syms = sorted(set(n for v in vers.values() for n in v) & changed)
got_syms = [s['name'] for s in d['symbols']]
if got_syms != want_syms: fail(f"symbols {got_syms[:8]}... != the modules' changed imports {want_syms[:8]}...")
old = {l.split('\t')[1]: int(l.split('\t')[0], 16) for l in open(sys.argv[7])}
# Independent expectation: the loader compares module_layout first
# (check_modstruct_version): a different CRC is -ENOEXEC; otherwise each
# import whose CRC differs is -EINVAL ("disagrees about version of symbol")
# and each one gone is -ENOENT.
def expect(v, k):
    if v['module_layout'] != k['module_layout']:
        return ('refused', -8, [('LAYOUT', 'module_layout')])
    bad = sorted([('CRC_MISMATCH', n) for n, c in v.items() if n != 'module_layout' and n in k and k[n] != c] +
                 [('MISSING', n) for n in v if n not in k])
    return ('refused', None, bad) if bad else ('loads', 0, [])
def verdict(x, w):
    return (x['verdict'], x['errno'] if w[1] is not None else None,
            sorted((p['code'], p['symbol']) for p in x['problems'] if p['fatal']))
stops = reasons = 0
for m in d['impact']:
    v = vers[m['path']]
    wo, wn = expect(v, old), expect(v, new)
    change = {('loads', 'refused'): 'stops_loading', ('refused', 'loads'): 'starts_loading',
              ('refused', 'refused'): 'still_refused', ('loads', 'loads'): 'unchanged'}[(wo[0], wn[0])]
    got = (verdict(m['old'], wo), verdict(m['new'], wn), m['change'])
    if got != (wo, wn, change): fail(f"{m['path']}: {got} != expected {(wo, wn, change)}")
    stops += change == 'stops_loading'
    reasons += len(wn[2])
if len(d['impact']) != len(vers): fail(f"{len(d['impact'])} verdicts for {len(vers)} modules")
if d['counts']['modules_stop_loading'] != stops or rc != (1 if stops else 0): fail(f"exit {rc}, {stops} stop loading")
print(f"ok: --modules ({label}): {len(vers)} modules: changes {sorted(m['change'] for m in d['impact'])}, "
      f"{reasons} fatal reasons on the new kernel, each as expected from the modules' __versions; "
      f"{len(got_syms)} changed imports listed")
PY
}
mods=(lib/crc7.ko drivers/usb/storage/uas.ko net/802/p8022.ko fs/fat/vfat.ko drivers/net/dummy.ko)
paths=() patched=()
for m in "${mods[@]}"; do
	paths+=("$old_tree/kernel/$m")
	# The same module with the new kernel's module_layout CRC: past the
	# layout check, the import CRCs decide.
	out="$tmp/patched-$(basename "$m")"
	python3 "$top/tests/oracle/edit-ko.py" "$old_tree/kernel/$m" "$out" \
		--crc "module_layout=$(awk -F'\t' '$2 == "module_layout" { print $1 }' "$new_symvers")" ||
		fail "edit-ko.py on $m"
	patched+=("$out")
done
check_modules "as built" "${paths[@]}"
check_modules "module_layout patched to the new kernel's" "${patched[@]}"
rc=$(st "$KEXPORT" diff -j "$old_tree" "$old_tree" --modules "${paths[@]}")
[ "$rc" = 0 ] || fail "--modules against the same tree: exit $rc"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(m['change']=='unchanged' and m['new']['verdict']=='loads' for m in d['impact']) and not d['symbols'] else 1)" "$tmp/out.json" ||
	fail "--modules against the same tree: not all unchanged"
echo "ok: --modules against their own kernel: all load, nothing changed, exit 0"
