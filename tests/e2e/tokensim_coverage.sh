#!/usr/bin/env bash
# End-to-end test of `tokensim coverage`: exit 0 when every alert fires somewhere and stays
# silent somewhere busy, 1 when one does not (an alert no scenario triggers), 2 on bad input.
# Usage: tokensim_coverage.sh TOKENSIM PROMTOOL
set -uo pipefail
tokensim=$1
promtool=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

mkdir -p "$work/s"
cat >"$work/s/flood.yaml" <<'YAML'
name: flood
duration: 7m
traffic:
  - behaviour: ephemeral
    rate: 1/s
  - behaviour: invalid
    rate: 20/s
    start: 30s
YAML
cat >"$work/s/busy.yaml" <<'YAML'
name: busy
duration: 5m
traffic:
  - behaviour: ephemeral
    rate: 40/s
YAML
cat >"$work/rules.yml" <<'YAML'
groups:
  - name: g
    rules:
      - alert: Failures
        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 10
        for: 2m
YAML
sed 's/> 10$/> 1000/' "$work/rules.yml" >"$work/never.yml"

rc=$(status "$tokensim" coverage --promtool "$promtool" --scenarios "$work/s" --rules "$work/rules.yml" --out "$work/o")
check "covered: exit 0" test "$rc" = 0
check "fired in flood, silent in busy" grep -qE '^  fired: +flood$' "$work/stdout"
check "last line" test "$(tail -n 1 "$work/stdout")" = "coverage: 1/1 alerts"
rc=$(status "$tokensim" coverage --promtool "$promtool" --scenarios "$work/s" --rules "$work/never.yml" --out "$work/o")
check "an alert that never fires: exit 1" test "$rc" = 1
check "and is reported" grep -q '^Failures: NOT COVERED: never fires in any scenario$' "$work/stdout"
check "bad rules: exit 2" test "$(status "$tokensim" coverage --scenarios "$work/s" --rules "$work/nope.yml")" = 2
echo "$failures failure(s)"
exit $((failures > 0))
