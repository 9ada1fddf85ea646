#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# MAINTAINERS as kexport reads it against scripts/get_maintainer.pl, on
# Debian's linux-source of the default generation (real-maintainers.py).
. "$(dirname "$0")/lib.sh"
cache=$("$top/scripts/fetch-kernels.sh" source) || fail "cannot fetch the kernel source (see above)"
src=$(echo "$cache/source/$KEXPORT_SOURCE_VERSION"/linux-source-*)
[ -f "$src/MAINTAINERS" ] || fail "no MAINTAINERS in $src"
python3 "$top/tests/integration/real-maintainers.py" "${MAINTAINERS_MATCH:?}" "$src"
