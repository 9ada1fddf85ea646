#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport surface end to end on hand-written Module.symvers files and
# generated modules: imports by exporter (vmlinux, an in-tree module, another
# module given), GPL-only and namespaced counts, changes across two kernels
# (kind and namespace first), bad input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MKELF=${MKELF:?}
cd "$tmp"

t() { printf '%s\t%s\t%s\t%s\t%s\n' "$@"; } # CRC NAME OWNER KIND NS

{
	t 0x00000001 printk vmlinux EXPORT_SYMBOL ""
	t 0x00000002 dma_buf_get vmlinux EXPORT_SYMBOL ""
	t 0x00000003 jbd2_start fs/jbd2/jbd2 EXPORT_SYMBOL ""
} > old.symvers
{
	t 0x00000001 printk vmlinux EXPORT_SYMBOL ""
	t 0x00000022 dma_buf_get vmlinux EXPORT_SYMBOL_GPL DMA_BUF
	t 0x00000033 jbd2_start fs/jbd2/jbd2 EXPORT_SYMBOL ""
} > new.symvers
mkdir mods
"$MKELF" --modinfo license=GPL --modinfo name=spl --import printk:1 --export spl_alloc:crc=0x9 mods/spl.ko
"$MKELF" --modinfo license=CDDL --modinfo name=zfs --import printk:1 --import dma_buf_get:22 \
	--import jbd2_start:33 --import spl_alloc:9 mods/zfs.ko

[ "$(st "$KEXPORT" surface -j --kernel old.symvers --kernel new.symvers mods/zfs.ko mods/spl.ko)" = 0 ] ||
	fail "exit $(cat rc.txt): $(cat err.txt)"
Z="d['modules'][0]"
want "$Z['name']" "zfs" "order as given"
want "$Z['imports'], $Z['gpl_only'], $Z['namespaced'], $Z['from_given_modules'], $Z['not_exported']" \
	"(4, 1, 1, 1, 0)" "zfs counts"
want "sorted((x['name'], x['imports']) for x in $Z['exporters'])" \
	"[('fs/jbd2/jbd2', 1), ('spl', 1), ('vmlinux', 2)]" "exporters"
want "[(x['name'], x['imports'], x['gpl_only']) for x in $Z['namespaces']]" "[('DMA_BUF', 1, 1)]" "namespaces"
want "[c['symbol'] for c in $Z['changed']]" "['dma_buf_get', 'jbd2_start']" "kind/ns changes first"
want "$Z['changed'][0]['changes']" "['kind_tightened', 'ns_added', 'crc_changed']" "dma_buf_get's changes"
want "$Z['kind_or_namespace_changed']" "1" "kind or namespace changed"
want "$Z['interior']" "[]" "no tree: no in-tree counts"
echo "ok: counts, exporters (a module given among them), namespaces, changes"

[ "$(st "$KEXPORT" surface --kernel old.symvers --kernel new.symvers mods/zfs.ko)" = 0 ] || fail "human: exit $(cat rc.txt)"
grep -qE "^zfs +4 +33.3% +1 +3 +0 +2 +1$" out.txt || fail "human table: $(cat out.txt)"
grep -q "changed across the kernels: dma_buf_get (kind_tightened,ns_added,crc_changed), jbd2_start (crc_changed)" out.txt ||
	fail "human changes: $(cat out.txt)"
echo "ok: human output"

printf 'garbage' > bad.ko
[ "$(st "$KEXPORT" surface -j --kernel new.symvers mods/zfs.ko bad.ko)" = 2 ] || fail "bad input: exit $(cat rc.txt)"
[ "$(wc -l < err.txt)" = 1 ] && grep -q "bad.ko" err.txt || fail "bad input: $(cat err.txt)"
want "len(d['modules'])" "1" "the other module still reported"
[ "$(st "$KEXPORT" surface mods/zfs.ko)" = 2 ] || fail "no kernel: exit $(cat rc.txt)"
echo PASS
