# SPDX-License-Identifier: LGPL-2.1-or-later
"""The MAINTAINERS sections a kernel tree's own scripts/get_maintainer.pl
gives a file (--no-git --nokeywords --sections), in its order: the oracle of
real-maintainers.py and real-symbol.py."""
import re
import subprocess


def sections(tree, path):
    out = subprocess.run(["perl", "scripts/get_maintainer.pl", "--no-git", "--nokeywords",
                          "--sections", "-f", path], cwd=tree, capture_output=True,
                         text=True).stdout
    names, new = [], True
    for line in out.splitlines():
        if not line.strip():
            new = True
            continue
        if new and not re.match(r"^[A-Z]:", line):
            names.append(line)
        new = False
    return names
