#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the benchmarks need.
# Idempotent: packages already present are left alone, so a second run costs one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake git ca-certificates
  prometheus-cpp-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libssl-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev jq
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  prometheus curl wrk iproute2 hyperfine
  # The event-driven transport (Boost.Beast on Boost.Asio, header-only).
  libboost1.81-dev
  # libFuzzer and the sanitizer runtimes for tests/fuzz and scripts/sanitize.sh.
  clang-14 libclang-rt-14-dev
  # Routing checks (amtool), the live Prometheus/Alertmanager test, the nginx reference; python3
  # and its yaml module read the rule files (check_routes.sh) and write the live test's configs.
  prometheus-alertmanager nginx-light python3 python3-yaml
  # Renders tokensim's HTML report headless in its end-to-end test.
  chromium
)

# The EventSource end-to-end test runs a standard client under Node.js. A Node.js that bundles
# its own npm (NodeSource's) conflicts with Debian's npm package, so npm only when absent.
packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps the prometheus package from pulling in exporters we do not use.
apt-get install -y -qq --no-install-recommends "${missing[@]}"
