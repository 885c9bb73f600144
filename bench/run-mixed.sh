#!/usr/bin/env bash
# /healthz latency under heavy load (issue 10, item 4): 6 wrk connections pull 10,000-item pages
# and zoom-10 tiles of a synthetic ledger while a probe times /healthz every 20 ms. Run twice in
# the same build: handlers on Swift's shared threads (--blocking-threads 0, as before the fix)
# and on the blocking executor (default). Loopback only, BENCH_MIXED_SECONDS per run (default 20).
# Writes bench/out/results-mixed.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
PORT=${BENCH_PORT:-18185}
SECONDS_RUN=${BENCH_MIXED_SECONDS:-20}
n=${BENCH_MIXED_PIPES:-100000}
res="$OUT/results-mixed.md"

bench_source "$BIN" "$n"
db="$OUT/mixed-$n.sqlite"; rm -f "$db"*
"$BIN/machigis" ingest sewer_pipes "$src" --db "$db" --layers bench/layers 2>"$OUT/mixed-ingest.log"
{
  echo "## /healthz under heavy load (issue 10)"
  echo
  echo "$n pipes; 6 wrk connections alternate \`items?limit=10000\` and a zoom-10 tile for ${SECONDS_RUN} s while one"
  echo "client times \`/healthz\` every 20 ms on a keep-alive connection."
  echo
  echo "| handlers run on | /healthz p50 / p99 (idle server) | /healthz p50 / p99 under load | probes | heavy req/s | heavy p50 / p99 |"
  echo "|---|---:|---:|---:|---:|---:|"
} >"$res"
for mode in shared executor; do
  args=(); label="blocking executor ($(( 2 * $(nproc) + 2 )) threads)"
  [ "$mode" = shared ] && { args=(--blocking-threads 0); label="Swift's shared threads (before)"; }
  start_server "$BIN/machigis" "$PORT" "$OUT/serve-mixed-$mode.log" --db "$db" --layers bench/layers "${args[@]}"
  read -r i50 i99 _ < <(python3 bench/healthz_probe.py "$PORT" 5)
  wrk -t2 -c6 -d"${SECONDS_RUN}s" --timeout 30s --latency -s bench/mixed.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-mixed-$mode.txt" 2>&1 &
  wrk_pid=$!
  sleep 2  # let the load reach its steady state
  read -r p50 p99 count < <(python3 bench/healthz_probe.py "$PORT" $((SECONDS_RUN - 4)))
  wait "$wrk_pid"
  stop_server
  wrk_summary "$OUT/wrk-mixed-$mode.txt"
  echo "| $label | $i50 / $i99 ms | $p50 / $p99 ms | $count | $rps $errs | $w50 / $w99 |" >>"$res"
  echo "done $mode: /healthz $p50 / $p99 ms under load; heavy $rps req/s" >&2
done
[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$db"*
echo "wrote $res" >&2
