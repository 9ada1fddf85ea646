#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
kexport_maintainers_match() against the tree's own scripts/get_maintainer.pl
(--no-git --nokeywords --sections -f FILE), on Debian's kernel source: a
sample of every file of the tree (each 250th, by path), and the files its
harder patterns cover (N: regular expressions, X: exclusions, [..] classes).
The sections must be the same; so must the first, when get_maintainer.pl's
order is not left to Perl's hash order (equal depths).

    real-maintainers.py MAINTAINERS_MATCH TREE
"""
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import getmaint

match, tree = sys.argv[1], sys.argv[2]
files = []
for root, dirs, names in os.walk(tree):
    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    for n in sorted(names):
        files.append(os.path.relpath(os.path.join(root, n), tree))
files.sort()
sample = set(files[::250])
hard = re.compile(r"(tegra|sun50i|sun[4-9]i|bcm|da9|da7|mt[678]|rockchip|imx|meson|exynos|ps3|"
                  r"pmac|altera_edac|amdgpu_amdkfd|zstd)")
sample |= set([f for f in files if hard.search(f)][::7])
sample = sorted(sample)

ours = {f: [] for f in sample}
out = subprocess.run([match, tree] + sample, check=True, capture_output=True, text=True).stdout
for line in out.splitlines():
    f, _, s = line.partition("\t")
    ours[f].append(s)


def theirs(f):
    return f, getmaint.sections(tree, f)


failures = 0
with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
    for f, names in ex.map(theirs, sample):
        if sorted(names) != sorted(ours[f]):
            failures += 1
            print(f"FAIL: {f}: get_maintainer.pl {names}, kexport {ours[f]}", file=sys.stderr)
        elif names and ours[f][0] != names[0]:
            # The first may differ only between sections get_maintainer.pl ranks equal.
            if not (len(names) > 1 and set(ours[f][:2]) == set(names[:2])):
                failures += 1
                print(f"FAIL: {f}: first section: get_maintainer.pl {names[0]!r}, "
                      f"kexport {ours[f][0]!r}", file=sys.stderr)
if failures:
    sys.exit(f"FAIL: {failures} of {len(sample)} files differ")
n_sections = sum(len(v) for v in ours.values())
print(f"PASS: {len(sample)} files ({n_sections} sections) covered as get_maintainer.pl says")
