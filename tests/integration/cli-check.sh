#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport check end to end on generated modules and a hand-written kernel:
# verdicts, errnos, log lines, exit statuses, --loaded order, --format
# depmod, --fail-on, bad input.  The engine's rules are unit-tested in
# tests/unit/test-verdict.c and proven on the real kernel in tests/oracle.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MKELF=${MKELF:?}
cd "$tmp"

VM="6.1.0-54-amd64 SMP preempt mod_unload modversions "
printf '0xbce1a965\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n0x11111111\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n0x22222222\tgpl_sym\tvmlinux\tEXPORT_SYMBOL_GPL\t\n0x33333333\tdma_buf_get\tvmlinux\tEXPORT_SYMBOL_GPL\tDMA_BUF\n' > Module.symvers
# A bare Module.symvers says nothing of who built it: the distribution is
# given (the release's shape alone is no evidence; see unit/verdict).
K=(--kernel Module.symvers --kernel-version 6.1.0-54-amd64 --distro debian --config X86_64=y --config SMP=y
   --config PREEMPT_BUILD=y --config MODULE_UNLOAD=y --config MODVERSIONS=y)

# mk NAME LICENSE [mkelf args...]: an in-tree-looking module for that kernel.
mk() {
	local name=$1 lic=$2
	shift 2
	local lica=()
	[ -n "$lic" ] && lica=(--modinfo "license=$lic")
	"$MKELF" "${lica[@]}" --modinfo "name=$name" --modinfo intree=Y --modinfo retpoline=Y \
		--modinfo "vermagic=$VM" --import-version-only module_layout:bce1a965 "$@" "$name.ko"
}
# st CMD...: the exit status, never failing the script.
# jq-like assertions on out.txt.

mk clean GPL --import printk:11111111 --import gpl_sym:22222222
mk prop "NVIDIA" --import printk:11111111 --import dma_buf_get:33333333 --modinfo import_ns=DMA_BUF
mk badcrc GPL --import printk:deadbeef
mk nsless GPL --import dma_buf_get:33333333
mk nover GPL --import printk
mk exporter Proprietary --export prop_fn:crc=0x77777777
mk gplfirst GPL --import gpl_sym:22222222 --import prop_fn:77777777
mk propfirst GPL --import prop_fn:77777777 --import gpl_sym:22222222

[ "$(st "$KEXPORT" check "${K[@]}" --config MODULE_SIG=n clean.ko)" = 0 ] || fail "clean: exit $(cat rc.txt)"
grep -q "clean.ko: loads, no taint" out.txt || fail "clean: $(cat out.txt)"

[ "$(st "$KEXPORT" check "${K[@]}" clean.ko)" = 3 ] || fail "unsigned: exit $(cat rc.txt), want 3"
grep -q "clean: module verification failed: signature and/or required key missing - tainting kernel" out.txt ||
	fail "unsigned: no E line"
[ "$(st "$KEXPORT" check "${K[@]}" --fail-on refused clean.ko)" = 0 ] || fail "--fail-on refused"
[ "$(st "$KEXPORT" check "${K[@]}" --fail-on taint clean.ko)" = 1 ] || fail "--fail-on taint"
echo "ok: clean and unsigned modules, exit statuses"

[ "$(st "$KEXPORT" check -j "${K[@]}" prop.ko)" = 1 ] || fail "prop: exit $(cat rc.txt)"
want "d['modules'][0]['errno']" -2 prop
want "d['modules'][0]['verdict']" refused prop
want "[p['code'] for p in d['modules'][0]['problems'] if p['fatal']]" "['GPL_ONLY']" prop
want "d['modules'][0]['log'][-1]" "prop: Unknown symbol dma_buf_get (err -2)" prop
want "d['modules'][0]['kernel_taint']" $(( (1<<0) | (1<<13) )) prop
want "d['kernel']['release']" 6.1.0-54-amd64 prop
want "d['kernel']['distro']" debian prop
st "$KEXPORT" check --format depmod "${K[@]}" prop.ko badcrc.ko > /dev/null
grep -qxF "depmod: WARNING: prop.ko needs unknown symbol dma_buf_get" out.txt || fail "depmod format: $(cat out.txt)"
grep -qxF "depmod: WARNING: badcrc.ko disagrees about version of symbol printk" out.txt || fail "depmod format crc"
echo "ok: GPL-only hidden from a proprietary module; --format depmod"

st "$KEXPORT" check -j "${K[@]}" badcrc.ko nsless.ko nover.ko > /dev/null
want "[m['errno'] for m in d['modules']]" "[-22, -22, -22]" "crc/ns/nover"
want "[p['code'] for m in d['modules'] for p in m['problems'] if p['fatal']]" \
	"['CRC_MISMATCH', 'NS_NOT_IMPORTED', 'CRC_MISSING']" "crc/ns/nover"
st "$KEXPORT" check -j "${K[@]}" --distro mainline nover.ko > /dev/null
want "d['modules'][0]['verdict']" loads "mainline accepts a missing CRC"
echo "ok: CRC mismatch, missing namespace import, Debian vs mainline missing CRC"

# Proprietary owners, in both symbol orders; --loaded given out of order.
st "$KEXPORT" check -j "${K[@]}" gplfirst.ko > /dev/null
want "[p['code'] for p in d['modules'][0]['problems'] if p['fatal']]" "['MISSING']" "no --loaded"
st "$KEXPORT" check -j "${K[@]}" --loaded exporter.ko gplfirst.ko propfirst.ko > /dev/null
want "[p['code'] for p in d['modules'][0]['problems'] if p['fatal']]" "['PROPRIETARY_OWNER']" gplfirst
want "d['modules'][0]['log'][-2]" "gplfirst: module using GPL-only symbols uses symbols prop_fn from proprietary module exporter." gplfirst
want "[p['code'] for p in d['modules'][1]['problems'] if p['code'] in ('INHERITED_TAINT', 'GPL_ONLY')]" \
	"['INHERITED_TAINT', 'GPL_ONLY']" propfirst
want "d['loaded'][0]['module_taint']" PE exporter
# modprobe's order: a module that uses another's exports is loaded after it.
st "$KEXPORT" check -j "${K[@]}" --loaded gplfirst.ko,exporter.ko clean.ko > /dev/null
want "[m['name'] for m in d['loaded']]" "['exporter', 'gplfirst']" "dependency order"
echo "ok: proprietary owners in both orders, --loaded in dependency order"

# Bad input: reported in one line, the good module still checked.
head -c 100 clean.ko > truncated.ko
echo "not a module" > garbage.ko
[ "$(st "$KEXPORT" check -j "${K[@]}" truncated.ko garbage.ko clean.ko)" = 2 ] || fail "bad input: exit $(cat rc.txt)"
[ "$(wc -l < err.txt)" = 2 ] || fail "bad input: want 2 lines on stderr: $(cat err.txt)"
grep -q '^kexport: truncated.ko: ' err.txt || fail "bad input names the file"
want "[m['name'] for m in d['modules']]" "['clean']" "bad input: the rest still checked"
want "len(d['errors'])" 2 "bad input in JSON"
[ "$(st "$KEXPORT" check "${K[@]}" --kernel nonexistent clean.ko)" = 2 ] || fail "missing kernel source"
echo "ok: bad input"

# The loader's ELF validation, in each generation's order and words
# (lib/read/elfcheck.c): clean.ko edited as the oracle edits Debian's modules
# (tests/oracle/edit-ko.py), judged as 5.10, 6.1, 6.12 and 7.2.
EDIT=(python3 "$(dirname "$0")/../oracle/edit-ko.py")
"${EDIT[@]}" clean.ko e-shstrtype.ko --set-section .shstrtab:type=1
"${EDIT[@]}" clean.ko e-noalloc.ko --set-section .gnu.linkonce.this_module:flags=0
"${EDIT[@]}" clean.ko e-strtab.ko --set-strtab-byte 0=0x78
"${EDIT[@]}" clean.ko e-pastend.ko --set-section .text:offset=0x100000
"${EDIT[@]}" clean.ko e-machine.ko --set-header e_machine=183
"${EDIT[@]}" clean.ko e-magic.ko --set-header e_ident1=0x58
elf_verdict() { # VERSION MODULE: "errno log-lines" as kexport judges it
	local v=$1 m=$2 k=("${K[@]}")
	k[3]=$v
	st "$KEXPORT" check -j "${k[@]}" "$m" > /dev/null
	jget "d['modules'][0]['errno'], d['modules'][0]['log'] or []"
}
expect_elf() { # VERSION MODULE WANT
	local got
	got=$(elf_verdict "$1" "$2")
	[ "$got" = "$3" ] || fail "$2 on $1: $got, want $3"
}
unsigned="clean: module verification failed: signature and/or required key missing - tainting kernel"
expect_elf 6.1.0-54-amd64 e-shstrtype.ko "(0, ['$unsigned'])"
expect_elf 6.12.117+deb13-amd64 e-shstrtype.ko "(-8, ['Invalid ELF section name table type: 1'])"
expect_elf 5.10.0-32-amd64 e-noalloc.ko "(-8, ['clean: No module found in object'])"
expect_elf 6.1.0-54-amd64 e-noalloc.ko "(-8, ['clean: No module found in object'])"
expect_elf 7.2.13+deb14-amd64 e-noalloc.ko \
	"(-8, ['module clean: .gnu.linkonce.this_module must occupy memory during process execution'])"
expect_elf 6.1.0-54-amd64 e-strtab.ko "(0, ['$unsigned'])"
expect_elf 7.2.13+deb14-amd64 e-strtab.ko "(-8, ['symbol string table missing leading NUL'])"
for v in 6.1.0-54-amd64 7.2.13+deb14-amd64; do
	expect_elf $v e-pastend.ko "(-8, ['Invalid ELF section in module (section 1 type 1)'])"
done
expect_elf 5.10.0-32-amd64 e-pastend.ko \
	"(-8, ['Invalid ELF section in module (section 1 type 1)', 'Module has invalid ELF structures'])"
expect_elf 5.10.0-32-amd64 e-machine.ko "(-8, ['Module has invalid ELF structures'])"
expect_elf 6.1.0-54-amd64 e-machine.ko "(-8, ['Invalid architecture in ELF header: 183'])"
# One kexport cannot read: bad input, whose line says what the loader says.
[ "$(st "$KEXPORT" check "${K[@]}" e-magic.ko)" = 2 ] || fail "e-magic.ko: exit $(cat rc.txt)"
grep -q '^kexport: e-magic.ko: not an ELF file; the loader refuses it (-ENOEXEC): "Invalid ELF header magic: != .ELF" (6.1 and later; 5.10: "Module has invalid ELF structures")$' err.txt ||
	fail "e-magic.ko: $(cat err.txt)"
echo "ok: the loader's ELF validation in the words of 5.10, 6.1, 6.12 and 7.2"

# audit: owners' verdicts reach their importers through chains: inherited
# taint two modules deep, a refused owner refusing its importer; the same
# verdicts with one thread and with two (the parallel first pass assumes
# every owner loads untainted, then rechecks whoever asked a tainted one).
mkdir -p tree
(
	cd tree
	mk exporter Proprietary --export prop_fn:crc=0x77777777
	mk user1 GPL --import prop_fn:77777777 --export mid_fn:crc=0x88888888
	mk user2 GPL --import mid_fn:88888888
	mk gplfirst GPL --import gpl_sym:22222222 --import prop_fn:77777777 --export gf_fn:crc=0x99999999
	mk dep GPL --import gf_fn:99999999
	mk depdep GPL --import dep_fn:aaaaaaaa
	mk dep2 GPL --import gf_fn:99999999 --export dep_fn:crc=0xaaaaaaaa
	mk clean GPL --import printk:11111111 --import gpl_sym:22222222
)
for threads in 1 2; do
	[ "$(st "$KEXPORT" audit -j --all --threads $threads "${K[@]}" --config MODULE_SIG=n tree)" = 1 ] ||
		fail "audit chains: exit $(cat rc.txt)"
	want "{m['name']: (m['verdict'], m['module_taint']) for m in d['modules']}" \
		"{'clean': ('loads', ''), 'dep': ('refused', None), 'dep2': ('refused', None), 'depdep': ('refused', None), 'exporter': ('loads', 'P'), 'gplfirst': ('refused', None), 'user1': ('loads', 'P'), 'user2': ('loads', 'P')}" \
		"audit chains, $threads threads"
	want "[p['code'] for m in d['modules'] if m['name'] == 'depdep' for p in m['problems'] if p['fatal']]" \
		"['DEPENDENCY']" "audit: refused two modules deep"
	want "d['kernel']['exports']" 4 "audit: the kernel line counts the kernel's own exports, not the tree's"
	cp out.txt "audit-$threads.json"
done
cmp -s audit-1.json audit-2.json || fail "audit: one thread and two disagree"
echo "ok: audit through chains of owners, one thread and two"

# The configuration embedded in an image (CONFIG_IKCONFIG), when no .config
# is beside it: the markers and a gzip stream, here appended to a vmlinux.
"$MKELF" --type vmlinux --export module_layout:crc=0xbce1a965 --export printk:crc=0x11111111 \
	--export gpl_sym:gpl:crc=0x22222222 ikvmlinux
printf 'CONFIG_X86_64=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_BUILD=y\nCONFIG_MODULE_UNLOAD=y\nCONFIG_MODVERSIONS=y\n# CONFIG_MODULE_SIG is not set\n' > ik.config
mkdir -p ikdir
{ cat ikvmlinux; printf 'IKCFG_ST'; gzip -9n < ik.config; printf 'IKCFG_ED'; } > ikdir/vmlinux
[ "$(st "$KEXPORT" check -j --kernel ikdir/vmlinux --kernel-version 6.1.0-54-amd64 clean.ko)" = 0 ] ||
	fail "IKCONFIG: exit $(cat rc.txt): $(cat err.txt)"
want "d['kernel']['config_from']" "ikdir/vmlinux (IKCONFIG)" "IKCONFIG origin"
want "d['kernel']['vermagic']" "$VM" "vermagic from the embedded configuration"
[ "$(st "$KEXPORT" check -j --kernel ikvmlinux --kernel-version 6.1.0-54-amd64 clean.ko)" = 3 ] ||
	fail "no IKCONFIG: exit $(cat rc.txt), want 3 (unsigned: the signature default applies)"
want "d['kernel']['config_from']" "None" "no IKCONFIG, no configuration"
# A .config given gzip-compressed, as /proc/config.gz is.
gzip -9n < ik.config > config.gz
[ "$(st "$KEXPORT" check -j --kernel ikvmlinux --kernel-version 6.1.0-54-amd64 --config config.gz clean.ko)" = 0 ] ||
	fail "config.gz: exit $(cat rc.txt): $(cat err.txt)"
echo "ok: IKCONFIG in an image, a gzip-compressed .config"
