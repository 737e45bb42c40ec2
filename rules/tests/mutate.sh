#!/usr/bin/env bash
# Mutation check of the rules pack's unit tests: shows that the tests notice when an alert's
# threshold, its `for` or its comparison changes.
#
# For every alerting rule of every rule file, one mutation at a time:
#   threshold_x10, threshold_div10  the number the expression ends with (its threshold),
#                                   multiplied or divided by 10
#   for_removed, for_x10            the rule's `for:` deleted, or multiplied by 10
#   comparison_flipped              the expression's last comparison reversed (> <-> <)
# Each mutant is a copy of the rules pack in a temporary directory with that one change. It
# must still pass `promtool check rules`; then the test files that load the mutated rule file
# are run against it. A mutant that passes them survives. Survivors are listed, and the
# script exits 1 if there is any (2 if a mutation cannot be applied or the pack is broken).
#
# Usage: mutate.sh [-v] [RULES_DIR]   RULES_DIR defaults to the folder above this script;
#                                     -v prints each mutant's diff.
# Environment: PROMTOOL, the promtool binary (default: promtool from PATH).
set -euo pipefail

readonly kMutations=(threshold_x10 threshold_div10 for_removed for_x10 comparison_flipped)

verbose=0
if [[ ${1:-} == -v ]]; then
  verbose=1
  shift
fi
rules_dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
promtool=${PROMTOOL:-promtool}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints FILE with mutation KIND applied to the alerting rule ALERT. Exits 2, printing why to
# stderr, when the mutation does not apply (no `for:`, no trailing number, no comparison).
# Handles `expr:` written on one line or as a block scalar (`expr: |`).
mutate() {
  local file=$1 alert=$2 kind=$3
  awk -v target="$alert" -v kind="$kind" '
    function indent_of(s) { match(s, /^[ \t]*/); return RLENGTH }

    # Rewrites the last comparison operator in buf[first..n].
    function flip_comparison(   i, line, pos, len, rest, op, flipped) {
      for (i = n; i >= 1; i--) {
        line = buf[i]; pos = 0; rest = line
        while (match(rest, /[<>]=?/)) {
          pos += RSTART; len = RLENGTH
          rest = substr(rest, RSTART + RLENGTH); pos += RLENGTH - 1
          op = substr(line, pos - len + 1, len)
        }
        if (pos > 0) {
          flipped = (substr(op, 1, 1) == ">" ? "<" : ">") substr(op, 2)
          buf[i] = substr(line, 1, pos - len) flipped substr(line, pos + 1)
          return 1
        }
      }
      return 0
    }

    # Multiplies by `factor` the number the expression ends with.
    function scale_threshold(factor,   i, line, num, head, tail) {
      for (i = n; i >= 1; i--) {
        line = buf[i]
        if (line ~ /^[ \t]*$/) continue
        if (!match(line, /[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?[ \t]*["\x27]?[ \t]*$/)) return 0
        head = substr(line, 1, RSTART - 1); tail = substr(line, RSTART)
        match(tail, /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?/)
        num = substr(tail, 1, RLENGTH)
        buf[i] = head sprintf("%.10g", num * factor) substr(tail, RLENGTH + 1)
        return 1
      }
      return 0
    }

    function finish_expr(   i) {
      if (in_target) {
        if (kind == "threshold_x10") applied = scale_threshold(10)
        else if (kind == "threshold_div10") applied = scale_threshold(0.1)
        else if (kind == "comparison_flipped") applied = flip_comparison()
      }
      for (i = 1; i <= n; i++) print buf[i]
      n = 0; in_expr = 0
    }

    {
      if (in_expr) {
        if ($0 ~ /^[ \t]*$/ || indent_of($0) > expr_indent) { buf[++n] = $0; next }
        finish_expr()
      }
      if ($0 ~ /^[ \t]*- (alert|record|name):/) {
        name = $0
        sub(/^[ \t]*- (alert|record|name):[ \t]*/, "", name)
        gsub(/["\x27 \t]/, "", name)
        in_target = ($0 ~ /^[ \t]*- alert:/ && name == target)
        if (in_target) found = 1
      }
      if (in_target && $0 ~ /^[ \t]*for:/) {
        if (kind == "for_removed") { applied = 1; next }
        if (kind == "for_x10") {
          value = $0; sub(/^[ \t]*for:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
          gsub(/["\x27]/, "", value)
          if (match(value, /^[0-9]+[a-z]+$/)) {
            match(value, /^[0-9]+/)
            unit = substr(value, RLENGTH + 1)
            sub(/for:.*/, "for: " (substr(value, 1, RLENGTH) * 10) unit)
            applied = 1
          }
        }
      }
      if ($0 ~ /^[ \t]*expr:/) {
        in_expr = 1; expr_indent = indent_of($0); n = 0; buf[++n] = $0
        next
      }
      print
    }

    END {
      if (in_expr) finish_expr()
      if (!found) { print "alert " target " not found" > "/dev/stderr"; exit 2 }
      if (!applied) { print kind " does not apply to " target > "/dev/stderr"; exit 2 }
    }
  ' "$file"
}

# The test files that load rule file NAME (a path ending in /NAME in their rule_files).
tests_loading() {
  local name=$1
  grep -l -E "^[[:space:]]*-[[:space:]]*['\"]?([^'\"]*/)?${name//./\\.}['\"]?[[:space:]]*$" \
    "$rules_dir"/tests/*.yml || true
}

shopt -s nullglob
rule_files=("$rules_dir"/*-rules.yml)
if ((${#rule_files[@]} == 0)); then
  echo "mutate: no *-rules.yml in $rules_dir" >&2
  exit 2
fi

# The unmutated pack must pass, or every mutant would look killed.
if ! "$promtool" test rules "$rules_dir"/tests/*.yml >"$work/baseline.log" 2>&1; then
  cat "$work/baseline.log" >&2
  echo "mutate: the tests fail on the unmutated rules; fix them first" >&2
  exit 2
fi

mkdir -p "$work/pack/tests"
cp "$rules_dir"/*.yml "$work/pack/"
cp "$rules_dir"/tests/*.yml "$work/pack/tests/"

total=0 killed=0 errors=0
survivors=()
for rule_file in "${rule_files[@]}"; do
  name=$(basename "$rule_file")
  mapfile -t tests < <(tests_loading "$name")
  mapfile -t alerts < <(sed -n -E "s/^[[:space:]]*- alert:[[:space:]]*['\"]?([A-Za-z0-9_:]+)['\"]?[[:space:]]*$/\1/p" "$rule_file")
  for alert in "${alerts[@]}"; do
    if ((${#tests[@]} == 0)); then
      echo "ERROR    $name $alert: no test file loads $name" >&2
      errors=$((errors + 1))
      continue
    fi
    pack_tests=("${tests[@]/#"$rules_dir"/$work/pack}")
    for kind in "${kMutations[@]}"; do
      total=$((total + 1))
      if ! mutate "$rule_file" "$alert" "$kind" >"$work/pack/$name" 2>"$work/mutate.err"; then
        echo "ERROR    $alert $kind: $(cat "$work/mutate.err")" >&2
        errors=$((errors + 1))
        continue
      fi
      if ((verbose)); then
        echo "-- $alert $kind"
        diff "$rule_file" "$work/pack/$name" || true
      fi
      if cmp -s "$rule_file" "$work/pack/$name"; then
        echo "ERROR    $alert $kind: the mutant is identical to the original" >&2
        errors=$((errors + 1))
      elif ! "$promtool" check rules "$work/pack/$name" >"$work/check.log" 2>&1; then
        echo "ERROR    $alert $kind: the mutant is not a valid rule file:" >&2
        cat "$work/check.log" >&2
        errors=$((errors + 1))
      elif "$promtool" test rules "${pack_tests[@]}" >/dev/null 2>&1; then
        echo "SURVIVED $alert $kind"
        diff "$rule_file" "$work/pack/$name" | sed 's/^/         /' || true
        survivors+=("$alert:$kind")
      else
        echo "killed   $alert $kind"
        killed=$((killed + 1))
      fi
      cp "$rule_file" "$work/pack/$name"
    done
  done
done

echo "mutate: $total mutants, $killed killed, ${#survivors[@]} survived, $errors errors"
if ((errors > 0)); then exit 2; fi
if ((${#survivors[@]} > 0)); then exit 1; fi
exit 0
