#!/usr/bin/env bash
# Wall time of tokensim: one 20-virtual-minute scenario at 200 requests/s (two mixes), and
# `tokensim verify` over every shipped scenario, promtool included. Uses hyperfine when it is
# installed (Debian package `hyperfine`), otherwise one timed run each.
# Usage: bench/tokensim_bench.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tokensim=$build/simulator/tokensim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

commands=(
  "$tokensim run bench/scenarios/rate200_tokens.yaml --out $out/a"
  "$tokensim run bench/scenarios/rate200_mixed.yaml --out $out/b"
  "$tokensim verify --out $out/c"
)
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs 3 "${commands[@]}"
else
  for c in "${commands[@]}"; do
    echo "== $c"
    /usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB max RSS" $c | tail -3
  done
fi
