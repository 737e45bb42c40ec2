# Shared by the load scripts in bench/; source it.
#
# listening_port PID STDERR_FILE NAME: prints the port the kernel gave PID's listening socket
# (asked for with port 0), polling `ss` for up to 10 s; exits the script, showing STDERR_FILE,
# if the process dies first, or naming NAME if it never listens.
listening_port() {
  local pid=$1 stderr=$2 name=$3 port=""
  for _ in $(seq 100); do
    port=$(ss -Hltnp 2>/dev/null | grep "pid=$pid," | awk '{print $4}' | sed 's/.*://' | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$stderr" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "$name: operator-backend did not start listening" >&2; exit 1; }
  echo "$port"
}
