#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport diff end to end on hand-written Module.symvers files and generated
# module trees: every class, a symbol in several classes, module trees
# (modules added/removed, owner moved), --stablelist in both formats,
# --rules with SUSE's semantics (first match, module/namespace/symbol
# patterns, the old export decides, unmatched fails), --format symvers,
# --modules verdicts, exit statuses and bad input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MKELF=${MKELF:?}
cd "$tmp"

t() { printf '%s\t%s\t%s\t%s\t%s\n' "$@"; } # CRC NAME OWNER KIND NS

{
	t 0x00000001 same vmlinux EXPORT_SYMBOL ""
	t 0x00000002 gone vmlinux EXPORT_SYMBOL ""
	t 0x00000003 tight vmlinux EXPORT_SYMBOL ""
	t 0x00000004 loose vmlinux EXPORT_SYMBOL_GPL ""
	t 0x00000005 nsadd drivers/a/a EXPORT_SYMBOL_GPL ""
	t 0x00000006 nsdel drivers/a/a EXPORT_SYMBOL_GPL NS_A
	t 0x00000007 nschg drivers/a/a EXPORT_SYMBOL_GPL NS_A
	t 0x00000008 crc drivers/scsi/s EXPORT_SYMBOL ""
	t 0x00000009 tomod vmlinux EXPORT_SYMBOL_GPL ""
	t 0x0000000a tovml drivers/a/a EXPORT_SYMBOL ""
	t 0x0000000b modmod drivers/a/a EXPORT_SYMBOL ""
	t 0x0000000c multi vmlinux EXPORT_SYMBOL ""
	t 0x0000000d scsigone drivers/scsi/s EXPORT_SYMBOL_GPL ""
} > old.symvers
{
	t 0x00000001 same vmlinux EXPORT_SYMBOL ""
	t 0x00000003 tight vmlinux EXPORT_SYMBOL_GPL ""
	t 0x00000004 loose vmlinux EXPORT_SYMBOL ""
	t 0x00000005 nsadd drivers/a/a EXPORT_SYMBOL_GPL NS_B
	t 0x00000006 nsdel drivers/a/a EXPORT_SYMBOL_GPL ""
	t 0x00000007 nschg drivers/a/a EXPORT_SYMBOL_GPL NS_B
	t 0x00000080 crc drivers/scsi/s EXPORT_SYMBOL ""
	t 0x00000009 tomod drivers/b/b EXPORT_SYMBOL_GPL ""
	t 0x0000000a tovml vmlinux EXPORT_SYMBOL ""
	t 0x0000000b modmod drivers/b/b EXPORT_SYMBOL ""
	t 0x000000c0 multi drivers/b/b EXPORT_SYMBOL_GPL NS_C
	t 0x0000000e new vmlinux EXPORT_SYMBOL ""
} > new.symvers

# --- every class ------------------------------------------------------------
[ "$(st "$KEXPORT" diff -j old.symvers new.symvers)" = 1 ] || fail "default: exit $(cat rc.txt), want 1"
cls() { python3 -c "import json,sys; d=json.load(open('out.txt')); print(' '.join(sorted(s['name'] for s in d['symbols'] if sys.argv[1] in s['changes'])))" "$1"; }
check_class() { [ "$(cls "$1")" = "$2" ] || fail "class $1: '$(cls "$1")', want '$2'"; want "d['counts']['$1']" "$(wc -w <<< "$2")" "count $1"; }
check_class added "new"
check_class removed "gone scsigone"
check_class kind_tightened "multi tight"
check_class kind_loosened "loose"
check_class kind_changed ""
check_class ns_added "multi nsadd"
check_class ns_removed "nsdel"
check_class ns_changed "nschg"
check_class crc_changed "crc multi"
check_class owner_moved "modmod multi tomod tovml"
want "d['counts']['symbols']" 13 "symbols"
want "[s['changes'] for s in d['symbols'] if s['name'] == 'multi'][0]" \
	"['kind_tightened', 'ns_added', 'crc_changed', 'owner_moved']" "multi in four classes"
want "[s['new'] for s in d['symbols'] if s['name'] == 'gone'][0]" None "removed has no new"
want "[s['old'] for s in d['symbols'] if s['name'] == 'new'][0]" None "added has no old"
# Default policy: removed, tightened, namespace added/changed, CRC changed fail.
want "sorted(s['name'] for s in d['symbols'] if s['failing'])" \
	"['crc', 'gone', 'multi', 'nsadd', 'nschg', 'scsigone', 'tight']" "default failing"
want "d['counts']['failing']" 7 "failing count"
want "set(s['judged_by'] for s in d['symbols'] if s['failing'])" "{'default'}" "judged by default"
echo "ok: every class, one symbol in four classes, default failing set"

[ "$(st "$KEXPORT" diff old.symvers old.symvers)" = 0 ] || fail "identical: exit $(cat rc.txt)"
grep -qx "failing          0" out.txt || fail "identical: $(cat out.txt)"
[ "$(st "$KEXPORT" diff old.symvers new.symvers)" = 1 ] || fail "human: exit"
grep -qx "kind_tightened (2):" out.txt || fail "human: no kind_tightened group"
grep -qx "  tight  EXPORT_SYMBOL -> EXPORT_SYMBOL_GPL  FAIL (default)" out.txt || fail "human: tight line"
grep -qx "  modmod  drivers/a/a -> drivers/b/b" out.txt || fail "human: owner line"
grep -qx "crc_changed      2" out.txt || fail "human: counts"
[ "$(st "$KEXPORT" diff --format symvers old.symvers new.symvers)" = 1 ] || fail "symvers: exit"
[ "$(wc -l < out.txt)" = 13 ] || fail "symvers: $(wc -l < out.txt) lines, want 13"
grep -qxF "$(t 0x00000002 gone vmlinux EXPORT_SYMBOL "")" out.txt || fail "symvers: removed line is OLD's"
grep -qxF "$(t 0x000000c0 multi drivers/b/b EXPORT_SYMBOL_GPL NS_C)" out.txt || fail "symvers: NEW's line"
echo "ok: human and symvers output, identical inputs exit 0"

# --- stablelists --------------------------------------------------------------
printf '[rhel9_x86_64_stablelist]\n\tsame\n\tloose\n\tnsdel\n\n' > stable-ok
[ "$(st "$KEXPORT" diff old.symvers new.symvers --stablelist stable-ok)" = 0 ] ||
	fail "stablelist of unbroken symbols: exit $(cat rc.txt)"
printf '# plain list\ntight   # comment\nsame\n' > stable-plain
[ "$(st "$KEXPORT" diff -j old.symvers new.symvers --stablelist stable-plain)" = 1 ] ||
	fail "plain stablelist with a tightened symbol: exit $(cat rc.txt)"
want "[(s['name'], s['judged_by']) for s in d['symbols'] if s['failing']]" "[('tight', 'stablelist')]" "plain stablelist"
printf '[rhel8_x86_64_whitelist]\n\tgone\n[other]\n\tnew\n' > stable-wl
[ "$(st "$KEXPORT" diff -j old.symvers new.symvers --stablelist stable-wl)" = 1 ] || fail "whitelist: exit"
want "[s['name'] for s in d['symbols'] if s['failing']]" "['gone']" "whitelist"
echo "ok: stablelists (Red Hat sections and plain) decide, exit 0/1"

# --- severity rules (SUSE kabi/severities) ------------------------------------
cat > rules <<'EOF'
# module rules match the old owner; first match wins
drivers/scsi/*   PASS
crc              FAIL        # never reached for 'crc': the module rule came first
NS_A             PASS
tig?t            PASS
EOF
[ "$(st "$KEXPORT" diff -j old.symvers new.symvers --rules rules)" = 1 ] || fail "rules: exit $(cat rc.txt)"
want "sorted((s['name'], s['judged_by'], s['rule_line'] if s['rule'] else 0) for s in d['symbols'] if s['changes'] and s['judged_by'])" \
	"[('crc', 'rule', 2), ('gone', 'default', 0), ('multi', 'default', 0), ('nsadd', 'default', 0), ('nschg', 'rule', 4), ('scsigone', 'rule', 2), ('tight', 'rule', 5)]" "rules"
want "sorted(s['name'] for s in d['symbols'] if s['failing'])" "['gone', 'multi', 'nsadd']" "rules failing"
printf 'vmlinux PASS\ndrivers/* PASS\n' > rules-pass
[ "$(st "$KEXPORT" diff old.symvers new.symvers --rules rules-pass)" = 0 ] || fail "all tolerated: exit $(cat rc.txt)"
printf 'vmlinux FAIL\n' > rules-vm
[ "$(st "$KEXPORT" diff -j old.symvers new.symvers --stablelist stable-ok --rules rules-vm)" = 1 ] ||
	fail "stablelist + rules: exit"
# With a stablelist, unmatched symbols are out of scope; rules add failures.
want "sorted(s['name'] for s in d['symbols'] if s['failing'])" "['gone', 'multi', 'tight']" "stablelist+rules"
echo "ok: severity rules: module/namespace/symbol patterns, first match, default FAIL"

# --- bad input: one line naming the file, exit 2 --------------------------------
bad() { # bad WHAT ARGS...: exit 2 and one stderr line naming the file
	local what=$1 file=$2
	shift 2
	[ "$(st "$KEXPORT" diff "$@")" = 2 ] || fail "$what: exit $(cat rc.txt), want 2"
	[ "$(wc -l < err.txt)" = 1 ] || fail "$what: stderr: $(cat err.txt)"
	grep -qF "$file" err.txt || fail "$what: stderr does not name $file: $(cat err.txt)"
}
printf 'drivers/x FAIL\nfoo MAYBE\n' > rules-bad
bad "bad verdict" rules-bad old.symvers new.symvers --rules rules-bad
grep -q "line 2: invalid verdict 'MAYBE'" err.txt || fail "bad verdict message: $(cat err.txt)"
printf 'foo\n' > rules-noverdict
bad "no verdict" rules-noverdict old.symvers new.symvers --rules rules-noverdict
printf 'foo PASS extra\n' > rules-extra
bad "extra word" rules-extra old.symvers new.symvers --rules rules-extra
printf '\tgood\n\ttwo words\n' > stable-bad
bad "stablelist garbage" stable-bad old.symvers new.symvers --stablelist stable-bad
printf '[unterminated\n\tx\n' > stable-hdr
bad "stablelist header" stable-hdr old.symvers new.symvers --stablelist stable-hdr
head -c 300 /dev/urandom > garbage; printf '\0' >> garbage
bad "binary stablelist" garbage old.symvers new.symvers --stablelist garbage
bad "missing stablelist" nonexistent old.symvers new.symvers --stablelist nonexistent
bad "garbage OLD" garbage garbage new.symvers
bad "missing NEW" nonexistent old.symvers nonexistent
printf '0x1\tx\n' > trunc.symvers
bad "truncated OLD" trunc.symvers trunc.symvers new.symvers
[ "$(st "$KEXPORT" diff old.symvers)" = 2 ] || fail "one operand: exit $(cat rc.txt)"
[ "$(st "$KEXPORT" diff old.symvers new.symvers extra)" = 2 ] || fail "three operands: exit $(cat rc.txt)"
[ "$(st "$KEXPORT" diff -j --rules rules-bad old.symvers new.symvers)" = 2 ] || fail "JSON bad rules"
want "d['errors'][0]['path']" rules-bad "JSON errors"
want "d['counts']['symbols']" 13 "the diff is still printed"
echo "ok: bad rules, stablelists and sources: one line naming the file, exit 2"

# --- module trees: modules added/removed, owner moved ---------------------------
mkdir -p oldtree/kernel/drivers/a oldtree/kernel/drivers/c newtree/kernel/drivers/b newtree/kernel/drivers/c
touch oldtree/modules.order newtree/modules.order
"$MKELF" --modinfo license=GPL --export mover:crc=11 --export stay:crc=12 oldtree/kernel/drivers/a/a.ko
"$MKELF" --modinfo license=GPL --export mover:crc=11 newtree/kernel/drivers/b/b.ko
"$MKELF" --modinfo license=GPL --export stay:crc=13 newtree/kernel/drivers/c/c.ko
"$MKELF" --modinfo license=GPL oldtree/kernel/drivers/c/noexp.ko
"$MKELF" --modinfo license=GPL newtree/kernel/drivers/c/noexp.ko
st "$KEXPORT" diff -j oldtree newtree > /dev/null
# No kernel image beside the trees: reported, exit 2, the diff still made.
[ "$(cat rc.txt)" = 2 ] || fail "trees without images: exit $(cat rc.txt)"
want "sorted(d['modules']['added'])" "['drivers/b/b', 'drivers/c/c']" "modules added"
want "d['modules']['removed']" "['drivers/a/a']" "modules removed"
want "[(s['name'], s['changes']) for s in d['symbols']]" \
	"[('mover', ['owner_moved']), ('stay', ['crc_changed', 'owner_moved'])]" "owner moved in trees"
echo "ok: module trees: modules added/removed, owner moved"

# --- --modules: the verdict engine against OLD and NEW ---------------------------
VM="6.1.0-54-amd64 SMP preempt mod_unload modversions "
{
	t 0xbce1a965 module_layout vmlinux EXPORT_SYMBOL ""
	t 0x11111111 printk vmlinux EXPORT_SYMBOL ""
	t 0x22222222 gpl_sym vmlinux EXPORT_SYMBOL ""
	t 0x33333333 ns_sym vmlinux EXPORT_SYMBOL ""
	t 0x44444444 unused vmlinux EXPORT_SYMBOL ""
} > kold.symvers
{
	t 0xbce1a965 module_layout vmlinux EXPORT_SYMBOL ""
	t 0x11111112 printk vmlinux EXPORT_SYMBOL ""
	t 0x22222222 gpl_sym vmlinux EXPORT_SYMBOL_GPL ""
	t 0x33333333 ns_sym vmlinux EXPORT_SYMBOL NS_X
	t 0x55555555 unused vmlinux EXPORT_SYMBOL ""
} > knew.symvers
mk() {
	local name=$1 lic=$2
	shift 2
	"$MKELF" --modinfo "license=$lic" --modinfo "name=$name" --modinfo intree=Y --modinfo retpoline=Y \
		--modinfo "vermagic=$VM" --import-version-only module_layout:bce1a965 "$@" "$name.ko"
}
mk crcuser GPL --import printk:11111111
mk gpluser Proprietary --import gpl_sym:22222222
mk gplok GPL --import gpl_sym:22222222
mk nsuser GPL --import ns_sym:33333333
[ "$(st "$KEXPORT" diff -j kold.symvers knew.symvers --modules crcuser.ko gpluser.ko gplok.ko nsuser.ko)" = 1 ] ||
	fail "--modules: exit $(cat rc.txt)"
want "[s['name'] for s in d['symbols']]" "['gpl_sym', 'ns_sym', 'printk']" "--modules limits to imports"
want "[(m['name'], m['change']) for m in d['impact']]" \
	"[('crcuser', 'stops_loading'), ('gpluser', 'stops_loading'), ('gplok', 'unchanged'), ('nsuser', 'stops_loading')]" "impact"
want "[[p['code'] for p in m['new']['problems'] if p['fatal']] for m in d['impact']]" \
	"[['CRC_MISMATCH'], ['GPL_ONLY'], [], ['NS_NOT_IMPORTED']]" "impact reasons"
want "d['impact'][0]['new']['errno']" -22 "crc errno"
want "d['counts']['modules_stop_loading']" 3 "stop count"
[ "$(st "$KEXPORT" diff kold.symvers knew.symvers --modules gplok.ko)" = 0 ] || fail "--modules gplok: exit $(cat rc.txt)"
grep -q "gplok.ko: unchanged (loads, taint E -> loads, taint E)" out.txt || fail "human impact: $(cat out.txt)"
echo "ok: --modules: imports only, verdicts against OLD and NEW with reasons, exit 1 when a module stops loading"
