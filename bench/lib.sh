# Shared by the benchmark scripts: start a server and wait until it answers, stop it, and
# read wrk's summary. Source it from a script that has `set -euo pipefail`.

# start_server BIN PORT LOG ARGS… — runs `BIN serve --port PORT ARGS…`; sets SERVER_PID.
start_server() {
  local bin=$1 port=$2 log=$3
  shift 3
  "$bin" serve --port "$port" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.2; done
  echo "server on port $port did not answer; log:" >&2
  cat "$log" >&2
  return 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

# wrk_summary FILE — sets rps, w50, w99 (latency percentiles; needs --latency) and errs.
wrk_summary() {
  rps=$(awk '/Requests\/sec/ {print $2}' "$1")
  w50=$(awk '$1=="50%" {print $2}' "$1")
  w99=$(awk '$1=="99%" {print $2}' "$1")
  errs=$(grep -E "Non-2xx|Socket errors" "$1" | tr '\n' ' ' || true)
}
