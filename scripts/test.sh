#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the test dependencies, build, and run every test:
#   1. the unit, CLI, real-kernel and qemu oracle suites (Debian's kernels are fetched
#      into the cache on first use; without network or root this fails);
#   2. the same suites built with AddressSanitizer and UBSan;
#   3. a short, bounded run of every libFuzzer target.
# Nothing is skipped: a missing dependency is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
# Every pinned generation, both architectures, before the tests run two at a time.
cache=$(scripts/fetch-kernels.sh all)
# The oracle's real out-of-tree modules (OpenZFS and OpenAFS, built by dkms
# in a root of each generation's suite: ~10 min a generation on 2 cores the
# first time, then cached) are built in the background at low priority
# while the suites run, whose qemu boots leave a core idle.  The oracle
# (tests/oracle/generations.sh) runs the same script, which waits on the
# suite's lock and finds them built; a failure here is reported there.
. tests/kernels.conf
mkdir -p "$cache/derived"
setsid bash -c 'for abi in $1; do nice -n 10 tests/oracle/dkms-build.sh "$2" "$abi" || exit 1; done' \
	sh "$(kx_generation_abis)" "$cache" > "$cache/derived/dkms-prefetch.log" 2>&1 &
dkms_prefetch=$!
trap 'kill -- -"$dkms_prefetch" 2> /dev/null || true' EXIT

step() { printf '\n=== %s\n' "$*"; }
passed=0
# count DIR: add meson's pass count of the last run in build dir DIR
count() {
	local ok
	ok=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["result"] == "OK"))' \
		"$1/meson-logs/testlog.json")
	passed=$((passed + ok))
}

step "build and test (gcc)"
# -Dtests=enabled: a build directory that scripts/try.sh set up without the
# test dependencies gets its suites now, and a missing cmocka is an error.
if [ -f build/build.ninja ]; then meson configure build -Dtests=enabled > /dev/null
else meson setup build -Dtests=enabled > /dev/null; fi
ninja -C build
meson test -C build --print-errorlogs --num-processes 2
count build

step "build and test under AddressSanitizer + UBSan (clang)"
[ -f build-asan/build.ninja ] || CC=clang meson setup build-asan -Dtests=enabled -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debug > /dev/null
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --num-processes 2
count build-asan

step "fuzz every reader briefly"
fuzz/run.sh "${KEXPORT_FUZZ_SECONDS:-15}"
passed=$((passed + $(ls fuzz/fuzz-*.c | wc -l)))

# Every step above stops the script on a failure, so reaching here means none.
echo
echo "$passed passed, 0 failed"
