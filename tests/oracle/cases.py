# SPDX-License-Identifier: LGPL-2.1-or-later
"""The oracle's scenarios: each is booted fresh; its steps are loaded in
order with one finit_module() each.  The last step is the one under test,
earlier steps are its dependencies (they are compared too, with the steps
before them as --loaded).

A step is a module name from modules/gen.py (OUT/ko/NAME.ko), or
"debian:ABIVAR:PATH", a module of Debian's tree for the ABI named by the
tests/kernels.conf variable ABIVAR (KEXPORT_ABI or KEXPORT_ABI_OLD), PATH
relative to lib/modules/<abi>-amd64/.
"""

DEB_CRC_ITU_T = "debian:KEXPORT_ABI:kernel/lib/crc-itu-t.ko"
DEB_CRC_ITU_T_OLD = "debian:KEXPORT_ABI_OLD:kernel/lib/crc-itu-t.ko"

S = []


def sc(name, description, *steps):
    assert name not in [s[0] for s in S], name
    S.append((name, description, list(steps)))


# 1. licences
for n, lic in [("gpl", "GPL"), ("gpl_v2", "GPL v2"), ("gpl_addl", "GPL and additional rights"),
               ("dual_bsd", "Dual BSD/GPL"), ("dual_mit", "Dual MIT/GPL"),
               ("dual_mpl", "Dual MPL/GPL"), ("proprietary", "Proprietary"),
               ("nvidia", "NVIDIA"), ("gpl_v3", "GPL v3"), ("gplv2", "GPLv2"),
               ("dual_gpl_bsd", "Dual GPL/BSD"), ("gpl_lower", "gpl"),
               ("gpl_blank", "GPL ")]:
    sc("lic_" + n, "license=%r, one plain vmlinux import" % lic, "lic_" + n)
sc("lic_none", "no license= entry (key renamed to xicense=), plain import", "lic_none")
sc("lic_two_tags", "license=Proprietary then license=GPL in .modinfo; the loader reads the first",
   "lic_two_tags")

# 2. GPL-only imports
sc("gplonly_gpl", "GPL module, GPL-only + plain vmlinux imports", "gplonly_gpl")
sc("gplonly_dual_mpl", "Dual MPL/GPL module, GPL-only + plain imports", "gplonly_dual_mpl")
sc("gplonly_prop", "Proprietary (edited) module, GPL-only + plain imports", "gplonly_prop")
sc("gplonly_nvidia", "NVIDIA (edited) module, GPL-only + plain imports", "gplonly_nvidia")
sc("gplonly_gpl_v3", "'GPL v3' (edited) module, GPL-only + plain imports", "gplonly_gpl_v3")
sc("gplonly_nolicense", "no licence (edited), GPL-only + plain imports", "gplonly_nolicense")

# 3. namespaces
sc("ns_imp", "dma_buf_get/put (GPL-only, namespace DMA_BUF) with MODULE_IMPORT_NS", "ns_imp")
sc("ns_noimp", "dma_buf_get/put without import_ns (key renamed)", "ns_noimp")
sc("ns_wrong", "import_ns=DMA_BUX instead of DMA_BUF", "ns_wrong")
sc("ns_imp_prop", "namespace imported but Proprietary (edited): GPL-only hides them", "ns_imp_prop")
sc("ns_noimp_prop", "Proprietary and no import_ns", "ns_noimp_prop")
sc("ns_imp_extra", "import_ns=DMA_BUF and CXL, no namespaced symbol used", "ns_imp_extra")

# 4. modversions
sc("crc_bad", "__versions CRC of unmap_mapping_range changed", "crc_bad")
sc("crc_bad_two", "two bad CRCs (__rcu_read_lock before unmap_mapping_range in .symtab)", "crc_bad_two")
sc("crc_missing", "unmap_mapping_range missing from __versions (entry renamed)", "crc_missing")
sc("crc_layout", "module_layout CRC changed", "crc_layout")
sc("crc_none", "no __versions section (renamed __xersions)", "crc_none")
sc("crc_none_prop", "no __versions, Proprietary (edited), GPL-only imports", "crc_none_prop")
sc("crc_bad_ns", "bad CRC on dma_buf_get and no import_ns (dma_buf_put only misses the import)",
   "crc_bad_ns")
sc("crc_bad_gplonly_prop", "Proprietary, bad CRC on the hidden GPL-only __rcu_read_lock",
   "crc_bad_gplonly_prop")

# 5. vermagic
sc("vm_flags", "vermagic 'preempt' -> 'preemXt'", "vm_flags")
sc("vm_release", "vermagic release changed, __versions present", "vm_release")
sc("vm_release_nover", "vermagic release changed and no __versions", "vm_release_nover")
sc("vm_missing", "no vermagic= (key renamed)", "vm_missing")
sc("vm_noblank", "vermagic without its trailing blank", "vm_noblank")

# 6. other ABI
sc("old_abi", "built against KEXPORT_ABI_OLD headers (plain, GPL-only, DMA_BUF imports)", "old_abi")
sc("debian_signed", "Debian's signed crc-itu-t.ko of KEXPORT_ABI, no dependencies", DEB_CRC_ITU_T)
sc("debian_unsigned", "Debian's crc-itu-t.ko with its signature stripped (intree=Y)", "deb_unsigned")
sc("debian_sig_corrupt", "Debian's crc-itu-t.ko with the last signature byte flipped",
   "deb_sig_corrupt")
sc("debian_content_corrupt", "Debian's crc-itu-t.ko with the first byte of .text flipped",
   "deb_content_corrupt")
sc("debian_signed_old", "Debian's signed crc-itu-t.ko of KEXPORT_ABI_OLD (other build key)",
   DEB_CRC_ITU_T_OLD)

# 7. module to module
sc("gpl_uses_prop_export_order1",
   "GPL module: GPL-only __rcu_read_lock before proprietary module's prop_fn in .symtab",
   "exp_prop", "use_prop_gplonly_o1")
sc("gpl_uses_prop_export_order2",
   "GPL module: proprietary module's prop_fn before GPL-only __rcu_read_lock in .symtab",
   "exp_prop", "use_prop_gplonly_o2")
sc("gpl_uses_prop_export_plain", "GPL module using prop_fn and a plain import: inherits P",
   "exp_prop", "use_prop_plain")
sc("prop_uses_prop_export", "Proprietary module using prop_fn", "exp_prop", "use_prop_from_prop")
sc("chain_inherited_taint",
   "GPL module using GPL-only __rcu_read_lock and mid_fn of a module that inherited P",
   "exp_prop", "use_prop_plain", "use_mid_gplonly")
sc("prop_uses_gpl_exports", "Proprietary (edited) module using a GPL module's GPL-only and plain exports",
   "exp_gpl", "use_gpl_prop")
sc("prop_uses_gpl_plain_export", "Proprietary module using a GPL module's plain export",
   "exp_gpl", "use_gpl_prop_plain")
sc("gpl_uses_gpl_exports", "GPL module using a GPL module's GPL-only and plain exports",
   "exp_gpl", "use_gpl")
sc("dep_missing", "GPL module whose exporter is not loaded", "use_gpl")
sc("dep_crc_bad", "bad CRC for a module export", "exp_gpl", "use_gpl_crc")
sc("dep_ns_imp", "module export in namespace ORACLE_NS, imported", "exp_gpl", "use_gplns")
sc("dep_ns_noimp", "module export in namespace ORACLE_NS, not imported", "exp_gpl", "use_gplns_noimp")
sc("dep_exporter_nocrc", "exporting module without __kcrctab (renamed)", "exp_nocrc")
sc("dep_uses_nocrc", "import from a module without CRCs", "exp_nocrc", "use_nocrc")

# 8. weak
sc("weak_missing", "weak undefined symbol that nothing exports", "weak_missing")
sc("weak_gplonly_prop", "Proprietary (edited), weak GPL-only __rcu_read_lock", "weak_gplonly_prop")
sc("weak_ns_noimp", "weak dma_buf_get without import_ns", "weak_ns_noimp")
sc("weak_crc_bad", "weak unmap_mapping_range with a bad CRC", "weak_crc_bad")
sc("weak_modexp_missing", "weak import of a module export whose module is not loaded",
   "weak_modexp_missing")

# 9. names
sc("name_ndiswrapper", "module named ndiswrapper, GPL, GPL-only imports", "ndiswrapper")
sc("name_driverloader", "module named driverloader, GPL, GPL-only imports", "driverloader")
sc("name_lve", "module named lve, GPL, GPL-only imports", "lve")

# 10. flags
sc("flag_intree", "intree=Y added with MODULE_INFO", "flag_intree")
sc("flag_intree_prop", "intree=Y, Proprietary", "flag_intree_prop")
sc("flag_staging", "staging=Y", "flag_staging")
sc("flag_livepatch", "livepatch=Y", "flag_livepatch")
sc("flag_test", "test=Y", "flag_test")
sc("flag_noretpoline", "no retpoline=Y (key renamed)", "flag_noretpoline")

# 11. signatures
sc("sig_junk_pkcs7", "junk appended signature, id_type PKCS7", "sig_junk_pkcs7")
sc("sig_junk_pgp", "junk appended signature, id_type 0 (PGP)", "sig_junk_pgp")
sc("sig_junk_badlen", "appended signature trailer whose sig_len exceeds the file", "sig_junk_badlen")
sc("sig_own_key", "signed with a key the kernel does not trust (PKCS#7 as sign-file makes it)",
   "sig_own_key")
sc("sig_own_key_attrs", "signed with an untrusted key, with signed attributes", "sig_own_key_attrs")

# 12. state carried between loads (messages printed once, duplicates)
sc("two_proprietary", "second proprietary module after a first one", "lic_proprietary", "lic_nvidia")
sc("two_gpl", "second out-of-tree unsigned GPL module", "lic_gpl", "lic_gpl_v2")
sc("same_module_twice", "the same module loaded twice", "lic_gpl", "lic_gpl")
sc("intree_then_oot", "intree=Y unsigned module, then an out-of-tree one", "flag_intree", "lic_gpl")
sc("signed_then_unsigned", "Debian's signed module, then an unsigned out-of-tree one",
   DEB_CRC_ITU_T, "lic_dual_bsd")
sc("staging_then_test", "a staging=Y module, then a test=Y module", "flag_staging", "flag_test")

# 13. kexport whatif: the modules its real-data test edits the export table for
sc("whatif_prop_unmap", "Proprietary, plain unmap_mapping_range: loads, P", "whatif_prop_unmap")
sc("whatif_gpl_unmap", "GPL, plain unmap_mapping_range", "whatif_gpl_unmap")
sc("whatif_unmap_chain", "GPL user of a proprietary unmap_mapping_range user's export",
   "whatif_prop_unmap", "whatif_unmap_user")
sc("whatif_prop_dmabuf", "Proprietary (edited), dma_buf_get/put/fd with MODULE_IMPORT_NS(DMA_BUF)",
   "whatif_prop_dmabuf")
sc("whatif_dmabuf_chain", "GPL user of the proprietary dma-buf user's export", "whatif_prop_dmabuf",
   "whatif_dmabuf_user")
