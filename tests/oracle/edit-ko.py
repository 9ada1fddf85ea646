#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Edit a built kernel module (ELF64 little-endian) in place of kbuild.

    edit-ko.py IN.ko OUT.ko EDIT...

Edits, applied in the order given; each one fails loudly when its target is
missing or ambiguous.  Every edit works on the section table (the .modinfo,
__versions, .symtab, .rela* and .shstrtab sections), never on a blind byte
search of the file, and never changes the file size (except
--append-signature).

  --modinfo-set KEY=VALUE        replace the value of the one KEY= entry of
                                 .modinfo; the new entry may not be longer than
                                 the old one and is padded with NULs
  --modinfo-sub KEY:OLD=NEW      substitute OLD by NEW inside the value of KEY
                                 (NEW no longer than OLD; NUL padded)
  --rename-modinfo-key OLD=NEW   rename the key of the one OLD= entry (same length)
  --crc SYM=0xCRC                set SYM's CRC in __versions
  --rename-version SYM=NEW       rename SYM's __versions entry (so SYM has none)
  --rename-section OLD=NEW       rename a section in .shstrtab (same length)
  --rename-section-tails OLD=NEW the same, and the sections named by a tail of
                                 OLD's string with it (.rela.X=.relaY: X -> Y)
  --order A,B                    make undefined symbol A come before B in
                                 .symtab (swap the two entries and fix every
                                 relocation that names them)
  --append-signature KIND        append a fake signature trailer: "pkcs7"
                                 (id_type 2 and 64 junk bytes), "pgp" (id_type
                                 0), "badlen" (sig_len larger than the file)
  --strip-signature -            remove the appended signature (file shrinks)
  --corrupt-signature -          flip the last byte of the PKCS#7 blob (the end
                                 of the RSA signature value)
  --corrupt-content SECTION      flip the first byte of SECTION (the signed
                                 content changes, the signature does not)
  --sign KEY                     append a signature made with keys/KEY.pem
                                 (certificate and key): PKCS#7 as sign-file
                                 makes it (sha256, detached, no certificates,
                                 no signed attributes)
  --sign-attrs KEY               the same with signed attributes, which the
                                 kernel refuses for modules

The loader's ELF validation (lib/read/elfcheck.c):
  --set-header FIELD=VALUE       e_ident1 (the 'E' of the magic), e_machine
  --set-section NAME:FIELD=VALUE a section header's type, flags, offset, size
                                 or name (an offset into .shstrtab; "end" is
                                 the first offset past it)
  --set-strtab-byte INDEX=VALUE  a byte of .strtab (the symbols' names); -1 is
                                 the last
  --truncate FRACTION            keep the first FRACTION (0.5) of the file
"""
import os
import struct
import subprocess
import sys

MAGIC = b"~Module signature appended~\n"


class Elf:
    def __init__(self, data):
        self.d = bytearray(data)
        d = self.d
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            die("not an ELF64 little-endian file")
        (self.shoff,) = struct.unpack_from("<Q", d, 0x28)
        self.shentsize, self.shnum, self.shstrndx = struct.unpack_from("<HHH", d, 0x3a)
        self.sh = []
        for i in range(self.shnum):
            o = self.shoff + i * self.shentsize
            name, typ, flags, addr, off, size, link, info, align, entsize = \
                struct.unpack_from("<IIQQQQIIQQ", d, o)
            self.sh.append(dict(idx=i, name_off=name, type=typ, off=off, size=size,
                                link=link, info=info, entsize=entsize))
        strtab = self.sh[self.shstrndx]
        for s in self.sh:
            s["name"] = self.cstr(strtab["off"] + s["name_off"])

    def cstr(self, off):
        end = self.d.index(b"\0", off)
        return self.d[off:end].decode("latin-1")

    def section(self, name):
        found = [s for s in self.sh if s["name"] == name]
        if len(found) != 1:
            die("%d sections named %s" % (len(found), name))
        return found[0]

    # .modinfo ---------------------------------------------------------------
    def modinfo_entries(self):
        s = self.section(".modinfo")
        out, i, end = [], s["off"], s["off"] + s["size"]
        while i < end:
            if self.d[i] == 0:
                i += 1
                continue
            j = self.d.index(b"\0", i)
            if j >= end:
                die(".modinfo entry not NUL-terminated")
            out.append((i, j, self.d[i:j].decode("latin-1")))
            i = j + 1
        return out

    def modinfo_one(self, key):
        hits = [e for e in self.modinfo_entries() if e[2].split("=", 1)[0] == key]
        if len(hits) != 1:
            die("%d .modinfo entries with key %s" % (len(hits), key))
        return hits[0]

    def modinfo_put(self, start, end, text):
        b = text.encode("latin-1")
        if len(b) > end - start:
            die("new .modinfo entry %r longer than the old one (%d > %d)" % (text, len(b), end - start))
        self.d[start:end] = b + b"\0" * (end - start - len(b))

    def modinfo_set(self, arg):
        key, val = arg.split("=", 1)
        s, e, _ = self.modinfo_one(key)
        self.modinfo_put(s, e, key + "=" + val)

    def modinfo_sub(self, arg):
        key, rest = arg.split(":", 1)
        old, new = rest.split("=", 1)
        s, e, text = self.modinfo_one(key)
        val = text.split("=", 1)[1]
        if val.count(old) != 1:
            die("%r occurs %d times in %s=%r" % (old, val.count(old), key, val))
        self.modinfo_put(s, e, key + "=" + val.replace(old, new))

    def rename_modinfo_key(self, arg):
        old, new = arg.split("=", 1)
        if len(old) != len(new):
            die("--rename-modinfo-key needs names of equal length")
        s, e, text = self.modinfo_one(old)
        self.modinfo_put(s, e, new + text[len(old):])

    # __versions ---------------------------------------------------------------
    def version_entry(self, sym):
        s = self.section("__versions")
        hits = []
        for o in range(s["off"], s["off"] + s["size"], 64):
            if self.cstr(o + 8) == sym:
                hits.append(o)
        if len(hits) != 1:
            die("%d __versions entries for %s" % (len(hits), sym))
        return hits[0]

    def set_crc(self, arg):
        sym, crc = arg.split("=", 1)
        struct.pack_into("<Q", self.d, self.version_entry(sym), int(crc, 0))

    def rename_version(self, arg):
        sym, new = arg.split("=", 1)
        if len(new) > 55:
            die("name too long")
        o = self.version_entry(sym) + 8
        self.d[o:o + 56] = new.encode() + b"\0" * (56 - len(new))

    # sections -----------------------------------------------------------------
    def rename_section(self, arg, tails=False):
        old, new = arg.split("=", 1)
        if len(old) != len(new):
            die("--rename-section needs names of equal length")
        s = self.section(old)
        strtab = self.sh[self.shstrndx]
        a = strtab["off"] + s["name_off"]
        for t in self.sh:  # no other section name may share these bytes
            if t is not s and s["name_off"] <= t["name_off"] + len(t["name"]) and \
                    t["name_off"] <= s["name_off"] + len(old):
                # --rename-section-tails: a name that is the tail of OLD
                # (.return_sites inside .rela.return_sites) is renamed with it
                tail = t["name_off"] - s["name_off"]
                if tails and 0 < tail and old[tail:] == t["name"] and new[tail:] != "":
                    continue
                die("section name %s shares its string with %s" % (old, t["name"]))
        self.d[a:a + len(old)] = new.encode()

    def rename_section_tails(self, arg):
        self.rename_section(arg, tails=True)

    # .symtab order -------------------------------------------------------------
    def order(self, arg):
        a, b = arg.split(",")
        st = self.section(".symtab")
        strs = self.sh[st["link"]]
        n = st["size"] // 24

        def index(name):
            hits = [i for i in range(1, n)
                    if self.cstr(strs["off"] + struct.unpack_from("<I", self.d, st["off"] + 24 * i)[0]) == name]
            if len(hits) != 1:
                die("%d .symtab entries named %s" % (len(hits), name))
            return hits[0]
        ia, ib = index(a), index(b)
        if ia < ib:
            return
        oa, ob = st["off"] + 24 * ia, st["off"] + 24 * ib
        ea, eb = bytes(self.d[oa:oa + 24]), bytes(self.d[ob:ob + 24])
        self.d[oa:oa + 24], self.d[ob:ob + 24] = eb, ea
        for r in self.sh:
            if r["type"] == 4 and r["link"] == st["idx"]:  # SHT_RELA
                for o in range(r["off"], r["off"] + r["size"], 24):
                    (info,) = struct.unpack_from("<Q", self.d, o + 8)
                    sym = info >> 32
                    if sym in (ia, ib):
                        sym = ib if sym == ia else ia
                        struct.pack_into("<Q", self.d, o + 8, (sym << 32) | (info & 0xffffffff))
            elif r["type"] == 9 and r["link"] == st["idx"]:  # SHT_REL: not in x86-64 modules
                die("SHT_REL section %s not supported" % r["name"])

    def append_signature(self, kind):
        if self.d.endswith(MAGIC):
            die("module already has a signature trailer")
        junk = bytes(range(0x30, 0x70))  # 64 bytes that are no DER structure
        if kind == "pkcs7":
            tail = junk + struct.pack(">BBBBB3xI", 0, 0, 2, 0, 0, len(junk))
        elif kind == "pgp":
            tail = junk + struct.pack(">BBBBB3xI", 0, 0, 0, 0, 0, len(junk))
        elif kind == "badlen":
            tail = junk + struct.pack(">BBBBB3xI", 0, 0, 2, 0, 0, 0x7fffffff)
        else:
            die("unknown signature kind %s" % kind)
        self.d += tail + MAGIC


    def sig_trailer(self):
        if not self.d.endswith(MAGIC):
            die("module has no signature trailer")
        info = len(self.d) - len(MAGIC) - 12
        (siglen,) = struct.unpack_from(">I", self.d, info + 8)
        if self.d[info + 2] != 2 or siglen > info:
            die("signature trailer is not a plausible PKCS#7 one")
        return info, siglen

    def strip_signature(self, _):
        info, siglen = self.sig_trailer()
        del self.d[info - siglen:]

    def corrupt_signature(self, _):
        info, siglen = self.sig_trailer()
        self.d[info - 1] ^= 0xff

    def corrupt_content(self, name):
        s = self.section(name)
        if s["size"] == 0:
            die("section %s is empty" % name)
        self.d[s["off"]] ^= 0xff

    def sign(self, key, attrs=False):
        if self.d.endswith(MAGIC):
            die("module already has a signature trailer")
        pem = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keys", key + ".pem")
        cmd = ["openssl", "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
               "-signer", pem, "-inkey", pem, "-nocerts", "-nosmimecap"]
        if not attrs:
            cmd.append("-noattr")
        p = subprocess.run(cmd, input=bytes(self.d), capture_output=True)
        if p.returncode != 0 or not p.stdout:
            die("openssl cms -sign failed: %s" % p.stderr.decode(errors="replace").strip())
        sig = p.stdout
        if attrs:
            # openssl puts the time of signing among the signed attributes:
            # pin it, and the RSA value (the last element) that depends on it,
            # so that the module (and its cached boot) is the same on every
            # build.  The kernel never checks either: it refuses signed
            # attributes in a module signature first.
            oid = bytes.fromhex("06092a864886f70d010905") + bytes.fromhex("310f170d")
            at = sig.find(oid)
            if at < 0 or sig[-260:-256] != bytes.fromhex("04820100"):
                die("unexpected signature layout (signingTime, 2048-bit RSA value)")
            at += len(oid)
            sig = sig[:at] + b"260101000000Z" + sig[at + 13:-256] + bytes(range(256))
        self.d += sig + struct.pack(">BBBBB3xI", 0, 0, 2, 0, 0, len(sig)) + MAGIC

    def sign_attrs(self, key):
        self.sign(key, attrs=True)

    # the ELF structure -------------------------------------------------------
    def set_header(self, arg):
        field, value = arg.split("=", 1)
        at = {"e_ident1": (1, "<B"), "e_machine": (18, "<H")}.get(field)
        if not at:
            die("--set-header: unknown field %s" % field)
        struct.pack_into(at[1], self.d, at[0], int(value, 0))

    def set_section(self, arg):
        target, value = arg.split("=", 1)
        name, field = target.rsplit(":", 1)
        s = self.section(name)
        at = {"name": (0, "<I"), "type": (4, "<I"), "flags": (8, "<Q"), "offset": (24, "<Q"),
              "size": (32, "<Q")}.get(field)
        if not at:
            die("--set-section: unknown field %s" % field)
        v = self.sh[self.shstrndx]["size"] if value == "end" else int(value, 0)
        struct.pack_into(at[1], self.d, self.shoff + s["idx"] * self.shentsize + at[0], v)

    def set_strtab_byte(self, arg):
        index, value = arg.split("=", 1)
        s = self.section(".strtab")
        i = int(index, 0)
        self.d[s["off"] + (i if i >= 0 else s["size"] + i)] = int(value, 0)

    def truncate(self, fraction):
        del self.d[int(len(self.d) * float(fraction)):]


def die(msg):
    sys.stderr.write("edit-ko: %s: %s\n" % (CUR, msg))
    sys.exit(1)


CUR = "?"


def main(argv):
    global CUR
    if len(argv) < 3 or len(argv) % 2 != 1:
        sys.stderr.write(__doc__)
        return 2
    CUR = argv[1]
    with open(argv[1], "rb") as f:
        e = Elf(f.read())
    ops = {"--modinfo-set": e.modinfo_set, "--modinfo-sub": e.modinfo_sub,
           "--rename-modinfo-key": e.rename_modinfo_key, "--crc": e.set_crc,
           "--rename-version": e.rename_version, "--rename-section": e.rename_section,
           "--rename-section-tails": e.rename_section_tails,
           "--order": e.order, "--append-signature": e.append_signature,
           "--strip-signature": e.strip_signature, "--corrupt-signature": e.corrupt_signature,
           "--corrupt-content": e.corrupt_content, "--sign": e.sign,
           "--sign-attrs": e.sign_attrs, "--set-header": e.set_header,
           "--set-section": e.set_section, "--set-strtab-byte": e.set_strtab_byte,
           "--truncate": e.truncate}
    for op, arg in zip(argv[3::2], argv[4::2]):
        if op not in ops:
            die("unknown edit %s" % op)
        ops[op](arg)
    with open(argv[2], "wb") as f:
        f.write(e.d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
