#!/usr/bin/env bash
# End-to-end test of the tokensim command line: exit codes and messages for good, failing and
# invalid input; byte-identical outputs for the same scenario and seed; generated promtool
# tests that pass when promtool is run by hand; the SLO load mode.
# Usage: tokensim_cli.sh TOKENSIM PROMTOOL SOURCE_DIR OPERATOR_BACKEND
set -uo pipefail
tokensim=$1
promtool=$2
src=$3
backend=$4
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"


cat >"$work/pass.yaml" <<'YAML'
name: cli_pass
description: A short flood of invalid tokens.
duration: 7m
traffic:
  - behaviour: ephemeral
    rate: 1/s
  - behaviour: invalid
    rate: 20/s
    start: 30s
expect:
  - alert: HighTokenValidationFailureRate
    firing: [6m30s, 7m]
    not_firing: [1m, 3m]
  - alert: HighEphemeralTokenRequestRate
    never_fires: true
  - expr: sum(vx11_operator_ephemeral_tokens_issued_total)
    at: 1m
    equals: 60
YAML
sed -e 's/name: cli_pass/name: cli_wrong/' -e 's/never_fires: true/firing: [5m]/' "$work/pass.yaml" >"$work/wrong.yaml"
sed -e 's/alert: HighEphemeralTokenRequestRate/alert: NoSuchAlert/' "$work/pass.yaml" >"$work/unknown_alert.yaml"
sed -e 's/rate: 20\/s/rate: fast/' "$work/pass.yaml" >"$work/bad_rate.yaml"

check "passing scenario exits 0" test "$(status "$tokensim" run "$work/pass.yaml" --out "$work/a")" = 0
check "one line per check, all PASS" test "$(grep -c 'expected .* PASS$' "$work/stdout")" = 6
check "summary table" grep -q '^PASS: 1 of 1 scenarios passed' "$work/stdout"

# The same scenario and seed give byte-identical outputs.
"$tokensim" run "$work/pass.yaml" --out "$work/b" >/dev/null 2>&1
check "outputs are byte-identical across runs" diff -r "$work/a" "$work/b"

# The generated test passes under promtool run by hand.
check "generated test passes promtool by hand" "$promtool" test rules "$work/a/cli_pass/promtool-test.yml"
check "series load into a TSDB" "$promtool" tsdb create-blocks-from openmetrics "$work/a/cli_pass/series.om.txt" "$work/tsdb"

# An expectation the rules do not meet fails with a clear line.
check "failing expectation exits 1" test "$(status "$tokensim" run "$work/wrong.yaml" --out "$work/c")" = 1
check "failing line names alert, time, expected and actual" \
  grep -qE '^cli_wrong +HighEphemeralTokenRequestRate +5m +expected firing +got not firing +FAIL$' "$work/stdout"
check "JUnit report written" sh -c "'$tokensim' run '$work/wrong.yaml' --out '$work/c' --junit '$work/junit.xml' >/dev/null; grep -q '<failure' '$work/junit.xml'"

# An expectation the rule cannot meet (firing before its `for`) is a failed expectation, not
# invalid input: it is what CI must report when someone lengthens a `for`.
sed -e 's/name: cli_pass/name: cli_early/' -e 's/firing: \[6m30s, 7m\]/firing: [1m30s, 7m]/' "$work/pass.yaml" >"$work/early.yaml"
check "firing before the rule's for exits 1" \
  test "$(status "$tokensim" run "$work/early.yaml" --out "$work/e" --junit "$work/early.xml")" = 1
check "the failing line says why it cannot fire" \
  grep -qE '^cli_early +HighTokenValidationFailureRate +1m30s +expected firing +got not firing: its rule has for: 2m, so the earliest it can fire is 2m +FAIL$' "$work/stdout"
check "the JUnit failure carries the reason" grep -q '<failure message="expected firing, got not firing: its rule has for: 2m' "$work/early.xml"
check "the other checks of that scenario still pass" test "$(grep -c ' PASS$' "$work/stdout")" = 5

# A scenario without expect only records (docs/scenarios.md): it passes and writes its series.
printf 'name: cli_record\nduration: 1m\ntraffic:\n  - behaviour: ephemeral\n    rate: 1/s\n' >"$work/record.yaml"
check "a scenario without expect exits 0" \
  test "$(status "$tokensim" run "$work/record.yaml" --out "$work/r" --junit "$work/record.xml")" = 0
check "it says it only recorded" grep -q '^cli_record no expectations: recorded only$' "$work/stdout"
check "its summary passes" grep -q '^PASS: 1 of 1 scenarios passed' "$work/stdout"
check "its series are written" grep -q '^vx11_operator_ephemeral_tokens_issued_total' "$work/r/cli_record/series.om.txt"
check "its JUnit suite is there, empty" grep -q '<testsuite name="cli_record" tests="0" failures="0"' "$work/record.xml"

# JUnit stays well-formed XML whatever bytes a scenario holds (here Latin-1 in an expr).
well_formed_xml() {
  if command -v xmllint >/dev/null; then xmllint --noout "$1"
  elif command -v python3 >/dev/null; then python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$1"
  else iconv -f UTF-8 -t UTF-8 "$1" >/dev/null  # no XML parser: at least valid UTF-8
  fi
}
{ cat "$work/pass.yaml"; printf '  - expr: sum(vx11_operator_ephemeral_tokens_issued_total{service="caf\xe9\xff"}) or vector(0)\n    at: 1m\n    equals: 0\n'; } \
  | sed -e 's/name: cli_pass/name: cli_bytes/' >"$work/bytes.yaml"
"$tokensim" run "$work/bytes.yaml" --out "$work/x" --junit "$work/bytes.xml" >/dev/null 2>&1
check "JUnit with non-UTF-8 bytes in an expr is well-formed" well_formed_xml "$work/bytes.xml"
check "the bytes became U+FFFD" grep -q $'caf\xef\xbf\xbd\xef\xbf\xbd' "$work/bytes.xml"

# Invalid input: exit 2, naming file, line and key.
check "unknown alert exits 2" test "$(status "$tokensim" run "$work/unknown_alert.yaml")" = 2
check "unknown alert is named with file and line" grep -q "unknown_alert.yaml:14: expect\[1\].alert: alert \"NoSuchAlert\" is not defined" "$work/stderr"
check "bad rate exits 2" test "$(status "$tokensim" run "$work/bad_rate.yaml")" = 2
check "bad rate is named with file, line and key" grep -q "bad_rate.yaml:8: traffic\[1\].rate:" "$work/stderr"
# Absurd inputs are refused up front (docs/scenarios.md, Limits), not run until memory runs out.
sed -e 's/rate: 20\/s/rate: 1000000000000\/s/' "$work/pass.yaml" >"$work/huge_rate.yaml"
check "a rate above the limit exits 2" test "$(status "$tokensim" run "$work/huge_rate.yaml")" = 2
check "it is named with file, line and key" \
  grep -q "huge_rate.yaml:8: traffic\[1\].rate: rate \"1000000000000/s\" is above the limit of 10000/s per source" "$work/stderr"
sed -e 's/duration: 7m/duration: 10000d/' "$work/pass.yaml" >"$work/huge_duration.yaml"
check "a duration above the limit exits 2" test "$(status "$tokensim" run "$work/huge_duration.yaml")" = 2
check "it is named with file, line and key" grep -q "huge_duration.yaml:3: duration: .* is above the limit of 1d" "$work/stderr"
check "a tick above 1s exits 2" test "$(status "$tokensim" run "$work/pass.yaml" --tick 15s)" = 2
check "missing file exits 2" test "$(status "$tokensim" run "$work/nope.yaml")" = 2
check "missing promtool exits 2" test "$(status "$tokensim" run "$work/pass.yaml" --promtool /nonexistent/promtool)" = 2
check "--help exits 0" test "$(status "$tokensim" verify --help)" = 0

# Detection latency and routing: the flood starts at 30s; the alert is critical.
cat >"$work/routed.yaml" <<'YAML'
name: cli_routed
duration: 7m
traffic:
  - behaviour: ephemeral
    rate: 1/s
  - behaviour: invalid
    rate: 20/s
    start: 30s
expect:
  - alert: HighTokenValidationFailureRate
    detect: {incident: 30s, within: 6m30s}
    routed_to: pager
YAML
check "detect and routed_to pass" test "$(status "$tokensim" run "$work/routed.yaml" --out "$work/ro" --junit "$work/routed.xml")" = 0
check "the routing line names the receiver" grep -qE '^cli_routed +HighTokenValidationFailureRate +[0-9ms]+ +expected routed to pager +got routed to pager +PASS$' "$work/stdout"
check "the alert's timeline is printed with its latency" grep -qE '^  HighTokenValidationFailureRate  incident 30s  pending [0-9ms]+  firing [0-9ms]+ \(\+[0-9ms]+\)  resolved -$' "$work/stdout"
check "the detection table has the alert" grep -qE '^cli_routed +HighTokenValidationFailureRate +30s +6m30s .* PASS$' "$work/stdout"
check "JUnit carries the detection latency" grep -q '<property name="detection_latency_seconds" value="[0-9.]*"/>' "$work/routed.xml"
check "JUnit carries the routed labels" grep -q '<property name="labels" value="{alertname=&quot;HighTokenValidationFailureRate&quot;' "$work/routed.xml"
sed -e 's/routed_to: pager/routed_to: ticket/' "$work/routed.yaml" >"$work/misrouted.yaml"
check "a wrong receiver exits 1" test "$(status "$tokensim" run "$work/misrouted.yaml" --out "$work/mr")" = 1
check "it says where the alert went" grep -qE 'expected routed to ticket +got routed to pager +FAIL$' "$work/stdout"
sed -e "s/within: 6m30s/within: 3m/" "$work/routed.yaml" >"$work/slow.yaml"
check "a detection slower than within exits 1" test "$(status "$tokensim" run "$work/slow.yaml" --out "$work/sl")" = 1
check "it says when the alert fired" grep -qE "expected first firing in \[30s, 3m30s\] +got first firing at [0-9ms]+, after the window's end 3m30s +FAIL$" "$work/stdout"
sed -e 's/routed_to: pager/routed_to: pagr/' "$work/routed.yaml" >"$work/unknown_receiver.yaml"
check "an unknown receiver exits 2" test "$(status "$tokensim" run "$work/unknown_receiver.yaml" --out "$work/ur")" = 2
check "it is named with file, line and key" grep -q 'unknown_receiver.yaml:12: expect\[0\].routed_to: receiver "pagr" is not defined in .*alertmanager.yml (receivers: pager, ticket)' "$work/stderr"
check "a missing amtool exits 2" test "$(status "$tokensim" run "$work/routed.yaml" --amtool /nonexistent/amtool)" = 2
cat >"$work/am.yml" <<'YAML'
route:
  receiver: oncall
receivers:
  - name: oncall
YAML
sed -e 's/routed_to: pager/routed_to: oncall/' "$work/routed.yaml" >"$work/oncall.yaml"
check "--alertmanager-config chooses the configuration" test "$(status "$tokensim" run "$work/oncall.yaml" --out "$work/oc" --alertmanager-config "$work/am.yml")" = 0

# The SLO load mode: met on a healthy service, missed with injected issuance latency.
check "load: SLOs met" test "$(status "$tokensim" load --rate 100 --duration 2s)" = 0
check "load: injected 80ms issuance misses its SLO" test "$(status "$tokensim" load --rate 50 --duration 1s --inject-issue 80ms)" = 1
check "load: the missed SLO is named" grep -q '^Token issuance latency .*MISSED$' "$work/stdout"
check "load: refuses non-loopback targets" test "$(status "$tokensim" load --target http://example.com:8011 --principal-token x)" = 2
# Held streams: 300 flows/s held 4 s put ~1,200 streams open at once, beyond the default cap
# of 1,000; the in-process service is sized for them, so none is refused.
check "load: streams held as asked" test "$(status "$tokensim" load --rate 300 --duration 3s --hold 4s)" = 0
check "load: every stream held to the end" grep -q ', 900 streams held to the end of their hold$' "$work/stdout"
check "load: no establishment errors" grep -qE '^SSE stream establishment +900 +0 ' "$work/stdout"
# The completed rate is that of the flows (900 over 3 s), not diluted by the holds after them
# (900 over 7 s would say 129/s).
check "load: the completed rate leaves out the holds" awk '/completed [0-9]+ flows\/s/ { for (i = 1; i <= NF; ++i) if ($i == "completed") r = $(i + 1) } END { exit !(r >= 250 && r <= 310) }' "$work/stdout"
check "load: a hold beyond the limit exits 2" test "$(status "$tokensim" load --hold 6m)" = 2
# Errors are named by reason: a --target whose stream cap is 5, 20 flows held beyond it.
export VX11_OPERATOR_PRINCIPAL_TOKEN=cli-load-principal
check "load: a small target starts" start_backend "$backend" --web.listen-address=127.0.0.1:0 --sse.max-streams=5
check "load: refusals at the target's cap fail the run" test "$(status "$tokensim" load --target "$base" --rate 20 --duration 1s --hold 3s)" = 1
check "load: they are named by reason" grep -qE '^  SSE stream establishment error: HTTP 503 x15$' "$work/stdout"
check "load: the five that fit are held" grep -q ', 5 streams held to the end of their hold$' "$work/stdout"
kill -TERM "$pid"; wait "$pid"; pid=

echo "$failures failure(s)"
exit $((failures > 0))
