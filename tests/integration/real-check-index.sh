#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `kexport check --kernel /usr/lib/modules/<K> M.ko` on an installed system,
# where depmod has written kmod's indexes: only the image and the modules
# exporting what M needs are read (kexport_read_exports_for), not the whole
# compressed tree; every verdict must equal the full read's.
#   real-check-index.sh ABI        (amd64)
. "$(dirname "$0")/lib.sh"
abi=${1:?abi}
use_kernel amd64 "$abi"
command -v depmod > /dev/null || fail "depmod (kmod) is missing"
k=$abi-amd64

# The tree as installed: a root whose lib/modules/K links every entry of the
# package's tree, with the indexes depmod writes at installation.
view=$derived/installed
if [ ! -f "$view/lib/modules/$k/modules.symbols" ]; then
	rm -rf "$view" && mkdir -p "$view/usr/lib/modules/$k"
	ln -s usr/lib "$view/lib"
	[ -d "$root/boot" ] && ln -s "$root/boot" "$view/boot"
	for e in "$tree"/*; do ln -s "$e" "$view/usr/lib/modules/$k/"; done
	depmod -b "$view" "$k" || fail "depmod -b $view $k failed"
fi
dir=$view/usr/lib/modules/$k
[ -s "$dir/modules.symbols" ] && [ -s "$dir/modules.dep" ] || fail "no indexes in $dir"

# A sample: every 97th module of modules.dep (its paths have the real
# extension, modules.order not always), and some with dependencies.
mapfile -t sample < <(cut -d: -f1 "$dir/modules.dep" | sort > "$tmp/all"; awk 'NR % 97 == 1' "$tmp/all"; grep -E '/(cuse|btrfs|nfsd|kvm-intel|snd-hda-intel|i915|xfs)\.ko' "$tmp/all")
paths=()
for m in "${sample[@]}"; do paths+=("$dir/$m"); done
[ ${#paths[@]} -ge 40 ] || fail "a sample of only ${#paths[@]} modules"

# The full read: the image and the whole tree (no indexes under kernel/).
"$KEXPORT" check -j --kernel "$image" --kernel "$dir/kernel" "${paths[@]}" > "$tmp/full.json" || [ $? -le 3 ] ||
	fail "full read: exit $?"
# The indexed read, all at once and one module at a time for a few.
"$KEXPORT" check -v -j --kernel "$dir" "${paths[@]}" > "$tmp/index.json" 2> "$tmp/index.err" || [ $? -le 3 ] ||
	fail "indexed read: exit $?"
grep -q "modules directory ([0-9]* of [0-9]* modules, those exporting what is needed, by modules.symbols" "$tmp/index.err" ||
	fail "the indexed read was not used: $(cat "$tmp/index.err")"
for i in 0 7 $((${#paths[@]} - 1)) $((${#paths[@]} - 3)); do
	"$KEXPORT" check -j --kernel "$dir" "${paths[$i]}" > "$tmp/one-$i.json" || [ $? -le 3 ] || fail "indexed read of ${paths[$i]}"
done
python3 - "$tmp" "${#paths[@]}" <<'PY' || fail "the indexed read's verdicts differ from the full read's"
import json, os, sys, glob
tmp, n = sys.argv[1], int(sys.argv[2])
full = {m["path"]: m for m in json.load(open(os.path.join(tmp, "full.json")))["modules"]}
idx = json.load(open(os.path.join(tmp, "index.json")))["modules"]
bad = [m["path"] for m in idx if full.get(m["path"]) != m]
singles = 0
for f in glob.glob(os.path.join(tmp, "one-*.json")):
    for m in json.load(open(f))["modules"]:
        singles += 1
        if full.get(m["path"]) != m:
            bad.append(m["path"] + " (alone)")
for b in bad[:10]:
    print("  differs: " + b, file=sys.stderr)
if len(idx) != n or len(full) != n:
    bad.append("%d/%d verdicts for %d modules" % (len(idx), len(full), n))
refused = sum(1 for m in idx if m["verdict"] != "loads")
print("ok: %d verdicts (%d refused) and %d single checks from kmod's indexes equal the full read's"
      % (len(idx), refused, singles))
sys.exit(1 if bad else 0)
PY
sed -n 's/.*(\([0-9]* of [0-9]* modules\).*/ok: the indexed read of the sample read \1/p' "$tmp/index.err"

# An index that is not kmod's: said in one line naming it, and the tree is
# read whole, with the same verdicts.
bad=$tmp/bad/usr/lib/modules/$k
mkdir -p "$bad" && ln -s usr/lib "$tmp/bad/lib"
[ -d "$root/boot" ] && ln -s "$root/boot" "$tmp/bad/boot"
for e in "$dir"/*; do ln -s "$(readlink -f "$e")" "$bad/"; done
rm "$bad/modules.dep" && printf 'this is not modules.dep\n' > "$bad/modules.dep"
one=${paths[0]#"$dir/"}
"$KEXPORT" check -j --kernel "$bad" "$bad/$one" > "$tmp/bad.json" 2> "$tmp/bad.err" || [ $? -le 3 ] ||
	fail "check with a broken modules.dep: exit $?"
grep -qx "kexport: $bad/modules.dep: modules.dep line 1 has no ':' (not kmod's modules.dep)" "$tmp/bad.err" ||
	fail "a broken modules.dep is not named in one line: $(cat "$tmp/bad.err")"
python3 - "$tmp/bad.json" "$tmp/full.json" "$one" <<'PY' || fail "with a broken modules.dep the verdict differs"
import json, sys
got = json.load(open(sys.argv[1]))["modules"][0]
want = next(m for m in json.load(open(sys.argv[2]))["modules"] if m["path"].endswith("/" + sys.argv[3]))
got.pop("path"); want.pop("path")
sys.exit(0 if got == want else 1)
PY
echo "ok: a modules.dep that is not kmod's is named, and the tree read whole gives the same verdict"

# The image kept its certificates for the signed modules (one decompression,
# not two): Debian's signed cuse verifies as the full read's does.
python3 - "$tmp/index.json" <<'PY' || fail "cuse's signature is not verified in the indexed read"
import json, sys
m = next(m for m in json.load(open(sys.argv[1]))["modules"] if "/cuse.ko" in m["path"])
print("ok: " + m["signature"])
sys.exit(0 if "verified against" in m["signature"] else 1)
PY

# From 6.12 the loader compares .gnu.linkonce.this_module with its own
# sizeof(struct module): read from the headers' BTF (the build link), and
# without linux-headers from the tree's own modules.  cuse with that
# section one byte larger is refused for it both ways.
case $abi in 5.* | 6.[0-9].* | 6.1[01].*) exit 0 ;; esac
cuse=$dir/$(grep -m1 '/fs/fuse/cuse.ko' "$dir/modules.dep" | cut -d: -f1)
case $cuse in *.xz) xz -dc "$cuse" > "$tmp/cuse.ko" ;; *.zst) zstd -qdc "$cuse" > "$tmp/cuse.ko" ;; *) cp "$cuse" "$tmp/cuse.ko" ;; esac
size=$(readelf -SW "$tmp/cuse.ko" | awk '$2 == ".gnu.linkonce.this_module" { print $6 }')
[ -n "$size" ] || fail "cuse.ko has no .gnu.linkonce.this_module"
size=$((16#$size))
python3 "$top/tests/oracle/edit-ko.py" "$tmp/cuse.ko" "$tmp/cuse-big.ko" --strip-signature - \
	--set-section ".gnu.linkonce.this_module:size=$((size + 1))"
nob=$tmp/nobuild/usr/lib/modules/$k
mkdir -p "$nob" && ln -s usr/lib "$tmp/nobuild/lib"
[ -d "$root/boot" ] && ln -s "$root/boot" "$tmp/nobuild/boot"
for e in "$dir"/*; do
	case ${e##*/} in build | source) continue ;; esac
	ln -s "$(readlink -f "$e")" "$nob/"
done
for d in "$dir" "$nob"; do
	"$KEXPORT" check -j --kernel "$d" "$tmp/cuse-big.ko" > "$tmp/big.json" || [ $? -le 3 ] || fail "check cuse-big.ko: exit $?"
	python3 - "$tmp/big.json" <<'PY' || fail "with --kernel $d: cuse with a larger this_module is not refused for it"
import json, sys
m = json.load(open(sys.argv[1]))["modules"][0]
want = "module cuse: .gnu.linkonce.this_module section size must match the kernel's built struct module size at run time"
sys.exit(0 if m["errno"] == -8 and m["log"] == [want] else 1)
PY
done
echo "ok: this_module's size checked against struct module from the headers' BTF and from the tree"
