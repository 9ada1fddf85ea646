#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's first set-up command, proven from nothing: scripts/try.sh in a
# fresh, minimal Debian 12 root (debootstrap --variant=minbase, cached as a
# tarball), where nothing but what the script installs is there.  A build or
# run dependency that scripts/install-deps.sh forgets turns this red, which
# the CI machine (which has every package) would hide.
#
# Needs root (chroot, mounts in a private mount namespace) and the network
# to Debian's archive, read from this machine's apt configuration.
. "$(dirname "$0")/lib.sh"
. "$top/scripts/debian-archive.sh"
[ "$(id -u)" -eq 0 ] || fail "needs root: chroot into a fresh Debian 12 root"
for t in debootstrap unshare chroot zstd; do
	command -v "$t" > /dev/null || fail "$t is missing (scripts/install-deps.sh test)"
done
cache=${KEXPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kexport-testdata}
mkdir -p "$cache/rootfs"
tarball=$cache/rootfs/bookworm-minbase.tar.zst
uris=$(kx_archive_uris) || fail "no Debian archive in this machine's apt configuration"
main=${uris% *}

if [ ! -f "$tarball" ]; then
	# Only the debootstrap's own result is cached, never what try.sh installs.
	rm -rf "$cache/rootfs/bootstrap"
	debootstrap --variant=minbase bookworm "$cache/rootfs/bootstrap" "$main" > "$tmp/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$tmp/debootstrap.log" >&2; fail "debootstrap of bookworm from $main failed"; }
	tar -C "$cache/rootfs/bootstrap" --zstd -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf "$cache/rootfs/bootstrap"
fi

# The tmpdir of lib.sh is removed on exit; the mounts are in a mount
# namespace of their own, so they go when it ends, even on a kill.
r=$tmp/root
mkdir -p "$r"
tar -C "$r" --zstd -xf "$tarball"
# No compiler, meson or kexport dependency may be in the fresh root: if one
# is, the test would prove nothing.
for p in gcc meson ninja-build pkg-config libzstd-dev liblzma-dev libssl-dev; do
	! chroot "$r" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		fail "the cached root $tarball already has $p: not fresh"
done
# The project as CI checked it out: tracked and new files, no build output.
mkdir -p "$r/src"
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	git -C "$top" ls-files -co --exclude-standard -z | tar -C "$top" --null -T - -cf - | tar -C "$r/src" -xf -
else
	tar -C "$top" --exclude='./build*' -cf - . | tar -C "$r/src" -xf -
fi
cp /etc/resolv.conf "$r/etc/resolv.conf"

# try.sh as a user runs it: as root, from the checkout, with a HOME of its
# own (its kernel cache is inside the root, so the cache of this machine
# cannot stand in for a missing fetch).
rc=0
unshare --mount --propagation private /bin/sh -c '
	mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
	exec chroot "$1" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		/bin/sh -c "cd /src && exec scripts/try.sh"' sh "$r" > "$tmp/out" 2> "$tmp/err" || rc=$?
if [ "$rc" -ne 0 ]; then
	grep -v '^[^ ]* *EXPORT_SYMBOL' "$tmp/out" | tail -n 10 >&2
	tail -n 20 "$tmp/err" >&2
	fail "scripts/try.sh in a fresh Debian 12 root exited $rc"
fi

# It printed an export table of a Debian kernel: the header, tens of
# thousands of exports, and well-known ones with their kinds.
head -n 1 "$tmp/out" | grep -Eq '^# .*/lib/modules/[^ ]+: modules directory \([0-9]+ modules; kernel image: .*vmlinuz-[^ ]+\): [0-9]+ exports$' ||
	fail "try.sh's first line is not an export table's header: $(head -n 1 "$tmp/out")"
n=$(head -n 1 "$tmp/out" | sed 's/.*: \([0-9]*\) exports$/\1/')
[ "$n" -gt 15000 ] || fail "try.sh printed $n exports, a Debian kernel has over 15000"
[ "$(($(wc -l < "$tmp/out") - 2))" -eq "$n" ] || fail "the header says $n exports, the table has $(($(wc -l < "$tmp/out") - 2)) rows"
grep -Eq '^unmap_mapping_range +EXPORT_SYMBOL +0x[0-9a-f]{8} +vmlinux$' "$tmp/out" ||
	fail "no 'unmap_mapping_range EXPORT_SYMBOL' row from vmlinux"
grep -Eq '^dma_buf_get +EXPORT_SYMBOL_GPL +DMA_BUF +0x[0-9a-f]{8} +vmlinux$' "$tmp/out" ||
	fail "no 'dma_buf_get EXPORT_SYMBOL_GPL DMA_BUF' row from vmlinux"
[ -x "$r/src/build/kexport" ] || fail "no build/kexport in the fresh root"
echo "ok: scripts/try.sh in a fresh Debian 12 root: $(head -n 1 "$tmp/out" | sed 's/^# //')"
