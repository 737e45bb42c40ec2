#!/usr/bin/env bash
# End-to-end test of `tokensim mutate`: exit 0 when every mutant is killed, 1 when one
# survives (a deliberately weak rule: its label matcher changes nothing the scenario sees),
# 2 on bad input; one line per mutant and the score last; hand-written promtool tests whose
# rule_files are relative paths elsewhere; JUnit output.
# Usage: tokensim_mutate.sh TOKENSIM PROMTOOL
set -uo pipefail
tokensim=$1
promtool=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"


mkdir -p "$work/scenarios" "$work/rules" "$work/tests"
cat >"$work/scenarios/flood.yaml" <<'YAML'
name: flood
duration: 7m
traffic:
  - behaviour: ephemeral
    rate: 1/s
  - behaviour: invalid
    rate: 20/s
    start: 30s
expect:
  - alert: UnknownTokens
    firing: [6m30s, 7m]
    not_firing: [1m, 4m]
YAML
# Weak: every failure in the scenario has reason="unknown", so dropping the matcher changes
# nothing it can see.
cat >"$work/rules/weak-rules.yml" <<'YAML'
groups:
  - name: weak
    rules:
      - alert: UnknownTokens
        expr: rate(vx11_operator_sse_auth_failures_total{reason="unknown"}[5m]) > 10
        for: 2m
YAML

rc=$(status "$tokensim" mutate --promtool "$promtool" --scenarios "$work/scenarios" \
       --rules "$work/rules/weak-rules.yml" --junit "$work/junit.xml")
check "a surviving mutant exits 1" test "$rc" = 1
check "the survivor is named with its change" \
  grep -qE '^SURVIVED UnknownTokens +matcher_dropped\(reason\) +\(drop reason="unknown"\)' "$work/stdout"
check "a killed mutant names scenario and expectation" \
  grep -qE '^killed   UnknownTokens +threshold_x10 +\(10 -> 100\) by flood: UnknownTokens expected firing at 6m30s, got not firing$' "$work/stdout"
check "one line per mutant" test "$(grep -cE '^(killed|SURVIVED) ' "$work/stdout")" = 8
check "the last line is the score" test "$(tail -n 1 "$work/stdout")" = "mutation score: 7/8 killed"
check "JUnit has a failure for the survivor" grep -q '<failure message="expected killed, got survived' "$work/junit.xml"

rc=$(status "$tokensim" mutate --promtool "$promtool" --scenarios "$work/scenarios" \
       --rules "$work/rules/weak-rules.yml" --kinds threshold_x10,for_removed,comparison_flipped)
check "all killed exits 0" test "$rc" = 0
check "score 3/3" test "$(tail -n 1 "$work/stdout")" = "mutation score: 3/3 killed"

# Hand-written promtool tests, in another folder, loading the rules by a relative path.
cat >"$work/tests/unknown_test.yml" <<'YAML'
rule_files:
  - ../rules/weak-rules.yml
evaluation_interval: 30s
tests:
  - name: 11 unknown failures/s fires after 2m
    interval: 15s
    input_series:
      - series: 'vx11_operator_sse_auth_failures_total{reason="unknown"}'
        values: '0+165x40'
      - series: 'vx11_operator_sse_auth_failures_total{reason="expired"}'
        values: '0+165x40'
    alert_rule_test:
      - eval_time: 6m30s
        alertname: UnknownTokens
        exp_alerts: []
      - eval_time: 7m
        alertname: UnknownTokens
        exp_alerts:
          - exp_labels: {reason: unknown}
YAML
rc=$(status "$tokensim" mutate --promtool "$promtool" --rules "$work/rules/weak-rules.yml" \
       --tests "$work/tests/unknown_test.yml" --kinds matcher_dropped,for_removed)
check "hand-written tests kill the matcher mutant: exit 0" test "$rc" = 0
check "the killer is the test file and its failing case" \
  grep -qE '^killed   UnknownTokens +matcher_dropped\(reason\) .* by unknown_test.yml: "11 unknown failures/s fires after 2m": alertname: UnknownTokens, time: 7m$' "$work/stdout"

# Bad input: exit 2.
printf 'groups:\n  - name: g\n    rules:\n      - alert: X\n' >"$work/rules/broken.yml"
check "an invalid rule file exits 2" \
  test "$(status "$tokensim" mutate --promtool "$promtool" --scenarios "$work/scenarios" --rules "$work/rules/broken.yml")" = 2
sed -e 's/firing: \[6m30s, 7m\]/firing: [2m]/' "$work/scenarios/flood.yaml" >"$work/failing.yaml"
mkdir -p "$work/failing" && mv "$work/failing.yaml" "$work/failing/"
check "scenarios failing the unmutated rules exit 2" \
  test "$(status "$tokensim" mutate --promtool "$promtool" --scenarios "$work/failing" --rules "$work/rules/weak-rules.yml")" = 2
check "and say so" grep -q 'fails against the unmutated rules' "$work/stderr"
check "an unknown kind exits 2" test "$(status "$tokensim" mutate --kinds nope)" = 2

echo "$failures failure(s)"
exit $((failures > 0))
