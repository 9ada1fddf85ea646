#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kexport exports on a small generated kernel source tree: detection, the
# namespaces Makefiles give (ccflags-y, CFLAGS_obj.o, subdir-ccflags-y),
# --config (obj-y/obj-m/obj-$(CONFIG_X), NAME-y composites, ifeq, #ifdef in
# the file, built in vs module), and bad files: a binary, a huge and an
# unterminated one each give one line naming the file and exit 2 while the
# rest of the tree is still read.
set -euo pipefail
KEXPORT=${KEXPORT:?}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t=$tmp/linux
mkdir -p "$t/include/linux" "$t/kernel" "$t/drivers/foo/sub" "$t/drivers/off" "$t/arch/x86/lib"
echo '/* the macros are defined here: not exports */
#define EXPORT_SYMBOL(sym) __EXPORT_SYMBOL(sym, "", "")' > "$t/include/linux/export.h"
cat > "$t/Kbuild" <<'MK'
obj-y += kernel/
obj-y += drivers/
obj-y += arch/$(SRCARCH)/
MK
echo 'all:' > "$t/Makefile"
echo 'libs-y += arch/x86/lib/' > "$t/arch/x86/Makefile"
echo 'lib-y := string.o' > "$t/arch/x86/lib/Makefile"
printf 'EXPORT_SYMBOL(memcpy)\n' > "$t/arch/x86/lib/string.S"
cat > "$t/kernel/Makefile" <<'MK'
obj-y = core.o
obj-$(CONFIG_LOCKDEP) += lockdep.o
MK
cat > "$t/kernel/core.c" <<'C'
#include <linux/export.h>
/* EXPORT_SYMBOL(commented_out); */
EXPORT_SYMBOL(core_plain);
EXPORT_SYMBOL_GPL(
	core_split);
#ifdef CONFIG_LOCKDEP
EXPORT_SYMBOL_GPL(core_lockdep);
#else
EXPORT_SYMBOL(core_nolockdep);
#endif
#if IS_ENABLED(CONFIG_FOO) && !defined(MODULE)
EXPORT_SYMBOL(core_foo_enabled);
#endif
C
echo 'EXPORT_SYMBOL_GPL(lockdep_only);' > "$t/kernel/lockdep.c"
cat > "$t/drivers/Makefile" <<'MK'
obj-$(CONFIG_FOO) += foo/
obj-$(CONFIG_OFF) += off/
MK
cat > "$t/drivers/foo/Makefile" <<'MK'
ccflags-y += -DDEFAULT_SYMBOL_NAMESPACE=FOO
CFLAGS_special.o := -DDEFAULT_SYMBOL_NAMESPACE='"SPECIAL"'
subdir-ccflags-y += -DDEFAULT_SYMBOL_NAMESPACE=SUBNS
obj-$(CONFIG_FOO) += foo.o sub/
foo-y := main.o special.o
ifeq ($(CONFIG_FOO_EXTRA),y)
foo-y += extra.o
endif
MK
printf '#ifdef MODULE\nEXPORT_SYMBOL(foo_main_as_module);\n#endif\nEXPORT_SYMBOL_GPL(foo_main);\n' > "$t/drivers/foo/main.c"
echo 'EXPORT_SYMBOL(foo_special);' > "$t/drivers/foo/special.c"
echo 'EXPORT_SYMBOL(foo_extra);' > "$t/drivers/foo/extra.c"
echo 'obj-y += sub.o' > "$t/drivers/foo/sub/Makefile"
echo 'EXPORT_SYMBOL(foo_sub);' > "$t/drivers/foo/sub/sub.c"
echo 'obj-y += off.o' > "$t/drivers/off/Makefile"
echo 'EXPORT_SYMBOL(off_sym);' > "$t/drivers/off/off.c"
printf 'CONFIG_X86=y\nCONFIG_64BIT=y\nCONFIG_FOO=m\n# CONFIG_LOCKDEP is not set\n' > "$tmp/config"

# 1. every export macro, with file:line and namespaces, exit 0
"$KEXPORT" exports -j "$t" > "$tmp/all.json" 2> "$tmp/err" || fail "exit $? on a good tree: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "stderr on a good tree: $(cat "$tmp/err")"
python3 - "$tmp/all.json" <<'PY' || fail "plain scan"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sources"][0]["type"] == "kernel source tree", d["sources"]
got = {e["name"]: (e["kind"], e["namespace"], e["source"]) for e in d["exports"]}
want = {
    "core_plain": ("EXPORT_SYMBOL", "", "kernel/core.c:3"),
    "core_split": ("EXPORT_SYMBOL_GPL", "", "kernel/core.c:4"),
    "core_lockdep": ("EXPORT_SYMBOL_GPL", "", "kernel/core.c:7 if defined(CONFIG_LOCKDEP)"),
    "core_nolockdep": ("EXPORT_SYMBOL", "", "kernel/core.c:9 if !defined(CONFIG_LOCKDEP)"),
    "core_foo_enabled": ("EXPORT_SYMBOL", "", "kernel/core.c:12 if (IS_ENABLED(CONFIG_FOO) && !defined(MODULE))"),
    "lockdep_only": ("EXPORT_SYMBOL_GPL", "", "kernel/lockdep.c:1"),
    "foo_main_as_module": ("EXPORT_SYMBOL", "FOO", "drivers/foo/main.c:2 if defined(MODULE)"),
    "foo_main": ("EXPORT_SYMBOL_GPL", "FOO", "drivers/foo/main.c:4"),
    "foo_special": ("EXPORT_SYMBOL", "SPECIAL", "drivers/foo/special.c:1"),
    "foo_extra": ("EXPORT_SYMBOL", "FOO", "drivers/foo/extra.c:1"),
    "foo_sub": ("EXPORT_SYMBOL", "SUBNS", "drivers/foo/sub/sub.c:1"),
    "off_sym": ("EXPORT_SYMBOL", "", "drivers/off/off.c:1"),
    "memcpy": ("EXPORT_SYMBOL", "", "arch/x86/lib/string.S:1"),
}
assert got == want, (sorted(set(got.items()) ^ set(want.items())))
PY
echo "ok: every export macro of the tree"

# 2. --config: what is built, and as what
"$KEXPORT" exports -j --config "$tmp/config" "$t" > "$tmp/cfg.json" 2> "$tmp/err" || fail "--config: exit $?: $(cat "$tmp/err")"
python3 - "$tmp/cfg.json" <<'PY' || fail "--config"
import json, sys
d = json.load(open(sys.argv[1]))
got = {e["name"]: e["owner"] for e in d["exports"]}
want = {
    "core_plain": "vmlinux", "core_split": "vmlinux", "core_nolockdep": "vmlinux",
    "core_foo_enabled": "vmlinux",
    "foo_main_as_module": "drivers/foo/foo", "foo_main": "drivers/foo/foo",
    "foo_special": "drivers/foo/foo", "foo_sub": "drivers/foo/sub/sub",
    "memcpy": "vmlinux",
}
assert got == want, (sorted(set(got.items()) ^ set(want.items())))
PY
echo "ok: --config builds what kbuild would"

# 3. the table: one row per export with the owner column
"$KEXPORT" exports --config "$tmp/config" --match 'foo_*' "$t" > "$tmp/table"
grep -q '^foo_special  *EXPORT_SYMBOL  *SPECIAL  *-  *drivers/foo/foo$' "$tmp/table" || fail "table: $(cat "$tmp/table")"

# 4. bad files: one line each naming the file, exit 2, the others still read
printf 'EXPORT_SYMBOL(bin);\0\1\2' > "$t/kernel/binary.c"
printf '/* never closed\nEXPORT_SYMBOL(hidden);\n' > "$t/kernel/open.c"
printf 'EXPORT_SYMBOL_GPL(unterminated_args\n' > "$t/kernel/args.c"
head -c $((65 << 20)) /dev/zero | tr '\0' ' ' > "$t/kernel/huge.c"
rc=0
"$KEXPORT" exports -j "$t" > "$tmp/bad.json" 2> "$tmp/err" || rc=$?
[ $rc -eq 2 ] || fail "bad files: exit $rc, want 2"
for f in binary.c open.c args.c huge.c; do
	[ "$(grep -c "kernel/$f" "$tmp/err")" -eq 1 ] || fail "no one-line error for $f: $(cat "$tmp/err")"
done
[ "$(wc -l < "$tmp/err")" -eq 4 ] || fail "more than one line per bad file: $(cat "$tmp/err")"
python3 - "$tmp/bad.json" <<'PY' || fail "the good files of a tree with bad ones"
import json, sys
d = json.load(open(sys.argv[1]))
names = {e["name"] for e in d["exports"]}
assert {"core_plain", "foo_sub", "memcpy"} <= names and not names & {"bin", "hidden"}, names
assert d["sources"][0]["bad_inputs"] == 4, d["sources"]
PY
echo "ok: bad files reported, exit 2, the rest read"
