#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The git repository `kexport history` is tested and benchmarked on, built
# by history-repo.py from the pinned linux-source-6.1 (tests/kernels.conf,
# fetched by scripts/fetch-kernels.sh source) and cached by the hash of the
# script and the source version.  Building takes minutes (git add of 78k
# files, a repack); later calls print the cached directory at once.
#
#   history-repo.sh     prints two lines: the built directory (repo/ and
#                       expected.json inside), the unpacked source tree
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../kernels.conf
. "$top/tests/kernels.conf"
cache=$("$top/scripts/fetch-kernels.sh" source) ||
	{ echo "history-repo: cannot fetch $KEXPORT_SOURCE_PKG=$KEXPORT_SOURCE_VERSION (see above)" >&2; exit 1; }
src=$cache/source/$KEXPORT_SOURCE_VERSION/linux-source-6.1
[ -f "$src/include/linux/export.h" ] || { echo "history-repo: no unpacked source tree in $src" >&2; exit 1; }
key=$( (cat "$top/tests/integration/history-repo.py"; echo "$KEXPORT_SOURCE_VERSION") | sha256sum | cut -c1-16)
built=$cache/derived/history-$key
if [ ! -f "$built/.complete" ]; then
	echo "history-repo: building the test repository in $built (once, several minutes)..." >&2
	rm -rf "$built.tmp"
	python3 "$top/tests/integration/history-repo.py" "$src" "$built.tmp" >/dev/null ||
		{ echo "history-repo: history-repo.py could not build the repository" >&2; exit 1; }
	touch "$built.tmp/.complete"
	rm -rf "$built" && mv "$built.tmp" "$built"
fi
echo "$built"
echo "$src"
