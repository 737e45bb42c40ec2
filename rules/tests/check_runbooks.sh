#!/usr/bin/env bash
# Checks that every alerting rule has a `severity` label and a `runbook` annotation, and that
# the runbook it names exists. Runbook paths are relative to the repository root.
#
# Usage: check_runbooks.sh [REPO_ROOT [RULE_FILE...]]
#   REPO_ROOT defaults to two folders above this script; RULE_FILEs to REPO_ROOT/rules/*-rules.yml.
set -euo pipefail

root=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"}
shift || true
if (($# > 0)); then
  rule_files=("$@")
else
  shopt -s nullglob
  rule_files=("$root"/rules/*-rules.yml)
fi
if ((${#rule_files[@]} == 0)); then
  echo "check_runbooks: no rule files" >&2
  exit 1
fi

# One line per alerting rule: FILE:LINE ALERT SEVERITY RUNBOOK ("-" when missing).
list_alerts() {
  awk '
    function emit() {
      if (alert != "") print FILENAME ":" line " " alert " " (severity == "" ? "-" : severity) " " (runbook == "" ? "-" : runbook)
      alert = ""; severity = ""; runbook = ""
    }
    function value(s) { sub(/^[^:]*:[ \t]*/, "", s); gsub(/["\x27]/, "", s); sub(/[ \t]+$/, "", s); return s }
    /^[ \t]*- (alert|record|name):/ { emit() }
    /^[ \t]*- alert:/ { alert = value($0); line = FNR }
    alert != "" && /^[ \t]*severity:/ { severity = value($0) }
    alert != "" && /^[ \t]*runbook:/ { runbook = value($0) }
    END { emit() }
  ' "$@"
}

failures=0 count=0
for f in "${rule_files[@]}"; do
  while read -r where alert severity runbook; do
    count=$((count + 1))
    if [[ $severity == - ]]; then
      echo "$where: alert $alert has no severity label" >&2
      failures=$((failures + 1))
    fi
    if [[ $runbook == - ]]; then
      echo "$where: alert $alert has no runbook annotation" >&2
      failures=$((failures + 1))
    elif [[ ! -f "$root/$runbook" ]]; then
      echo "$where: alert $alert: runbook $runbook does not exist under $root" >&2
      failures=$((failures + 1))
    fi
  done < <(list_alerts "$f")
done

if ((count == 0)); then
  echo "check_runbooks: no alerting rule found in ${rule_files[*]}" >&2
  exit 1
fi
echo "check_runbooks: $count alerts, $failures problems"
((failures == 0))
