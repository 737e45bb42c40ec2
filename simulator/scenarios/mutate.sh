#!/usr/bin/env bash
# Mutation check of the shipped scenarios: shows that they catch a weakened or loosened alert
# rule, as rules/tests/mutate.sh does for the hand-written promtool tests.
#
# For every alerting rule of every rule file, one mutation at a time (the same five mutations
# as rules/tests/mutate.sh, whose `mutate` function this script runs, so both checks always
# use the same mutants):
#   threshold_x10, threshold_div10  the number the expression ends with, x10 or /10
#   for_removed, for_x10            the rule's `for:` deleted, or multiplied by 10
#   comparison_flipped              the expression's last comparison reversed (> <-> <)
# A mutant must still pass `promtool check rules`; then the scenarios are checked against it.
# A mutant is killed as soon as one scenario fails, and survives if they all pass. Survivors
# are listed, and the script exits 1 if there is any (2 if the scenarios fail against the
# unmutated rules, a mutation cannot be applied, or tokensim or promtool cannot run).
#
# How it runs the scenarios against a mutant. `tokensim verify` does two things per scenario:
# it drives the service through the scenario and records every scrape, then it writes a
# promtool test from the recorded series and the expectations (promtool-test.yml, whose
# rule_files are paths relative to it) and runs `promtool test rules` on it. Only the second
# step reads the rules: the engine never does, and the run is deterministic (virtual time,
# seeded randomness; two runs give byte-identical outputs). So the recording and the test
# file are the same whatever the rules say, and running `tokensim verify --rules <mutant>`
# would produce the same test file again and pass or fail exactly as
# `promtool test rules promtool-test.yml` does with the mutant in place. This script
# therefore runs `tokensim verify` once, against copies of the rule files in a temporary
# directory, then, for each mutant, rewrites that copy and re-runs promtool on the generated
# tests: under a second per scenario instead of a full simulation.
# One difference with a full run, which cannot let a mutant survive: tokensim's own check
# that issued = expired + active at every scrape does not depend on the rules, so it passed
# once and would pass again. (A `firing` time earlier than a for_x10 mutant's `for` fails
# either way: tokensim reports it as a failed expectation, exit 1, and promtool fails it.)
# To check that reasoning, --full runs `tokensim run` on the scenarios for every mutant
# (minutes rather than seconds), and counts a failing or refused scenario as a kill.
#
# The scenarios are tried one at a time, most likely killers first: those that expect the
# mutated alert to fire, then those that expect it not to fire at given times, then the
# rest (whose never_fires expectations catch mutants that fire too easily); the first
# failure kills the mutant.
#
# Usage: mutate.sh [-v] [--all] [--full] [--tokensim PATH] [--scenarios DIR] [--rules-dir DIR]
#   --tokensim   the tokensim binary (default: $TOKENSIM, else tokensim from PATH)
#   --scenarios  the scenario directory (default: the folder of this script)
#   --rules-dir  the folder of the rule files, every *-rules.yml in it (default: rules/ of
#                this checkout); its tests/mutate.sh provides the mutations
#   --full       run the simulation for every mutant instead of re-running promtool
#   --all        try every scenario on every mutant and list all that kill it (slower)
#   -v           print each mutant's diff
# Environment: PROMTOOL, the promtool binary (default: promtool from PATH).
set -euo pipefail

readonly kMutations=(threshold_x10 threshold_div10 for_removed for_x10 comparison_flipped)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
verbose=0
full=0
all=0
tokensim=${TOKENSIM:-tokensim}
scenarios_dir=$here
rules_dir="$(cd "$here/../../rules" 2>/dev/null && pwd || echo "$here/../../rules")"
while (($# > 0)); do
  case $1 in
    -v) verbose=1 ;;
    --full) full=1 ;;
    --all) all=1 ;;
    --tokensim) tokensim=$2; shift ;;
    --scenarios) scenarios_dir=$2; shift ;;
    --rules-dir) rules_dir=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "mutate: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
  shift
done
promtool=${PROMTOOL:-promtool}

for tool in "$tokensim" "$promtool"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "mutate: cannot run \"$tool\" (set --tokensim / PROMTOOL)" >&2
    exit 2
  fi
done
if [[ ! -f $rules_dir/tests/mutate.sh ]]; then
  echo "mutate: $rules_dir/tests/mutate.sh not found: it provides the mutations" >&2
  exit 2
fi
# The rules pack's mutation function: mutate FILE ALERT KIND prints the mutant of FILE.
mutate_src=$(sed -n '/^mutate() {$/,/^}$/p' "$rules_dir/tests/mutate.sh")
if [[ -z $mutate_src ]]; then
  echo "mutate: no mutate() function in $rules_dir/tests/mutate.sh" >&2
  exit 2
fi
eval "$mutate_src"

shopt -s nullglob
rule_files=("$rules_dir"/*-rules.yml)
if ((${#rule_files[@]} == 0)); then
  echo "mutate: no *-rules.yml in $rules_dir" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/orig" "$work/rules"
cp "${rule_files[@]}" "$work/orig/"
cp "${rule_files[@]}" "$work/rules/"
work_rules=()
for f in "${rule_files[@]}"; do work_rules+=("$work/rules/$(basename "$f")"); done

# One full run against the unmutated copies: it must pass, or every mutant would look killed.
# Its promtool tests are what the mutants are checked with (they load $work/rules/*).
start=$SECONDS
if ! "$tokensim" verify --scenarios "$scenarios_dir" --rules "${work_rules[@]}" \
    --promtool "$promtool" --out "$work/out" >"$work/verify.log" 2>&1; then
  cat "$work/verify.log" >&2
  echo "mutate: the scenarios fail against the unmutated rules; fix them first" >&2
  exit 2
fi
echo "mutate: scenarios pass against the unmutated rules ($((SECONDS - start)) s)"

tests=("$work"/out/*/promtool-test.yml)
if ((${#tests[@]} == 0)); then
  echo "mutate: tokensim wrote no promtool tests under $work/out" >&2
  exit 2
fi

# The scenarios' test files, most likely killers of ALERT's mutants first.
ordered_tests() {
  local alert=$1 t
  local -a first=() second=() rest=()
  for t in "${tests[@]}"; do
    if grep -q -E "^ *# expectation [0-9]+ \(line [0-9]+\): $alert firing at " "$t"; then
      first+=("$t")
    elif grep -q -E "^ *# expectation [0-9]+ \(line [0-9]+\): $alert not firing at " "$t"; then
      second+=("$t")
    else
      rest+=("$t")
    fi
  done
  printf '%s\n' "${first[@]}" "${second[@]}" "${rest[@]}" | sed '/^$/d'
}

# The scenario file that `name:` NAME comes from (tokensim names the output folder after it).
scenario_file() {
  grep -l -E "^name:[[:space:]]*['\"]?$1['\"]?[[:space:]]*$" \
    "$scenarios_dir"/*.yaml "$scenarios_dir"/*.yml 2>/dev/null | head -n 1
}

# Runs the scenarios against the mutant now in $work/rules, in order, until one fails (with
# --all: every one). Prints the killing scenarios' names (with --full, "(refused)" when
# tokensim refused the scenario); returns 1 if none failed.
first_failure() {
  local alert=$1 test name file rc found=1
  while IFS= read -r test; do
    name=$(basename "$(dirname "$test")")
    if ((full)); then
      file=$(scenario_file "$name")
      rc=0
      "$tokensim" run "$file" --rules "${work_rules[@]}" --promtool "$promtool" \
        --out "$work/full" >"$work/run.log" 2>&1 || rc=$?
      if ((rc == 1 || rc == 2)); then
        echo "$name$( ((rc == 2)) && echo ' (refused)')"
        found=0
        ((all)) || return 0
      elif ((rc != 0)); then
        echo "mutate: tokensim run $file exited $rc:" >&2
        cat "$work/run.log" >&2
        exit 2
      fi
    else
      # From the test's folder, as promtool resolves rule_files relative to the test file.
      if ! (cd "$(dirname "$test")" && "$promtool" test rules promtool-test.yml) >/dev/null 2>&1; then
        echo "$name"
        found=0
        ((all)) || return 0
      fi
    fi
  done < <(ordered_tests "$alert")
  return $found
}

total=0 killed=0 errors=0
survivors=()
for rule_file in "${rule_files[@]}"; do
  name=$(basename "$rule_file")
  mapfile -t alerts < <(sed -n -E "s/^[[:space:]]*- alert:[[:space:]]*['\"]?([A-Za-z0-9_:]+)['\"]?[[:space:]]*$/\1/p" "$rule_file")
  for alert in "${alerts[@]}"; do
    for kind in "${kMutations[@]}"; do
      total=$((total + 1))
      if ! mutate "$work/orig/$name" "$alert" "$kind" >"$work/rules/$name" 2>"$work/mutate.err"; then
        echo "ERROR    $alert $kind: $(cat "$work/mutate.err")" >&2
        errors=$((errors + 1))
        cp "$work/orig/$name" "$work/rules/$name"
        continue
      fi
      if ((verbose)); then
        echo "-- $alert $kind"
        diff "$work/orig/$name" "$work/rules/$name" | sed 's/^/   /' || true
      fi
      if cmp -s "$work/orig/$name" "$work/rules/$name"; then
        echo "ERROR    $alert $kind: the mutant is identical to the original" >&2
        errors=$((errors + 1))
      elif ! "$promtool" check rules "$work/rules/$name" >"$work/check.log" 2>&1; then
        echo "ERROR    $alert $kind: the mutant is not a valid rule file:" >&2
        cat "$work/check.log" >&2
        errors=$((errors + 1))
      else
        rc=0
        killer=$(first_failure "$alert") || rc=$?
        if ((rc == 0)); then
          printf 'killed   %-34s %-18s by %s\n' "$alert" "$kind" "$(echo $killer | sed 's/ /, /g; s/, (refused)/ (refused)/g')"
          killed=$((killed + 1))
        elif ((rc == 1)); then
          printf 'SURVIVED %-34s %s\n' "$alert" "$kind"
          diff "$work/orig/$name" "$work/rules/$name" | sed 's/^/         /' || true
          survivors+=("$alert:$kind")
        else
          exit 2
        fi
      fi
      cp "$work/orig/$name" "$work/rules/$name"
    done
  done
done

echo "mutate: $total mutants, $killed killed, ${#survivors[@]} survived, $errors errors ($((SECONDS - start)) s)"
if ((errors > 0)); then exit 2; fi
if ((${#survivors[@]} > 0)); then exit 1; fi
exit 0
