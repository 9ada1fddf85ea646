#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No circle between the library's files.

    lib-cycles.py LIBDIR

File A depends on file B when A includes B's header, or calls a function
that B alone defines (a non-static function at the start of a line in B);
a folder of lib/ (a layer) on another when one of its files does.
Every lib/*.c includes the one internal header, which is not a dependency
on any one file.  A circle of dependencies is a failure: it names the files
and, for each edge, the names that tie them.  Exit 0 when there is none.
"""
import os
import re
import sys

DEF = re.compile(r"^(?:KX_EXPORT\s+)?(?!static\b)[A-Za-z_][\w \t\*]*?\b([a-z_]\w*)\s*\(([^;{]*?)\)\s*$",
                 re.M)
CALL = re.compile(r"\b([a-z_]\w*)\s*\(")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", re.S)


def main():
    lib = sys.argv[1]
    files = sorted(os.path.relpath(os.path.join(d, f), lib) for d, _, fs in os.walk(lib)
                   for f in fs if f.endswith(".c"))
    text = {}
    for f in files:
        with open(os.path.join(lib, f), encoding="utf-8") as fh:
            text[f] = COMMENT.sub(" ", fh.read())
    owners = {}
    for f in files:
        # a definition: its line is followed by one starting with "{"
        for m in DEF.finditer(text[f]):
            rest = text[f][m.end():m.end() + 3]
            if rest.lstrip("\n").startswith("{"):
                owners.setdefault(m.group(1), set()).add(f)
    unique = {n: next(iter(fs)) for n, fs in owners.items() if len(fs) == 1}
    edges = {f: {} for f in files}
    for f in files:
        for m in CALL.finditer(text[f]):
            o = unique.get(m.group(1))
            if o and o != f:
                edges[f].setdefault(o, set()).add(m.group(1))
    bad = report(files, edges, "files")
    # the same between lib/'s folders (the layers: base, model, read, ...)
    folders = sorted({f.split(os.sep)[0] for f in files if os.sep in f})
    fedges = {d: {} for d in folders}
    for f in files:
        for o, names in edges[f].items():
            a, b = f.split(os.sep)[0], o.split(os.sep)[0]
            if a != b and a in fedges and b in fedges:
                fedges[a].setdefault(b, set()).update("%s:%s" % (os.path.basename(o), x) for x in names)
    bad |= report(folders, fedges, "folders")
    return 1 if bad else 0


def report(nodes, edges, what):
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for f in nodes:
        if f not in index:
            visit(f)
    for comp in sccs:
        print("lib-cycles: a circle of %d %s: %s" % (len(comp), what, ", ".join(comp)))
        for a in comp:
            for b, names in sorted(edges[a].items()):
                if b in comp:
                    print("  %s -> %s: %s" % (a, b, ", ".join(sorted(names)[:6])))
    if not sccs:
        n_edges = sum(len(e) for e in edges.values())
        print("lib-cycles: %d %s, %d dependencies, no circle" % (len(nodes), what, n_edges))
    return bool(sccs)


if __name__ == "__main__":
    sys.exit(main())
