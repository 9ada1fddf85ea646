#!/usr/bin/env python3
"""Round-trip check for tests/gen/mkelf.

Runs mkelf over a matrix of machines / classes / endians / entry layouts /
module-vs-vmlinux options, parses every produced ELF with nothing but the
struct module, decodes the export tables (PREL32 and absolute, with and without
the namespace field, RELA and REL, symbol- or section-relative relocations),
__kcrctab*, __versions, __version_ext_*, .modinfo, imports, the signature
trailer, System.map and Module.symvers, and asserts they match what was
requested.  If readelf / llvm-readelf are on PATH, `readelf -a -W
--enable-checks` and `llvm-readelf -a` must print no warnings.

usage: check_mkelf.py [--mkelf PATH] [--keep DIR] [-v]
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

MACHINES = {
    # name: (e_machine, class, default_be, pcrel32, absword)
    "x86_64": (62, 64, False, 2, 1),
    "aarch64": (183, 64, False, 261, 257),
    "ppc64": (21, 64, False, 26, 38),
    "s390": (22, 64, True, 5, 22),
    "i386": (3, 32, False, 2, 1),
    "arm": (40, 32, False, 3, 2),
    "ppc": (20, 32, True, 26, 1),
}
TABLES = ["", "_gpl", "_unused", "_unused_gpl", "_gpl_future"]
SYMVERS_TYPE = ["EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL", "EXPORT_UNUSED_SYMBOL",
                "EXPORT_UNUSED_SYMBOL_GPL", "EXPORT_SYMBOL_GPL_FUTURE"]
SIG_MAGIC = b"~Module signature appended~\n"


class CheckError(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckError(msg)


# --------------------------------------------------------------------------
# Minimal ELF reader


class Elf:
    def __init__(self, data, size=None):
        self.data = data if size is None else data[:size]
        d = self.data
        check(d[:4] == b"\x7fELF", "bad ELF magic")
        self.is64 = d[4] == 2
        self.be = d[5] == 2
        self.e = ">" if self.be else "<"
        self.w = 8 if self.is64 else 4
        W = "Q" if self.is64 else "I"
        self.W = W
        (self.type, self.machine, _ver, self.entry, self.phoff, self.shoff,
         self.flags, self.ehsize, self.phentsize, self.phnum, self.shentsize,
         self.shnum, self.shstrndx) = struct.unpack_from(
            self.e + "HHI" + W * 3 + "IHHHHHH", d, 16)
        self.sections = []
        for i in range(self.shnum):
            off = self.shoff + i * self.shentsize
            if self.is64:
                f = struct.unpack_from(self.e + "IIQQQQIIQQ", d, off)
            else:
                f = struct.unpack_from(self.e + "IIIIIIIIII", d, off)
            keys = ("name", "type", "flags", "addr", "offset", "size", "link",
                    "info", "align", "entsize")
            s = dict(zip(keys, f))
            s["index"] = i
            self.sections.append(s)
        shstr = self.sections[self.shstrndx]
        for s in self.sections:
            s["sname"] = self.cstr(shstr["offset"] + s["name"])
        self.by_name = {s["sname"]: s for s in self.sections}
        check(len(self.by_name) == len(self.sections), "duplicate section names")
        self.phdrs = []
        for i in range(self.phnum):
            off = self.phoff + i * self.phentsize
            if self.is64:
                t, fl, o, va, pa, fs, ms, al = struct.unpack_from(self.e + "IIQQQQQQ", d, off)
            else:
                t, o, va, pa, fs, ms, fl, al = struct.unpack_from(self.e + "IIIIIIII", d, off)
            self.phdrs.append(dict(type=t, flags=fl, offset=o, vaddr=va, filesz=fs,
                                   memsz=ms, align=al))
        self.symbols = self._read_symbols()

    def cstr(self, off):
        end = self.data.index(b"\0", off)
        return self.data[off:end].decode()

    def sec(self, name):
        return self.by_name.get(name)

    def body(self, s):
        return self.data[s["offset"]:s["offset"] + s["size"]]

    def _read_symbols(self):
        st = self.sec(".symtab")
        if not st:
            return None
        strtab = self.sections[st["link"]]
        out = []
        esz = 24 if self.is64 else 16
        check(st["entsize"] == esz, "symtab entsize")
        for i in range(st["size"] // esz):
            off = st["offset"] + i * esz
            if self.is64:
                nm, info, other, shndx, val, size = struct.unpack_from(self.e + "IBBHQQ", self.data, off)
            else:
                nm, val, size, info, other, shndx = struct.unpack_from(self.e + "IIIBBH", self.data, off)
            out.append(dict(name=self.cstr(strtab["offset"] + nm), value=val, size=size,
                            bind=info >> 4, type=info & 0xF, shndx=shndx, index=i))
        return out

    def relocs(self, s):
        rela = s["type"] == 4
        out = []
        if self.is64:
            fmt, esz = (self.e + ("QQq" if rela else "QQ")), (24 if rela else 16)
        else:
            fmt, esz = (self.e + ("IIi" if rela else "II")), (12 if rela else 8)
        check(s["entsize"] == esz, "reloc entsize")
        for i in range(s["size"] // esz):
            f = struct.unpack_from(fmt, self.data, s["offset"] + i * esz)
            if self.is64:
                sym, typ = f[1] >> 32, f[1] & 0xFFFFFFFF
            else:
                sym, typ = f[1] >> 8, f[1] & 0xFF
            out.append(dict(offset=f[0], sym=sym, type=typ, addend=f[2] if rela else None))
        return out

    def u(self, off, n, signed=False):
        fmt = {1: "B", 2: "H", 4: "I", 8: "Q"}[n]
        if signed:
            fmt = fmt.lower()
        return struct.unpack_from(self.e + fmt, self.data, off)[0]

    def vaddr_to_off(self, va):
        for s in self.sections:
            if s["flags"] & 2 and s["addr"] <= va < s["addr"] + max(s["size"], 1):
                return s["offset"] + va - s["addr"]
        raise CheckError("vaddr %#x not in any section" % va)

    def section_of_vaddr(self, va):
        for s in self.sections:
            if s["flags"] & 2 and s["addr"] <= va < s["addr"] + s["size"]:
                return s
        return None


# --------------------------------------------------------------------------
# Test-case model


class Case:
    def __init__(self, name, kind="module", machine="x86_64", endian=None, layout=None,
                 no_ns=False, rel=False, section_relocs=False, crc_long=False,
                 stripped=False, sign=False, exports=(), imports=(), vonly=(),
                 modinfo=(), modinfo_pad=False, ext=False, no_basic=False,
                 system_map=False, symvers=False, owner=None, sig_len=None,
                 this_size=None, base=None, pass_class=False, banner=None):
        self.__dict__.update(locals())
        del self.__dict__["self"]
        em, cls, dbe, pc, ab = MACHINES[machine]
        self.cls = cls
        self.be = dbe if endian is None else endian == "be"
        self.abs = (cls == 32) if layout is None else layout == "abs"
        self.r_type = ab if self.abs else pc
        self.em = em

    def argv(self, mkelf, out, tmp):
        a = [mkelf, "--type", self.kind, "--machine", self.machine]
        if self.pass_class:
            a += ["--class", str(self.cls)]
        if self.endian:
            a += ["--endian", self.endian]
        if self.layout == "abs":
            a.append("--abs-entries")
        elif self.layout == "prel32":
            a.append("--prel32-entries")
        for flag, opt in ((self.no_ns, "--no-ns-field"), (self.rel, "--rel"),
                          (self.section_relocs, "--section-relocs"),
                          (self.crc_long, "--crc-long"), (self.stripped, "--stripped"),
                          (self.sign, "--sign"), (self.modinfo_pad, "--modinfo-pad"),
                          (self.ext, "--ext-versions"), (self.no_basic, "--no-basic-versions")):
            if flag:
                a.append(opt)
        for m in self.modinfo:
            a += ["--modinfo", m]
        for imp in self.imports:
            name, crc, weak = imp
            spec = name + ("" if crc is None else ":%x" % crc) + (":weak" if weak else "")
            a += ["--import", spec]
        for name, crc in self.vonly:
            a += ["--import-version-only", "%s:%08x" % (name, crc)]
        for e in self.exports:
            tab = e["tab"]
            spec = e["name"]
            if tab == 1:
                spec += ":gpl"
            if e.get("ns"):
                spec += ":ns=" + e["ns"]
            if e.get("crc") is not None:
                spec += ":crc=0x%x" % e["crc"]
            if e.get("asm"):
                spec += ":asm"
            opt = {0: "--export", 1: "--export", 2: "--unused", 3: "--unused-gpl",
                   4: "--gpl-future"}[tab]
            a += [opt, spec]
        if self.sig_len is not None:
            a += ["--sig-len", str(self.sig_len)]
        if self.this_size is not None:
            a += ["--this-module-size", str(self.this_size)]
        if self.base is not None:
            a += ["--base", hex(self.base)]
        if self.owner:
            a += ["--owner", self.owner]
        if self.banner is not None:
            a += ["--banner", self.banner]
        self.map_path = os.path.join(tmp, self.name + ".map") if self.system_map else None
        self.symvers_path = os.path.join(tmp, self.name + ".symvers") if self.symvers else None
        if self.map_path:
            a += ["--system-map", self.map_path]
        if self.symvers_path:
            a += ["--symvers", self.symvers_path]
        a.append(out)
        return a


def expected_ns(case, e):
    """What the namespace field should decode to: None = no field / 0."""
    if case.no_ns or e.get("asm"):
        return None
    return e.get("ns") or ""


# --------------------------------------------------------------------------
# Verification


def split_signature(case, data):
    if not case.sign:
        check(not data.endswith(SIG_MAGIC), "unexpected signature magic")
        return len(data)
    check(data.endswith(SIG_MAGIC), "signature magic missing")
    ms = data[-28 - 12:-28]
    algo, hsh, id_type, signer_len, key_id_len = ms[:5]
    check((algo, hsh, id_type, signer_len, key_id_len) == (0, 0, 2, 0, 0), "module_signature fields")
    check(ms[5:8] == b"\0\0\0", "module_signature pad")
    sig_len = struct.unpack(">I", ms[8:12])[0]
    check(sig_len == (256 if case.sig_len is None else case.sig_len), "sig_len %d" % sig_len)
    return len(data) - 40 - sig_len


def verify_headers(case, elf, elf_size):
    check(elf.is64 == (case.cls == 64), "class")
    check(elf.be == case.be, "endianness")
    check(elf.machine == case.em, "e_machine %d" % elf.machine)
    check(elf.type == (2 if case.kind == "vmlinux" else 1), "e_type")
    check(elf.shoff + elf.shnum * elf.shentsize == elf_size, "section headers not at end")
    check(elf.shoff % elf.w == 0, "shoff alignment")
    check(elf.sections[elf.shstrndx]["sname"] == ".shstrtab", "shstrndx")
    for s in elf.sections[1:]:
        if s["align"] > 1:
            check(s["offset"] % s["align"] == 0, "%s offset misaligned" % s["sname"])
            if s["flags"] & 2:
                check(s["addr"] % s["align"] == 0, "%s addr misaligned" % s["sname"])
        check(s["offset"] + s["size"] <= elf.shoff, "%s overlaps section headers" % s["sname"])
    if case.kind == "vmlinux":
        check(elf.phnum == 2, "phnum")
        for p in elf.phdrs:
            check(p["offset"] % 0x1000 == p["vaddr"] % 0x1000, "phdr congruence")
        for s in elf.sections:
            if s["flags"] & 2:
                ok = any(p["vaddr"] <= s["addr"] and s["addr"] + s["size"] <= p["vaddr"] + p["memsz"]
                         and s["offset"] - p["offset"] == s["addr"] - p["vaddr"] for p in elf.phdrs)
                check(ok, "%s not covered by a PT_LOAD" % s["sname"])
    if case.kind == "vmlinux" and case.stripped:
        check(elf.sec(".symtab") is None and elf.sec(".strtab") is None, "stripped has symtab")
    else:
        st = elf.sec(".symtab")
        check(st is not None, "no .symtab")
        check(elf.sections[st["link"]]["sname"] == ".strtab", "symtab sh_link")
        syms = elf.symbols
        first_global = next((s["index"] for s in syms if s["bind"] != 0), len(syms))
        check(all(s["bind"] != 0 for s in syms[first_global:]), "local after global")
        check(st["info"] == first_global, "symtab sh_info %d != %d" % (st["info"], first_global))
        for s in syms:
            if s["type"] == 3:
                check(s["shndx"] < elf.shnum and s["value"] == elf.sections[s["shndx"]]["addr"],
                      "section symbol")


def sym_by_name(elf):
    return {s["name"]: s for s in elf.symbols if s["name"]}


def sec_name_at(elf, va):
    s = elf.section_of_vaddr(va)
    return s["sname"] if s else None


def read_str_at_vaddr(elf, va):
    return elf.cstr(elf.vaddr_to_off(va))


def decode_module_tables(case, elf):
    """Decode entries by applying relocations symbolically."""
    out = {}
    syms = elf.symbols
    fw = elf.w if case.abs else 4
    nf = 2 if case.no_ns else 3
    strs = elf.sec("__ksymtab_strings")
    for ti, suf in enumerate(TABLES):
        ks = elf.sec("__ksymtab" + suf)
        rname = (".rel" if case.rel else ".rela") + "__ksymtab" + suf
        rs = elf.sec(rname)
        if ks is None:
            check(rs is None, "%s without target" % rname)
            continue
        check(rs is not None, "missing " + rname)
        check(rs["type"] == (9 if case.rel else 4), rname + " sh_type")
        check(rs["flags"] == 0x40, rname + " flags")
        check(elf.sections[rs["link"]]["sname"] == ".symtab", rname + " sh_link")
        check(rs["info"] == ks["index"], rname + " sh_info")
        check(ks["size"] % (fw * nf) == 0, "ksymtab size")
        rel_at = {}
        for r in elf.relocs(rs):
            check(r["offset"] not in rel_at, "two relocs at one offset")
            check(r["type"] == case.r_type, "reloc type %d != %d" % (r["type"], case.r_type))
            rel_at[r["offset"]] = r
        entries = []
        for i in range(ks["size"] // (fw * nf)):
            base = i * fw * nf
            fields = []
            for k in range(nf):
                off = base + k * fw
                raw = elf.u(ks["offset"] + off, fw, signed=(fw == 4 and not case.abs))
                r = rel_at.pop(off, None)
                if r is None:
                    check(raw == 0, "unrelocated non-zero field")
                    fields.append(None)
                    continue
                if case.rel:
                    addend = raw
                else:
                    check(raw == 0, "RELA field not zero in file")
                    addend = r["addend"]
                fields.append((syms[r["sym"]], addend))
            (vsym, vadd) = fields[0]
            check(vadd == 0, "value addend")
            check(vsym["type"] == 2 and vsym["bind"] == 1, "value target not GLOBAL FUNC")
            check(elf.sections[vsym["shndx"]]["sname"] == ".text", "value target not in .text")

            def string_of(f, what):
                s, add = f
                check(s["shndx"] == strs["index"], what + " target not in __ksymtab_strings")
                if case.section_relocs:
                    check(s["type"] == 3, what + ": want section symbol")
                else:
                    check(s["type"] == 0 and s["bind"] == 0 and add == 0, what + ": want LOCAL NOTYPE")
                return elf.cstr(strs["offset"] + s["value"] + add), s

            name, nsym = string_of(fields[1], "name")
            if not case.section_relocs:
                check(nsym["name"] == "__kstrtab_" + name, "kstrtab symbol name")
            ns = None
            if nf == 3 and fields[2] is not None:
                ns, nssym = string_of(fields[2], "namespace")
                if not case.section_relocs:
                    check(nssym["name"] == "__kstrtabns_" + name, "kstrtabns symbol name")
            check(vsym["name"] == name, "value symbol %s != name %s" % (vsym["name"], name))
            entries.append(dict(name=name, ns=ns))
        check(not rel_at, "stray relocations")
        out[ti] = entries
    return out


def decode_vmlinux_tables(case, elf):
    out = {}
    w = elf.w
    fw = w if case.abs else 4
    nf = 2 if case.no_ns else 3
    text = elf.sec(".text")
    syms = None if case.stripped else sym_by_name(elf)
    for ti, suf in enumerate(TABLES):
        ks = elf.sec("__ksymtab" + suf)
        if ks is None:
            continue
        entries = []
        for i in range(ks["size"] // (fw * nf)):
            fa = ks["addr"] + i * fw * nf
            vals = []
            for k in range(nf):
                raw = elf.u(ks["offset"] + i * fw * nf + k * fw, fw, signed=not case.abs)
                if raw == 0:
                    vals.append(None)
                elif case.abs:
                    vals.append(raw)
                else:
                    vals.append((fa + k * 4 + raw) & ((1 << (8 * w)) - 1))
            check(vals[0] is not None and text["addr"] <= vals[0] < text["addr"] + text["size"],
                  "value not in .text")
            check(vals[1] is not None and sec_name_at(elf, vals[1]) == "__ksymtab_strings",
                  "name not in strings")
            name = read_str_at_vaddr(elf, vals[1])
            ns = None
            if nf == 3 and vals[2] is not None:
                check(sec_name_at(elf, vals[2]) == "__ksymtab_strings", "ns not in strings")
                ns = read_str_at_vaddr(elf, vals[2])
            if syms is not None:
                check(syms[name]["value"] == vals[0] and syms[name]["type"] == 2, "value != symbol " + name)
                check(syms["__ksymtab_" + name]["value"] == fa, "__ksymtab_ symbol")
                check(syms["__kstrtab_" + name]["value"] == vals[1], "__kstrtab_ symbol")
                if ns is not None:
                    check(syms["__kstrtabns_" + name]["value"] == vals[2], "__kstrtabns_ symbol")
            entries.append(dict(name=name, ns=ns, entry_addr=fa))
        out[ti] = entries
        if syms is not None:
            check(syms["__start___ksymtab" + suf]["value"] == ks["addr"], "__start___ksymtab" + suf)
            check(syms["__stop___ksymtab" + suf]["value"] == ks["addr"] + ks["size"], "__stop")
    return out


def verify_exports(case, elf, decoded):
    any_crc = any(e.get("crc") is not None for e in case.exports)
    crcsz = elf.w if case.crc_long else 4
    # section order as in vmlinux.lds.h
    order = [s["sname"] for s in elf.sections]
    want_order = [n for n in ["__ksymtab" + s for s in TABLES] + ["__kcrctab" + s for s in TABLES]
                  + ["__ksymtab_strings"] if n in order]
    check([n for n in order if n in want_order] == want_order, "export section order")
    for ti, suf in enumerate(TABLES):
        want = sorted((e for e in case.exports if e["tab"] == ti), key=lambda e: e["name"].encode())
        got = decoded.get(ti)
        if not want:
            check(got is None, "unexpected __ksymtab" + suf)
            continue
        check(got is not None, "missing __ksymtab" + suf)
        check([g["name"] for g in got] == [e["name"] for e in want],
              "table %r names %r != %r" % (suf, [g["name"] for g in got], [e["name"] for e in want]))
        for g, e in zip(got, want):
            check(g["ns"] == expected_ns(case, e), "%s ns %r != %r" % (e["name"], g["ns"], expected_ns(case, e)))
        kc = elf.sec("__kcrctab" + suf)
        if not any_crc:
            check(kc is None, "unexpected __kcrctab" + suf)
            continue
        check(kc is not None and kc["size"] == crcsz * len(want), "__kcrctab%s size" % suf)
        for i, e in enumerate(want):
            crc = elf.u(kc["offset"] + i * crcsz, crcsz)
            check(crc == (e.get("crc") or 0), "%s crc %#x" % (e["name"], crc))
        if elf.symbols is not None:
            s = sym_by_name(elf)
            for i, e in enumerate(want):
                if e.get("crc") is not None:
                    check(s["__crc_" + e["name"]]["value"] == kc["addr"] + i * crcsz, "__crc_ symbol")
    # strings section: name then ns per entry, table order
    strs = elf.sec("__ksymtab_strings")
    if case.exports:
        expect = b""
        for ti in range(5):
            for e in sorted((e for e in case.exports if e["tab"] == ti), key=lambda e: e["name"].encode()):
                expect += e["name"].encode() + b"\0"
                ns = expected_ns(case, e)
                if ns is not None:
                    expect += ns.encode() + b"\0"
        check(elf.body(strs) == expect, "__ksymtab_strings content")
        check(strs["flags"] == 0x32 and strs["entsize"] == 1, "__ksymtab_strings flags")


def verify_module_extras(case, elf):
    syms = elf.symbols
    names = sym_by_name(elf)
    # imports, in order, UNDEF NOTYPE GLOBAL/WEAK
    und = [s for s in syms[1:] if s["shndx"] == 0]
    check([(s["name"], s["bind"]) for s in und] == [(n, 2 if wk else 1) for n, _, wk in case.imports],
          "imports %r" % [(s["name"], s["bind"]) for s in und])
    check(all(s["type"] == 0 for s in und), "import type")
    tm = elf.sec(".gnu.linkonce.this_module")
    check(tm is not None and tm["type"] == 1 and tm["flags"] == 3, ".gnu.linkonce.this_module")
    want_size = case.this_size if case.this_size is not None else (896 if case.cls == 64 else 512)
    check(tm["size"] == want_size, "this_module size")
    t = names["__this_module"]
    check(t["type"] == 1 and t["bind"] == 1 and t["shndx"] == tm["index"] and t["size"] == want_size,
          "__this_module symbol")
    im = names["init_module"]
    check(im["type"] == 2 and im["bind"] == 1 and elf.sections[im["shndx"]]["sname"] == ".text", "init_module")
    # .modinfo
    mi = elf.sec(".modinfo")
    if case.modinfo:
        raw = elf.body(mi)
        parts = [m.encode() + b"\0" for m in case.modinfo]
        if case.modinfo_pad and len(parts) > 1:
            parts[0] += b"\0"
        check(raw == b"".join(parts), ".modinfo bytes")
        check([x.decode() for x in raw.split(b"\0") if x] == list(case.modinfo), ".modinfo decode")
    else:
        check(mi is None, "unexpected .modinfo")
    # versions: imports with crc + version-only, in command-line order (imports first here)
    versioned = [(n, c) for n, c, _ in case.imports if c is not None] + list(case.vonly)
    namelen = 64 - elf.w
    v = elf.sec("__versions")
    if versioned and not case.no_basic:
        basic = [(n, c) for n, c in versioned if len(n) < namelen]
        check(v is not None and v["size"] == 64 * len(basic), "__versions size")
        got = []
        for i in range(len(basic)):
            off = v["offset"] + 64 * i
            crc = elf.u(off, elf.w)
            nm = elf.data[off + elf.w:off + 64]
            check(nm.rstrip(b"\0").find(b"\0") < 0, "__versions name padding")
            got.append((nm.rstrip(b"\0").decode(), crc))
        check(got == basic, "__versions %r != %r" % (got, basic))
    else:
        check(v is None, "unexpected __versions")
    ec, en = elf.sec("__version_ext_crcs"), elf.sec("__version_ext_names")
    if versioned and case.ext:
        crcs = [elf.u(ec["offset"] + 4 * i, 4) for i in range(ec["size"] // 4)]
        nms = elf.body(en)
        check(nms.endswith(b"\0"), "ext names not NUL terminated")
        nms = [x.decode() for x in nms[:-1].split(b"\0")]
        check(list(zip(nms, crcs)) == versioned, "ext versions")
    else:
        check(ec is None and en is None, "unexpected ext versions")


def verify_system_map(case, elf, decoded):
    if not case.map_path:
        return
    lines = open(case.map_path).read().splitlines()
    width = 16 if case.cls == 64 else 8
    ent = []
    for ln in lines:
        a, t, n = ln.split(" ")
        check(len(a) == width, "System.map address width")
        ent.append((int(a, 16), t, n))
    check([e[0] for e in ent] == sorted(e[0] for e in ent), "System.map not sorted")
    m = {n: (a, t) for a, t, n in ent}
    for ti, entries in decoded.items():
        suf = TABLES[ti]
        ks = elf.sec("__ksymtab" + suf)
        check(m["__start___ksymtab" + suf] == (ks["addr"], "R"), "map __start")
        check(m["__stop___ksymtab" + suf][0] == ks["addr"] + ks["size"], "map __stop")
        for e in entries:
            check(m["__ksymtab_" + e["name"]] == (e["entry_addr"], "r"), "map __ksymtab_" + e["name"])
            check(m[e["name"]][1] == "T", "map text symbol")
    for n in ("_text", "_stext", "start_kernel", "_etext"):
        check(n in m, "map lacks " + n)
    check(m["linux_banner"] == (elf.sec(".rodata")["addr"], "R"), "map linux_banner")
    check(not any(n.startswith(("__kstrtab", "__crc_")) for n in m), "map has __kstrtab/__crc_")


def verify_symvers(case, out):
    if not case.symvers_path:
        return
    if case.owner:
        owner = case.owner
    elif case.kind == "vmlinux":
        owner = "vmlinux"
    else:
        owner = "drivers/test/" + os.path.basename(out)[:-3]
    want = "".join("0x%08x\t%s\t%s\t%s\t%s\n" % (e.get("crc") or 0, e["name"], owner,
                                                 SYMVERS_TYPE[e["tab"]], e.get("ns") or "")
                   for e in case.exports)
    got = open(case.symvers_path).read()
    check(got == want, "Module.symvers:\n%s\nwant:\n%s" % (got, want))


def run_readelf(path):
    """GNU readelf -a -W --enable-checks (and llvm-readelf -a if present) must be silent."""
    tools = []
    if shutil.which("readelf"):
        tools.append(["readelf", "-a", "-W", "--enable-checks", path])
    if shutil.which("llvm-readelf"):
        tools.append(["llvm-readelf", "-a", path])
    for argv in tools:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        check(p.returncode == 0, "%s failed" % argv[0])
        check(p.stderr.strip() == "", "%s stderr: %s" % (argv[0], p.stderr.strip()))
        bad = [ln for ln in p.stdout.splitlines() if "warning" in ln.lower() or "error" in ln.lower()]
        check(not bad, "%s complains: %r" % (argv[0], bad))


def run_case(mkelf, tmp, case, verbose):
    ext = ".ko" if case.kind == "module" else ".vmlinux"
    out = os.path.join(tmp, case.name + ext)
    argv = case.argv(mkelf, out, tmp)
    if verbose:
        print("  $ " + " ".join(argv))
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 0, "mkelf failed: " + p.stderr)
    check(p.stderr == "", "mkelf stderr: " + p.stderr)
    data = open(out, "rb").read()
    elf_size = split_signature(case, data)
    elf = Elf(data, elf_size)
    verify_headers(case, elf, elf_size)
    if case.kind == "module":
        decoded = decode_module_tables(case, elf)
        verify_module_extras(case, elf)
    else:
        decoded = decode_vmlinux_tables(case, elf)
    if case.kind == "vmlinux":
        ro = elf.sec(".rodata")
        banner = case.banner if case.banner is not None else "Linux version 6.1.0-mkelf"
        check(ro is not None and elf.body(ro).startswith(banner.encode()), ".rodata banner")
        check(elf.sections[1]["sname"] == ".text" and elf.sections[1]["addr"] ==
              (case.base if case.base is not None else (0xffffffff81000000 if case.cls == 64 else 0xc0000000)),
              ".text address")
        check(elf.entry == elf.sections[1]["addr"], "e_entry")
        if elf.symbols is not None:
            lb = sym_by_name(elf)["linux_banner"]
            check(lb["value"] == ro["addr"] and lb["type"] == 1, "linux_banner symbol")
    verify_exports(case, elf, decoded)
    verify_system_map(case, elf, decoded)
    verify_symvers(case, out)
    run_readelf(out)


def exports_for(no_ns, old_tables=True, asm=True):
    ex = [
        dict(name="zeta_func", tab=0, crc=0x11111111),
        dict(name="alpha", tab=0, crc=0x22222222),
        dict(name="Bravo", tab=0),                       # upper case sorts first
        dict(name="gpl_z", tab=1, crc=0xdeadbeef),
        dict(name="gpl_a", tab=1, crc=0),
    ]
    if not no_ns:
        ex[0]["ns"] = "FOO"
        ex.append(dict(name="dma_buf_export", tab=1, ns="DMA_BUF", crc=0xabcdef01))
        ex.append(dict(name="mod_restricted", tab=1, ns="module:nvme,nvmet", crc=7))
    if asm:
        ex.append(dict(name="memcpy", tab=0, asm=True, crc=0x12345678))
    if old_tables:
        ex += [dict(name="fut_sym", tab=4, crc=5), dict(name="unused_b", tab=2),
               dict(name="unused_a", tab=2, crc=9), dict(name="unused_gpl_x", tab=3)]
    return ex


IMPORTS = [("printk", 0x92997ed8, False), ("kmalloc", 0x12345678, False),
           ("opt_hook", None, True), ("weak_versioned", 0x0badf00d, True)]
LONG = "a_really_long_symbol_name_that_does_not_fit_into_modversion_info_xx"


def build_cases():
    cases = []
    n = 0
    for mach in MACHINES:
        for layout in ("prel32", "abs"):
            for no_ns in (False, True):
                for rel in (False, True):
                    n += 1
                    cases.append(Case("m%03d_%s_%s_%s%s" % (n, mach, layout, "nons" if no_ns else "ns",
                                                            "_rel" if rel else ""),
                                      machine=mach, layout=layout, no_ns=no_ns, rel=rel,
                                      exports=exports_for(no_ns), imports=IMPORTS,
                                      vonly=[("module_layout", 0xbce1a965)],
                                      modinfo=["license=GPL", "name=m%03d" % n, "vermagic=6.1.0 SMP"],
                                      symvers=True))
                for stripped in (False, True):
                    n += 1
                    cases.append(Case("v%03d_%s_%s_%s%s" % (n, mach, layout, "nons" if no_ns else "ns",
                                                            "_stripped" if stripped else ""),
                                      kind="vmlinux", machine=mach, layout=layout, no_ns=no_ns,
                                      stripped=stripped, exports=exports_for(no_ns),
                                      system_map=True, symvers=True))
    # endian overrides and special options
    cases += [
        Case("sp_ppc64_be", machine="ppc64", endian="be", exports=exports_for(False), imports=IMPORTS),
        Case("sp_arm_be_vmlinux", kind="vmlinux", machine="arm", endian="be", exports=exports_for(False),
             system_map=True),
        Case("sp_s390_le", machine="s390", endian="le", exports=exports_for(False), rel=True),
        Case("sp_aarch64_be_v", kind="vmlinux", machine="aarch64", endian="be", layout="prel32",
             exports=exports_for(False)),
        Case("sp_secrel_rela", machine="x86_64", section_relocs=True, exports=exports_for(False)),
        Case("sp_secrel_rel64", machine="aarch64", section_relocs=True, rel=True, exports=exports_for(False)),
        Case("sp_secrel_rel_abs32", machine="i386", section_relocs=True, rel=True, exports=exports_for(False)),
        Case("sp_secrel_rel_prel32be", machine="ppc", section_relocs=True, rel=True, layout="prel32",
             exports=exports_for(False)),
        Case("sp_crclong_mod", machine="x86_64", crc_long=True, layout="abs", no_ns=True,
             exports=exports_for(True)),
        Case("sp_crclong_vm", kind="vmlinux", machine="i386", crc_long=True, exports=exports_for(True),
             system_map=True),
        Case("sp_sign", machine="x86_64", sign=True, exports=exports_for(False), imports=IMPORTS),
        Case("sp_sign_len", machine="arm", sign=True, sig_len=681, imports=IMPORTS[:1]),
        Case("sp_pad", modinfo=["license=GPL", "import_ns=FOO", "name=x"], modinfo_pad=True),
        Case("sp_ext", imports=IMPORTS + [(LONG, 0x42, False)], vonly=[("module_layout", 1)], ext=True),
        Case("sp_ext_only", imports=IMPORTS + [(LONG, 0x42, False)], ext=True, no_basic=True),
        Case("sp_no_versions", imports=IMPORTS, no_basic=True),
        Case("sp_empty_module"),
        Case("sp_empty_vmlinux", kind="vmlinux", system_map=True, symvers=True),
        Case("sp_no_crcs", exports=[dict(name="a", tab=0), dict(name="b", tab=1, ns="X")]),
        Case("sp_no_crcs_v", kind="vmlinux", exports=[dict(name="a", tab=0), dict(name="b", tab=1, ns="X")]),
        Case("sp_owner", exports=exports_for(False), symvers=True, owner="fs/foo/bar"),
        Case("sp_this_size", this_size=1280, pass_class=True),
        Case("sp_base32", kind="vmlinux", machine="i386", base=0x80000000, exports=exports_for(False),
             system_map=True),
        Case("sp_asm_only_v", kind="vmlinux", layout="prel32",
             exports=[dict(name="memset", tab=0, asm=True), dict(name="memmove", tab=1, asm=True)]),
        Case("sp_banner", kind="vmlinux", banner="Linux version 5.10.0-x (b@h) #2 SMP\n",
             exports=[dict(name="only_plain", tab=0, crc=3)], system_map=True),
        Case("sp_gpl_only_v", kind="vmlinux", stripped=True, layout="abs",
             exports=[dict(name="g", tab=1, ns="N", crc=1)]),
        Case("sp_prel32_on_32", kind="vmlinux", machine="arm", layout="prel32", exports=exports_for(False)),
    ]
    return cases


NEGATIVE = [
    ["--no-ns-field", "--export", "a:ns=X"],
    ["--stripped"],
    ["--type", "vmlinux", "--rel"],
    ["--type", "vmlinux", "--import", "foo"],
    ["--class", "32", "--machine", "x86_64"],
    ["--export", "a", "--export", "a:gpl"],
    ["--export", "a", "--import", "a"],
    ["--import", "a:zzz"],
    ["--import", "a:123456789"],
    ["--import-version-only", "module_layout"],
    ["--export", "a:asm:ns=X"],
    ["--export", "a:bogus"],
    ["--gpl-future", "a:gpl"],
    ["--import", LONG + ":1"],
    ["--machine", "mips"],
    ["--modinfo", "novalue"],
    ["--type", "module", "--system-map", "/dev/null"],
    ["--banner", "x"],
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--mkelf", default=os.path.join(here, "mkelf"))
    ap.add_argument("--keep", help="write outputs here instead of a temp dir")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if not (os.path.isfile(args.mkelf) and os.access(args.mkelf, os.X_OK)):
        print("mkelf binary not found: %s (build it or pass --mkelf)" % args.mkelf)
        return 2
    tmp = args.keep or tempfile.mkdtemp(prefix="mkelf-check-")
    os.makedirs(tmp, exist_ok=True)
    try:
        failures, total = run_all(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d/%d checks passed" % (total - failures, total))
    return 1 if failures else 0


def run_all(args, tmp):
    failures = 0
    cases = build_cases()
    for c in cases:
        try:
            run_case(args.mkelf, tmp, c, args.verbose)
            if args.verbose:
                print("ok   " + c.name)
        except Exception as ex:  # any decode crash is a failure of this case
            failures += 1
            print("FAIL %s: %s: %s" % (c.name, type(ex).__name__, ex))
    for neg in NEGATIVE:
        out = os.path.join(tmp, "neg.o")
        p = subprocess.run([args.mkelf] + neg + [out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if p.returncode != 2 or not p.stderr:
            failures += 1
            print("FAIL negative %r: rc=%d stderr=%r" % (neg, p.returncode, p.stderr))
        elif args.verbose:
            print("ok   rejects %r: %s" % (neg, p.stderr.strip()))
    return failures, len(cases) + len(NEGATIVE)


if __name__ == "__main__":
    sys.exit(main())
