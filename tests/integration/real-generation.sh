#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One pinned generation (tests/kernels.conf) as a user's machine has it:
# /usr/lib/modules/K (or /lib/modules/K) with its image in /boot or beside
# the modules, compressed modules from 6.12 on, Debian's signatures.
#   1. `kexport audit` of the tree as installed, signatures verified: every
#      in-tree module loads, and each module's taints are the ones kmod's
#      modinfo implies (staging -> C, no intree -> O, a non-GPL licence -> P,
#      no signature -> E), for every module of the tree;
#   2. a Debian-signed module verifies with the generation's algorithm (RSA
#      up to 6.1, ECDSA from 6.12) and loads untainted; one byte changed,
#      the kernel's -EKEYREJECTED;
#   3. `kexport check --kernel TREE M` finds the same kernel facts as the
#      audit (release, Debian, config).
#   real-generation.sh ARCH ABI
. "$(dirname "$0")/lib.sh"
arch=${1:?arch}
abi=${2:?abi}
use_kernel "$arch" "$abi"
command -v modinfo > /dev/null || fail "modinfo (kmod) is missing"
label="$arch $abi"
# Whether Debian signed this generation's modules: kmod's word, not ours
# (even 6.1's -unsigned image has modules signed with the build's key).
mod=$(ls "$tree"/kernel/fs/fuse/cuse.ko* | head -n 1)
signed=no
modinfo -F sig_id "$mod" | grep -q . && signed=yes

# 1. The audit, and modinfo's view of every module.
"$KEXPORT" audit -j --trust-signatures verify "$tree" > "$tmp/audit.json" ||
	fail "$label: audit exited $?"
find "$tree/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' |
	sort > "$tmp/modules"
xargs -a "$tmp/modules" -d '\n' modinfo > "$tmp/modinfo" || fail "$label: modinfo failed"
python3 - "$tmp/audit.json" "$tmp/modinfo" "$signed" "$label" <<'PY' || fail "$label: audit and modinfo disagree"
import json, sys
audit = json.load(open(sys.argv[1]))
signed = sys.argv[3] == "yes"
label = sys.argv[4]
gpl = {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"}
want = {}
cur = None
for line in open(sys.argv[2], errors="replace"):
    key, _, val = line.partition(":")
    val = val.strip()
    if key == "filename":
        cur = {"staging": False, "intree": False, "license": None, "signed": False}
        want[val] = cur
    elif cur is None:
        continue
    elif key == "staging" and val == "Y":
        cur["staging"] = True
    elif key == "intree" and val == "Y":
        cur["intree"] = True
    elif key == "license" and cur["license"] is None:
        cur["license"] = val
    elif key in ("sig_id", "signer"):
        cur["signed"] = True
def letters(m):
    t = ""
    if m["license"] not in gpl: t += "P"
    if not m["intree"]: t += "O"
    if m["staging"]: t += "C"
    if not m["signed"]: t += "E"
    return t
# The kernel's taint letter order (kernel/panic.c taint_flags): P ... O E ... C
order = "PFSRMBUDAWCIOELKXTN"
def canon(t): return "".join(sorted(t, key=order.index))
s = audit["summary"]
bad = []
if s["refused"]:
    bad.append("%d modules refused" % s["refused"])
if s["modules"] != len(want):
    bad.append("audit read %d modules, modinfo %d" % (s["modules"], len(want)))
got = {}
for m in audit["modules"]:
    if m["verdict"] != "loads":
        bad.append("%s: %s" % (m["path"], m["verdict"]))
    got[m["path"]] = canon(m.get("module_taint") or "")
import os
for path, m in want.items():
    w = canon(letters(m))
    g = next((v for p, v in got.items() if os.path.realpath(p) == os.path.realpath(path)), "")
    if w != g:
        bad.append("%s: taint %r, modinfo says %r" % (path, g, w))
if signed and any(not m["signed"] for m in want.values()):  # all or none
    bad.append("%d modules unsigned in a signed image" % sum(not m["signed"] for m in want.values()))
for b in bad[:20]:
    print("  " + b, file=sys.stderr)
tainted = sum(1 for v in got.values() if v)
print("ok: %s: %d modules load; taints as modinfo says for every one (%d tainted: %s)"
      % (label, s["modules"], tainted, json.dumps(s["taints"], sort_keys=True)))
sys.exit(1 if bad else 0)
PY

# 2. Signatures: a Debian-signed module, then the same module changed.
"$KEXPORT" check --trust-signatures verify --kernel "$tree" "$mod" > "$tmp/check" 2>&1 ||
	fail "$label: check of $mod exited $?: $(cat "$tmp/check")"
if [ "$signed" = yes ]; then
	case $abi in 5.* | 6.1.*) alg=RSA ;; *) alg=ECDSA ;; esac
	grep -q "^  signature: $alg SHA[0-9]* signature verified against the kernel's builtin key" "$tmp/check" ||
		fail "$label: $mod not verified with $alg: $(cat "$tmp/check")"
	grep -q "^$mod: loads, no taint$" "$tmp/check" || fail "$label: $mod: $(sed -n 2p "$tmp/check")"
	case $mod in
	*.xz) xz -dc "$mod" > "$tmp/cuse.ko" ;;
	*.zst) zstd -qdc "$mod" > "$tmp/cuse.ko" ;;
	*) cp "$mod" "$tmp/cuse.ko" ;;
	esac
	# One byte of .modinfo's neighbourhood, well inside the signed content.
	printf '\x55' | dd of="$tmp/cuse.ko" bs=1 seek=300 conv=notrunc 2> /dev/null
	rc=0
	"$KEXPORT" check --trust-signatures verify --kernel "$tree" "$tmp/cuse.ko" > "$tmp/check2" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "$label: a changed signed module: exit $rc, want 1"
	grep -q "refused: init_module fails with -129 (EKEYREJECTED)" "$tmp/check2" ||
		fail "$label: a changed signed module is not -EKEYREJECTED: $(cat "$tmp/check2")"
	echo "ok: $label: $alg-signed $(basename "$mod") loads untainted; changed, -EKEYREJECTED"
else
	grep -q "^$mod: loads, taint E$" "$tmp/check" || fail "$label: unsigned $mod: $(sed -n 2p "$tmp/check")"
	echo "ok: $label: the -unsigned image's $(basename "$mod") loads with taint E"
fi

# 3. The kernel facts check finds from the tree are the audit's.
python3 - "$tmp/audit.json" "$tmp/check" "$arch-$abi" <<'PY' || fail "$label: kernel facts differ"
import json, sys
k = json.load(open(sys.argv[1]))["kernel"]
head = open(sys.argv[2]).readline()
want_rel = sys.argv[3].split("-", 1)[1] + "-" + sys.argv[3].split("-", 1)[0]
assert k["release"] == want_rel, (k["release"], want_rel)
assert k["distro"] == "debian", k["distro"]
assert ("# kernel: %s (debian);" % want_rel) in head, head
assert "config: unknown" not in head and k.get("config_from") not in (None, ""), head
print("ok: %s: release, Debian and config found from the tree" % want_rel)
PY
