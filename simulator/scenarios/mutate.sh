#!/usr/bin/env bash
# Mutation check of the shipped scenarios, now `tokensim mutate` (docs/tokensim.md): every
# mutant of every alert must make at least one scenario fail. Kept so that the old invocation
# still works; flags are passed on (--all, --jobs N, --keep DIR, --kinds K,...).
# Environment: TOKENSIM (default: build/simulator/tokensim, else tokensim on PATH), PROMTOOL.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tokensim=${TOKENSIM:-$here/../../build/simulator/tokensim}
[[ -x $tokensim ]] || tokensim=tokensim
exec "$tokensim" mutate --promtool "${PROMTOOL:-promtool}" --scenarios "$here" \
  --rules "$here/../../rules/prometheus-rules.yml" "$here/../../rules/slo-rules.yml" "$@"
