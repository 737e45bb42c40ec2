#!/usr/bin/env bash
# Mutation check of the rules pack's hand-written promtool tests, now `tokensim mutate --tests`
# (docs/tokensim.md): every alert's threshold, `for` and comparison mutated in turn must fail
# at least one test file. Kept so that the old invocation still works.
# Usage: mutate.sh [RULES_DIR] [-- extra tokensim mutate flags]
# Environment: TOKENSIM (default: build/simulator/tokensim, else tokensim on PATH), PROMTOOL.
set -euo pipefail
rules_dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
shift $(($# > 0 ? 1 : 0))
[[ ${1:-} == -- ]] && shift
tokensim=${TOKENSIM:-$rules_dir/../build/simulator/tokensim}
[[ -x $tokensim ]] || tokensim=tokensim
exec "$tokensim" mutate --promtool "${PROMTOOL:-promtool}" \
  --rules "$rules_dir"/*-rules.yml --tests "$rules_dir"/tests/*.yml \
  --kinds threshold_x10,threshold_div10,comparison_flipped,for_removed,for_x10 "$@"
