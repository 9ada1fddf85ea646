#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare the real kernel (results.json from boot.py) with `kexport check`.

    compare.py RESULTS KEXPORT HEADERS_DIR IMAGE

For every step of every scenario, runs
    KEXPORT check -j --kernel HEADERS_DIR --signing-keys IMAGE
        [--loaded EARLIER.ko ...] STEP.ko
(the headers have the exports and .config but not the kernel's builtin
certificates: a user with only the headers passes the image the kernel booted
from, whose certificates the signatures are verified against)
(the earlier steps of the scenario as --loaded, in order) and compares with
what the kernel did:
    ret          vs .modules[0].errno         (0 when it loads)
    log          vs .modules[0].log           (exact list, same order)
    tainted      vs .modules[0].kernel_taint  (integer, after the attempt)
    module_taint vs .modules[0].module_taint  (letters; only when it loaded)
Prints "ok NAME" or "FAIL NAME: FIELD: kernel=... kexport=..." per case, then
"N cases, M agree".  Exit 0 all agree, 1 a disagreement, 2 kexport cannot run.
"""
import json
import os
import subprocess
import sys


def fail2(msg):
    print("compare: %s" % msg, file=sys.stderr)
    sys.exit(2)


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    results, kexport, headers, image = argv[1:]
    try:
        scenarios = json.load(open(results))
    except (OSError, ValueError) as e:
        fail2("%s: %s" % (results, e))
    if not (os.path.isfile(kexport) and os.access(kexport, os.X_OK)):
        fail2("%s: no kexport executable (build it, or set KEXPORT)" % kexport)
    if not os.path.isfile(image):
        fail2("%s: no kernel image" % image)
    if not os.path.isdir(headers):
        fail2("%s: not a directory" % headers)
    # Does this kexport have the check command at all?
    p = subprocess.run([kexport, "check", "--help"], capture_output=True, text=True)
    if p.returncode != 0:
        fail2("%s has no working 'check' command (kexport check --help exited %d: %s)" % (
            kexport, p.returncode, (p.stderr or p.stdout).strip().splitlines()[:1]))

    # Reviewed, expected disagreements (known-limits.txt beside this file).
    limits = {}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "known-limits.txt")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            scen, diff, why = line.rstrip("\n").split("\t")
            limits[scen] = (diff, why)
    seen_limits = set()

    cases = agree = limited = 0
    for sc in scenarios:
        steps = sc["steps"]
        for i, st in enumerate(steps):
            name = sc["scenario"] if i == len(steps) - 1 else "%s[step %d]" % (sc["scenario"], i + 1)
            cmd = [kexport, "check", "-j", "--kernel", headers, "--signing-keys", image]
            for e in steps[:i]:
                cmd += ["--loaded", e["module"]]
            cmd.append(st["module"])
            p = subprocess.run(cmd, capture_output=True, text=True)
            cases += 1
            if p.returncode not in (0, 1, 3):
                fail2("%s: '%s' exited %d: %s" % (name, " ".join(cmd), p.returncode,
                                                 p.stderr.strip() or p.stdout.strip()[:300]))
            try:
                m = json.loads(p.stdout)["modules"][0]
            except (ValueError, KeyError, IndexError, TypeError) as e:
                fail2("%s: cannot read kexport's JSON (%s): %s" % (name, e, p.stdout[:300]))
            diffs = []

            def cmp(field, k, x):
                if k != x:
                    diffs.append("%s: kernel=%s kexport=%s" % (field, json.dumps(k), json.dumps(x)))
            cmp("ret", st["ret"], m.get("errno"))
            cmp("log", st["log"], m.get("log"))
            cmp("tainted", st["tainted"], m.get("kernel_taint"))
            if st["ret"] == 0:
                cmp("module_taint", st["module_taint"], m.get("module_taint"))
            if name in limits:
                seen_limits.add(name)
                if diffs == [limits[name][0]]:
                    limited += 1
                    print("limit %s: %s (known-limits.txt: %s)" % (name, diffs[0], limits[name][1]))
                else:
                    print("FAIL %s: listed in known-limits.txt as '%s', but got %s" % (
                        name, limits[name][0], diffs or "agreement"))
                continue
            if diffs:
                for d in diffs:
                    print("FAIL %s: %s" % (name, d))
            else:
                agree += 1
                print("ok %s" % name)
    for scen in sorted(set(limits) - seen_limits):
        print("FAIL %s: listed in known-limits.txt but not a case" % scen)
    print("%d cases, %d agree, %d known limits (known-limits.txt)" % (cases, agree, limited))
    return 0 if agree + limited == cases and seen_limits == set(limits) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
