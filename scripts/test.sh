#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test (unit, integration, promtool checks,
# end-to-end). Ends with ctest's summary; exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 300
