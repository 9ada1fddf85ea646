#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kexport report in a real browser: Debian's chromium, headless, opens the
# report of Debian 12 and 13's kernels, linux-source-6.12, the DKMS builds of
# OpenAFS and OpenZFS and three dossiers.  The DOM after the page's script
# ran must hold every chart and table with the numbers of the data; the
# screenshot goes to docs/report.png (REPORT_SCREENSHOT; committed).
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "no chromium (scripts/install-deps.sh test installs it)"
use_kernel amd64 "$KEXPORT_ABI"
old=$symvers
abi=$(kx_generation_abis | sed -n 3p)
use_kernel amd64 "$abi"
spec=$(kx_generation_field "$abi" 3)
cache=$("$top/scripts/fetch-kernels.sh" source "$abi") || fail "cannot fetch ${spec%%=*}"
src=$cache/source/${spec#*=}/${spec%%=*}
dkms=$derived/dkms
[ -d "$dkms" ] || fail "no DKMS builds in $dkms (tests/oracle builds them)"

html=$tmp/report.html
"$KEXPORT" report --kernel "$old" --kernel "$tree" --source "$src" --modules "$dkms" -o "$html" \
	unmap_mapping_range dma_buf_get kernel_fpu_begin_mask 2>"$tmp/err" || fail "report: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "report said: $(cat "$tmp/err")"
! grep -qE '(src|href)="(https?:)?//' "$html" || fail "the report loads something from the network"

# The DOM after the script ran: chromium's own view of the page.
run_chromium() {
	timeout 120 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$tmp/profile" "$@" 2>>"$tmp/chromium.err"
}
run_chromium --virtual-time-budget=5000 --dump-dom "file://$html" >"$tmp/dom.html" ||
	fail "chromium could not render the report: $(tail -3 "$tmp/chromium.err")"
python3 - "$tmp/dom.html" "$html" <<'PY' || fail "the rendered report is not right"
import json, re, sys
dom, src = open(sys.argv[1]).read(), open(sys.argv[2]).read()
data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', src, re.S)
                  .group(1).replace('<\\/', '</'))
assert 'data-rendered="yes"' in dom, "the page's script did not finish"
for chart in ("kernels", "subsystems", "verdicts"):
    svg = re.search(r'<svg[^>]*data-chart="%s".*?</svg>' % chart, dom, re.S)
    assert svg, "no %s chart in the DOM" % chart
    assert len(re.findall(r"<rect", svg.group(0))) >= 2, "the %s chart has no bars" % chart
for t in ("changes", "surfaces", "dossiers"):
    assert re.search(r'<table data-table="%s"' % t, dom), "no %s table in the DOM" % t
k = data["kernels"][-1]
assert "%.1f%% of %d" % (100 * k["gpl"] / k["exports"], k["exports"]) in dom, "the kernel's GPL-only share"
for d in data["dossiers"]:
    assert "<td>%s</td>" % d["name"] in dom, "the dossier of " + d["name"]
for s in data["surfaces"]:
    assert "<td>%s</td>" % s["name"] in dom, "the surface of " + s["name"]
print("ok: %d kernels, %d subsystems, %d surfaces, %d dossiers rendered" % (
    len(data["kernels"]), len(data["subsystems"]), len(data["surfaces"]), len(data["dossiers"])))
PY
shot=${REPORT_SCREENSHOT:-$tmp/report.png}
run_chromium --virtual-time-budget=5000 --window-size=1280,2400 --hide-scrollbars \
	--screenshot="$shot" "file://$html" >/dev/null || fail "no screenshot: $(tail -3 "$tmp/chromium.err")"
[ -s "$shot" ] || fail "an empty screenshot"
echo "ok: screenshot $shot"
echo PASS
