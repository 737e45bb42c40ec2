#!/usr/bin/env bash
# The main job: installs the dependencies, builds, and verifies every shipped scenario against
# the shipped alert rules with tokensim (the real service, driven in virtual time, checked by
# promtool). Outputs go to out/tokensim/; exits 0 when every expectation holds.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
exec build/simulator/tokensim verify --out out/tokensim --junit out/tokensim/junit.xml "$@"
