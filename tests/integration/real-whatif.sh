#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport whatif on Debian's whole module tree plus the oracle's test modules
# (proprietary and GPL importers of unmap_mapping_range and dma-buf, with
# dependency chains), checked against the verdict engine run on an export
# table edited independently here: Module.symvers rewritten with awk, then
# `kexport audit --all --kernel edited.symvers` before and after.  The sets of
# newly refused, newly loadable and re-tainted modules must be equal, and
# contain the modules the issue names.  The qemu oracle's results.json must
# say the proprietary dma-buf user is refused on the real kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_kernel amd64
oracle=$derived/oracle
# The oracle's output directory is shared by every checkout of the project:
# another tree's run may have rebuilt it without these modules and scenarios.
# Then run this tree's oracle (builds and boots are cached by content).
if ! [ -f "$oracle/ko/whatif_prop_dmabuf.ko" ] ||
	! grep -q '"scenario": "whatif_prop_dmabuf"' "$oracle/results.json" 2>/dev/null; then
	echo "real-whatif: no whatif scenarios in $oracle: running tests/oracle/run.sh --results-only" >&2
	KEXPORT_ORACLE_OUT=$oracle "$top/tests/oracle/run.sh" --results-only >&2 || fail "the oracle failed"
fi

# One corpus: Debian's modules and the oracle's, under one directory.
mkdir "$tmp/corpus"
ln -s "$tree/kernel" "$tmp/corpus/debian"
ln -s "$oracle/ko" "$tmp/corpus/oracle"
# An edited Module.symvers has no headers around it: give every run the same
# release and configuration.
# An edited Module.symvers outside the build tree says nothing of who built
# the kernel: --distro, as a user would give it.
kernel=(--kernel-version "$KEXPORT_ABI-amd64" --distro debian --config "$(dirname "$symvers")/.config")

"$KEXPORT" audit -j --all "${kernel[@]}" --kernel "$symvers" "$tmp/corpus" > "$tmp/base.json" || [ $? -eq 1 ] ||
	fail "audit of the corpus failed"

# check NAME AWK_EDIT WHATIF_ARGS...: AWK_EDIT rewrites Module.symvers lines
# ($2 symbol, $4 kind, $5 namespace).
check() {
	local name=$1 edit=$2
	shift 2
	awk -F'\t' -v OFS='\t' "$edit"' { print }' "$symvers" > "$tmp/$name.symvers"
	cmp -s "$symvers" "$tmp/$name.symvers" && fail "$name: the awk edit changed nothing"
	"$KEXPORT" audit -j --all "${kernel[@]}" --kernel "$tmp/$name.symvers" "$tmp/corpus" > "$tmp/$name.audit.json" ||
		[ $? -eq 1 ] || fail "$name: audit on the edited table failed"
	local rc=0
	"$KEXPORT" whatif -j "${kernel[@]}" --kernel "$symvers" --modules "$tmp/corpus" "$@" > "$tmp/$name.whatif.json" || rc=$?
	[ $rc -le 1 ] || fail "$name: whatif exited $rc"
	echo "$rc" > "$tmp/$name.rc"
}

check gplonly '$2 == "unmap_mapping_range" { $4 = "EXPORT_SYMBOL_GPL" }' --gpl-only unmap_mapping_range
check dmabuf '$2 ~ /^dma_buf_/ { $4 = "EXPORT_SYMBOL"; $5 = "" }' --export 'dma_buf_*' --ns 'dma_buf_*='

python3 - "$tmp" "$oracle/results.json" <<'PY'
import json, os, sys
tmp, results = sys.argv[1], sys.argv[2]
def fail(msg):
    print(f"FAIL: whatif: {msg}", file=sys.stderr)
    sys.exit(1)
def verdicts(path):
    d = json.load(open(path))
    if d["errors"]: fail(f"{path}: errors {d['errors']}")
    return {m["path"]: (m["verdict"] == "loads", m["module_taint"]) for m in d["modules"]}
base = verdicts(f"{tmp}/base.json")
oracle_name = lambda p: os.path.basename(p)[:-3] if "/oracle/" in p else None
for case, want_refused, want_loadable, rc_want in [
        ("gplonly", {"whatif_prop_unmap", "lic_proprietary", "lic_nvidia", "whatif_unmap_user"}, set(), 1),
        ("dmabuf", set(), {"whatif_prop_dmabuf", "ns_imp_prop", "whatif_dmabuf_user"}, 0)]:
    after = verdicts(f"{tmp}/{case}.audit.json")
    if set(after) != set(base): fail(f"{case}: audits judged different modules")
    exp = {"newly_refused": set(), "newly_loadable": set(), "taint": set()}
    for p, (l0, t0) in base.items():
        l1, t1 = after[p]
        if l0 and not l1: exp["newly_refused"].add(p)
        elif l1 and not l0: exp["newly_loadable"].add(p)
        elif l0 and t0 != t1: exp["taint"].add(p)
    w = json.load(open(f"{tmp}/{case}.whatif.json"))
    if w["errors"]: fail(f"{case}: whatif errors {w['errors']}")
    got = {k: {m["path"] for m in w["modules"] if m["change"] == k} for k in exp}
    for k in exp:
        if got[k] != exp[k]:
            fail(f"{case}: {k}: whatif {sorted(got[k] - exp[k])} extra, {sorted(exp[k] - got[k])} missing")
    s = w["summary"]
    if (s["newly_refused"], s["newly_loadable"], s["taint_changed"]) != tuple(len(exp[k]) for k in exp):
        fail(f"{case}: summary {s}")
    if s["unchanged"] + len(w["modules"]) != s["modules"] or s["modules"] != len(base):
        fail(f"{case}: summary counts {s}, {len(base)} modules")
    if s["judged_again"] >= s["modules"] // 10:
        fail(f"{case}: {s['judged_again']} modules judged again: the second pass is not selective")
    names = lambda ps: {oracle_name(p) for p in ps}
    if not want_refused <= names(exp["newly_refused"]):
        fail(f"{case}: {sorted(want_refused - names(exp['newly_refused']))} not newly refused")
    if not want_loadable <= names(exp["newly_loadable"]):
        fail(f"{case}: {sorted(want_loadable - names(exp['newly_loadable']))} not newly loadable")
    if case == "gplonly":
        # exactly the non-GPL importers, and the modules needing theirs: every
        # module refused for GPL_ONLY has a non-GPL licence; Debian's are all GPL
        for m in w["modules"]:
            codes = {p["code"] for p in m["after"]["problems"] if p["fatal"]}
            if m["gpl_compatible"] and codes != {"DEPENDENCY"}:
                fail(f"gplonly: GPL module {m['path']} refused for {codes}")
            if not m["gpl_compatible"] and "GPL_ONLY" not in codes:
                fail(f"gplonly: {m['path']} refused without GPL_ONLY: {codes}")
            if "/debian/" in m["path"]: fail(f"gplonly: Debian module {m['path']} newly refused")
        if "whatif_gpl_unmap" in names(exp["newly_refused"]): fail("gplonly: the GPL importer refused")
    if int(open(f"{tmp}/{case}.rc").read()) != rc_want: fail(f"{case}: exit status, want {rc_want}")
    print(f"ok: whatif {case}: " + ", ".join(f"{k} {len(exp[k])}" for k in exp) +
          f" (equal to audit on the edited Module.symvers; {s['judged_again']} judged again)")
# The qemu oracle: the proprietary dma-buf user, newly loadable above, is refused
# by the real kernel, and so is the GPL module needing its export.
r = {s["scenario"]: s for s in json.load(open(results))}
for sc in ("whatif_prop_dmabuf", "whatif_dmabuf_chain"):
    if sc not in r or any(st["ret"] != -2 for st in r[sc]["steps"]):
        fail(f"oracle scenario {sc}: not refused with -ENOENT on the real kernel: {r.get(sc)}")
for sc in ("whatif_prop_unmap", "whatif_unmap_chain"):
    if sc not in r or any(st["ret"] != 0 for st in r[sc]["steps"]):
        fail(f"oracle scenario {sc}: does not load on the real kernel")
print("ok: whatif: the oracle confirms whatif_prop_dmabuf/whatif_dmabuf_user refused and "
      "whatif_prop_unmap/whatif_unmap_user loading on the real kernel")
PY
