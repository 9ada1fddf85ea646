# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the shell tests: where the tool and the test data are, and how
# to fail.  Tests that need Debian's kernels fetch them; when that is not
# possible they fail loudly, they never skip.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KEXPORT=${KEXPORT:-$top/build/kexport}
# shellcheck source=../kernels.conf
. "$top/tests/kernels.conf"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The unpacked packages of one architecture: sets $root, $tree, $symvers, $image.
use_kernel() {
	local arch=$1 abi=${2:-$KEXPORT_ABI} cache
	cache=$("$top/scripts/fetch-kernels.sh" "$abi") || fail "cannot fetch Debian kernel $abi (see above)"
	root=$cache/$arch/$abi
	tree=$root/lib/modules/$abi-$arch
	symvers=$root/usr/src/linux-headers-$abi-$arch/Module.symvers
	image=$root/boot/vmlinuz-$abi-$arch
	[ -f "$symvers" ] && [ -d "$tree" ] && [ -f "$image" ] || fail "incomplete test data in $root"
	derived=$cache/derived/$arch/$abi
	mkdir -p "$derived"
}
