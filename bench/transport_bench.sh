#!/usr/bin/env bash
# The transport under many connections: starts operator-backend on 127.0.0.1 (port picked by
# the kernel) and runs bench/stream_load against it: HOLD streams held, IDLE idle or half-sent
# connections beside them, then RATE new streams per second for SECONDS while /metrics is
# scraped every 100 ms. Prints the server's threads, RSS per stream and latency percentiles.
#
# Usage: bench/transport_bench.sh [BUILD_DIR]     (default build)
# Environment: HOLD (12000), IDLE (4000), RATE (500), SECONDS_RUN (10).
# Both processes need HOLD + IDLE + RATE descriptors and more: the script raises its own soft
# limit to the hard one (20,000 on these machines), as operator-backend does at start.
set -euo pipefail
build=${1:-build}
hold=${HOLD:-12000}
idle=${IDLE:-4000}
rate=${RATE:-500}
seconds=${SECONDS_RUN:-10}
binary=$build/exporter/operator-backend
load=$build/bench/stream_load
for f in "$binary" "$load"; do [ -x "$f" ] || { echo "transport_bench: no $f (build it first)" >&2; exit 1; }; done
ulimit -n "$(ulimit -Hn)"

# Sockets in TIME_WAIT from an earlier run (this one's or tokensim's) make the kernel's search
# for a free ephemeral port slow, which shows up as connect latency: measured here, holding
# 12,000 streams took 43 s beside 17,900 of them and 1.4 s without. Wait them out (60 s).
for _ in $(seq 70); do
  tw=$(ss -Htan state time-wait 2>/dev/null | wc -l)
  [ "$tw" -lt 1000 ] && break
  [ -z "${waited:-}" ] && echo "transport_bench: waiting for $tw sockets in TIME_WAIT to expire" >&2
  waited=1
  sleep 1
done

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

principal=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
VX11_OPERATOR_PRINCIPAL_TOKEN=$principal "$binary" --web.listen-address=127.0.0.1:0 \
  --log.level=WARNING --sse.max-streams=$((hold + rate * 2 + 100)) ${SERVER_FLAGS:-} \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
port=$(listening_port "$pid" "$work/stderr" transport_bench)
echo "operator-backend pid $pid on 127.0.0.1:$port; hold=$hold idle=$idle rate=$rate/s for ${seconds}s"
timeout $((seconds + 400)) "$load" --port "$port" --token "$principal" --pid "$pid" \
  --hold "$hold" --idle "$idle" --rate "$rate" --seconds "$seconds"
