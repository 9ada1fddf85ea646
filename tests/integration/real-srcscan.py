#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare `kexport exports -j SOURCE-TREE` with the kernel's Module.symvers.

  real-srcscan.py found SCAN.json SYMVERS EXCEPTIONS
      every symbol of SYMVERS must be exported in the scan (any occurrence)
      with the same kind and namespace, except exactly those in EXCEPTIONS;
      at least 99.5% must be found.
  real-srcscan.py built SCAN.json SYMVERS
      the set of exports the scan says the .config builds against the set in
      SYMVERS: precision and recall, both at least 98%; owners compared.
"""
import json
import sys


def occurrences(path):
    d = json.load(open(path))
    occ = {}
    for e in d["exports"]:
        occ.setdefault(e["name"], []).append(e)
    for c in d["conflicts"]:  # other definitions of the same name
        occ.setdefault(c["other"]["name"], []).append(c["other"])
    return d, occ


def symvers(path):
    rows = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) != 5:
            sys.exit("FAIL: bad Module.symvers line: %r" % line)
        rows[f[1]] = f
    return rows


def found(scan, sv, exc_path):
    _, occ = occurrences(scan)
    want = symvers(sv)
    exc = {}
    for line in open(exc_path):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) != 3 or not f[2]:
            sys.exit("FAIL: %s: need SYMBOL<TAB>OWNER<TAB>REASON: %r" % (exc_path, line))
        exc[f[0]] = f
    bad = {}
    for name, (_, _, owner, kind, ns) in want.items():
        got = occ.get(name, [])
        if not any(o["kind"] == kind and (o["namespace"] or "") == ns for o in got):
            bad[name] = "not found" if not got else "found as " + ", ".join(
                "%s %s (%s)" % (o["kind"], o["namespace"] or "-", o["source"]) for o in got)
    ok = len(want) - len(bad)
    pct = 100.0 * ok / len(want)
    print("found: %d of %d Module.symvers exports with the same kind and namespace (%.3f%%), %d exceptions"
          % (ok, len(want), pct, len(bad)))
    rc = 0
    for name in sorted(set(bad) - set(exc)):
        print("FAIL: %s (%s %s %s): %s, and not in the exception list"
              % (name, want[name][2], want[name][3], want[name][4] or "-", bad[name]))
        rc = 1
    for name in sorted(set(exc) - set(bad)):
        if name not in want:
            print("FAIL: exception %s is not in Module.symvers" % name)
        else:
            print("FAIL: exception %s is found after all: remove it from %s" % (name, exc_path))
        rc = 1
    for name in sorted(set(exc) & set(bad)):
        if exc[name][1] != want[name][2]:
            print("FAIL: exception %s: owner %s, Module.symvers says %s" % (name, exc[name][1], want[name][2]))
            rc = 1
    if pct < 99.5:
        print("FAIL: %.3f%% < 99.5%%" % pct)
        rc = 1
    return rc


def built(scan, sv):
    d, occ = occurrences(scan)
    want = symvers(sv)
    got = {n: o[0] for n, o in occ.items()}
    both = set(got) & set(want)
    prec = 100.0 * len(both) / max(len(got), 1)
    rec = 100.0 * len(both) / len(want)
    owners = sum(1 for n in both if got[n]["owner"] == want[n][2])
    print("built: %s" % d["sources"][0]["detail"])
    print("built: the scan says %d exports are built, Module.symvers has %d, %d in both:"
          " precision %.2f%%, recall %.2f%%; owner (vmlinux or module) agrees for %d of %d (%.2f%%)"
          % (len(got), len(want), len(both), prec, rec, owners, len(both), 100.0 * owners / max(len(both), 1)))
    for n in sorted(set(got) - set(want))[:10]:
        print("  built by the scan only: %s (%s)" % (n, got[n]["source"]))
    for n in sorted(set(want) - set(got))[:10]:
        print("  in Module.symvers only: %s (%s)" % (n, want[n][2]))
    rc = 0
    if prec < 98 or rec < 98:
        print("FAIL: precision or recall below 98%")
        rc = 1
    if 100.0 * owners / max(len(both), 1) < 98:
        print("FAIL: owners agree for less than 98%")
        rc = 1
    return rc


if __name__ == "__main__":
    if sys.argv[1] == "found":
        sys.exit(found(*sys.argv[2:5]))
    sys.exit(built(*sys.argv[2:4]))
