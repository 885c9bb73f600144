#!/usr/bin/env bash
# Parking benchmarks: acknowledged durable POSTs/s with 32 connections, and hotspots for 100k cases.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
OUT=bench/out
mkdir -p "$OUT"
BIN=.build/release
PORT=${BENCH_PORT:-18182}
db="$OUT/parking.sqlite"; rm -f "$db"*
"$BIN/machigis" init --db "$db" 2>/dev/null
"$BIN/machigis" user add bench --role road_traffic --db "$db" >/dev/null 2>&1
TOKEN=$("$BIN/machigis" token create bench --db "$db" 2>/dev/null)
start_server "$BIN/machigis" "$PORT" "$OUT/serve-parking.log" --db "$db"
TOKEN=$TOKEN wrk -t2 -c32 -d20s --latency -s bench/parking_post.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-parking.txt" 2>&1
stop_server
wrk_summary "$OUT/wrk-parking.txt"
p50=$w50; p99=$w99
non2xx=$(awk '/Non-2xx/ {print $4}' "$OUT/wrk-parking.txt"); non2xx=${non2xx:-0}
total=$(awk '/requests in/ {print $1}' "$OUT/wrk-parking.txt")
stored=$(sqlite3 "$db" "SELECT count(*) FROM parking_incidents")
hot=$("$BIN/machigis-bench" hotspots --db "$db" --cases 100000 --runs 20)
{
  echo "## Parking cases (issue 3)"
  echo
  echo "| measure | result |"
  echo "|---|---:|"
  echo "| acknowledged durable POSTs/s (wrk 2 threads, 32 connections, 20 s; synchronous=FULL) | $rps |"
  echo "| POST latency p50 / p99 | $p50 / $p99 |"
  echo "| responses / non-2xx / rows stored afterwards | $total / $non2xx / $stored |"
  echo "| hotspots, 100k cases over a year (250 m and 100 m cells) | $(echo "$hot" | tr '\n' ';' ) |"
} >"$OUT/results-parking.md"
rm -f "$db"*
echo "parking: $rps POST/s, $hot" >&2
