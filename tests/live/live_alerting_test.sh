#!/usr/bin/env bash
# Live alerting test: a real Prometheus and Alertmanager (the Debian packages) with the shipped
# rules/ configuration, the real operator-backend and a webhook receiver, all on loopback ports
# chosen at run time, with their storage in a temporary folder.
#
# Traffic (curl, bad stream tokens) drives tests/live/live_test_rules.yml's test-only copy of
# HighTokenValidationFailureRate through pending, firing, the pager notification and, once the
# traffic stops, resolved and its resolved notification. Meanwhile it checks that Alertmanager
# inhibits a warning of the same service, that the fired alert's labels route to the receiver
# that got the notification (amtool config routes test on rules/alertmanager.yml), that every
# query of docs/grafana/operator-backend.json is answered by the server without error and with
# data, and that every shipped rule evaluates without error.
#
# The configs are rules/prometheus.yml and rules/alertmanager.yml with only addresses, the
# scrape interval (1s), rule file paths and Alertmanager's group timers (1s) rewritten, by
# tests/live/live_configs.py, which prints each change.
#
# Every wait polls with a deadline; nothing sleeps to synchronise. All processes are stopped on
# exit. On failure, the logs of every process are printed. 45 to 60 s on 2 cores.
#
# Usage: live_alerting_test.sh REPO_ROOT OPERATOR_BACKEND PROMETHEUS ALERTMANAGER AMTOOL
# Exit status: 0 passed, 1 failed, 77 skipped (a binary, python3, curl or jq is missing).
set -uo pipefail

root=$1 backend_bin=$2 prometheus_bin=$3 alertmanager_bin=$4 amtool_bin=$5
for bin in "$backend_bin" "$prometheus_bin" "$alertmanager_bin" "$amtool_bin" python3 curl jq; do
  if ! command -v "$bin" >/dev/null 2>&1; then
    echo "live test skipped: $bin not found (scripts/install-deps.sh installs it)"
    exit 77
  fi
done

alert=LiveTestHighTokenValidationFailureRate
# The test alert is a copy of the guide's HighTokenValidationFailureRate: same labels, same route.
expected_receiver=$(awk '$1 == "HighTokenValidationFailureRate" { print $2 }' \
  "$root/rules/tests/expected_routes.txt")
work=$(mktemp -d)
pids=()
started=$(date +%s)

# Stops what this script started: its own children only, by pid.
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
ok() { echo "ok   - $* ($(($(date +%s) - started))s)"; }
fail() { echo "FAIL - $*" >&2; failures=$((failures + 1)); }
die() {
  fail "$@"
  local log
  for log in "$work"/*.log; do
    echo "----- $(basename "$log") (last 40 lines)" >&2
    tail -n 40 "$log" >&2
  done
  exit 1
}

# wait_until SECONDS DESCRIPTION COMMAND...: runs COMMAND every 0.2s until it succeeds (0) or
# SECONDS pass (1). This is polling with a deadline; the pause only spaces out the polls.
wait_until() {
  local seconds=$1 what=$2
  local deadline=$(($(date +%s) + seconds))
  shift 2
  until "$@"; do
    if (($(date +%s) >= deadline)); then
      echo "timed out after ${seconds}s waiting for: $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

# A port that was free a moment ago; a server that then fails to bind it is started again.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

alive() { kill -0 "$1" 2>/dev/null; }
ready() { curl -sf -o /dev/null "$1"; }

# start_server NAME URL_PATH COMMAND_WITH_@PORT@...: starts COMMAND (its @PORT@ replaced by a
# free port) until its URL_PATH answers, retrying with another port if it exits first (port
# taken). Sets server_pid and server_port.
start_server() {
  local name=$1 path=$2 attempt
  shift 2
  for attempt in 1 2 3; do
    server_port=$(free_port)
    "${@//@PORT@/$server_port}" >"$work/$name.log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    local deadline=$(($(date +%s) + 30))
    while alive "$server_pid" && (($(date +%s) < deadline)); do
      ready "http://127.0.0.1:$server_port$path" && return 0
      sleep 0.2
    done
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    echo "$name did not start on port $server_port (attempt $attempt)" >&2
  done
  return 1
}

# Prometheus API helpers.
prom_get() { curl -sf "$prom/api/v1/$1"; }
alert_state() { prom_get alerts | jq -r --arg a "$alert" '[.data.alerts[] | select(.labels.alertname == $a) | .state][0] // "inactive"'; }
alert_is() { [[ $(alert_state) == "$1" ]]; }
# notification STATUS: the webhook's first notification of $alert with that status.
notification() {
  [[ -f $work/notifications.jsonl ]] || return 1
  jq -c --arg a "$alert" --arg s "$1" \
    'select(.notification.status == $s and any(.notification.alerts[]; .labels.alertname == $a))' \
    "$work/notifications.jsonl" | head -n 1 | grep .
}

# ---- The servers.
python3 "$root/tests/live/webhook_receiver.py" "$work/webhook.port" "$work/notifications.jsonl" \
  >"$work/webhook.log" 2>&1 &
pids+=("$!")
wait_until 10 "the webhook receiver's port" test -s "$work/webhook.port" || die "webhook receiver did not start"
webhook_port=$(<"$work/webhook.port")

principal=live-test-principal-token
export VX11_OPERATOR_PRINCIPAL_TOKEN=$principal
source "$root/tests/e2e/lib.sh"  # start_backend
start_backend "$backend_bin" --web.listen-address=127.0.0.1:0
backend_started=$?
pids+=("$pid")
((backend_started == 0)) || die "operator-backend did not log its port"
mv "$work/log" "$work/operator-backend.log"
backend=$base
ok "operator-backend on $backend, webhook receiver on 127.0.0.1:$webhook_port"

# Alertmanager first: Prometheus's config needs its address. Clustering off (no port 9094).
echo "Configs rewritten from rules/ by tests/live/live_configs.py:"
python3 "$root/tests/live/live_configs.py" alertmanager --rules-dir "$root/rules" \
  --out "$work/alertmanager.yml" --webhook "127.0.0.1:$webhook_port" || die "live_configs.py failed"
mkdir -p "$work/am-data" "$work/tsdb"
start_server alertmanager /-/ready "$alertmanager_bin" --config.file="$work/alertmanager.yml" \
  --storage.path="$work/am-data" --web.listen-address=127.0.0.1:@PORT@ --cluster.listen-address= \
  || die "Alertmanager did not start"
am=http://127.0.0.1:$server_port

python3 "$root/tests/live/live_configs.py" prometheus --rules-dir "$root/rules" \
  --out "$work/prometheus.yml" --target "127.0.0.1:$port" --alertmanager "127.0.0.1:$server_port" \
  --test-rules "$root/tests/live/live_test_rules.yml" || die "live_configs.py failed"
start_server prometheus /-/ready "$prometheus_bin" --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/tsdb" --web.listen-address=127.0.0.1:@PORT@ \
  || die "Prometheus did not start"
prom=http://127.0.0.1:$server_port
ok "Alertmanager on $am, Prometheus on $prom"

# ---- The scrape: up, and the timeout the job inherits is lowered to its 1s interval.
target_up() { prom_get targets | jq -e '.data.activeTargets | length == 1 and .[0].health == "up"' >/dev/null; }
wait_until 30 "the target to be up" target_up || die "target not up: $(prom_get targets)"
timeout=$(prom_get targets | jq -r '.data.activeTargets[0].scrapeTimeout')
if [[ $timeout == 1s ]]; then
  ok "target up; scrape_interval 1s with the shipped global scrape_timeout 10s gives timeout $timeout"
else
  fail "scrape timeout is $timeout, expected 1s (the 10s global timeout lowered to the interval)"
fi
alerts_sent() { prom_get alertmanagers | jq -e '.data.activeAlertmanagers | length == 1' >/dev/null; }
wait_until 30 "Prometheus to find its Alertmanager" alerts_sent || fail "Prometheus lists no Alertmanager"

# ---- Traffic every dashboard panel needs: issuance, streams (ephemeral and principal), events.
stream_ready() {  # true once the stream at $1 delivers its ready event; stops the client then
  rm -f "$work/sse"
  mkfifo "$work/sse"
  curl -sN --max-time 10 "$1" >"$work/sse" &
  local client=$! line found=1
  while IFS= read -r line; do
    if [[ $line == "event: ready" ]]; then found=0; break; fi
  done <"$work/sse"
  kill "$client" 2>/dev/null
  wait "$client" 2>/dev/null
  return $found
}
for _ in 1 2 3; do
  token=$(curl -sf -X POST "$backend/operator/api/events/sse-token" -H "Authorization: Bearer $principal" | jq -r .token)
  stream_ready "$backend/operator/api/events/stream?token=$token" || fail "ephemeral stream did not open"
done
stream_ready "$backend/operator/api/events/stream?token=$principal" || fail "principal stream did not open"
curl -sf -o /dev/null -X POST "$backend/operator/api/events" -H "Authorization: Bearer $principal" \
  -d '{"event":"live-test"}' || fail "publishing an event failed"

# ---- Bad tokens at 40/s (the alert's threshold is 10/s) until stopped: one curl, one
# connection, paced by curl's --rate. Each is a 401 counted in ..._tokens_invalid_total.
curl -s --rate 40/s "$backend/operator/api/events/stream?token=not-a-token-[1-100000]" \
  >/dev/null 2>&1 &
traffic_pid=$!
pids+=("$traffic_pid")
ok "bad-token traffic started"

wait_until 60 "$alert pending" alert_is pending || die "$alert never pending (state $(alert_state))"
ok "$alert pending"
wait_until 60 "$alert firing" alert_is firing || die "$alert never firing (state $(alert_state))"
ok "$alert firing"

# ---- Routing: the labels it fired with route to the pager with the shipped config.
labels=$(prom_get alerts | jq -r --arg a "$alert" \
  '.data.alerts[] | select(.labels.alertname == $a) | .labels | to_entries[] | "\(.key)=\(.value | tojson)"')
mapfile -t label_args <<<"$labels"
routed=$("$amtool_bin" config routes test --config.file="$root/rules/alertmanager.yml" \
  "${label_args[@]}" 2>"$work/amtool.err")
if [[ $routed == "$expected_receiver" ]]; then
  ok "fired labels {${label_args[*]}} route to $routed (rules/tests/expected_routes.txt agrees)"
else
  fail "fired labels {${label_args[*]}} route to '$routed', expected $expected_receiver" \
    "(rules/tests/expected_routes.txt): $(<"$work/amtool.err")"
fi

wait_until 60 "the firing notification" notification firing >/dev/null || die "no firing notification"
firing=$(notification firing)
receiver=$(jq -r '.notification.receiver' <<<"$firing")
path=$(jq -r '.path' <<<"$firing")
if [[ $receiver == "$expected_receiver" && $path == "/$expected_receiver" ]]; then
  ok "firing notification to receiver $receiver ($path)"
else
  fail "firing notification to receiver $receiver at $path, expected $expected_receiver"
fi

# ---- Inhibition: while the critical fires, a warning of the same service is suppressed by it,
# and one of another service is not (and reaches the ticket receiver).
probe=LiveTestInhibitionProbe
post_probes() {  # post_probes ENDS_AT
  jq -n --arg a "$probe" --arg ends "$1" '[
    {labels: {alertname: $a, severity: "warning", service: "operator-backend"}, endsAt: $ends},
    {labels: {alertname: $a, severity: "warning", service: "another-service"}, endsAt: $ends}]' |
    curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @- "$am/api/v2/alerts"
}
probe_state() {  # probe_state SERVICE: "state inhibited-by-count"
  curl -sf "$am/api/v2/alerts?filter=alertname=%22$probe%22&filter=service=%22$1%22" |
    jq -r '.[0] | "\(.status.state) \(.status.inhibitedBy | length)"'
}
post_probes "$(date -u -d '+5 min' +%Y-%m-%dT%H:%M:%SZ)" || fail "posting the inhibition probes failed"
probe_is() { [[ $(probe_state "$1") == "$2" ]]; }
if wait_until 10 "probe suppressed" probe_is operator-backend "suppressed 1"; then
  ok "a warning of the same service is inhibited"
else
  fail "the same-service warning is '$(probe_state operator-backend)', expected suppressed by 1"
fi
if probe_is another-service "active 0"; then
  ok "a warning of another service is not"
else
  fail "the other service's warning is '$(probe_state another-service)', expected active"
fi
probe_notified() {  # probe_notified SERVICE
  [[ -f $work/notifications.jsonl ]] && jq -e --arg a "$probe" --arg s "$1" \
    'select(.path == "/ticket" and any(.notification.alerts[]; .labels.alertname == $a and .labels.service == $s))' \
    "$work/notifications.jsonl" >/dev/null
}
if wait_until 30 "the other service's warning at /ticket" probe_notified another-service; then
  ok "the other service's warning reached the ticket receiver"
else
  fail "the other service's warning never reached /ticket"
fi
# Resolve the probes while the critical still inhibits, so the inhibited one never notifies.
post_probes "$(date -u +%Y-%m-%dT%H:%M:%SZ)" || fail "resolving the inhibition probes failed"

# ---- Every dashboard query, instant and over the run, answered without error and with data.
now=$(date +%s)
queries=0
while IFS= read -r expr; do
  queries=$((queries + 1))
  q=${expr//\$__rate_interval/5m}
  q=${q//\$__interval/5m}
  q=${q//\$__range/5m}
  instant=$(curl -s "$prom/api/v1/query" --data-urlencode "query=$q" --data-urlencode "time=$now")
  range=$(curl -s "$prom/api/v1/query_range" --data-urlencode "query=$q" \
    --data-urlencode "start=$started" --data-urlencode "end=$now" --data-urlencode step=2s)
  if ! jq -e '.status == "success"' >/dev/null 2>&1 <<<"$instant"; then
    fail "dashboard query $queries: $q: $(jq -r '.error // .' <<<"$instant" 2>/dev/null || echo "$instant")"
  elif ! jq -e '.status == "success"' >/dev/null 2>&1 <<<"$range"; then
    fail "dashboard query $queries (range): $q: $(jq -r '.error // .' <<<"$range" 2>/dev/null || echo "$range")"
  elif ! jq -e '.data.result | length > 0' >/dev/null <<<"$instant"; then
    fail "dashboard query $queries returned no series (a misspelt metric?): $q"
  fi
done < <(jq -r '.. | objects | select(has("expr")) | .expr' "$root/docs/grafana/operator-backend.json")
((queries > 0)) || fail "no query found in docs/grafana/operator-backend.json"
ok "$queries dashboard queries evaluated"

# ---- Traffic stops: the alert resolves, and the resolved notification follows.
kill -TERM "$traffic_pid" 2>/dev/null
wait "$traffic_pid" 2>/dev/null
ok "bad-token traffic stopped"
wait_until 90 "$alert resolved" alert_is inactive || die "$alert never resolved (state $(alert_state))"
ok "$alert resolved"
wait_until 60 "the resolved notification" notification resolved >/dev/null || die "no resolved notification"
resolved=$(notification resolved)
if [[ $(jq -r .path <<<"$resolved") == "/$expected_receiver" ]]; then
  ok "resolved notification to $(jq -r .notification.receiver <<<"$resolved")"
else
  fail "resolved notification went to $(jq -r .path <<<"$resolved"), expected /$expected_receiver"
fi
if probe_notified operator-backend; then
  fail "the inhibited warning was notified"
else
  ok "the inhibited warning was never notified"
fi

# ---- Every shipped rule has been evaluated, without error (the shipped groups run every 30s).
all_evaluated() { prom_get rules | jq -e '[.data.groups[].rules[] | select(.health == "unknown")] | length == 0' >/dev/null; }
wait_until 60 "every rule evaluated" all_evaluated || fail "some rules were never evaluated"
bad_rules=$(prom_get rules | jq -r '.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.health) \(.lastError)"')
rules=$(prom_get rules | jq '[.data.groups[].rules[]] | length')
if [[ -z $bad_rules ]]; then ok "all $rules rules evaluate without error"; else fail "rules with errors: $bad_rules"; fi

echo "$failures failure(s) in $(($(date +%s) - started))s"
((failures == 0))
