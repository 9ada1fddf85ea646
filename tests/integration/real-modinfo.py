#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Every module of Debian's tree, read by kexport (`kexport show -j`), against
kmod's own readers: `modinfo -0` for every .modinfo key both report, and
`modprobe --dump-modversions` for the __versions table and the CRC of every
import.  Any disagreement fails.

    real-modinfo.py KEXPORT TREE
"""
import json
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

kexport, tree = sys.argv[1], sys.argv[2]
SIG_KEYS = {"sig_id", "signer", "sig_key", "sig_hashalgo", "signature"}
# modinfo merges parm= and parmtype= into "parm: NAME:DESC (TYPE)" lines.
SKIP_KEYS = SIG_KEYS | {"parm", "parmtype"}

doc = json.loads(subprocess.run([kexport, "show", "-j", tree], check=True,
                                capture_output=True).stdout)
mods = {m["path"]: m for m in doc["modules"]}
if doc["errors"]:
    sys.exit(f"FAIL: kexport reported errors: {doc['errors'][:3]}")
if len(mods) < 3000:
    sys.exit(f"FAIL: only {len(mods)} modules read from {tree}")


def modinfo(paths):
    out = subprocess.run(["modinfo", "-0"] + paths, check=True,
                         capture_output=True).stdout
    info, cur = {}, None
    for field in out.split(b"\0"):
        field = field.lstrip(b"\n")
        if not field:
            continue
        text = field.decode("utf-8", "replace")
        # -0 prints "filename:   PATH", then the raw key=value strings.
        if text.startswith("filename:"):
            cur = info.setdefault(text[9:].lstrip(" "), defaultdict(list))
            continue
        if text.startswith("parm:"):
            continue
        key, _, val = text.partition("=")
        if cur is None:
            continue
        cur[key].append(val)
    return info


def dump_versions(path):
    out = subprocess.run(["modprobe", "--dump-modversions", path],
                         capture_output=True, text=True).stdout
    return [(l.split("\t", 1)[1], l.split("\t", 1)[0]) for l in out.splitlines() if l]


paths = sorted(mods)
kmod_info = {}
for i in range(0, len(paths), 500):
    kmod_info.update(modinfo(paths[i:i + 500]))
with ThreadPoolExecutor(max_workers=2) as ex:
    kmod_versions = dict(zip(paths, ex.map(dump_versions, paths)))

problems = []
checked_fields = 0
for path in paths:
    m, k = mods[path], kmod_info.get(path)
    if k is None:
        problems.append(f"{path}: modinfo printed nothing")
        continue
    ours = defaultdict(list)
    for e in m["modinfo"]:
        ours[e["key"]].append(e["value"])
    # modinfo strips the signature trailer fields it adds; compare the rest.
    for key in set(k) | set(ours):
        if key in SKIP_KEYS:
            continue
        checked_fields += 1
        if ours.get(key, []) != k.get(key, []):
            problems.append(f"{path}: {key}: kexport {ours.get(key)} modinfo {k.get(key)}")
    # Derived fields against the raw ones.
    lic = k.get("license", [None])[0]
    if m["license"] != lic:
        problems.append(f"{path}: license {m['license']!r} vs {lic!r}")
    dep = [d for v in k.get("depends", []) for d in v.split(",") if d]
    if m["depends"] != dep:
        problems.append(f"{path}: depends {m['depends']} vs {dep}")
    if m["import_ns"] != k.get("import_ns", []):
        problems.append(f"{path}: import_ns {m['import_ns']} vs {k.get('import_ns')}")
    if (m["signature"] is not None) != ("sig_id" in k):
        problems.append(f"{path}: signature {m['signature']} vs modinfo sig_id {k.get('sig_id')}")
    # __versions, in order, and every import's CRC.
    ours_v = [(v["name"], v["crc"]) for v in m["versions"] if not v["extended"]]
    if ours_v != kmod_versions[path]:
        problems.append(f"{path}: __versions differ: {len(ours_v)} vs {len(kmod_versions[path])}")
    vmap = dict(kmod_versions[path])
    for imp in m["imports"]:
        if imp["crc"] != vmap.get(imp["name"]):
            problems.append(f"{path}: import {imp['name']} crc {imp['crc']} vs {vmap.get(imp['name'])}")

# The must-show example.
i915 = [m for p, m in mods.items() if p.endswith("/i915.ko")]
if not i915:
    problems.append("i915.ko not found")
else:
    m = i915[0]
    if m["license"] != "GPL and additional rights" or m["import_ns"] != ["DMA_BUF"]:
        problems.append(f"i915: license {m['license']!r} import_ns {m['import_ns']}")
    if not any(i["crc"] for i in m["imports"]):
        problems.append("i915: no import CRCs")

for p in problems[:30]:
    print("FAIL:", p, file=sys.stderr)
if problems:
    sys.exit(f"FAIL: {len(problems)} disagreements with kmod")
n_imports = sum(len(m["imports"]) for m in mods.values())
print(f"ok: {len(mods)} modules agree with modinfo ({checked_fields} fields) and "
      f"modprobe --dump-modversions ({n_imports} imports)")
