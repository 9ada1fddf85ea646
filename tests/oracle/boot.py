#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Boot Debian's kernel under qemu once per scenario (tests/oracle/cases.py),
load the scenario's modules with finit_module() and write OUT/results.json.

    boot.py --cache CACHE --out OUT [--jobs 2] [--timeout 240] [--only NAME...]

CACHE is what scripts/fetch-kernels.sh printed; OUT holds ko/ and finit from
build.sh.  Each boot's raw result is kept in OUT/runs/<key>.txt, key = a hash
of the kernel image, the initramfs base (busybox, /init, finit), the qemu
command line and the scenario (module bytes, names, order), so a re-run only
boots what changed.
"""
import argparse
import concurrent.futures
import gzip
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CMDLINE = "console=ttyS0 panic=-1 loglevel=8"


def die(msg):
    sys.stderr.write("oracle/boot: %s\n" % msg)
    sys.exit(1)


def conf():
    vals = {}
    for line in open(os.path.join(HERE, "..", "kernels.conf")):
        m = re.match(r"^(KEXPORT_ABI\w*)=([^\s$]+)\s*$", line)
        if m:
            vals[m.group(1)] = m.group(2)
    return vals


def load_cases():
    spec = importlib.util.spec_from_file_location("oracle_cases", os.path.join(HERE, "cases.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m.S


def modinfo_name(path):
    """name= from .modinfo (the module name the loader uses)."""
    import struct
    d = open(path, "rb").read()
    if d[:4] != b"\x7fELF":
        die("%s: not an uncompressed ELF module" % path)
    shoff, = struct.unpack_from("<Q", d, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
    secs = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize) for i in range(shnum)]
    stroff = secs[shstrndx][4]
    for s in secs:
        nm = d[stroff + s[0]:d.index(b"\0", stroff + s[0])]
        if nm == b".modinfo":
            for e in d[s[4]:s[4] + s[5]].split(b"\0"):
                if e.startswith(b"name="):
                    return e[5:].decode()
    die("%s: no name= in .modinfo" % path)


# --- newc cpio ----------------------------------------------------------------
class Cpio:
    def __init__(self):
        self.b = bytearray()
        self.ino = 1000

    def _hdr(self, name, mode, data=b"", rmaj=0, rmin=0):
        self.ino += 1
        n = name.encode() + b"\0"
        h = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmaj, rmin, len(n), 0))
        self.b += h.encode() + n
        self.b += b"\0" * (-len(self.b) % 4)
        self.b += data
        self.b += b"\0" * (-len(self.b) % 4)

    def dir(self, name):
        self._hdr(name, 0o040755)

    def file(self, name, data, mode=0o644):
        self._hdr(name, 0o100000 | mode, data)

    def chardev(self, name, major, minor):
        self._hdr(name, 0o020600, rmaj=major, rmin=minor)

    def finish(self):
        self._hdr("TRAILER!!!", 0)
        return gzip.compress(bytes(self.b), compresslevel=6, mtime=0)


def is_static(path):
    """An ELF executable with no PT_INTERP program header."""
    import struct
    d = open(path, "rb").read()
    if d[:4] != b"\x7fELF" or d[4] != 2:
        return False
    phoff, = struct.unpack_from("<Q", d, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", d, 0x36)
    return all(struct.unpack_from("<I", d, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def base_initramfs(finit):
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox):
        die("busybox not found (apt-get install busybox-static)")
    if not is_static(busybox):
        die("%s is not statically linked (apt-get install busybox-static)" % busybox)
    if not is_static(finit):
        die("%s is not statically linked" % finit)
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "mods"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.file("bin/busybox", open(busybox, "rb").read(), 0o755)
    c.file("init", open(os.path.join(HERE, "init.sh"), "rb").read(), 0o755)
    c.file("finit", open(finit, "rb").read(), 0o755)
    return c.finish()


def scenario_initramfs(steps):
    c = Cpio()
    lines = []
    for i, (path, name, data) in enumerate(steps):
        p = "mods/%d-%s" % (i + 1, os.path.basename(path))
        c.file(p, data)
        lines.append("/%s %s\n" % (p, name))
    c.file("steps", "".join(lines).encode())
    return c.finish()


def sha(b):
    return hashlib.sha256(b).hexdigest()


LOGRE = re.compile(r"^<(\d+)>\[\s*\d+\.\d+\] ?(.*)$")


def parse(text, steps_meta):
    if "@@ORACLE-END" not in text:
        return None
    res = {"boot_tainted": None, "boot_log": [], "steps": []}
    cur = None
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.startswith("@@BOOT-TAINTED "):
            res["boot_tainted"] = int(line.split()[1])
        elif line.startswith("@@KERNEL "):
            res["kernel"] = line[len("@@KERNEL "):]
        elif line.startswith("@@BOOT-LOG "):
            m = LOGRE.match(line[len("@@BOOT-LOG "):])
            res["boot_log"].append(m.group(2) if m else line[len("@@BOOT-LOG "):])
        elif line.startswith("@@STEP "):
            _, i, path, name = line.split(" ", 3)
            cur = {"name": name, "log": [], "log_levels": [], "module_taint": None}
        elif line.startswith("@@TAINTED-BEFORE "):
            cur["tainted_before"] = int(line.split()[1])
        elif line.startswith("@@RET "):
            cur["ret"] = int(line.split("=", 1)[1])
        elif line.startswith("@@LOG "):
            body = line[len("@@LOG "):]
            m = LOGRE.match(body)
            cur["log"].append(m.group(2) if m else body)
            cur["log_levels"].append(int(m.group(1)) if m else None)
        elif line.startswith("@@TAINTED "):
            cur["tainted"] = int(line.split()[1])
        elif line.startswith("@@MODTAINT "):
            cur["module_taint"] = line[len("@@MODTAINT "):].strip()[1:-1]
        elif line.startswith("@@MODSTATE "):
            cur["module_state"] = line[len("@@MODSTATE "):].strip()
        elif line.startswith("@@END-STEP"):
            res["steps"].append(cur)
            cur = None
    if len(res["steps"]) != len(steps_meta):
        return None
    for st, (path, name) in zip(res["steps"], steps_meta):
        st["module"] = path
        if st["ret"] != 0:
            st["module_taint"] = None  # only meaningful for a module this step loaded
            st.pop("module_state", None)
        # the loader's facility/level are in log_levels (printk: 3 err, 4 warn, 5 notice, 6 info)
        st_ordered = {k: st[k] for k in ("module", "name", "ret", "log", "log_levels",
                                         "tainted_before", "tainted", "module_taint") if k in st}
        st.clear()
        st.update(st_ordered)
    return res


def boot(kernel, initrd, timeout, arch="amd64", cmdline=CMDLINE):
    """One boot: (result port, console, qemu's output, seconds).  arm64:
    qemu's virt machine has one UART, so the results share the console."""
    with tempfile.TemporaryDirectory(prefix="kexport-oracle-") as t:
        ird = os.path.join(t, "initrd")
        with open(ird, "wb") as f:
            f.write(initrd)
        con, outp = os.path.join(t, "console"), os.path.join(t, "result")
        if arch == "arm64":
            outp = con
            cmd = ["qemu-system-aarch64", "-M", "virt", "-cpu", "max", "-accel", "tcg", "-m", "1024M"]
        else:
            cmd = ["qemu-system-x86_64", "-accel", "tcg", "-m", "512M"]
        cmd += ["-smp", "1", "-nographic", "-monitor", "none", "-no-reboot", "-nic", "none",
                "-kernel", kernel, "-initrd", ird, "-append", cmdline, "-serial", "file:" + con]
        if arch != "arm64":
            cmd += ["-serial", "file:" + outp]
        t0 = time.time()
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout)
            qemu_out = p.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            qemu_out = "timeout after %ds" % timeout
        dt = time.time() - t0
        read = lambda p: open(p, errors="replace").read() if os.path.exists(p) else ""
        return read(outp), read(con), qemu_out, dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=240)
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    if not shutil.which("qemu-system-x86_64"):
        die("qemu-system-x86_64 not found (apt-get install qemu-system-x86)")
    c = conf()
    # The kernel under test: KEXPORT_ORACLE_ABI (run.sh, per generation), else
    # KEXPORT_ABI; its image in boot/ or, from 7.x, beside its modules.
    abi = os.environ.get("KEXPORT_ORACLE_ABI") or c["KEXPORT_ABI"]
    c["KEXPORT_ABI"] = abi
    features = set(os.environ.get("KEXPORT_ORACLE_FEATURES", "modversions old_abi").split())
    kernel = os.path.join(a.cache, "amd64", abi, "boot", "vmlinuz-%s-amd64" % abi)
    if not os.path.isfile(kernel):
        kernel = os.path.join(a.cache, "amd64", abi, "usr", "lib", "modules", abi + "-amd64",
                              "vmlinuz")
    if not os.path.isfile(kernel):
        die("%s missing (run scripts/fetch-kernels.sh %s)" % (kernel, abi))
    # Modules gen.py did not build for this kernel (no modversions, no older
    # ABI): the scenarios using them are not this kernel's.
    skipped = set()
    sp = os.path.join(a.out, "skipped")
    if os.path.exists(sp):
        skipped = {l.split("\t")[0] for l in open(sp) if l.strip()}
    finit = os.path.join(a.out, "finit")
    if not os.path.isfile(finit):
        die("%s missing (run tests/oracle/build.sh)" % finit)
    base = base_initramfs(finit)
    kkey = sha(open(kernel, "rb").read())
    runs = os.path.join(a.out, "runs")
    os.makedirs(runs, exist_ok=True)

    todo = []
    n_skipped = 0
    for name, desc, steps in load_cases():
        if a.only and name not in a.only:
            continue
        if any(s in skipped or (s.startswith("debian:KEXPORT_ABI_OLD:") and
                                "old_abi" not in features) for s in steps):
            n_skipped += 1
            continue
        meta, files = [], []
        for s in steps:
            if s.startswith("debian:"):
                _, var, rel = s.split(":", 2)
                sabi = c[var]
                path = None
                for d in ("lib", os.path.join("usr", "lib")):
                    for ext in ("", ".xz"):
                        p = os.path.join(a.cache, "amd64", sabi, d, "modules", sabi + "-amd64", rel + ext)
                        if path is None and os.path.isfile(p):
                            path = p
                for d in ("lib", os.path.join("usr", "lib")):  # moved (7.x: lib/crc/)
                    top = os.path.join(a.cache, "amd64", sabi, d, "modules", sabi + "-amd64", "kernel")
                    for dp, _, fs in os.walk(top):
                        for f in fs:
                            if path is None and f in (os.path.basename(rel), os.path.basename(rel) + ".xz"):
                                path = os.path.join(dp, f)
                if path is None:
                    die("%s: %s of %s missing" % (name, rel, sabi))
                if path.endswith(".xz"):  # finit_module() of the plain module
                    import lzma
                    plain = os.path.join(a.out, "ko", "debian-" + sha(path.encode())[:12] + ".ko")
                    if not os.path.exists(plain):
                        with open(plain + ".tmp", "wb") as f:
                            f.write(lzma.decompress(open(path, "rb").read()))
                        os.replace(plain + ".tmp", plain)
                    path = plain
            else:
                path = os.path.join(a.out, "ko", s + ".ko")
            if not os.path.isfile(path):
                die("%s: %s missing" % (name, path))
            path = os.path.abspath(path)
            data = open(path, "rb").read()
            mname = modinfo_name(path)
            meta.append((path, mname))
            files.append((path, mname, data))
        key = sha("\n".join([kkey, sha(base), CMDLINE, "qemu-v1"] +
                            ["%s %s" % (sha(d), n) for _, n, d in files]).encode())
        todo.append((name, desc, meta, files, key))

    def run_one(item):
        name, desc, meta, files, key = item
        rp = os.path.join(runs, key + ".txt")
        if os.path.exists(rp):
            r = parse(open(rp).read(), meta)
            if r:
                return name, r, 0.0, True
        initrd = base + scenario_initramfs(files)
        for attempt in (1, 2):
            out, con, qout, dt = boot(kernel, initrd, a.timeout)
            r = parse(out, meta)
            if r:
                with open(rp + ".tmp", "w") as f:
                    f.write(out)
                os.replace(rp + ".tmp", rp)
                with open(os.path.join(runs, key + ".console"), "w") as f:
                    f.write(con)
                return name, r, dt, False
            with open(os.path.join(runs, "%s.failed-%d.console" % (name, attempt)), "w") as f:
                f.write(con + "\n--- result port ---\n" + out + "\n--- qemu ---\n" + qout)
        return name, None, dt, False

    results = {}
    t0 = time.time()
    booted = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        for name, r, dt, cached in ex.map(run_one, todo):
            if r is None:
                die("%s: no complete result from the guest (see %s/%s.failed-*.console)" % (name, runs, name))
            if not cached:
                booted += 1
                sys.stderr.write("oracle/boot: %-32s %5.1fs  %s\n" % (
                    name, dt, " ".join("ret=%d" % s["ret"] for s in r["steps"])))
            results[name] = r
    out = []
    for name, desc, meta, files, key in todo:
        r = results[name]
        out.append({"scenario": name, "description": desc, "kernel": r.get("kernel"),
                    "boot_tainted": r["boot_tainted"], "steps": r["steps"]})
    rj = os.path.join(a.out, "results.json")
    with open(rj + ".tmp", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(rj + ".tmp", rj)
    nsteps = sum(len(s["steps"]) for s in out)
    sys.stderr.write("oracle/boot: %s: %d scenarios, %d steps (%d booted, %.0fs; %d scenarios "
                     "not this kernel's: %s) -> %s\n" % (
                         abi, len(out), nsteps, booted, time.time() - t0, n_skipped,
                         os.path.basename(sp), rj))


if __name__ == "__main__":
    main()
