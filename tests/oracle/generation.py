#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The oracle on one pinned generation (tests/kernels.conf) and architecture:
Debian's own modules of that kernel, edited the ways a user's module goes
wrong, all loaded with finit_module() in ONE boot of Debian's kernel under
qemu (qemu-system-x86_64, or qemu-system-aarch64 -M virt; TCG without
/dev/kvm), then each compared with `kexport check`.

    generation.py --cache CACHE --arch amd64|arm64 --abi ABI --out OUT --kexport KEXPORT
        [--busybox PATH] (arm64: a static aarch64 busybox)

No compiler is needed: the modules are Debian's (each case a different one,
so that one boot holds every case), edited with edit-ko.py.  The cases cover
what differs between generations: the signature algorithm (RSA up to 6.1,
ECDSA from 6.12), modversions (none in 7.x), __kflagstab (7.x), and the
wording of every message they trigger.  Each step is compared as the kernel
ran it: the modules loaded before it (not those refused) are --loaded.

Prints "ok NAME" or "FAIL NAME: FIELD: kernel=... kexport=..." per case,
then "N cases, M agree"; exit 0 when all agree, 1 otherwise.
"""
import argparse
import hashlib
import importlib.util
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("oracle_boot", os.path.join(HERE, "boot.py"))
boot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boot)


def die(msg):
    print("oracle/generation: FAILED: %s" % msg, file=sys.stderr)
    sys.exit(1)


def dependency_order(tree, name, seen=None):
    """NAME and what it needs (modinfo's depends=, recursively), needs first."""
    seen = [] if seen is None else seen
    dep = subprocess.run(["modinfo", "-F", "depends", find_module(tree, name)],
                         capture_output=True, text=True, check=True).stdout.strip()
    for d in filter(None, dep.split(",")):
        if d not in seen and d.replace("_", "-") not in seen:
            dependency_order(tree, d, seen)
    if name not in seen:
        seen.append(name)
    return seen


def cases(tree, modversions, kflagstab, x86, foreign=None):
    """(name, description, module, edits): each case its own module, but
    "already_loaded", a second copy of the first one.  First usb-storage and
    what it needs, as shipped and in dependency order (each step compared
    too), for its sub-drivers, which use its namespace."""
    strip = ["--strip-signature", "-"]
    c = [("chain_" + m.replace("-", "_"), "usb-storage or what it needs, as shipped", m, [])
         for m in dependency_order(tree, "usb-storage")]
    c += [
        ("ns_not_imported", "unsigned, import_ns=USB_STORAGE key renamed", "ums-alauda",
         strip + ["--rename-modinfo-key", "import_ns=xmport_ns"]),
        ("ns_license_mit", "unsigned usb-storage sub-driver, license=MIT: GPL-only imports",
         "ums-cypress", strip + ["--modinfo-set", "license=MIT"]),
        ("license_lower", "unsigned, license=gpl (not one of the six strings)",
         "notifier-error-inject",
         strip + ["--modinfo-set", "license=gpl"]),
        ("sig_own_key", "signed with a key of our own (tests/oracle/keys/own.pem)", "ts_bm",
         strip + ["--sign", "own"]),
        ("sig_own_key_attrs", "signed with our key and signed attributes", "libchacha",
         strip + ["--sign-attrs", "own"]),
        ("sig_pgp", "a signature trailer of id_type 0 (PGP)", "libpoly1305",
         strip + ["--append-signature", "pgp"]),
        ("sig_badlen", "a signature trailer longer than the file", "lz4hc_compress",
         strip + ["--append-signature", "badlen"]),
    ]
    c += [
        ("signed", "Debian's signed module as shipped", "crc-itu-t", []),
        ("content_corrupt", "one byte of .text changed under the signature", "crc16",
         ["--corrupt-content", ".text"]),
        ("sig_corrupt", "the signature's last byte changed", "crc8|crc7",
         ["--corrupt-signature", "-"]),
        ("unsigned", "signature removed", "libarc4", strip),
        ("license_mit", "unsigned, license=MIT (not GPL-compatible)", "cordic",
         strip + ["--modinfo-set", "license=MIT"]),
        ("out_of_tree", "unsigned, intree= key renamed", "ts_fsm",
         strip + ["--rename-modinfo-key", "intree=xntree"]),
        ("vermagic", "unsigned, vermagic SMP -> XMP", "libdes",
         strip + ["--modinfo-sub", "vermagic:SMP=XMP"]),
    ]
    if modversions:
        # Debian's patch (kept in 13): an import missing from __versions is
        # refused, where mainline warns once and goes on.
        c.append(("crc_missing", "unsigned, an import's __versions entry renamed away",
                  "libcrc32c|gf128mul|crc64",
                  strip + ["--rename-version", "{import}={ximport}"]))
        c.append(("crc_bad", "unsigned, the CRC of textsearch_register changed", "ts_kmp",
                  strip + ["--crc", "textsearch_register=0x12345678"]))
    else:
        c.append(("no_modversions", "unsigned, a kernel without modversions", "ts_kmp", strip))
    if kflagstab and x86:
        c.append(("no_kflagstab", "unsigned, exports but __kflagstab renamed away", "lru_cache",
                  strip + ["--rename-section", "__kflagstab=__xflagstab"]))
        # .return_sites (x86 rethunk sites, named by the tail of its
        # relocations' .rela.return_sites) has a name of the right length.
        c.append(("obsolete_ksymtab_gpl", "unsigned, a section named __ksymtab_gpl", "bch",
                  strip + ["--rename-section-tails", ".rela.return_sites=.rela__ksymtab_gpl"]))
        c.append(("obsolete_kcrctab_gpl", "unsigned, a section named __kcrctab_gpl",
                  "reed_solomon", strip + ["--rename-section-tails", ".rela.return_sites=.rela__kcrctab_gpl"]))
    elif kflagstab:
        c.append(("no_kflagstab", "unsigned, exports but __kflagstab renamed away", "lru_cache",
                  strip + ["--rename-section", "__kflagstab=__xflagstab"]))
    else:
        c.append(("exports", "unsigned, a module with exports", "lru_cache", strip))
    # The loader's ELF validation: 6.12 counts sections by name.
    c.append(("two_modinfo", "unsigned, .comment renamed .modinfo: two sections of that name",
              "libdes|ts_fsm", strip + ["--rename-section", ".comment=.modinfo"]))
    c.append(("no_this_module", "unsigned, .gnu.linkonce.this_module renamed away",
              "reed_solomon|cordic", strip + ["--rename-section",
                                              ".gnu.linkonce.this_module=.gnu.linkonce.xhis_module"]))
    c.append(("already_loaded", "crc-itu-t again, unsigned, after the signed one loaded",
              "crc-itu-t", strip))
    # The loader's ELF validation (lib/read/elfcheck.c): silent in 5.10, worded
    # from 6.1, reordered and extended in 6.12 (elf_validity_cache_copy()).
    # Where an older kernel accepts the edit, the module loads there: these
    # need no other module (kexport, like modprobe, takes a module's
    # dependencies as loadable; the loader of a bare finit_module() does not).
    c += [
        ("elf_machine", "unsigned, e_machine of the other architecture", "test_bpf",
         strip + ["--set-header", "e_machine=%d" % (183 if x86 else 62)]),
        ("elf_section_past_end", "unsigned, .text's offset past the end of the file", "raid6_pq",
         strip + ["--set-section", ".text:offset=0x10000000"]),
        ("elf_shstrtab_type", "unsigned, .shstrtab of type PROGBITS", "test_static_key_base",
         strip + ["--set-section", ".shstrtab:type=1"]),
        ("elf_name_past_table", "unsigned, .comment's name just past .shstrtab", "test_firmware",
         strip + ["--set-section", ".comment:name=end"]),
        ("elf_this_module_noalloc", "unsigned, .gnu.linkonce.this_module without SHF_ALLOC",
         "memory-notifier-error-inject", strip + ["--set-section", ".gnu.linkonce.this_module:flags=0"]),
        # raid6_pq again (refused above everywhere), whose loads need nothing
        ("elf_strtab_lead", "unsigned, .strtab not starting with NUL", "raid6_pq",
         strip + ["--set-strtab-byte", "0=0x78"]),
        # kexport cannot read these two: bad input, whose one line says
        # what each generation's loader prints (compared as such).
        ("elf_truncated", "unsigned, the second half of the file cut off", "libcurve25519",
         strip + ["--truncate", "0.5"]),
        ("elf_magic", "unsigned, the magic's E changed", "libchacha20poly1305",
         strip + ["--set-header", "e_ident1=0x58"]),
    ]
    if foreign:
        # A module built for the neighbouring generation: from 6.12 its
        # .gnu.linkonce.this_module may not be this kernel's struct module
        # size (read from the headers' BTF); before, module_layout's CRC.
        c.append(("foreign_build", "unsigned, pm-notifier-error-inject of %s" % os.path.basename(foreign),
                  os.path.join(foreign, "pm-notifier-error-inject"), strip))
    return c


def claimed_lines(error, abi):
    """What kexport's bad-input line says the loader of ABI's generation
    prints (module.c, say_loader_verdict()): a list of lines, or None when
    the line makes no claim."""
    ver = tuple(int(x) for x in abi.split(".")[:2])
    m = re.search(r'the loader refuses it \(-ENOEXEC\): "([^"]*)" \(7\.x; 6\.12 and older do not check it\)$',
                  error)
    if m:
        return [m.group(1)] if ver >= (7, 0) else []
    m = re.search(r'the loader refuses it \(-ENOEXEC\): "([^"]*)" \((5\.10|6\.1|6\.12) and later'
                  r'(?:; 6\.1: "([^"]*)")?(?:; 5\.10(?: (prints nothing)|: ((?:"[^"]*" ?)+)))?\)$', error)
    if not m:
        return None
    new, since, v61, silent510, l510 = m.groups()
    if since in ("5.10", "6.1"):
        v61 = new
    if ver >= (6, 12):
        return [new]
    if ver >= (6, 1):
        return [v61] if v61 is not None else []
    if since == "5.10":
        return [new]
    if silent510:
        return []
    return re.findall(r'"([^"]*)"', l510 or "")


def dkms_cases(tree, pkgdir, notes, have):
    """The modules of one DKMS package as dkms-build.sh left them in
    PKGDIR (PKG_VERSION), as built and signed by dkms: first the in-tree
    modules they need that no case loads yet, then theirs in load order.
    A package that does not build for this kernel adds a note, no case."""
    pkg = os.path.basename(pkgdir)
    status = open(os.path.join(pkgdir, "status")).read().strip()
    if status != "built":
        notes.append("%s %s" % (pkg, status))
        return []
    order = open(os.path.join(pkgdir, "order")).read().split()
    ours = {m.replace("-", "_") for m in order}
    c = []
    for m in order:
        path = os.path.join(pkgdir, m + ".ko")
        dep = subprocess.run(["modinfo", "-F", "depends", path], capture_output=True, text=True,
                             check=True).stdout.strip()
        for d in filter(None, dep.split(",")):
            if d.replace("-", "_") in ours:
                continue
            for x in dependency_order(tree, d):
                if x not in have:
                    have.add(x)
                    c.append(("chain_" + x.replace("-", "_"), "in-tree, needed by %s" % pkg, x, []))
        with open(path, "rb") as f:
            signed = f.read().endswith(b"~Module signature appended~\n")
        c.append(("dkms_%s_%s" % (pkg.split("_")[0], m), "%s as dkms built it, %s" % (
            pkg, "signed with dkms's own key" if signed else "unsigned"), path, []))
    return c


# arm64: qemu's virt machine has one UART, so the results share the console
# with the kernel, which is kept quiet (loglevel=1: emergencies only); the
# loader's messages are read from the ring buffer with dmesg, as on amd64.
ARM64_CMDLINE = "console=ttyAMA0 panic=-1 loglevel=1"


def arm64_base(finit, busybox):
    if not busybox or not os.path.isfile(busybox):
        die("no static aarch64 busybox (--busybox; scripts/fetch-kernels.sh tool busybox-static arm64)")
    c = boot.Cpio()
    for d in ("bin", "dev", "proc", "sys", "mods"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.file("bin/busybox", open(busybox, "rb").read(), 0o755)
    init = open(os.path.join(HERE, "init.sh")).read().replace("out=/dev/ttyS1", "out=/dev/ttyAMA0")
    if "out=/dev/ttyAMA0" not in init:
        die("init.sh no longer sets out=/dev/ttyS1")
    c.file("init", init.encode(), 0o755)
    c.file("finit", open(finit, "rb").read(), 0o755)
    return c.finish()


def boot_arm64(kernel, initrd, timeout):
    return boot.boot(kernel, initrd, timeout, arch="arm64", cmdline=ARM64_CMDLINE)


def find_module(tree, name):
    """NAME's file in TREE; NAME may list alternatives, "crc8|crc7", for
    modules one architecture or generation does not build."""
    for alt in name.split("|"):
        want = alt.replace("-", "_")
        for d, _, files in os.walk(os.path.join(tree, "kernel")):
            for f in files:
                if ".ko" in f and f.split(".ko")[0].replace("-", "_") == want:
                    return os.path.join(d, f)
    die("%s: no module %s" % (tree, name))


def plain(path, dest):
    data = open(path, "rb").read()
    if path.endswith(".xz"):
        data = lzma.decompress(data)
    elif path.endswith(".zst"):
        data = subprocess.run(["zstd", "-qdc", path], check=True, capture_output=True).stdout
    with open(dest, "wb") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--abi", required=True)
    ap.add_argument("--arch", default="amd64", choices=["amd64", "arm64"])
    ap.add_argument("--busybox", help="a static busybox of the guest's architecture")
    ap.add_argument("--out", required=True)
    ap.add_argument("--kexport", required=True)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--foreign-abi", help="another pinned ABI: a module of its tree is a case")
    ap.add_argument("--dkms", action="append", default=[],
                    help="a PKG_VERSION directory of dkms-build.sh: its modules are cases too")
    a = ap.parse_args()
    x86 = a.arch == "amd64"
    qemu = "qemu-system-x86_64" if x86 else "qemu-system-aarch64"
    if not shutil.which(qemu):
        die("%s not found (apt-get install %s)" % (qemu, "qemu-system-x86" if x86 else "qemu-system-arm"))
    root = os.path.join(a.cache, a.arch, a.abi)
    k = a.abi + "-" + a.arch
    tree = os.path.join(root, "lib", "modules", k)
    if not os.path.isdir(tree):
        tree = os.path.join(root, "usr", "lib", "modules", k)
    image = os.path.join(root, "boot", "vmlinuz-" + k)
    if not os.path.isfile(image):
        image = os.path.join(tree, "vmlinuz")
    headers = os.path.join(root, "usr", "src", "linux-headers-" + k)
    for p in (tree, image, headers):
        if not os.path.exists(p):
            die("%s missing (run scripts/fetch-kernels.sh %s)" % (p, a.abi))
    config = open(os.path.join(headers, ".config")).read()
    modversions = "\nCONFIG_MODVERSIONS=y\n" in config
    kflagstab = int(a.abi.split(".")[0]) >= 7

    ko = os.path.join(a.out, "ko")
    os.makedirs(ko, exist_ok=True)
    finit = os.path.join(a.out, "finit")
    if not os.path.isfile(finit):
        cc = "gcc" if x86 else "aarch64-linux-gnu-gcc"
        if not shutil.which(cc):
            die("%s not found (apt-get install %s)" % (cc, "gcc" if x86 else
                                                        "gcc-aarch64-linux-gnu libc6-dev-arm64-cross"))
        subprocess.run([cc, "-static", "-O2", "-Wall", "-o", finit + ".tmp",
                        os.path.join(HERE, "finit.c")], check=True)
        os.replace(finit + ".tmp", finit)
    steps = []
    foreign = None
    if a.foreign_abi:
        froot = os.path.join(a.cache, a.arch, a.foreign_abi)
        fk = a.foreign_abi + "-" + a.arch
        foreign = next((t for t in (os.path.join(froot, "lib", "modules", fk),
                                    os.path.join(froot, "usr", "lib", "modules", fk))
                        if os.path.isdir(t)), None)
        if not foreign:
            die("%s: no modules tree (run scripts/fetch-kernels.sh %s)" % (froot, a.foreign_abi))
    planned = cases(tree, modversions, kflagstab, x86, foreign)
    notes = []
    for d in a.dkms:
        planned += dkms_cases(tree, d, notes, {m for _, _, m, _ in planned})
    for name, desc, mod, edits in planned:
        if os.path.isabs(mod) and os.path.isfile(mod):  # a dkms module, as built
            steps.append((name, desc, mod, boot.modinfo_name(mod)))
            continue
        # TREE/NAME: a module of another tree
        found = find_module(*os.path.split(mod)) if os.path.isabs(mod) else find_module(tree, mod)
        mod = os.path.basename(found).split(".ko")[0]
        src = os.path.join(ko, "%s-%s.orig.ko" % (name, mod))
        plain(found, src)
        dest = os.path.join(ko, "%s-%s.ko" % (name, mod))
        if any("{import}" in e for e in edits):
            # the module's first import with a CRC (kexport show only picks it)
            show = json.loads(subprocess.run([a.kexport, "show", "-j", src], capture_output=True,
                                             text=True, check=True).stdout)
            sym = next(i["name"] for i in show["modules"][0]["imports"] if i.get("crc"))
            edits = [e.replace("{import}", sym).replace("{ximport}", "x" + sym[1:]) for e in edits]
        if edits:
            r = subprocess.run([sys.executable, os.path.join(HERE, "edit-ko.py"), src, dest] + edits,
                               capture_output=True, text=True)
            if r.returncode != 0:
                die("%s: edit-ko.py %s: %s" % (name, " ".join(edits), r.stderr.strip()))
        else:
            shutil.copyfile(src, dest)
        try:
            with open(dest, "rb") as f:
                elf = f.read(4) == b"\x7fELF"
            mname = boot.modinfo_name(dest if elf else src)
        except (struct.error, ValueError, IndexError):
            mname = boot.modinfo_name(src)  # an edit the ELF does not survive
        steps.append((name, desc, dest, mname))

    # One boot, every case; its raw output is kept by content.
    if x86:
        base = boot.base_initramfs(finit)
        boot_fn = boot.boot
    else:
        base = arm64_base(finit, a.busybox)
        boot_fn = boot_arm64
    files = [(p, n, open(p, "rb").read()) for _, _, p, n in steps]
    key = boot.sha("\n".join([boot.sha(open(image, "rb").read()), boot.sha(base), boot.CMDLINE,
                              a.arch, ARM64_CMDLINE, "generation-v2"] + ["%s %s" % (boot.sha(d), n) for _, n, d in files]).encode())
    runs = os.path.join(a.out, "runs")
    os.makedirs(runs, exist_ok=True)
    rp = os.path.join(runs, key + ".txt")
    meta = [(p, n) for p, n, _ in files]
    res = boot.parse(open(rp).read(), meta) if os.path.exists(rp) else None
    if res is None:
        out, con, qout, dt = boot_fn(image, base + boot.scenario_initramfs(files), a.timeout)
        res = boot.parse(out, meta)
        with open(os.path.join(runs, key + ".console"), "w") as f:
            f.write(con)
        if res is None:
            die("no complete result from the guest after %.0fs (console: %s/%s.console; qemu: %s)"
                % (dt, runs, key, qout.strip()[-300:]))
        with open(rp + ".tmp", "w") as f:
            f.write(out)
        os.replace(rp + ".tmp", rp)
        print("oracle/generation: %s booted in %.0fs, %d steps" % (a.abi, dt, len(files)),
              file=sys.stderr)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)

    n = agree = 0
    loaded = []
    for (name, desc, path, mname), st in zip(steps, res["steps"]):
        # The kernel as this step found it: the modules loaded before (not
        # those refused) and its taint, which refused modules may have set
        # too (what a user reads from /proc/sys/kernel/tainted).
        cmd = [a.kexport, "check", "-j", "--kernel", headers, "--signing-keys", image,
               "--kernel-taint", str(st["tainted_before"])]
        for p in loaded:
            cmd += ["--loaded", p]
        cmd.append(path)
        p = subprocess.run(cmd, capture_output=True, text=True)
        n += 1
        try:
            out = json.loads(p.stdout)
            if not out["modules"] and out.get("errors") and p.returncode == 2:
                err = out["errors"][0]["error"]
                want = claimed_lines(err, a.abi)
                if st["ret"] == -8 and want == st["log"] and st["tainted"] == st["tainted_before"]:
                    agree += 1
                    print("ok %s %s: ret=-8, bad input to kexport, the loader's words as it says (%s)"
                          % (a.abi, name, desc))
                else:
                    print("FAIL %s %s (%s): bad input: kernel ret=%d log=%s; kexport: %s" % (
                        a.abi, name, desc, st["ret"], json.dumps(st["log"]), err))
                continue
            m = out["modules"][0]
        except (ValueError, KeyError, IndexError, TypeError) as e:
            die("%s: cannot read kexport's JSON (%s, exit %d): %s %s" % (
                name, e, p.returncode, p.stdout[:300], p.stderr[:300]))
        diffs = []
        # A module that loaded ran its init, whose lines follow the loader's:
        # the loader's are the kernel log's first lines, the rest are the
        # module's own (kexport predicts the loader, not the driver).
        klog, init_lines = st["log"], 0
        if st["ret"] == 0 and len(klog) > len(m.get("log") or []):
            init_lines = len(klog) - len(m.get("log") or [])
            klog = klog[:len(klog) - init_lines]
        for field, kv, xv in (("ret", st["ret"], m.get("errno")), ("log", klog, m.get("log")),
                              ("tainted", st["tainted"], m.get("kernel_taint"))):
            if kv != xv:
                diffs.append("%s: kernel=%s kexport=%s" % (field, json.dumps(kv), json.dumps(xv)))
        if st["ret"] == 0 and st["module_taint"] != m.get("module_taint"):
            diffs.append("module_taint: kernel=%s kexport=%s" % (
                json.dumps(st["module_taint"]), json.dumps(m.get("module_taint"))))
        if diffs:
            for d in diffs:
                print("FAIL %s %s (%s): %s" % (a.abi, name, desc, d))
        else:
            agree += 1
            print("ok %s %s: ret=%d taint=%s (%s)%s" % (
                a.abi, name, st["ret"], st["tainted"], desc,
                "; init printed %d more lines, not the loader's" % init_lines if init_lines else ""))
        if st["ret"] == 0:
            loaded.append(path)
    for note in notes:
        print("note %s: %s" % (a.abi, note))
    print("%s: %d cases, %d agree" % (a.abi, n, agree))
    return 0 if agree == n else 1


if __name__ == "__main__":
    sys.exit(main())
