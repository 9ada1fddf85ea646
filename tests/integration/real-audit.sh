#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport audit on Debian's whole module tree against its own kernel: every
# module loads (they do: Debian ships them loadable), and the taints are the
# ones they really get: none, except C for the modules modpost marked
# staging=Y (counted independently here from `modinfo -F staging`).
# Both kernel sources: the bzImage found beside the tree, and Module.symvers.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_kernel amd64

find "$tree" -name '*.ko' | sort > "$tmp/all"
total=$(wc -l < "$tmp/all")
: > "$tmp/staging"
while read -r ko; do
	[ "$(/sbin/modinfo -F staging "$ko")" = Y ] && basename "$ko" .ko | tr - _ >> "$tmp/staging"
done < "$tmp/all"
sort -o "$tmp/staging" "$tmp/staging"
nstaging=$(wc -l < "$tmp/staging")
[ "$nstaging" -gt 0 ] || fail "no staging modules found by modinfo: test data changed?"

for kernel in "" "$symvers"; do
	args=("$tree")
	[ -n "$kernel" ] && args+=(--kernel "$kernel")
	set +e
	"$KEXPORT" audit -j "${args[@]}" > "$tmp/audit.json"
	rc=$?
	set -e
	[ $rc -eq 0 ] || fail "audit ${kernel:-(own image)} exited $rc"
	python3 - "$tmp/audit.json" "$tmp/staging" "$total" "${kernel:-own image}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
staging = open(sys.argv[2]).read().split()
total = int(sys.argv[3])
label = sys.argv[4]
s = d["summary"]
def fail(msg):
    print(f"FAIL: audit ({label}): {msg}", file=sys.stderr)
    sys.exit(1)
if s["modules"] != total: fail(f"{s['modules']} modules, the tree has {total}")
if s["loads"] != total or s["refused"] != 0: fail(f"loads {s['loads']}, refused {s['refused']}")
want = {"none": total - len(staging), "C": len(staging)}
if s["taints"] != want: fail(f"taints {s['taints']}, want {want}")
tainted = sorted(m["name"] for m in d["modules"])
if tainted != staging: fail(f"tainted modules {tainted} != staging=Y modules {staging}")
for m in d["modules"]:
    if m["module_taint"] != "C" or m["log"] != [f"{m['name']}: module is from the staging directory, the quality is unknown, you have been warned."]:
        fail(f"{m['name']}: taint {m['module_taint']} log {m['log']}")
if d["kernel"]["release"] != d["kernel"]["vermagic"].split()[0]: fail("release/vermagic")
if d["errors"]: fail(f"errors {d['errors']}")
print(f"ok: audit ({label}): {total} modules load; {len(staging)} staging modules taint C, the rest nothing")
PY
done

# Modules are opened relative to their directory, which the reader keeps
# open while any of them waits, up to half the descriptors allowed; past
# that they are opened from the tree.  With a hard limit of 300 most take
# the second way: the verdicts must not change.
"$KEXPORT" audit -j "$tree" --kernel "$symvers" > "$tmp/audit.json"
(ulimit -n 300 && exec "$KEXPORT" audit -j "$tree" --kernel "$symvers") > "$tmp/audit-300.json" ||
	fail "audit with 300 descriptors exited $?"
cmp -s "$tmp/audit.json" "$tmp/audit-300.json" ||
	fail "audit with 300 descriptors differs: $(diff "$tmp/audit.json" "$tmp/audit-300.json" | head -5)"
echo "ok: audit with 300 descriptors: the same verdicts"

# audit reads its modules as KEXPORT_MODEL_VERDICT: the same as the full
# model but for the modinfo keys and versions no check reads, and judged alike.
"$TEST_MODEL" "$tree" || fail "test-model: the verdict model and the full model differ"
