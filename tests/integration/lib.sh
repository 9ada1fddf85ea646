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

# The unpacked packages of one architecture: sets $root, $tree, $symvers,
# $image, $headers.  Up to 6.1 the tree is ROOT/lib/modules/K and the image
# ROOT/boot/vmlinuz-K; 6.12 installs into usr/lib/modules, and 7.x puts the
# image beside the modules (usr/lib/modules/K/vmlinuz).
use_kernel() {
	local arch=$1 abi=${2:-$KEXPORT_ABI} cache k
	cache=$("$top/scripts/fetch-kernels.sh" "$abi") || fail "cannot fetch Debian kernel $abi (see above)"
	root=$cache/$arch/$abi
	k=$abi-$arch
	tree=$root/lib/modules/$k
	[ -d "$tree" ] || tree=$root/usr/lib/modules/$k
	headers=$root/usr/src/linux-headers-$k
	symvers=$headers/Module.symvers
	image=$root/boot/vmlinuz-$k
	[ -f "$image" ] || image=$tree/vmlinuz
	[ -f "$symvers" ] && [ -d "$tree" ] && [ -f "$image" ] || fail "incomplete test data in $root"
	derived=$cache/derived/$arch/$abi
	mkdir -p "$derived"
}

# The command-line tests' helpers (run in the test's directory): st runs a
# command, keeps its stdout in out.txt, stderr in err.txt, and prints its
# exit status (also in rc.txt); jget evaluates a Python expression over
# out.txt's JSON as d; want fails unless it prints the value wanted.
st() { set +e; "$@" > out.txt 2> err.txt; echo $? > rc.txt; set -e; cat rc.txt; }
jget() { python3 -c "import json,sys; d=json.load(open('out.txt')); print(eval(sys.argv[1]))" "$1"; }
want() { [ "$(jget "$1")" = "$2" ] || fail "$3: $1 = $(jget "$1"), want $2"; }
