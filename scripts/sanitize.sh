#!/usr/bin/env bash
# Builds the test suite with sanitizers and runs it, two jobs, benchmarks off:
#   1. build-asan/: g++, ASan + UBSan (-fno-sanitize-recover=undefined, -O1 -g, assertions on),
#      every test ctest knows (unit, integration, end-to-end, the shipped scenarios, the fuzz
#      corpora) except, to fit CI's budget: the live Prometheus/Alertmanager test (label
#      `live`: the same binary as operator_backend_e2e, a minute of real time) and the three
#      mutation runs (scenarios.mutation, rules.mutation, tokensim_mutate_e2e: tokensim and
#      promtool over and over on mutated rules; tokensim_verify_shipped_scenarios and
#      rule_mutations_test run the same code once). ./scripts/test.sh runs them unsanitized.
#   2. build-tsan/: g++, TSan (-O1 -g), only the concurrency tests: the executables
#      clock_test, token_store_test, stream_hub_test, operator_service_test,
#      server_test, server_hardening_test and engine_test: the tests that run threads against
#      shared state. TSan on the whole suite would not fit CI's budget. Boost.Asio's fences
#      (std::atomic_thread_fence) are invisible to TSan (-Wtsan, silenced); its handler queues
#      also synchronise through mutexes, which TSan does see.
# Each phase ends with ctest's summary; the script exits non-zero if either fails (both run).
# How long each phase takes on the 2-core machine: docs/security.md, "Sanitizer builds".
#
#   scripts/sanitize.sh [asan|tsan]...        (default: both, in that order)
set -euo pipefail
cd "$(dirname "$0")/.."

phases=("$@")
((${#phases[@]})) || phases=(asan tsan)

tsan_targets=(clock_test token_store_test stream_hub_test operator_service_test server_test server_hardening_test engine_test)

# Sanitizer reports fail the test that triggers them, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1:history_size=4}

configure() {  # build-dir sanitizer-flags
  local flags="$2 -fno-omit-frame-pointer"
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
    -DVX11_BUILD_TESTS=ON -DVX11_BUILD_BENCHMARKS=OFF >/dev/null
}

# Each step returns on failure: `set -e` does not apply inside a function called with ||.
run_asan() {
  configure build-asan "-fsanitize=address,undefined -fno-sanitize-recover=undefined" || return
  cmake --build build-asan -j2 || return
  ctest --test-dir build-asan --output-on-failure -j2 --timeout 600 -LE '^live$' \
    -E '^(scenarios\.mutation|rules\.mutation|tokensim_mutate_e2e)$'
}

run_tsan() {
  configure build-tsan "-fsanitize=thread -Wno-tsan" || return
  local available present=()
  available=$(cmake --build build-tsan --target help) || return
  for t in "${tsan_targets[@]}"; do
    # A test executable that a rewrite renamed or removed is skipped, not an error here.
    if grep -qx "\.\.\. $t" <<<"$available"; then present+=("$t"); fi
  done
  ((${#present[@]})) || { echo "sanitize: none of ${tsan_targets[*]} exists" >&2; return 1; }
  cmake --build build-tsan -j2 --target "${present[@]}" || return
  # The tests those executables hold, by name, escaped for ctest's regular expression.
  local names
  names=$(ctest --test-dir build-tsan --show-only=json-v1 | jq -r --argjson bins \
    "$(printf '%s\n' "${present[@]}" | jq -R . | jq -s .)" '
      .tests[] | select((.command // [])[0] // "" | split("/") | last | IN($bins[]))
      | .name | gsub("(?<c>[][.*+?^$|(){}\\\\])"; "\\\(.c)")') || return
  if [ -z "$names" ]; then
    echo "sanitize: no tests found in ${present[*]}" >&2
    return 1
  fi
  ctest --test-dir build-tsan --output-on-failure -j2 --timeout 600 \
    -R "^($(paste -sd'|' <<<"$names"))\$"
}

status=0
for phase in "${phases[@]}"; do
  case $phase in
    asan | tsan) ;;
    *) echo "usage: $0 [asan|tsan]..." >&2; exit 2 ;;
  esac
  start=$SECONDS
  echo "sanitize: $phase"
  "run_$phase" || status=1
  echo "sanitize: $phase took $((SECONDS - start)) s"
done
exit $status
