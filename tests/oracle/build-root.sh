#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A root of ABI's Debian suite with that kernel's linux-headers installed by
# apt-get, as a user of that release has it: its compiler (the headers
# depend on it), its kbuild.  The oracle builds its test modules there
# (build.sh, KEXPORT_ORACLE_ROOT).  Made once by debootstrap --variant=minbase
# from the archive of this machine's apt configuration, kept in the cache.
#
#   tests/oracle/build-root.sh CACHE ABI     prints the root's directory
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/kernels.conf"
. "$repo/scripts/debian-archive.sh"
die() { echo "oracle/build-root: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: build-root.sh CACHE ABI"
cache=$1 abi=$2
suite=$(kx_generation_field "$abi" 2)
[ -n "$suite" ] || die "$abi is not a generation of tests/kernels.conf"
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"
command -v debootstrap > /dev/null || die "debootstrap not found (apt-get install debootstrap)"
root=$cache/rootfs/$suite-headers-$abi
if [ -f "$root/.kexport-root" ]; then
	echo "$root"
	exit 0
fi
uris=$(kx_archive_uris) || die "no Debian archive in this machine's apt configuration"
main=${uris% *}
exec 9> "$cache/rootfs/.lock-$suite" 2>/dev/null || { mkdir -p "$cache/rootfs"; exec 9> "$cache/rootfs/.lock-$suite"; }
flock 9
rm -rf "$root.tmp"
log=$cache/rootfs/$suite-headers-$abi.log
echo "oracle/build-root: debootstrap $suite, then linux-headers-$abi-amd64 (a few minutes, once)" >&2
debootstrap --variant=minbase "$suite" "$root.tmp" "$main" > "$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "debootstrap $suite failed ($log)"; }
# The archive reached here can be older than sid's Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' > "$root.tmp/etc/apt/apt.conf.d/99kexport"
# A stable suite's kernels come in its security and updates suites (6.1.0-54
# is not in bookworm's main), as on a user's machine; contrib for zfs-dkms.
security=${uris#* }
{
	echo "deb $main $suite main contrib"
	if [ "$suite" != sid ]; then
		echo "deb $main $suite-updates main contrib"
		echo "deb $security $suite-security main contrib"
	fi
} > "$root.tmp/etc/apt/sources.list"
cp /etc/resolv.conf "$root.tmp/etc/resolv.conf"
unshare --mount --propagation private /bin/sh -c '
	mount -t proc proc "$1/proc" &&
	exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		/bin/sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends \
			linux-headers-$2-amd64 make"' sh "$root.tmp" "$abi" >> "$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "apt-get install linux-headers-$abi-amd64 in $suite failed ($log)"; }
cc=$(chroot "$root.tmp" /bin/sh -c 'ls /usr/bin/*gcc-[0-9]* | sort -V | tail -n 1')
echo "$suite $abi $(chroot "$root.tmp" "$cc" --version | head -n 1)" > "$root.tmp/.kexport-root"
rm -rf "$root" && mv "$root.tmp" "$root"
echo "$root"
