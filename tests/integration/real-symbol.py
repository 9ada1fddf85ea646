#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The dossier of `kexport symbol -j` against facts computed here without
kexport, on Debian's real kernels, field by field:
  - per kernel, kind, namespace, CRC and owner from the kernel's own
    Module.symvers (linux-headers);
  - what changed from one kernel to the next, from those same lines;
  - the kernel's modules that import the symbol: every module file, read
    with Python's own decompressors, whose undefined symbols (binutils'
    `nm -u`) include it; their licence from kmod's `modinfo -F license`,
    judged with the loader's list of GPL-compatible strings;
  - with a source tree: the export macro's FILE:LINE (grep), the number of
    other export macros in that file (grep), and the MAINTAINERS sections
    covering it (the tree's scripts/get_maintainer.pl --no-git --nokeywords).

    real-symbol.py KEXPORT SYMBOL,... LABEL:TREE:SYMVERS[:SOURCE]...
"""
import gzip
import json
import lzma
import os
import re
import subprocess
import sys
import tempfile

import getmaint

kexport, symbols = sys.argv[1], sys.argv[2].split(",")
kernels = [(a.split(":", 3) + [None])[:4] for a in sys.argv[3:]]
# kernel/module/main.c, license_is_gpl_compatible()
GPL = {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL",
       "Dual MPL/GPL"}
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def symvers(path):
    out = {}
    with open(path) as f:
        for line in f:
            crc, name, owner, kind, *ns = line.rstrip("\n").split("\t")
            out[name] = {"crc": int(crc, 16), "owner": owner, "kind": kind,
                         "namespace": ns[0] if ns else ""}
    return out


def module_bytes(path):
    if path.endswith(".xz"):
        return lzma.decompress(open(path, "rb").read())
    if path.endswith(".gz"):
        return gzip.decompress(open(path, "rb").read())
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dcq", path], check=True, capture_output=True).stdout
    return open(path, "rb").read()


def importers(tree, names):
    """name -> [(module name, license)] for the modules importing it."""
    found = {n: [] for n in names}
    needles = [b"\0" + n.encode() + b"\0" for n in names]
    for root, _, files in os.walk(tree):
        for f in files:
            if not any(f.endswith(s) for s in (".ko", ".ko.xz", ".ko.gz", ".ko.zst")):
                continue
            path = os.path.join(root, f)
            data = module_bytes(path)
            if not any(n in data for n in needles):
                continue  # its string table cannot name one
            with tempfile.NamedTemporaryFile(suffix=".ko") as t:
                t.write(data)
                t.flush()
                undef = set(subprocess.run(["nm", "-u", "--format=posix", t.name], check=True,
                                           capture_output=True, text=True).stdout.split("\n"))
                undef = {line.split(" ")[0] for line in undef if line}
                lic = subprocess.run(["modinfo", "-F", "license", t.name], check=True,
                                     capture_output=True, text=True).stdout.split("\n")[0]
                name = subprocess.run(["modinfo", "-F", "name", t.name], check=True,
                                      capture_output=True, text=True).stdout.strip()
            if not name:
                name = f.split(".ko")[0].replace("-", "_")
            for n in names:
                if n in undef:
                    found[n].append((name, lic))
    return found


args = [kexport, "symbol", "-j"]
for label, tree, _, src in kernels:
    args += ["--kernel", tree]
sources = [src for _, _, _, src in kernels if src]
for src in sources:
    args += ["--source", src]
run = subprocess.run(args + symbols, capture_output=True)
if run.returncode not in (0, 1):
    sys.exit(f"FAIL: kexport symbol exited {run.returncode}: {run.stderr[:300]}")
doc = json.loads(run.stdout)
if doc["errors"]:
    fail(f"kexport reported errors: {doc['errors'][:3]}")
got = {s["name"]: s for s in doc["symbols"]}
if (run.returncode == 1) != bool(doc["not_found"]):
    fail(f"exit {run.returncode} with not_found {doc['not_found']}")
seen = set()  # exported or imported somewhere

checked = 0
prev = {}
for k, (label, tree, sv, _) in enumerate(kernels):
    want = symvers(sv)
    users = importers(tree, symbols)
    for sym in symbols:
        if sym in want or users[sym]:
            seen.add(sym)
        s = got.get(sym)
        if s is None:
            if sym in want or users[sym]:
                fail(f"{sym}: not in kexport's dossier")
            continue
        g = s["kernels"][k]
        w = want.get(sym)
        e = g["export"]
        if (w is None) != (e is None):
            fail(f"{label} {sym}: exported: Module.symvers {w is not None}, kexport {e is not None}")
        elif w:
            crc = None if w["crc"] == 0 else f"0x{w['crc']:08x}"  # 7.x: no modversions
            for field, wv, gv in (("kind", w["kind"], e["kind"]),
                                  ("namespace", w["namespace"], e["namespace"]),
                                  ("crc", crc, e["crc"]), ("owner", w["owner"], e["owner"])):
                if wv != gv:
                    fail(f"{label} {sym}: {field}: Module.symvers {wv!r}, kexport {gv!r}")
                checked += 1
        # The change since the kernel before, from the two Module.symvers lines.
        changes = set()
        if k:
            p = prev.get(sym)
            if p and not w:
                changes.add("removed")
            elif w and not p:
                changes.add("added")
            elif p and w:
                gp, gw = p["kind"].endswith("_GPL"), w["kind"].endswith("_GPL")
                if p["kind"] != w["kind"]:
                    changes.add("kind_changed" if gp == gw else
                                "kind_tightened" if gw else "kind_loosened")
                if p["namespace"] != w["namespace"]:
                    changes.add("ns_added" if not p["namespace"] else
                                "ns_removed" if not w["namespace"] else "ns_changed")
                if p["crc"] and w["crc"] and p["crc"] != w["crc"]:
                    changes.add("crc_changed")
                if p["owner"] != w["owner"]:
                    changes.add("owner_moved")
        if changes != set(g["changes"]):
            fail(f"{label} {sym}: changes: Module.symvers {sorted(changes)}, kexport {g['changes']}")
        checked += 1
        # Who imports it.
        imp = g["importers"]
        want_names = sorted(n for n, _ in users[sym])
        got_names = sorted(m["name"] for m in imp["names"]) if imp else None
        want_gpl = sum(1 for _, lic in users[sym] if lic in GPL)
        if got_names != want_names:
            fail(f"{label} {sym}: importers: nm -u {want_names}, kexport {got_names}")
        elif imp["gpl_compatible"] != want_gpl or imp["modules"] != len(want_names):
            fail(f"{label} {sym}: importers: {len(want_names)} ({want_gpl} GPL) by nm/modinfo, "
                 f"{imp['modules']} ({imp['gpl_compatible']} GPL) by kexport")
        checked += 1
        print(f"ok: {label} {sym}: {e['kind'] if e else 'not exported'}"
              f"{' ' + e['namespace'] if e and e['namespace'] else ''}"
              f"{' (' + ', '.join(g['changes']) + ')' if g['changes'] else ''}; "
              f"{len(want_names)} importers, {want_gpl} GPL-compatible")
    prev = {s: want.get(s) for s in symbols}

# The source trees: FILE:LINE, siblings and MAINTAINERS, by grep and
# get_maintainer.pl.
MACRO = r"EXPORT_SYMBOL[A-Z_]*\(\s*(%s)\s*[,)]"
for s_i, src in enumerate(sources):
    label = os.path.basename(src)
    pat = MACRO % "|".join(map(re.escape, symbols))
    out = subprocess.run(["grep", "-rnE", "--include=*.c", "--include=*.h", "--include=*.S",
                          pat, "."], cwd=src, capture_output=True, text=True).stdout
    want_sites = {s: set() for s in symbols}
    for line in out.splitlines():
        f, ln, text = line.split(":", 2)
        m = re.search(pat, text)
        if m and not re.match(r"\s*#\s*define", text) and f.startswith("./"):
            want_sites[m.group(1)].add((f[2:], int(ln)))
    for sym in symbols:
        if want_sites[sym]:
            seen.add(sym)  # a source tree exports it (kernel_fpu_begin_mask on arm64: x86 code)
        sites = got[sym]["sources"][s_i]["sites"] if sym in got else []
        got_sites = {(t["file"], t["line"]) for t in sites}
        if got_sites != want_sites[sym]:
            fail(f"{label} {sym}: sites: grep {sorted(want_sites[sym])}, kexport {sorted(got_sites)}")
            continue
        for t in sites:
            text = open(os.path.join(src, t["file"]), errors="replace").read()
            n_macros = len([1 for l in text.splitlines()
                            if re.search(r"^\s*EXPORT_SYMBOL[A-Z_]*\(", l)])
            if len(t["siblings"]) != n_macros - 1:
                fail(f"{label} {sym}: {t['file']}: {n_macros - 1} other export macros by grep, "
                     f"{len(t['siblings'])} siblings by kexport")
            names = getmaint.sections(src, t["file"])
            got_names = [m["section"] for m in t["maintainers"]]
            if sorted(names) != sorted(got_names):
                fail(f"{label} {sym}: {t['file']}: sections: get_maintainer.pl {names}, "
                     f"kexport {got_names}")
            checked += 3
            print(f"ok: {label} {sym}: {t['file']}:{t['line']} {t['macro']}, "
                  f"{len(t['siblings'])} siblings, {got_names[0] if got_names else 'no section'}")
        if not sites:
            checked += 1
            print(f"ok: {label} {sym}: no export macro, as grep says")

if sorted(set(symbols) - seen) != sorted(doc["not_found"]):
    fail(f"not found: by Module.symvers and nm {sorted(set(symbols) - seen)}, "
         f"kexport {doc['not_found']}")
for sym in sorted(set(symbols) - seen):
    print(f"ok: {sym}: in no kernel given, as kexport says")
if failures:
    sys.exit(f"FAIL: {len(failures)} differences")
print(f"PASS: {checked} facts equal")
