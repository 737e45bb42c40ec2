# Shared by the end-to-end tests; source it after setting `work` (a scratch directory).
#
# start_backend BINARY FLAGS...: starts operator-backend in the background, waits for its
# "listening on" log line and sets `pid`, `port` and `base`. The log goes through a FIFO so the
# wait blocks on reading it, with no fixed sleeps; it lands in $work/log, stdout in
# $work/stdout. Returns 1 if no such line comes within 10 s.
start_backend() {
  local bin=$1
  shift
  rm -f "$work/fifo" "$work/log"
  mkfifo "$work/fifo"
  "$bin" "$@" >"$work/stdout" 2>"$work/fifo" &
  pid=$!
  exec 3<"$work/fifo"
  local line
  while IFS= read -r -t 10 line <&3; do
    echo "$line" >>"$work/log"
    if [[ $line == *"listening on"* ]]; then
      port=$(sed -E 's/.*\(port ([0-9]+)\).*/\1/' <<<"$line")
      base="http://127.0.0.1:$port"
      cat <&3 >>"$work/log" &  # keep draining the log
      exec 3<&-
      return 0
    fi
  done
  exec 3<&-
  return 1
}

# check NAME COMMAND...: runs COMMAND, prints "ok   - NAME" or "FAIL - NAME", counts failures
# in `failures` (the script exits with $((failures > 0)) at its end).
failures=0
check() {
  local name=$1; shift
  if "$@"; then echo "ok   - $name"; else echo "FAIL - $name"; failures=$((failures + 1)); fi
}

# status COMMAND...: runs COMMAND with its output in $work/stdout and $work/stderr and prints
# its exit status.
status() { "$@" >"$work/stdout" 2>"$work/stderr"; echo $?; }
