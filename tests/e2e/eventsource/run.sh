#!/usr/bin/env bash
# End-to-end test with a standard EventSource client: installs the locked `eventsource` npm
# package with `npm ci`, starts operator-backend on a free port and runs flow.mjs against it.
# Usage: run.sh OPERATOR_BACKEND [INSTALL_DIR]
# INSTALL_DIR (the build tree's copy, from CTest) receives package.json, package-lock.json,
# flow.mjs and node_modules; without it a temporary directory is used. Nothing is written to
# the source tree. A missing node or npm is a failure, not a skip.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:?usage: run.sh OPERATOR_BACKEND [INSTALL_DIR]}
work=$(mktemp -d)
install_dir=${2:-$work/npm}
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=../lib.sh
source "$here/../lib.sh"

die() {
  echo "FAIL - $*"
  if [ -s "$work/log" ]; then echo "--- operator-backend log (last 30 lines)"; tail -n 30 "$work/log"; fi
  exit 1
}

command -v node >/dev/null ||
  die "node not found: this test needs Node.js >= 18 (Debian package nodejs; see scripts/install-deps.sh)"
command -v npm >/dev/null ||
  die "npm not found: this test needs npm (Debian package npm; see scripts/install-deps.sh)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  die "node $(node --version) is too old: this test needs Node.js >= 18 (global fetch)"
[ -x "$bin" ] || die "operator-backend not found or not executable: $bin"
echo "node $(node --version), npm $(npm --version)"

mkdir -p "$install_dir" || die "cannot create $install_dir"
cp "$here/package.json" "$here/package-lock.json" "$here/flow.mjs" "$install_dir/" ||
  die "cannot copy the test into $install_dir"
(cd "$install_dir" && npm ci --no-audit --no-fund) ||
  die "npm ci failed in $install_dir (is the npm registry reachable?)"


principal=eventsource-e2e-principal-token
export VX11_OPERATOR_PRINCIPAL_TOKEN=$principal
# Frequent heartbeats put comment lines between the events the client has to parse.
start_backend "$bin" --web.listen-address=127.0.0.1:0 --sse.heartbeat-interval=100ms ||
  die "operator-backend did not start: no 'listening on' log line within 10 s"
echo "operator-backend pid $pid at $base"

# flow.mjs bounds each of its waits and the whole run itself; `timeout` only guards a hang.
timeout --kill-after=5 60 node "$install_dir/flow.mjs" "$base" "$principal" "$pid"
rc=$?
[ "$rc" = 0 ] || die "flow.mjs exited with status $rc"

# flow.mjs ended with SIGTERM to the server: it must exit 0 within 2 s.
timeout 2 tail --pid="$pid" -s 0.02 -f /dev/null || die "operator-backend still running 2 s after SIGTERM"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || die "operator-backend exited with status $rc after SIGTERM"
echo "ok   - operator-backend exited 0 after SIGTERM"
