#!/usr/bin/env bash
# Loads the real operator-backend binary with wrk over loopback: GET /operator/api/health and
# GET /metrics once each; then, in the same run, POST /operator/api/events/sse-token and nginx
# answering `return 200` (the reference ceiling for an HTTP/1.1 server on this machine) in
# turn, with the same wrk settings, and prints POST sse-token as a fraction of nginx.
#
# Usage: bench/http_load.sh [path/to/operator-backend]   (default: build/exporter/operator-backend)
# Environment: DURATION (10s per wrk run), WRK_THREADS (2), WRK_CONNECTIONS (50), ROUNDS (3:
# POST sse-token and nginx alternate this many times; the ratio printed last is the median).
#
# The server binds 127.0.0.1 on a port the kernel picks, with a principal token made up for
# the run and logs at WARNING; it is stopped (by its pid) however the script ends. Each wrk run
# is bounded by `timeout`. Needs wrk (Debian package wrk), curl and ss (iproute2); nginx
# (Debian nginx-light) for the reference, skipped with a note when absent. nginx runs from a
# scratch prefix on the next free port, 2 workers (one per core), access log off.
set -euo pipefail

binary=${1:-build/exporter/operator-backend}
duration=${DURATION:-10s}
threads=${WRK_THREADS:-2}
connections=${WRK_CONNECTIONS:-50}
rounds=${ROUNDS:-3}

for tool in wrk curl ss; do
  command -v "$tool" >/dev/null || { echo "http_load: $tool not found" >&2; exit 1; }
done
[ -x "$binary" ] || { echo "http_load: no executable at $binary" >&2; exit 1; }

workdir=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "${nginx_pid:-}" ]; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

principal=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
# A 10 s run of POSTs issues a few hundred thousand tokens, all alive for the 60 s TTL.
VX11_OPERATOR_PRINCIPAL_TOKEN=$principal "$binary" \
  --web.listen-address=127.0.0.1:0 --log.level=WARNING --token.max-active=10000000 \
  >"$workdir/stdout" 2>"$workdir/stderr" &
server_pid=$!

port=$(listening_port "$server_pid" "$workdir/stderr" http_load)
base="http://127.0.0.1:$port"
curl -sf --max-time 5 "$base/operator/api/health" >/dev/null

cat >"$workdir/post_token.lua" <<EOF
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $principal"
EOF

limit=$(( ${duration%s} + 30 ))
run() {
  echo "== $*"
  timeout "$limit" wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" | tee "$workdir/last"
  echo
}
rate_of_last() { awk '/^Requests\/sec:/ {print $2}' "$workdir/last"; }
echo "$binary on $base; wrk -t$threads -c$connections -d$duration"
run "$base/operator/api/health"
run "$base/metrics"
nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
  echo "== nginx reference skipped: nginx not installed (Debian nginx-light)"
  run -s "$workdir/post_token.lua" "$base/operator/api/events/sse-token"
  exit 0
fi
nginx_port=$(( port + 1 ))
while ss -Hltn "sport = :$nginx_port" | grep -q .; do nginx_port=$(( nginx_port + 1 )); done
mkdir -p "$workdir/nginx/logs"
cat >"$workdir/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $workdir/nginx/nginx.pid;
error_log $workdir/nginx/logs/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $workdir/nginx/body;
  proxy_temp_path $workdir/nginx/proxy;
  fastcgi_temp_path $workdir/nginx/fastcgi;
  uwsgi_temp_path $workdir/nginx/uwsgi;
  scgi_temp_path $workdir/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 200 "ok"; }
  }
}
EOF
"$nginx_bin" -p "$workdir/nginx" -c "$workdir/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do
  curl -sf --max-time 1 "http://127.0.0.1:$nginx_port/" >/dev/null && break
  sleep 0.1
done
# Rounds of the two, one after the other, so that a change in the machine's load (a
# neighbour, a frequency step) falls on both: each round's ratio, then their median.
ratios=()
for round in $(seq "$rounds"); do
  run -s "$workdir/post_token.lua" "$base/operator/api/events/sse-token"
  token_rate=$(rate_of_last)
  run "http://127.0.0.1:$nginx_port/"
  nginx_rate=$(rate_of_last)
  ratio=$(awk -v t="$token_rate" -v n="$nginx_rate" 'BEGIN { printf "%.2f", t / n }')
  ratios+=("$ratio")
  echo "round $round: POST sse-token $token_rate req/s; nginx return 200 $nginx_rate req/s; ratio $ratio"
done
echo "== /metrics after the runs (token counters)"
curl -sf --max-time 5 "$base/metrics" | grep '^vx11_operator_ephemeral_tokens_\(issued_total\|active\|rejected_total\)'
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "POST sse-token / nginx return 200, median of $rounds rounds: $median (rounds: ${ratios[*]})"
