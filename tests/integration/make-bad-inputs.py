#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Write hostile variants of one good module into DIR: truncated, corrupted
header fields, offsets and sizes pointing outside the file, garbage.
Prints one line per file: NAME<TAB>what was done.
    make-bad-inputs.py GOOD.ko DIR
"""
import os
import struct
import sys

good, out = sys.argv[1], sys.argv[2]
data = bytearray(open(good, "rb").read())
assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "want an ELF64 LE module"
shoff = struct.unpack_from("<Q", data, 0x28)[0]
shnum = struct.unpack_from("<H", data, 0x3c)[0]
shstrndx = struct.unpack_from("<H", data, 0x3e)[0]


def sh(i):
    return shoff + i * 64


def names():
    so = struct.unpack_from("<Q", data, sh(shstrndx) + 24)[0]
    res = {}
    for i in range(shnum):
        n = struct.unpack_from("<I", data, sh(i))[0]
        end = data.index(b"\0", so + n)
        res[data[so + n:end].decode()] = i
    return res


secs = names()
variants = {}


def put(name, what, blob):
    variants[name] = (what, bytes(blob))


def patched(off, fmt, val):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, val)
    return b


put("empty.ko", "empty file", b"")
put("text.ko", "not ELF", b"hello, I am not a kernel module\n" * 10)
put("trunc-header.ko", "truncated in the ELF header", data[:40])
put("trunc-half.ko", "truncated to half (section headers gone)", data[: len(data) // 2])
put("trunc-shdr.ko", "truncated inside the section header table", data[: shoff + 64 * (shnum // 2)])
put("shoff-huge.ko", "e_shoff past the end", patched(0x28, "<Q", 0xFFFFFFFFFFFF0000))
put("shnum-huge.ko", "e_shnum larger than the file", patched(0x3c, "<H", 0xFFFE))
put("shstrndx-bad.ko", "e_shstrndx out of range", patched(0x3e, "<H", shnum + 5))
put("shentsize-small.ko", "e_shentsize too small", patched(0x3a, "<H", 8))
put("class-bad.ko", "bad EI_CLASS", patched(4, "<B", 7))
for sec in ("__versions", ".symtab", ".modinfo", "__ksymtab_gpl", "__ksymtab_strings", ".strtab"):
    if sec in secs:
        i = secs[sec]
        put(f"size-{sec.strip('.')}.ko", f"{sec} size huge",
            patched(sh(i) + 32, "<Q", 0x7FFFFFFFFFFFFFF0))
        put(f"off-{sec.strip('.')}.ko", f"{sec} offset past the end",
            patched(sh(i) + 24, "<Q", len(data) + 4096))
if ".symtab" in secs:
    put("symtab-link.ko", ".symtab sh_link out of range", patched(sh(secs[".symtab"]) + 40, "<I", 60000))
if "__versions" in secs:
    put("versions-odd.ko", "__versions size not a multiple of 64",
        patched(sh(secs["__versions"]) + 32, "<Q", 100))
# Relocations of the export table pointing at absurd symbols.
for n, i in secs.items():
    if n.startswith(".rela__ksymtab"):
        off = struct.unpack_from("<Q", data, sh(i) + 24)[0]
        b = bytearray(data)
        struct.pack_into("<Q", b, off + 8, (0xFFFFFF << 32) | 2)  # symbol index huge
        put("rela-sym.ko", "export relocation with a symbol index out of range", b)
        break
# A module that is an ELF executable, not relocatable.
put("not-rel.ko", "ELF but ET_EXEC", patched(0x10, "<H", 2))

os.makedirs(out, exist_ok=True)
for name, (what, blob) in sorted(variants.items()):
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)
    print(f"{name}\t{what}")
