#!/usr/bin/env bash
# Checks that every query of a Grafana dashboard is valid PromQL: extracts each "expr" of the
# dashboard JSON, writes them as recording rules into a throw-away rule file, and runs
# `promtool check rules` on it. Also checks that every Prometheus data source reference is the
# dashboard's `${datasource}` variable, not a hard-coded data source. Needs only bash, sed and
# promtool; if jq is installed, the JSON syntax is checked too.
#
# The dashboard must keep one "expr" per line, as Grafana exports it. Grafana's interval
# variables ($__rate_interval, $__interval, $__range) are replaced by 5m; any other
# variable is left alone and shows up as a PromQL error.
#
# Usage: check_dashboard.sh [DASHBOARD_JSON]   default: docs/grafana/operator-backend.json
# Environment: PROMTOOL, the promtool binary (default: promtool from PATH).
set -euo pipefail

dashboard=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/docs/grafana/operator-backend.json"}
promtool=${PROMTOOL:-promtool}

if [[ ! -f $dashboard ]]; then
  echo "check_dashboard: $dashboard does not exist" >&2
  exit 1
fi

if command -v jq >/dev/null 2>&1; then
  if ! jq empty "$dashboard"; then
    echo "check_dashboard: $dashboard is not valid JSON" >&2
    exit 1
  fi
else
  echo "check_dashboard: jq not installed, JSON syntax not checked"
fi

# With one key per line, each {"type": "prometheus", "uid": ...} reference has both lines.
prometheus_refs=$(grep -c '"type"[[:space:]]*:[[:space:]]*"prometheus"' "$dashboard" || true)
variable_refs=$(grep -c '"uid"[[:space:]]*:[[:space:]]*"\${datasource}"' "$dashboard" || true)
if ((prometheus_refs != variable_refs)); then
  echo "check_dashboard: $prometheus_refs Prometheus data source references but $variable_refs" \
    "use \"uid\": \"\${datasource}\"; do not hard-code a data source" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rules="$work/dashboard-queries.yml"

# Lines holding an "expr" key, then those of them that are exactly `"expr": "<string>",?`.
expr_lines=$(grep -c '"expr"[[:space:]]*:' "$dashboard" || true)
sed -n -E 's/^[[:space:]]*"expr"[[:space:]]*:[[:space:]]*"(([^"\\]|\\.)*)"[[:space:]]*,?[[:space:]]*$/\1/p' \
  "$dashboard" >"$work/exprs.json-strings"
mapfile -t exprs <"$work/exprs.json-strings"

if ((expr_lines == 0)); then
  echo "check_dashboard: no \"expr\" in $dashboard" >&2
  exit 1
fi
if ((${#exprs[@]} != expr_lines)); then
  echo "check_dashboard: $expr_lines lines hold an \"expr\" but only ${#exprs[@]} are one" \
    "\"expr\": \"...\" per line; keep the dashboard formatted one key per line" >&2
  exit 1
fi

{
  echo "groups:"
  echo "  - name: dashboard_queries"
  echo "    rules:"
  i=0
  for e in "${exprs[@]}"; do
    i=$((i + 1))
    if [[ $e == *'\u'* ]]; then
      echo "check_dashboard: query $i uses a \\u escape, which this check does not decode: $e" >&2
      exit 1
    fi
    # JSON string unescaping for what a PromQL query can hold.
    e=$(printf '%s' "$e" | sed -e 's/\\n/ /g' -e 's/\\t/ /g' -e 's/\\"/"/g' -e 's#\\/#/#g' -e 's/\\\\/\\/g')
    e=${e//\$__rate_interval/5m}
    e=${e//\$__interval/5m}
    e=${e//\$__range/5m}
    # YAML single-quoted scalar: a quote is written twice.
    echo "      - record: dashboard:query_$i"
    echo "        expr: '${e//\'/\'\'}'"
  done
} >"$rules"

if ! "$promtool" check rules "$rules"; then
  echo "check_dashboard: invalid queries in $dashboard; dashboard:query_N is the Nth \"expr\":" >&2
  grep -n -E '^ +expr:' "$rules" | sed 's/^/  /' >&2
  exit 1
fi
echo "check_dashboard: ${#exprs[@]} queries in $(basename "$dashboard") are valid PromQL"
