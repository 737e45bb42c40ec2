#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz in ./build-fuzz (clang-14, ASan + UBSan, two jobs)
# and runs each for SECONDS (default 60), one after the other, starting from a copy of its
# seed corpus in build-fuzz/fuzz-work/<target>/corpus (generated inputs never go into the
# repository). Prints the executions and exec/s of each target; exits non-zero if any target
# found a crash, a sanitizer report, a violated property, a leak or a timeout, after printing
# the path of the saved input. Replay one with: build-fuzz/tests/fuzz/<target>_fuzz <file>
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]        e.g. scripts/fuzz.sh 600 scenario exposition
#   FUZZ_FLAGS='-runs=10000000' scripts/fuzz.sh 0 token    (extra libFuzzer flags; with
#                                                           SECONDS 0 only -runs bounds a run)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi
read -r -a extra_flags <<<"${FUZZ_FLAGS:-}"

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DVX11_FUZZ=ON -DVX11_BUILD_BENCHMARKS=OFF >/dev/null
manifest=build-fuzz/fuzz-targets.tsv
declare -A wanted=()
build_targets=(vx11_fuzzers)
if (($#)); then
  build_targets=()
  for t in "$@"; do
    cut -f1 "$manifest" | grep -qx "$t" || { echo "fuzz: unknown target $t (see $manifest)" >&2; exit 2; }
    wanted[$t]=1
    build_targets+=("${t}_fuzz")
  done
fi
echo "fuzz: building ${build_targets[*]} in build-fuzz/ (log: build-fuzz/build.log)"
if ! cmake --build build-fuzz -j2 --target "${build_targets[@]}" >build-fuzz/build.log 2>&1; then
  grep -E 'error|Error' build-fuzz/build.log | head -20 >&2
  echo "fuzz: build failed, see build-fuzz/build.log" >&2
  exit 1
fi

failed=()
summary=()
while IFS=$'\t' read -r name binary corpus dict; do
  if ((${#wanted[@]})) && [ -z "${wanted[$name]:-}" ]; then continue; fi
  work=build-fuzz/fuzz-work/$name
  mkdir -p "$work/corpus" "$work/findings"
  for seed in "$corpus"/*; do  # keeps what earlier runs found
    [ -e "$work/corpus/${seed##*/}" ] || cp "$seed" "$work/corpus/"
  done
  flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix="$work/findings/")
  [ -n "$dict" ] && flags+=(-dict="$dict")
  echo "fuzz: $name for ${seconds}s: $binary ${flags[*]} ${extra_flags[*]} $work/corpus"
  status=0
  start=$SECONDS
  "$binary" "${flags[@]}" "${extra_flags[@]}" "$work/corpus" </dev/null >"$work/log" 2>&1 ||
    status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  line=$(printf '%-12s %12s executions in %5s s, %8s exec/s, corpus %s files' "$name" \
         "${runs:-?}" "$((SECONDS - start))" "${rate:-?}" "$(find "$work/corpus" -type f | wc -l)")
  if ((status != 0)); then
    grep -E 'ERROR: |FUZZ_CHECK failed|SUMMARY: |runtime error: ' "$work/log" | head -5 || true
    for input in $(sed -n 's/.*Test unit written to //p' "$work/log"); do
      echo "fuzz: $name: input saved as $input; replay: $binary $input"
    done
    echo "fuzz: $name FAILED (exit $status), log: $work/log"
    line+="  FAILED, see $work/log"
    failed+=("$name")
  fi
  echo "$line"
  summary+=("$line")
done <"$manifest"

echo
echo "fuzz summary (at most ${seconds}s per target; 0 = no time limit):"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
