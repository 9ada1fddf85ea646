#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport symbol end to end on hand-written Module.symvers files and
# generated modules: per kernel kind, namespace, CRC and owner; every change
# class from one kernel to the next; a glob; importers of a corpus by
# licence; a pattern that matches nothing (exit 1, in "not_found"); a bad
# kernel source (exit 2, one line, the other kernels still reported).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MKELF=${MKELF:?}
cd "$tmp"

t() { printf '%s\t%s\t%s\t%s\t%s\n' "$@"; } # CRC NAME OWNER KIND NS

{
	t 0x00000001 dma_buf_get vmlinux EXPORT_SYMBOL_GPL ""
	t 0x00000002 dma_buf_put vmlinux EXPORT_SYMBOL_GPL ""
	t 0x00000003 unmap_mapping_range vmlinux EXPORT_SYMBOL ""
	t 0x00000004 moves vmlinux EXPORT_SYMBOL ""
	t 0x00000005 goes vmlinux EXPORT_SYMBOL ""
} > old.symvers
{
	t 0x00000011 dma_buf_get vmlinux EXPORT_SYMBOL_GPL DMA_BUF
	t 0x00000002 dma_buf_put vmlinux EXPORT_SYMBOL_GPL DMA_BUF
	t 0x00000003 unmap_mapping_range vmlinux EXPORT_SYMBOL_GPL ""
	t 0x00000004 moves drivers/x/x EXPORT_SYMBOL ""
	t 0x00000006 comes vmlinux EXPORT_SYMBOL ""
} > new.symvers
mkdir corpus
mod() { "$MKELF" --modinfo "license=$2" --modinfo "name=$1" "${@:3}" "corpus/$1.ko"; }
mod nvidia NVIDIA --import dma_buf_get:11 --import unmap_mapping_range:3
mod gpfs "Proprietary" --import unmap_mapping_range:3
mod gpluser GPL --import dma_buf_put:2

[ "$(st "$KEXPORT" symbol -j --kernel old.symvers --kernel new.symvers --modules corpus \
	'dma_buf_*' unmap_mapping_range moves goes comes)" = 0 ] || fail "exit $(cat rc.txt): $(cat err.txt)"
want "[s['name'] for s in d['symbols']]" "['comes', 'dma_buf_get', 'dma_buf_put', 'goes', 'moves', 'unmap_mapping_range']" "glob and names"
S="{s['name']: s for s in d['symbols']}"
want "$S['dma_buf_get']['kernels'][0]['export']['namespace']" "" "old namespace"
want "$S['dma_buf_get']['kernels'][1]['export']['namespace']" "DMA_BUF" "new namespace"
want "$S['dma_buf_get']['kernels'][1]['changes']" "['ns_added', 'crc_changed']" "ns added, crc"
want "$S['dma_buf_put']['kernels'][1]['changes']" "['ns_added']" "ns added only"
want "$S['unmap_mapping_range']['kernels'][1]['changes']" "['kind_tightened']" "tightened"
want "$S['moves']['kernels'][1]['changes']" "['owner_moved']" "owner moved"
want "$S['moves']['kernels'][1]['export']['owner']" "drivers/x/x" "owner"
want "$S['goes']['kernels'][1]['export']" "None" "removed: no export"
want "$S['goes']['kernels'][1]['changes']" "['removed']" "removed"
want "$S['comes']['kernels'][0]['export']" "None" "added: none before"
want "$S['comes']['kernels'][1]['changes']" "['added']" "added"
want "$S['comes']['kernels'][0]['importers']" "None" "a Module.symvers has no modules"
U="$S['unmap_mapping_range']['corpora'][0]['importers']"
want "$U['modules'], $U['gpl_compatible']" "(2, 0)" "importers of unmap_mapping_range"
want "[(m['name'], m['license']) for m in $U['names']]" "[('gpfs', 'Proprietary'), ('nvidia', 'NVIDIA')]" "importer names"
want "$S['dma_buf_put']['corpora'][0]['importers']['gpl_compatible']" "1" "a GPL importer"
echo "ok: per kernel facts, every change class, importers by licence"

# Human output: one line per kernel, "first seen", the changes, importers.
[ "$(st "$KEXPORT" symbol --kernel old.symvers --kernel new.symvers --modules corpus unmap_mapping_range)" = 0 ] ||
	fail "human: exit $(cat rc.txt)"
grep -q "EXPORT_SYMBOL  .*0x00000003  vmlinux  first seen" out.txt &&
	grep -q "EXPORT_SYMBOL_GPL .*kind tightened" out.txt &&
	grep -q "imported by corpus: 2 modules, 0 GPL-compatible: gpfs (Proprietary), nvidia (NVIDIA)" out.txt ||
	fail "human output: $(cat out.txt)"
echo "ok: human output"

# The what-if against the last kernel, for the corpus: the verdict engine
# on the edited table (as kexport whatif would say).
VM="6.1.0-54-amd64 SMP preempt mod_unload modversions "
K=(--kernel new.symvers --kernel-version 6.1.0-54-amd64 --config X86_64=y --config SMP=y
   --config PREEMPT_BUILD=y --config MODULE_UNLOAD=y --config MODVERSIONS=y --config MODULE_SIG=n)
mkdir wcorpus
wmod() {
	local n=$1 l=$2
	shift 2
	"$MKELF" --modinfo "license=$l" --modinfo "name=$n" --modinfo intree=Y --modinfo retpoline=Y \
		--modinfo "vermagic=$VM" --import-version-only module_layout:bce1a965 "$@" "wcorpus/$n.ko"
}
wmod nvidia NVIDIA --import dma_buf_get:00000011 --modinfo import_ns=DMA_BUF
wmod gpluser GPL --import dma_buf_put:00000002
wmod gpfs Proprietary --import moves:00000004
[ "$(st "$KEXPORT" symbol -j "${K[@]}" --modules wcorpus dma_buf_get dma_buf_put moves)" = 0 ] ||
	fail "what-if: exit $(cat rc.txt): $(cat err.txt)"
W="{s['name']: [(w['change'], [m['name'] for m in w['newly_refused']], [m['name'] for m in w['newly_loadable']]) for w in s['whatif']] for s in d['symbols']}"
want "$W['dma_buf_get']" "[('export', [], ['nvidia']), ('ns', [], [])]" "dma_buf_get opened to all frees nvidia"
want "$W['dma_buf_put']" "[('export', [], []), ('ns', [], ['gpluser'])]" "dma_buf_put without its namespace frees gpluser"
want "$W['moves']" "[('gpl-only', ['gpfs'], [])]" "moves made GPL-only refuses gpfs"
want "d['symbols'][0]['whatif'][0]['kernel']" "6.1.0-54-amd64" "the kernel judged against"
echo "ok: the what-if of each symbol for the corpus"

# --history: each change in a git repository's tags, with its commit (the
# history helper, its index in a cache of this test's own).
repo=$PWD/repo
mkdir -p "$repo/mm"
git -C "$repo" init -q
git -C "$repo" config user.email test@example.org
git -C "$repo" config user.name test
printf '#include <linux/export.h>\nvoid unmap_mapping_range(void) {}\nEXPORT_SYMBOL(unmap_mapping_range);\n' >"$repo/mm/memory.c"
git -C "$repo" add -A && git -C "$repo" commit -qm one && git -C "$repo" tag v1.0
git -C "$repo" commit -qm "unrelated" --allow-empty
printf '#include <linux/export.h>\nvoid unmap_mapping_range(void) {}\nEXPORT_SYMBOL_GPL(unmap_mapping_range);\n' >"$repo/mm/memory.c"
git -C "$repo" commit -qam "mm: make unmap_mapping_range GPL-only"
tightened=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" commit -qm "later" --allow-empty && git -C "$repo" tag v1.1
[ "$(XDG_CACHE_HOME=$PWD/xdg st "$KEXPORT" symbol -j --kernel old.symvers --kernel new.symvers \
	--history "$repo" unmap_mapping_range)" = 0 ] || fail "--history: exit $(cat rc.txt): $(cat err.txt)"
H="d['symbols'][0]['history']"
want "[(e['tag'], e['changes']) for e in $H]" "[('v1.0', ['added']), ('v1.1', ['kind_tightened'])]" "history events"
want "$H[1]['commit'], $H[1]['summary']" "('$tightened', 'mm: make unmap_mapping_range GPL-only')" \
	"the commit that tightened it"
[ "$(XDG_CACHE_HOME=$PWD/xdg st "$KEXPORT" symbol --kernel new.symvers --history "$repo" unmap_mapping_range)" = 0 ] &&
	grep -q "v1.1 .*kind_tightened  commit ${tightened:0:12} (\"mm: make unmap_mapping_range GPL-only\")" out.txt ||
	fail "--history, human: $(cat out.txt)"
echo "ok: --history: the commit of each change"

# Nothing matched: exit 1, said.
[ "$(st "$KEXPORT" symbol --kernel old.symvers nosuch 'none_*')" = 1 ] || fail "not found: exit $(cat rc.txt)"
[ "$(grep -c "not exported or imported" err.txt)" = 2 ] || fail "not found: $(cat err.txt)"
[ "$(st "$KEXPORT" symbol -j --kernel old.symvers nosuch dma_buf_get)" = 1 ] || fail "not found -j: exit $(cat rc.txt)"
want "d['not_found']" "['nosuch']" "not_found"
echo "ok: a pattern that matches nothing: exit 1"

# A bad kernel source: one line, exit 2, the others still there.
printf 'garbage\n' > bad.symvers
[ "$(st "$KEXPORT" symbol -j --kernel old.symvers --kernel bad.symvers --kernel new.symvers dma_buf_get)" = 2 ] ||
	fail "bad input: exit $(cat rc.txt)"
[ "$(wc -l < err.txt)" = 1 ] && grep -q "bad.symvers" err.txt || fail "bad input: $(cat err.txt)"
want "len(d['kernels'])" "2" "the other kernels"
echo "ok: a bad kernel source: $(cat err.txt)"

# No --kernel: the pinned generations in the test-data cache (a cache made
# here: the first and the last generation, each a tree with its
# build/Module.symvers and one module importing dma_buf_get).
first=$(kx_generation_abis | head -1)
last=$(kx_generation_abis | tail -1)
for abi in "$first" "$last"; do
	t=cache/amd64/$abi/lib/modules/$abi-amd64
	mkdir -p "$t/kernel" "$t/build"
	cp "$([ "$abi" = "$first" ] && echo old.symvers || echo new.symvers)" "$t/build/Module.symvers"
	"$MKELF" --modinfo license=GPL --modinfo name=user_$abi --import dma_buf_get:1 "$t/kernel/user.ko"
done
if [ "$(uname -m)" = x86_64 ]; then
	[ "$(KEXPORT_CACHE=$PWD/cache st "$KEXPORT" symbol -j dma_buf_get)" = 0 ] ||
		fail "pinned defaults: exit $(cat rc.txt): $(cat err.txt)"
	want "d['kernels']" "['$first-amd64', '$last-amd64']" "the pinned generations in the cache"
	want "d['symbols'][0]['kernels'][1]['changes']" "['ns_added', 'crc_changed']" "their changes"
	want "d['symbols'][0]['kernels'][1]['importers']['modules']" "1" "their modules"
	echo "ok: no --kernel: the pinned generations found in the cache"
fi

# Usage errors.
[ "$(KEXPORT_CACHE=$PWD/nocache st "$KEXPORT" symbol dma_buf_get)" = 2 ] || fail "no kernel: exit $(cat rc.txt)"
[ "$(st "$KEXPORT" symbol --kernel old.symvers)" = 2 ] || fail "no symbol: exit $(cat rc.txt)"
echo PASS
