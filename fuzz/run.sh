#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/, make seed
# corpora and run every target for a bounded time.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 20 s, all)
#
# TARGET is symvers, sysmap, vmlinux, module, image, config, kabilist, kmodindex, srcscan,
# srccond, sig, changes or maintainers (or fuzz-<name>).
# Exits 1 if any target crashes, leaks, hits UB, times out, runs out of memory
# or fails on one of its saved regression inputs (fuzz/regressions/<target>-*).
#
# Seeds go to fuzz/corpus-<target>/ (gitignored; inputs libFuzzer finds are
# kept there across runs).  They come from tests/gen/mkelf.c, compiled here
# with cc, plus a few small real files from the kexport test-data cache
# (scripts/fetch-kernels.sh; $KEXPORT_TESTDATA, default
# ~/.cache/kexport-testdata) when it is present.  Crash inputs and logs land in
# build-fuzz/fuzz-out/.
#
# Environment: CC (default clang), FUZZ_BUILD_DIR (default build-fuzz),
# KEXPORT_TESTDATA, FUZZ_ARGS (extra libFuzzer arguments).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root" || exit 2

secs=20
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
	secs=$1
	shift
fi
all_targets="symvers sysmap vmlinux module image config kabilist srcscan srccond sig histref changes kmodindex maintainers"
targets=""
for t in "${@:-$all_targets}"; do
	for x in $t; do
		x=${x#fuzz-}
		case " $all_targets " in
		*" $x "*) targets="$targets $x" ;;
		*) echo "run.sh: unknown target '$x' (want: $all_targets)" >&2; exit 2 ;;
		esac
	done
done

bdir=${FUZZ_BUILD_DIR:-build-fuzz}
testdata=${KEXPORT_TESTDATA:-$HOME/.cache/kexport-testdata}
out="$bdir/fuzz-out"

# --- build ----------------------------------------------------------------
if [ ! -f "$bdir/build.ninja" ]; then
	CC=${CC:-clang} meson setup "$bdir" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false || { echo "run.sh: meson setup failed" >&2; exit 2; }
fi
bins=""
for t in $targets; do bins="$bins fuzz/fuzz-$t"; done
# Only the fuzzers (and the library they need): the rest of the tree may be
# half-edited by someone else.
# shellcheck disable=SC2086
ninja -C "$bdir" $bins >"$bdir/fuzz-build.log" 2>&1 || {
	tail -n 40 "$bdir/fuzz-build.log" >&2
	echo "run.sh: building the fuzzers failed (is -Dfuzz=true set and CC clang?)" >&2
	exit 2
}
mkdir -p "$out"

# --- seeds ----------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

seed() { # seed TARGET NAME FILE: copy FILE into the target's corpus if non-empty
	[ -s "$3" ] || return 0
	mkdir -p "fuzz/corpus-$1"
	cp "$3" "fuzz/corpus-$1/seed-$2"
}
seed_map() { # seed_map NAME FILE KALLSYMS(0|1): sysmap inputs start with the selector byte
	[ -s "$2" ] || return 0
	{ if [ "$3" = 1 ]; then printf '\001'; else printf '\000'; fi; cat "$2"; } >"$tmp/sel"
	seed sysmap "$1" "$tmp/sel"
}
truncated() { # truncated FILE BYTES -> $tmp/trunc
	head -c "$2" "$1" >"$tmp/trunc"
	echo "$tmp/trunc"
}
compress_seeds() { # compress_seeds TARGET NAME FILE: gzip/xz/zstd/lz4 copies
	command -v gzip >/dev/null && gzip -9nc "$3" >"$tmp/c.gz" && seed "$1" "$2.gz" "$tmp/c.gz"
	command -v xz >/dev/null && xz -c --check=crc32 "$3" >"$tmp/c.xz" && seed "$1" "$2.xz" "$tmp/c.xz"
	command -v zstd >/dev/null && zstd -q -19 -c "$3" >"$tmp/c.zst" && seed "$1" "$2.zst" "$tmp/c.zst"
	command -v lz4 >/dev/null && lz4 -q -l -c "$3" >"$tmp/c.lz4" && seed "$1" "$2.lz4" "$tmp/c.lz4"
	return 0
}

# A kernel image around a payload: bzImage (x86 boot protocol 2.15), EFI
# zboot, arm64 Image header.  python3 is there wherever meson is.
wrap_image() { # wrap_image KIND PAYLOAD OUTPUT
	python3 - "$@" <<'EOF'
import struct, sys
kind, payload, output = sys.argv[1], open(sys.argv[2], 'rb').read(), sys.argv[3]
if kind == 'bzimage':
    setup_sects = 4
    hdr = bytearray((setup_sects + 1) * 512)
    hdr[0x1f1] = setup_sects
    hdr[0x1fe:0x200] = b'\x55\xaa'
    hdr[0x202:0x206] = b'HdrS'
    struct.pack_into('<H', hdr, 0x206, 0x020f)
    body = bytearray(0x200) + payload + bytearray(16)
    struct.pack_into('<II', hdr, 0x248, 0x200, len(payload))
    data = bytes(hdr) + bytes(body)
elif kind == 'zboot':
    hdr = bytearray(64)
    hdr[0:2] = b'MZ'
    hdr[4:8] = b'zimg'
    struct.pack_into('<II', hdr, 8, 64, len(payload))
    hdr[16:20] = b'gzip'
    data = bytes(hdr) + payload
elif kind == 'arm64':
    # 64-byte arm64 Image header in front of the ELF's contents (the PREL32
    # distances between __ksymtab and __ksymtab_strings are kept).
    hdr = bytearray(64)
    struct.pack_into('<Q', hdr, 16, len(payload) + 64)
    hdr[0x38:0x3c] = b'ARM\x64'
    data = bytes(hdr) + payload[64:]
else:
    sys.exit('unknown image kind ' + kind)
open(output, 'wb').write(data)
EOF
}

mkelf="$tmp/mkelf"
have_mkelf=false
if [ -f tests/gen/mkelf.c ] &&
   ${HOSTCC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$mkelf" tests/gen/mkelf.c >"$tmp/mkelf.log" 2>&1; then
	have_mkelf=true
else
	echo "run.sh: tests/gen/mkelf.c missing or not building; seeds from real files only" >&2
fi

gen_mkelf_seeds() {
	local n=0 args
	# One line per generated file: NAME then mkelf arguments.
	while read -r name args; do
		[ -n "$name" ] || continue
		case "$name" in \#*) continue ;; esac
		local f="$tmp/$name"
		args=${args//@/$f} # "@" stands for the output file
		# shellcheck disable=SC2086
		if ! "$mkelf" $args --symvers "$f.symvers" "$f" >"$tmp/mk.log" 2>&1; then
			echo "run.sh: mkelf $args: $(head -n 1 "$tmp/mk.log")" >&2
			continue
		fi
		n=$((n + 1))
		case "$name" in
		m*)
			seed module "$name" "$f"
			seed module "$name.trunc" "$(truncated "$f" $(( $(stat -c %s "$f") / 2 )))"
			seed vmlinux "$name" "$f" ;;
		v*)
			seed vmlinux "$name" "$f"
			seed vmlinux "$name.trunc" "$(truncated "$f" $(( $(stat -c %s "$f") * 3 / 4 )))"
			seed_map "$name" "$f.map" 0
			seed_map "$name.kallsyms" "$f.map" 1 ;;
		esac
		seed symvers "$name" "$f.symvers"
	done <<'EOF'
m-x86 --modinfo license=GPL --modinfo name=m_x86 --modinfo depends=a,b,,c --modinfo vermagic=6.1.0-SMP --modinfo srcversion=ABC --modinfo version=1.0 --modinfo intree=Y --modinfo retpoline=Y --modinfo import_ns=NS1 --import printk:0x1234 --import w:weak --import-version-only module_layout:0xabcd --export foo_a --export foo_b:gpl:ns=NS:crc=deadbeef --sign
m-x86-rel --rel --modinfo license=Dual_BSD/GPL --modinfo license=Proprietary --import kmalloc:0x1 --export foo:crc=1 --export bar:gpl:crc=2
m-x86-secrel --section-relocs --modinfo-pad --modinfo license=GPL --import kfree --export s1:ns=NS_A --export s2:ns=NS_A --export s3:gpl
m-x86-ext --ext-versions --import kmalloc:0x10 --import kfree:0x20 --export e1
m-x86-extonly --ext-versions --no-basic-versions --import kmalloc:0x10 --export e1:gpl:crc=5
m-i386 --machine i386 --rel --modinfo license=GPL --import printk:0x99 --export i1 --export i2:gpl
m-arm --machine arm --gpl-future gf1 --unused un1 --unused-gpl ug1 --export p1
m-aarch64 --machine aarch64 --modinfo license=GPLv2 --import memcpy:0x77 --export a1:ns=NS:crc=11 --export a2:gpl:crc=22
m-ppc64 --machine ppc64 --no-ns-field --crc-long --import printk:0x1 --export p1:crc=1 --export p2:gpl:crc=2
m-s390 --machine s390 --abs-entries --import printk:0x1 --export z1 --export z2:gpl --sign --sig-len 16
m-ppc --machine ppc --modinfo license=GPL --import printk:0x1 --export q1:crc=3
m-asm --export asm1:asm --export c1:ns=X --this-module-size 0
v-x86 --type vmlinux --system-map @.map --export a --export b:gpl:crc=12 --export c:ns=NS:crc=13 --export d:asm
v-x86-abs --type vmlinux --abs-entries --system-map @.map --export a:crc=1 --export b:gpl:crc=2
v-x86-old --type vmlinux --no-ns-field --crc-long --system-map @.map --export a:crc=1 --export b:gpl:crc=2 --gpl-future c --unused d --unused-gpl e
v-i386 --type vmlinux --machine i386 --system-map @.map --export a --export b:gpl
v-ppc64 --type vmlinux --machine ppc64 --stripped --export a:crc=1 --export b:gpl:crc=2
v-s390 --type vmlinux --machine s390 --prel32-entries --system-map @.map --export a --export b:gpl:ns=N
v-arm --type vmlinux --machine arm --export a --export b:gpl
v-aarch64 --type vmlinux --machine aarch64 --export k00 --export k01 --export k02 --export k03 --export k04 --export k05 --export k06 --export k07 --export k08 --export k09 --export k10 --export k11 --export k12 --export k13 --export k14 --export k15 --export k16:ns=NS --export g00:gpl --export g01:gpl --export g02:gpl
v-aarch64-crc --type vmlinux --machine aarch64 --export k00:crc=1 --export k01:crc=2 --export k02:crc=3 --export k03:crc=4 --export k04:crc=5 --export k05:crc=6 --export k06:crc=7 --export k07:crc=8 --export k08:crc=9 --export k09:crc=a --export k10:crc=b --export k11:crc=c --export k12:crc=d --export k13:crc=e --export k14:crc=f --export k15:crc=10 --export g00:gpl:crc=11 --export g01:gpl:crc=12
EOF
	[ $n -gt 0 ] || return 1
	# Compressed modules, and kernel images around vmlinux payloads.
	compress_seeds module m-x86 "$tmp/m-x86"
	command -v python3 >/dev/null || return 0
	local c
	for c in gz xz zst lz4; do
		case $c in
		gz) gzip -9nc "$tmp/v-x86" ;;
		xz) xz -c --check=crc32 "$tmp/v-x86" ;;
		zst) zstd -q -19 -c "$tmp/v-x86" ;;
		lz4) lz4 -q -l -c "$tmp/v-x86" ;;
		esac >"$tmp/payload" 2>/dev/null || continue
		wrap_image bzimage "$tmp/payload" "$tmp/img" && seed image "bzimage-$c" "$tmp/img"
	done
	gzip -9nc "$tmp/v-x86" >"$tmp/payload" && wrap_image zboot "$tmp/payload" "$tmp/img" &&
		seed image zboot-gz "$tmp/img"
	for v in v-aarch64 v-aarch64-crc; do
		wrap_image arm64 "$tmp/$v" "$tmp/img" || continue
		seed image "$v-raw" "$tmp/img"
		gzip -9nc "$tmp/img" >"$tmp/img.gz" && seed image "$v-raw.gz" "$tmp/img.gz"
	done
	return 0
}

if $have_mkelf; then
	gen_mkelf_seeds || echo "run.sh: mkelf made no seeds; seeds from real files only" >&2
fi

# Hand-written text seeds: every Module.symvers layout and kallsyms tags.
printf '0x12345678\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n0x0badc0de\tbar\tdrivers/x/y\tEXPORT_SYMBOL_GPL\tNS\n' >"$tmp/t"
seed symvers layout-5.6 "$tmp/t"
printf '0x12345678\tfoo\tNS\tvmlinux\tEXPORT_SYMBOL\n0x00000001\tbar\t\tfs/z\tEXPORT_UNUSED_SYMBOL_GPL\r\n' >"$tmp/t"
seed symvers layout-5.4 "$tmp/t"
printf '0x12345678\tfoo\tvmlinux\tEXPORT_SYMBOL_GPL_FUTURE\n0x0000000000000002\tbar\tfs/z\n\n' >"$tmp/t"
seed symvers layout-old "$tmp/t"
printf 'ffffffff81000000 T _text\nffffffff81001000 R __start___ksymtab\nffffffff81001000 r __ksymtab_foo\nffffffff81001010 R __stop___ksymtab\nffffffffc0001000 r __ksymtab_bar\t[usb_storage]\n' >"$tmp/t"
seed_map kallsyms "$tmp/t" 1
seed_map map "$tmp/t" 0
printf 'CONFIG_SMP=y\nCONFIG_X86_64=y\nCONFIG_PREEMPT_BUILD=y\n# CONFIG_MODULE_SIG_FORCE is not set\nCONFIG_MODULE_UNLOAD=y\nCONFIG_MODVERSIONS=y\nCONFIG_LOCALVERSION="-x"\n' >"$tmp/t"
seed config small "$tmp/t"
printf '# whatif changes\ngpl-only unmap_mapping_range\n--export dma_buf_*\nns dma_buf_*=\nns a=OTHER_NS # x\nunexport [ab]?\n' >"$tmp/t"
seed changes small "$tmp/t"
printf 'export printk\nmake-gpl printk\n' >"$tmp/t"
seed changes bad-op "$tmp/t"
{ printf 'ELF-ish prefix IKCFG_ST'; gzip -9n <"$tmp/t"; printf 'IKCFG_ED'; } >"$tmp/t2"
seed config ikconfig "$tmp/t2"
# kABI policy files: the first byte picks stablelist (0) or severity rules (1).
printf '\000[rhel9_x86_64_stablelist]\n\tfoo\n\tbar_baz # c\n' >"$tmp/t"
seed kabilist stablelist "$tmp/t"
printf '\000# plain\nfoo\nQUX\n\n' >"$tmp/t"
seed kabilist plainlist "$tmp/t"
printf '\001drivers/scsi/* PASS\nNS_A FAIL # ns\nba?_* PASS\nvmlinux FAIL\n*\tFAIL\n' >"$tmp/t"
seed kabilist rules "$tmp/t"
# Tag names and ranges (histref): the line breaks split the three names.
for t in 'v6.1..v6.10\nv6.9\nv6.10-rc1' 'v2.6.39..\nv3.0\nv2.6.12-rc2' '..v6.1.190\nv6.1.2\nnot-a-version' \
	 'A...B\nv99999999999999999999\nv1.0.0.0.0.0.0.0.0.1' 'v6.1..v6.2..v6.3\nV6\nv6.-rc'; do
	printf "$t" >"$tmp/t"
	seed histref "$(printf '%s' "$t" | cksum | cut -d' ' -f1)" "$tmp/t"
done
cfg=$(ls "$testdata"/amd64/*/usr/src/linux-headers-*-amd64/.config 2>/dev/null | sort | tail -n 1)
[ -n "$cfg" ] && seed config debian "$cfg"

# Source files: hand-written forms, and real files of the unpacked
# linux-source (scripts/fetch-kernels.sh source) when it is there.
printf '#ifndef _X_H\n#define _X_H\n#define DEFAULT_SYMBOL_NAMESPACE "NS"\n#ifdef CONFIG_X\nEXPORT_SYMBOL_GPL(a);\n#elif IS_ENABLED(CONFIG_Y)\nEXPORT_SYMBOL_NS(a, W);\n#else\nEXPORT_TRACEPOINT_SYMBOL(t);\n#endif\n#define W(n) EXPORT_SYMBOL(n##_x)\nW(b);\n/* EXPORT_SYMBOL(c) */ "EXPORT_SYMBOL(d)"\nEXPORT_SYMBOL_FOR_MODULES(e, "m1,m2");\n#endif\n' >"$tmp/t"
seed srcscan forms "$tmp/t"
printf 'defined(CONFIG_Y) && (IS_ENABLED(CONFIG_M) || !defined(MODULE)) && CONFIG_NUM >= 4' >"$tmp/t"
seed srccond cond "$tmp/t"
printf 'obj-$(CONFIG_Y) += a.o d/\nobj-$(subst m,y,$(CONFIG_M)) += b.o\nb-y := c.o ../e/f.o\nifeq ($(CONFIG_N),y)\nobj-y += n.o\nelse ifdef CONFIG_M\nobj-m += m.o\nendif\nccflags-y += -DDEFAULT_SYMBOL_NAMESPACE=FOO\n' >"$tmp/t"
seed srccond makefile "$tmp/t"
printf 'Intro text\n\tM: *Mail* patches to\n\nDMA BUFFER SHARING FRAMEWORK\nM:\tA B <a@b.org>\nL:\tl@x.org\nS:\tMaintained\nF:\tdrivers/dma-buf/\nF:\tinclude/linux/*fence.h\nF:\tsound/soc/codecs/da[79]*.[ch]\nF:\tdrivers/regulator/da9???-regulator.[ch]\nX:\tdrivers/dma-buf/heaps/\nN:\tsun[x456789]i\nN:\t[^a-z]tegra\nK:\t\\bdma_(?:buf|fence)\\b\n\nTHE REST\nM:\tL T <t@l.org>\nS:\tBuried alive in reporters\nF:\t*\nF:\t*/\n' >"$tmp/t"
seed maintainers forms "$tmp/t"
src=$(ls -d "$testdata"/source/*/linux-source-* 2>/dev/null | sort | tail -n 1)
if [ -n "$src" ] && [ -f "$src/MAINTAINERS" ]; then
	head -c 6000 "$src/MAINTAINERS" >"$tmp/t"
	seed maintainers real-head "$tmp/t"
	sed -n '/^DMA BUFFER SHARING FRAMEWORK/,/^$/p; /^THE REST/,/^$/p; /^ARM\/Allwinner sunXi SoC support/,/^$/p' \
		"$src/MAINTAINERS" >"$tmp/t"
	seed maintainers real-sections "$tmp/t"
fi
if [ -n "$src" ]; then
	for f in kernel/params.c include/linux/export.h include/linux/pm.h arch/x86/lib/memcpy_64.S \
	         drivers/pwm/pwm-lpss.c kernel/cgroup/cgroup.c drivers/usb/storage/Makefile \
	         drivers/cxl/core/Makefile; do
		[ -f "$src/$f" ] || continue
		case $f in */Makefile) seed srccond "real-$(echo "$f" | tr / -)" "$src/$f" ;;
		*) seed srcscan "real-$(basename "$f")" "$src/$f"
		   seed srcscan "real-$(basename "$f").trunc" "$(truncated "$src/$f" 2000)" ;;
		esac
	done
fi

# Real files from the test-data cache, small ones and truncated copies.
kdir=$(ls -d "$testdata"/amd64/*/lib/modules/*/kernel 2>/dev/null | sort | tail -n 1)
if [ -n "$kdir" ] && [ -d "$kdir" ]; then
	for m in lib/crc7.ko lib/crc-itu-t.ko lib/math/cordic.ko lib/crypto/libarc4.ko \
	         drivers/virtio/virtio_dma_buf.ko net/802/p8022.ko; do
		f="$kdir/$m"
		[ -f "$f" ] || continue
		b=$(basename "$m" .ko)
		seed module "real-$b" "$f"
		seed module "real-$b.trunc" "$(truncated "$f" 4096)"
		seed vmlinux "real-$b" "$f"
		if command -v nm >/dev/null; then
			nm --defined-only "$f" 2>/dev/null >"$tmp/nm" && seed_map "real-$b" "$tmp/nm" 0
			sed "s/\$/\t[$b]/" "$tmp/nm" >"$tmp/nmk" && seed_map "real-$b.kallsyms" "$tmp/nmk" 1
		fi
	done
	[ -f "$kdir/lib/crc7.ko" ] && compress_seeds module real-crc7 "$kdir/lib/crc7.ko"
fi
symvers=$(ls "$testdata"/amd64/*/usr/src/linux-headers-*/Module.symvers 2>/dev/null | sort | tail -n 1)
[ -n "$symvers" ] && head -n 200 "$symvers" >"$tmp/sv" && seed symvers real-head200 "$tmp/sv"
# kmod's indexes: 2 bytes of modules.dep's length, modules.dep, modules.symbols.
kmod_seed() { # kmod_seed NAME DEPFILE SYMFILE
	python3 - "$2" "$3" "$tmp/kmod" <<'PY'
import sys
d, s = open(sys.argv[1], "rb").read()[:3000], open(sys.argv[2], "rb").read()[:3000]
open(sys.argv[3], "wb").write(len(d).to_bytes(2, "little") + d + s)
PY
	seed kmodindex "$1" "$tmp/kmod"
}
printf 'kernel/fs/fuse/cuse.ko.xz: kernel/fs/fuse/fuse.ko.xz\nkernel/fs/fuse/fuse.ko.xz:\n' >"$tmp/dep"
printf 'alias symbol:fuse_conn_put fuse\nalias symbol:cuse_x cuse\n' >"$tmp/sym"
kmod_seed synthetic "$tmp/dep" "$tmp/sym"
idx=$(ls -d "$testdata"/derived/amd64/*/installed/lib/modules/* 2>/dev/null | sort | tail -n 1)
[ -n "$idx" ] && [ -f "$idx/modules.dep" ] && kmod_seed real "$idx/modules.dep" "$idx/modules.symbols"
for arch in amd64 arm64; do
	img=$(ls "$testdata"/$arch/*/boot/vmlinuz-* 2>/dev/null | sort | tail -n 1)
	[ -n "$img" ] && head -c 65536 "$img" >"$tmp/img" && seed image "real-$arch-64k" "$tmp/img"
done

# Signatures: 2-byte key length, keys, module.  The oracle's test key (PEM,
# and DER) with a real module re-signed by it (the RSA check runs, passes and,
# altered, fails), and with Debian's module as shipped (no key).
pem=tests/oracle/keys/own.pem
mod=$(ls "$testdata"/amd64/*/lib/modules/*/kernel/lib/crc7.ko 2>/dev/null | sort | tail -n 1)
if [ -n "$mod" ] && command -v openssl >/dev/null; then
	openssl x509 -in "$pem" -outform DER -out "$tmp/own.der" 2>/dev/null
	python3 - "$mod" "$pem" "$tmp" <<'PY'
import struct, subprocess, sys
mod, pem, tmp = sys.argv[1:]
MAGIC = b"~Module signature appended~\n"
d = open(mod, "rb").read()
if d.endswith(MAGIC):
    (n,) = struct.unpack_from(">I", d, len(d) - len(MAGIC) - 4)
    d = d[:len(d) - len(MAGIC) - 12 - n]
sig = subprocess.run(["openssl", "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
                      "-signer", pem, "-inkey", pem, "-nocerts", "-noattr", "-nosmimecap"],
                     input=d, capture_output=True, check=True).stdout
signed = d + sig + struct.pack(">BBBBB3xI", 0, 0, 2, 0, 0, len(sig)) + MAGIC
der = open(tmp + "/own.der", "rb").read()
pemb = open(pem, "rb").read()
pemb = pemb[:pemb.index(b"-----BEGIN PRIVATE KEY")]
shipped = open(mod, "rb").read()
bad = bytearray(signed)
bad[100] ^= 1
for name, keys, m in [("der-own", der, signed), ("pem-own", pemb, signed), ("der-bad", der, bytes(bad)),
                      ("pem-shipped", pemb, shipped), ("none-shipped", b"", shipped)]:
    open("%s/sig-%s" % (tmp, name), "wb").write(struct.pack("<H", len(keys)) + keys + m)
PY
	for f in "$tmp"/sig-*; do seed sig "real-${f##*/sig-}" "$f"; done
fi

# --- run ------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

failed=0
summary=""
for t in $targets; do
	bin="$bdir/fuzz/fuzz-$t"
	corpus="fuzz/corpus-$t"
	mkdir -p "$corpus"
	log="$out/fuzz-$t.log"
	# Saved regressions first: each must run cleanly.
	regs=$(ls fuzz/regressions/"$t"-* 2>/dev/null)
	nreg=0 badreg=""
	for r in $regs; do
		nreg=$((nreg + 1))
		"$bin" -rss_limit_mb=2048 -timeout=10 "$r" >"$out/regression.log" 2>&1 || badreg="$badreg $(basename "$r")"
	done
	case $t in symvers|sysmap|kabilist|histref|changes|kmodindex|maintainers) dict=fuzz/text.dict ;; srcscan|srccond) dict=fuzz/src.dict ;; *) dict=fuzz/elf.dict ;; esac
	# shellcheck disable=SC2086
	"$bin" "$corpus" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -dict="$dict" \
		-artifact_prefix="$out/$t-" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	files=$(find "$corpus" -type f | wc -l)
	if [ $rc -ne 0 ]; then
		failed=1
		art=$(grep -o "Test unit written to [^ ]*" "$log" | tail -n 1 | sed 's/Test unit written to //')
		what=$(grep -m 1 -o -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z -]+|runtime error: .*|check failed: .*' "$log" | cut -c 1-100)
		line="fuzz-$t: FAIL (exit $rc) after ${runs:-?} runs: ${what:-see log}; input ${art:-?}; log $log"
	else
		line="fuzz-$t: ok, ${runs:-?} runs in ${secs} s, ${cov:-cov: ?}, corpus $files files"
	fi
	if [ -n "$badreg" ]; then
		failed=1
		line="$line; REGRESSIONS FAILING:$badreg"
	elif [ $nreg -gt 0 ]; then
		line="$line; $nreg regressions ok"
	fi
	echo "$line"
	summary="$summary$line"$'\n'
done
exit $failed
