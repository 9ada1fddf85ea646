#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport whatif on generated modules and a hand-written kernel: each kind of
# change, globs, change files, edits of a module's own exports, dependency
# chains (refusals and taints carried to importers), --who-uses, bad input.
# The real-kernel counterpart is real-whatif.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MKELF=${MKELF:?}
cd "$tmp"

VM="6.1.0-54-amd64 SMP preempt mod_unload modversions "
printf '%s\n' $'0xbce1a965\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t' \
	$'0x11111111\tprintk\tvmlinux\tEXPORT_SYMBOL\t' \
	$'0x22222222\tgpl_sym\tvmlinux\tEXPORT_SYMBOL_GPL\t' \
	$'0x44444444\tmmap_fn\tvmlinux\tEXPORT_SYMBOL\t' \
	$'0x33333333\tdma_buf_get\tvmlinux\tEXPORT_SYMBOL_GPL\tDMA_BUF' \
	$'0x55555555\tdma_buf_put\tvmlinux\tEXPORT_SYMBOL_GPL\tDMA_BUF' > Module.symvers
K=(--kernel Module.symvers --kernel-version 6.1.0-54-amd64 --config X86_64=y --config SMP=y
   --config PREEMPT_BUILD=y --config MODULE_UNLOAD=y --config MODVERSIONS=y --config MODULE_SIG=n)

mkdir tree
mk() {
	local name=$1 lic=$2
	shift 2
	"$MKELF" --modinfo "license=$lic" --modinfo "name=$name" --modinfo intree=Y --modinfo retpoline=Y \
		--modinfo "vermagic=$VM" --import-version-only module_layout:bce1a965 "$@" "tree/$name.ko"
}
mk gpluser GPL --import printk:11111111 --import mmap_fn:44444444
mk propuser Proprietary --import printk:11111111 --import mmap_fn:44444444
# a proprietary exporter and a chain of GPL modules below it
mk propexp Proprietary --import mmap_fn:44444444 --export pexp_fn:crc=0x77777777
mk chain1 GPL --import pexp_fn:77777777 --export c1_fn:crc=0x88888888
mk chain2 GPL --import c1_fn:88888888
mk weakuser GPL --import printk:11111111 --import pexp_fn:77777777:weak
mk dmaprop NVIDIA --import dma_buf_get:33333333 --import dma_buf_put:55555555 --modinfo import_ns=DMA_BUF
mk nsgpl GPL --import dma_buf_get:33333333 --modinfo import_ns=DMA_BUF

W=("$KEXPORT" whatif -j "${K[@]}" --modules tree)
by() { echo "sorted(m['name'] for m in d['modules'] if m['change'] == '$1')"; }

# today: everything loads except the proprietary dma-buf user
"$KEXPORT" audit -j --all "${K[@]}" tree > out.txt || true
want "sorted(m['name'] for m in d['modules'] if m['verdict'] == 'refused')" "['dmaprop']" today
want "[m['module_taint'] for m in d['modules'] if m['name'] in ('chain1', 'chain2', 'weakuser')]" \
	"['P', 'P', 'P']" "today: P inherited down the chain"

# --gpl-only: the non-GPL importers, and every module needing theirs
[ "$(st "${W[@]}" --gpl-only mmap_fn)" = 1 ] || fail "gpl-only: exit $(cat rc.txt), want 1"
want "$(by newly_refused)" "['chain1', 'chain2', 'propexp', 'propuser']" gpl-only
want "$(by taint)" "['weakuser']" "gpl-only: weak import of a refused owner's export"
want "[p['code'] for m in d['modules'] if m['name'] == 'propuser' for p in m['after']['problems'] if p['fatal']]" \
	"['GPL_ONLY']" gpl-only
want "[p['code'] for m in d['modules'] if m['name'] == 'chain2' for p in m['after']['problems'] if p['fatal']]" \
	"['DEPENDENCY']" "gpl-only chain"
want "(d['summary']['newly_refused'], d['summary']['unchanged'], d['summary']['judged_again'])" \
	"(4, 3, 6)" "gpl-only summary (gpluser is judged again, nsgpl and dmaprop are not)"
want "[(e['name'], e['before']['kind'], e['after']['kind']) for e in d['exports']]" \
	"[('mmap_fn', 'plain', 'gpl')]" "gpl-only exports"
st "$KEXPORT" whatif "${K[@]}" --modules tree --gpl-only mmap_fn > /dev/null
grep -q "tree/propuser.ko: loads, taint P -> refused (-2, ENOENT) (license Proprietary)" out.txt ||
	fail "gpl-only human: $(cat out.txt)"
grep -q "^8 modules: 4 newly refused, 0 newly loadable, 1 taint changed" out.txt || fail "gpl-only totals"
echo "ok: --gpl-only: non-GPL importers and their dependency chain refused, a weak user's taint drops"

# --export + dropping the namespace, with globs, on the command line and from a file
[ "$(st "${W[@]}" --export 'dma_buf_*' --ns 'dma_buf_*=')" = 0 ] || fail "export: exit $(cat rc.txt)"
want "$(by newly_loadable)" "['dmaprop']" export
want "[m['after']['module_taint'] for m in d['modules']]" "['P']" export
want "[c['matched'] for c in d['changes']]" "[2, 2]" "export globs"
printf '# open dma-buf to everyone\nexport dma_buf_*\n\n--ns dma_buf_*=   # no namespace\n' > changes.txt
[ "$(st "${W[@]}" --changes changes.txt)" = 0 ] || fail "changes file: exit $(cat rc.txt)"
want "$(by newly_loadable)" "['dmaprop']" "changes file"
echo "ok: --export/--ns globs and --changes: the proprietary dma-buf user loads"

# --ns to another namespace: the GPL importer no longer imports it
[ "$(st "${W[@]}" --ns dma_buf_get=OTHER_NS)" = 1 ] || fail "ns: exit $(cat rc.txt)"
want "$(by newly_refused)" "['nsgpl']" ns
want "[p['code'] for m in d['modules'] for p in m['after']['problems'] if p['fatal']]" "['NS_NOT_IMPORTED']" ns
# --unexport: missing for plain importers; the weak user keeps loading, untainted
[ "$(st "${W[@]}" --unexport pexp_fn)" = 1 ] || fail "unexport: exit $(cat rc.txt)"
want "$(by newly_refused)" "['chain1', 'chain2']" unexport
want "$(by taint)" "['weakuser']" unexport
want "[p['code'] for m in d['modules'] if m['name'] == 'chain1' for p in m['after']['problems'] if p['fatal']]" \
	"['MISSING']" unexport
# a module's own export edited: GPL-only from a proprietary owner
[ "$(st "${W[@]}" --gpl-only pexp_fn)" = 1 ] || fail "module export: exit $(cat rc.txt)"
want "$(by newly_refused)" "['chain1', 'chain2']" "module export"
want "[p['code'] for m in d['modules'] if m['name'] == 'chain1' for p in m['after']['problems'] if p['fatal']]" \
	"['PROPRIETARY_OWNER']" "module export"
# an edit of a symbol modules use only through __versions reaches them all
st "${W[@]}" --unexport module_layout > /dev/null
want "d['summary']['judged_again']" 8 "module_layout"
echo "ok: --ns, --unexport, and edits of a module's own export"

# --who-uses
[ "$(st "${W[@]}" --who-uses 'dma_buf_*' mmap_fn)" = 0 ] || fail "who-uses: exit $(cat rc.txt)"
want "[(m['name'], m['license'], m['gpl_compatible'], m['today']['verdict'], m['imports']) for m in d['modules']]" \
	"[('dmaprop', 'NVIDIA', False, 'refused', ['dma_buf_get', 'dma_buf_put']), ('gpluser', 'GPL', True, 'loads', ['mmap_fn']), ('nsgpl', 'GPL', True, 'loads', ['dma_buf_get']), ('propexp', 'Proprietary', False, 'loads', ['mmap_fn']), ('propuser', 'Proprietary', False, 'loads', ['mmap_fn'])]" who-uses
echo "ok: --who-uses"

# bad input: one line, exit 2; a glob matching nothing is a warning
[ "$(st "${W[@]}" --gpl-only 'nosuch_*')" = 0 ] || fail "empty glob: exit $(cat rc.txt)"
grep -qx "kexport: whatif: warning: --gpl-only 'nosuch_\*' matches no export" err.txt || fail "empty glob: $(cat err.txt)"
want "d['summary']['unchanged']" 8 "empty glob"
for args in "--ns dma_buf_get" "--gpl-only" "--frobnicate x" "--changes nosuch.txt" "--who-uses x --export y" ""; do
	# shellcheck disable=SC2086
	[ "$(st "$KEXPORT" whatif "${K[@]}" --modules tree $args)" = 2 ] || fail "'$args': exit $(cat rc.txt)"
done
[ "$(st "$KEXPORT" whatif "${K[@]}" --export x)" = 2 ] || fail "no --modules: exit $(cat rc.txt)"
printf 'export printk\nmake-gpl printk\n' > bad.txt
[ "$(st "$KEXPORT" whatif "${K[@]}" --modules tree --changes bad.txt)" = 2 ] || fail "bad change file"
[ "$(wc -l < err.txt)" = 1 ] && grep -q "^kexport: bad.txt: line 2: unknown change 'make-gpl'" err.txt ||
	fail "bad change file: $(cat err.txt)"
head -c 100 tree/gpluser.ko > tree/truncated.ko
[ "$(st "${W[@]}" --gpl-only mmap_fn)" = 2 ] || fail "truncated module: exit $(cat rc.txt)"
[ "$(wc -l < err.txt)" = 1 ] && grep -q "truncated.ko" err.txt || fail "truncated module: $(cat err.txt)"
want "d['summary']['newly_refused']" 4 "the other modules are still judged"
echo "ok: bad input"
