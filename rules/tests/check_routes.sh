#!/usr/bin/env bash
# Checks which receiver of rules/alertmanager.yml every shipped alert reaches, against the
# table in rules/tests/expected_routes.txt, with the real `amtool config routes test`.
#
# The shipped rule files are those that rules/prometheus.yml lists under rule_files. An alert
# fires with the labels of its expression's result, its rule's `labels:` and `alertname`. Every
# shipped alert keeps service, job and instance (the guide's alerts keep all series labels, the
# SLO alerts aggregate `by (service, job, instance)`), so each is routed with:
#   alertname, the rule's labels, service="operator-backend" (the exporter's label),
#   job = the scrape job's job_name, instance = its first target (both from prometheus.yml).
# The rule files are parsed with python3's yaml module (Debian's python3-yaml).
#
# Fails when an alert routes elsewhere than its line says, when an alert has no line, when a
# line names no shipped alert, or when the alert's runbook (its `runbook` annotation, relative
# to the folder above RULES_DIR) lacks a "| Routed to | `RECEIVER`" row naming that receiver.
#
# Usage: check_routes.sh [-v] [RULES_DIR]
#   RULES_DIR: the folder with prometheus.yml, alertmanager.yml and tests/expected_routes.txt
#   (default: the folder above this script). -v prints each alert's labels.
# Environment: AMTOOL (default: amtool from PATH), PYTHON3 (default: python3).
set -euo pipefail

verbose=0
if [[ ${1:-} == -v ]]; then verbose=1; shift; fi
rules_dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
amtool=${AMTOOL:-amtool}
python3=${PYTHON3:-python3}
am_config=$rules_dir/alertmanager.yml
expected_file=$rules_dir/tests/expected_routes.txt

for f in "$rules_dir/prometheus.yml" "$am_config" "$expected_file"; do
  [[ -f $f ]] || { echo "check_routes: $f does not exist" >&2; exit 1; }
done

# One line per alert: ALERTNAME<TAB>RUNBOOK<TAB>LABEL="VALUE"<TAB>LABEL="VALUE"... (amtool's
# label syntax; RUNBOOK is "-" when the alert has none).
alerts=$("$python3" - "$rules_dir/prometheus.yml" <<'EOF'
import json, os, sys, yaml

config_path = sys.argv[1]
with open(config_path) as f:
    config = yaml.safe_load(f)
job = config["scrape_configs"][0]
target_labels = {
    "service": "operator-backend",
    "job": job["job_name"],
    "instance": job["static_configs"][0]["targets"][0],
}
seen = set()
for rule_file in config.get("rule_files", []):
    path = os.path.join(os.path.dirname(config_path), rule_file)
    with open(path) as f:
        groups = yaml.safe_load(f)["groups"]
    for group in groups:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            name = rule["alert"]
            if name in seen:
                sys.exit(f"check_routes: alert {name} is defined twice ({path})")
            seen.add(name)
            labels = dict(target_labels)
            labels.update({k: str(v) for k, v in (rule.get("labels") or {}).items()})
            labels["alertname"] = name
            # json.dumps quotes and escapes as Alertmanager's matcher syntax expects.
            runbook = (rule.get("annotations") or {}).get("runbook", "-")
            print("\t".join([name, runbook] + [f"{k}={json.dumps(v)}" for k, v in sorted(labels.items())]))
EOF
)
if [[ -z $alerts ]]; then
  echo "check_routes: no alerting rule found in the rule files of $rules_dir/prometheus.yml" >&2
  exit 1
fi

declare -A expected
while read -r alert receiver rest; do
  [[ -z $alert || $alert == \#* ]] && continue
  if [[ -z $receiver || -n $rest ]]; then
    echo "check_routes: $expected_file: expected 'ALERT RECEIVER', got: $alert $receiver $rest" >&2
    exit 1
  fi
  expected[$alert]=$receiver
done <"$expected_file"

failures=0 count=0
declare -A shipped
while IFS=$'\t' read -r -a fields; do
  alert=${fields[0]}
  runbook=${fields[1]}
  args=("${fields[@]:2}")
  labels=${args[*]}
  count=$((count + 1))
  shipped[$alert]=1
  got=$("$amtool" config routes test --config.file="$am_config" "${args[@]}" 2>/dev/null) || {
    echo "check_routes: amtool failed for $alert: $labels" >&2
    failures=$((failures + 1))
    continue
  }
  want=${expected[$alert]:-}
  ((verbose)) && echo "     $alert {$labels}"
  if [[ -z $want ]]; then
    echo "FAIL - $alert -> $got, but $expected_file has no line for it" >&2
    failures=$((failures + 1))
  elif [[ $got != "$want" ]]; then
    echo "FAIL - $alert -> $got, expected $want" >&2
    failures=$((failures + 1))
  else
    echo "ok   - $alert -> $got"
  fi
  runbook_path=$rules_dir/../$runbook
  if [[ $runbook == - || ! -f $runbook_path ]]; then
    echo "FAIL - $alert: runbook '$runbook' not found" >&2
    failures=$((failures + 1))
  elif ! grep -q "^| Routed to | \`$got\`" "$runbook_path"; then
    echo "FAIL - $alert: $runbook has no '| Routed to | \`$got\`' row" >&2
    failures=$((failures + 1))
  fi
done <<<"$alerts"

for alert in "${!expected[@]}"; do
  if [[ -z ${shipped[$alert]:-} ]]; then
    echo "FAIL - $expected_file names $alert, which no shipped rule file defines" >&2
    failures=$((failures + 1))
  fi
done

echo "check_routes: $count alerts, $failures problems"
((failures == 0))
