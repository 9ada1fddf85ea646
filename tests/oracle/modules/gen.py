#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The oracle's test modules: one spec per module, turned into C sources.

    gen.py DIR ABI_GROUP      write DIR/<name>.c for every module of the group
                              ("new": built against KEXPORT_ABI, "old": against
                              KEXPORT_ABI_OLD) and DIR/Kbuild
    gen.py debian             print "name<TAB>ABIVAR:PATH<TAB>edits" for the
                              edited copies of Debian's own modules
    gen.py edits ABI_GROUP    print "name<TAB>edit-ko.py arguments" for every
                              module that is edited after kbuild (one JSON list
                              of arguments per line)

Every module is generated from its own source, so every .ko has its own
module name (name= in .modinfo, and the name in .gnu.linkonce.this_module).

Imports are made with assembler references from a data section
(".quad sym"), never calls, so no kernel header prototypes are needed and
init() never runs the imported code.  A name starting with "?" is a weak
reference.  The order of undefined symbols in the final .ko's .symtab is
decided by ld's hash table, not by the source: when order matters, an
"order" edit (edit-ko.py --order A,B) fixes it after the build.

Modules that kbuild/modpost refuses to build (a GPL-only import in a
proprietary module, no licence, a namespace that is not imported) are built
legal ("Dual MIT/GPL" is long enough to be overwritten by any of the
proprietary strings used here) and then edited (edits=[...]).
"""
import json
import os
import re
import sys

# The kernel the modules are built for: KEXPORT_ORACLE_ABI (run.sh sets it
# for each generation it runs the whole set on), else KEXPORT_ABI.
ABI = os.environ.get("KEXPORT_ORACLE_ABI") or os.environ.get("KEXPORT_ABI", "")
# What that kernel has: CONFIG_MODVERSIONS (7.x builds without), an older ABI
# of the same series for cross-version modules (only 6.1 pins one).
FEATURES = set(os.environ.get("KEXPORT_ORACLE_FEATURES", "modversions old_abi").split())
_v = [int(x) for x in re.findall(r"\d+", ABI)[:2]] if ABI else [0, 0]
# From 6.13 the namespace macros take a string: MODULE_IMPORT_NS("DMA_BUF").
NS_QUOTE = '"' if _v >= [6, 13] else ""

PLAIN = "unmap_mapping_range"            # EXPORT_SYMBOL, vmlinux
GPLONLY = ["__rcu_read_lock", "__rcu_read_unlock"]  # EXPORT_SYMBOL_GPL, vmlinux
NS = ["dma_buf_get", "dma_buf_put"]      # EXPORT_SYMBOL_GPL in namespace DMA_BUF
EDIT_LIC = "Dual MIT/GPL"                # base licence of modules whose licence is edited

M = {}


def mod(name, license="GPL", imports=(PLAIN,), exports=(), import_ns=(),
        info=(), edits=(), group="new", extra_c="", source=None, needs=()):
    assert name not in M, name
    # What the module's edits or build need of the kernel: __versions
    # (modversions), headers of another ABI (old_abi).
    needs = set(needs)
    if any(e in ("--crc", "--rename-version") or "__versions" in e or "__kcrctab" in e
           or "modversions" in e for e in edits):
        needs.add("modversions")
    if group == "old":
        needs.add("old_abi")
    if source and source.startswith("KEXPORT_ABI_OLD:"):
        needs.add("old_abi")
    M[name] = dict(name=name, license=license, imports=list(imports),
                   exports=list(exports), import_ns=list(import_ns),
                   info=list(info), edits=list(edits), group=group,
                   extra_c=extra_c, source=source, needs=needs)


def available(m):
    """Built for this kernel: what it needs is there, and so is every module
    whose exports it imports (use_nocrc needs exp_nocrc, which needs
    modversions)."""
    if not m["needs"] <= FEATURES:
        return False
    for o in M.values():
        if o is not m and any(e[0] in [i.lstrip("?") for i in m["imports"]] for e in o["exports"]):
            if not available(o):
                return False
    return True


def to_prop(lic="Proprietary"):
    return ["--modinfo-set", "license=" + lic]


NO_LICENSE = ["--rename-modinfo-key", "license=xicense"]
NO_IMPORT_NS = ["--rename-modinfo-key", "import_ns=xmport_ns"]

# --- 1. licence strings, one plain import -------------------------------
for n, lic in [("gpl", "GPL"), ("gpl_v2", "GPL v2"),
               ("gpl_addl", "GPL and additional rights"),
               ("dual_bsd", "Dual BSD/GPL"), ("dual_mit", "Dual MIT/GPL"),
               ("dual_mpl", "Dual MPL/GPL"), ("proprietary", "Proprietary"),
               ("nvidia", "NVIDIA"), ("gpl_v3", "GPL v3"), ("gplv2", "GPLv2"),
               ("dual_gpl_bsd", "Dual GPL/BSD"), ("gpl_lower", "gpl"),
               ("gpl_blank", "GPL ")]:
    mod("lic_" + n, license=lic)
mod("lic_none", license=EDIT_LIC, edits=NO_LICENSE)
# two license= tags (gcc emits .modinfo in reverse: license=Proprietary comes
# first): the loader reads the first, modpost all of them
mod("lic_two_tags", license="GPL", info=[("license", "Proprietary")])

# --- 2. GPL-only imports --------------------------------------------------
GO = GPLONLY + [PLAIN]
mod("gplonly_gpl", license="GPL", imports=GO)
mod("gplonly_dual_mpl", license="Dual MPL/GPL", imports=GO)
mod("gplonly_prop", license=EDIT_LIC, imports=GO, edits=to_prop())
mod("gplonly_nvidia", license=EDIT_LIC, imports=GO, edits=to_prop("NVIDIA"))
mod("gplonly_gpl_v3", license=EDIT_LIC, imports=GO, edits=to_prop("GPL v3"))
mod("gplonly_nolicense", license=EDIT_LIC, imports=GO, edits=NO_LICENSE)

# --- 3. namespaces --------------------------------------------------------
NSI = NS + [PLAIN]
mod("ns_imp", license=EDIT_LIC, imports=NSI, import_ns=["DMA_BUF"])
mod("ns_noimp", license=EDIT_LIC, imports=NSI, import_ns=["DMA_BUF"], edits=NO_IMPORT_NS)
mod("ns_wrong", license=EDIT_LIC, imports=NSI, import_ns=["DMA_BUF"],
    edits=["--modinfo-set", "import_ns=DMA_BUX"])
mod("ns_imp_prop", license=EDIT_LIC, imports=NSI, import_ns=["DMA_BUF"], edits=to_prop())
mod("ns_noimp_prop", license=EDIT_LIC, imports=NSI, import_ns=["DMA_BUF"],
    edits=to_prop() + NO_IMPORT_NS)
mod("ns_imp_extra", license="GPL", imports=[PLAIN], import_ns=["DMA_BUF", "CXL"])

# --- 4. modversions -------------------------------------------------------
mod("crc_bad", edits=["--crc", PLAIN + "=0xdeadbeef"])
mod("crc_bad_two", imports=GO, edits=["--crc", PLAIN + "=0xdeadbeef",
                                      "--crc", "__rcu_read_lock=0x12345678",
                                      "--order", "__rcu_read_lock," + PLAIN])
mod("crc_missing", edits=["--rename-version", PLAIN + "=x" + PLAIN[1:]])
mod("crc_layout", edits=["--crc", "module_layout=0x0badc0de"])
mod("crc_none", edits=["--rename-section", "__versions=__xersions"])
mod("crc_none_prop", license=EDIT_LIC, imports=GO,
    edits=["--rename-section", "__versions=__xersions"] + to_prop())
mod("crc_bad_ns", license=EDIT_LIC, imports=NSI, import_ns=["DMA_BUF"],
    edits=NO_IMPORT_NS + ["--crc", "dma_buf_get=0xdeadbeef",
                          "--order", "dma_buf_get,dma_buf_put"])
mod("crc_bad_gplonly_prop", license=EDIT_LIC, imports=GO,
    edits=to_prop() + ["--crc", "__rcu_read_lock=0xdeadbeef"])

# --- 5. vermagic ----------------------------------------------------------
mod("vm_flags", edits=["--modinfo-sub", "vermagic:preempt=preemXt"])
mod("vm_release", edits=["--modinfo-sub", "vermagic:%s-amd64=9.9.9-amd64" % ABI])
mod("vm_release_nover", edits=["--modinfo-sub", "vermagic:%s-amd64=9.9.9-amd64" % ABI,
                               "--rename-section", "__versions=__xersions"])
mod("vm_missing", edits=["--rename-modinfo-key", "vermagic=xermagic"])
mod("vm_noblank", edits=["--modinfo-sub", "vermagic:modversions =modversions"])

# --- 6. built against KEXPORT_ABI_OLD ------------------------------------
mod("old_abi", license="GPL", imports=NSI + GPLONLY, import_ns=["DMA_BUF"], group="old")

# --- 7. module-to-module --------------------------------------------------
mod("exp_prop", license="Proprietary", exports=[("prop_fn", "")])
mod("exp_gpl", license="GPL", exports=[("gpl_gfn", "_GPL"), ("gpl_pfn", ""),
                                       ("gpl_nsfn", "_NS_GPL:ORACLE_NS")])
mod("exp_nocrc", license="GPL", exports=[("nocrc_fn", "")],
    edits=["--rename-section", "__kcrctab=__xcrctab"])
# GPL module, GPL-only vmlinux import and an import from a proprietary module
mod("use_prop_gplonly_o1", imports=["__rcu_read_lock", "prop_fn"],
    edits=["--order", "__rcu_read_lock,prop_fn"])
mod("use_prop_gplonly_o2", imports=["__rcu_read_lock", "prop_fn"],
    edits=["--order", "prop_fn,__rcu_read_lock"])
mod("use_prop_plain", imports=["prop_fn", PLAIN], exports=[("mid_fn", "")])
mod("use_prop_from_prop", license="Proprietary", imports=["prop_fn", PLAIN])
mod("use_mid_gplonly", imports=["__rcu_read_lock", "mid_fn"],
    edits=["--order", "__rcu_read_lock,mid_fn"])
# proprietary module importing a GPL module's exports
mod("use_gpl_prop", license=EDIT_LIC, imports=["gpl_gfn", "gpl_pfn"], edits=to_prop())
mod("use_gpl_prop_plain", license="Proprietary", imports=["gpl_pfn"])
mod("use_gpl", license="GPL", imports=["gpl_gfn", "gpl_pfn"])
mod("use_gpl_crc", license="GPL", imports=["gpl_gfn", "gpl_pfn"],
    edits=["--crc", "gpl_pfn=0xdeadbeef"])
mod("use_gplns", license="GPL", imports=["gpl_nsfn"], import_ns=["ORACLE_NS"])
mod("use_gplns_noimp", license="GPL", imports=["gpl_nsfn"], import_ns=["ORACLE_NS"],
    edits=NO_IMPORT_NS)
mod("use_nocrc", license="GPL", imports=["nocrc_fn"])

# --- 8. weak undefined symbols ---------------------------------------------
mod("weak_missing", imports=["?oracle_no_such_symbol", PLAIN])
mod("weak_gplonly_prop", license=EDIT_LIC, imports=["?__rcu_read_lock", PLAIN], edits=to_prop())
mod("weak_ns_noimp", license=EDIT_LIC, imports=["?dma_buf_get", PLAIN],
    import_ns=["DMA_BUF"], edits=NO_IMPORT_NS)
mod("weak_crc_bad", imports=["?" + PLAIN], edits=["--crc", PLAIN + "=0xdeadbeef"])
mod("weak_modexp_missing", imports=["?gpl_pfn", PLAIN])

# --- 9. names the loader singles out -----------------------------------------
for n in ("ndiswrapper", "driverloader", "lve"):
    mod(n, license="GPL", imports=GO)

# --- 10. modinfo flags -------------------------------------------------------
mod("flag_intree", info=[("intree", "Y")])
mod("flag_intree_prop", license="Proprietary", info=[("intree", "Y")])
mod("flag_staging", info=[("staging", "Y")])
mod("flag_livepatch", info=[("livepatch", "Y")])
mod("flag_test", info=[("test", "Y")])
mod("flag_noretpoline", edits=["--rename-modinfo-key", "retpoline=xetpoline"])

# --- 11. signatures ----------------------------------------------------------
mod("sig_junk_pkcs7", edits=["--append-signature", "pkcs7"])
mod("sig_junk_pgp", edits=["--append-signature", "pgp"])
mod("sig_junk_badlen", edits=["--append-signature", "badlen"])
# Signed with a key of our own (tests/oracle/keys/own.pem), which the kernel
# does not have: -ENOKEY, not enforced, taint E; with signed attributes the
# kernel refuses the signature outright.
mod("sig_own_key", edits=["--sign", "own"])
mod("sig_own_key_attrs", edits=["--sign-attrs", "own"])

# --- 12. Debian's own signed module, edited (group "debian": no kbuild; the
# source is "ABIVAR:PATH" under lib/modules/<abi>-amd64 of that ABI) ----------
DEB = "KEXPORT_ABI:kernel/lib/crc-itu-t.ko"
mod("deb_unsigned", group="debian", source=DEB, edits=["--strip-signature", "-"])
mod("deb_sig_corrupt", group="debian", source=DEB, edits=["--corrupt-signature", "-"])
mod("deb_content_corrupt", group="debian", source=DEB, edits=["--corrupt-content", ".text"])


# --- 13. kexport whatif (tests/integration/real-whatif.sh): export policy
# changes on the real kernel's table.  A proprietary and a GPL importer of the
# plain unmap_mapping_range (--gpl-only would refuse the first), a proprietary
# dma-buf user with MODULE_IMPORT_NS(DMA_BUF) (refused today: GPL-only), and
# a GPL user of each proprietary module's plain export (dependency chains) --
WHATIF_DMABUF = ["dma_buf_get", "dma_buf_put", "dma_buf_fd"]
mod("whatif_prop_unmap", license="Proprietary", imports=[PLAIN],
    exports=[("whatif_unmap_fn", "")])
mod("whatif_gpl_unmap", license="GPL", imports=[PLAIN])
mod("whatif_unmap_user", license="GPL", imports=["whatif_unmap_fn"])
mod("whatif_prop_dmabuf", license=EDIT_LIC, imports=WHATIF_DMABUF + [PLAIN],
    import_ns=["DMA_BUF"], exports=[("whatif_dmabuf_fn", "")], edits=to_prop())
mod("whatif_dmabuf_user", license="GPL", imports=["whatif_dmabuf_fn"])


def csource(m):
    out = ["// SPDX-License-Identifier: GPL-2.0",
           "// Generated by tests/oracle/modules/gen.py: module %s" % m["name"],
           "#include <linux/module.h>", "#include <linux/init.h>", ""]
    refs = m["imports"]
    if refs:
        out.append('asm(".pushsection .data.oracle_refs,\\"aw\\"\\n"')
        for r in refs:
            if r.startswith("?"):
                out.append('    ".weak %s\\n"' % r[1:])
        for r in refs:
            out.append('    ".quad %s\\n"' % r.lstrip("?"))
        out.append('    ".popsection\\n");')
        out.append("")
    for name, kind in m["exports"]:
        out.append("int %s(void);" % name)
        out.append("int %s(void) { return 0; }" % name)
        if kind.startswith("_NS"):
            k, ns = kind.split(":")
            out.append("EXPORT_SYMBOL%s(%s, %s%s%s);" % (k, name, NS_QUOTE, ns, NS_QUOTE))
        else:
            out.append("EXPORT_SYMBOL%s(%s);" % (kind, name))
    out += ["static int __init oracle_init(void) { return 0; }",
            "static void __exit oracle_exit(void) { }",
            "module_init(oracle_init);", "module_exit(oracle_exit);"]
    out.append('MODULE_LICENSE("%s");' % m["license"])
    for k, v in m["info"]:
        out.append('MODULE_INFO(%s, "%s");' % (k, v))
    for ns in m["import_ns"]:
        out.append("MODULE_IMPORT_NS(%s%s%s);" % (NS_QUOTE, ns, NS_QUOTE))
    out.append(m["extra_c"])
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) == 2 and argv[1] == "skipped":
        for m in M.values():
            if not available(m):
                print("%s\t%s" % (m["name"], " ".join(sorted(m["needs"] - FEATURES)) or
                                   "an exporter it imports from"))
        return 0
    if len(argv) == 3 and argv[1] == "edits":
        for m in M.values():
            if m["group"] == argv[2] and m["edits"] and available(m):
                print("%s\t%s" % (m["name"], json.dumps(m["edits"])))
        return 0
    if len(argv) == 2 and argv[1] == "debian":
        for m in M.values():
            if m["group"] == "debian" and available(m):
                print("%s\t%s\t%s" % (m["name"], m["source"], json.dumps(m["edits"])))
        return 0
    if len(argv) == 3 and argv[1] == "list":
        for m in M.values():
            if m["group"] == argv[2] and available(m):
                print(m["name"])
        return 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    d, group = argv[1], argv[2]
    if not ABI:
        sys.stderr.write("gen.py: KEXPORT_ABI is not set (source tests/kernels.conf)\n")
        return 2
    os.makedirs(d, exist_ok=True)
    names = [m["name"] for m in M.values() if m["group"] == group and available(m)]
    for n in names:
        src = csource(M[n])
        p = os.path.join(d, n + ".c")
        # rewrite only on change, so kbuild's incremental build stays incremental
        if not os.path.exists(p) or open(p).read() != src:
            with open(p, "w") as f:
                f.write(src)
    kb = "".join("obj-m += %s.o\n" % n for n in names)
    p = os.path.join(d, "Kbuild")
    if not os.path.exists(p) or open(p).read() != kb:
        with open(p, "w") as f:
            f.write(kb)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
