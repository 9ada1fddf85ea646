#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kexport show against kmod's modinfo and modprobe --dump-modversions, on
# every module of Debian's amd64 tree.
. "$(dirname "$0")/lib.sh"
use_kernel amd64
command -v modinfo > /dev/null || fail "kmod's modinfo is not installed (apt-get install kmod)"
python3 "$top/tests/integration/real-modinfo.py" "$KEXPORT" "$tree/kernel"
