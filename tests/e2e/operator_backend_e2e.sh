#!/usr/bin/env bash
# End-to-end test of the operator-backend binary: start it on a free port, walk the token and
# stream flow with curl, check a live scrape with promtool, stop it with SIGTERM.
# Usage: operator_backend_e2e.sh OPERATOR_BACKEND PROMTOOL
set -uo pipefail
bin=$1
promtool=$2
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"



# True once the stream at URL delivers its ready event; stops the client right after.
stream_ready() {
  rm -f "$work/sse"
  mkfifo "$work/sse"
  curl -sN --max-time 10 "$1" >"$work/sse" &
  local client=$! line found=1
  while IFS= read -r line; do
    if [ "$line" = "event: ready" ]; then found=0; break; fi
  done <"$work/sse"
  kill "$client" 2>/dev/null
  wait "$client" 2>/dev/null
  return $found
}

principal=e2e-principal-token
export VX11_OPERATOR_PRINCIPAL_TOKEN=$principal
check "starts on a free port" start_backend "$bin" --web.listen-address=127.0.0.1:0 --log.level=DEBUG

token_json=$(curl -s -X POST "$base/operator/api/events/sse-token" -H "Authorization: Bearer $principal")
token=$(sed -E 's/.*"token":"([^"]+)".*/\1/' <<<"$token_json")
check "token is a UUID" grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' <<<"$token"
check "expires_in is 60" grep -q '"expires_in":60' <<<"$token_json"

check "stream delivers ready" stream_ready "$base/operator/api/events/stream?token=$token"
check "reused token is 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/operator/api/events/stream?token=$token")" = 401
check "garbage token is 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/operator/api/events/stream?token=garbage")" = 401
check "principal in query opens a stream" stream_ready "$base/operator/api/events/stream?token=$principal"
check "health answers GET" grep -q '"status":"ok"' <<<"$(curl -s "$base/operator/api/health")"
check "health answers POST" grep -q '"service":"operator_backend"' <<<"$(curl -s -X POST "$base/operator/api/health")"

curl -s "$base/metrics" >"$work/metrics.txt"
check "promtool check metrics finds nothing" sh -c "'$promtool' check metrics < '$work/metrics.txt'"
check "fallback counted" grep -q '^vx11_operator_sse_connections_principal_total{service="operator-backend"} 1$' "$work/metrics.txt"
check "invalid counted" grep -q '^vx11_operator_ephemeral_tokens_invalid_total{service="operator-backend"} 2$' "$work/metrics.txt"

check "issuance log line" grep -q 'ephemeral_token.*created_at' "$work/log"
check "mismatch log line" grep -q '\[SSE AUTH\] MISMATCH' "$work/log"
check "debug auth line" grep -q '\[SSE AUTH\] Header: None, Query: .*Ephemeral cache size: ' "$work/log"
check "token never logged whole" sh -c "! grep -q '$token' '$work/log' && ! grep -q '$principal' '$work/log'"

# Hostile requests: no crash, no forged log line.
for path in /%FF /%C0%AF /operator/api/%FF%FE; do
  check "GET $path is 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$base$path")" = 404
done
curl -s -o /dev/null "$base/operator/api/events/stream?token=%0a2099-01-01T00:00:00.000+00:00%20ERROR%20x"
check "forged log line stays inside its line" sh -c "! grep -q '^2099' '$work/log'"
check "still serving after hostile input" grep -q '"status":"ok"' <<<"$(curl -s "$base/operator/api/health")"

# SIGTERM ends the process within 2 s also with 100 half-sent requests, idle keep-alive
# connections and open streams (which get their final event).
fds=()
for i in $(seq 100); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST /operator/api/events/sse-token HTTP/1.1\r\nHost: t\r\nContent-Le' >&"$fd"
  fds+=("$fd")
done
for i in $(seq 20); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /operator/api/health HTTP/1.1\r\nHost: t\r\n\r\n' >&"$fd"
  fds+=("$fd")
done
rm -f "$work/sse2"; mkfifo "$work/sse2"
curl -sN --max-time 20 "$base/operator/api/events/stream?token=$principal" >"$work/sse2" &
streamer=$!
exec {sse}<"$work/sse2"
while IFS= read -r -t 10 line <&"$sse"; do [ "$line" = "event: ready" ] && break; done
check "half-sent and idle connections leave health answering" grep -q '"status":"ok"' <<<"$(curl -s --max-time 5 "$base/operator/api/health")"
kill -TERM "$pid"
check "SIGTERM exits 0 within 2 s" timeout 2 sh -c "while kill -0 $pid 2>/dev/null; do :; done"
wait "$pid"; rc=$?
check "exit status 0" test "$rc" = 0
check "stream got the shutdown event" grep -q '^event: shutdown' <(timeout 5 cat <&"$sse")
wait "$streamer" 2>/dev/null
for fd in "${fds[@]}"; do exec {fd}>&-; done
exec {sse}<&-
pid=

# Without any principal configured, a token is generated and shown once.
unset VX11_OPERATOR_PRINCIPAL_TOKEN
check "starts without config" start_backend "$bin" --web.listen-address=127.0.0.1:0
check "prints a generated principal" grep -qE '^  [0-9a-f]{64}$' "$work/stdout"
generated=$(grep -E '^  [0-9a-f]{64}$' "$work/stdout" | tr -d ' ')
check "generated principal works" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/operator/api/events/sse-token" -H "Authorization: Bearer $generated")" = 200
kill -TERM "$pid"; wait "$pid"; pid=

# A bad config file stops startup with file, line and problem.
printf 'token:\n  ttl: soon\n' >"$work/bad.yml"
"$bin" --config.file "$work/bad.yml" 2>"$work/err"; rc=$?
check "bad config exits 2" test "$rc" = 2
check "bad config names file and line" grep -q "$work/bad.yml:2: token.ttl:" "$work/err"

echo "$failures failure(s)"
exit $((failures > 0))
