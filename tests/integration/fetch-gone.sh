#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian drops old kernel ABIs (sid within weeks): when a pinned one is gone,
# scripts/fetch-kernels.sh fails, exit 1, and names the newest ABI of that
# series the archive still has.  Tried for each pinned generation with an
# ABI one past what any archive has; the newest named must be at least the
# pinned one.
. "$(dirname "$0")/lib.sh"
for abi in $(kx_generation_abis); do
	case $abi in
	*.0-*) gone=${abi%-*}-9999 ;;                       # 6.1.0-54 -> 6.1.0-9999
	*+deb*) gone=${abi%%.*}.${abi#*.}; gone=${gone%.*+*}.9999+deb${abi##*+deb} ;; # 7.2.13+deb14 -> 7.2.9999+deb14
	*) fail "$abi: no rule for a gone ABI of this shape" ;;
	esac
	rc=0
	KEXPORT_ARCHES=amd64 "$top/scripts/fetch-kernels.sh" "$gone" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$gone: fetch-kernels exited $rc, want 1: $(cat "$tmp/err")"
	newest=$(sed -n 's/.*the newest amd64 ABI of that series in the archive is \([^:]*\): update tests\/kernels.conf$/\1/p' "$tmp/err")
	[ -n "$newest" ] || fail "$gone: no newest ABI named: $(cat "$tmp/err")"
	[ "$(printf '%s\n%s\n' "$abi" "$newest" | sort -V | tail -n 1)" = "$newest" ] ||
		fail "$gone: names $newest, older than the pinned $abi"
	echo "ok: $gone is gone; fetch-kernels names $newest (pinned: $abi)"
done
