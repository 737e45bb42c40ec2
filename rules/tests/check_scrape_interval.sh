#!/usr/bin/env bash
# Checks that rules/prometheus.yml stays valid when a user lowers the job's scrape_interval.
#
# Prometheus refuses a scrape job whose own scrape_timeout is greater than its scrape_interval,
# so the guide's job (scrape_interval 15s, scrape_timeout 10s) breaks as soon as the interval
# goes below 10s. The shipped file sets the guide's 10s under `global:` instead: a timeout the
# job inherits is lowered to the job's interval, never refused.
#
# For each interval, edits a copy of the shipped file (only the job's `scrape_interval:` line,
# next to copies of its rule files) and runs `promtool check config` on it: every copy must be
# valid. Then, as a control, the same edits on the guide's layout (the timeout moved back into
# the job) must fail below 10s, so this check would notice the problem coming back.
# Also checks that the job keeps the guide's scrape_interval and no timeout of its own.
#
# Usage: check_scrape_interval.sh [RULES_DIR]   default: the folder above this script
# Environment: PROMTOOL, the promtool binary (default: promtool from PATH).
set -euo pipefail

rules_dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
promtool=${PROMTOOL:-promtool}
config=$rules_dir/prometheus.yml

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$rules_dir"/*-rules.yml "$work/"

failures=0
fail() { echo "check_scrape_interval: $*" >&2; failures=$((failures + 1)); }

job_interval_re='^    scrape_interval: '
if [[ $(grep -c "$job_interval_re" "$config") != 1 ]]; then
  echo "check_scrape_interval: expected one job-level '    scrape_interval:' line in $config" >&2
  exit 1
fi
grep -q '^    scrape_interval: 15s$' "$config" || fail "the job's scrape_interval is not the guide's 15s"
grep -q '^  scrape_timeout: 10s$' "$config" || fail "global scrape_timeout is not the guide's 10s"
if grep -q '^    scrape_timeout:' "$config"; then
  fail "the job sets its own scrape_timeout: lowering its scrape_interval below it breaks the config"
fi

# with_interval SOURCE INTERVAL OUT: SOURCE with the job's scrape_interval set to INTERVAL.
with_interval() { sed -E "s/${job_interval_re}.*/    scrape_interval: $2/" "$1" >"$3"; }

for interval in 15s 10s 9s 5s 1s 500ms; do
  with_interval "$config" "$interval" "$work/prometheus.yml"
  if out=$("$promtool" check config "$work/prometheus.yml" 2>&1); then
    echo "ok   - scrape_interval: $interval is valid"
  else
    fail "scrape_interval: $interval makes the shipped config invalid:"$'\n'"$out"
  fi
done

# Control: the guide's layout, with the timeout in the job.
sed -e '/^  scrape_timeout: /d' -e "s/${job_interval_re}\(.*\)/&\n    scrape_timeout: 10s/" \
  "$config" >"$work/guide-layout.yml"
for interval in 15s 5s; do
  with_interval "$work/guide-layout.yml" "$interval" "$work/prometheus.yml"
  if "$promtool" check config "$work/prometheus.yml" >"$work/out" 2>&1; then valid=yes; else valid=no; fi
  expected=$([[ $interval == 15s ]] && echo yes || echo no)
  if [[ $valid == "$expected" ]]; then
    echo "ok   - control: the guide's layout with scrape_interval: $interval is valid: $valid"
  else
    fail "control: the guide's layout with scrape_interval: $interval is valid: $valid, expected $expected"
    cat "$work/out" >&2
  fi
done

echo "check_scrape_interval: $failures problems"
((failures == 0))
