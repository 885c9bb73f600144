#!/usr/bin/env bash
# Memory under distinct CQL2 filters (issue 10, item 1): the server's RSS at the start and after
# FILTERS (default 10,000) items requests whose filters all have different shapes (IN lists of
# 1–1,000 values times 1–10 extra OR terms; every other one with a bbox), 4 clients. Target:
# within +50 MB of the start. Appends a line to bench/out/results-filters.md.
# BENCH_BIN: folder holding machigis (default .build/release, built here).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
OUT=bench/out
mkdir -p "$OUT"
BIN=${BENCH_BIN:-}
if [ -z "$BIN" ]; then
  swift build -c release --product machigis >/dev/null
  BIN=.build/release
fi
PORT=${BENCH_PORT:-18184}
FILTERS=${FILTERS:-10000}
db="$OUT/filters.sqlite"; rm -f "$db"*
"$BIN/machigis" ingest sewer_pipes layers/sample/sewer_pipes.geojson --db "$db" 2>/dev/null
start_server "$BIN/machigis" "$PORT" "$OUT/serve-filters.log" --db "$db"
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$SERVER_PID/status"; }
curl -fs "http://127.0.0.1:$PORT/ogc/collections/sewer_pipes/items?limit=10" >/dev/null
start=$(rss)
PORT=$PORT FILTERS=$FILTERS python3 - <<'PY'
import http.client, os, threading, urllib.parse
port, total = int(os.environ["PORT"]), int(os.environ["FILTERS"])
bad = []
def run(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(k, total, 4):
        n, extra = i % 1000 + 1, i // 1000 % 10 + 1
        f = "diameter_mm IN (" + ",".join(map(str, range(n))) + ")" + "".join(f" OR install_year = {y}" for y in range(extra))
        q = "filter=" + urllib.parse.quote(f) + "&limit=10" + ("&bbox=135.55,34.76,135.57,34.78" if i % 2 else "")
        c.request("GET", "/ogc/collections/sewer_pipes/items?" + q)
        r = c.getresponse(); r.read()
        if r.status != 200: bad.append(r.status)
ts = [threading.Thread(target=run, args=(k,)) for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
if bad: raise SystemExit(f"{len(bad)} answers were not 200: {sorted(set(bad))}")
PY
end=$(rss)
stop_server
rm -f "$db"*
line="RSS after $FILTERS distinct filters: $start MB at the start, $end MB after (+$((end - start)) MB; target +50 MB) — $BIN/machigis"
echo "$line" | tee -a "$OUT/results-filters.md" >&2
