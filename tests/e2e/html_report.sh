#!/usr/bin/env bash
# End-to-end test of `tokensim verify --html`: a failing and a passing scenario go into one
# report, which must be self-contained, put the failure first, and render in headless Chromium
# (Debian's chromium) with charts that draw data, pending and firing spans, and no console
# message (a blocked fetch, a script error); the screenshot must show those colours.
# Usage: html_report.sh TOKENSIM PROMTOOL SOURCE_DIR CHROMIUM
set -uo pipefail
tokensim=$1
promtool=$2
src=$3
chromium=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

mkdir -p "$work/scenarios"
cp "$src/simulator/scenarios/token_leak.yaml" "$work/scenarios/"
# The shipped outage, with a detection window too short for OperatorBackendDown's for: 1m.
sed -e 's/^name: outage$/name: outage_too_strict/' \
    -e 's/detect: {incident: 4m30s, within: 1m30s}/detect: {incident: 4m30s, within: 30s}/' \
    "$src/simulator/scenarios/outage.yaml" >"$work/scenarios/outage_too_strict.yaml"

check "a failing set exits 1 and writes the report" \
  test "$(status "$tokensim" verify --scenarios "$work/scenarios" --promtool "$promtool" --out "$work/a" --html "$work/report.html")" = 1
check "it says where" grep -q "^html: $work/report.html\$" "$work/stdout"
check "the same run writes the same bytes" sh -c "'$tokensim' verify --scenarios '$work/scenarios' --promtool '$promtool' --out '$work/b' --html '$work/again.html' >/dev/null 2>&1; cmp '$work/report.html' '$work/again.html'"

# Self-contained: nothing is fetched at view time (the SVG namespace is a name, not a fetch).
check "no external reference" sh -c "! grep -Eq '(src|href|url)[=(]\"?(https?:)?//' '$work/report.html'"
check "a policy forbids fetching" grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$work/report.html"
# The failure is visible at once: in the summary, and its scenario's section first.
first_section=$(grep -o '<section class="scenario [a-z]*" id="s-[a-z_]*"' "$work/report.html" | head -1)
check "the failing scenario's section comes first" test "$first_section" = '<section class="scenario fail" id="s-outage_too_strict"'
check "the summary lists the failing expectation" \
  sh -c "sed -n '/<header/,/<\/header>/p' '$work/report.html' | grep -q 'first firing at 5m30s, after the window&#39;s end 5m'"

# Rendered by a real browser.
chrome=("$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars
        --user-data-dir="$work/chrome" --enable-logging=stderr --v=0)
check "chromium renders the DOM" sh -c "timeout 120 $(printf '%q ' "${chrome[@]}") --dump-dom 'file://$work/report.html' >'$work/dom.html' 2>'$work/console.log'"
check "charts drew data" test "$(grep -o 'class="chart"[^>]*data-points="[1-9][0-9]*"' "$work/dom.html" | wc -l)" -ge 4
check "firing and pending spans are drawn" sh -c "grep -q 'class=\"span firing\"' '$work/dom.html' && grep -q 'class=\"span pending\"' '$work/dom.html'"
check "nothing was logged to the console" sh -c "! grep -q ':CONSOLE' '$work/console.log'"
# The console check itself: a page that fetches and runs a script is caught.
printf '%s' "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><img src=\"http://127.0.0.1:1/x.png\">" >"$work/bad.html"
timeout 120 "${chrome[@]}" --dump-dom "file://$work/bad.html" >/dev/null 2>"$work/bad.log"
check "the console check catches a blocked fetch" grep -q ':CONSOLE' "$work/bad.log"

check "chromium takes a screenshot" sh -c "timeout 120 $(printf '%q ' "${chrome[@]}") --window-size=1200,2400 --screenshot='$work/shot.png' 'file://$work/report.html' >/dev/null 2>&1"
colours=$(python3 "$(dirname "$0")/png_colours.py" "$work/shot.png" fca5a5 fde68a 1d4ed8 b42318)
count() { echo "$colours" | awk -v c="$1" '$1 == c {print $2}'; }
check "the screenshot shows firing spans" test "$(count fca5a5)" -gt 1000
check "and pending spans" test "$(count fde68a)" -gt 1000
check "and a series line" test "$(count 1d4ed8)" -gt 100
check "and the FAIL badge colour" test "$(count b42318)" -gt 100

echo "$failures failure(s)"
exit $((failures > 0))
