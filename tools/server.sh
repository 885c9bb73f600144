# Start a MachiGIS server for a script and wait until it answers; stop it. Sourced by the
# benchmark scripts and the browser and client test runners.

# start_server BIN PORT LOG ARGS… — runs `BIN serve --port PORT ARGS…`; sets SERVER_PID.
start_server() {
  local bin=$1 port=$2 log=$3
  shift 3
  "$bin" serve --port "$port" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    # Another server on the port would answer the health check: make sure it is ours.
    if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; then kill -0 "$SERVER_PID" 2>/dev/null && return 0; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "server on port $port did not start (or another one holds the port); log:" >&2
  cat "$log" >&2
  return 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

